/**
 * The one door to the generated wasm-bindgen glue. Nothing else imports `../wasm/`; the Raw*
 * types never leave engine/.
 *
 * There are two builds of the same crate: the module (one thread, its own memory) and, where
 * the toolchain could build it, the module with threads (shared memory, atomics), loaded only
 * when a fit asks for threads. Both have the same exports; a session uses the classes of the
 * module that holds its memory (`Glue`).
 *
 * Both modules are inlined in the JavaScript (base64, scripts/inline-wasm.mjs), so that they
 * reach every runtime and bundler with no configuration: no file to copy or serve, no fetch, no
 * file-system permission in Deno. Each is imported on first use (bundlers put each in a chunk of
 * its own): the one-thread module by the first fit, unless `initWasm()` was given another source
 * (the .wasm files ship in `dist/wasm/` for that), the module with threads by the first fit that
 * asks for threads.
 */
import * as glue from '../../wasm/minibatch_wasm.js';
import { MinibatchError } from '../../errors.js';
import { faultError, type Fault } from '../fault.js';
import { nodeBuiltin } from '../../runtime.js';

export { RawConfig, RawFeatures, RawObjective, RawOptimizer, RawTrainer } from '../../wasm/minibatch_wasm.js';
import type { RawError } from '../../wasm/minibatch_wasm.js';
const { simdEnabled } = glue;
export type Glue = typeof glue;

/**
 * Where a module comes from: a URL, a string (a URL, or a path: resolved against the page in
 * browsers, read from the file system in Node and Deno), its bytes, or a compiled module.
 */
export type WasmSource = URL | string | ArrayBuffer | ArrayBufferView | CompiledWasmModule;

/**
 * `WebAssembly.Module` where the program's types know WebAssembly (the DOM or WebWorker lib),
 * else nothing: the package's types need no DOM lib (a Node-only TypeScript project has none).
 */
export type CompiledWasmModule = typeof globalThis extends { WebAssembly: { Module: { prototype: infer M } } } ? M : never;

/** Where each module comes from, for `initWasm()`: the one-thread module and the module with threads. */
export interface WasmSources {
  /** The one-thread module (`dist/wasm/minibatch_wasm_bg.wasm`); inlined when not given. */
  module?: WasmSource;
  /** The module with threads (`dist/wasm/minibatch_wasm_threads_bg.wasm`); inlined when not given. */
  threads?: WasmSource;
}

// The smallest module using a SIMD128 instruction (i8x16.splat … from wasm-feature-detect, as
// tfjs-backend-wasm does): validating it tells whether this runtime has WebAssembly SIMD.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

