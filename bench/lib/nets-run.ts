/**
 * The networks comparison (issue 14), shared by bench/nets.ts (on its own) and the suite's `nets`
 * section (bench/suite.ts): per configuration, every system trains the same network on the same
 * seeded data; the figure is its training throughput (rows per second, and GFLOP/s by
 * lib/nets.ts's flopsPerRow), the check its final training loss.
 *
 * Timing as the suite's: one untimed warm-up run per system and configuration (one epoch on the
 * first tenth of the rows), then `reps` runs from a fresh initialization; the first epoch of each
 * run is not timed, a run's throughput is n × (epochs − 1) / (time of epochs 2..E), and the figure
 * is the median of the runs. A system whose runs take longer than `slowSeconds` stops after the
 * runs done (at least one). The loss of a system is the median of its runs' final training
 * losses (mean softmax cross-entropy over all rows, float64, from its probabilities); it must be
 * within 1 % of the reference's (minibatch wasm on one thread, or TF.js wasm model.fit when
 * minibatch has no networks), or the row is marked and left out of the ratios.
 */
import { makeFeatures, makeProblem, type Problem } from './data.js';
import type { NetsSection } from './results.js';
import type { NetMemoryResult } from '../memory-net.js';
import { accuracy, brainJs, crossEntropy, flopsPerRow, minibatchNetSystems, type NetSystem, type NetSystemId, type NotRun, tfjsNetSystems } from './nets.js';

export interface NetConfig {
  readonly name: string;
  readonly n: number;
  readonly d: number;
  readonly hidden: number;
  readonly k: number;
  readonly batchSize: number;
  readonly epochs: number;
  readonly learningRate: number;
}

/**
 * The issue's two sizes. Data: features ~ N(0, 1), classes drawn from a random softmax model
 * over the features (lib/data.ts, k = 10: learnable, not separable, so the loss has a floor).
 * Learning rate and epochs: small enough a rate, and enough epochs, that systems with their own
 * initial draws and shuffles end within 1 % of each other's loss (checked in every run).
 */
export function netConfigs(quick: boolean): NetConfig[] {
  if (quick) {
    return [
      { name: 'small', n: 512, d: 64, hidden: 64, k: 10, batchSize: 32, epochs: 2, learningRate: 0.05 },
      { name: 'mid', n: 256, d: 784, hidden: 256, k: 10, batchSize: 128, epochs: 2, learningRate: 0.05 },
    ];
  }
  return [
    { name: 'small', n: 8192, d: 64, hidden: 64, k: 10, batchSize: 32, epochs: 10, learningRate: 0.02 },
    { name: 'mid', n: 4096, d: 784, hidden: 256, k: 10, batchSize: 128, epochs: 6, learningRate: 0.02 },
  ];
}

export type NetStatus = 'ok' | 'loss-mismatch' | 'other-objective' | 'error' | 'not-run';

export interface NetRow {
  readonly system: NetSystemId;
  readonly label: string;
  readonly status: NetStatus;
  readonly note?: string;
  /** Rows per second of each run. */
  readonly rates: number[];
  readonly rate: number | null;
  readonly gflops: number | null;
  /** Median final training loss (softmax cross-entropy), and its relative difference from the reference's. */
  readonly loss: number | null;
  readonly lossRelDiff: number | null;
  /** Each run's final training loss (softmax cross-entropy). */
  readonly losses: number[];
  readonly accuracy: number | null;
  /** brain.js: its own objective's final value. */
  readonly ownLoss?: { readonly name: string; readonly value: number };
}

export interface NetConfigResult {
  readonly config: NetConfig;
  readonly flopsPerRow: number;
  readonly reference: NetSystemId | null;
  readonly rows: NetRow[];
}

export interface NetOptions {
  readonly quick: boolean;
  readonly reps: number;
  readonly slowSeconds: number;
  readonly dataSeed: number;
  readonly fitSeed: number;
  /** Only these configurations (names); all when empty. */
  readonly only?: readonly string[];
  readonly tfjs: boolean;
  readonly brain: boolean;
  /** Only these systems (ids); all when empty. */
  readonly systems?: readonly string[];
  /** Overrides of the configurations' epochs and learning rate (for tuning). */
  readonly epochs?: number;
  readonly learningRate?: number;
  readonly log?: (line: string) => void;
}

