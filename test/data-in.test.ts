/**
 * The data-in path of issue 12 (and item 3 of issue 9): flat features copied into wasm memory
 * block by block and checked (or converted from float64) in the same pass; a Dataset's copy kept
 * for the next fit; in-memory data larger than the wasm engine holds whole, trained block by
 * block. Every result is held to the path it replaces, bit for bit: the rows checked and copied
 * by the data layer (number[][]), the rows held whole, or a stream of the same rows.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Dataset, initWasm, InvalidDataError, InvalidOptionError, LinearRegression, LogisticRegression, SoftmaxRegression, wasmMemoryBytes } from '../ts/index.js';
import { setResidentLimitBytes } from '../ts/train/loop.js';
import { releaseKeptFeatures, wasmEngine } from '../ts/engine/wasm/engine.js';
import { RawFeatures, singleThreadGlue, wasmMemory } from '../ts/engine/wasm/raw.js';
import { classification, gaussian, regression } from './helpers/data.js';
import { rejects } from './helpers/rejects.js';

/** 32 768 values a block (engine/wasm/engine.ts): data of 5 000 × 7 spans two blocks. */
const BLOCK = 1 << 15;

const flat = (X: number[][]): Float32Array => new Float32Array(X.flat());
const params = (m: LinearRegression | LogisticRegression): number[] => [...m.weights, m.bias];

describe('bad values in flat features, checked while they are copied in', () => {
  const { X, y } = classification(31, 5000, 7);
  const d = 7;
  // positions: the first value, both sides of the block boundary, the last value
  const positions = [0, BLOCK - 1, BLOCK, BLOCK + 1, 5000 * d - 1];

  it.each([NaN, Infinity, -Infinity, 1e39, '1'])('%s in number[][] names the row and column, as the js engine does', async (bad) => {
    for (const [r, c] of [[0, 0], [2500, 3], [4999, 6]]) {
      const rows = X.map((row) => [...row]);
      rows[r][c] = bad as number;
      const wasm = (await rejects(new LogisticRegression().fit(rows, y, { engine: 'wasm', maxEpochs: 1 }))) as InvalidDataError;
      const js = (await rejects(new LogisticRegression().fit(rows, y, { engine: 'js', maxEpochs: 1 }))) as InvalidDataError;
      expect([wasm.code, wasm.argument, wasm.row, wasm.column]).toEqual(['INVALID_DATA', 'X', r, c]);
      expect(wasm.message).toBe(js.message);
    }
  });

  it.each([NaN, Infinity, -Infinity])('%s in a Float32Array names the row and column, as the js engine does', async (bad) => {
    for (const at of positions) {
      const x = flat(X);
      x[at] = bad;
      const wasm = (await rejects(new LogisticRegression().fit(x, y, { nFeatures: d, engine: 'wasm', maxEpochs: 1 }))) as InvalidDataError;
      const js = (await rejects(new LogisticRegression().fit(x, y, { nFeatures: d, engine: 'js', maxEpochs: 1 }))) as InvalidDataError;
      expect([wasm.code, wasm.argument, wasm.row, wasm.column]).toEqual(['INVALID_DATA', 'X', Math.floor(at / d), at % d]);
      expect(wasm.message).toBe(js.message);
      expect(wasm.message).toMatch(/is not finite/);
    }
  });

  it.each([
    [NaN, /is not finite/],
    [-Infinity, /is not finite/],
    [1e39, /overflows float32/],
    [-3.5e38, /overflows float32/],
  ])('%s in a Float64Array names the row and column and says why', async (bad, why) => {
    for (const at of positions) {
      const x = Float64Array.from(X.flat());
      x[at] = bad;
      const wasm = (await rejects(new LogisticRegression().fit(x, y, { nFeatures: d, engine: 'wasm', maxEpochs: 1 }))) as InvalidDataError;
      const js = (await rejects(new LogisticRegression().fit(x, y, { nFeatures: d, engine: 'js', maxEpochs: 1 }))) as InvalidDataError;
      expect([wasm.row, wasm.column]).toEqual([Math.floor(at / d), at % d]);
      expect(wasm.message).toMatch(why);
      expect(wasm.message).toBe(js.message);
    }
  });

  it('the first bad value is the one reported, and a rejected fit leaves a fitted model as it was', async () => {
    const m = new LogisticRegression();
    await m.fit(flat(X), y, { nFeatures: d, maxEpochs: 2, seed: 3 });
    const before = params(m);
    const x = flat(X);
    x[BLOCK + 5] = NaN;
    x[3] = Infinity;
    const e = (await rejects(m.fit(x, y, { nFeatures: d, maxEpochs: 2, seed: 4 }))) as InvalidDataError;
    expect([e.row, e.column]).toEqual([0, 3]);
    expect(params(m)).toEqual(before);
  });

  it('the largest float32 values are accepted from both array types', async () => {
    await initWasm();
    for (const x of [Float64Array.from(X.flat()), flat(X)]) {
      x[BLOCK] = 3.4028234663852886e38; // float32's largest finite value
      x[BLOCK + 1] = -3.4028234663852886e38;
      wasmEngine.stageFeatures!(x, d, 1, 'X', false).dispose();
    }
  });
});

