/**
 * Benchmark: the wasm engine against the js engine on binary logistic regression, plain SGD.
 *
 *   npm run bench                      full run (builds the wasm first), writes bench/RESULTS.md
 *   npx tsx bench/engines.ts --quick   tiny sizes, one repetition: only checks that it runs (CI)
 *   npx tsx bench/engines.ts --verbose also prints every epoch's time
 *   npx tsx bench/engines.ts --reps 9  more repetitions than the default 3 (steadier medians)
 *
 * Method. One seeded synthetic dataset per d (features ~ N(0, 1), labels from a random linear
 * model plus logistic noise), passed as a row-major Float32Array with `nFeatures` so no
 * number[][] conversion is timed. Each configuration gets one untimed warm-up fit per engine;
 * then, for each of `reps` repetitions (engines interleaved, js then wasm), a fit of
 * 1 + `timedEpochs` epochs with the same seed. The first epoch of every fit is dropped (see
 * FIRST_EPOCH_NOTE; its relative time is recorded) and the throughput of a repetition is n · timedEpochs / Σ epochTimeMs of
 * the timed epochs; the reported value is the median over repetitions. The epoch times come
 * from `history.epochTimeMs`, which covers the seeded shuffle of the row order (done in
 * TypeScript, the same for both engines) plus the engine's epoch; it excludes copying the data
 * in. Both engines must end at the same training loss (relative 1e-4), or the run fails.
 *
 * The headline table is the real use: rows reshuffled every epoch. A second table runs the
 * same fits with `shuffle: false` (rows in storage order), which takes the memory latency of
 * gathering rows in random order out of the picture and shows the arithmetic alone.
 */
import { execSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LogisticRegression, type History } from '../ts/index.js';
// Internal, only to measure how much of an epoch is the shared shuffle (not part of the API).
import { Rng } from '../ts/data/random.js';

type EngineName = 'wasm' | 'js';

interface Settings {
  readonly n: number;
  readonly dims: readonly number[];
  readonly batchSizes: readonly number[];
  readonly timedEpochs: number;
  readonly reps: number;
}

const QUICK = process.argv.includes('--quick');
const VERBOSE = process.argv.includes('--verbose');

function repsOption(): number | undefined {
  const i = process.argv.indexOf('--reps');
  if (i < 0) return undefined;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`--reps needs a positive integer, got ${process.argv[i + 1]}`);
  return v;
}

const REPS = repsOption();
const SETTINGS: Settings = QUICK
  ? { n: 2_000, dims: [32, 256], batchSizes: [32, 256], timedEpochs: 3, reps: REPS ?? 1 }
  : { n: 100_000, dims: [32, 256], batchSizes: [32, 256], timedEpochs: 3, reps: REPS ?? 3 };
const ENGINES: readonly EngineName[] = ['js', 'wasm'];
const LEARNING_RATE = 0.05;
const FIT_SEED = 12345;
const DATA_SEED = 20240601;
const LOSS_RTOL = 1e-4;
const FIRST_EPOCH_NOTE =
  'the first is dropped as a precaution against one-off costs. After the warm-up fit it is no longer a ' +
  'JIT warm-up: its time over the mean of the timed epochs is listed per configuration at the end, so ' +
  'one can see whether dropping it mattered (run with --verbose to see every epoch)';

