/**
 * Whole `fit` calls as a user meets them (issue 12), each system in a process of its own: the
 * process's first fit (module compilation, fresh wasm pages, code not yet optimized: all paid
 * here), then the same fit again in the warm process. Also the speed of getting data in
 * (the check and copy of the features into wasm memory), against the machine's memory copy.
 *
 *   node bench/out/whole-fit.mjs '<json FitJob>'   prints one line of JSON (FitResult or DataInResult)
 *
 * Run by the suite (bench/suite.ts, section "fits"); from the sources: npx tsx bench/whole-fit.ts '<json>'.
 */
import { makeFeatures, makeProblem, type Problem } from './lib/data.js';
import { type System, type SystemId, minibatchJs, minibatchWasm } from './lib/systems.js';
import type { MemoryJob } from './memory-fit.js';
import { initWasm } from '../ts/index.js';
// Internal (not part of the API): the data-in path measured on its own.
import { wasmEngine } from '../ts/engine/wasm/engine.js';
import { copyRows, toMatrix } from '../ts/data/matrix.js';

/** A fit as memory-fit.ts runs it (logistic regression here), plus the warm runs after the first. */
export interface FitJob extends Omit<MemoryJob, 'kind'> {
  readonly mode: 'fit';
  /** Fits after the first, in the same process. */
  readonly warmRuns: number;
}

export interface DataInJob {
  readonly mode: 'data-in';
  readonly n: number;
  readonly d: number;
  readonly dataSeed: number;
  readonly reps: number;
}

/** One whole fit: its wall time, the part outside the epochs (data in, engine start, the end), and its epochs. */
export interface FitTiming {
  readonly totalMs: number;
  readonly setupMs: number;
  readonly epochMs: number[];
}

export interface FitResult extends Pick<FitJob, 'mode' | 'system' | 'n' | 'd' | 'batchSize' | 'epochs'> {
  /** The first fit of the process (after the imports and the data, before anything else). */
  readonly fresh: FitTiming;
  /** The same fit repeated in the same process. */
  readonly warm: FitTiming[];
}

/** Milliseconds of each repetition of one data-in path (the first on fresh memory). */
export interface DataInRow {
  readonly what: string;
  /** Bytes of the input as given (4 per value for Float32Array, 8 for Float64Array; number[][]: 8 per value). */
  readonly inputBytes: number;
  readonly ms: number[];
}

export interface DataInResult {
  readonly mode: 'data-in';
  readonly n: number;
  readonly d: number;
  readonly rows: DataInRow[];
}

async function fitSystem(id: SystemId): Promise<System> {
  if (id === 'minibatch-wasm') return minibatchWasm;
  if (id === 'minibatch-js') return minibatchJs;
  const tf = await import('./lib/tfjs.js');
  const s = [tf.tfjsWasmFit, tf.tfjsWasmLoop, tf.tfjsCpuFit, tf.tfjsCpuLoop].find((x) => x.id === id);
  if (!s) throw new Error(`whole-fit: unknown system ${id}`);
  return s;
}

async function wholeFits(job: FitJob): Promise<FitResult> {
  const sys = await fitSystem(job.system);
  const X = makeFeatures(job.n, job.d, job.dataSeed);
  const problem: Problem = makeProblem('logistic', X, job.n, job.d, job.dataSeed);
  const spec = { problem, batchSize: job.batchSize, epochs: job.epochs, learningRate: job.learningRate, optimizer: job.optimizer, seed: job.fitSeed };
  const once = async (): Promise<FitTiming> => {
    const t0 = performance.now();
    const out = await sys.run(spec);
    const totalMs = performance.now() - t0;
    return { totalMs, setupMs: totalMs - out.epochMs.reduce((a, b) => a + b, 0), epochMs: out.epochMs };
  };
  const fresh = await once();
  const warm: FitTiming[] = [];
  for (let r = 0; r < job.warmRuns; r++) warm.push(await once());
  return { mode: 'fit', system: sys.id, n: job.n, d: job.d, batchSize: job.batchSize, epochs: job.epochs, fresh, warm };
}

function timeEach(reps: number, f: () => void): number[] {
  const ms: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    f();
    ms.push(performance.now() - t0);
  }
  return ms;
}

async function dataIn(job: DataInJob): Promise<DataInResult> {
  await initWasm();
  const { n, d, reps } = job;
  const X32 = makeFeatures(n, d, job.dataSeed);
  const X64 = Float64Array.from(X32);
  const rows: number[][] = Array.from({ length: n }, (_, r) => Array.from(X32.subarray(r * d, (r + 1) * d)));
  const values = n * d;
  const stage = wasmEngine.stageFeatures!;
  const out: DataInRow[] = [];
  // Float32Array first: its first repetition meets fresh wasm pages
  out.push({ what: 'Float32Array: check and copy into wasm memory (the fit\'s path)', inputBytes: 4 * values, ms: timeEach(reps, () => stage(X32, d, 1, 'X', false).dispose()) });
  out.push({ what: 'Float64Array: convert, check and copy into wasm memory', inputBytes: 8 * values, ms: timeEach(reps, () => stage(X64, d, 1, 'X', false).dispose()) });
  out.push({
    what: 'number[][]: check and write straight into wasm memory',
    inputBytes: 8 * values,
    ms: timeEach(reps, () => stage({ length: values, write: (dst, from, to) => copyRows(rows, d, dst, 'X', from, to) }, d, 1, 'X', false).dispose()),
  });
  // the limits and the old path, for comparison
  const copy = new Float32Array(values);
  out.push({ what: 'baseline: memory copy of the Float32Array (TypedArray.set into a reused array)', inputBytes: 4 * values, ms: timeEach(reps, () => copy.set(X32)) });
  let sink = 0;
  out.push({
    what: 'baseline: the fastest plain-JS loop reading the number[][] (a sum)',
    inputBytes: 8 * values,
    ms: timeEach(reps, () => {
      let s = 0;
      for (let r = 0; r < n; r++) {
        const row = rows[r];
        for (let c = 0; c < d; c++) s += row[c];
      }
      sink += s;
    }),
  });
  out.push({ what: 'before issue 12: the JavaScript check of a Float32Array (then copied by wasm-bindgen and checked again in Rust)', inputBytes: 4 * values, ms: timeEach(reps, () => toMatrix(X32, d)) });
  if (sink === 0.5) console.error(''); // keeps the sum alive
  return { mode: 'data-in', n, d, rows: out };
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '') as FitJob | DataInJob;
  const result = job.mode === 'fit' ? await wholeFits(job) : await dataIn(job);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
