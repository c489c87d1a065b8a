/**
 * Both engines reach the optimum that float64 first principles give: the normal equations for
 * least squares, Newton's method for L2-regularized logistic regression.
 */
import { describe, expect, it } from 'vitest';
import { LinearRegression, LogisticRegression } from '../ts/index.js';
import { leastSquares, logisticNewton, objective } from './helpers/reference.js';
import { bundled, classification, regression } from './helpers/data.js';

const theta = (m: LinearRegression | LogisticRegression) => [...m.weights, m.bias];

describe.each(['wasm', 'js'] as const)('%s engine', (engine) => {
  it('linear regression reaches the least-squares solution (batch GD, relative objective gap < 1e-4)', async () => {
    const { X, y } = regression(11, 500, 6, 0.5);
    const star = leastSquares(X, y);
    const jStar = objective('squaredError', X, y, star);
    const m = new LinearRegression();
    const h = await m.fit(X, y, { engine, batchSize: X.length, learningRate: 0.5, maxEpochs: 300, tolerance: null, seed: 3 });
    const gap = (objective('squaredError', X, y, theta(m)) - jStar) / jStar;
    expect(h.epochs).toBe(300);
    expect(gap).toBeGreaterThanOrEqual(-1e-7); // J* is the minimum (up to float32 rounding of θ)
    expect(gap).toBeLessThan(1e-4);
  });

  it('linear regression with l2 reaches the ridge solution of the normal equations', async () => {
    const { X, y } = regression(12, 400, 5, 0.3);
    const l2 = 0.1;
    const star = leastSquares(X, y, l2);
    const m = new LinearRegression({ l2 });
    await m.fit(X, y, { engine, batchSize: X.length, learningRate: 0.5, maxEpochs: 300, tolerance: null, seed: 4 });
    theta(m).forEach((v, j) => expect(Math.abs(v - star[j])).toBeLessThan(1e-4));
    // the shrinkage is real: the penalized solution differs from the unpenalized one
    const ols = leastSquares(X, y);
    expect(Math.abs(ols[0] - star[0])).toBeGreaterThan(1e-2);
  });

  it('logistic regression with l2 reaches the Newton optimum within 1e-4', async () => {
    const { X, y } = classification(21, 600, 5);
    const l2 = 1e-2;
    const star = logisticNewton(X, y, l2);
    const m = new LogisticRegression({ l2 });
    await m.fit(X, y, { engine, batchSize: X.length, learningRate: 2, maxEpochs: 2000, tolerance: null, seed: 5 });
    theta(m).forEach((v, j) => expect(Math.abs(v - star[j]), `θ[${j}]`).toBeLessThan(1e-4));
    const gap = objective('logLoss', X, y, theta(m), l2) - objective('logLoss', X, y, star, l2);
    expect(gap).toBeLessThan(1e-8);
  });

  // Without noise, every row is fitted exactly at the optimum, so the gradient of every batch
  // vanishes there and constant-step SGD converges for any batch size (interpolation).
  it.each([1, 7, 64, 500])('batch size %i converges to the exact solution of noise-free data', async (batchSize) => {
    const p = regression(31, 500, 4, 0);
    const m = new LinearRegression();
    const lr = batchSize === 1 ? 0.05 : 0.2;
    const h = await m.fit(p.X, p.y, { engine, batchSize, learningRate: lr, maxEpochs: 400, tolerance: 0, patience: 3, seed: 6 });
    m.weights.forEach((v, j) => expect(Math.abs(v - p.trueWeights[j]), `w[${j}]`).toBeLessThan(1e-4));
    expect(Math.abs(m.bias - p.trueBias)).toBeLessThan(1e-4);
    expect(h.loss.at(-1)!).toBeLessThan(1e-9);
  });

  // With noise and a constant learning rate η, mini-batch SGD does not settle at the optimum: it
  // hovers around it. For least squares with noise variance σ² and Hessian H, the stationary
  // excess objective of constant-step SGD with batch b is about η·σ²·tr(H) / (4b) (first order
  // in η); here H ≈ I over d features plus the intercept, so tr(H) ≈ d + 1. The final iterate
  // must sit below that level: a gradient that were summed rather than averaged over the batch
  // would sit b times higher.
  it.each([
    [1, 0.002],
    [16, 0.02],
    [100, 0.1],
  ])('batch size %i with noisy data ends within the SGD noise level of the optimum (η = %f)', async (batchSize, learningRate) => {
    const d = 5;
    const sigma = 0.5;
    const { X, y } = regression(41, 500, d, sigma);
    const jStar = objective('squaredError', X, y, leastSquares(X, y));
    const m = new LinearRegression();
    await m.fit(X, y, { engine, batchSize, learningRate, maxEpochs: 100, tolerance: null, seed: 7 });
    const excess = objective('squaredError', X, y, theta(m)) - jStar;
    expect(excess).toBeGreaterThanOrEqual(0);
    expect(excess).toBeLessThan((learningRate * sigma ** 2 * (d + 1)) / (4 * batchSize));
  });

  it('on the bundled breast-cancer data, matches the Newton optimum and its accuracy', async () => {
    const { X, y } = bundled('breast-cancer.csv', 'malignant');
    const l2 = 1e-2;
    const star = logisticNewton(X, y, l2);
    const m = new LogisticRegression({ l2 });
    await m.fit(X, y, { engine, batchSize: X.length, learningRate: 1, maxEpochs: 3000, tolerance: null, seed: 8 });
    const gap = objective('logLoss', X, y, theta(m), l2) - objective('logLoss', X, y, star, l2);
    expect(gap).toBeLessThan(1e-6);
    const accStar = X.filter((r, i) => (r.reduce((s, v, j) => s + v * star[j], star[30]) > 0 ? 1 : 0) === y[i]).length / X.length;
    expect(Math.abs(m.score(X, y) - accStar)).toBeLessThanOrEqual(1 / X.length);
    expect(accStar).toBeGreaterThan(0.97);
  });

  it('on the bundled diabetes data, reaches the least-squares R² (0.5177, as scikit-learn LinearRegression reports)', async () => {
    const { X, y } = bundled('diabetes.csv', 'progression');
    const star = leastSquares(X, y);
    const m = new LinearRegression();
    await m.fit(X, y, { engine, batchSize: X.length, learningRate: 0.4, maxEpochs: 5000, tolerance: null, seed: 9 });
    // R² of the normal-equations solution; scikit-learn's LinearRegression().fit(X, y).score(X, y)
    // on load_diabetes gives 0.5177 (standardizing does not change R²).
    const ssTot = y.reduce((s, v) => s + (v - y.reduce((a, b) => a + b) / y.length) ** 2, 0);
    const r2Star = 1 - X.reduce((s, r, i) => s + (r.reduce((z, v, j) => z + v * star[j], star[10]) - y[i]) ** 2, 0) / ssTot;
    expect(r2Star).toBeCloseTo(0.5177, 4);
    expect(Math.abs(m.score(X, y) - r2Star)).toBeLessThan(1e-5);
  });
});
