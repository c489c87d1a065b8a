/**
 * The js engine's stack path (issue 14) on its own: samples/s and GFLOP/s of whole epochs of
 * plain SGD through a Session, for the two network sizes. Bundled with the sources (the
 * engine's internals, not dist/) and run with plain node, so that no ArrayBuffer is ever
 * detached in the process (bench/build.mjs says why that matters for the js engine):
 *
 *   npx esbuild bench/js-stack.ts --bundle --platform=node --format=esm --outfile=bench/out/js-stack.mjs
 *   node bench/out/js-stack.mjs [seconds per configuration, default 3]
 *
 * GFLOP/s are per CPU second of the process.
 *
 * FLOPs per sample: 2·Σ inputs·outputs for the forward products, as many for the weight
 * gradients, and as many again for the input gradients of every layer but the first.
 */
import { jsEngine } from '../ts/engine/js/trainer.js';
import type { HiddenLayer, ObjectiveName } from '../ts/engine/types.js';

interface Config {
  readonly label: string;
  readonly d: number;
  readonly hidden: readonly HiddenLayer[];
  readonly k: number;
  readonly objective: ObjectiveName;
  readonly batch: number;
  readonly rows: number;
}

const CONFIGS: Config[] = [
  { label: '64 → 64 → 10, batch 32', d: 64, hidden: [{ units: 64, activation: 'relu' }], k: 10, objective: 'crossEntropy', batch: 32, rows: 8192 },
  { label: '784 → 256 → 10, batch 128', d: 784, hidden: [{ units: 256, activation: 'relu' }], k: 10, objective: 'crossEntropy', batch: 128, rows: 4096 },
  { label: '64 → 64 → 32 → 10 tanh, batch 32', d: 64, hidden: [{ units: 64, activation: 'tanh' }, { units: 32, activation: 'tanh' }], k: 10, objective: 'crossEntropy', batch: 32, rows: 8192 },
];

function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function flopsPerSample(c: Config): number {
  const sizes = [c.d, ...c.hidden.map((h) => h.units), c.k];
  let f = 0;
  for (let l = 0; l + 1 < sizes.length; l++) f += 2 * sizes[l] * sizes[l + 1] * (l === 0 ? 2 : 3);
  return f;
}

function measure(c: Config, seconds: number): { samplesPerSecond: number; samplesPerCpuSecond: number; gflops: number; loss: number } {
  const u = lcg(7);
  const x = Float32Array.from({ length: c.rows * c.d }, () => u() * 2 - 1);
  const y = Float32Array.from({ length: c.rows }, () => Math.floor(u() * c.k));
  const session = jsEngine.createSession({
    objective: c.objective,
    nFeatures: c.d,
    nOutputs: c.k,
    hidden: c.hidden,
    l2: 0,
    l1: 0,
    fitIntercept: true,
    optimizer: { type: 'sgd', momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 },
    clipValue: 0,
    clipNorm: 0,
    train: { x, y, sampleWeight: null },
    validation: null,
  });
  const theta = session.params();
  for (let i = 0; i < theta.length; i++) theta[i] = (u() * 2 - 1) * 0.1;
  session.setParams(theta);
  const order = Uint32Array.from({ length: c.rows }, (_, i) => i);
  const batches = Math.ceil(c.rows / c.batch);
  const rates = new Float32Array(batches).fill(0.01);
  const epoch = () => {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(u() * (i + 1));
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    session.setOrder(order);
    return session.runBatches({ batchSize: c.batch, startBatch: 0, learningRates: rates, dropLast: false });
  };
  epoch(); // warm-up: V8 optimizes the loops
  let samples = 0;
  let loss = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  while (performance.now() - t0 < seconds * 1000) {
    const s = epoch();
    samples += s.rows;
    loss = s.lossSum / s.rows;
  }
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  session.dispose();
  const samplesPerSecond = samples / elapsed;
  // CPU time as well as wall time: on a machine shared with other work, the process's own
  // seconds are the steadier measure (the wall time counts the time it waited for a core)
  const samplesPerCpuSecond = samples / ((cpu.user + cpu.system) / 1e6);
  return { samplesPerSecond, samplesPerCpuSecond, gflops: (samplesPerCpuSecond * flopsPerSample(c)) / 1e9, loss };
}

const seconds = Number(process.argv[2] ?? 3);
for (const c of CONFIGS) {
  const r = measure(c, seconds);
  console.log(
    `${c.label.padEnd(36)} ${Math.round(r.samplesPerCpuSecond).toString().padStart(8)} samples per CPU second (${r.gflops.toFixed(2)} GFLOP/s), ${Math.round(r.samplesPerSecond).toString().padStart(8)} per wall second; mean loss of the last epoch ${r.loss.toFixed(4)}`,
  );
}