describe('the same bits as the path it replaces', () => {
  const { X, y } = regression(41, 3000, 12, 0.1);
  const options = { batchSize: 64, maxEpochs: 3, learningRate: 0.02, seed: 9, tolerance: null, engine: 'wasm' } as const;

  /** Fits with the features copied in by the engine's staging, or (`staged` false) by the path before it: checked by the data layer, copied by wasm-bindgen. */
  const fitThrough = async (staged: boolean, X: number[][] | Float32Array | Float64Array | Dataset, o: object = options) => {
    const stage = wasmEngine.stageFeatures;
    if (!staged) (wasmEngine as { stageFeatures?: unknown }).stageFeatures = undefined;
    try {
      const m = new LinearRegression();
      await (X instanceof Dataset ? m.fit(X, o) : m.fit(X, y, { ...o, ...(Array.isArray(X) ? {} : { nFeatures: 12 }) }));
      return params(m);
    } finally {
      (wasmEngine as { stageFeatures?: unknown }).stageFeatures = stage;
    }
  };

  it.each([
    ['number[][]', () => X],
    ['a Float32Array', () => flat(X)],
    ['a Float64Array', () => Float64Array.from(X.flat())],
    ['a Dataset', () => Dataset.fromArrays(X, y)],
  ])('%s copied in by the engine trains bit-identically to the path before it', async (_, make) => {
    // first a fit on other rows of the same size, so that its buffer is refilled (the spare)
    await fitThrough(true, regression(42, 3000, 12, 0.1).X);
    const before = await fitThrough(false, make());
    const staged = await fitThrough(true, make());
    expect(staged).toEqual(before);
  });

  it('a Float64Array is rounded to float32 by wasm exactly as by JavaScript', async () => {
    const g = gaussian(5);
    // values that float32 cannot hold exactly, so every one is rounded
    const X64 = Float64Array.from({ length: 3000 * 12 }, () => g() / 3);
    const rows = Array.from({ length: 3000 }, (_, r) => Array.from(new Float32Array(X64.subarray(r * 12, (r + 1) * 12))));
    const a = new LinearRegression();
    await a.fit(X64, y, { ...options, nFeatures: 12 });
    expect(params(a)).toEqual(await fitThrough(false, rows));
  });

  it('a Dataset fitted again reuses its copy in wasm memory, with the same result as a fresh copy', async () => {
    const ds = Dataset.fromArrays(X, y);
    const first = new LinearRegression();
    await first.fit(ds, { ...options, learningRate: 0.05 });
    const again = new LinearRegression();
    await again.fit(ds, options); // the copy kept from the fit above
    releaseKeptFeatures();
    const fresh = new LinearRegression();
    await fresh.fit(Dataset.fromArrays(X, y), options);
    expect(params(again)).toEqual(params(fresh));
    expect(params(again)).not.toEqual(params(first));
  });

  it('validation data and a softmax model on staged features match the js engine within the engines\' tolerance', async () => {
    const c = classification(43, 2000, 8);
    const labels = c.y.map((v, i) => (v === 1 ? 2 : i % 2));
    const fitWith = async (engine: 'wasm' | 'js') => {
      const m = new SoftmaxRegression();
      const h = await m.fit(flat(c.X), labels, { nFeatures: 8, engine, batchSize: 50, maxEpochs: 2, seed: 2, validationData: [c.X.slice(0, 100), labels.slice(0, 100)] });
      return { w: m.weights.flatMap((r) => Array.from(r)), v: h.valLoss };
    };
    const w = await fitWith('wasm');
    const j = await fitWith('js');
    for (let i = 0; i < w.w.length; i++) expect(Math.abs(w.w[i] - j.w[i])).toBeLessThan(1e-4 * (1 + Math.abs(j.w[i])));
    expect(Math.abs(w.v[1] - j.v[1]) / j.v[1]).toBeLessThan(1e-5);
  });
});