/** Whether this runtime runs WebAssembly SIMD128 (the wasm engine needs it; without it fits use the js engine). */
export function wasmSimdSupported(): boolean {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * Compiles a module from where `source` says. Files (file: URLs, and strings that are not URLs
 * where there is no page) are read with node:fs: Node's fetch cannot read them.
 */
async function compile(source: WasmSource): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  if (typeof source !== 'string' && !(source instanceof URL)) return WebAssembly.compile(source as Uint8Array<ArrayBuffer>);
  const page = (globalThis as { location?: { href?: string } }).location?.href;
  // a drive letter (C:\…) is a path, not a URL scheme
  const url = source instanceof URL ? source : page ? new URL(source, page) : /^[a-z][a-z0-9+.-]+:/i.test(source) ? new URL(source) : null;
  if (url === null || url.protocol === 'file:') {
    const { readFile } = await nodeBuiltin<typeof import('node:fs/promises')>('node:fs/promises');
    return WebAssembly.compile((await readFile(url ?? (source as string))) as Uint8Array<ArrayBuffer>);
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url.href}: HTTP ${res.status}`);
  return WebAssembly.compile(await res.arrayBuffer());
}

let ready: Promise<void> | null = null;
let memory: WebAssembly.Memory | null = null;
let threadsSource: WasmSource | undefined;

/** Bytes of wasm linear memory in use by the module (0 before it is loaded); for tests and benchmarks. */
export function wasmMemoryBytes(): number {
  return (memory ? memory.buffer.byteLength : 0) + (threadedMemory ? threadedMemory.buffer.byteLength : 0);
}

/**
 * Loads and instantiates the wasm module once; later calls return the same promise. With no
 * argument the module inlined in the package is used; pass a source to load it from somewhere
 * else (a URL, bytes, a compiled module), or `{ module, threads }` to say where each of the two
 * modules is (the module with threads is loaded on the first fit that asks for threads).
 */
export function initWasm(source?: WasmSource | WasmSources): Promise<void> {
  const sources: WasmSources = isSources(source) ? source : { module: source };
  if (sources.threads !== undefined && threaded === null) threadsSource = sources.threads;
  ready ??= (async () => {
    const module = await compile(sources.module ?? fromBase64((await import('../../wasm/minibatch_wasm_inline.js')).default));
    memory = glue.initSync({ module }).memory;
    if (!simdEnabled()) throw new Error('the module was built without SIMD128');
  })().catch((cause: unknown) => {
    ready = null;
    throw new MinibatchError('ENGINE_UNAVAILABLE', `could not load the minibatch wasm module: ${String(cause)}`, { cause });
  });
  return ready;
}

function isSources(source: WasmSource | WasmSources | undefined): source is WasmSources {
  return (
    typeof source === 'object' &&
    source !== null &&
    !(source instanceof URL) &&
    !(source instanceof WebAssembly.Module) &&
    !ArrayBuffer.isView(source) &&
    !(source instanceof ArrayBuffer) &&
    Object.prototype.toString.call(source) !== '[object SharedArrayBuffer]'
  );
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

/** The threaded module, its compiled code and its shared memory, and the glue as a script for the workers. */
export interface ThreadedWasm {
  readonly glue: Glue;
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  /** Defines `minibatchThreads` (`initSync`, `helpTrain`) in a worker. */
  readonly glueScript: string;
}

let threaded: Promise<ThreadedWasm> | null = null;
let threadedGlue: Glue | null = null;
let threadedMemory: WebAssembly.Memory | null = null;

/**
 * Loads the module with threads once (imported on first use: bundlers put it in a chunk of its
 * own). Rejects where it was not built or cannot be loaded.
 */
export function initThreadedWasm(): Promise<ThreadedWasm> {
  threaded ??= (async () => {
    const inline = await import('../../wasm/minibatch_wasm_threads_inline.js');
    if (inline.glue === null || inline.wasm === null || inline.glueScript === null) {
      throw new Error('this build of minibatch has no module with threads');
    }
    const module = await compile(threadsSource ?? fromBase64(inline.wasm));
    const g = inline.glue;
    const exports = g.initSync({ module });
    if (!g.threadsEnabled()) throw new Error('the threaded module was built without atomics');
    threadedMemory = exports.memory;
    threadedGlue = g;
    return { glue: g, module, memory: exports.memory, glueScript: inline.glueScript };
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

/**
 * Turns an `Error` thrown by Rust (a `JsError`) into a MinibatchError: a refusal of the core with
 * the fields it named (crates/minibatch-wasm's `takeLastError`, the same error as the js engine's
 * for the same input: ../fault.ts), anything else an ENGINE_FAILURE.
 */
export function engineFailure(cause: unknown): MinibatchError {
  const msg = cause instanceof Error ? cause.message : String(cause);
  for (const g of [glue, threadedGlue]) {
    const raw = g?.takeLastError();
    if (raw === undefined) continue;
    const fault = faultOf(raw);
    raw.free();
    if (fault.message === msg) return faultError(fault.fault, cause);
  }
  return new MinibatchError('ENGINE_FAILURE', `wasm engine: ${msg}`, { cause });
}

function faultOf(raw: RawError): { message: string; fault: Fault } {
  const fault: Record<string, unknown> = { kind: raw.kind };
  for (const key of ['data', 'argument', 'option', 'expected', 'row', 'column', 'index', 'value', 'got', 'rows', 'limit'] as const) {
    const v = raw[key];
    if (v !== undefined) fault[key] = v;
  }
  return { message: raw.message, fault: fault as unknown as Fault };
}
