/**
 * One error vocabulary (issue 9, item 5): each input of the issue that gave a plain TypeError,
 * RangeError or an ENGINE_FAILURE now gives a MinibatchError with a code of the README's table
 * and, where it applies, the row, column or option. Both engines.
 */
import { describe, expect, it } from 'vitest';
import {
  Dataset,
  type FitOptions,
  InvalidDataError,
  InvalidOptionError,
  LinearRegression,
  LogisticRegression,
  MinibatchError,
  SoftmaxRegression,
  crossValidate,
} from '../../ts/index.js';
import { blobs, classification, maxRelDiff } from '../helpers/data.js';

const engines = ['wasm', 'js'] as const;

async function rejection(p: Promise<unknown> | (() => unknown)): Promise<MinibatchError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (!(e instanceof MinibatchError)) throw new Error(`expected a MinibatchError, got ${String(e)}`, { cause: e });
    expect(e.code).not.toBe('ENGINE_FAILURE');
    return e;
  }
  throw new Error('expected a rejection');
}

const { X, y } = classification(951, 60, 3);

describe.each(engines)('BigInt and Symbol values (%s engine)', (engine) => {
  const base: FitOptions = { engine, maxEpochs: 1, seed: 1 };
  it.each([
    ['a BigInt in X', () => X.map((r, i) => (i === 4 ? [r[0], 5n as unknown as number, r[2]] : r)), y, undefined, 'X', 4, 1],
    ['a Symbol in X', () => X.map((r, i) => (i === 2 ? [Symbol('s') as unknown as number, r[1], r[2]] : r)), y, undefined, 'X', 2, 0],
    ['a BigInt in y', () => X, y.map((v, i) => (i === 7 ? (1n as unknown as number) : v)), undefined, 'y', 7, undefined],
    ['a Symbol in sampleWeight', () => X, y, X.map((_, i) => (i === 3 ? (Symbol() as unknown as number) : 1)), 'sampleWeight', 3, undefined],
  ] as const)('%s: INVALID_DATA with its row and column', async (_, xs, ys, w, argument, row, column) => {
    const e = (await rejection(new LogisticRegression().fit(xs(), ys, { ...base, ...(w ? { sampleWeight: w } : {}) }))) as InvalidDataError;
    expect(e.code).toBe('INVALID_DATA');
    expect([e.argument, e.row, e.column]).toEqual([argument, row, column]);
  });
});

