/**
 * Bad input: each case gives a typed error that names the row, column or option, and the wasm
 * engine keeps working afterwards.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  DivergenceError,
  InvalidDataError,
  InvalidModelError,
  InvalidOptionError,
  LinearRegression,
  LogisticRegression,
  NotFittedError,
} from '../ts/index.js';
import { classification, regression } from './helpers/data.js';
import { rejects } from './helpers/rejects.js';

const good = classification(301, 50, 3);

// After every rejection, the wasm engine must still train: no trap, no poisoned instance.
afterEach(async () => {
  const m = new LogisticRegression();
  const h = await m.fit(good.X, good.y, { engine: 'wasm', maxEpochs: 2, seed: 1 });
  expect(h.engine).toBe('wasm');
  expect(Number.isFinite(h.loss[1])).toBe(true);
});

describe('bad data', () => {
  const fit = (X: unknown, y: unknown, options: object = {}) =>
    rejects(new LogisticRegression().fit(X as number[][], y as number[], { engine: 'wasm', ...options }));

  it('lengths that disagree', async () => {
    const e = (await fit(good.X, good.y.slice(0, 49))) as InvalidDataError;
    expect([e.code, e.argument]).toEqual(['SHAPE_MISMATCH', 'y']);
    expect(e.message).toMatch(/49 values but X has 50 rows/);
  });

  it('a ragged row names the row', async () => {
    const X = good.X.map((r, i) => (i === 4 ? r.slice(0, 2) : r));
    const e = (await fit(X, good.y)) as InvalidDataError;
    expect([e.code, e.row]).toEqual(['SHAPE_MISMATCH', 4]);
  });

  it.each([
    [NaN, 3, 1],
    [Infinity, 0, 2],
    [-Infinity, 49, 0],
    [1e39, 7, 1], // finite in float64, infinite in float32
  ])('%s in X names its row and column', async (value, row, column) => {
    const X = good.X.map((r) => [...r]);
    X[row][column] = value;
    const e = (await fit(X, good.y)) as InvalidDataError;
    expect([e.code, e.argument, e.row, e.column]).toEqual(['INVALID_DATA', 'X', row, column]);
    expect(e.message).toContain(`row ${row}, column ${column}`);
  });

  it('a non-finite value in a flat Float64Array names its row and column', async () => {
    const flat = new Float64Array(good.X.flat());
    flat[3 * 3 + 2] = NaN;
    const e = (await fit(flat, good.y, { nFeatures: 3 })) as InvalidDataError;
    expect([e.row, e.column]).toEqual([3, 2]);
  });

  it('a string in X is not silently converted', async () => {
    const X = good.X.map((r) => [...r]) as unknown[][];
    X[2][0] = '3';
    const e = (await fit(X, good.y)) as InvalidDataError;
    expect([e.code, e.row, e.column]).toEqual(['INVALID_DATA', 2, 0]);
  });

  it.each([NaN, Infinity, -Infinity])('%s in y names the row', async (value) => {
    const y = [...good.y];
    y[5] = value;
    const e = (await fit(good.X, y)) as InvalidDataError;
    expect([e.code, e.argument, e.row]).toEqual(['INVALID_DATA', 'y', 5]);
  });

  it.each([2, -1, 0.5])('label %s is refused by logistic regression, naming the row', async (label) => {
    const y = [...good.y];
    y[2] = label;
    const e = (await fit(good.X, y)) as InvalidDataError;
    expect([e.code, e.row]).toEqual(['INVALID_LABEL', 2]);
    expect(e.message).toMatch(/labels 0 and 1/);
  });

  it('a target with a single class', async () => {
    const e = (await fit(good.X, good.y.map(() => 1))) as InvalidDataError;
    expect([e.code, e.argument]).toEqual(['INVALID_LABEL', 'y']);
    expect(e.message).toMatch(/single class/);
  });

  it('no rows', async () => {
    expect((await fit([], [])).code).toBe('EMPTY_DATA');
    expect((await fit(new Float32Array(0), [], { nFeatures: 3 })).code).toBe('EMPTY_DATA');
    expect((await fit([[]], [1])).code).toBe('EMPTY_DATA');
  });

  it('a flat typed array without nFeatures, or not a whole number of rows', async () => {
    const flat = new Float32Array(good.X.flat());
    expect(((await fit(flat, good.y)) as InvalidOptionError).option).toBe('nFeatures');
    expect((await fit(flat, good.y, { nFeatures: 7 })).code).toBe('SHAPE_MISMATCH');
  });

  it('X that is not an array', async () => {
    expect((await fit('1,2,3', good.y)).code).toBe('INVALID_DATA');
    expect((await fit([1, 2, 3], [1, 0, 1])).code).toBe('INVALID_DATA');
  });
});

describe('bad options', () => {
  const fit = (options: object) => rejects(new LogisticRegression().fit(good.X, good.y, { engine: 'wasm', ...options }));

  it.each([
    ['batchSize', 0],
    ['batchSize', -4],
    ['batchSize', 2.5],
    ['batchSize', '32'],
    ['learningRate', 0],
    ['learningRate', -0.1],
    ['learningRate', NaN],
    ['learningRate', Infinity],
    ['maxEpochs', 0],
    ['maxIterations', 1.5],
    ['patience', 0],
    ['tolerance', -1],
    ['seed', -1],
    ['seed', 2 ** 32],
    ['engine', 'gpu'],
    ['shuffle', 'yes'],
    ['init', 'normal'],
    ['onEpochEnd', 42],
  ])('%s = %s names the option', async (option, value) => {
    const e = (await fit({ [option]: value })) as InvalidOptionError;
    expect(e).toBeInstanceOf(InvalidOptionError);
    expect([e.code, e.option]).toEqual(['INVALID_OPTION', option]);
    expect(e.message).toContain(option);
  });

  it('an unknown option is refused with the closest known name', async () => {
    const e = (await fit({ batchsize: 32 })) as InvalidOptionError;
    expect([e.code, e.option]).toEqual(['UNKNOWN_OPTION', 'batchsize']);
    expect(e.message).toContain("Did you mean 'batchSize'?");
  });

  it('a budget is required: maxEpochs and maxIterations cannot both be Infinity', async () => {
    expect(((await fit({ maxEpochs: Infinity })) as InvalidOptionError).option).toBe('maxEpochs');
  });

  it('dropLast with a batch larger than the data leaves nothing to train on', async () => {
    expect(((await fit({ batchSize: 64, dropLast: true })) as InvalidOptionError).option).toBe('batchSize');
  });

  it('model options are checked too', () => {
    expect(() => new LogisticRegression({ l2: -1 })).toThrow(InvalidOptionError);
    expect(() => new LinearRegression({ l3: 1 } as object)).toThrow(/unknown model option 'l3'.*Did you mean 'l2'/);
    expect(() => new LinearRegression({ fitIntercept: 1 } as object)).toThrow(/fitIntercept/);
  });
});

describe('state is never lost or half-written', () => {
  it('bad input leaves a fitted model exactly as it was', async () => {
    const m = new LogisticRegression();
    await m.fit(good.X, good.y, { seed: 2, maxEpochs: 3 });
    const before = [m.weights, m.bias];
    await rejects(m.fit(good.X, good.y.map(() => 3)));
    await rejects(m.fit(good.X, good.y, { learningRate: -1 }));
    expect([m.weights, m.bias]).toEqual(before);
  });

  it.each(['wasm', 'js'] as const)('%s: divergence throws, and the model keeps the parameters of the last finite epoch', async (engine) => {
    // Unscaled features (×1000) with a learning rate far past 2/λmax: the iterates grow until
    // float32 overflows.
    const p = regression(302, 200, 3, 0.1);
    const X = p.X.map((r) => r.map((v) => v * 1000));
    const options = { engine, batchSize: 200, learningRate: 1e-6 * 2.2, seed: 5, tolerance: null, maxEpochs: 10_000 };
    const m = new LinearRegression();
    const e = (await rejects(m.fit(X, p.y, options))) as DivergenceError;
    expect(e).toBeInstanceOf(DivergenceError);
    expect(e.code).toBe('DIVERGED');
    expect(e.message).toMatch(/Scale the features.*lower the learningRate/);
    expect(e.epoch).toBeGreaterThan(5);
    m.weights.forEach((w) => expect(Number.isFinite(w)).toBe(true));
    // the same run stopped one epoch earlier ends at exactly those parameters
    const ref = new LinearRegression();
    const h = await ref.fit(X, p.y, { ...options, maxEpochs: e.epoch - 1 });
    expect(m.weights).toEqual(ref.weights);
    expect(m.bias).toBe(ref.bias);
    expect((e.history as { epochs: number }).epochs).toBe(h.epochs);
  });

  it('predicting before fitting is a NotFittedError', () => {
    const m = new LinearRegression();
    expect(() => m.predict([[1, 2]])).toThrow(NotFittedError);
    expect(() => m.weights).toThrow(/not fitted yet/);
  });

  it('predicting with the wrong number of features names both counts', async () => {
    const m = new LogisticRegression();
    await m.fit(good.X, good.y, { seed: 1, maxEpochs: 1 });
    expect(() => m.predict([[1, 2]])).toThrow(/2 features per row but this LogisticRegression was fitted on 3/);
  });

  it('a malformed or truncated snapshot is an InvalidModelError', async () => {
    const m = new LogisticRegression({ l2: 0.5 });
    await m.fit(good.X, good.y, { seed: 1, maxEpochs: 1 });
    const json = m.toJSON();
    const bad: unknown[] = [
      null,
      '{"format": "minibatch.model", "versi',
      { ...json, format: 'other' },
      { ...json, version: 3 },
      { ...json, model: 'LinearRegression' },
      { ...json, weights: json.weights!.slice(1) },
      { ...json, weights: [...json.weights!.slice(1), null] },
      { ...json, bias: [] },
      { ...json, bias: 'x' },
      { ...json, options: { l2: -1, fitIntercept: true } },
    ];
    for (const b of bad) expect(() => LogisticRegression.fromJSON(b as never), JSON.stringify(b)).toThrow(InvalidModelError);
  });
});
