/**
 * Whole `fit` calls as a user meets them (issue 12), each system in a process of its own: the
 * process's first fit (module compilation, fresh wasm pages, code not yet optimized: all paid
 * here), then the same fit again in the warm process. (The speed of getting data in is
 * data-in.ts.)
 *
 *   node bench/out/whole-fit.mjs '<json FitJob>'   prints one line of JSON (FitResult)
 *
 * Run by the suite (bench/suite.ts, section "fits"); from the sources: npx tsx bench/whole-fit.ts '<json>'.
 */
import { makeFeatures, makeProblem, type Problem } from './lib/data.js';
import { type System, type SystemId, minibatchJs, minibatchWasm } from './lib/systems.js';
import type { MemoryJob } from './memory-fit.js';

/** A fit as memory-fit.ts runs it (logistic regression here), plus the warm runs after the first. */
export interface FitJob extends Omit<MemoryJob, 'kind'> {
  readonly mode: 'fit';
  /** Fits after the first, in the same process. */
  readonly warmRuns: number;
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

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '') as FitJob;
  process.stdout.write(`${JSON.stringify(await wholeFits(job))}\n`);
}

await main();
