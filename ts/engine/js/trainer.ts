/**
 * Mirror of crates/minibatch-core/src/trainer.rs: the js engine's session, one fit's data,
 * parameters and optimizer state, driven by the fit loop through the contract of ../types.ts.
 * The pure-TypeScript engine is the fallback where WebAssembly SIMD is missing, the oracle the
 * wasm engine is tested against, and the benchmarks' baseline; its files mirror the Rust core's
 * one for one (model.ts, dense.ts, activation.ts, objective.ts, kernels.ts, math.ts,
 * regularization.ts, dataset.ts, optimizer/), so that a numeric change is two parallel, diffable
 * files, and its input rules are the core's, written once in rules.ts.
 *
 * Two paths compute step 1 of an update: linear, logistic and softmax regression keep the
 * linear loops of model.ts (accumulateScalar, accumulateSoftmax, and sgdRow below for batches
 * of one row); a network (hidden layers, or squaredError with several outputs) goes through
 * model.ts's Stack. Steps 2–4, the loss, the divergence check and the snapshots are shared.
 *
 * Written for speed as plain JavaScript allows: flat typed arrays, monomorphic loops, no
 * allocation per batch or per epoch. Data, parameters and optimizer state are stored in float32
 * (the numerics contract); the arithmetic runs in JavaScript's float64, which is faster here than
 * rounding every step with Math.fround and only more accurate. The gradient is accumulated in a
 * float64 scratch array.
 */
import type { BatchPlan, BatchSummary, Engine, EngineData, Evaluation, OptimizerState, Session, SessionSpec } from '../types.js';
import { MinibatchError } from '../../errors.js';
import { FaultSignal, faultError } from '../fault.js';
import { checkedRows, type Rows } from './dataset.js';
import { dot, sgdStepDot, touchLines } from './kernels.js';
import { nParams, nWeights } from '../layout.js';
import { ACTIVATIONS } from './activation.js';
import { accumulateScalar, accumulateSoftmax, evaluate, Stack } from './model.js';
import { LOG_LOSS, OBJECTIVES, SQUARED_ERROR, rowLoss } from './objective.js';
import { optimizerKind, setState, type Optimizer } from './optimizer/index.js';
import { clipByNorm, clipByValue, l1Proximal, penalty } from './regularization.js';
import { checkModel, checkOrder, checkParams, checkRun, count as countOf, noValidationData } from './rules.js';

/** Runs checks of rules.ts: a refusal becomes the MinibatchError the wasm engine gives for it (../fault.ts). */
function obeyed<T>(checks: () => T): T {
  try {
    return checks();
  } catch (e) {
    throw e instanceof FaultSignal ? faultError(e.fault) : e;
  }
}

function allFinite(p: Float32Array): boolean {
  for (let i = 0; i < p.length; i++) if (!Number.isFinite(p[i])) return false;
  return true;
}

class JsSession implements Session {
  private readonly kind: number;
  private readonly d: number;
  /** nOutputs: 1, or the number of classes k. */
  private readonly k: number;
  /** k·d: the length of W, the first part of θ. */
  private readonly nWeights: number;
  private readonly l2: number;
  private readonly l1: number;
  private readonly clipValue: number;
  private readonly clipNorm: number;
  private readonly fitIntercept: boolean;
  /** The general path (model.ts `Stack`) for a network: hidden layers, or squaredError with
   * several outputs; null for linear, logistic and softmax regression, which keep their loops. */
  private readonly stack: Stack | null;
  private train!: Rows;
  private validation!: Rows | null;
  /** θ in the layout of ../layout.ts: [W (k × d, row-major), b (k)] for a linear model. */
  private readonly theta: Float32Array;
  private readonly optimizer: Optimizer;
  /** sgd without momentum or weight decay, and no clipping: θ ← θ − γ·g, fused into step 1. */
  private readonly plainSgd: boolean;
  /** t of the last optimizer step. */
  private steps = 0;
  /** The row order of setOrder (copied: the caller may reuse its array), and its length. */
  private order = new Uint32Array(0);
  private orderLength = -1;
  /** θ, the optimizer state and its step count at the last setOrder(). */
  private readonly snapshotTheta: Float32Array;
  private readonly snapshotState: Float32Array;
  private snapshotSteps = 0;
  /** The batch gradient: Σ then mean, g_W then g_b. */
  private readonly grad: Float64Array;
  /** Scores, then s·∂ℓ/∂z, of the rows of the current block (8 rows × k outputs). */
  private readonly dz: Float64Array;
  private disposed = false;
  /** sgdRow's score of the row at order position pendingAt, taken in the previous row's update
   * pass (−1: none); valid within one runBatches call only. In a typed array: a double stored in a
   * field that first held the integer 0 can make V8 box every later store. */
  private pendingAt = -1;
  private readonly pendingZ = new Float64Array(1);
  /** Where touchLines' sum goes, so that V8 keeps its reads. */
  private readonly touched = new Float64Array(1);

