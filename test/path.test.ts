/**
 * recordPath: the parameters recorded while training are the real trajectory (batch gradient
 * descent replayed in float64 from the data), and recording never changes what is learned
 * (bit-identical parameters with and without it, in both engines).
 */
import { describe, expect, it } from 'vitest';
import { InvalidOptionError, LinearRegression, LogisticRegression, type FitOptions } from '../ts/index.js';
import { classification, regression } from './helpers/data.js';

const engines = ['wasm', 'js'] as const;

describe('recordPath', () => {
  const { X, y } = regression(11, 150, 1, 0.5);
  const n = X.length;

  it.each(engines)('%s: recording does not change the parameters, for batch 1, 7 and n, sgd, momentum and adam', async (engine) => {
    const settings: FitOptions[] = [];
    for (const batchSize of [1, 7, n]) {
      for (const optimizer of ['sgd', { type: 'sgd', momentum: 0.9 }, 'adam'] as const) settings.push({ batchSize, optimizer });
    }
    for (const s of settings) {
      const base: FitOptions = { ...s, engine, learningRate: 0.05, maxEpochs: 4, seed: 5, tolerance: null };
      const plain = new LinearRegression();
      await plain.fit(X, y, base);
      const recorded = new LinearRegression();
      const h = await recorded.fit(X, y, { ...base, recordPath: true });
      expect(recorded.weights).toEqual(plain.weights);
      expect(Object.is(recorded.bias, plain.bias)).toBe(true);
      // one record before the first update and one after each update, the last being the model's θ
      const path = h.path!;
      expect(path.size).toBe(2);
      expect(path.iterations).toEqual(Array.from({ length: h.iterations + 1 }, (_, i) => i));
      expect(path.params.length).toBe((h.iterations + 1) * 2);
      expect(Array.from(path.params.subarray(-2))).toEqual([recorded.weights[0], recorded.bias]);
    }
  });

  it.each(engines)('%s: a logistic fit with 12 features records every 5th update, same parameters as without', async (engine) => {
    const c = classification(3, 200, 12);
    const base: FitOptions = { engine, batchSize: 8, learningRate: 0.1, maxEpochs: 3, seed: 9, tolerance: null };
    const plain = new LogisticRegression();
    await plain.fit(c.X, c.y, base);
    const recorded = new LogisticRegression();
    const h = await recorded.fit(c.X, c.y, { ...base, recordPath: 5 });
    expect(recorded.weights).toEqual(plain.weights);
    expect(recorded.bias).toBe(plain.bias);
    // 200 rows / 8 = 25 updates an epoch, 75 in all: records at 0, 5, …, 75
    expect(h.path!.iterations).toEqual(Array.from({ length: 16 }, (_, i) => 5 * i));
    expect(h.path!.size).toBe(13);
    expect(Array.from(h.path!.params.subarray(-13))).toEqual([...recorded.weights, recorded.bias]);
  });

  it.each(engines)('%s: the batch-descent path is θ ← θ − γ·∇J(θ) replayed in float64', async (engine) => {
    const gamma = 0.1;
    const h = await new LinearRegression().fit(X, y, { engine, batchSize: n, learningRate: gamma, maxEpochs: 20, init: 'zeros', tolerance: null, recordPath: true });
    const p = h.path!.params;
    expect(p[0]).toBe(0);
    expect(p[1]).toBe(0);
    let w = 0;
    let b = 0;
    for (let t = 1; t <= 20; t++) {
      let gw = 0;
      let gb = 0;
      for (let i = 0; i < n; i++) {
        const r = w * X[i][0] + b - y[i];
        gw += r * X[i][0];
        gb += r;
      }
      w -= (gamma * gw) / n;
      b -= (gamma * gb) / n;
      expect(Math.abs(p[2 * t] - w)).toBeLessThan(1e-5 * (1 + Math.abs(w)));
      expect(Math.abs(p[2 * t + 1] - b)).toBeLessThan(1e-5 * (1 + Math.abs(b)));
    }
    // it moved: the loss fell from θ = 0 towards the least-squares solution
    expect(Math.abs(p[40])).toBeGreaterThan(0.1);
  });

  it('no path without the option; a bad value is an InvalidOptionError naming recordPath', async () => {
    const h = await new LinearRegression().fit(X, y, { maxEpochs: 1, seed: 1 });
    expect(h.path).toBeNull();
    for (const bad of [0, -1, 1.5, 'yes', null]) {
      await expect(new LinearRegression().fit(X, y, { maxEpochs: 1, recordPath: bad as never })).rejects.toSatisfy(
        (e: unknown) => e instanceof InvalidOptionError && e.option === 'recordPath',
      );
    }
  });
});
