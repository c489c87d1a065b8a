/**
 * The performance suite of issue 5: minibatch's two engines against TF.js, against each other
 * and against the machine's own limits.
 *
 *   npm run bench                 full run (builds the wasm module and dist/, bundles this suite with
 *                                 bench/build.mjs and runs it in plain Node on the published build;
 *                                 about 15 minutes on 2 cores):
 *                                 writes bench/results.json, bench/RESULTS.md and bench/throughput.png
 *   npm run bench -- --quick      tiny sizes, one run each: checks that every part runs (CI); the
 *                                 report goes to a temporary folder, the recorded results are untouched
 *   npm run bench:report          redraws RESULTS.md and throughput.png from bench/results.json
 *   npx tsx bench/suite.ts ...    the same from the sources (ts/), under tsx: the js engine runs
 *                                 10–20 % slower there (bench/build.mjs says why)
 *   options: --reps N (runs per configuration, default 3), --no-tfjs (minibatch only),
 *            --section sweep|models|memory|fits|nets (only that part; written to a temporary folder),
 *            --record with --section memory, fits or nets: that part replaces its own in the recorded
 *            results (bench/results.json, RESULTS.md), which then say which run measured it
 *
 * What runs (the same work for every system: same data, model, batch size, learning rate and
 * number of epochs, rows reshuffled every epoch, the mean gradient of each batch, zero initial
 * parameters; lib/systems.ts and lib/tfjs.ts):
 *   limits   streaming-read bandwidth, shuffled-row read bandwidth, peak f32x4 multiply-add
 *            (lib/limits.ts, bench/limits/limits.wat)
 *   sweep    logistic regression, plain SGD, at 100 000 × 256, 100 000 × 32 and 20 000 × 1024,
 *            batch 1, 32, 256, 4096, on minibatch wasm and js and TF.js wasm and cpu (model.fit
 *            and a hand-written loop). TF.js is not run at batch 1 (100 000 updates an epoch at
 *            its per-batch cost take 5 s to a minute an epoch; the issue has no figure either).
 *   models   linear, logistic and softmax (k = 10) regression × SGD, SGD with momentum 0.9 and
 *            Adam at 100 000 × 256: batch 256 on minibatch and TF.js wasm (fit and loop), batch 32
 *            on minibatch only (TF.js cpu is in the sweep only, to keep the run short).
 *   memory   the peak memory of one fit per system, each in a process of its own (memory-fit.ts).
 *   fits     whole fit calls (issue 12) of 1, 3 and 10 epochs at 100 000 × 256, batch 256, on
 *            minibatch wasm and js and TF.js wasm model.fit, each in a fresh process: its first fit,
 *            then the same fit warm (whole-fit.ts); and the speed of data in (data-in.ts).
 *   nets     networks (issue 14): 64 → 64 → 10 at batch 32 and 784 → 256 → 10 at batch 128, plain
 *            SGD, on minibatch's MLPClassifier (wasm 1 and 2 threads, js; only when the build has
 *            it), TF.js wasm model.fit and hand-written loop, TF.js cpu model.fit and brain.js
 *            (lib/nets-run.ts, lib/nets.ts); then the peak memory of a fit of the larger one per
 *            system, each in a process of its own (memory-net.ts). Also on its own: bench/nets.ts.
 *
 * Timing: every system gets one untimed warm-up run per configuration (one epoch on the first
 * tenth of the rows), then `reps` runs of 4 epochs from zero (more, up to 9, while the timed
 * epochs add up to less than a second); the first epoch of each run is not timed (one-off costs,
 * V8's tiering), and a run's throughput is n × 3 / (time of epochs 2–4). The figure reported is
 * the median of the runs. A system whose runs of one configuration take longer than
 * `slowSeconds` stops after the runs done (at least one), and the report says so.
 *
 * Loss check: after each run the suite computes the final training loss on the full data in
 * float64 from the parameters the system hands back (lib/loss.ts). Each must be within
 * LOSS_TOLERANCE (1 %) of minibatch wasm's, or the result is marked and left out of every ratio.
 */