  /**
   * Checks the spec in the order of the wasm engine (its lookups, then crates/minibatch-wasm's
   * counts and TrainerConfig::validate, then the data: rules.ts), so that both refuse the same
   * spec with the same error.
   */
  constructor(spec: SessionSpec) {
    const kind = Object.hasOwn(OBJECTIVES, spec.objective) ? OBJECTIVES[spec.objective] : -1;
    if (kind < 0) throw new MinibatchError('ENGINE_FAILURE', `unknown objective ${String(spec.objective)}`);
    const opt = spec.optimizer;
    const optimizer = optimizerKind(opt);
    const hidden = spec.hidden ?? [];
    for (const h of hidden) {
      if (!Object.hasOwn(ACTIVATIONS, h?.activation)) throw new MinibatchError('ENGINE_FAILURE', `unknown activation ${String(h?.activation)}`);
    }
    const d = spec.nFeatures;
    const k = spec.nOutputs;
    const { l2, l1, clipValue, clipNorm } = spec;
    obeyed(() => {
      checkModel({ kind, nFeatures: d, nOutputs: k, l2, l1, clipValue, clipNorm, buffers: optimizer.buffers(opt), hidden: hidden.map((h) => h.units) });
      optimizer.validate(opt);
      this.train = checkedRows('train', spec.train, kind, d, k);
      this.validation = spec.validation === null ? null : checkedRows('validation', spec.validation, kind, d, k);
    });
    this.kind = kind;
    this.d = d;
    this.k = k;
    const shape = { nFeatures: d, nOutputs: k, hidden };
    this.stack = hidden.length > 0 || (kind === SQUARED_ERROR && k > 1) ? new Stack(kind, shape, spec.fitIntercept) : null;
    this.nWeights = nWeights(shape);
    this.l2 = Math.fround(l2);
    this.l1 = Math.fround(l1);
    this.clipValue = Math.fround(clipValue);
    this.clipNorm = Math.fround(clipNorm);
    this.fitIntercept = spec.fitIntercept;
    const p = nParams(shape);
    this.theta = new Float32Array(p);
    this.optimizer = optimizer.create(opt, p);
    this.plainSgd =
      opt.type === 'sgd' && opt.momentum === 0 && opt.weightDecay === 0 && this.clipValue === 0 && this.clipNorm === 0;
    this.snapshotTheta = new Float32Array(p);
    this.snapshotState = new Float32Array(this.optimizer.state.length);
    this.grad = new Float64Array(p);
    this.dz = new Float64Array(8 * k);
  }

  private check(): void {
    if (this.disposed) throw new MinibatchError('DISPOSED', 'this js session was disposed');
  }

  params(): Float32Array {
    this.check();
    return this.theta.slice();
  }

  /** The intercepts stay 0 without fitIntercept (as in the Rust core). */
  setParams(params: Float32Array): void {
    this.check();
    const { theta, nWeights } = this;
    obeyed(() => checkParams(params, theta.length));
    theta.set(params);
    if (!this.fitIntercept) theta.fill(0, nWeights);
  }

  setTrainingData(train: EngineData): void {
    this.check();
    this.train = obeyed(() => checkedRows('train', train, this.kind, this.d, this.k));
    this.orderLength = -1;
  }

