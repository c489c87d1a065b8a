/**
 * Renders bench/RESULTS.md and bench/throughput.png from the suite's results.
 *
 *   npm run bench:report     redraws both from bench/results.json (no measuring)
 *
 * bench/suite.ts calls writeReport at the end of every run.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { datasetBytes } from './lib/data.js';
import { SYSTEM_LABELS, svgToPng, throughputSvg } from './lib/plot.js';
import type { ConfigResult, MemoryRow, Results, SystemResult } from './lib/results.js';
import type { FitResult } from './whole-fit.js';
import type { DataInResult } from './data-in.js';
import type { SystemId } from './lib/systems.js';
import { netsSectionMarkdown } from './lib/nets-run.js';

/** Issue 5's "tuned pure-JS loop" figures (M samples/s, logistic regression, plain SGD), keyed d/batch. */
const ISSUE_PURE_JS: Record<string, number> = { '256/256': 3.2, '256/32': 3.1, '256/1': 1.2, '32/256': 20, '1024/256': 1.1 };

const M = (v: number | null | undefined, digits = 3): string => (v === null || v === undefined ? '–' : (v / 1e6).toPrecision(digits));
const pct = (v: number): string => `${(v * 100).toFixed(v < 0.1 ? 1 : 0)} %`;
const times = (v: number): string => `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)}×`;
const MB = (v: number): string => `${(v / 1e6).toFixed(0)} MB`;
const shape = (c: { n: number; d: number }): string => `${c.n.toLocaleString('en-US')} × ${c.d}`;
const KIND: Record<string, string> = { linear: 'LinearRegression', logistic: 'LogisticRegression', softmax: 'SoftmaxRegression (k = 10)' };
const OPT: Record<string, string> = { sgd: 'SGD', momentum: 'SGD, momentum 0.9', adam: 'Adam' };

function result(c: ConfigResult, s: SystemId): SystemResult | undefined {
  return c.results.find((r) => r.system === s);
}

/** A rate for a ratio: only a measured result whose loss passed the check. */
function okRate(c: ConfigResult, s: SystemId): number | null {
  const r = result(c, s);
  return r && r.status === 'ok' && r.rate !== null ? r.rate : null;
}

function ratio(c: ConfigResult, a: SystemId, b: SystemId): number | null {
  const x = okRate(c, a);
  const y = okRate(c, b);
  return x !== null && y !== null ? x / y : null;
}

/** A table cell for a system's rate, with its status when it is not a clean measurement. */
function cell(c: ConfigResult, s: SystemId): string {
  const r = result(c, s);
  if (!r) return '';
  if (r.status === 'not-run') return 'not run¹';
  if (r.status === 'error') return 'error²';
  const v = M(r.rate);
  const few = r.runs.length < 3 ? '*' : '';
  return r.status === 'loss-mismatch' ? `~~${v}~~ loss ✗³` : `${v}${few}`;
}

const rcell = (v: number | null): string => (v === null ? '–' : times(v));

function sweepTables(sweep: ConfigResult[]): string {
  const systems: SystemId[] = ['minibatch-wasm', 'minibatch-wasm-threads', 'minibatch-js', 'tfjs-wasm-fit', 'tfjs-wasm-loop', 'tfjs-cpu-fit', 'tfjs-cpu-loop'];
  const present = systems.filter((s) => sweep.some((c) => result(c, s)));
  const threads = present.includes('minibatch-wasm-threads');
  const parts: string[] = [];
  const shapes = [...new Set(sweep.map((c) => `${c.n}/${c.d}`))];
  for (const key of shapes) {
    const rows = sweep.filter((c) => `${c.n}/${c.d}` === key).sort((a, b) => a.batchSize - b.batchSize);
    const c0 = rows[0];
    parts.push(
      `### ${shape(c0)} (${MB(datasetBytes(c0.n, c0.d))} of data), limit ${M(c0.limitRate)} M samples/s (shuffled reads: ${M(c0.limitShuffledRate)})\n`,
      `| batch | lr | ${present.map((s) => SYSTEM_LABELS[s]).join(' | ')} | wasm % of limit | wasm % of shuffled-read limit |${threads ? ' threads/one thread |' : ''} wasm/js | wasm/TF.js wasm fit | wasm/TF.js wasm loop | wasm/TF.js cpu fit |`,
      `|---:|---:|${present.map(() => '---:').join('|')}|---:|---:|${threads ? '---:|' : ''}---:|---:|---:|---:|`,
    );
    for (const c of rows) {
      const w = okRate(c, 'minibatch-wasm');
      parts.push(
        `| ${c.batchSize} | ${c.learningRate} | ${present.map((s) => cell(c, s)).join(' | ')} | ${w === null ? '–' : pct(w / c.limitRate)} | ` +
          `${w === null ? '–' : pct(w / c.limitShuffledRate)} | ` +
          (threads ? `${rcell(ratio(c, 'minibatch-wasm-threads', 'minibatch-wasm'))} | ` : '') +
          `${rcell(ratio(c, 'minibatch-wasm', 'minibatch-js'))} | ${rcell(ratio(c, 'minibatch-wasm', 'tfjs-wasm-fit'))} | ` +
          `${rcell(ratio(c, 'minibatch-wasm', 'tfjs-wasm-loop'))} | ${rcell(ratio(c, 'minibatch-wasm', 'tfjs-cpu-fit'))} |`,
      );
    }
    parts.push('');
  }
  return parts.join('\n');
}

