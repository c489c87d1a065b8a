/**
 * The peak memory of one network fit (issue 14: ≤ data × 1.2 + parameters × 8 + 50 MB), in a
 * process of its own, as memory-fit.ts measures the linear models: the suite's `nets` section
 * starts this file once per system (a process's peak resident set only ever grows).
 *
 *   node --import tsx bench/memory-net.ts '<json NetMemoryJob>'   prints one line of JSON (NetMemoryResult)
 *   (bundled: node bench/out/memory-net.mjs '<json>')
 *
 * Measured, in order: the RSS at the start, with Node and the libraries loaded and initialized
 * (a tiny fit first: minibatch's wasm module, TF.js's backend); the RSS once the data is made;
 * the process's peak RSS when the fit has ended (getrusage's high-water mark); minibatch's wasm
 * memory before and after. minibatch runs from the built package (dist/) and only if it has
 * MLPClassifier: otherwise the job prints { notRun: why }.
 */
import { makeFeatures, makeProblem } from './lib/data.js';
import type { MemoryResult } from './memory-fit.js';
import { DIST, brainJs, minibatchNetSystems, type NetSystem, type NetSystemId, tfjsNetSystems } from './lib/nets.js';

export interface NetMemoryJob {
  readonly system: NetSystemId;
  readonly n: number;
  readonly d: number;
  readonly hidden: number;
  readonly batchSize: number;
  readonly epochs: number;
  readonly learningRate: number;
  readonly dataSeed: number;
  readonly fitSeed: number;
}

/** What memory-fit.ts measures, for a network, and its parameter count; or why it was not run. */
export type NetMemoryResult =
  | (Omit<MemoryResult, 'system'> & { readonly system: NetSystemId; readonly parameters: number; readonly notRun?: undefined })
  | { readonly system: NetSystemId; readonly notRun: string; readonly datasetBytes: number; readonly parameters: number };

const maxRss = (): number => process.resourceUsage().maxRSS * 1024;

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '') as NetMemoryJob;
  const k = 10;
  const parameters = job.d * job.hidden + job.hidden + job.hidden * k + k;
  const datasetBytes = job.n * (job.d + 1) * 4;
  let sys: NetSystem | undefined;
  if (job.system.startsWith('minibatch')) {
    const found = (await minibatchNetSystems()).find((s) => s.id === job.system);
    if (found && 'notRun' in found) {
      process.stdout.write(`${JSON.stringify({ system: job.system, notRun: found.notRun, datasetBytes, parameters })}\n`);
      return;
    }
    sys = found;
  } else sys = [...tfjsNetSystems, brainJs].find((s) => s.id === job.system);
  if (!sys) throw new Error(`memory-net: unknown system ${job.system}`);
  const wasmMemory = sys.id.startsWith('minibatch') ? ((await import(DIST.href)) as { wasmMemoryBytes: () => number }).wasmMemoryBytes : () => 0;
  // every library loaded and initialized, as in an application that has trained before
  const tinyN = 4 * job.batchSize;
  const tiny = makeProblem('softmax', makeFeatures(tinyN, job.d, 1), tinyN, job.d, 1);
  await sys.run({ problem: tiny, hidden: job.hidden, batchSize: job.batchSize, epochs: 1, learningRate: job.learningRate, seed: job.fitSeed });
  const rssStart = process.memoryUsage().rss;
  const problem = makeProblem('softmax', makeFeatures(job.n, job.d, job.dataSeed), job.n, job.d, job.dataSeed);
  const rssBefore = process.memoryUsage().rss;
  const peakRssBefore = maxRss();
  const wasmBefore = wasmMemory();
  const t0 = performance.now();
  await sys.run({ problem, hidden: job.hidden, batchSize: job.batchSize, epochs: job.epochs, learningRate: job.learningRate, seed: job.fitSeed });
  const result: NetMemoryResult = {
    system: sys.id,
    datasetBytes,
    parameters,
    rssStart,
    rssBefore,
    peakRss: maxRss(),
    peakRssBefore,
    wasmBefore,
    wasmAfter: wasmMemory(),
    fitSeconds: (performance.now() - t0) / 1000,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