  setOrder(order: Uint32Array): void {
    this.check();
    obeyed(() => checkOrder(order, this.train.rows));
    if (order.length > this.order.length) this.order = new Uint32Array(order.length);
    this.order.set(order);
    this.orderLength = order.length;
    this.snapshotTheta.set(this.theta);
    this.snapshotState.set(this.optimizer.state);
    this.snapshotSteps = this.steps;
  }

  runBatches(plan: BatchPlan): BatchSummary {
    this.check();
    const { batchSize, startBatch, learningRates, dropLast } = plan;
    const n = this.orderLength;
    const count = obeyed(() => {
      countOf('batchSize', batchSize, true, Infinity);
      countOf('startBatch', startBatch, false, Infinity);
      const total = dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
      const runs = Math.max(0, Math.min(learningRates.length, total - startBatch));
      checkRun(n >= 0, learningRates, runs);
      return runs;
    });
    let lossSum = 0;
    let rows = 0;
    let iterations = 0;
    let finite = true;
    this.pendingAt = -1;
    for (let i = 0; i < count; i++) {
      const start = (startBatch + i) * batchSize;
      const end = Math.min(start + batchSize, n);
      const batchLoss = this.batchStep(start, end, learningRates[i]);
      iterations++;
      rows += end - start;
      // The wasm engine sums float32 row losses, so a loss past float32's range is divergence
      // there; judge it the same way here, where float64 would go on much longer.
      if (!Number.isFinite(Math.fround(batchLoss))) {
        finite = false;
        break;
      }
      lossSum += batchLoss;
    }
    if (finite && !allFinite(this.theta)) finite = false;
    if (!finite) {
      this.theta.set(this.snapshotTheta);
      this.optimizer.state.set(this.snapshotState);
      this.steps = this.snapshotSteps;
    }
    return { lossSum, rows, iterations, finite };
  }

  /**
   * One update on the rows order[start..end) with learning rate lr, the four steps of the
   * contract; returns the batch's loss Σ s_i·ℓ_i + b·penalty, at the parameters before the update.
   */
  private batchStep(start: number, end: number, lr: number): number {
    const { theta, grad, nWeights, l2, l1 } = this;
    const { stack } = this;
    if (end - start === 1 && this.plainSgd && this.k === 1 && l1 === 0 && stack === null) return this.sgdRow(start, lr);
    grad.fill(0);
    const dataLoss =
      stack !== null
        ? stack.accumulate(this.train, this.order, start, end, theta, grad)
        : this.k === 1
          ? accumulateScalar(this.kind === LOG_LOSS, this.d, this.train, this.order, start, end, theta, grad, this.dz)
          : accumulateSoftmax(this.d, this.k, this.train, this.order, start, end, theta, grad, this.dz);
    // 1. the mean over the b rows, plus l2·W; the penalty at the same (pre-update) weights.
    const b = end - start;
    const inv = 1 / b;
    let squares = 0;
    let absolutes = 0;
    if (l1 > 0) for (let i = 0; i < nWeights; i++) absolutes += Math.abs(theta[i]);
    if (this.plainSgd) {
      // Steps 1 and 3 fused for plain SGD without clipping (the common case): the same float64
      // operations as the general path below, so the same bits, in one pass instead of two.
      for (let i = 0; i < nWeights; i++) {
        const wi = theta[i];
        squares += wi * wi;
        theta[i] = wi - lr * (grad[i] * inv + l2 * wi);
      }
      if (this.fitIntercept) for (let i = nWeights; i < grad.length; i++) theta[i] -= lr * (grad[i] * inv);
      this.steps++;
    } else {
      for (let i = 0; i < nWeights; i++) {
        const wi = theta[i];
        squares += wi * wi;
        grad[i] = grad[i] * inv + l2 * wi;
      }
      for (let i = nWeights; i < grad.length; i++) grad[i] = this.fitIntercept ? grad[i] * inv : 0;
      // 2. clipping: by value, then by the global norm.
      if (this.clipValue > 0) clipByValue(grad, this.clipValue);
      if (this.clipNorm > 0) clipByNorm(grad, this.clipNorm);
      // 3. the optimizer step.
      this.steps++;
      this.optimizer.step(theta, grad, lr, this.steps, nWeights);
    }
    // 4. the L1 proximal step (soft threshold): weights within γ·l1 of 0 become exactly 0.
    if (l1 > 0) l1Proximal(theta, nWeights, lr * l1);
    // Each penalty only when on: 0·∞ would turn a large but finite loss into NaN.
    let penalty = 0;
    if (l2 > 0) penalty += 0.5 * l2 * squares;
    if (l1 > 0) penalty += l1 * absolutes;
    return penalty === 0 ? dataLoss : dataLoss + b * penalty;
  }