/** Why TF.js is not run at batch 1, with the epoch time its batch-32 speed implies. */
function batchOneNote(sweep: ConfigResult[]): string {
  const b32 = sweep.find((c) => c.batchSize === 32);
  const perBatch = (s: SystemId): number | null => {
    const r = b32 ? result(b32, s) : undefined;
    return r && r.rate ? (32 / r.rate) * 1000 : null;
  };
  const loop = perBatch('tfjs-wasm-loop');
  const fit = perBatch('tfjs-wasm-fit');
  const base = 'TF.js is not run at batch 1, where an epoch is n updates';
  if (!b32 || loop === null || fit === null) return `${base}.`;
  return (
    `${base}: at its time per batch of 32 rows at ${shape(b32)} (${loop.toFixed(2)} ms in the hand-written loop, ` +
    `${fit.toFixed(2)} ms in model.fit, on the wasm backend), an epoch would take about ${((b32.n * loop) / 1000).toFixed(0)} s ` +
    `and ${((b32.n * fit) / 1000).toFixed(0)} s, too long for this suite; the issue gives no TF.js figure at batch 1 either.`
  );
}

function modelTables(models: ConfigResult[]): string {
  const parts: string[] = [];
  for (const b of [...new Set(models.map((c) => c.batchSize))].sort((x, y) => y - x)) {
    const rows = models.filter((c) => c.batchSize === b);
    const systems = (['minibatch-wasm', 'minibatch-wasm-threads', 'minibatch-js', 'tfjs-wasm-fit', 'tfjs-wasm-loop'] as SystemId[]).filter((s) =>
      rows.some((c) => result(c, s)),
    );
    const tf = systems.includes('tfjs-wasm-fit');
    const threads = systems.includes('minibatch-wasm-threads');
    parts.push(
      `### ${shape(rows[0])}, batch ${b}\n`,
      `| model | optimizer | lr | ${systems.map((s) => SYSTEM_LABELS[s]).join(' | ')} | limit | wasm % of limit |${threads ? ' threads/one thread |' : ''} wasm/js |${tf ? ' wasm/TF.js wasm fit | wasm/TF.js wasm loop |' : ''}`,
      `|---|---|---:|${systems.map(() => '---:').join('|')}|---:|---:|${threads ? '---:|' : ''}---:|${tf ? '---:|---:|' : ''}`,
    );
    for (const c of rows) {
      const w = okRate(c, 'minibatch-wasm');
      parts.push(
        `| ${KIND[c.kind]} | ${OPT[c.optimizer]} | ${c.learningRate} | ${systems.map((s) => cell(c, s)).join(' | ')} | ${M(c.limitRate)} | ` +
          `${w === null ? '–' : pct(w / c.limitRate)} |${threads ? ` ${rcell(ratio(c, 'minibatch-wasm-threads', 'minibatch-wasm'))} |` : ''} ` +
          `${rcell(ratio(c, 'minibatch-wasm', 'minibatch-js'))} |` +
          (tf ? ` ${rcell(ratio(c, 'minibatch-wasm', 'tfjs-wasm-fit'))} | ${rcell(ratio(c, 'minibatch-wasm', 'tfjs-wasm-loop'))} |` : ''),
      );
    }
    parts.push('');
  }
  return parts.join('\n');
}

function memoryTarget(row: MemoryRow): number {
  return row.datasetBytes * 1.2 + 50e6;
}

function memoryTable(rows: MemoryRow[]): string {
  if (rows.length === 0) return '(not measured in this run)';
  const r0 = rows[0];
  const lines = [
    `Logistic regression, plain SGD, ${shape(r0)}, batch ${r0.batchSize}, ${r0.epochs} epochs: ${MB(r0.datasetBytes)} of data ` +
      `(float32 features and targets); the issue's target is ${MB(memoryTarget(r0))} (data × 1.2 + 50 MB). MB = 10⁶ bytes.\n`,
    '| system | RSS at start (Node, tsx, libraries) | + the data | peak RSS | peak − start (data and fit) | vs target | added by the fit | added / data | wasm memory before → after the fit |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const r of rows) {
    const t = memoryTarget(r);
    const used = r.peakRss - r.rssStart;
    const added = r.peakRss - r.rssBefore;
    const wasm = r.system.startsWith('minibatch-wasm') ? `${MB(r.wasmBefore)} → ${MB(r.wasmAfter)}` : '–';
    lines.push(
      `| ${SYSTEM_LABELS[r.system]} | ${MB(r.rssStart)} | ${MB(r.rssBefore - r.rssStart)} | ${MB(r.peakRss)} | ${MB(used)} | ` +
        `${used <= t ? 'met' : `+${MB(used - t)}`} | ${MB(added)} | ${(added / r.datasetBytes).toFixed(2)} | ${wasm} |`,
    );
  }
  return lines.join('\n');
}

const median = (xs: readonly number[]): number => {
  const a = [...xs].sort((p, q) => p - q);
  const m = a.length >> 1;
  return a.length % 2 ? a[m] : (a[m - 1] + a[m]) / 2;
};
const ms = (v: number): string => `${v.toFixed(v < 10 ? 1 : 0)} ms`;

