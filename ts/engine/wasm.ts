/** The wasm engine: the SIMD128 Rust kernels, with the fit's data and state in wasm memory. */
import type { Engine, EpochPlan, EpochSummary, ObjectiveName, Session, SessionSpec } from './types.js';
import { RawConfig, RawObjective, RawTrainer, engineFailure } from './raw.js';
import { MinibatchError } from '../errors.js';

const OBJECTIVES: Record<ObjectiveName, RawObjective> = {
  squaredError: RawObjective.SquaredError,
  logLoss: RawObjective.LogLoss,
};

// wasm-bindgen takes u32 arguments; "no limit" is the largest one.
const U32_MAX = 0xffffffff;

// Frees the wasm memory of a session that was dropped without dispose().
const registry = new FinalizationRegistry<RawTrainer>((raw) => raw.free());

class WasmSession implements Session {
  private raw: RawTrainer | null;

  constructor(spec: SessionSpec) {
    const config = new RawConfig(OBJECTIVES[spec.objective], spec.nFeatures, spec.l2, spec.fitIntercept);
    try {
      this.raw = new RawTrainer(config, spec.x, spec.y);
    } catch (e) {
      throw engineFailure(e);
    } finally {
      config.free();
    }
    registry.register(this, this.raw, this);
  }

  private get live(): RawTrainer {
    if (!this.raw) throw new MinibatchError('DISPOSED', 'this wasm session was disposed');
    return this.raw;
  }

  params(): Float32Array {
    return this.live.params();
  }

  setParams(params: Float32Array): void {
    try {
      this.live.setParams(params);
    } catch (e) {
      throw engineFailure(e);
    }
  }

  runEpoch(plan: EpochPlan): EpochSummary {
    let out: Float64Array;
    try {
      out = this.live.runEpoch(
        plan.order,
        plan.batchSize,
        Math.min(plan.maxBatches, U32_MAX),
        plan.learningRate,
        plan.dropLast,
      );
    } catch (e) {
      throw engineFailure(e);
    }
    return { lossSum: out[0], rows: out[1], iterations: out[2], finite: out[3] === 1 };
  }

  objectiveValue(): number {
    return this.live.objectiveValue();
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

/** Call `initWasm()` (engine/raw.ts) before creating sessions. */
export const wasmEngine: Engine = {
  name: 'wasm',
  createSession: (spec) => new WasmSession(spec),
};
