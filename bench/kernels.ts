/**
 * The dense-layer kernels of the wasm core (crates/minibatch-core/src/dense.rs, issue 14) in
 * GFLOP/s against the machine's f32x4 multiply-add peak in registers, both measured here, in
 * one run, through the benchmark probes of crates/minibatch-wasm/src/probe.rs (the release
 * module of `npm run build:wasm`). Flops: 2·m·kk·n per product (a multiply and an add per
 * term); the peak loop does 12 independent acc ← acc·m + c (8 flops each) per iteration, the
 * loop of the suite's `maddRegs` (bench/limits/limits.wat), compiled from Rust into the package's
 * module and timed in the same rounds as the kernels; the suite's figure is printed too.
 *
 *   MB_WASM_FEATURES=probe npm run build:wasm && npx tsx bench/kernels.ts [--reps 25]
 *
 * (The probes are a cargo feature, off in the package's module: `npm run build:wasm` again
 * afterwards, before `npm test`, whose size checks count the module's bytes.)
 *
 * Each figure is the best of `reps` rounds (the machine is shared: the best is the least
 * disturbed), each round timing one call of about 3 ms of every item in turn, each after a
 * pause of 10 ms, after a warm-up; the median is printed too.
 */
import { initWasm, singleThreadGlue } from '../ts/engine/wasm/raw.js';
import { measureLimits } from './lib/limits.js';

const args = process.argv.slice(2);
const reps = Number(args[args.indexOf('--reps') + 1] ?? 25) || 25;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The exports of crates/minibatch-wasm/src/probe.rs (built with the cargo feature "probe"). */
interface Probes {
  probePeak(iterations: number): number;
  probeProducts(which: number, m: number, kk: number, n: number, reps: number): number;
  probeActivation(act: number, len: number, reps: number): number;
}

await initWasm();
const glue = singleThreadGlue() as unknown as Partial<Probes>;
if (typeof glue.probePeak !== 'function' || typeof glue.probeProducts !== 'function' || typeof glue.probeActivation !== 'function') {
  console.error('bench/kernels.ts: the module has no probes; build it with: MB_WASM_FEATURES=probe npm run build:wasm');
  process.exit(1);
}
const probes = glue as Probes;

interface Layer {
  readonly m: number;
  readonly kk: number;
  readonly n: number;
}
/** Something to time: `run(count)` does `count` units of `flops` flops. */
interface Item {
  readonly what: string;
  readonly flops: number;
  readonly run: (count: number) => number;
  count: number;
  readonly rates: number[];
}
const items: Item[] = [];
const add = (what: string, flops: number, run: (count: number) => number) => items.push({ what, flops, run, count: 1, rates: [] });

add('peak (f32x4 multiply-add in registers)', 100_000 * 12 * 8, (count) => probes.probePeak(count * 100_000));
const PRODUCTS = [
  { bit: 1, name: 'forward Z = A·Wᵀ + b' },
  { bit: 2, name: 'weight_gradient gW += Dᵀ·A, gb' },
  { bit: 4, name: 'input_gradient dA = D·W' },
] as const;
const products = (parts: { layer: Layer; which: number }[]) => ({
  flops: parts.reduce((s, { layer: { m, kk, n }, which }) => s + 2 * m * kk * n * [1, 2, 4].filter((b) => which & b).length, 0),
  run: (count: number) => parts.reduce((s, { layer: { m, kk, n }, which }) => s + probes.probeProducts(which, m, kk, n, count), 0),
});
const nets = [
  { name: '64 → 64 → 10, batch 32', m: 32, sizes: [64, 64, 10] },
  { name: '784 → 256 → 10, batch 128', m: 128, sizes: [784, 256, 10] },
];
for (const net of nets) {
  const layers: Layer[] = [];
  for (let l = 1; l < net.sizes.length; l++) layers.push({ m: net.m, kk: net.sizes[l - 1], n: net.sizes[l] });
  for (const layer of layers) {
    for (const p of PRODUCTS) {
      const { flops, run } = products([{ layer, which: p.bit }]);
      add(`batch ${layer.m}, ${layer.kk} → ${layer.n}: ${p.name}`, flops, run);
    }
  }
  // a training step's products: forward and weight gradient of every layer, the input gradient
  // of every layer but the first (the features need none)
  const { flops, run } = products(layers.map((layer, l) => ({ layer, which: l === 0 ? 3 : 7 })));
  add(`**${net.name}: the step's products**`, flops, run);
}

