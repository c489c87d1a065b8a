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
  Session,
  SessionSpec,
} from '../types.js';
import {
  RawObjective,
  RawOptimizer,
  engineFailure,
  loadedThreadedGlue,
  singleThreadGlue,
  type Glue,
  type RawConfig,
  type RawTrainer,
} from './raw.js';
import { MinibatchError } from '../../errors.js';

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
  c.l2 = spec.l2;
  c.l1 = spec.l1;
  c.fitIntercept = spec.fitIntercept;
  c.clipValue = spec.clipValue;
  c.clipNorm = spec.clipNorm;
  c.weightDecay = o.weightDecay;
  switch (o.type) {
    case 'sgd':
      c.momentum = o.momentum;
      c.dampening = o.dampening;
      c.nesterov = o.nesterov;
      break;
    case 'adagrad':
      c.lrDecay = o.lrDecay;
      c.initialAccumulator = o.initialAccumulator;
      c.eps = o.eps;
      break;
    case 'rmsprop':
      c.alpha = o.alpha;
      c.eps = o.eps;
      c.momentum = o.momentum;
      c.centered = o.centered;
      break;
    case 'adam':
    case 'adamw':
      c.beta1 = o.beta1;
      c.beta2 = o.beta2;
      c.eps = o.eps;
      c.amsgrad = o.amsgrad;
      break;
  }
  return c;
}

// Frees the wasm memory of a session that was dropped without dispose().
const registry = new FinalizationRegistry<RawTrainer>((raw) => raw.free());

class WasmSession implements Session {
  private raw: RawTrainer | null;

  constructor(spec: SessionSpec) {
    // a session with threads lives in the threaded module's shared memory (engine/threads.ts
    // starts it and its workers); the classes of the two modules are the same
    const threads = spec.threads ?? 1;
    const glue = threads > 1 ? loadedThreadedGlue() : singleThreadGlue();
    if (!glue) throw engineFailure(new Error('threads > 1 needs startThreads() first'));
    const config = rawConfig(glue, spec);
    let raw: RawTrainer | null = null;
    try {
      const { train, validation } = spec;
      raw = new glue.RawTrainer(config, train.x, train.y, train.sampleWeight);
      if (validation) raw.setValidation(validation.x, validation.y, validation.sampleWeight);
      if (threads > 1) raw.setThreads(threads);
    } catch (e) {
      raw?.free();
      throw engineFailure(e);
    } finally {
      config.free();
    }
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
    this.call((raw) => raw.setTrainingData(train.x, train.y, train.sampleWeight));
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
      this.raw.free();
      this.raw = null;
    }
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** Call `initWasm()` (engine/raw.ts) before creating sessions, and `startThreads()` before one with threads. */
export const wasmEngine: Engine = {
  name: 'wasm',
  createSession: (spec) => new WasmSession(spec),
};