const LOSS_TOLERANCE = 0.01;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function head(p: Problem, rows: number): Problem {
  const m = Math.min(p.n, rows);
  return { ...p, n: m, X: p.X.subarray(0, m * p.d), y: p.y.subarray(0, m) };
}

async function measure(sys: NetSystem, cfg: NetConfig, problem: Problem, opts: NetOptions): Promise<Omit<NetRow, 'status' | 'lossRelDiff'> & { error?: string }> {
  const epochs = Math.min(cfg.epochs, sys.maxEpochs ?? Infinity);
  const spec = { problem, hidden: cfg.hidden, batchSize: cfg.batchSize, epochs, learningRate: cfg.learningRate, seed: opts.fitSeed };
  const rates: number[] = [];
  const losses: number[] = [];
  const accs: number[] = [];
  const own: number[] = [];
  let ownName: string | undefined;
  let note: string | undefined;
  try {
    await sys.run({ ...spec, problem: head(problem, Math.max(4 * cfg.batchSize, Math.ceil(problem.n / 10))), epochs: 1 });
    const started = performance.now();
    for (let r = 0; r < opts.reps; r++) {
      const out = await sys.run({ ...spec, seed: opts.fitSeed + r });
      if (out.epochMs.length !== epochs) throw new Error(`${sys.id} ran ${out.epochMs.length} epochs, not ${epochs}`);
      const timed = out.epochMs.slice(1).reduce((a, b) => a + b, 0) / 1000;
      rates.push((problem.n * (epochs - 1)) / timed);
      if (out.ownLoss) {
        ownName = out.ownLoss.name;
        own.push(out.ownLoss.value);
      } else losses.push(crossEntropy(problem, out.outputs));
      accs.push(accuracy(problem, out.outputs));
      const spent = (performance.now() - started) / 1000;
      if (r + 1 < opts.reps && spent > opts.slowSeconds) {
        note = `${r + 1} run${r ? 's' : ''} of ${opts.reps}: the runs took ${spent.toFixed(0)} s`;
        break;
      }
    }
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return { system: sys.id, label: sys.label, rates, rate: null, gflops: null, loss: null, losses, accuracy: null, error: message };
  }
  const rate = median(rates);
  if (epochs < cfg.epochs) note = `${epochs} epochs a run${note ? `; ${note}` : ''}`;
  return {
    system: sys.id,
    label: sys.label,
    ...(note === undefined ? {} : { note }),
    rates,
    rate,
    gflops: (rate * flopsPerRow(cfg.d, cfg.hidden, cfg.k)) / 1e9,
    loss: losses.length ? median(losses) : null,
    losses,
    accuracy: median(accs),
    ...(ownName === undefined ? {} : { ownLoss: { name: ownName, value: median(own) } }),
  };
}

