/**
 * A fit is a transaction (issue 9, items 1 and 4): a fit that fails leaves the model exactly as
 * it was, one fit at a time per model (MODEL_BUSY), predict during training sees one consistent
 * model, stream chunks are checked, and fitIter's iterators can be disposed. Each defect of the
 * issue has its test here, run against both engines.
 */
import { describe, expect, it } from 'vitest';
import {
  type Chunk,
  type FitOptions,
  InvalidDataError,
  LinearRegression,
  LogisticRegression,
  MinibatchError,
  SoftmaxRegression,
  wasmMemoryBytes,
} from '../../ts/index.js';
import { blobs, classification, regression } from '../helpers/data.js';

const engines = ['wasm', 'js'] as const;

/** Rejects with a MinibatchError: its code. */
async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(MinibatchError);
    return (e as MinibatchError).code;
  }
  throw new Error('expected a rejection');
}

/** Everything a user can see of a model: its snapshot as JSON text. */
const seen = (m: { toJSON(): unknown }) => JSON.stringify(m.toJSON());

/** An async iterable over fixed chunks (read again on every pass). */
function chunksOf(list: unknown[]): AsyncIterable<Chunk> {
  return {
    async *[Symbol.asyncIterator]() {
      for (const c of list) yield c as Chunk;
    },
  };
}

function matrixChunk(X: number[][], y: number[]): Chunk {
  return { x: { data: Float32Array.from(X.flat()), rows: X.length, cols: X[0].length }, y: Float32Array.from(y) };
}

describe.each(engines)('a failed fit leaves the model exactly as it was (%s engine)', (engine) => {
  const base: FitOptions = { engine, seed: 3, maxEpochs: 5, learningRate: 0.1, tolerance: null };

  it('softmax refit with other labels and a negative sample weight: INVALID_DATA, classes and snapshot unchanged', async () => {
    const { X, y } = blobs(901, 90, 3, 3, 0.8);
    const m = new SoftmaxRegression();
    await m.fit(X, y.map((c) => ['a', 'b', 'c'][c]), base);
    const before = seen(m);
    const p = m.predict(X);
    const w = X.map(() => 1);
    w[5] = -1;
    expect(await codeOf(m.fit(X, y.map((c) => ['x', 'y', 'z', 'w'][c % 4]), { ...base, sampleWeight: w }))).toBe('INVALID_DATA');
    expect(seen(m)).toBe(before);
    expect(m.predict(X)).toEqual(p);
    expect(seen(SoftmaxRegression.fromJSON(JSON.parse(before)))).toBe(before);
  });

  it('a standardize model whose refit fails an option check keeps its scaler (the probabilities do not move)', async () => {
    const { X, y } = classification(902, 120, 4);
    const m = new LogisticRegression({ standardize: true });
    await m.fit(X, y, base);
    const before = seen(m);
    const p = m.predictProba(X);
    const shifted = X.map((r) => r.map((v) => v * 50 + 1000));
    // dropLast with a batch larger than the data: refused by the run's own check, after the data
    expect(await codeOf(m.fit(shifted, y, { ...base, batchSize: 1000, dropLast: true }))).toBe('INVALID_OPTION');
    // an early-stopping monitor that needs validation data: refused after the data was read
    expect(await codeOf(m.fit(shifted, y, { ...base, earlyStopping: { monitor: 'valLoss' } }))).toBe('INVALID_OPTION');
    expect(seen(m)).toBe(before);
    expect(m.predictProba(X)).toEqual(p);
  });

  it('a stream that errors in its second epoch, or gives a NaN, leaves the model as it was (no NaN scaler)', async () => {
    const { X, y } = regression(903, 64, 3, 0.1);
    const m = new LinearRegression({ standardize: true });
    await m.fit(X, y, base);
    const before = seen(m);
    let passes = 0;
    const failing: AsyncIterable<Chunk> = {
      async *[Symbol.asyncIterator]() {
        passes++;
        yield matrixChunk(X.slice(0, 32), y.slice(0, 32));
        if (passes >= 3) throw new Error('disk unplugged');
        yield matrixChunk(X.slice(32), y.slice(32));
      },
    };
    await expect(m.fit(failing, { ...base, maxEpochs: 4 })).rejects.toThrow('disk unplugged');
    expect(seen(m)).toBe(before);
    const nan = matrixChunk(X.slice(0, 4), y.slice(0, 4));
    nan.x.data[5] = NaN;
    const err = await m.fit(chunksOf([matrixChunk(X.slice(4), y.slice(4)), nan]), base).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidDataError);
    expect((err as InvalidDataError).code).toBe('INVALID_DATA');
    expect([(err as InvalidDataError).row, (err as InvalidDataError).column]).toEqual([1, 2]);
    expect(seen(m)).toBe(before);
    expect(Number.isFinite(m.predict(X)[0])).toBe(true);
  });

  it('a callback that throws, or a schedule that computes NaN, leaves the model as it was', async () => {
    const { X, y } = classification(904, 80, 3);
    const m = new LogisticRegression();
    await m.fit(X, y, base);
    const before = seen(m);
    const boom = () => {
      throw new Error('callback failed');
    };
    await expect(m.fit(X, y, { ...base, onEpochEnd: boom })).rejects.toThrow('callback failed');
    expect(seen(m)).toBe(before);
    // a subnormal period: t / period overflows, and the restart arithmetic gives NaN
    const cosine = { type: 'cosine' as const, initial: 0.1, periodEpochs: 1e-320, periodMultiplier: 2 };
    expect(await codeOf(m.fit(X, y, { ...base, learningRate: cosine }))).toBe('INVALID_OPTION');
    expect(seen(m)).toBe(before);
  });
});

