/** Choosing an engine: wasm by default, the js engine where WebAssembly SIMD is missing. */
import type { Engine, EngineName } from './types.js';
import { jsEngine } from './js.js';
import { wasmEngine } from './wasm.js';
import { initWasm, wasmSimdSupported } from './raw.js';
import { MinibatchError } from '../errors.js';

export type { Engine, EngineName, Session, SessionSpec, BatchPlan, BatchSummary, Evaluation, ObjectiveName, OptimizerSpec, OptimizerState } from './types.js';
export { initWasm, wasmSimdSupported } from './raw.js';
export type { WasmSource } from './raw.js';

let noticeGiven = false;

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
    if (!noticeGiven) {
      noticeGiven = true;
      console.warn(`minibatch: using the js engine (${e instanceof Error ? e.message : String(e)})`);
    }
    return jsEngine;
  }
}