  /**
   * Batch size 1 with plain SGD (one output, no l1) at position k of the order: the dot product,
   * then θ ← θ − γ·(∂ℓ/∂z·x + l2·W) straight into θ, instead of four passes (zeroing the gradient,
   * the dot, the gradient axpy, the update). Without l2, the update pass also takes the next row's
   * dot product with the updated weights (a pass that loads every weight anyway), kept for the
   * next call. The same float64 operations as batchStep's general path with b = 1 (g·(1/1) and
   * 0 + a·x are exact) and as dot() (same accumulators, the f32-rounded weights), so the same bits.
   */
  private sgdRow(k: number, lr: number): number {
    const { d, theta: w, l2, order } = this;
    const { x, y, weights } = this.train;
    const r = order[k];
    const o = r * d;
    const z = this.pendingAt === k ? this.pendingZ[0] : dot(w, 0, x, o, d) + w[d];
    this.pendingAt = -1;
    const loss = rowLoss(this.kind === LOG_LOSS, z, y[r], weights === null ? 1 : weights[r], this.dz, 0);
    const a = this.dz[0];
    // Rows of ≥ 128 features: read one value per line of the row three ahead now (unless it
    // follows the row before it in memory, where the hardware prefetcher has it), so that its
    // misses are in flight together instead of one after another when its turn comes (as the Rust
    // core does). Only its first 16 lines: each read costs V8 several instructions, and the 64 of
    // a 1024-feature row no longer fit in the reorder buffer at once (measured slower).
    if (d >= 128 && k + 3 < this.orderLength && order[k + 3] !== order[k + 2] + 1) {
      this.touched[0] = touchLines(x, order[k + 3] * d, Math.min(d, 256));
    }
    let squares = 0;
    if (l2 > 0) {
      for (let j = 0; j < d; j++) {
        const wj = w[j];
        squares += wj * wj;
        w[j] = wj - lr * (a * x[o + j] + l2 * wj);
      }
      if (this.fitIntercept) w[d] -= lr * a;
    } else if (k + 1 < this.orderLength) {
      const sum = sgdStepDot(lr, a, x, o, order[k + 1] * d, w, d);
      if (this.fitIntercept) w[d] -= lr * a;
      this.pendingZ[0] = sum + w[d];
      this.pendingAt = k + 1;
    } else {
      for (let j = 0; j < d; j++) w[j] -= lr * (a * x[o + j]);
      if (this.fitIntercept) w[d] -= lr * a;
    }
    this.steps++;
    return l2 > 0 ? loss + 0.5 * l2 * squares : loss;
  }

  evaluate(set: 'train' | 'validation'): Evaluation {
    this.check();
    if (set !== 'train' && set !== 'validation') throw new MinibatchError('ENGINE_FAILURE', `unknown set ${String(set)}`);
    const data = set === 'train' ? this.train : this.validation;
    if (data === null) return obeyed(noValidationData);
    return this.stack !== null ? this.stack.evaluate(data, this.theta) : evaluate(this.kind, this.d, this.k, data, this.theta, this.dz);
  }

  penalty(): number {
    this.check();
    return penalty(this.theta, this.nWeights, this.l2, this.l1);
  }

  optimizerState(): OptimizerState {
    this.check();
    return { step: this.steps, buffers: this.optimizer.state.slice() };
  }

  setOptimizerState(state: OptimizerState): void {
    this.check();
    const { step, buffers } = state;
    obeyed(() => setState(this.optimizer, this.theta.length, step, buffers));
    this.steps = step;
  }

  dispose(): void {
    this.disposed = true;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

export const jsEngine: Engine = {
  name: 'js',
  createSession: (spec) => new JsSession(spec),
};