// The activations over a batch of the mid-sized network's hidden layer (128 × 256 values):
// apply, then backprop, in values per second (ns per value printed below).
const ACTIVATIONS = ['identity', 'relu', 'leakyRelu', 'tanh', 'logistic'];
const activationValues = 128 * 256;
ACTIVATIONS.forEach((name, act) => {
  add(`activation ${name}: apply + backprop, 128 × 256 values`, activationValues, (count) => probes.probeActivation(act, activationValues, count));
});

// Warm-up: every item several times at growing counts (V8 compiles wasm functions with its
// baseline compiler first and tiers them up after some use), until a call takes about 3 ms:
// short calls, each after a pause, so that a call is rarely preempted on a shared machine (calls
// of 30 ms or more ran at half speed or less here while other processes were busy).
// Twice: the first pass runs partly before the tier-up, so its counts are too small.
for (const item of [...items, ...items]) {
  item.count = Math.max(1, item.count >> 3);
  for (;;) {
    const t = performance.now();
    item.run(item.count);
    const ms = performance.now() - t;
    if (ms > 3) break;
    item.count *= ms < 0.4 ? 8 : 2;
  }
}
// Rounds: every item once per round, so that every figure sees the same disturbances; each
// round starts one item further on (the item timed first in a round ran slower in some runs).
for (let r = 0; r < reps; r++) {
  for (const item of [...items.slice(r % items.length), ...items.slice(0, r % items.length)]) {
    await sleep(10);
    const t = performance.now();
    item.run(item.count);
    item.rates.push((item.flops * item.count) / ((performance.now() - t) / 1000) / 1e9);
  }
}
const best = (v: number[]) => Math.max(...v);
const activationItems = items.filter((item) => item.what.startsWith('activation'));
items.splice(items.length - activationItems.length, activationItems.length);
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const peak = best(items[0].rates);
// The suite's own figure (bench/lib/limits.ts, the same 12-chain loop written in WebAssembly
// text, one 40 M-iteration call per repetition), for comparison: long calls are preempted more
// on a shared machine, so it can read lower than the probe's short calls.
const suite = await measureLimits(1 << 16, [], false);
console.log(`suite's f32x4 multiply-add peak in registers (bench/lib/limits.ts): ${(suite.maddRegsFlops / 1e9).toFixed(2)} GFLOP/s; this run's probe: ${peak.toFixed(2)} GFLOP/s (the percentages use the probe's)\n`);
console.log(`| product | GFLOP/s (best of ${reps}) | median | % of peak (best) |\n|---|---:|---:|---:|`);
for (const item of [...items.slice(1), items[0]]) {
  console.log(`| ${item.what} | ${best(item.rates).toFixed(2)} | ${median(item.rates).toFixed(2)} | ${((100 * best(item.rates)) / peak).toFixed(0)} % |`);
}
console.log(`\n| activation (apply + backprop) | ns per value (best) | median | share of the 784 → 256 → 10 step's products |\n|---|---:|---:|---:|`);
const bigStep = items.find((item) => item.what.includes('784 → 256 → 10'))!;
const stepNs = (bigStep.flops / best(bigStep.rates)) as number; // ns per step at the best rate (GFLOP/s = flop/ns)
for (const item of activationItems) {
  // rates are in 10⁹ values/s here (flops = values)
  const ns = 1 / best(item.rates);
  console.log(`| ${item.what.replace('activation ', '').replace(': apply + backprop, 128 × 256 values', '')} | ${ns.toFixed(3)} | ${(1 / median(item.rates)).toFixed(3)} | ${((100 * ns * activationValues) / stepNs).toFixed(1)} % |`);
}