import { createHash } from 'node:crypto';
import { execFileSync, execSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir, totalmem, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ModelKind, type Problem, makeFeatures, makeProblem } from './lib/data.js';
import { epochLimitSeconds, measureLimits, type Limits } from './lib/limits.js';
import { fullLoss } from './lib/loss.js';
import type { ConfigResult, Machine, MemoryRow, Results, Section, Settings, SystemResult } from './lib/results.js';
import { type OptimizerKind, type System, type SystemId, minibatchJs, minibatchWasm, minibatchWasmThreads } from './lib/systems.js';
import type { MemoryJob, MemoryResult } from './memory-fit.js';
import type { FitJob, FitResult } from './whole-fit.js';
import type { DataInJob, DataInResult } from './data-in.js';
import { writeReport } from './report.js';
import { netConfigs, runNets } from './lib/nets-run.js';
import type { NetMemoryJob, NetMemoryResult } from './memory-net.js';
import type { NetsSection } from './lib/results.js';

const argv = process.argv.slice(2);
/**
 * bench/ itself: this file runs either from its source with tsx, or bundled into bench/out/ by
 * bench/build.mjs (npm run bench: plain Node on the published build, see there why).
 */
const BUNDLED = import.meta.url.endsWith('.mjs');
const BENCH = new URL(BUNDLED ? '../' : './', import.meta.url);
const QUICK = argv.includes('--quick');
const NO_TFJS = argv.includes('--no-tfjs');

