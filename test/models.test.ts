/** What users call on a model: predict, predictProba, score, weights, toJSON/fromJSON. */
import { describe, expect, it } from 'vitest';
import { LinearRegression, LogisticRegression } from '../ts/index.js';
import { classification, regression } from './helpers/data.js';

describe('LogisticRegression', () => {
  const { X, y } = classification(401, 300, 4);

  it('predictProba is σ(w·x + b), predict thresholds it at 0.5, score is the accuracy', async () => {
    const m = new LogisticRegression({ l2: 1e-3 });
    await m.fit(X, y, { seed: 1, maxEpochs: 20, learningRate: 0.1 });
    const w = m.weights;
    const p = m.predictProba(X);
    const labels = m.predict(X);
    let hits = 0;
    X.forEach((row, i) => {
      const z = row.reduce((s, v, j) => s + w[j] * Math.fround(v), m.bias);
      expect(p[i]).toBeCloseTo(1 / (1 + Math.exp(-z)), 12);
      expect(labels[i]).toBe(p[i] > 0.5 ? 1 : 0);
      if (labels[i] === y[i]) hits++;
    });
    expect(m.score(X, y)).toBe(hits / X.length);
    expect(m.score(X, y)).toBeGreaterThan(0.7);
  });

  it('predictProba stays in [0, 1] without overflow for huge scores', async () => {
    const m = LogisticRegression.fromJSON({
      format: 'minibatch.model',
      version: 2,
      model: 'LogisticRegression',
      options: { l2: 0, fitIntercept: true },
      nFeatures: 1,
      nOutputs: 1,
      weights: [1e30],
      bias: [0],
      training: null,
    });
    expect(Array.from(m.predictProba([[1], [-1], [0]]))).toEqual([1, 0, 0.5]);
  });

  it('round-trips through JSON with identical predictions', async () => {
    const m = new LogisticRegression({ l2: 0.01, fitIntercept: false });
    await m.fit(X, y, { seed: 2, maxEpochs: 5 });
    expect(m.bias).toBe(0);
    const copy = LogisticRegression.fromJSON(JSON.parse(JSON.stringify(m)));
    expect(copy.weights).toEqual(m.weights);
    expect(copy.l2).toBe(0.01);
    expect(copy.fitIntercept).toBe(false);
    expect(copy.predictProba(X)).toEqual(m.predictProba(X));
    expect(LogisticRegression.fromJSON(JSON.stringify(m)).weights).toEqual(m.weights);
  });

  it('an unfitted model round-trips as unfitted', () => {
    const copy = LogisticRegression.fromJSON(new LogisticRegression({ l2: 2 }).toJSON());
    expect([copy.isFitted, copy.l2]).toEqual([false, 2]);
  });

  it('takes row-major typed arrays with nFeatures, for fit and (without it) for predict', async () => {
    const flat = new Float64Array(X.flat());
    const a = new LogisticRegression();
    await a.fit(flat, new Float64Array(y), { nFeatures: 4, seed: 3, maxEpochs: 3 });
    const b = new LogisticRegression();
    await b.fit(X, y, { seed: 3, maxEpochs: 3 });
    expect(a.weights).toEqual(b.weights);
    expect(a.predict(new Float32Array(flat))).toEqual(b.predict(X));
  });

  it('weights is a copy: changing it does not change the model', async () => {
    const m = new LogisticRegression();
    await m.fit(X, y, { seed: 4, maxEpochs: 1 });
    const w = m.weights;
    w[0] = 1234;
    expect(m.weights[0]).not.toBe(1234);
  });
});

describe('LinearRegression', () => {
  it('score is R² = 1 − SS_res/SS_tot, computed here by hand', async () => {
    const { X, y } = regression(402, 200, 3, 1);
    const m = new LinearRegression();
    await m.fit(X, y, { seed: 1, maxEpochs: 30, learningRate: 0.05 });
    const p = m.predict(X);
    const mean = y.reduce((a, b) => a + b) / y.length;
    const r2 = 1 - y.reduce((s, v, i) => s + (v - p[i]) ** 2, 0) / y.reduce((s, v) => s + (v - mean) ** 2, 0);
    expect(m.score(X, y)).toBeCloseTo(r2, 10);
    expect(r2).toBeGreaterThan(0.7);
  });

  it('without an intercept, the fitted line goes through the origin', async () => {
    const X = [[1], [2], [3], [4]];
    const m = new LinearRegression({ fitIntercept: false });
    await m.fit(X, [3, 5, 7, 9], { batchSize: 4, learningRate: 0.05, maxEpochs: 2000, tolerance: null, seed: 1 });
    // least squares through the origin: w = Σxy / Σx² = 70 / 30
    expect(m.bias).toBe(0);
    expect(m.weights[0]).toBeCloseTo(70 / 30, 5);
  });

  it("refitting starts afresh (scikit-learn's fit, not a warm start)", async () => {
    const { X, y } = regression(403, 100, 2, 0.1);
    const once = new LinearRegression();
    await once.fit(X, y, { seed: 9, maxEpochs: 2 });
    const twice = new LinearRegression();
    await twice.fit(X, y, { seed: 1, maxEpochs: 5 });
    await twice.fit(X, y, { seed: 9, maxEpochs: 2 });
    expect(twice.weights).toEqual(once.weights);
  });
});