/** A fit's warm figures: the median whole fit, and the medians of its parts over the warm runs. */
function warmOf(f: FitResult): { total: number; setup: number; first: number; rate: number } {
  const total = median(f.warm.map((w) => w.totalMs));
  return { total, setup: median(f.warm.map((w) => w.setupMs)), first: median(f.warm.map((w) => w.epochMs[0])), rate: (f.n * f.epochs) / (total / 1000) };
}

/**
 * Steady state, measured in the same processes as the whole fits: the median epoch of the warm
 * 10-epoch fits' epochs 2–10 (the sweep's figure, from another moment of a shared machine, is
 * not comparable with them).
 */
function steadyRate(res: Results, system: 'minibatch-wasm' | 'minibatch-js'): { rate: number; from: string } | null {
  const ten = (res.fits ?? []).find((f) => f.system === system && f.epochs >= 10);
  if (!ten) return null;
  const later = ten.warm.flatMap((w) => w.epochMs.slice(1));
  return { rate: ten.n / (median(later) / 1000), from: 'the median epoch of the warm 10-epoch fits\' epochs 2–10' };
}

function fitsTable(res: Results): string {
  const fits = res.fits ?? [];
  if (fits.length === 0) return '(not measured in this run)';
  const f0 = fits[0];
  const lines = [
    `Logistic regression, plain SGD, ${shape(f0)} (a \`Float32Array\`, ${MB(f0.n * f0.d * 4)}), batch ${f0.batchSize}; wall time of the whole call, ` +
      '"outside the epochs" = the call less its epochs (checking and copying the data in, the engine\'s start, the end). ' +
      'First fit: the first `fit` of a fresh process (after the imports and making the data: module compilation, fresh memory ' +
      'and unoptimized code are all paid here). Warm: the same fit repeated in that process, median.\n',
    '| system | epochs | first fit: whole (outside the epochs, first epoch) | warm: whole (outside the epochs, first epoch) | warm whole fit, samples/s | first / warm |',
    '|---|---:|---|---|---:|---:|',
  ];
  for (const f of fits) {
    const w = warmOf(f);
    lines.push(
      `| ${SYSTEM_LABELS[f.system]} | ${f.epochs} | ${ms(f.fresh.totalMs)} (${ms(f.fresh.setupMs)}, ${ms(f.fresh.epochMs[0])}) | ` +
        `${ms(w.total)} (${ms(w.setup)}, ${ms(w.first)}) | ${M(w.rate)} M/s | ${times(f.fresh.totalMs / w.total)} |`,
    );
  }
  const steady = (['minibatch-wasm', 'minibatch-js'] as const).map((s) => ({ s, r: steadyRate(res, s) })).filter((x) => x.r !== null);
  if (steady.length) {
    lines.push(
      `\nSteady state in the same processes (${steady[0].r!.from}): ${steady.map((x) => `${SYSTEM_LABELS[x.s]} ${M(x.r!.rate)} M/s`).join(', ')}.`,
    );
  }
  return lines.join('\n');
}

function dataInTable(d: DataInResult | null | undefined): string {
  if (!d) return '(not measured in this run)';
  const lines = [
    `${shape(d)} values; median of the repetitions after the first (the first, on fresh memory, in brackets); GB/s of the input as given.\n`,
    '| path | time | input | GB/s |',
    '|---|---:|---:|---:|',
  ];
  for (const r of d.rows) {
    const t = median(r.ms.slice(1));
    lines.push(`| ${r.what} | ${ms(t)} (${ms(r.ms[0])}) | ${MB(r.inputBytes)} | ${(r.inputBytes / t / 1e6).toFixed(1)} |`);
  }
  return lines.join('\n');
}

