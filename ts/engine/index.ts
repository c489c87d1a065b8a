/** Choosing an engine: wasm by default, the js engine where WebAssembly SIMD is missing. */
import type { Engine, EngineName } from './types.js';
import { jsEngine } from './js/trainer.js';
import { wasmEngine } from './wasm/engine.js';
import { initWasm, wasmSimdSupported } from './wasm/raw.js';
import { availableCores, startThreads } from './wasm/threads.js';
import { MinibatchError } from '../errors.js';

export type { Engine, EngineName, Session, SessionSpec, BatchPlan, BatchSummary, Evaluation, ObjectiveName, OptimizerSpec, OptimizerState } from './types.js';
export { initWasm, wasmMemoryBytes, wasmSimdSupported } from './wasm/raw.js';
export type { WasmSource, WasmSources, CompiledWasmModule } from './wasm/raw.js';
export { stopThreads, threadsUnavailableReason } from './wasm/threads.js';

const noticesGiven = new Set<string>();

/** One line on the console, the first time only for each kind of notice. */
function noticeOnce(kind: string, message: string): void {
  if (noticesGiven.has(kind)) return;
  noticesGiven.add(kind);
  console.warn(message);
}

/**
 * The engine for a fit. With no preference, the wasm engine, or the js engine with a one-line
 * notice where the runtime lacks WebAssembly SIMD or the module cannot be loaded. Asking for
 * 'wasm' explicitly where it cannot run is an error instead: a benchmark or test that names its
 * engine must not silently measure the other one.
 */
export async function resolveEngine(preference?: EngineName): Promise<Engine> {
  if (preference === 'js') return jsEngine;
  try {
    if (!wasmSimdSupported()) {
      throw new MinibatchError('ENGINE_UNAVAILABLE', 'this runtime has no WebAssembly SIMD128 support');
    }
    await initWasm();
    return wasmEngine;
  } catch (e) {
    if (preference === 'wasm') throw e;
    noticeOnce('engine', `minibatch: using the js engine (${e instanceof Error ? e.message : String(e)})`);
    return jsEngine;
  }
}

/**
 * The threads a fit gets: the number asked for ('auto': one per core) when the engine is wasm
 * and its workers start, else 1 with a one-line notice (asking for threads is a preference for
 * speed, never a reason to fail a fit).
 */
export async function resolveThreads(requested: number | 'auto', engine: Engine): Promise<number> {
  const threads = requested === 'auto' ? await availableCores() : requested;
  if (threads <= 1) return 1;
  let reason: string;
  if (engine.name !== 'wasm') {
    reason = 'the js engine runs on one thread';
  } else {
    try {
      await startThreads(threads);
      return threads;
    } catch (e) {
      reason = e instanceof Error ? e.message : String(e);
    }
  }
  noticeOnce('threads', `minibatch: training on one thread (${reason})`);
  return 1;
}
