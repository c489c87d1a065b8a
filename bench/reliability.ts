/**
 * Memory held by fits that end early (issue 9): wasm memory after many fitIter iterators are
 * abandoned after their first epoch, in a loop that never lets the event loop turn (so no
 * FinalizationRegistry callback can run). Each holds a 40 000 × 32 problem (5.1 MB in wasm).
 *
 *   npx tsx bench/reliability.ts [--iterators 200]
 *
 * The soak of fit/dispose cycles is a test: MINIBATCH_SOAK_CYCLES=2000 NODE_OPTIONS=--expose-gc
 * npx vitest run test/reliability/soak.test.ts. Figures: bench/RELIABILITY.md.
 */
import { LogisticRegression, wasmMemoryBytes } from '../ts/index.js';

const arg = process.argv.indexOf('--iterators');
const count = arg > 0 ? Number(process.argv[arg + 1]) : 200;
const n = 40_000;
const d = 32;
const x = new Float32Array(n * d).map((_, i) => Math.sin(i));
const y = new Float32Array(n).map((_, i) => i % 2);
await new LogisticRegression().fit(x, y, { engine: 'wasm', nFeatures: d, maxEpochs: 1, seed: 1, yieldEveryMs: 0 });
const before = wasmMemoryBytes();
for (let i = 0; i < count; i++) {
  const it = new LogisticRegression().fitIter(x, y, { engine: 'wasm', nFeatures: d, maxEpochs: 5, seed: i, yieldEveryMs: 0 });
  await it.next();
}
const mib = (b: number) => (b / 2 ** 20).toFixed(1);
console.log(`wasm memory ${mib(before)} MiB → ${mib(wasmMemoryBytes())} MiB after ${count} abandoned fitIter iterators`);
