/**
 * The wasm engine: the SIMD128 Rust kernels (crates/minibatch-core), with the fit's data,
 * parameters and optimizer state in wasm memory. It implements the contract of ./types.ts; the
 * arithmetic is all in Rust, this file only carries values across (crates/minibatch-wasm).
 */
import type {
  BatchPlan,
  BatchSummary,
  Engine,
  EngineData,
  Evaluation,
  ObjectiveName,
  OptimizerSpec,
  OptimizerState,
  FeatureSource,
  Session,
  SessionSpec,
  StagedFeatures,
} from '../types.js';
import {
  RawObjective,
  RawOptimizer,
  engineFailure,
  loadedThreadedGlue,
  singleThreadGlue,
  wasmMemory,
  type Glue,
  type RawConfig,
  type RawFeatures,
  type RawTrainer,
} from './raw.js';
import { MinibatchError } from '../../errors.js';
import { badValue } from '../../data/matrix.js';

const OBJECTIVES: Record<ObjectiveName, RawObjective> = {
  squaredError: RawObjective.SquaredError,
  logLoss: RawObjective.LogLoss,
  crossEntropy: RawObjective.CrossEntropy,
};

const OPTIMIZERS: Record<OptimizerSpec['type'], RawOptimizer> = {
  sgd: RawOptimizer.Sgd,
  adagrad: RawOptimizer.Adagrad,
  rmsprop: RawOptimizer.Rmsprop,
  adam: RawOptimizer.Adam,
  adamw: RawOptimizer.AdamW,
};

function lookup<K extends string, V>(table: Record<K, V>, key: K, what: string): V {
  if (!Object.hasOwn(table, key)) throw new MinibatchError('ENGINE_FAILURE', `unknown ${what} ${String(key)}`);
  return table[key];
}

/**
 * The spec without its data, as the one config object the Rust side reads. Every field that
 * the chosen optimizer reads is set here; Rust validates all of them again.
 */
function rawConfig(glue: Glue, spec: SessionSpec): RawConfig {
  const o = spec.optimizer;
  const objective = lookup(OBJECTIVES, spec.objective, 'objective');
  const optimizer = lookup(OPTIMIZERS, o?.type, 'optimizer');
  const c = new glue.RawConfig(objective, spec.nFeatures, spec.nOutputs, optimizer);
  // the hidden layers in order: units as given (Rust checks them with the rest of the config),
  // the activation by its name (Rust's `Activation::NAMES`); an unknown name is a failure, as an
  // unknown objective is, with the js engine's message
  try {
    for (const h of spec.hidden ?? []) c.addHidden(h?.units, h?.activation);
  } catch (e) {
    c.free();
    throw new MinibatchError('ENGINE_FAILURE', e instanceof Error ? e.message : String(e), { cause: e });
  }
  c.l2 = spec.l2;
  c.l1 = spec.l1;
  c.fitIntercept = spec.fitIntercept;
  c.clipValue = spec.clipValue;
  c.clipNorm = spec.clipNorm;
  // every hyperparameter of the spec by its name: RawConfig has a field of the same name for each
  // (crates/minibatch-wasm), so a new optimizer needs no arm here; a name it lacks is a failure
  const fields = c as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(o)) {
    if (key === 'type') continue;
    if (!(key in c)) throw new MinibatchError('ENGINE_FAILURE', `the wasm engine has no optimizer setting ${key}`);
    fields[key] = value;
  }
  return c;
}

/**
 * Values copied per block when features come in: 32 768 (128 KB of f32, and 256 KB of f64 in
 * the scratch block when converting), so that a block is checked while it is still in the L2
 * cache: the copy and the check are one pass over memory.
 */
const BLOCK = 1 << 15;

function glueFor(threads: number): Glue {
  // a session with threads lives in the threaded module's shared memory (engine/wasm/threads.ts
  // starts it and its workers); the classes of the two modules are the same
  const glue = threads > 1 ? loadedThreadedGlue() : singleThreadGlue();
  if (!glue) throw engineFailure(new Error('threads > 1 needs startThreads() first'));
  return glue;
}

/**
 * Copies `x` into `raw` (a new buffer, or a spare one of the same length) block by block: a
 * Float32Array by `TypedArray.set` (a memcpy), a Float64Array into an f64 scratch block that
 * Rust converts to f32; Rust checks each block while it is in the cache. Rows are written by
 * their own checking loop straight into wasm memory. The first bad value throws the data
 * layer's InvalidDataError; `raw` is freed then.
 */