function option(name: string): string | undefined {
  const i = argv.indexOf(name);
  if (i < 0) return undefined;
  const v = argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`);
  return v;
}

const known = new Set(['--quick', '--no-tfjs', '--reps', '--section', '--record']);
for (let i = 0; i < argv.length; i++) {
  if (!known.has(argv[i])) throw new Error(`unknown option ${argv[i]}; the options are ${[...known].join(', ')}`);
  if (argv[i] === '--reps' || argv[i] === '--section') i++;
}
const repsOption = option('--reps');
const REPS = repsOption === undefined ? (QUICK ? 1 : 3) : Number(repsOption);
if (!Number.isInteger(REPS) || REPS < 1) throw new Error(`--reps needs a positive integer, got ${repsOption}`);
const SECTION = option('--section');
if (SECTION !== undefined && !['sweep', 'models', 'memory', 'fits', 'nets'].includes(SECTION)) throw new Error(`--section is sweep, models, memory, fits or nets, got ${SECTION}`);
const runs = (part: string): boolean => SECTION === undefined || SECTION === part;
const RECORD_SECTION = argv.includes('--record');
if (RECORD_SECTION && !(SECTION === 'memory' || SECTION === 'fits' || SECTION === 'nets')) throw new Error('--record goes with --section memory, fits or nets');

const EPOCHS = QUICK ? 2 : 4;
const SETTINGS: Settings = {
  epochs: EPOCHS,
  timedEpochs: EPOCHS - 1,
  reps: REPS,
  maxReps: QUICK ? REPS : Math.max(REPS, 9),
  minTimedSeconds: QUICK ? 0 : 1,
  slowSeconds: QUICK ? Infinity : 40,
  lossTolerance: 0.01,
  dataSeed: 20240601,
  fitSeed: 12345,
};

interface Shape {
  readonly n: number;
  readonly d: number;
}

/** The issue's sizes; the first is where the models section runs. */
const SHAPES: readonly Shape[] = QUICK
  ? [
      { n: 2000, d: 256 },
      { n: 2000, d: 32 },
      { n: 500, d: 1024 },
    ]
  : [
      { n: 100_000, d: 256 },
      { n: 100_000, d: 32 },
      { n: 20_000, d: 1024 },
    ];
const BATCHES = [1, 32, 256, 4096] as const;
const KINDS: readonly ModelKind[] = ['linear', 'logistic', 'softmax'];
const OPTIMIZERS: readonly OptimizerKind[] = ['sgd', 'momentum', 'adam'];
const MODELS_BATCHES = [256, 32] as const;
/** A readBytes large enough to leave every cache far behind (the issue measured 400 MB). */
const READ_BYTES = QUICK ? 16 << 20 : 400 * 1e6;

/**
 * The learning rate of a configuration: the same for every system. For plain SGD, the smaller of
 * a quarter of the largest stable step, 2/λ with λ ≈ c·(1 + √(d/b))² the top eigenvalue of a
 * batch's Hessian for N(0, 1) features (Marchenko–Pastur) and c the loss's largest curvature
 * (1 for squared error, ¼ for log-loss, ½ for cross-entropy), and 0.05·b/(c·d), which keeps the
 * noise of the last updates (it grows as rate·d/b) small enough that systems shuffling with
 * different generators end within 1 % of each other's loss; at most 1. Momentum μ multiplies the
 * step by 1/(1 − μ), so its rate is (1 − μ) times SGD's. Adam's step does not scale with the
 * gradient: 0.001·√(b/32), at most 0.01.
 */
function learningRate(kind: ModelKind, optimizer: OptimizerKind, batch: number, d: number): number {
  if (optimizer === 'adam') return round(Math.min(0.01, 0.001 * Math.sqrt(batch / 32)));
  const c = kind === 'linear' ? 1 : kind === 'logistic' ? 0.25 : 0.5;
  const sgd = Math.min(1, 0.5 / (c * (1 + Math.sqrt(d / batch)) ** 2), (0.05 * batch) / (c * d));
  return round(optimizer === 'momentum' ? sgd * 0.1 : sgd);
}

/** Two significant digits, so that the report shows the rate exactly as used. */
function round(v: number): number {
  return Number(v.toPrecision(2));
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function tfjsSystems(): Promise<Record<string, System>> {
  if (NO_TFJS) return {};
  const tf = await import('./lib/tfjs.js');
  return {
    'tfjs-wasm-fit': tf.tfjsWasmFit,
    'tfjs-wasm-loop': tf.tfjsWasmLoop,
    'tfjs-cpu-fit': tf.tfjsCpuFit,
    'tfjs-cpu-loop': tf.tfjsCpuLoop,
  };
}

/** The first rows of a problem: what the warm-up run trains on. */
function head(p: Problem, rows: number): Problem {
  const m = Math.min(p.n, rows);
  return { ...p, n: m, X: p.X.subarray(0, m * p.d), y: p.y.subarray(0, m) };
}

let failures = 0;

interface Config {
  readonly section: Section;
  readonly problem: Problem;
  readonly optimizer: OptimizerKind;
  readonly batchSize: number;
  /** Systems in order; minibatch wasm first (the reference loss). */
  readonly systems: readonly (System | { id: SystemId; notRun: string })[];
}

async function measure(sys: System, cfg: Config, lr: number, reference: number | null): Promise<SystemResult> {
  const { problem: p, batchSize } = cfg;
  const spec = { problem: p, batchSize, epochs: EPOCHS, learningRate: lr, optimizer: cfg.optimizer, seed: SETTINGS.fitSeed };
  const runsDone: number[] = [];
  const losses: number[] = [];
  const epochMs: number[][] = [];
  let note: string | undefined;
  try {
    await sys.run({ ...spec, problem: head(p, Math.max(4 * batchSize, Math.ceil(p.n / 10))), epochs: 1 });
    const started = performance.now();
    let timedTotal = 0;
    for (let r = 0; ; r++) {
      const out = await sys.run(spec);
      if (out.epochMs.length !== EPOCHS) throw new Error(`${sys.id} ran ${out.epochMs.length} epochs, not ${EPOCHS}`);
      const timed = out.epochMs.slice(1).reduce((a, b) => a + b, 0) / 1000;
      timedTotal += timed;
      runsDone.push((p.n * SETTINGS.timedEpochs) / timed);
      losses.push(fullLoss(p, out.params));
      epochMs.push(out.epochMs);
      const spent = (performance.now() - started) / 1000;
      if (r + 1 < SETTINGS.reps && spent > SETTINGS.slowSeconds) {
        note = `${r + 1} run${r ? 's' : ''} of ${SETTINGS.reps}: the runs took ${spent.toFixed(0)} s`;
        break;
      }
      // Fast configurations get more runs (up to maxReps) until minTimedSeconds of timed epochs:
      // an epoch of 15 ms is easily disturbed, and a median of more runs is steadier.
      if (r + 1 >= SETTINGS.reps && (timedTotal >= SETTINGS.minTimedSeconds || r + 1 >= SETTINGS.maxReps)) break;
    }
  } catch (e) {
    failures++;
    const message = e instanceof Error ? e.message : String(e);
    console.error(`  ${sys.id}: FAILED: ${message}`);
    return { system: sys.id, status: 'error', note: message, runs: runsDone, rate: null, losses, lossRelDiff: null, epochMs };
  }
  const ref = reference ?? losses[0];
  const lossRelDiff = Math.max(...losses.map((l) => Math.abs(l - ref) / Math.abs(ref)));
  const ok = Number.isFinite(lossRelDiff) && lossRelDiff <= SETTINGS.lossTolerance;
  return {
    system: sys.id,
    status: ok ? 'ok' : 'loss-mismatch',
    ...(note === undefined ? {} : { note }),
    runs: runsDone,
    rate: median(runsDone),
    losses,
    lossRelDiff,
    epochMs,
  };
}

async function runConfig(cfg: Config, limits: Limits): Promise<ConfigResult> {
  const { problem: p, batchSize, optimizer } = cfg;
  const lr = learningRate(p.kind, optimizer, batchSize, p.d);
  const results: SystemResult[] = [];
  let reference: number | null = null;
  const where = `${p.kind} ${optimizer} ${p.n}×${p.d} batch ${batchSize} (lr ${lr})`;
  for (const s of cfg.systems) {
    if ('notRun' in s) {
      results.push({ system: s.id, status: 'not-run', note: s.notRun, runs: [], rate: null, losses: [], lossRelDiff: null, epochMs: [] });
      continue;
    }
    const r = await measure(s, cfg, lr, reference);
    if (s.id === 'minibatch-wasm' && r.losses.length > 0) reference = median(r.losses);
    results.push(r);
    const rate = r.rate === null ? '–' : `${(r.rate / 1e6).toFixed(3)} M/s`;
    const loss = r.losses.length ? ` loss ${median(r.losses).toFixed(5)}` : '';
    const flag = r.status === 'ok' ? '' : ` [${r.status}${r.status === 'loss-mismatch' ? ` by ${((r.lossRelDiff ?? 0) * 100).toFixed(2)} %` : ''}]`;
    console.log(`  ${where}: ${s.id.padEnd(15)} ${rate}${loss}${flag}${r.note && r.status === 'ok' ? ` (${r.note})` : ''}`);
  }
  return {
    section: cfg.section,
    kind: p.kind,
    optimizer,
    n: p.n,
    d: p.d,
    k: p.k,
    batchSize,
    learningRate: lr,
    limitRate: p.n / epochLimitSeconds(limits, p.n, p.d, p.k),
    limitShuffledRate: p.n / epochLimitSeconds(limits, p.n, p.d, p.k, true),
    referenceLoss: reference,
    results,
  };
}

const TFJS_AT_BATCH_1 = 'TF.js is not run at batch 1 (n updates an epoch at its per-batch cost: too long for this suite)';

async function throughput(limits: Limits): Promise<ConfigResult[]> {
  const tf = await tfjsSystems();
  const tfSweep = ['tfjs-wasm-fit', 'tfjs-wasm-loop', 'tfjs-cpu-fit', 'tfjs-cpu-loop'].filter((id) => tf[id]).map((id) => tf[id]);
  const tfModels = ['tfjs-wasm-fit', 'tfjs-wasm-loop'].filter((id) => tf[id]).map((id) => tf[id]);
  const out: ConfigResult[] = [];
  for (const [si, shape] of SHAPES.entries()) {
    const { n, d } = shape;
    const t0 = performance.now();
    const X = makeFeatures(n, d, SETTINGS.dataSeed);
    const problems = new Map<ModelKind, Problem>();
    const problem = (kind: ModelKind): Problem => {
      let p = problems.get(kind);
      if (!p) problems.set(kind, (p = makeProblem(kind, X, n, d, SETTINGS.dataSeed)));
      return p;
    };
    console.log(`data ${n} × ${d}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    // minibatch wasm on one thread comes first: its loss is the reference of the configuration
    const threaded = minibatchWasmThreads ? [minibatchWasmThreads] : [];
    if (runs('sweep')) {
      for (const batchSize of BATCHES) {
        const peers = batchSize === 1 ? tfSweep.map((s) => ({ id: s.id, notRun: TFJS_AT_BATCH_1 })) : tfSweep;
        const systems = [minibatchWasm, ...threaded, minibatchJs, ...peers];
        out.push(await runConfig({ section: 'sweep', problem: problem('logistic'), optimizer: 'sgd', batchSize, systems }, limits));
      }
    }
    if (si === 0 && runs('models')) {
      for (const batchSize of MODELS_BATCHES) {
        for (const kind of KINDS) {
          for (const optimizer of OPTIMIZERS) {
            const systems = batchSize === 256 ? [minibatchWasm, ...threaded, minibatchJs, ...tfModels] : [minibatchWasm, ...threaded, minibatchJs];
            out.push(await runConfig({ section: 'models', problem: problem(kind), optimizer, batchSize, systems }, limits));
          }
        }
      }
    }
  }
  return out;
}