/** Runs every configuration on every system; prints a line per system as it goes. */
export async function runNets(opts: NetOptions): Promise<{ results: NetConfigResult[]; failures: number }> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const systems: (NetSystem | NotRun)[] = [];
  for (const s of await minibatchNetSystems()) {
    if ('notRun' in s) log(`  nets: ${s.id} not run: ${s.notRun}`);
    systems.push(s);
  }
  if (opts.tfjs) systems.push(...tfjsNetSystems);
  if (opts.brain) systems.push(brainJs);
  if (opts.systems?.length) systems.splice(0, systems.length, ...systems.filter((s) => opts.systems!.includes(s.id)));
  let failures = 0;
  const results: NetConfigResult[] = [];
  for (const base of netConfigs(opts.quick)) {
    if (opts.only?.length && !opts.only.includes(base.name)) continue;
    const cfg = { ...base, ...(opts.epochs ? { epochs: opts.epochs } : {}), ...(opts.learningRate ? { learningRate: opts.learningRate } : {}) };
    const problem = makeProblem('softmax', makeFeatures(cfg.n, cfg.d, opts.dataSeed), cfg.n, cfg.d, opts.dataSeed);
    if (problem.k !== cfg.k) throw new Error(`the softmax problems have ${problem.k} classes, not ${cfg.k}`);
    const where = `${cfg.name} ${cfg.d} → ${cfg.hidden} → ${cfg.k}, ${cfg.n} rows, batch ${cfg.batchSize}, lr ${cfg.learningRate}, ${cfg.epochs} epochs`;
    const rows: NetRow[] = [];
    for (const s of systems) {
      if ('notRun' in s) {
        rows.push({ system: s.id, label: s.label, status: 'not-run', note: s.notRun, rates: [], rate: null, gflops: null, loss: null, lossRelDiff: null, losses: [], accuracy: null });
        continue;
      }
      const m = await measure(s, cfg, problem, opts);
      if (m.error !== undefined) {
        failures++;
        log(`  ${where}: ${s.id}: FAILED: ${m.error}`);
        rows.push({ ...m, status: 'error', note: m.error, lossRelDiff: null });
        continue;
      }
      const row: NetRow = { ...m, status: m.loss === null ? 'other-objective' : 'ok', lossRelDiff: null };
      rows.push(row);
      const loss = row.loss !== null ? `loss ${row.loss.toFixed(5)}` : `${row.ownLoss?.name} ${row.ownLoss?.value.toFixed(5)}`;
      const runs = row.losses.length > 1 ? ` (runs: ${row.losses.map((l) => l.toFixed(4)).join(', ')})` : '';
      log(`  ${where}: ${s.id.padEnd(16)} ${Math.round(row.rate!).toLocaleString('en-US').padStart(11)} rows/s ${row.gflops!.toFixed(2).padStart(6)} GFLOP/s ${loss} accuracy ${(row.accuracy! * 100).toFixed(1)} %${runs}${row.note ? ` (${row.note})` : ''}`);
    }
    // The loss reference: minibatch wasm on one thread, else TF.js wasm model.fit, else the first loss measured.
    const withLoss = rows.filter((r) => r.loss !== null);
    const ref = withLoss.find((r) => r.system === 'minibatch-wasm') ?? withLoss.find((r) => r.system === 'tfjs-wasm-fit') ?? withLoss[0];
    for (const [i, r] of rows.entries()) {
      if (r.loss === null || !ref) continue;
      const diff = Math.abs(r.loss - ref.loss!) / ref.loss!;
      rows[i] = { ...r, lossRelDiff: diff, status: diff > LOSS_TOLERANCE ? 'loss-mismatch' : 'ok' };
      if (diff > LOSS_TOLERANCE) log(`  ${where}: ${r.system}: its loss is ${(diff * 100).toFixed(2)} % from ${ref.system}'s: left out of the ratios`);
    }
    results.push({ config: cfg, flopsPerRow: flopsPerRow(cfg.d, cfg.hidden, cfg.k), reference: ref?.system ?? null, rows });
  }
  return { results, failures };
}

/** A ratio of two rows' throughputs, when both ran and reached the reference's loss (or have their own objective). */
function ratio(a: NetRow | undefined, b: NetRow | undefined): string {
  const usable = (r: NetRow | undefined): r is NetRow => r !== undefined && r.rate !== null && (r.status === 'ok' || r.status === 'other-objective');
  if (!usable(a) || !usable(b)) return '–';
  return `${(a.rate! / b.rate!).toFixed(2)}×`;
}