describe.each(engines)('one fit at a time per model (%s engine)', (engine) => {
  it('a second fit or partialFit while one trains is refused with MODEL_BUSY; the first completes as if alone', async () => {
    const { X, y } = blobs(911, 200, 4, 3, 0.8);
    const options: FitOptions = { engine, seed: 5, maxEpochs: 8, learningRate: 0.1, tolerance: null, yieldEveryMs: 0 };
    const alone = new SoftmaxRegression();
    await alone.fit(X, y, options);
    const m = new SoftmaxRegression();
    const first = m.fit(X, y, options);
    const other = blobs(912, 100, 6, 5, 0.8);
    expect(await codeOf(m.fit(other.X, other.y, options))).toBe('MODEL_BUSY');
    expect(await codeOf(m.partialFit(other.X, other.y, options))).toBe('MODEL_BUSY');
    await first;
    expect(m.nFeatures).toBe(4);
    expect(m.weights).toEqual(alone.weights);
    expect(m.bias).toEqual(alone.bias);
    // free again afterwards
    await m.fit(other.X, other.y, options);
    expect(m.nFeatures).toBe(6);
  });

  it('predict during a refit sees the model from before that refit: its weights, classes and scaler together', async () => {
    const { X, y } = classification(913, 150, 3);
    const m = new LogisticRegression({ standardize: true });
    await m.fit(X, y, { engine, seed: 1, maxEpochs: 5, learningRate: 0.1, tolerance: null });
    const before = m.predictProba(X);
    const seenDuring: Float64Array[] = [];
    const shifted = X.map((r) => r.map((v) => v * 10 - 3));
    await m.fit(shifted, y, {
      engine,
      seed: 2,
      maxEpochs: 4,
      learningRate: 0.1,
      tolerance: null,
      onEpochEnd: () => {
        seenDuring.push(m.predictProba(X));
      },
    });
    expect(seenDuring.length).toBe(4);
    for (const p of seenDuring) expect(p).toEqual(before);
    expect(m.predictProba(X)).not.toEqual(before);
  });

  it('an open fitIter holds the model; ending it frees it', async () => {
    const { X, y } = classification(914, 60, 2);
    const m = new LogisticRegression();
    const it = m.fitIter(X, y, { engine, seed: 1, maxEpochs: 10, tolerance: null });
    await it.next();
    expect(await codeOf(m.fit(X, y, { engine, maxEpochs: 1 }))).toBe('MODEL_BUSY');
    await it.return(undefined as never);
    await m.fit(X, y, { engine, maxEpochs: 1, seed: 1 });
    expect(m.isFitted).toBe(true);
  });
});