/** Issue 12's targets. */
function fitVerdicts(res: Results): Verdict[] {
  const out: Verdict[] = [];
  const fits = res.fits ?? [];
  const three = (s: string): FitResult | undefined => fits.find((f) => f.system === s && f.epochs === 3);
  const w3 = three('minibatch-wasm');
  const j3 = three('minibatch-js');
  const steady = steadyRate(res, 'minibatch-wasm');
  if (w3 && steady) {
    const r = warmOf(w3).rate / steady.rate;
    out.push({
      target: 'a 3-epoch whole fit (warm process) ≥ 75 % of the steady-state throughput',
      measured: `${M(warmOf(w3).rate)} M/s whole fit vs ${M(steady.rate)} M/s steady (${steady.from}): ${pct(r)}`,
      verdict: r >= 0.75 ? 'met' : `missed: ${pct(r)}`,
    });
  }
  if (w3 && j3) {
    const r = warmOf(w3).rate / warmOf(j3).rate;
    out.push({
      target: 'a 3-epoch whole fit ≥ 2.5× the js engine\'s whole fit',
      measured: `${M(warmOf(w3).rate)} vs ${M(warmOf(j3).rate)} M/s: ${times(r)}`,
      verdict: r >= 2.5 ? 'met' : `missed: ${times(r)}`,
    });
  }
  const wasm = fits.filter((f) => f.system === 'minibatch-wasm');
  if (wasm.length) {
    const rs = wasm.map((f) => ({ f, r: f.fresh.totalMs / warmOf(f).total }));
    const bad = rs.filter((x) => x.r > 1.5);
    out.push({
      target: 'the first fit of a fresh process within 1.5× of a warm one (minibatch wasm)',
      measured: rs.map((x) => `${x.f.epochs} epoch${x.f.epochs > 1 ? 's' : ''}: ${times(x.r)}`).join(', '),
      verdict: bad.length === 0 ? 'met' : `missed at ${bad.map((x) => `${x.f.epochs} epoch${x.f.epochs > 1 ? 's' : ''}`).join(', ')}`,
    });
  }
  const d = res.dataIn;
  if (d) {
    const rate = (prefix: string): number | null => {
      const r = d.rows.find((x) => x.what.startsWith(prefix));
      return r ? r.inputBytes / (median(r.ms.slice(1)) / 1000) : null;
    };
    const f32 = rate('Float32Array');
    const f64 = rate('Float64Array');
    const copy = rate('baseline: memory copy');
    if (f32 !== null && f64 !== null) {
      out.push({
        target: 'data in: ≥ 8 GB/s for a Float32Array, ≥ 4 GB/s for a Float64Array',
        measured: `${(f32 / 1e9).toFixed(1)} and ${(f64 / 1e9).toFixed(1)} GB/s (the machine's memory copy: ${copy === null ? '?' : (copy / 1e9).toFixed(1)} GB/s)`,
        verdict: f32 >= 8e9 && f64 >= 4e9 ? 'met' : `${f32 >= 8e9 ? 'Float32Array met' : 'Float32Array missed'}, ${f64 >= 4e9 ? 'Float64Array met' : 'Float64Array missed'}`,
      });
    }
    const nested = d.rows.find((x) => x.what.startsWith('number[][]'));
    const loop = d.rows.find((x) => x.what.startsWith('baseline: the fastest plain-JS loop'));
    if (nested && loop) {
      const r = median(nested.ms.slice(1)) / median(loop.ms.slice(1));
      out.push({ target: 'data in: number[][] within 2× of the fastest plain-JS loop reading it', measured: times(r), verdict: r <= 2 ? 'met' : `missed: ${times(r)}` });
    }
  }
  return out;
}