describe('fits at the same time, and fits rejected after their features went in', () => {
  it('concurrent fits on separate models are bit-identical to the same fits one after another', async () => {
    const a = regression(61, 2000, 10, 0.1);
    const b = regression(62, 2000, 10, 0.1);
    const o = { batchSize: 32, maxEpochs: 3, learningRate: 0.02, seed: 4, tolerance: null, nFeatures: 10 };
    const fitOne = async (p: typeof a) => {
      const m = new LinearRegression();
      await m.fit(flat(p.X), p.y, o);
      return params(m);
    };
    const alone = [await fitOne(a), await fitOne(b)];
    const together = await Promise.all([fitOne(a), fitOne(b), fitOne(a)]);
    expect(together).toEqual([alone[0], alone[1], alone[0]]);
  });

  it('a fit rejected for its targets after its features were copied in leaves the engine working', async () => {
    const c = classification(63, 3000, 9);
    const x = flat(c.X);
    for (let i = 0; i < 3; i++) {
      const e = (await rejects(new LogisticRegression().fit(x, c.y.map((v, r) => (r === 7 ? 2 : v)), { nFeatures: 9, maxEpochs: 1 }))) as InvalidDataError;
      expect([e.code, e.row]).toEqual(['INVALID_LABEL', 7]);
    }
    const m = new LogisticRegression();
    await m.fit(x, c.y, { nFeatures: 9, maxEpochs: 2, seed: 1 });
    expect(m.score(x, c.y)).toBeGreaterThan(0.6);
  });
});

describe('in-memory data larger than the wasm engine holds whole: trained block by block', () => {
  afterEach(() => {
    setResidentLimitBytes(1 << 30);
  });
  const { X, y } = classification(51, 4000, 16);
  const x = flat(X);
  const base = { nFeatures: 16, batchSize: 48, learningRate: 0.1, seed: 12, tolerance: null, engine: 'wasm' } as const;
  /** Fits, counting the blocks loaded into the session (none when the rows are held whole). */
  const run = async (limit: number | null, options: object) => {
    if (limit !== null) setResidentLimitBytes(limit);
    const create = wasmEngine.createSession;
    let blocksLoaded = 0;
    const spy = vi.spyOn(wasmEngine, 'createSession').mockImplementation((spec) => {
      const session = create(spec);
      const load = session.setTrainingData.bind(session);
      session.setTrainingData = (data) => {
        blocksLoaded++;
        load(data);
      };
      return session;
    });
    try {
      const m = new LogisticRegression();
      const h = await m.fit(x, y, { ...base, ...options });
      return { m, h, p: params(m), blocksLoaded };
    } finally {
      spy.mockRestore();
      setResidentLimitBytes(1 << 30);
    }
  };
  // 4 000 rows × 16 values × 4 bytes = 256 000 bytes: a limit of 100 000 forces blocks
  const SMALL = 100_000;

  it.each([
    ['shuffled', { maxEpochs: 3 }],
    ['with sample weights and dropLast', { maxEpochs: 2, dropLast: true, sampleWeight: Array.from({ length: 4000 }, (_, i) => 0.5 + (i % 3)) }],
    ['with momentum and a schedule stepped per iteration', { maxEpochs: 2, optimizer: { type: 'sgd', momentum: 0.9 }, learningRate: { type: 'cosine', initial: 0.1 } }],
    ['with two threads', { maxEpochs: 2, threads: 2 }],
  ])('bit-identical to the rows held whole: %s', async (_, options) => {
    const whole = await run(null, options);
    const blocks = await run(SMALL, options);
    expect(whole.blocksLoaded).toBe(0);
    expect(blocks.blocksLoaded).toBeGreaterThanOrEqual(2 * 2); // at least two blocks an epoch
    expect(blocks.p).toEqual(whole.p);
    expect(blocks.h.loss).toEqual(whole.h.loss);
  });

  it('stopped inside an epoch and resumed, bit-identical to the rows held whole', async () => {
    const go = async (limit: number | null) => {
      if (limit !== null) setResidentLimitBytes(limit);
      try {
        const m = new LogisticRegression();
        await m.fit(x, y, { ...base, maxEpochs: 3, maxIterations: 100 }); // 84 batches an epoch: stops in epoch 2
        await m.fit(x, y, { ...base, maxEpochs: 3, resume: true });
        return params(m);
      } finally {
        setResidentLimitBytes(1 << 30);
      }
    };
    expect(await go(SMALL)).toEqual(await go(null));
  });

  it('trains the same as a stream of the same rows (no shuffle)', async () => {
    const blocks = await run(SMALL, { maxEpochs: 2, shuffle: false });
    expect(blocks.blocksLoaded).toBeGreaterThanOrEqual(2 * 2);
    const chunks = {
      async *[Symbol.asyncIterator]() {
        for (let s = 0; s < 4000; s += 900) {
          const rows = Math.min(900, 4000 - s);
          yield { x: { data: x.slice(s * 16, (s + rows) * 16), rows, cols: 16 }, y: new Float32Array(y.slice(s, s + rows)) };
        }
      },
    };
    const m = new LogisticRegression();
    await m.fit(chunks, { ...base, nFeatures: undefined, maxEpochs: 2, shuffle: false });
    expect(params(m)).toEqual(blocks.p);
  });

  it('a divergence keeps the parameters of the last finite epoch, as with the rows held whole', async () => {
    const go = async (limit: number | null) => {
      if (limit !== null) setResidentLimitBytes(limit);
      const m = new LinearRegression();
      try {
        const e = await rejects(m.fit(x, y, { ...base, maxEpochs: 6, learningRate: { type: 'exponential', initial: 0.05, gamma: 1e3 } }));
        return { e, p: m.isFitted ? params(m) : null };
      } finally {
        setResidentLimitBytes(1 << 30);
      }
    };
    const whole = await go(null);
    const blocks = await go(SMALL);
    expect(whole.e.code).toBe('DIVERGED');
    expect(whole.p).not.toBeNull();
    expect(blocks.e.message).toBe(whole.e.message);
    expect(blocks.p).toEqual(whole.p);
  });

  it('bad values in data trained block by block are reported as in data held whole', async () => {
    setResidentLimitBytes(SMALL);
    try {
      for (const at of [5, 40_000, 4000 * 16 - 1]) {
        const bad = x.slice();
        bad[at] = NaN;
        const e = (await rejects(new LogisticRegression().fit(bad, y, { ...base, maxEpochs: 1 }))) as InvalidDataError;
        expect([e.code, e.row, e.column]).toEqual(['INVALID_DATA', Math.floor(at / 16), at % 16]);
      }
    } finally {
      setResidentLimitBytes(1 << 30);
    }
  });

  it('wasm memory stays bounded by the limit, not by the data', async () => {
    // 96 MB of features with a 4 MB limit: a copy of them would grow wasm memory past 96 MB
    const rows = 375_000;
    const big = new Float32Array(rows * 64);
    for (let i = 0; i < big.length; i += 64) big[i] = (i % 3) - 1;
    const labels = new Float32Array(rows).map((_, r) => (big[r * 64] > 0 ? 1 : 0));
    await initWasm();
    const before = wasmMemoryBytes();
    setResidentLimitBytes(4 << 20);
    try {
      const h = await new LogisticRegression().fit(big, labels, { nFeatures: 64, batchSize: 1024, maxEpochs: 1, learningRate: 0.5, seed: 1 });
      expect(h.loss.length).toBe(1);
    } finally {
      setResidentLimitBytes(1 << 30);
    }
    expect(wasmMemoryBytes() - before).toBeLessThan(16 << 20);
  });

  it('validation rows beyond the limit are refused with a typed error that says what to do', async () => {
    setResidentLimitBytes(SMALL);
    try {
      const e = (await rejects(new LogisticRegression().fit(x, y, { ...base, maxEpochs: 1, validationData: [X, y] }))) as InvalidOptionError;
      expect(e).toBeInstanceOf(InvalidOptionError);
      expect(e.option).toBe('validationData');
      expect(e.message).toMatch(/engine: 'js'/);
      // the js engine has no such limit
      const h = await new LogisticRegression().fit(x, y, { ...base, engine: 'js', maxEpochs: 1, validationData: [X, y] });
      expect(h.valLoss.length).toBe(1);
    } finally {
      setResidentLimitBytes(1 << 30);
    }
  });
});

