/**
 * The one door to the generated wasm-bindgen glue. Nothing else imports `../wasm/`; the Raw*
 * types never leave engine/.
 */
import initGlue, { RawConfig, RawObjective, RawOptimizer, RawTrainer, simdEnabled } from '../wasm/minibatch_wasm.js';
import { MinibatchError } from '../errors.js';

export { RawConfig, RawObjective, RawOptimizer, RawTrainer };

/** Where the module comes from: a URL or path string, its bytes, or a compiled module. */
export type WasmSource = URL | string | BufferSource | WebAssembly.Module;

// The smallest module using a SIMD128 instruction (i8x16.splat … from wasm-feature-detect, as
// tfjs-backend-wasm does): validating it tells whether this runtime has WebAssembly SIMD.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

export function wasmSimdSupported(): boolean {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

async function defaultSource(): Promise<WasmSource> {
  const url = new URL('../wasm/minibatch_wasm_bg.wasm', import.meta.url);
  if (url.protocol === 'file:') {
    // Node and Deno: read the file (fetch of file: URLs is not available in Node).
    const { readFile } = await import('node:fs/promises');
    return readFile(url);
  }
  return url;
}

let ready: Promise<void> | null = null;
let memory: WebAssembly.Memory | null = null;

/** Bytes of wasm linear memory in use by the module (0 before it is loaded); for tests and benchmarks. */
export function wasmMemoryBytes(): number {
  return memory ? memory.buffer.byteLength : 0;
}

/**
 * Loads and instantiates the wasm module once; later calls return the same promise. Pass a
 * source to load it from somewhere else (a CDN URL, bytes, a precompiled module).
 */
export function initWasm(source?: WasmSource): Promise<void> {
  ready ??= (async () => {
    const given = typeof source === 'string' ? new URL(source, import.meta.url) : source;
    const input = given ?? (await defaultSource());
    const out = await initGlue({ module_or_path: input as BufferSource | URL | WebAssembly.Module });
    memory = out.memory;
    if (!simdEnabled()) throw new Error('the module was built without SIMD128');
  })().catch((cause: unknown) => {
    ready = null;
    throw new MinibatchError('ENGINE_UNAVAILABLE', `could not load the minibatch wasm module: ${String(cause)}`, { cause });
  });
  return ready;
}

/** Turns an `Error` thrown by Rust (a `JsError`) into a MinibatchError. */
export function engineFailure(cause: unknown): MinibatchError {
  const msg = cause instanceof Error ? cause.message : String(cause);
  return new MinibatchError('ENGINE_FAILURE', `wasm engine: ${msg}`, { cause });
}
