/**
 * The one door to the generated wasm-bindgen glue. Nothing else imports `../wasm/` (the thread
 * workers of ./threads.ts load the threaded glue by the URL given here); the Raw* types never
 * leave engine/.
 *
 * There are two builds of the same crate: the module (one thread, its own memory) and, where
 * the toolchain could build it, the module with threads (shared memory, atomics), loaded only
 * when a fit asks for threads. Both have the same exports; a session uses the classes of the
 * module that holds its memory (`Glue`).
 */
import * as glue from '../wasm/minibatch_wasm.js';
import { MinibatchError } from '../errors.js';

export { RawConfig, RawFeatures, RawObjective, RawOptimizer, RawTrainer } from '../wasm/minibatch_wasm.js';
const { default: initGlue, simdEnabled } = glue;
export type Glue = typeof glue;

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

/** A module file of the package: its bytes in Node and Deno (fetch of file: URLs is not available in Node), else its URL. */
async function packageFile(url: URL): Promise<BufferSource | URL> {
  if (url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    return readFile(url);
  }
  return url;
}

let ready: Promise<void> | null = null;
let memory: WebAssembly.Memory | null = null;

/** Bytes of wasm linear memory in use by the module (0 before it is loaded); for tests and benchmarks. */
export function wasmMemoryBytes(): number {
  return (memory ? memory.buffer.byteLength : 0) + (threadedMemory ? threadedMemory.buffer.byteLength : 0);
}

/**
 * Loads and instantiates the wasm module once; later calls return the same promise. Pass a
 * source to load it from somewhere else (a CDN URL, bytes, a precompiled module).
 */
export function initWasm(source?: WasmSource): Promise<void> {
  ready ??= (async () => {
    const given = typeof source === 'string' ? new URL(source, import.meta.url) : source;
    const input = given ?? (await packageFile(new URL('../wasm/minibatch_wasm_bg.wasm', import.meta.url)));
    const out = await initGlue({ module_or_path: input as BufferSource | URL | WebAssembly.Module });
    memory = out.memory;
    if (!simdEnabled()) throw new Error('the module was built without SIMD128');
  })().catch((cause: unknown) => {
    ready = null;
    throw new MinibatchError('ENGINE_UNAVAILABLE', `could not load the minibatch wasm module: ${String(cause)}`, { cause });
  });
  return ready;
}

/** The linear memory of a loaded module (for views on data being copied in; re-create them after any call that may allocate). */
export function wasmMemory(g: Glue): WebAssembly.Memory {
  const m = g === glue ? memory : g === threadedGlue ? threadedMemory : null;
  if (!m) throw engineFailure(new Error('the module is not loaded'));
  return m;
}

/** The module (one thread), once initWasm() has resolved. */
export function singleThreadGlue(): Glue {
  return glue;
}

/** Where the threaded glue and module are, beside the single-thread ones. */
export const THREADED_GLUE_URL = new URL('../wasm/minibatch_wasm_threads.js', import.meta.url);
const THREADED_WASM_URL = new URL('../wasm/minibatch_wasm_threads_bg.wasm', import.meta.url);

/** The threaded module, its compiled code and its shared memory (for the workers). */
export interface ThreadedWasm {
  readonly glue: Glue;
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
}

let threaded: Promise<ThreadedWasm> | null = null;
let threadedGlue: Glue | null = null;
let threadedMemory: WebAssembly.Memory | null = null;

/**
 * Loads the module with threads once (its glue is imported by URL, so that builds without it
 * still type-check and bundle). Rejects where it was not built or cannot be loaded.
 */
export function initThreadedWasm(): Promise<ThreadedWasm> {
  threaded ??= (async () => {
    let bytes = await packageFile(THREADED_WASM_URL);
    if (bytes instanceof URL) {
      const res = await fetch(bytes);
      if (!res.ok) throw new Error(`${bytes.href}: HTTP ${res.status}`);
      bytes = await res.arrayBuffer();
    }
    const module = await WebAssembly.compile(bytes);
    const g = (await import(/* @vite-ignore */ THREADED_GLUE_URL.href)) as Glue;
    const exports = g.initSync({ module });
    if (!g.threadsEnabled()) throw new Error('the threaded module was built without atomics');
    threadedMemory = exports.memory;
    threadedGlue = g;
    return { glue: g, module, memory: exports.memory };
  })().catch((cause: unknown) => {
    threaded = null;
    throw new MinibatchError('ENGINE_UNAVAILABLE', `could not load the minibatch wasm module with threads: ${String(cause)}`, { cause });
  });
  return threaded;
}

/** The threaded module's glue, once initThreadedWasm() has resolved (else null). */
export function loadedThreadedGlue(): Glue | null {
  return threadedGlue;
}

/** Turns an `Error` thrown by Rust (a `JsError`) into a MinibatchError. */
export function engineFailure(cause: unknown): MinibatchError {
  const msg = cause instanceof Error ? cause.message : String(cause);
  return new MinibatchError('ENGINE_FAILURE', `wasm engine: ${msg}`, { cause });
}
