/** The budget and the tolerance rule stop training exactly when they should. */
import { describe, expect, it } from 'vitest';
import { LinearRegression } from '../ts/index.js';
import { regression } from './helpers/data.js';

const { X, y } = regression(201, 100, 3, 0.5);

describe.each(['wasm', 'js'] as const)('%s engine', (engine) => {
  const fit = (options: object) => new LinearRegression().fit(X, y, { engine, seed: 1, learningRate: 0.05, ...options });

  it('maxEpochs: runs exactly that many epochs of ⌈n/b⌉ updates', async () => {
    const h = await fit({ batchSize: 32, maxEpochs: 7, tolerance: null });
    expect([h.epochs, h.iterations, h.stopReason]).toEqual([7, 28, 'maxEpochs']);
    expect(h.loss).toHaveLength(7);
  });

  it('maxIterations: stops mid-epoch after exactly that many updates', async () => {
    const h = await fit({ batchSize: 32, maxIterations: 10, tolerance: null });
    // epochs of 4 updates (32, 32, 32, 4 rows): 4 + 4 + 2
    expect([h.epochs, h.iterations, h.stopReason]).toEqual([3, 10, 'maxIterations']);
  });

  it('dropLast: the short last batch is skipped, so an epoch has ⌊n/b⌋ updates', async () => {
    const h = await fit({ batchSize: 32, maxEpochs: 5, dropLast: true, tolerance: null });
    expect(h.iterations).toBe(15);
  });

  it('batchSize 1 is SGD (n updates an epoch) and batchSize ≥ n is batch GD (1 update)', async () => {
    expect((await fit({ batchSize: 1, maxEpochs: 2, tolerance: null })).iterations).toBe(200);
    expect((await fit({ batchSize: 100, maxEpochs: 2, tolerance: null })).iterations).toBe(2);
    expect((await fit({ batchSize: 1000, maxEpochs: 2, tolerance: null })).iterations).toBe(2);
  });

  it('tolerance: when no epoch can improve by tolerance, stops after 1 + patience epochs', async () => {
    // The first epoch always improves on +Infinity; every later one is short of best − 1e9.
    const h = await fit({ batchSize: 10, maxEpochs: 50, tolerance: 1e9, patience: 3 });
    expect([h.epochs, h.stopReason]).toEqual([4, 'tolerance']);
  });

  it('tolerance 0 with a steadily falling loss never stops early', async () => {
    const h = await fit({ batchSize: 100, maxEpochs: 30, tolerance: 0, patience: 1, learningRate: 0.01 });
    expect([h.epochs, h.stopReason]).toEqual([30, 'maxEpochs']);
    for (let i = 1; i < h.loss.length; i++) expect(h.loss[i]).toBeLessThan(h.loss[i - 1]);
  });

  it('tolerance and patience: the stop epoch is the first where scikit-learn’s rule fires', async () => {
    const tolerance = 1e-3;
    const patience = 4;
    const h = await fit({ batchSize: 8, maxEpochs: 500, tolerance, patience });
    expect(h.stopReason).toBe('tolerance');
    // replay the rule on the recorded losses: it must fire at the last epoch and not before
    let best = Infinity;
    let count = 0;
    let firedAt = -1;
    h.loss.forEach((l, i) => {
      count = l > best - tolerance ? count + 1 : 0;
      best = Math.min(best, l);
      if (count >= patience && firedAt < 0) firedAt = i + 1;
    });
    expect(firedAt).toBe(h.epochs);
    expect(h.epochs).toBeGreaterThan(patience + 1);
    expect(h.bestLoss).toBe(Math.min(...h.loss));
  });

  it('onEpochEnd sees every epoch, in order, with the running iteration count', async () => {
    const seen: number[][] = [];
    const h = await fit({ batchSize: 25, maxEpochs: 3, tolerance: null, onEpochEnd: (e: { epoch: number; iterations: number }) => seen.push([e.epoch, e.iterations]) });
    expect(seen).toEqual([
      [1, 4],
      [2, 8],
      [3, 12],
    ]);
    expect(h.epochTimeMs).toHaveLength(3);
  });
});
