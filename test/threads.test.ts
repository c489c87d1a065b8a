/**
 * Threads (wasm engine): worker helpers on shared memory sum parts of each large batch
 * (crates/minibatch-core/src/team.rs). A threaded fit repeats bit for bit, agrees with a
 * one-thread fit to float32 rounding, reaches the float64 Newton optimum, and falls back to one
 * thread with a notice where threads cannot run.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  DivergenceError,
  InvalidOptionError,
  LinearRegression,
  LogisticRegression,
  SoftmaxRegression,
  stopThreads,
  threadsUnavailableReason,
} from '../ts/index.js';
import { blobs, classification, maxRelDiff, regression } from './helpers/data.js';
import { logisticNewton, objective } from './helpers/reference.js';

const warn = vi.spyOn(console, 'warn');
beforeAll(() => warn.mockImplementation(() => undefined));
afterAll(async () => {
  warn.mockRestore();
  await stopThreads();
});

type Model = LinearRegression | LogisticRegression | SoftmaxRegression;

const problems = {
  linear: () => ({ ...regression(201, 3000, 64, 0.3), make: () => new LinearRegression({ l2: 1e-3 }) }),
  logistic: () => ({ ...classification(202, 3000, 64), make: () => new LogisticRegression({ l2: 1e-3 }) }),
  softmax: () => ({ ...blobs(203, 3000, 64, 4), make: () => new SoftmaxRegression({ l2: 1e-3 }) }),
};

async function fit(make: () => Model, X: number[][], y: number[], opts: Record<string, unknown>) {
  const m = make();
  const h = await m.fit(X, y, { batchSize: 256, maxEpochs: 4, learningRate: 0.05, seed: 5, tolerance: null, ...opts });
  const w = m.weights;
  return { m, h, w: Array.isArray(w) ? w.flatMap((row) => Array.from(row)) : Array.from(w) };
}

describe('threads', () => {
  it.each(Object.keys(problems) as (keyof typeof problems)[])(
    '%s: 2 threads repeat bit for bit and agree with 1 thread within 1e-4',
    async (name) => {
      const { X, y, make } = problems[name]();
      for (const optimizer of ['sgd', 'adam'] as const) {
        const one = await fit(make, X, y, { optimizer });
        const a = await fit(make, X, y, { optimizer, threads: 2 });
        const b = await fit(make, X, y, { optimizer, threads: 2 });
        expect(a.h.threads).toBe(2);
        expect(one.h.threads).toBe(1);
        expect(b.w).toEqual(a.w);
        expect(b.h.loss).toEqual(a.h.loss);
        // the batch really was split: the parts' sums round differently from one sum
        expect(a.w).not.toEqual(one.w);
        expect(maxRelDiff(a.w, one.w)).toBeLessThan(1e-4);
        a.h.loss.forEach((l, i) => expect(Math.abs(l - one.h.loss[i])).toBeLessThan(1e-5 * one.h.loss[i]));
      }
    },
  );

  it('a threaded fit reaches the float64 Newton optimum of l2-logistic regression', async () => {
    const { X, y } = classification(204, 2000, 32);
    const l2 = 1e-2;
    const m = new LogisticRegression({ l2 });
    const h = await m.fit(X, y, { batchSize: 2000, maxEpochs: 3000, learningRate: 1, optimizer: 'sgd', seed: 1, tolerance: null, threads: 2 });
    expect(h.threads).toBe(2);
    const theta = [...m.weights, m.bias];
    const best = logisticNewton(X, y, l2);
    expect(maxRelDiff(theta, best)).toBeLessThan(1e-3);
    const gap = objective('logLoss', X, y, theta, l2) - objective('logLoss', X, y, best, l2);
    expect(gap).toBeLessThan(1e-8);
  });

  it('a fit on a stream of chunks shares its batches too, repeatably', async () => {
    const { X, y } = classification(205, 3000, 64);
    const chunks = {
      async *[Symbol.asyncIterator]() {
        for (let s = 0; s < X.length; s += 700) {
          const rows = X.slice(s, s + 700);
          yield { x: { data: new Float32Array(rows.flat()), rows: rows.length, cols: 64 }, y: new Float32Array(y.slice(s, s + 700)) };
        }
      },
    };
    const run = async (threads: number) => {
      const m = new LogisticRegression();
      const h = await m.fit(chunks, { batchSize: 256, maxEpochs: 3, learningRate: 0.05, seed: 6, tolerance: null, threads });
      return { h, w: Array.from(m.weights) };
    };
    const one = await run(1);
    const a = await run(2);
    const b = await run(2);
    expect(a.h.threads).toBe(2);
    expect(b.w).toEqual(a.w);
    expect(a.w).not.toEqual(one.w);
    expect(maxRelDiff(a.w, one.w)).toBeLessThan(1e-4);
  });

  it("'auto' uses one thread per core", async () => {
    const { X, y, make } = problems.logistic();
    const { h } = await fit(make, X, y, { threads: 'auto', maxEpochs: 1 });
    expect(h.threads).toBe(os.availableParallelism());
  });

  it('batches too small to share give exactly the one-thread result', async () => {
    const { X, y, make } = problems.logistic();
    // 16 rows × 65 columns: under the core's MIN_PARALLEL_WORK (2048), so no batch is cut
    const one = await fit(make, X, y, { batchSize: 16 });
    const two = await fit(make, X, y, { batchSize: 16, threads: 2 });
    expect(two.h.threads).toBe(2);
    expect(two.w).toEqual(one.w);
  });

  it('after stopThreads, the next threaded fit starts the workers again, with the same bits', async () => {
    const { X, y, make } = problems.linear();
    const before = await fit(make, X, y, { threads: 2 });
    await stopThreads();
    const after = await fit(make, X, y, { threads: 2 });
    expect(after.h.threads).toBe(2);
    expect(after.w).toEqual(before.w);
  });

  it('a diverging threaded fit stops with DivergenceError and keeps the last finite parameters', async () => {
    const { X, y, make } = problems.linear();
    const err = await make()
      .fit(X, y, { batchSize: 256, maxEpochs: 50, learningRate: 50, seed: 5, threads: 2, tolerance: null })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DivergenceError);
  });

  it('a Node process that trained with threads exits by itself (the idle workers do not hold it)', () => {
    const index = new URL('../ts/index.ts', import.meta.url).href;
    const code =
      `const { LinearRegression } = await import(${JSON.stringify(index)});\n` +
      'const X = Array.from({ length: 600 }, (_, i) => Array.from({ length: 40 }, (_, j) => Math.sin(i * 7 + j)));\n' +
      'const y = X.map((r) => r[0] - r[1]);\n' +
      'const h = await new LinearRegression().fit(X, y, { batchSize: 600, maxEpochs: 3, threads: 2, seed: 1 });\n' +
      'console.log(h.threads);\n';
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 60_000 });
    expect(out.trim()).toBe('2');
  });

  it('rejects a bad thread count, naming the option', async () => {
    const { X, y, make } = problems.linear();
    for (const threads of [0, 1.5, -2, 257, 'two', NaN]) {
      const err = await make()
        .fit(X, y, { threads } as never)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidOptionError);
      expect((err as InvalidOptionError).option).toBe('threads');
    }
  });

  it('the js engine, and a page without cross-origin isolation, train on one thread with one notice', async () => {
    const { X, y, make } = problems.logistic();
    warn.mockClear();
    const js = await fit(make, X, y, { engine: 'js', threads: 2, maxEpochs: 1 });
    expect(js.h.threads).toBe(1);
    expect(threadsUnavailableReason()).toBeNull();
    vi.stubGlobal('crossOriginIsolated', false);
    try {
      expect(threadsUnavailableReason()).toMatch(/cross-origin isolated/);
      // workers already running are not used by a fit that cannot start them now
      const page = await fit(make, X, y, { threads: 2, maxEpochs: 1 });
      expect(page.h.threads).toBe(1);
    } finally {
      vi.unstubAllGlobals();
    }
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/one thread \(the js engine runs on one thread\)/);
  });
});