function lossTable(configs: ConfigResult[]): string {
  const systems: SystemId[] = ['minibatch-wasm', 'minibatch-js', 'tfjs-wasm-fit', 'tfjs-wasm-loop', 'tfjs-cpu-fit', 'tfjs-cpu-loop'];
  const lines = [
    `| section | model | optimizer | n × d | batch | minibatch wasm loss | ${systems.slice(1).map((s) => SYSTEM_LABELS[s]).join(' | ')} |`,
    `|---|---|---|---|---:|---:|${systems.slice(1).map(() => '---:').join('|')}|`,
  ];
  for (const c of configs) {
    const cells = systems.slice(1).map((s) => {
      const r = result(c, s);
      if (!r || r.lossRelDiff === null) return '';
      const v = `${(r.lossRelDiff * 100).toFixed(r.lossRelDiff < 0.001 ? 3 : 2)} %`;
      return r.status === 'loss-mismatch' ? `**${v} ✗**` : v;
    });
    lines.push(
      `| ${c.section} | ${c.kind} | ${c.optimizer} | ${shape(c)} | ${c.batchSize} | ${c.referenceLoss === null ? '–' : c.referenceLoss.toFixed(5)} | ${cells.join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

function runsTable(configs: ConfigResult[]): string {
  const lines = ['| section | model | optimizer | n × d | batch | system | runs (M samples/s) | epoch times of the first run (ms) |', '|---|---|---|---|---:|---|---|---|'];
  for (const c of configs) {
    for (const r of c.results) {
      if (r.runs.length === 0) continue;
      lines.push(
        `| ${c.section} | ${c.kind} | ${c.optimizer} | ${shape(c)} | ${c.batchSize} | ${SYSTEM_LABELS[r.system]} | ${r.runs.map((v) => M(v)).join(', ')} | ` +
          `${r.epochMs[0].map((t) => t.toFixed(0)).join(', ')} |`,
      );
    }
  }
  return lines.join('\n');
}

interface Verdict {
  readonly target: string;
  readonly measured: string;
  readonly verdict: string;
}

function verdicts(res: Results): Verdict[] {
  const { configs, memory } = res;
  const out: Verdict[] = [];
  const head = configs.find((c) => c.section === 'sweep' && c.n === 100_000 && c.d === 256 && c.batchSize === 256);
  const key = (c: ConfigResult): string => `${c.d}/${c.batchSize}`;
  const describe = (c: ConfigResult): string =>
    `${c.kind}${c.optimizer === 'sgd' ? '' : ` ${c.optimizer}`} ${shape(c)} b${c.batchSize}`;

  // 1. wasm ≥ 3.5× js for d ≥ 256 and batch ≥ 32.
  const wj = configs
    .filter((c) => c.d >= 256 && c.batchSize >= 32)
    .map((c) => ({ c, r: ratio(c, 'minibatch-wasm', 'minibatch-js') }))
    .filter((x) => x.r !== null) as { c: ConfigResult; r: number }[];
  if (wj.length) {
    const low = wj.filter((x) => x.r < 3.5);
    const min = wj.reduce((a, b) => (b.r < a.r ? b : a));
    out.push({
      target: 'wasm engine ≥ 3.5× the js engine for d ≥ 256 and batch ≥ 32',
      measured: `${wj.length} configurations, ${times(min.r)} (${describe(min.c)}) to ${times(Math.max(...wj.map((x) => x.r)))}`,
      verdict: low.length === 0 ? 'met' : `missed in ${low.length} of ${wj.length}: worst ${times(min.r)}, ${((1 - min.r / 3.5) * 100).toFixed(0)} % short`,
    });
  }
  // 1b. js engine ≥ the issue's tuned pure-JS loop.
  const js = configs
    .filter((c) => c.section === 'sweep' && c.n >= 20_000 && ISSUE_PURE_JS[key(c)] !== undefined)
    .map((c) => ({ c, r: okRate(c, 'minibatch-js'), want: ISSUE_PURE_JS[key(c)] * 1e6 }))
    .filter((x) => x.r !== null) as { c: ConfigResult; r: number; want: number }[];
  if (js.length) {
    const low = js.filter((x) => x.r < x.want);
    out.push({
      target: 'js engine ≥ the issue\'s tuned pure-JS loop (3.2, 3.1, 1.2, 20, 1.1 M/s)',
      measured: js.map((x) => `${describe(x.c)}: ${M(x.r)} vs ${M(x.want, 2)}`).join('; '),
      verdict:
        low.length === 0
          ? 'met'
          : `missed in ${low.length} of ${js.length}: ${low.map((x) => `${describe(x.c)} at ${pct(x.r / x.want)} of it`).join(', ')}`,
    });
  }
  // 2. ≥ 100× TF.js wasm model.fit at batch 32 and 256, same loss.
  const tf = configs
    .filter((c) => c.batchSize === 32 || c.batchSize === 256)
    .map((c) => ({ c, r: ratio(c, 'minibatch-wasm', 'tfjs-wasm-fit'), st: result(c, 'tfjs-wasm-fit')?.status }))
    .filter((x) => x.st !== undefined && x.st !== 'not-run');
  if (tf.length) {
    const measured = tf.filter((x) => x.r !== null) as { c: ConfigResult; r: number }[];
    const bad = tf.filter((x) => x.r === null);
    const low = measured.filter((x) => x.r < 100);
    const min = measured.length ? measured.reduce((a, b) => (b.r < a.r ? b : a)) : null;
    out.push({
      target: '≥ 100× TF.js wasm model.fit at batch 32 and 256, final loss within 1 %',
      measured:
        (min ? `${measured.length} configurations, ${times(min.r)} (${describe(min.c)}) to ${times(Math.max(...measured.map((x) => x.r)))}` : 'none comparable') +
        (bad.length ? `; ${bad.length} not comparable (loss or error)` : ''),
      verdict: low.length === 0 && bad.length === 0 ? 'met' : `missed in ${low.length + bad.length} of ${tf.length}${min ? `: worst ${times(min.r)}, ${((1 - min.r / 100) * 100).toFixed(0)} % short` : ''}`,
    });
  }
  // 3. ≥ 45 % of the limit at 100 000 × 256, batch 256; batch 1 ≥ 3 M/s at d = 256.
  if (head) {
    const w = okRate(head, 'minibatch-wasm');
    if (w !== null) {
      const f = w / head.limitRate;
      const L = res.limits;
      const strict = head.n / Math.max((head.n * (head.d + 1) * 4) / L.readBytesPerSecond, (4 * head.n * head.d * head.k) / L.maddRegsFlops);
      out.push({
        target: '≥ 45 % of the single-core limit at 100 000 × 256, batch 256 (logistic, SGD)',
        measured:
          `${M(w)} M/s of ${M(head.limitRate)} M/s = ${pct(f)} (${pct(w / strict)} of the stricter limit with the register-only peak, ` +
          `${M(strict)} M/s)`,
        verdict: f >= 0.45 ? 'met' : `missed: ${pct(f)} of the limit, ${(0.45 / f).toFixed(1)}× short of 45 %`,
      });
    }
  }
  const b1 = configs.find((c) => c.section === 'sweep' && c.n === 100_000 && c.d === 256 && c.batchSize === 1);
  const b1r = b1 ? okRate(b1, 'minibatch-wasm') : null;
  if (b1 && b1r !== null) {
    out.push({
      target: 'batch 1 (pure SGD) ≥ 3 M samples/s at d = 256',
      measured: `${M(b1r)} M/s`,
      verdict: b1r >= 3e6 ? 'met' : `missed: ${pct(b1r / 3e6)} of 3 M/s`,
    });
  }
  // 4. threads ≥ 1.7× one thread for batch ≥ 256.
  const th = configs
    .filter((c) => c.batchSize >= 256)
    .map((c) => ({ c, r: ratio(c, 'minibatch-wasm-threads', 'minibatch-wasm') }))
    .filter((x) => x.r !== null) as { c: ConfigResult; r: number }[];
  if (th.length) {
    const low = th.filter((x) => x.r < 1.7);
    const min = th.reduce((a, b) => (b.r < a.r ? b : a));
    out.push({
      target: `worker threads: ≥ 1.7× one thread on ${res.machine.nproc} cores for batch ≥ 256`,
      measured: `${th.length} configurations, ${times(min.r)} (${describe(min.c)}) to ${times(Math.max(...th.map((x) => x.r)))}`,
      verdict: low.length === 0 ? 'met' : `missed in ${low.length} of ${th.length}: ${low.map((x) => `${describe(x.c)} ${times(x.r)}`).join(', ')}`,
    });
  } else {
    out.push({ target: 'worker threads: ≥ 1.7× one thread on 2 cores for batch ≥ 256', measured: 'not measured in this run', verdict: 'open' });
  }
  // 5. memory.
  for (const r of memory.filter((m) => m.system.startsWith('minibatch'))) {
    const t = memoryTarget(r);
    const used = r.peakRss - r.rssStart;
    out.push({
      target: `peak memory of a fit ≤ data × 1.2 + 50 MB (${SYSTEM_LABELS[r.system]})`,
      measured:
        `${MB(used)} for ${MB(r.datasetBytes)} of data (target ${MB(t)}): the data, and ${MB(r.peakRss - r.rssBefore)} added by the fit ` +
        `(${((r.peakRss - r.rssBefore) / r.datasetBytes).toFixed(2)}× the data); the whole process peaked at ${MB(r.peakRss)}`,
      verdict: used <= t ? 'met' : `missed by ${MB(used - t)} (${(used / t).toFixed(2)}× the target)`,
    });
  }
  // 6. the same for the other models and optimizers.
  const others = configs.filter((c) => c.section === 'models' && !(c.kind === 'logistic' && c.optimizer === 'sgd'));
  if (others.length) {
    const b256 = others.filter((c) => c.batchSize === 256);
    const frac = b256.map((c) => ({ c, f: (okRate(c, 'minibatch-wasm') ?? NaN) / c.limitRate })).filter((x) => Number.isFinite(x.f));
    const wjr = others.map((c) => ({ c, r: ratio(c, 'minibatch-wasm', 'minibatch-js') })).filter((x) => x.r !== null) as { c: ConfigResult; r: number }[];
    const tfr = b256.map((c) => ({ c, r: ratio(c, 'minibatch-wasm', 'tfjs-wasm-fit') })).filter((x) => x.r !== null) as { c: ConfigResult; r: number }[];
    const worst = <T extends { c: ConfigResult }>(xs: T[], v: (x: T) => number): T => xs.reduce((a, b) => (v(b) < v(a) ? b : a));
    const parts: string[] = [];
    const misses: string[] = [];
    if (frac.length) {
      const w = worst(frac, (x) => x.f);
      parts.push(`% of limit at batch 256: ${pct(w.f)} (${describe(w.c)}) to ${pct(Math.max(...frac.map((x) => x.f)))}`);
      const n = frac.filter((x) => x.f < 0.45).length;
      if (n) misses.push(`% of limit below 45 % in ${n} of ${frac.length}`);
    }
    if (wjr.length) {
      const w = worst(wjr, (x) => x.r);
      parts.push(`wasm/js ${times(w.r)} (${describe(w.c)}) to ${times(Math.max(...wjr.map((x) => x.r)))}`);
      const n = wjr.filter((x) => x.r < 3.5).length;
      if (n) misses.push(`wasm/js below 3.5× in ${n} of ${wjr.length}`);
    }
    if (tfr.length) {
      const w = worst(tfr, (x) => x.r);
      parts.push(`wasm/TF.js wasm fit ${times(w.r)} (${describe(w.c)}) to ${times(Math.max(...tfr.map((x) => x.r)))}`);
      const n = tfr.filter((x) => x.r < 100).length;
      if (n) misses.push(`below 100× TF.js in ${n} of ${tfr.length}`);
    }
    out.push({
      target: 'the same for linear and softmax (k = 10) regression, with momentum and Adam',
      measured: parts.join('; '),
      verdict: misses.length ? `missed: ${misses.join('; ')}` : 'met',
    });
  }
  return out;
}

export function renderMarkdown(res: Results): string {
  const { machine: m, limits: L, settings: s } = res;
  const sweep = res.configs.filter((c) => c.section === 'sweep');
  const models = res.configs.filter((c) => c.section === 'models');
  const few = res.configs.flatMap((c) => c.results.filter((r) => r.note && r.status !== 'not-run' && r.status !== 'error').map((r) => ({ c, r })));
  const mismatches = res.configs.flatMap((c) => c.results.filter((r) => r.status === 'loss-mismatch').map((r) => ({ c, r })));
  const errors = res.configs.flatMap((c) => c.results.filter((r) => r.status === 'error').map((r) => ({ c, r })));
  const gatherRows = L.gather
    .map(
      (g) =>
        `| rows of ${g.d * 4} bytes read in a shuffled order (${shape(g)}): one row after another / 8 rows / 16 rows at a time | ` +
        `${(g.rowByRow / 1e9).toFixed(1)} / ${(g.eightRows / 1e9).toFixed(1)} / ${(g.sixteenRows / 1e9).toFixed(1)} GB/s |`,
    )
    .join('\n');
  const v = verdicts(res);
  return `# Performance: minibatch against TF.js and the machine's limits

${res.quick ? '**A --quick run: tiny sizes, one run each; these numbers only show that the suite runs.**\n\n' : ''}Training throughput (samples per second) of minibatch's two engines and of TF.js ${m.tfjs} (wasm and cpu
backends, \`model.fit\` and a hand-written loop) on the same problems, against the single-core limits
measured on the same machine, and the peak memory of a fit. Issue 5 sets the targets.

Both files are regenerated by \`npm run bench\` (measures everything, ${(res.totalSeconds / 60).toFixed(0)} minutes here) or
\`npm run bench:report\` (redraws this file and the plot from \`bench/results.json\`).

## Issue 5's targets

| target | measured | verdict |
|---|---|---|
${v.map((x) => `| ${x.target} | ${x.measured} | ${x.verdict} |`).join('\n')}

${(() => {
    const fv = fitVerdicts(res);
    return fv.length ? `## Issue 12's targets (whole fits)\n\n| target | measured | verdict |\n|---|---|---|\n${fv.map((x) => `| ${x.target} | ${x.measured} | ${x.verdict} |`).join('\n')}\n\n` : '';
  })()}## Machine and run