/** mulberry32: a small seeded 32-bit generator, enough for synthetic data. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws by Box–Muller. */
function normals(next: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const u = 1 - next(); // (0, 1]
    const v = next();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

interface Dataset {
  readonly X: Float32Array;
  readonly y: Float32Array;
  readonly n: number;
  readonly d: number;
}

/**
 * n rows of d N(0, 1) features; y = 1 when w*·x + b* + ε > 0, with w* ~ N(0, 1)·2/√d (so the
 * score has standard deviation about 2), b* = 0.25 and ε logistic noise: a learnable problem
 * that is not separable.
 */
function makeDataset(n: number, d: number, seed: number): Dataset {
  const uniform = mulberry32(seed ^ d);
  const gauss = normals(uniform);
  const w = new Float64Array(d);
  for (let j = 0; j < d; j++) w[j] = (gauss() * 2) / Math.sqrt(d);
  const X = new Float32Array(n * d);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let z = 0.25;
    const o = i * d;
    for (let j = 0; j < d; j++) {
      const v = Math.fround(gauss());
      X[o + j] = v;
      z += w[j] * v;
    }
    const u = Math.min(Math.max(uniform(), 1e-12), 1 - 1e-12);
    y[i] = z + Math.log(u / (1 - u)) > 0 ? 1 : 0;
  }
  return { X, y, n, d };
}