describe('the binding: RawFeatures', () => {
  it('refuses bad lengths and bounds with an Error, never a trap, and keeps working', async () => {
    await initWasm();
    for (const bad of [-1, 2.5, NaN, 2 ** 32]) expect(() => new RawFeatures(bad)).toThrow(/length/);
    // more than wasm32 memory can hold: an allocation error, not a trap
    expect(() => new RawFeatures(2 ** 32 - 1)).toThrow(/memory|allocate/i);
    const f = new RawFeatures(10);
    try {
      expect(() => f.checkFilled(-1, 3)).toThrow(/from/);
      expect(f.checkFilled(0, 1e6)).toBe(-1); // clamped to the buffer
      expect(f.isChecked()).toBe(true);
      expect(() => f.fillFromF64(0, 5)).toThrow(/length/); // no scratch block yet
      const ptr = f.scratchPtr(4);
      new Float64Array(wasmMemory(singleThreadGlue()).buffer, ptr, 4).set([1, 2, 1e39, 4]);
      expect(f.fillFromF64(8, 4)).toBe(-1); // clamped: values 8 and 9 only
      expect(f.fillFromF64(0, 4)).toBe(2);
      expect(f.isChecked()).toBe(false);
    } finally {
      f.free();
    }
    const h = await new LinearRegression().fit([[1], [2], [3]], [1, 2, 3], { maxEpochs: 2, seed: 1 });
    expect(h.engine).toBe('wasm');
  });
});