- Date: ${res.date}
- Command: \`${res.command}\` from the repository root; total ${res.totalSeconds.toFixed(0)} s (not counting the wasm build)
- Commit: ${m.commit}; minibatch wasm module sha256 ${m.wasmModule}…
- CPU: ${m.cpu}; \`nproc\` = ${m.nproc}; ${m.caches}; ${m.memory} of memory
- Node ${m.node} (V8 ${m.v8}), running the published build (dist/) with the suite bundled by bench/build.mjs; TF.js ${m.tfjs}; load average (1, 5, 15 min) ${m.loadAverage} at the start, ${m.loadAverageEnd ?? '?'} at the end
  (the suite uses one core; more than 1 means other work shared the machine and may have slowed some figures)
${(res.sectionRuns ?? []).map((r) => `- Section "${r.section}" measured on its own, later: ${r.date}, \`${r.command}\`, commit ${r.commit}, load average ${r.loadAverage} at the start, ${r.loadAverageEnd} at the end\n`).join('')}- Threads: "minibatch wasm, threads" runs with the fit option \`threads\` at one thread per core (${m.nproc}), in the same
  configurations and the same run as one thread; every other system uses one core (TF.js's wasm backend has no threads in
  Node, the js engine runs on one thread). Its loss is checked against the one-thread loss like every system's

## The machine's limits (measured by the suite, one core)

| what | measured |
|---|---:|
| streaming read of ${MB(L.readBytes)} (wasm, f32x4 loads, 8 accumulators) | ${(L.readBytesPerSecond / 1e9).toFixed(1)} GB/s |
| f32x4 multiply + add, in registers (12 chains) | ${(L.maddRegsFlops / 1e9).toFixed(1)} GFLOP/s |
| f32x4 multiply + add from an L1-resident buffer (one load each) | ${(L.maddL1Flops / 1e9).toFixed(1)} GFLOP/s |
${gatherRows}

The limit of an epoch is max(bytes / streaming bandwidth, 4·n·d·k flops / in-cache peak), issue 5's definition:
one epoch reads every row once and does a multiply-add (with a load) per feature and output for the forward pass and
another for the gradient. The register-only figure is what a kernel that loaded nothing could reach. The limit counts
the rows as read in storage order; an epoch that reshuffles its rows reads them in random order, at the bandwidth of
the last lines (each row starts with cache and TLB misses; WebAssembly has no prefetch instruction, so only several
rows in flight at once hide them). The tables also give the limit with the best of those bandwidths
("shuffled-read limit"): about what a reshuffled epoch can reach here with several rows in flight (not a hard bound:
another access pattern might read faster).

## Logistic regression, plain SGD: by size and batch

M samples/s, median of ${s.reps} runs (up to ${s.maxReps} for fast configurations); ratios only between results whose
final loss passed the check.

![samples per second against batch size](throughput.png)

${sweepTables(sweep)}
¹ ${batchOneNote(sweep)}
² The run threw; the message is in results.json.
³ The final loss differs from minibatch wasm's by more than ${s.lossTolerance * 100} %; the rate is shown struck out and is in no ratio.
\\* Fewer than 3 runs (slow configuration; see "Fewer runs" below).

## Models and optimizers

${modelTables(models)}
TF.js cpu is measured in the sweep above only (logistic regression, SGD), to keep the run short; batch 32 is measured on
minibatch only for the same reason.

## Peak memory of a fit

${memoryTable(res.memory)}

Each fit runs in a process of its own (\`bench/memory-fit.ts\`). The memory held for a fit is the peak RSS (the
process's high-water mark, \`process.resourceUsage().maxRSS\`, read after the fit) less the RSS at the start, before the
data was made: the user's arrays plus whatever the fit adds. The start (Node, tsx's TypeScript loader, the libraries;
for TF.js its initialized backend) is left out of the target: it does not depend on the data, and tsx is not there in
an application. "Added by the fit" is the peak less the RSS just before the fit.

## Whole fits

${fitsTable(res)}

Each system and number of epochs runs in a process of its own (\`bench/whole-fit.ts\`): the data is made, then the
fit is timed from the call to its return, first once (the process's first fit) and then again warm
(5 times; TF.js 2, or 1 at 10 epochs). TF.js \`model.fit\` includes turning the arrays into tensors.

### Data in

Measured in a process of its own (\`bench/data-in.ts\`, built with the package's sources: it times the internal staging step).

${dataInTable(res.dataIn)}

${res.nets ? `## Networks (issue 14)\n\nOne hidden layer of relu units, softmax cross-entropy, plain SGD (\`bench/lib/nets-run.ts\`, \`bench/lib/nets.ts\`; also on its own: \`npx tsx bench/nets.ts\`). GFLOP/s count 2 × the multiply-adds of the forward pass, the weight gradients and the hidden layer's input gradient.\n\n${netsSectionMarkdown(res.nets, L.maddRegsFlops)}\n` : ''}## The loss check