/** The results as Markdown: per configuration a table of the systems, and the ratios. */
export function netsMarkdown(results: readonly NetConfigResult[]): string {
  const out: string[] = [];
  for (const r of results) {
    const c = r.config;
    out.push(
      `### ${c.name}: ${c.d} → ${c.hidden} → ${c.k} (relu, softmax cross-entropy), ${c.n.toLocaleString('en-US')} rows, batch ${c.batchSize}, SGD lr ${c.learningRate}, ${c.epochs} epochs`,
      '',
      `${(r.flopsPerRow / 1e3).toFixed(1)} kFLOP a row; loss reference: ${r.reference ?? 'none'}.`,
      '',
      '| system | rows/s | GFLOP/s | final training loss | vs reference | training accuracy | rows/s ÷ TF.js wasm model.fit |',
      '|---|---:|---:|---:|---:|---:|---:|',
    );
    const tfFit = r.rows.find((x) => x.system === 'tfjs-wasm-fit');
    for (const row of r.rows) {
      if (row.rate === null) {
        out.push(`| ${row.label} | ${row.status === 'not-run' ? 'not run' : 'failed'}: ${row.note ?? ''} | | | | | |`);
        continue;
      }
      const loss = row.loss !== null ? row.loss.toFixed(5) : `${row.ownLoss?.value.toFixed(5)} (${row.ownLoss?.name})`;
      const diff = row.lossRelDiff === null ? '–' : `${(row.lossRelDiff * 100).toFixed(2)} %${row.status === 'loss-mismatch' ? ' ✗' : ''}`;
      out.push(
        `| ${row.label}${row.note ? ` (${row.note})` : ''} | ${Math.round(row.rate).toLocaleString('en-US')} | ${row.gflops!.toFixed(2)} | ${loss} | ${diff} | ${(row.accuracy! * 100).toFixed(1)} % | ${ratio(row, tfFit)} |`,
      );
    }
    const get = (id: NetSystemId) => r.rows.find((x) => x.system === id);
    const mbw = get('minibatch-wasm');
    if (mbw && mbw.rate !== null) {
      out.push(
        '',
        `minibatch wasm (1 thread) ÷ TF.js wasm model.fit ${ratio(mbw, tfFit)}, ÷ TF.js wasm loop ${ratio(mbw, get('tfjs-wasm-loop'))}, ÷ TF.js cpu model.fit ${ratio(mbw, get('tfjs-cpu-fit'))}, ÷ brain.js ${ratio(mbw, get('brainjs'))}; ` +
          `wasm ÷ js ${ratio(mbw, get('minibatch-js'))}; 2 threads ÷ 1 thread ${ratio(get('minibatch-wasm-2'), mbw)}.`,
      );
    }
    out.push('');
  }
  return out.join('\n');
}

/** The issue's bound on the memory a network fit holds (peak RSS less the RSS at the start). */
export function netMemoryTarget(r: Pick<NetMemoryResult, 'datasetBytes' | 'parameters'>): number {
  return r.datasetBytes * 1.2 + r.parameters * 8 + 50e6;
}

/** The peak memory of the network fits (memory-net.ts) as Markdown. */
function netMemoryMarkdown(rows: readonly NetMemoryResult[]): string {
  const ran = rows.filter((r) => !r.notRun);
  if (!rows.length) return '';
  const MB = (v: number): string => `${(v / 1e6).toFixed(0)} MB`;
  const r0 = rows[0];
  const out = [
    `Peak memory of one fit of the mid network (${MB(r0.datasetBytes)} of data as float32 features and targets, ${r0.parameters.toLocaleString('en-US')} parameters); ` +
      `the issue's bound is data × 1.2 + parameters × 8 + 50 MB = ${MB(netMemoryTarget(r0))} for what the fit holds: the peak RSS less the RSS at the start ` +
      '(Node and the initialized libraries, before the data is made). Each system in a process of its own (`bench/memory-net.ts`). MB = 10⁶ bytes.',
    '',
    '| system | RSS at start | + the data | peak RSS | peak − start | vs bound | wasm memory before → after |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    if (r.notRun !== undefined) {
      out.push(`| ${r.system} | not run: ${r.notRun} | | | | | |`);
      continue;
    }
    const held = r.peakRss - r.rssStart;
    out.push(
      `| ${r.system} | ${MB(r.rssStart)} | ${MB(r.rssBefore - r.rssStart)} | ${MB(r.peakRss)} | ${MB(held)} | ${((held / netMemoryTarget(r)) * 100).toFixed(0)} % | ${r.system.startsWith('minibatch') ? `${MB(r.wasmBefore)} → ${MB(r.wasmAfter)}` : '–'} |`,
    );
  }
  if (!ran.length) out.push('', 'Nothing ran.');
  return out.join('\n');
}