describe.each(engines)('stream chunks are checked (%s engine)', (engine) => {
  const { X, y } = regression(921, 40, 3, 0.1);
  const good = matrixChunk(X, y);
  const cases: [string, unknown, string][] = [
    ['a chunk that is not an object', 42, 'INVALID_DATA'],
    ['x without a Float32Array', { x: { data: [1, 2, 3], rows: 1, cols: 3 }, y: new Float32Array(1) }, 'INVALID_DATA'],
    ['a chunk claiming 10⁹ columns', { x: { data: new Float32Array(3), rows: 1, cols: 1e9 }, y: new Float32Array(1) }, 'SHAPE_MISMATCH'],
    ['another width than the first chunk', { x: { data: new Float32Array(4), rows: 1, cols: 4 }, y: new Float32Array(1) }, 'SHAPE_MISMATCH'],
    ['an Infinity in x', { x: { data: Float32Array.of(1, Infinity, 3), rows: 1, cols: 3 }, y: new Float32Array(1) }, 'INVALID_DATA'],
    ['y of the wrong length', { x: { data: new Float32Array(3), rows: 1, cols: 3 }, y: new Float32Array(2) }, 'SHAPE_MISMATCH'],
    ['y missing', { x: { data: new Float32Array(3), rows: 1, cols: 3 } }, 'INVALID_DATA'],
    ['a NaN target', { x: { data: new Float32Array(3), rows: 1, cols: 3 }, y: Float32Array.of(NaN) }, 'INVALID_DATA'],
  ];
  it.each(cases)('%s: a typed error, the model unchanged', async (_, chunk, code) => {
    const m = new LinearRegression({ standardize: true });
    await m.fit(X, y, { engine, seed: 1, maxEpochs: 2 });
    const before = seen(m);
    expect(await codeOf(m.fit(chunksOf([good, chunk]), { engine, seed: 1, maxEpochs: 2 }))).toBe(code);
    expect(seen(m)).toBe(before);
  });
});

describe.each(engines)('fitIter iterators can be disposed (%s engine)', (engine) => {
  const { X, y } = classification(931, 200, 8);

  it('dispose() ends training at once; the model keeps what it learned; using works', async () => {
    const m = new LogisticRegression();
    const it = m.fitIter(X, y, { engine, seed: 4, maxEpochs: 50, tolerance: null });
    const first = await it.next();
    expect(first.done).toBe(false);
    it.dispose();
    const after = await it.next();
    expect(after.done).toBe(true);
    expect(m.isFitted).toBe(true);
    // the model holds epoch 1's parameters: the same as one epoch of fit
    const one = new LogisticRegression();
    await one.fit(X, y, { engine, seed: 4, maxEpochs: 1, tolerance: null });
    expect(m.weights).toEqual(one.weights);
    {
      await using it2 = m.fitIter(X, y, { engine, seed: 4, maxEpochs: 50, tolerance: null });
      await it2.next();
    }
    await m.fit(X, y, { engine, maxEpochs: 1 }); // not busy any more
  });
});

describe.each(engines)('parked sessions resume bit-identically (%s engine)', (engine) => {
  it('7 fitIters advanced in turn (more than the 4 sessions kept waiting) end as each fit alone, also on a stream with validation', async () => {
    const { X, y } = blobs(932, 120, 3, 3, 0.8);
    const options = (seed: number): FitOptions => ({ engine, seed, maxEpochs: 6, learningRate: 0.2, tolerance: null, validationData: [X.slice(0, 20), y.slice(0, 20)], optimizer: 'adam' });
    const stream = chunksOf([matrixChunk(X.slice(0, 60), y.slice(0, 60)), matrixChunk(X.slice(60), y.slice(60))]);
    const alone: SoftmaxRegression[] = [];
    for (let i = 0; i < 7; i++) {
      const m = new SoftmaxRegression();
      await (i === 6 ? m.fit(stream, options(i)) : m.fit(X, y, options(i)));
      alone.push(m);
    }
    const models = Array.from({ length: 7 }, () => new SoftmaxRegression());
    const its = models.map((m, i) => (i === 6 ? m.fitIter(stream, options(i)) : m.fitIter(X, y, options(i))));
    let open = its.length;
    while (open > 0) {
      open = 0;
      for (const it of its) if (!(await it.next()).done) open++;
    }
    models.forEach((m, i) => {
      expect(m.weights).toEqual(alone[i].weights);
      expect(m.bias).toEqual(alone[i].bias);
    });
  });
});

describe('abandoned fitIter iterators do not hold wasm memory', () => {
  it('200 iterators left after their first epoch, with no turn of the event loop: wasm memory stays bounded', async () => {
    // 200 × 40 000 × 32 float32 = 1 GB if each kept its session
    const n = 40_000;
    const d = 32;
    const x = new Float32Array(n * d).map((_, i) => Math.sin(i));
    const y = new Float32Array(n).map((_, i) => i % 2);
    const warm = new LogisticRegression();
    await warm.fit(x, y, { engine: 'wasm', nFeatures: d, maxEpochs: 1, seed: 1, yieldEveryMs: 0 });
    const start = wasmMemoryBytes();
    for (let i = 0; i < 200; i++) {
      const it = new LogisticRegression().fitIter(x, y, { engine: 'wasm', nFeatures: d, maxEpochs: 5, seed: i, yieldEveryMs: 0 });
      await it.next();
    }
    const grown = wasmMemoryBytes() - start;
    // at most MAX_SUSPENDED (4) sessions of 5.1 MB wait, plus the one running
    expect(grown).toBeLessThan(64 * 2 ** 20);
  });
});
