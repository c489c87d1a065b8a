/**
 * The wasm engine's network sessions alone (no fit loop): samples per second of SGD epochs on
 * the two architectures of issue 14 (64 → 64 → 10 at batch 32, 784 → 256 → 10 at batch 128,
 * relu, crossEntropy), one thread and two, on random data. Run: `npx tsx bench/net-sessions.ts`
 * after `npm run build:wasm`.
 */
import { wasmEngine } from '../ts/engine/wasm/engine.js';
import { initWasm } from '../ts/engine/wasm/raw.js';
import { startThreads, stopThreads } from '../ts/engine/wasm/threads.js';
import type { SessionSpec } from '../ts/engine/types.js';

await initWasm();

function run(d: number, units: number, k: number, batch: number, rows: number, threads: number, seconds: number): number {
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
  let done = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    session.setOrder(order);
    done += session.runBatches({ batchSize: batch, startBatch: 0, learningRates: lrs, dropLast: false }).rows;
  }
  const rate = done / ((performance.now() - t0) / 1000);
  session.dispose();
  return rate;
}

const cases: [string, number, number, number, number, number][] = [
  ['64→64→10, batch 32', 64, 64, 10, 32, 4096],
  ['784→256→10, batch 128', 784, 256, 10, 128, 2048],
];
for (const threads of [1, 2]) {
  if (threads > 1) await startThreads(threads);
  for (const [name, d, u, k, b, rows] of cases) {
    const rate = run(d, u, k, b, rows, threads, 2);
    const macs = 3 * (d * u + u * k) - d * u;
    console.log(`${name}, ${threads} thread(s): ${Math.round(rate)} samples/s, ${((rate * macs * 2) / 1e9).toFixed(2)} GFLOP/s`);
  }
}
await stopThreads();