/** The peak memory of one fit per system, each in its own process (memory-fit.ts). */
function memory(): MemoryRow[] {
  const { n, d } = SHAPES[0];
  const batchSize = 256;
  const systems: SystemId[] = NO_TFJS
    ? ['minibatch-wasm', 'minibatch-wasm-threads', 'minibatch-js']
    : ['minibatch-wasm', 'minibatch-wasm-threads', 'minibatch-js', 'tfjs-wasm-fit', 'tfjs-wasm-loop', 'tfjs-cpu-fit', 'tfjs-cpu-loop'];
  const rows: MemoryRow[] = [];
  for (const system of systems) {
    const job: MemoryJob = {
      system,
      kind: 'logistic',
      n,
      d,
      batchSize,
      epochs: EPOCHS,
      learningRate: learningRate('logistic', 'sgd', batchSize, d),
      optimizer: 'sgd',
      dataSeed: SETTINGS.dataSeed,
      fitSeed: SETTINGS.fitSeed,
    };
    try {
      const r = child<MemoryResult>('memory-fit', job);
      rows.push({ ...r, kind: job.kind, n, d, batchSize, epochs: EPOCHS });
      const mb = (v: number): string => `${(v / 2 ** 20).toFixed(0)} MiB`;
      console.log(`  memory ${system.padEnd(15)} before ${mb(r.rssBefore)}, peak ${mb(r.peakRss)}, wasm ${mb(r.wasmBefore)} → ${mb(r.wasmAfter)}`);
    } catch (e) {
      failures++;
      console.error(`  memory ${system}: FAILED: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return rows;
}

/** Runs one job of a benchmark script in a process of its own; the last line of its output is its JSON result. */
function child<T>(name: string, job: object): T {
  const script = fileURLToPath(new URL(BUNDLED ? `out/${name}.mjs` : `${name}.ts`, BENCH));
  const runner = BUNDLED ? [script] : ['--import', 'tsx', script];
  const stdout = execFileSync(process.execPath, [...runner, JSON.stringify(job)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as T;
}

/** Epochs of the whole fits (issue 12). */
const FIT_EPOCHS = [1, 3, 10] as const;

/**
 * Whole fits (issue 12): per system and number of epochs, a fresh process runs the fit once (its
 * first fit) and then `warmRuns` more times; then the data-in speeds in one more process.
 */
function wholeFits(): { fits: FitResult[]; dataIn: DataInResult | null } {
  const { n, d } = SHAPES[0];
  const batchSize = 256;
  const systems: SystemId[] = NO_TFJS ? ['minibatch-wasm', 'minibatch-js'] : ['minibatch-wasm', 'minibatch-js', 'tfjs-wasm-fit'];
  const fits: FitResult[] = [];
  for (const system of systems) {
    for (const epochs of FIT_EPOCHS) {
      // TF.js model.fit takes about a second an epoch here: fewer warm runs
      const warmRuns = QUICK ? 1 : system.startsWith('tfjs') ? (epochs >= 10 ? 1 : 2) : 5;
      const job: FitJob = {
        mode: 'fit',
        system,
        n,
        d,
        batchSize,
        epochs,
        learningRate: learningRate('logistic', 'sgd', batchSize, d),
        optimizer: 'sgd',
        dataSeed: SETTINGS.dataSeed,
        fitSeed: SETTINGS.fitSeed,
        warmRuns,
      };
      try {
        const r = child<FitResult>('whole-fit', job);
        fits.push(r);
        const warm = median(r.warm.map((w) => w.totalMs));
        console.log(
          `  fit ${system.padEnd(15)} ${String(epochs).padStart(2)} epochs: first fit ${r.fresh.totalMs.toFixed(0)} ms ` +
            `(outside the epochs ${r.fresh.setupMs.toFixed(0)}, first epoch ${r.fresh.epochMs[0].toFixed(0)}), warm ${warm.toFixed(0)} ms`,
        );
      } catch (e) {
        failures++;
        console.error(`  fit ${system} ${epochs} epochs: FAILED: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }
  let dataIn: DataInResult | null = null;
  try {
    const job: DataInJob = { mode: 'data-in', n, d, dataSeed: SETTINGS.dataSeed, reps: QUICK ? 2 : 7 };
    dataIn = child<DataInResult>('data-in', job);
    for (const r of dataIn.rows) console.log(`  data in: ${r.what}: ${median(r.ms.slice(1)).toFixed(1)} ms (first ${r.ms[0].toFixed(1)})`);
  } catch (e) {
    failures++;
    console.error(`  data in: FAILED: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { fits, dataIn };
}

/**
 * Networks (issue 14): the throughput of every system on both sizes (lib/nets-run.ts), then the
 * peak memory of a fit of the larger one per system, each in a process of its own (memory-net.ts).
 */
async function nets(): Promise<NetsSection> {
  const run = await runNets({
    quick: QUICK,
    reps: REPS,
    slowSeconds: QUICK ? Infinity : 240,
    dataSeed: SETTINGS.dataSeed,
    fitSeed: SETTINGS.fitSeed,
    tfjs: !NO_TFJS,
    brain: !NO_TFJS,
  });
  failures += run.failures;
  const mid = netConfigs(QUICK).find((c) => c.name === 'mid')!;
  // --quick: one TF.js process only (each takes seconds to start), to keep CI's smoke run short
  const peers = NO_TFJS ? [] : QUICK ? (['tfjs-wasm-fit'] as const) : (['tfjs-wasm-fit', 'tfjs-wasm-loop', 'tfjs-cpu-fit'] as const);
  const systems: NetMemoryJob['system'][] = ['minibatch-wasm', 'minibatch-wasm-2', 'minibatch-js', ...peers];
  const memory: NetMemoryResult[] = [];
  for (const system of systems) {
    const job: NetMemoryJob = { system, n: mid.n, d: mid.d, hidden: mid.hidden, batchSize: mid.batchSize, epochs: QUICK ? 1 : 2, learningRate: mid.learningRate, dataSeed: SETTINGS.dataSeed, fitSeed: SETTINGS.fitSeed };
    try {
      const r = child<NetMemoryResult>('memory-net', job);
      memory.push(r);
      const mb = (v: number): string => `${(v / 2 ** 20).toFixed(0)} MiB`;
      if (r.notRun !== undefined) console.log(`  nets memory ${system.padEnd(16)} not run: ${r.notRun}`);
      else console.log(`  nets memory ${system.padEnd(16)} start ${mb(r.rssStart)}, before ${mb(r.rssBefore)}, peak ${mb(r.peakRss)}, wasm ${mb(r.wasmBefore)} → ${mb(r.wasmAfter)}`);
    } catch (e) {
      failures++;
      console.error(`  nets memory ${system}: FAILED: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return { results: run.results, memory };
}

function sh(cmd: string): string {
  try {
    return execSync(cmd, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

async function machine(): Promise<Machine> {
  let cpu = 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpu = m[1].trim();
  } catch {
    // not Linux
  }
  const caches = sh('lscpu')
    .split('\n')
    .filter((l) => /^L[123][di]? cache:/.test(l))
    .map((l) => l.replace(/\s+/g, ' ').trim())
    .join(', ');
  const root = fileURLToPath(new URL('..', BENCH));
  const commit = sh(`git -C "${root}" rev-parse --short HEAD`);
  const dirty = sh(`git -C "${root}" status --porcelain -- ts crates`);
  let wasmModule = 'unknown';
  try {
    wasmModule = createHash('sha256')
      .update(readFileSync(join(root, 'ts/wasm/minibatch_wasm_bg.wasm')))
      .digest('hex')
      .slice(0, 12);
  } catch {
    // not built
  }
  let tfjs = 'not run';
  if (!NO_TFJS) tfjs = await (await import('./lib/tfjs.js')).tfjsVersion();
  return {
    cpu,
    nproc: sh('nproc'),
    caches: caches || 'unknown',
    memory: `${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
    node: process.version,
    v8: process.versions.v8,
    commit: commit + (dirty && dirty !== 'unknown' ? ' with uncommitted changes under ts/ or crates/' : ''),
    wasmModule,
    tfjs,
    loadAverage: loadAverage(),
  };
}

const loadAverage = (): string =>
  loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');

/** The command line as a reader would retype it. */
function command(): string {
  const args = argv.length ? ` ${argv.join(' ')}` : '';
  if (process.env.npm_lifecycle_event === 'bench') return `npm run bench${args ? ` --${args}` : ''}`;
  return BUNDLED ? `node bench/out/suite.mjs${args}` : `npx tsx bench/suite.ts${args}`;
}

async function main(): Promise<void> {
  const started = performance.now();
  console.log(
    `minibatch performance suite${QUICK ? ' (--quick: a smoke test, the numbers mean nothing)' : ''}: ` +
      `${SETTINGS.epochs} epochs a run (the first untimed), median of ${SETTINGS.reps} run${SETTINGS.reps > 1 ? 's' : ''}`,
  );
  const m = await machine();
  const t0 = performance.now();
  const limits = await measureLimits(READ_BYTES, SHAPES, QUICK);
  console.log(
    `limits (${((performance.now() - t0) / 1000).toFixed(1)} s): streaming read ${(limits.readBytesPerSecond / 1e9).toFixed(1)} GB/s, ` +
      `multiply-add ${(limits.maddRegsFlops / 1e9).toFixed(1)} GFLOP/s in registers, ${(limits.maddL1Flops / 1e9).toFixed(1)} GFLOP/s from L1; ` +
      `shuffled rows ${limits.gather.map((g) => `${(g.bytesPerSecond / 1e9).toFixed(1)} GB/s at d = ${g.d}`).join(', ')}`,
  );
  const configs = runs('sweep') || runs('models') ? await throughput(limits) : [];
  const mem = runs('memory') ? memory() : [];
  const whole = runs('fits') ? wholeFits() : { fits: [], dataIn: null };
  const netsSection = runs('nets') ? await nets() : undefined;
  const results: Results = {
    version: 1,
    quick: QUICK,
    date: new Date().toISOString(),
    command: command(),
    totalSeconds: (performance.now() - started) / 1000,
    machine: { ...m, loadAverageEnd: loadAverage() },
    settings: SETTINGS,
    limits,
    configs,
    memory: mem,
    fits: whole.fits,
    dataIn: whole.dataIn,
    ...(netsSection ? { nets: netsSection } : {}),
  };
  // Only a complete full run replaces the recorded results; --record puts one section into them.
  const recorded = !QUICK && SECTION === undefined && !NO_TFJS && REPS >= 3;
  const partial = !QUICK && RECORD_SECTION && !NO_TFJS;
  const dir = recorded || partial ? fileURLToPath(BENCH) : join(tmpdir(), 'minibatch-bench');
  mkdirSync(dir, { recursive: true });
  let out: Results = results;
  if (partial) {
    const old = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as Results;
    const run = { section: SECTION!, date: results.date, command: results.command, commit: m.commit, loadAverage: m.loadAverage, loadAverageEnd: loadAverage() };
    out = {
      ...old,
      ...(SECTION === 'memory' ? { memory: results.memory } : SECTION === 'nets' ? { nets: results.nets } : { fits: results.fits, dataIn: results.dataIn }),
      sectionRuns: [...(old.sectionRuns ?? []).filter((r) => r.section !== SECTION), run],
    };
  }
  writeFileSync(join(dir, 'results.json'), `${JSON.stringify(out, null, 1)}\n`);
  const written = await writeReport(out, dir);
  console.log(`total ${results.totalSeconds.toFixed(0)} s; wrote ${join(dir, 'results.json')}, ${written.join(', ')}`);
  if (!recorded && !partial) console.log('(not the recorded results: those come from a full run, `npm run bench`)');
  const mismatches = configs.flatMap((c) => c.results).filter((r) => r.status === 'loss-mismatch').length;
  if (mismatches) console.log(`${mismatches} result(s) did not reach minibatch wasm's final loss within ${SETTINGS.lossTolerance * 100} %; the report marks them`);
  if (failures) {
    console.error(`FAILED: ${failures} run(s) threw; see above`);
    process.exitCode = 1;
  }
}

await main();