function copyIn(glue: Glue, raw: RawFeatures, x: FeatureSource, cols: number, argument: string): RawFeatures {
  try {
    const mem = wasmMemory(glue);
    raw.forgetChecks();
    let bad = -1;
    if (x instanceof Float32Array) {
      const ptr = raw.ptr();
      const heap = new Float32Array(mem.buffer, ptr, x.length);
      for (let a = 0; a < x.length && bad < 0; a += BLOCK) {
        const b = Math.min(x.length, a + BLOCK);
        heap.set(x.subarray(a, b), a);
        bad = raw.checkFilled(a, b);
      }
    } else if (x instanceof Float64Array) {
      const block = Math.min(BLOCK, x.length);
      const ptr = raw.scratchPtr(block); // may grow the memory: the view comes after
      const scratch = new Float64Array(mem.buffer, ptr, block);
      for (let a = 0; a < x.length && bad < 0; a += BLOCK) {
        const n = Math.min(BLOCK, x.length - a);
        scratch.set(x.subarray(a, a + n));
        bad = raw.fillFromF64(a, n);
      }
      raw.dropScratch();
    } else {
      // rows of about a block at a time, each checked again by Rust while in the cache
      const ptr = raw.ptr();
      const heap = new Float32Array(mem.buffer, ptr, x.length);
      const rows = x.length / cols;
      const step = Math.max(1, Math.floor(BLOCK / cols));
      for (let r = 0; r < rows && bad < 0; r += step) {
        const end = Math.min(rows, r + step);
        x.write(heap, r, end);
        bad = raw.checkFilled(r * cols, end * cols);
      }
    }
    if (bad >= 0) {
      const v = x instanceof Float32Array || x instanceof Float64Array ? x[bad] : NaN;
      throw badValue(argument, Math.floor(bad / cols), bad % cols, v, Number.isFinite(v));
    }
    return raw;
  } catch (e) {
    raw.free();
    throw e instanceof MinibatchError ? e : engineFailure(e);
  }
}

/**
 * The one feature buffer kept across fits, that of the last fit that staged its features. With
 * a key (an array this package allocated and never changes: a Dataset's), fitting that array
 * again (a search over learning rates, several models on one dataset) skips the copy and the
 * check. Without, it is a spare: the next features of the same length are copied into it (no
 * allocation, no zeroing). One buffer at most: staging other features frees it first, so wasm
 * memory is reused, not doubled, and stays bounded by the largest fit's features.
 */
let kept: { key: Float32Array | null; glue: Glue; raw: RawFeatures } | null = null;

function dropKept(): void {
  kept?.raw.free();
  kept = null;
}

class WasmStaged implements StagedFeatures {
  readonly engine = 'wasm';
  constructor(
    readonly glue: Glue,
    private raw: RawFeatures | null,
    readonly rows: number,
    readonly cols: number,
    /** The array to keep the copy for after the fit, or null. */
    readonly key: Float32Array | null,
  ) {}

  /** Hands the features to a session (once). */
  take(): RawFeatures {
    const raw = this.raw;
    if (!raw) throw engineFailure(new Error('staged features used twice'));
    this.raw = null;
    return raw;
  }

  /** Not taken by a session (a fit that failed before training): kept as the spare. */
  dispose(): void {
    if (!this.raw) return;
    dropKept();
    kept = { key: this.key, glue: this.glue, raw: this.raw };
    this.raw = null;
  }
}

function stageFeatures(x: FeatureSource, cols: number, threads: number, argument: string, reuse: boolean): StagedFeatures {
  const glue = glueFor(threads);
  const key = reuse && x instanceof Float32Array ? x : null;
  const rows = x.length / cols;
  let raw: RawFeatures | null = null;
  if (kept && kept.glue === glue) {
    if (key && kept.key === key) {
      raw = kept.raw; // the same never-changing array: its copy, checked, as it is
      kept = null;
      return new WasmStaged(glue, raw, rows, cols, key);
    }
    // a buffer of the right length is refilled (no allocation, no zeroing); any other is freed first
    if (kept.raw.length() === x.length) raw = kept.raw;
    else kept.raw.free();
    kept = null;
  } else dropKept();
  try {
    raw ??= new glue.RawFeatures(x.length);
  } catch (e) {
    throw engineFailure(e);
  }
  return new WasmStaged(glue, copyIn(glue, raw, x, cols, argument), rows, cols, key);
}

/**
 * Checks features that will not be copied in whole (data trained block by block): each block
 * is copied into one small buffer and checked there by the same SIMD code, several times faster
 * than a JavaScript loop.
 */
function checkFeatures(x: Float32Array, cols: number, threads: number, argument: string): void {
  const glue = glueFor(threads);
  const n = Math.min(BLOCK, x.length);
  let raw: RawFeatures;
  try {
    raw = new glue.RawFeatures(n);
  } catch (e) {
    throw engineFailure(e);
  }
  try {
    const ptr = raw.ptr();
    const heap = new Float32Array(wasmMemory(glue).buffer, ptr, n);
    for (let a = 0; a < x.length; a += n) {
      const m = Math.min(n, x.length - a);
      heap.set(x.subarray(a, a + m));
      const bad = raw.checkFilled(0, m);
      if (bad >= 0) throw badValue(argument, Math.floor((a + bad) / cols), (a + bad) % cols, x[a + bad], false);
    }
  } finally {
    raw.free();
  }
}

