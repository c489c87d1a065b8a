/**
 * One fit in a process of its own, for its peak memory: the suite (bench/suite.ts) starts this
 * file once per system, because a process's peak resident set only ever grows.
 *
 *   node --import tsx bench/memory-fit.ts '<json MemoryJob>'   prints one line of JSON (MemoryResult)
 *
 * Measured, in order: the resident set (RSS) at the start, with Node, tsx and the libraries
 * loaded (TF.js after one tiny fit, so that its backend is initialized); the RSS once the data
 * is made (the user's arrays: what exists whatever the fit does); the peak RSS of the process
 * when the fit has ended (getrusage's ru_maxrss, the kernel's high-water mark, so short peaks
 * count); and minibatch's wasm linear memory before and after the fit (it never shrinks, so
 * "after" is its peak).
 */
import { datasetBytes, makeFeatures, makeProblem, type ModelKind } from './lib/data.js';
import { type OptimizerKind, type System, type SystemId, minibatchJs, minibatchWasm, minibatchWasmThreads } from './lib/systems.js';
import { initWasm, wasmMemoryBytes } from '../ts/index.js';
// Internal (not part of the API): the size of minibatch's wasm memory.

export interface MemoryJob {
  readonly system: SystemId;
  readonly kind: ModelKind;
  readonly n: number;
  readonly d: number;
  readonly batchSize: number;
  readonly epochs: number;
  readonly learningRate: number;
  readonly optimizer: OptimizerKind;
  readonly dataSeed: number;
  readonly fitSeed: number;
}

export interface MemoryResult {
  readonly system: SystemId;
  readonly datasetBytes: number;
  /** RSS before the data is made (Node, tsx, the libraries). */
  readonly rssStart: number;
  /** RSS just before the fit (that, and the data in the user's arrays). */
  readonly rssBefore: number;
  /** The process's peak RSS, read when the fit has ended. */
  readonly peakRss: number;
  /** The peak RSS before the fit (making the data), to show that the fit set the peak. */
  readonly peakRssBefore: number;
  readonly wasmBefore: number;
  readonly wasmAfter: number;
  readonly fitSeconds: number;
}

const maxRss = (): number => process.resourceUsage().maxRSS * 1024;

async function system(id: SystemId): Promise<System> {
  if (id === 'minibatch-wasm') return minibatchWasm;
  if (id === 'minibatch-js') return minibatchJs;
  if (id === 'minibatch-wasm-threads' && minibatchWasmThreads) return minibatchWasmThreads;
  const tf = await import('./lib/tfjs.js');
  const all = [tf.tfjsWasmFit, tf.tfjsWasmLoop, tf.tfjsCpuFit, tf.tfjsCpuLoop];
  const s = all.find((x) => x.id === id);
  if (!s) throw new Error(`memory-fit: unknown system ${id}`);
  return s;
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '') as MemoryJob;
  const sys = await system(job.system);
  await initWasm();
  if (sys.id.startsWith('tfjs')) {
    // TF.js initializes its backend on first use; part of the start, as the wasm module above
    const tiny = makeProblem(job.kind, makeFeatures(64, job.d, 1), 64, job.d, 1);
    await sys.run({ ...job, problem: tiny, epochs: 1, batchSize: 32, seed: job.fitSeed });
  }
  const rssStart = process.memoryUsage().rss;
  const X = makeFeatures(job.n, job.d, job.dataSeed);
  const problem = makeProblem(job.kind, X, job.n, job.d, job.dataSeed);
  const rssBefore = process.memoryUsage().rss;
  const peakRssBefore = maxRss();
  const wasmBefore = wasmMemoryBytes();
  const t0 = performance.now();
  await sys.run({ problem, batchSize: job.batchSize, epochs: job.epochs, learningRate: job.learningRate, optimizer: job.optimizer, seed: job.fitSeed });
  const fitSeconds = (performance.now() - t0) / 1000;
  const result: MemoryResult = {
    system: sys.id,
    datasetBytes: datasetBytes(job.n, job.d),
    rssStart,
    rssBefore,
    peakRss: maxRss(),
    peakRssBefore,
    wasmBefore,
    wasmAfter: wasmMemoryBytes(),
    fitSeconds,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
