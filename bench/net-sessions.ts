/**
 * The wasm engine's network sessions alone (no fit loop): samples per second of SGD epochs on
 * the two architectures of issue 14 (64 → 64 → 10 at batch 32, 784 → 256 → 10 at batch 128,
 * relu, crossEntropy), one thread and two, on random data. Run: `npx tsx bench/net-sessions.ts`
 * after `npm run build:wasm`. Each round times one epoch of a few milliseconds after a 10 ms
 * pause; the best of the rounds is printed with the median (as bench/kernels.ts does, so that
 * the two compare on a machine shared with other processes), with GFLOP/s over the step's
 * products (forward and weight gradient of every layer, input gradient of all but the first).
 */
import { wasmEngine } from '../ts/engine/wasm/engine.js';
import { initWasm } from '../ts/engine/wasm/raw.js';
import { startThreads, stopThreads } from '../ts/engine/wasm/threads.js';
import type { SessionSpec } from '../ts/engine/types.js';

await initWasm();

function run(d: number, units: number, k: number, batch: number, rows: number, threads: number, rounds: number): number[] {
  let s = 12345;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const x = Float32Array.from({ length: rows * d }, rand);
  const y = Float32Array.from({ length: rows }, (_, i) => i % k);
  const spec: SessionSpec = {
    objective: 'crossEntropy',
    nFeatures: d,
    nOutputs: k,
    hidden: [{ units, activation: 'relu' }],
    l2: 0,
    l1: 0,
    fitIntercept: true,
    optimizer: { type: 'sgd', momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 },
    clipValue: 0,
    clipNorm: 0,
    train: { x, y, sampleWeight: null },
    validation: null,
    threads,
  };
  const session = wasmEngine.createSession(spec);
  const p = (d + 1) * units + (units + 1) * k;
  session.setParams(Float32Array.from({ length: p }, () => 0.05 * rand()));
  const order = Uint32Array.from({ length: rows }, (_, i) => (i * 7919) % rows);
  const lrs = new Float32Array(Math.ceil(rows / batch)).fill(0.01);
  const times: number[] = [];
  const pause = (ms: number) => {
    const end = performance.now() + ms;
    while (performance.now() < end);
  };
  for (let round = 0; round < rounds + 3; round++) {
    pause(10);
    session.setOrder(order);
    const t0 = performance.now();
    session.runBatches({ batchSize: batch, startBatch: 0, learningRates: lrs, dropLast: false });
    // the first rounds warm up (V8 runs wasm in its baseline tier first)
    if (round >= 3) times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const rate = [times[0], times[times.length >> 1]].map((ms) => rows / (ms / 1000));
  session.dispose();
  return rate;
}

// rows per epoch: 1024 (32 batches), 256 and 512 (2 batches), a few milliseconds each
const cases: [string, number, number, number, number, number][] = [
  ['64→64→10, batch 32', 64, 64, 10, 32, 1024],
  ['784→256→10, batch 128', 784, 256, 10, 128, 256],
  ['784→256→10, batch 256', 784, 256, 10, 256, 512],
];
console.log('| network | threads | samples/s (best) | median | GFLOP/s (best) |');
console.log('|---|---:|---:|---:|---:|');
for (const threads of [1, 2]) {
  if (threads > 1) await startThreads(threads);
  for (const [name, d, u, k, b, rows] of cases) {
    const [best, median] = run(d, u, k, b, rows, threads, 25);
    const macs = 3 * (d * u + u * k) - d * u;
    console.log(`| ${name} | ${threads} | ${Math.round(best)} | ${Math.round(median)} | ${((best * macs * 2) / 1e9).toFixed(2)} |`);
  }
}
await stopThreads();
