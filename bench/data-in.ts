/**
 * The speed of getting data in (issue 12): the check and copy of the features into wasm memory,
 * for each kind of input, against the machine's memory copy and the fastest plain-JS loop reading
 * the same rows. It measures internal steps (not part of the API), so bench/build.mjs bundles
 * this file with the package's sources (one wasm instance, its own), not against dist/.
 *
 *   node bench/out/data-in.mjs '<json DataInJob>'   prints one line of JSON (DataInResult)
 */
import { makeFeatures } from './lib/data.js';
import { initWasm } from '../ts/index.js';
import { wasmEngine } from '../ts/engine/wasm/engine.js';
import { copyRows, toMatrix } from '../ts/data/matrix.js';

export interface DataInJob {
  readonly mode: 'data-in';
  readonly n: number;
  readonly d: number;
  readonly dataSeed: number;
  readonly reps: number;
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
  const job = JSON.parse(process.argv[2] ?? '') as DataInJob;
  process.stdout.write(`${JSON.stringify(await dataIn(job))}\n`);
}

await main();
