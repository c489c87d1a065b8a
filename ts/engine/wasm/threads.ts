/**
 * Thread workers for the wasm engine: each worker instantiates the module with threads on the
 * same shared memory and becomes a helper (crates/minibatch-core/src/team.rs), summing its part
 * of every large batch. Node uses `worker_threads`, browsers and Deno Web Workers; where shared
 * memory is unavailable (a browser page without cross-origin isolation, a runtime without
 * SharedArrayBuffer or workers, a build without the threaded module) training runs on one
 * thread, with one notice.
 *
 * Node and Deno use `node:worker_threads` (Deno implements it), whose workers can be unref'd:
 * once they have joined they never keep the process (or the worker that runs the fit) alive,
 * so a script ends without `stopThreads()`. Browsers use Web Workers. A worker is made from
 * text (the glue as a script, then `WORKER_MAIN`), so nothing has to be found by URL: that
 * works the same in every bundler and without one.
 *
 * The workers live as long as the page or process and are shared by every fit;
 * `stopThreads()` ends them.
 */
import { initThreadedWasm, type ThreadedWasm } from './raw.js';
import { MinibatchError } from '../../errors.js';
import { hasNodeBuiltins, nodeBuiltin } from '../../runtime.js';

/** What a worker runs after the glue's script: instantiate the threaded module on the shared memory, then help. */
const WORKER_MAIN = `
async function main(data, post) {
  try {
    const g = minibatchThreads;
    g.initSync({ module: data.module, memory: data.memory });
    post({ ready: true });
    g.helpTrain(); // returns at closeHelpers()
    post({ closed: true });
  } catch (e) {
    post({ error: String(e && e.stack || e) });
  }
}`;

// import() rather than require: the worker parses this as CommonJS or, when the process runs with
// --input-type=module, as an ES module
const NODE_WORKER = `${WORKER_MAIN}
import('node:worker_threads').then(({ parentPort, workerData }) => main(workerData, (m) => parentPort.postMessage(m)));`;

const WEB_WORKER = `${WORKER_MAIN}
self.onmessage = (e) => main(e.data, (m) => self.postMessage(m));`;

interface Helper {
  /** Resolves when the worker has joined the pool (or failed). */
  readonly ready: Promise<void>;
  terminate(): void;
}

/** Node, and Deno (its node:worker_threads workers can be unref'd, its Web Workers cannot). */
const isNode = hasNodeBuiltins;

/** Why threads cannot run here, or null when they can (the module itself is checked on load). */
export function threadsUnavailableReason(): string | null {
  // browsers hide SharedArrayBuffer on pages that are not isolated: say what to do about it
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  if (isolated === false) {
    return 'the page is not cross-origin isolated (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)';
  }
  if (typeof SharedArrayBuffer !== 'function') return 'SharedArrayBuffer is not available in this runtime';
  if (!isNode && typeof Worker !== 'function') return 'this runtime has no Web Workers';
  return null;
}

/** Cores of this machine (Node and Deno: os.availableParallelism(); browsers: hardwareConcurrency). */
export async function availableCores(): Promise<number> {
  if (isNode) {
    const os = await nodeBuiltin<typeof import('node:os')>('node:os');
    return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  }
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return typeof n === 'number' && n >= 1 ? n : 1;
}

async function spawn(w: ThreadedWasm): Promise<Helper> {
  const data = { module: w.module, memory: w.memory };
  let settle!: { resolve: () => void; reject: (e: Error) => void };
  const ready = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  const onMessage = (m: { ready?: boolean; error?: string }) => {
    if (m.ready) settle.resolve();
    if (m.error) settle.reject(new Error(`thread worker: ${m.error}`));
  };
  if (isNode) {
    const { Worker: NodeWorker } = await nodeBuiltin<typeof import('node:worker_threads')>('node:worker_threads');
    const worker = new NodeWorker(`${w.glueScript}${NODE_WORKER}`, { eval: true, workerData: data });
    worker.on('message', onMessage);
    worker.on('error', (e: unknown) => settle.reject(e instanceof Error ? e : new Error(String(e))));
    // once it has joined, a helper asleep in wasm must not keep the process alive (before, the
    // process waits for it; and adding a 'message' listener refs a worker again)
    void ready.then(() => worker.unref(), () => undefined);
    return { ready, terminate: () => void worker.terminate() };
  }
  const url = URL.createObjectURL(new Blob([w.glueScript, WEB_WORKER], { type: 'text/javascript' }));
  const worker = new Worker(url);
  URL.revokeObjectURL(url);
  worker.onmessage = (e: MessageEvent) => onMessage(e.data as { ready?: boolean; error?: string });
  worker.onerror = (e: ErrorEvent) => settle.reject(new Error(`thread worker: ${e.message}`));
  worker.postMessage(data);
  return { ready, terminate: () => worker.terminate() };
}

const helpers: Helper[] = [];
let growing: Promise<void> = Promise.resolve();

/** How long a new worker may take to join before threads are given up (loading + compiling). */
const JOIN_TIMEOUT_MS = 20_000;

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Makes `threads − 1` helpers available (starting the workers that are missing) and returns the
 * threaded module. Rejects with ENGINE_UNAVAILABLE when threads cannot run here.
 */
export async function startThreads(threads: number): Promise<ThreadedWasm> {
  const reason = threadsUnavailableReason();
  if (reason) throw new MinibatchError('ENGINE_UNAVAILABLE', reason);
  const w = await initThreadedWasm();
  const want = threads - 1;
  const grow = growing.then(async () => {
    const started: Helper[] = [];
    while (helpers.length + started.length < want) started.push(await spawn(w));
    helpers.push(...started);
    const deadline = Date.now() + JOIN_TIMEOUT_MS;
    try {
      await Promise.all(started.map((h) => h.ready));
      // `ready` is posted just before the worker joins the pool
      while (w.glue.helperCount() < helpers.length) {
        if (Date.now() > deadline) throw new Error(`${helpers.length} thread workers did not join in ${JOIN_TIMEOUT_MS} ms`);
        await sleep(1);
      }
    } catch (e) {
      await stopHelpers(w);
      throw new MinibatchError('ENGINE_UNAVAILABLE', `could not start thread workers: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  });
  growing = grow.catch(() => undefined);
  await grow;
  return w;
}

async function stopHelpers(w: ThreadedWasm): Promise<void> {
  if (helpers.length === 0) return;
  w.glue.closeHelpers(); // every helper returns from helpTrain; waits until they have left
  for (const h of helpers.splice(0)) h.terminate();
}

/** Ends the thread workers (fits started afterwards start them again). */
export async function stopThreads(): Promise<void> {
  await growing;
  if (helpers.length === 0) return;
  await stopHelpers(await initThreadedWasm());
}

/** Helpers that have joined (0 before any fit with threads). */
export function helperThreads(): number {
  return helpers.length;
}