Every system's final training loss (on all rows, in float64, computed by the suite from the parameters each system ends
with) relative to minibatch wasm's; more than ${s.lossTolerance * 100} % is a mismatch (✗), which is reported and left out of the ratios.
${mismatches.length ? `\nMismatches in this run: ${mismatches.map((x) => `${SYSTEM_LABELS[x.r.system]} on ${x.c.kind} ${x.c.optimizer} ${shape(x.c)} batch ${x.c.batchSize} (${((x.r.lossRelDiff ?? 0) * 100).toFixed(2)} %)`).join('; ')}.\n` : '\nNo mismatches in this run.\n'}${errors.length ? `\nErrors: ${errors.map((x) => `${SYSTEM_LABELS[x.r.system]} on ${x.c.kind} ${x.c.optimizer} ${shape(x.c)} batch ${x.c.batchSize}: ${x.r.note}`).join('; ')}.\n` : ''}
${lossTable(res.configs)}

## Method

- Data: seeded synthetic problems, the same arrays for every system: features ~ N(0, 1) in a row-major
  \`Float32Array\`; targets from a random model with scores z = W*·x + 0.25, W* ~ N(0, 4/d): y = z + N(0, 1) (linear),
  y = [z + logistic noise > 0] (logistic), y = argmax(z + Gumbel noise) over 10 classes (softmax) (\`bench/lib/data.ts\`).
- The same work for every system: the same model, zero initial parameters, batch size, learning rate, optimizer
  (momentum 0.9; Adam β = (0.9, 0.999), ε = 1e-8) and number of epochs; rows reshuffled every epoch; the mean
  gradient of each batch; the last, shorter batch kept. The learning rate depends on the model, optimizer, d and
  batch (a quarter of the largest stable SGD step; \`learningRate\` in \`bench/suite.ts\`).
- minibatch: the public API, \`new LogisticRegression().fit(X, y, { engine, batchSize, maxEpochs, tolerance: null,
  learningRate, optimizer, seed, init: 'zeros', nFeatures })\`, everything else at its default. Epoch times from
  \`history.epochTimeMs\` (the seeded shuffle and the engine's epoch; not the copy of the data in).
- TF.js \`model.fit\`: \`tf.sequential\` with one dense layer (linear, sigmoid or softmax activation), the matching
  Keras loss (½·MSE as a custom loss, so that it is minibatch's objective; binary and categorical cross-entropy),
  \`tf.train.sgd\`/\`momentum\`/\`adam\`, \`shuffle: true\` (TF.js shuffles with \`Math.random\`, so its runs differ);
  epoch times from onEpochBegin/onEpochEnd.
- TF.js hand-written loop: a seeded shuffle per epoch, the batch's rows gathered in JavaScript into reused buffers and
  uploaded as tensors (\`tf.gather\` on the wasm backend was 20× slower), the forward pass and the gradient written out
  (∂J/∂z = (p − y)/b for all three models), \`optimizer.applyGradients\`, all in one \`tf.tidy\` per batch.
- Timing: per configuration and system, one untimed warm-up run (one epoch on the first tenth of the rows), then
  ${s.reps} runs of ${s.epochs} epochs from zero (more, up to ${s.maxReps}, until the timed epochs add up to
  ${s.minTimedSeconds} s); the first epoch of each run is not timed. A run's throughput is n × ${s.timedEpochs} / (time
  of the other ${s.timedEpochs} epochs); the tables give the median over runs. All systems run in one process, one
  after another.
- Limits: \`bench/limits/limits.wat\`, assembled with wabt when the suite runs; each kernel is warmed up in short calls
  first (V8 optimizes wasm in the background and a running call keeps its tier), then the best of 5 is taken.
- Noise: this is a virtual machine whose L3 cache and memory are shared with other tenants of the host. Figures whose
  data sits in the L3 (d = 32: 13 MB) or that wait on memory latency (batch 1) moved the most between runs: on the
  same wasm module, 100,000 × 32 at batch 1 measured 9.9 M/s in one run and 4.1 M/s in another an hour later. The
  per-run figures below show each configuration's spread; rerun before reading much into a single difference.
${few.length ? `\n### Fewer runs\n\n${few.map((x) => `- ${SYSTEM_LABELS[x.r.system]}, ${x.c.kind} ${x.c.optimizer} ${shape(x.c)} batch ${x.c.batchSize}: ${x.r.note}`).join('\n')}\n` : ''}
## Every run

${runsTable(res.configs)}
`;
}

/** Writes RESULTS.md and throughput.png into `dir`; returns the paths written. */
export async function writeReport(res: Results, dir: string): Promise<string[]> {
  const md = join(dir, 'RESULTS.md');
  writeFileSync(md, renderMarkdown(res));
  const written = [md];
  const sweep = res.configs.filter((c) => c.section === 'sweep');
  if (sweep.length) {
    const svg = throughputSvg(sweep, 'Logistic regression, plain SGD, one core: training samples per second against batch size');
    const png = join(dir, 'throughput.png');
    writeFileSync(png, svgToPng(svg));
    written.push(png);
  }
  return written;
}

// run as `tsx bench/report.ts` (not when bundled into bench/out/suite.mjs, where import.meta.url
// is the bundle's own)
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && import.meta.url.endsWith('report.ts')) {
  const dir = fileURLToPath(new URL('.', import.meta.url));
  const res = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as Results;
  const written = await writeReport(res, dir);
  console.log(`wrote ${written.join(', ')}`);
}