function staged(x: Float32Array | StagedFeatures, glue: Glue): WasmStaged | null {
  if (x instanceof Float32Array) return null;
  if (!(x instanceof WasmStaged) || x.glue !== glue) throw engineFailure(new Error('features staged for another engine or module'));
  return x;
}

// Frees the wasm memory of a session that was dropped without dispose().
const registry = new FinalizationRegistry<RawTrainer>((raw) => raw.free());

class WasmSession implements Session {
  private raw: RawTrainer | null;
  /** Whether this session's features were staged (then kept after it, see `kept`), and for which array. */
  private readonly keep: { key: Float32Array | null } | null;
  private readonly glue: Glue;

  constructor(spec: SessionSpec) {
    const glue = glueFor(spec.threads ?? 1);
    const config = rawConfig(glue, spec);
    let raw: RawTrainer | null = null;
    try {
      const { train, validation } = spec;
      const st = staged(train.x, glue);
      // a session that brings its own copy (a stream's blocks, rows trained block by block, or
      // features not staged) frees the kept buffer first, so that its memory is reused
      if (!st) dropKept();
      raw = st
        ? glue.RawTrainer.withFeatures(config, st.take(), train.y, train.sampleWeight)
        : new glue.RawTrainer(config, train.x as Float32Array, train.y, train.sampleWeight);
      this.keep = st ? { key: st.key } : null;
      if (validation) {
        const vs = staged(validation.x, glue);
        if (vs) raw.setValidationFeatures(vs.take(), validation.y, validation.sampleWeight);
        else raw.setValidation(validation.x as Float32Array, validation.y, validation.sampleWeight);
      }
      if ((spec.threads ?? 1) > 1) raw.setThreads(spec.threads!);
    } catch (e) {
      raw?.free();
      throw e instanceof MinibatchError ? e : engineFailure(e);
    } finally {
      config.free();
    }
    this.glue = glue;
    this.raw = raw;
    registry.register(this, raw, this);
  }

  /** Runs `f` on the live trainer; a Rust error becomes a MinibatchError. */
  private call<T>(f: (raw: RawTrainer) => T): T {
    if (!this.raw) throw new MinibatchError('DISPOSED', 'this wasm session was disposed');
    try {
      return f(this.raw);
    } catch (e) {
      throw engineFailure(e);
    }
  }

  params(): Float32Array {
    return this.call((raw) => raw.params());
  }

  setParams(params: Float32Array): void {
    this.call((raw) => raw.setParams(params));
  }

  setTrainingData(train: EngineData): void {
    if (!(train.x instanceof Float32Array)) throw engineFailure(new Error('setTrainingData takes a Float32Array'));
    const x = train.x;
    this.call((raw) => raw.setTrainingData(x, train.y, train.sampleWeight));
  }

  setOrder(order: Uint32Array): void {
    this.call((raw) => raw.setOrder(order));
  }

  runBatches(plan: BatchPlan): BatchSummary {
    const out = this.call((raw) => raw.runBatches(plan.batchSize, plan.startBatch, plan.learningRates, plan.dropLast));
    return { lossSum: out[0], rows: out[1], iterations: out[2], finite: out[3] === 1 };
  }

  evaluate(set: 'train' | 'validation'): Evaluation {
    if (set !== 'train' && set !== 'validation') throw engineFailure(new Error(`unknown set ${String(set)}`));
    const out = this.call((raw) => raw.evaluate(set === 'validation'));
    return { lossSum: out[0], weightSum: out[1], metricSum: out[2] };
  }

  penalty(): number {
    return this.call((raw) => raw.penalty());
  }

  optimizerState(): OptimizerState {
    return this.call((raw) => ({ step: raw.optimizerStep(), buffers: raw.optimizerState() }));
  }

  setOptimizerState(state: OptimizerState): void {
    this.call((raw) => raw.setOptimizerState(state.step, state.buffers));
  }

  dispose(): void {
    if (this.raw) {
      registry.unregister(this);
      const raw = this.raw;
      this.raw = null;
      if (this.keep) {
        dropKept();
        kept = { key: this.keep.key, glue: this.glue, raw: raw.intoFeatures() };
      } else raw.free();
    }
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** Call `initWasm()` (engine/wasm/raw.ts) before creating sessions, and `startThreads()` before one with threads. */
export const wasmEngine: Engine = {
  name: 'wasm',
  createSession: (spec) => new WasmSession(spec),
  stageFeatures,
  checkFeatures,
};

/** Frees the copy of features kept for the next fit (see `kept`); for tests and memory-conscious callers. */
export function releaseKeptFeatures(): void {
  dropKept();
}
