/**
 * Soak (issue 9, items 4 and 6): many cycles of fits that end every way a fit can end — to the
 * end, disposed fitIters, abandoned fitIters, aborts, rejected refits, streams that fail — on
 * the wasm engine, with no turn of the event loop forced between them. After a warm-up cycle,
 * the wasm memory must not grow at all (wasm memory never shrinks, so any leak would show), and
 * the JS heap must stay flat.
 *
 * CI runs MINIBATCH_SOAK_CYCLES (default 200) cycles; a longer soak:
 * `MINIBATCH_SOAK_CYCLES=2000 npx vitest run test/reliability/soak.test.ts`.
 */
import { describe, expect, it } from 'vitest';
import { type Chunk, LogisticRegression, MinibatchError, SoftmaxRegression, wasmMemoryBytes } from '../../ts/index.js';

const CYCLES = Number(process.env.MINIBATCH_SOAK_CYCLES ?? 200);

const n = 4000;
const d = 16;
const x = new Float32Array(n * d).map((_, i) => Math.sin(i * 0.37));
const y = new Float32Array(n).map((_, i) => (x[i * d] + x[i * d + 1] > 0 ? 1 : 0));
const labels = Array.from(y, (v, i) => (v === 1 ? 'yes' : i % 3 === 0 ? 'maybe' : 'no'));

async function cycle(i: number): Promise<void> {
  const base = { engine: 'wasm' as const, nFeatures: d, seed: i, yieldEveryMs: 0, tolerance: null };
  // a whole fit, then a refit that is rejected (the model is kept)
  const m = new LogisticRegression({ standardize: i % 2 === 0 });
  await m.fit(x, y, { ...base, maxEpochs: 2 });
  await m.fit(x, y, { ...base, maxEpochs: 2, sampleWeight: new Float32Array(n).fill(-1) }).catch((e: unknown) => {
    if (!(e instanceof MinibatchError)) throw e;
  });
  // a fitIter disposed after its first epoch, one abandoned there
  const it = new SoftmaxRegression().fitIter(x, labels, { ...base, maxEpochs: 5 });
  await it.next();
  it.dispose();
  await new SoftmaxRegression().fitIter(x, labels, { ...base, maxEpochs: 5 }).next();
  // an abort in the middle of an epoch
  const c = new AbortController();
  let batches = 0;
  await new LogisticRegression().fit(x, y, { ...base, maxEpochs: 3, signal: c.signal, onBatchEnd: () => void (++batches === 40 && c.abort()) });
  // a stream that fails in its second epoch
  let pass = 0;
  const failing: AsyncIterable<Chunk> = {
    async *[Symbol.asyncIterator]() {
      pass++;
      yield { x: { data: x.subarray(0, 1000 * d), rows: 1000, cols: d }, y: y.subarray(0, 1000) };
      if (pass > 2) throw new Error('gone');
    },
  };
  await m.fit(failing, { ...base, maxEpochs: 3 }).catch((e: unknown) => {
    if (!(e instanceof Error) || e.message !== 'gone') throw e;
  });
}

describe('soak: fit and dispose cycles keep memory flat', () => {
  it(`${CYCLES} cycles of fits ending every way: the wasm memory does not grow after the warm-up, the heap stays flat`, async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    // warm-up: the abandoned fitIters fill the 4 places of suspended sessions (loop.ts
    // MAX_SUSPENDED) in the first cycles; from then on each new one parks the oldest
    for (let i = 0; i < 6; i++) await cycle(i);
    gc?.();
    const wasmBefore = wasmMemoryBytes();
    const heapBefore = process.memoryUsage().heapUsed;
    for (let i = 6; i < CYCLES + 6; i++) await cycle(i);
    gc?.();
    const wasmAfter = wasmMemoryBytes();
    const heapAfter = process.memoryUsage().heapUsed;
    console.log(
      `soak: ${CYCLES} cycles (7 fits each); wasm memory ${wasmBefore} → ${wasmAfter} bytes; ` +
        `JS heap ${(heapBefore / 2 ** 20).toFixed(1)} → ${(heapAfter / 2 ** 20).toFixed(1)} MiB${gc ? ' (after gc)' : ''}`,
    );
    expect(wasmAfter).toBe(wasmBefore);
    // without an explicit gc the heap holds garbage of the last cycles: bound it, not pin it
    expect(heapAfter - heapBefore).toBeLessThan(64 * 2 ** 20);
  });
});