describe.each(engines)('options that used to reach the engine (%s engine)', (engine) => {
  const base: FitOptions = { engine, maxEpochs: 3, seed: 1 };
  it('learningRate 1e39 (Infinity in float32): INVALID_OPTION learningRate, for a number and a schedule', async () => {
    for (const learningRate of [1e39, { type: 'step' as const, initial: 1e39, stepSize: 1 }, () => 1e39]) {
      const e = (await rejection(new LogisticRegression().fit(X, y, { ...base, learningRate }))) as InvalidOptionError;
      expect([e.code, e.option]).toEqual(['INVALID_OPTION', 'learningRate']);
    }
  });

  it('cosine options whose rates compute to NaN: INVALID_OPTION learningRate', async () => {
    const e = (await rejection(
      new LogisticRegression().fit(X, y, { ...base, learningRate: { type: 'cosine', initial: 0.1, periodEpochs: 1e-320, periodMultiplier: 2 } }),
    )) as InvalidOptionError;
    expect([e.code, e.option]).toEqual(['INVALID_OPTION', 'learningRate']);
  });

  it('class weights that overflow float32: INVALID_OPTION classWeight', async () => {
    const e = (await rejection(new LogisticRegression().fit(X, y, { ...base, classWeight: { 0: 1e300, 1: 1 } }))) as InvalidOptionError;
    expect([e.code, e.option]).toEqual(['INVALID_OPTION', 'classWeight']);
    const w = X.map(() => 1e30);
    const e2 = (await rejection(new LogisticRegression().fit(X, y, { ...base, sampleWeight: w, classWeight: { 0: 1e10, 1: 1 } }))) as InvalidOptionError;
    expect([e2.code, e2.option]).toEqual(['INVALID_OPTION', 'classWeight']);
  });

  it('a one-class softmax: refused before training (classes option, a dataset, a snapshot)', async () => {
    expect((await rejection(() => new SoftmaxRegression({ classes: ['only'] }))).code).toBe('INVALID_OPTION');
    const one = Dataset.fromObjects(X.map((r) => ({ a: r[0], b: r[1], kind: 'same' })), { target: 'kind' });
    expect((await rejection(new SoftmaxRegression().fit(one, base))).code).toBe('INVALID_LABEL');
    const { X: bx, y: by } = blobs(952, 30, 2, 2);
    const m = new SoftmaxRegression();
    await m.fit(bx, by, base);
    const j = m.toJSON();
    const broken = { ...j, classes: [0], nOutputs: 1, weights: j.weights!.slice(0, 2), bias: j.bias!.slice(0, 1), training: null };
    expect((await rejection(() => SoftmaxRegression.fromJSON(broken))).code).toBe('INVALID_MODEL');
  });

  it('crossValidate(null, data): INVALID_OPTION estimator', async () => {
    const data = Dataset.fromArrays(X, y);
    const e = (await rejection(crossValidate(null as unknown as LogisticRegression, data))) as InvalidOptionError;
    expect([e.code, e.option]).toEqual(['INVALID_OPTION', 'estimator']);
  });

  it('option values with a null prototype are described, not thrown on', async () => {
    const odd = Object.create(null) as number;
    const e = (await rejection(() => new LogisticRegression({ l2: odd }))) as InvalidOptionError;
    expect([e.code, e.option]).toEqual(['INVALID_OPTION', 'l2']);
    const e2 = (await rejection(new LogisticRegression().fit(X, y, { ...base, batchSize: odd }))) as InvalidOptionError;
    expect([e2.code, e2.option]).toEqual(['INVALID_OPTION', 'batchSize']);
  });
});

describe('the engines agree on divergence at huge learning rates', () => {
  // l2 = 1 and γ = 1e10…1e30: the penalty overflows float32 while the data term does not. The
  // wasm engine judged the float64 sum, the js engine its float32 value: one went on, one stopped.
  const p = classification(1, 50, 3);
  it.each([1e10, 1e20, 1e30])('learningRate %d, l2 = 1, batch 64: the same outcome and the same parameters', async (learningRate) => {
    const { X, y } = p;
    const outcomes = await Promise.all(
      engines.map(async (engine) => {
        const m = new LogisticRegression({ l2: 1 });
        const r = await m
          .fit(X, y, { engine, learningRate, batchSize: 64, maxEpochs: 3, seed: 1 })
          .then((h) => h.stopReason as string)
          .catch((e: MinibatchError) => `${e.code} in epoch ${(e as unknown as { epoch: number }).epoch}`);
        return { r, w: Array.from(m.weights, (v) => Math.fround(v)) };
      }),
    );
    expect(outcomes[0].r).toBe(outcomes[1].r);
    expect(outcomes[0].r).toMatch(/DIVERGED/);
    // the model keeps the last finite epoch's parameters: the same in both, to the engines' 1e-5
    expect(maxRelDiff(outcomes[0].w, outcomes[1].w)).toBeLessThan(1e-5);
  });
});

describe('CSV', () => {
  it('a header wider than 4.19 million columns loads (no RangeError)', async () => {
    const n = 4_200_000;
    const header = Array.from({ length: n }, (_, i) => `c${i}`).join(',');
    const row = '1,'.repeat(n - 1) + '0';
    const data = await Dataset.fromCSV(`${header}\n${row}\n`, { target: 'c0' });
    expect(data.nFeatures).toBe(n - 1);
    expect(data.x.data[n - 2]).toBe(0);
  });
});

it('LinearRegression refuses a categorical target with a typed error', async () => {
  const d = Dataset.fromObjects([{ a: 1, t: 'x' }, { a: 2, t: 'y' }], { target: 't' });
  expect((await rejection(new LinearRegression().fit(d, { maxEpochs: 1 }))).code).toBe('INVALID_LABEL');
});