/** Issue 14's speed and memory targets, met or not, from one run's figures. */
export function netVerdicts(section: NetsSection, maddRegsFlops: number | null): { target: string; measured: string; verdict: string }[] {
  const out: { target: string; measured: string; verdict: string }[] = [];
  const rate = (r: NetConfigResult | undefined, id: NetSystemId): number | null => {
    const row = r?.rows.find((x) => x.system === id);
    return row && row.rate !== null && (row.status === 'ok' || row.status === 'other-objective') ? row.rate : null;
  };
  const check = (target: string, r: NetConfigResult | undefined, a: NetSystemId, b: NetSystemId, need: number): void => {
    const x = rate(r, a);
    const y = rate(r, b);
    if (x === null || y === null) out.push({ target, measured: 'not measured (or loss check failed)', verdict: '–' });
    else out.push({ target, measured: `${(x / y).toFixed(2)}×`, verdict: x / y >= need ? 'met' : 'missed' });
  };
  const small = section.results.find((r) => r.config.name === 'small');
  const mid = section.results.find((r) => r.config.name === 'mid');
  check('small: minibatch wasm ≥ 20× TF.js wasm model.fit', small, 'minibatch-wasm', 'tfjs-wasm-fit', 20);
  check('small: minibatch wasm ≥ 50× brain.js', small, 'minibatch-wasm', 'brainjs', 50);
  check('mid: minibatch wasm ≥ 4× TF.js wasm model.fit', mid, 'minibatch-wasm', 'tfjs-wasm-fit', 4);
  const g = mid?.rows.find((x) => x.system === 'minibatch-wasm');
  if (g && g.gflops !== null && maddRegsFlops) {
    const f = (g.gflops * 1e9) / maddRegsFlops;
    out.push({ target: "mid: ≥ 40 % of the f32x4 multiply-add peak (in registers)", measured: `${g.gflops.toFixed(2)} GFLOP/s = ${(f * 100).toFixed(0)} % of ${(maddRegsFlops / 1e9).toFixed(1)} (products counted as lib/nets.ts says)`, verdict: f >= 0.4 ? 'met' : 'missed' });
  } else out.push({ target: 'mid: ≥ 40 % of the f32x4 multiply-add peak (in registers)', measured: 'not measured', verdict: '–' });
  check('small: wasm ≥ 3× js', small, 'minibatch-wasm', 'minibatch-js', 3);
  check('mid: wasm ≥ 3× js', mid, 'minibatch-wasm', 'minibatch-js', 3);
  check('mid (batch 128): 2 threads ≥ 1.7× one thread', mid, 'minibatch-wasm-2', 'minibatch-wasm', 1.7);
  for (const m of section.memory) {
    if (m.notRun !== undefined || !m.system.startsWith('minibatch')) continue;
    const held = m.peakRss - m.rssStart;
    out.push({ target: `mid: peak memory of a fit ≤ data × 1.2 + parameters × 8 + 50 MB (${m.system})`, measured: `${(held / 1e6).toFixed(0)} MB of ${(netMemoryTarget(m) / 1e6).toFixed(0)} MB`, verdict: held <= netMemoryTarget(m) ? 'met' : 'missed' });
  }
  return out;
}

/** The suite's networks section as Markdown (RESULTS.md). */
export function netsSectionMarkdown(section: NetsSection, maddRegsFlops: number | null): string {
  const v = netVerdicts(section, maddRegsFlops);
  return [
    "### Issue 14's targets",
    '',
    '| target | measured | verdict |',
    '|---|---|---|',
    ...v.map((x) => `| ${x.target} | ${x.measured} | ${x.verdict} |`),
    '',
    netsMarkdown(section.results),
    netMemoryMarkdown(section.memory),
    '',
  ].join('\n');
}