async function fitOnce(data: Dataset, engine: EngineName, batchSize: number, epochs: number, shuffle: boolean): Promise<History> {
  const model = new LogisticRegression();
  const h = await model.fit(data.X, data.y, {
    engine,
    batchSize,
    maxEpochs: epochs,
    tolerance: null,
    learningRate: LEARNING_RATE,
    seed: FIT_SEED,
    nFeatures: data.d,
    shuffle,
  });
  if (h.engine !== engine) throw new Error(`asked for the ${engine} engine but the fit ran on ${h.engine}`);
  if (h.epochs !== epochs || h.stopReason !== 'maxEpochs') {
    throw new Error(`expected ${epochs} epochs to maxEpochs, got ${h.epochs} (${h.stopReason})`);
  }
  return h;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

interface Row {
  readonly n: number;
  readonly d: number;
  readonly batch: number;
  readonly shuffle: boolean;
  /** Median samples per second over the repetitions. */
  readonly rate: Record<EngineName, number>;
  /** Every repetition's samples per second. */
  readonly reps: Record<EngineName, number[]>;
  readonly finalLoss: Record<EngineName, number>;
  /** Median over repetitions of (first epoch's time) / (mean time of the timed epochs). */
  readonly firstEpochRatio: Record<EngineName, number>;
  readonly lossRelDiff: number;
  readonly lossOk: boolean;
}

async function benchConfig(data: Dataset, batch: number, shuffle: boolean): Promise<Row> {
  const { timedEpochs, reps } = SETTINGS;
  const epochs = 1 + timedEpochs;
  // Warm-up: one untimed fit per engine (JIT for js, compilation tiers for wasm).
  for (const e of ENGINES) await fitOnce(data, e, batch, epochs, shuffle);
  const rates: Record<EngineName, number[]> = { js: [], wasm: [] };
  const firstRatios: Record<EngineName, number[]> = { js: [], wasm: [] };
  const finalLoss: Record<EngineName, number> = { js: NaN, wasm: NaN };
  for (let r = 0; r < reps; r++) {
    for (const e of ENGINES) {
      const h = await fitOnce(data, e, batch, epochs, shuffle);
      const timed = h.epochTimeMs.slice(1);
      const ms = timed.reduce((a, b) => a + b, 0);
      rates[e].push((data.n * timed.length) / (ms / 1000));
      firstRatios[e].push(h.epochTimeMs[0] / (ms / timed.length));
      const last = h.loss[h.loss.length - 1];
      // Same seed, same engine: every repetition must end at the same loss.
      if (r > 0 && last !== finalLoss[e]) throw new Error(`${e}: repetition ${r} ended at loss ${last}, not ${finalLoss[e]}`);
      finalLoss[e] = last;
      if (VERBOSE) {
        const times = h.epochTimeMs.map((t) => t.toFixed(1)).join(', ');
        console.log(`  d=${data.d} batch=${batch} shuffle=${shuffle} ${e.padEnd(4)} rep ${r + 1}: epoch ms [${times}]  loss ${last.toFixed(6)}`);
      }
    }
  }
  const lossRelDiff = Math.abs(finalLoss.wasm - finalLoss.js) / Math.abs(finalLoss.js);
  return {
    n: data.n,
    d: data.d,
    batch,
    shuffle,
    rate: { js: median(rates.js), wasm: median(rates.wasm) },
    reps: rates,
    finalLoss,
    firstEpochRatio: { js: median(firstRatios.js), wasm: median(firstRatios.wasm) },
    lossRelDiff,
    lossOk: lossRelDiff <= LOSS_RTOL,
  };
}

/** Milliseconds of one seeded shuffle of n rows with the fit loop's generator (median of 5). */
function shuffleMs(n: number): number {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const rng = new Rng(1);
  rng.shuffle(order); // warm-up
  const times: number[] = [];
  for (let k = 0; k < 5; k++) {
    const t0 = performance.now();
    rng.shuffle(order);
    times.push(performance.now() - t0);
  }
  return median(times);
}

const M = (v: number): string => (v / 1e6).toFixed(2);

function table(rows: readonly Row[]): string {
  const head = '| n | d | batch | wasm M samples/s | js M samples/s | wasm/js | final loss (wasm / js) | rel. diff |';
  const rule = '|---:|---:|---:|---:|---:|---:|---|---:|';
  const body = rows.map(
    (r) =>
      `| ${r.n.toLocaleString('en-US')} | ${r.d} | ${r.batch} | ${M(r.rate.wasm)} | ${M(r.rate.js)} | ` +
      `${(r.rate.wasm / r.rate.js).toFixed(2)}× | ${r.finalLoss.wasm.toFixed(6)} / ${r.finalLoss.js.toFixed(6)} | ` +
      `${r.lossRelDiff.toExponential(1)}${r.lossOk ? '' : ' FAIL'} |`,
  );
  return [head, rule, ...body].join('\n');
}

function sh(cmd: string): string {
  try {
    return execSync(cmd, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

function machine(): { nproc: string; cpu: string; caches: string; node: string; commit: string } {
  let cpu = 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpu = m[1].trim();
  } catch {
    // not Linux
  }
  const caches = sh('lscpu')
    .split('\n')
    .filter((l) => /^L[23] cache:/.test(l))
    .map((l) => l.replace(/\s+/g, ' ').trim())
    .join(', ');
  const root = fileURLToPath(new URL('..', import.meta.url));
  const head = sh(`git -C "${root}" rev-parse --short HEAD`);
  const dirty = sh(`git -C "${root}" status --porcelain -- ts crates`);
  return {
    nproc: sh('nproc'),
    cpu,
    caches: caches || 'unknown',
    node: process.version,
    commit: head + (dirty && dirty !== 'unknown' ? ' (with uncommitted changes under ts/ or crates/)' : ''),
  };
}

const ratio = (r: Row): number => r.rate.wasm / r.rate.js;

/** The command line that produced this run, as a reader would retype it. */
const COMMAND =
  process.env.npm_lifecycle_event === 'bench'
    ? `\`npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\` (= \`npm run build:wasm && tsx bench/engines.ts\`)`
    : `\`npx tsx bench/engines.ts${process.argv.length > 2 ? ` ${process.argv.slice(2).join(' ')}` : ''}\``;

/** The range of wasm/js over repetitions, pairing each repetition's two fits (run back to back). */
function pairedRange(r: Row): string {
  const rs = r.reps.wasm.map((w, i) => w / r.reps.js[i]);
  return `${Math.min(...rs).toFixed(2)}–${Math.max(...rs).toFixed(2)}×`;
}

/** "a–b×" over the rows' wasm/js ratios. */
function ratioRange(rows: readonly Row[]): string {
  const rs = rows.map(ratio);
  return `${Math.min(...rs).toFixed(1)}–${Math.max(...rs).toFixed(1)}×`;
}

async function main(): Promise<void> {
  const started = performance.now();
  const { n, dims, batchSizes, timedEpochs, reps } = SETTINGS;
  console.log(
    `minibatch engine benchmark${QUICK ? ' (--quick: a smoke test, the numbers mean nothing)' : ''}: ` +
      `logistic regression, plain SGD, lr ${LEARNING_RATE}, n = ${n}, ${timedEpochs} timed epochs after 1 dropped, ` +
      `median of ${reps} repetition${reps > 1 ? 's' : ''}`,
  );
  const rows: Row[] = [];
  for (const d of dims) {
    const data = makeDataset(n, d, DATA_SEED);
    for (const shuffle of [true, false]) {
      for (const batch of batchSizes) {
        const row = await benchConfig(data, batch, shuffle);
        rows.push(row);
        console.log(
          `d=${String(d).padStart(3)} batch=${String(batch).padStart(3)} ${shuffle ? 'shuffled  ' : 'sequential'}: ` +
            `wasm ${M(row.rate.wasm)} M/s, js ${M(row.rate.js)} M/s, wasm/js ${ratio(row).toFixed(2)}×; ` +
            `final loss ${row.finalLoss.wasm.toFixed(6)} vs ${row.finalLoss.js.toFixed(6)} ` +
            `(rel. diff ${row.lossRelDiff.toExponential(1)}) ${row.lossOk ? 'ok' : 'MISMATCH'}`,
        );
      }
    }
  }
  const shuffled = rows.filter((r) => r.shuffle);
  const sequential = rows.filter((r) => !r.shuffle);
  const shuffleCost = shuffleMs(n);
  const seconds = (performance.now() - started) / 1000;
  console.log(`\nRows reshuffled every epoch (the default, the headline numbers):\n\n${table(shuffled)}\n`);
  console.log(`Rows in storage order (shuffle: false, the arithmetic without random-access memory latency):\n\n${table(sequential)}\n`);
  console.log(`shared shuffle of ${n} rows (TypeScript, inside every shuffled epoch time): ${shuffleCost.toFixed(2)} ms`);
  console.log(`total ${seconds.toFixed(1)} s`);

  const bad = rows.filter((r) => !r.lossOk);
  if (bad.length > 0) {
    console.error(
      `FAIL: the engines' final losses differ by more than ${LOSS_RTOL} relative in ${bad.length} configuration(s); ` +
        'the timings compare different computations and are not recorded',
    );
    process.exitCode = 1;
    return;
  }
  if (QUICK) return;

  const m = machine();
  const epochMs = (r: Row, e: EngineName): string => ((n / r.rate[e]) * 1000).toFixed(0);
  const mb = (d: number): string => `${((n * d * 4) / 1e6).toFixed(1)} MB`;
  const perRep = rows
    .map(
      (r) =>
        `| ${r.d} | ${r.batch} | ${r.shuffle ? 'shuffled' : 'storage order'} | ${r.reps.wasm.map(M).join(', ')} | ` +
        `${r.reps.js.map(M).join(', ')} | ${pairedRange(r)} | ${r.firstEpochRatio.wasm.toFixed(2)} | ${r.firstEpochRatio.js.toFixed(2)} |`,
    )
    .join('\n');
  const md = `# Benchmark results: wasm engine vs js engine

Binary logistic regression, plain SGD (learning rate ${LEARNING_RATE}, no penalty, intercept on), n = ${n.toLocaleString('en-US')} rows.
Throughput is training samples per second: rows processed per second of training (n × epochs / seconds),
the median of ${reps} repetitions.

Rows reshuffled before every epoch (the default, and what training really does):

${table(shuffled)}

The same fits with \`shuffle: false\` (rows visited in storage order):

${table(sequential)}

## Reading the numbers

- The wasm engine is ${ratioRange(shuffled)} faster than the js engine in real training (rows reshuffled), and
  ${ratioRange(sequential)} faster when the rows are visited in storage order.
- The gap between the two tables is memory latency, not arithmetic: both tables do the same work, only
  the order of the rows differs. A shuffled epoch reads the rows in random order from ${mb(dims[0])} (d = ${dims[0]})
  or ${mb(dims[dims.length - 1])} (d = ${dims[dims.length - 1]}) of features (this machine: ${m.caches}), far beyond the
  L2 cache and the TLB's reach, so nearly every row starts with cache and TLB misses that neither engine
  hides (the loop visits one row after another; WebAssembly has no prefetch instruction). That wait is
  the same for both engines, so it compresses the ratio, most at d = ${dims[0]}, where the arithmetic per row
  is smallest.
- Within the arithmetic, logistic regression costs three transcendental functions per row in both
  engines (\`exp\` and \`log1p\` for the loss, \`exp\` again for σ(z); in wasm they are software libm,
  as WebAssembly has no such instructions), a fixed per-row cost that also weighs most at small d.
- Shuffling the ${n.toLocaleString('en-US')}-row order (seeded Fisher–Yates in TypeScript, the same for both engines,
  included in the shuffled epoch times) takes about ${shuffleCost.toFixed(2)} ms per epoch.
- Noise: a shuffled d = ${dims[0]} epoch takes only ${epochMs(shuffled[0], 'wasm')} ms (wasm) to ${epochMs(shuffled[0], 'js')} ms (js), and memory-latency-bound timings on a shared
  (virtual) machine vary from run to run; the per-repetition table at the end shows the spread. Where
  it is wide, rerun with more repetitions (\`npx tsx bench/engines.ts --reps 9\`) before drawing conclusions.

## Machine and run

- Date: ${new Date().toISOString()}
- Command: ${COMMAND}, from the repository root
- Commit: ${m.commit}
- CPU: ${m.cpu}; \`nproc\` = ${m.nproc}; ${m.caches}
- Node: ${m.node}
- Total run time: ${seconds.toFixed(0)} s (not counting the wasm build)

## Method

- Data: one seeded synthetic dataset per d: features ~ N(0, 1) (float32, row-major \`Float32Array\` with
  \`nFeatures\`, so no number[][] conversion is involved); labels y = 1 when w*·x + 0.25 + ε > 0, with
  w* ~ N(0, 4/d) and ε logistic noise (learnable, not separable).
- Fit: the public API, \`new LogisticRegression().fit(X, y, { engine, batchSize, maxEpochs: ${1 + timedEpochs},
  tolerance: null, learningRate: ${LEARNING_RATE}, seed: ${FIT_SEED}, nFeatures })\` (plus \`shuffle: false\` for the
  second table): the same seed, hence the same initialization and the same shuffles, for both engines.
- Timing: per configuration, one untimed warm-up fit per engine, then ${reps} repetitions (engines interleaved:
  js then wasm, back to back).
  The time of an epoch is \`history.epochTimeMs\`: the TypeScript shuffle of the row order plus the engine's
  epoch, without copying the data in (done once per fit, before the first epoch). Of each fit's ${1 + timedEpochs} epochs,
  ${FIRST_EPOCH_NOTE}. A repetition's throughput is n × ${timedEpochs} / (sum of the ${timedEpochs} timed
  epochs); the tables show the median of the ${reps} repetitions.
- Check: both engines must reach the same final training loss (\`history.loss\` of the last epoch) to
  within ${LOSS_RTOL} relative, or the run fails without writing this file. (The wasm engine computes in
  float32, the js engine stores float32 but does its arithmetic in float64, so the losses are close,
  not identical.) Every repetition of an engine must also end at exactly the same loss (same seed).

Every repetition (M samples/s), and the first (dropped) epoch's time over the mean of the timed ones:

| d | batch | rows | wasm, per repetition | js, per repetition | wasm/js range | wasm 1st-epoch ratio | js 1st-epoch ratio |
|---:|---:|---|---|---|---:|---:|---:|
${perRep}
`;
  const out = fileURLToPath(new URL('./RESULTS.md', import.meta.url));
  writeFileSync(out, md);
  console.log(`wrote ${out}`);
}

await main();
