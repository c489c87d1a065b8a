/**
 * The pure-TypeScript engine: the same math as the Rust core, as the fallback where WebAssembly
 * SIMD is missing, the oracle the wasm engine is tested against, and the benchmarks' baseline.
 * It implements the contract of ./types.ts (objectives, one update's four steps, the reported
 * loss, snapshots); the optimizers live in ./js-optimizers.ts.
 *
 * Written for speed as plain JavaScript allows: flat typed arrays, monomorphic loops, no
 * allocation per batch or per epoch. Data, parameters and optimizer state are stored in float32
 * (the numerics contract); the arithmetic runs in JavaScript's float64, which is faster here than
 * rounding every step with Math.fround and only more accurate. The gradient is accumulated in a
 * float64 scratch array.
 */
import type {
  BatchPlan,
  BatchSummary,
  Engine,
  EngineData,
  Evaluation,
  ObjectiveName,
  OptimizerState,
  Session,
  SessionSpec,
} from './types.js';
import { createOptimizer, type Optimizer } from './js-optimizers.js';
import { MinibatchError } from '../errors.js';

const SQUARED_ERROR = 0;
const LOG_LOSS = 1;
const CROSS_ENTROPY = 2;

const OPTIMIZERS = new Set(['sgd', 'adagrad', 'rmsprop', 'adam', 'adamw']);

function failure(message: string): MinibatchError {
  return new MinibatchError('ENGINE_FAILURE', `js engine: ${message}`);
}

/** A dataset as the session reads it; `labels` are the class indices for crossEntropy. */
interface Rows {
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly weights: Float32Array | null;
  readonly labels: Int32Array;
  readonly rows: number;
}

function checkedRows(name: string, data: EngineData, d: number, classes: number): Rows {
  const { x, y, sampleWeight } = data;
  if (!(x instanceof Float32Array)) throw failure(`${name}: features staged by the ${x.engine} engine`);
  const rows = y.length;
  if (x.length !== rows * d) {
    throw failure(`${name}: ${x.length} feature values with nFeatures = ${d} do not make ${rows} rows`);
  }
  if (sampleWeight !== null) {
    if (sampleWeight.length !== rows) throw failure(`${name}: ${sampleWeight.length} sample weights for ${rows} rows`);
    for (let r = 0; r < rows; r++) {
      const s = sampleWeight[r];
      if (!(Number.isFinite(s) && s >= 0)) throw failure(`${name}: the sample weight of row ${r} is ${s}; weights must be finite and ≥ 0`);
    }
  }
  let labels = new Int32Array(0);
  if (classes > 0) {
    labels = new Int32Array(rows);
    for (let r = 0; r < rows; r++) {
      const c = y[r];
      if (!(Number.isInteger(c) && c >= 0 && c < classes)) {
        throw failure(`${name}: the label of row ${r} is ${c}; crossEntropy needs a class index 0..${classes - 1}`);
      }
      labels[r] = c;
    }
  }
  return { x, y, weights: sampleWeight, labels, rows };
}

function nonNegative(name: string, v: number): number {
  if (!(Number.isFinite(v) && v >= 0)) throw failure(`${name} must be a finite number ≥ 0, got ${v}`);
  return Math.fround(v);
}

/*
 * e^−a and log(1 + e) for log-loss, inlined in the row loop instead of Math.exp and Math.log:
 * V8 runs those two as calls into C++ (fdlibm), which cost as much per row as a 32-feature dot
 * product (measured: bench/ABLATION.md, "js engine"). Both are table + short polynomial, within
 * a few ulp of float64 (checked against Math.exp and Math.log1p on 10^7 points when written), so
 * σ(z) and the loss differ from the libm forms far below float32's rounding. The tables are
 * plain arrays of doubles, not typed arrays: once any ArrayBuffer in the process has been detached
 * (tsx's module loader does it), V8 checks a typed array's buffer at every access.
 */
/** 2^(−j/32), j = 0 … 31. */
const EXP_FRACTIONS: number[] = [];
/** 2^(−q), q = 0 … 1022. */
const EXP_POWERS: number[] = [];
/** log(1 + i/128) and 1 / (1 + i/128), i = 0 … 128. */
const LOG_BASE: number[] = [];
const LOG_INVERSE: number[] = [];
for (let j = 0; j < 32; j++) EXP_FRACTIONS.push(Math.pow(2, -j / 32));
for (let q = 0; q <= 1022; q++) EXP_POWERS.push(Math.pow(2, -q));
for (let i = 0; i <= 128; i++) {
  LOG_BASE.push(Math.log1p(i / 128));
  LOG_INVERSE.push(1 / (1 + i / 128));
}
/** ln 2 / 32 in two parts (fdlibm's ln2_hi, ln2_lo, over 32): m · hi is exact for m < 2^21. */
const LN2_32_HI = 6.9314718036912381649e-1 / 32;
const LN2_32_LO = 1.90821492927058770002e-10 / 32;
const INV_LN2_32 = 32 / Math.LN2;

/**
 * e^−a for a ≥ 0 (or NaN). a = m·ln2/32 + r with |r| ≤ ln2/64 (Cody–Waite), so e^−a =
 * 2^(−m/32)·e^−r: two table entries and a degree-6 Taylor polynomial of e^−r (its error,
 * r^7/7!, is below 4e-18). Past a = 708 (e^−a near the subnormals), NaN or ∞: Math.exp.
 */
function expNeg(a: number): number {
  if (!(a <= 708)) return Math.exp(-a);
  const m = (a * INV_LN2_32 + 0.5) | 0;
  const r = a - m * LN2_32_HI - m * LN2_32_LO;
  const p = 1 - r * (1 - r * (1 / 2 - r * (1 / 6 - r * (1 / 24 - r * (1 / 120 - r * (1 / 720))))));
  return EXP_POWERS[m >> 5] * EXP_FRACTIONS[m & 31] * p;
}

/**
 * log(1 + e) for e ∈ [0, 1] (or NaN): log(1 + c) from the table at c = ⌊128e⌋/128, plus
 * log1p(v) with v = (e − c)/(1 + c) ∈ [0, 1/128) by its series to v^7 (error below v^8/8,
 * relative 2e-16). For c = 0, v = e exactly: tiny losses keep their relative accuracy.
 */
function log1pUnit(e: number): number {
  const i = (e * 128) | 0;
  const v = (e - i * (1 / 128)) * LOG_INVERSE[i];
  return LOG_BASE[i] + v * (1 - v * (1 / 2 - v * (1 / 3 - v * (1 / 4 - v * (1 / 5 - v * (1 / 6 - v * (1 / 7)))))));
}

/**
 * One row's weighted loss s·ℓ at score z, with s·∂ℓ/∂z written to dz[slot] (squaredError and
 * logLoss). Log-loss is max(z, 0) − t·z + log(1 + e^−|z|) and σ(z) its two-sided form, sharing one
 * e^−|z|: neither overflows.
 */
function rowLoss(logistic: boolean, z: number, t: number, s: number, dz: Float64Array, slot: number): number {
  if (logistic) {
    const e = expNeg(Math.abs(z));
    dz[slot] = s * ((z >= 0 ? 1 / (1 + e) : e / (1 + e)) - t);
    return s * (Math.max(z, 0) - t * z + log1pUnit(e));
  }
  const r = z - t;
  dz[slot] = s * r;
  return 0.5 * s * r * r;
}

/**
 * Cross-entropy of the k scores z[at, at + k) against class y, weighted by s: returns
 * s·(logsumexp(z) − z_y) and overwrites the scores with s·∂ℓ/∂z = s·(softmax(z) − onehot(y)).
 * Shifted by the largest score, so no exp overflows and the loss is log Σ e^(z−m) − (z_y − m) ≥ 0.
 */
function softmaxRow(z: Float64Array, at: number, k: number, y: number, s: number): number {
  let m = z[at];
  for (let c = 1; c < k; c++) if (z[at + c] > m) m = z[at + c];
  const zy = z[at + y];
  let sum = 0;
  for (let c = 0; c < k; c++) {
    const e = Math.exp(z[at + c] - m);
    z[at + c] = e;
    sum += e;
  }
  const scale = s / sum;
  for (let c = 0; c < k; c++) z[at + c] *= scale;
  z[at + y] -= s;
  return s * (Math.log(sum) - (zy - m));
}

function dot(w: Float32Array, wo: number, x: Float32Array, o: number, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 4 <= d; j += 4) {
    s0 += w[wo + j] * x[o + j];
    s1 += w[wo + j + 1] * x[o + j + 1];
    s2 += w[wo + j + 2] * x[o + j + 2];
    s3 += w[wo + j + 3] * x[o + j + 3];
  }
  for (; j < d; j++) s0 += w[wo + j] * x[o + j];
  return s0 + s2 + (s1 + s3);
}

function axpy(a: number, x: Float32Array, o: number, g: Float64Array, go: number, d: number): void {
  let j = 0;
  for (; j + 4 <= d; j += 4) {
    g[go + j] += a * x[o + j];
    g[go + j + 1] += a * x[o + j + 1];
    g[go + j + 2] += a * x[o + j + 2];
    g[go + j + 3] += a * x[o + j + 3];
  }
  for (; j < d; j++) g[go + j] += a * x[o + j];
}

/**
 * w ← w − lr·(a·x[o …]) (rounded to float32 as stored) and, in the same pass, the dot product
 * of the updated w with x[next …] in dot()'s accumulators and order, so its exact value.
 */
function sgdStepDot(lr: number, a: number, x: Float32Array, o: number, next: number, w: Float32Array, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 4 <= d; j += 4) {
    const w0 = Math.fround(w[j] - lr * (a * x[o + j]));
    const w1 = Math.fround(w[j + 1] - lr * (a * x[o + j + 1]));
    const w2 = Math.fround(w[j + 2] - lr * (a * x[o + j + 2]));
    const w3 = Math.fround(w[j + 3] - lr * (a * x[o + j + 3]));
    w[j] = w0;
    w[j + 1] = w1;
    w[j + 2] = w2;
    w[j + 3] = w3;
    s0 += w0 * x[next + j];
    s1 += w1 * x[next + j + 1];
    s2 += w2 * x[next + j + 2];
    s3 += w3 * x[next + j + 3];
  }
  for (; j < d; j++) {
    const wj = Math.fround(w[j] - lr * (a * x[o + j]));
    w[j] = wj;
    s0 += wj * x[next + j];
  }
  return s0 + s2 + (s1 + s3);
}

/** One read per 64-byte line of x[o, o + d), summed (the sum only keeps V8 from dropping the reads). */
function touchLines(x: Float32Array, o: number, d: number): number {
  let sum = x[o];
  for (let j = 16; j < d; j += 16) sum += x[o + j];
  return sum;
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
  private train: Rows;
  private readonly validation: Rows | null;
  /** θ = [W (k × d, row-major), b (k)]. */
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

  constructor(spec: SessionSpec) {
    const d = spec.nFeatures;
    if (!(Number.isSafeInteger(d) && d >= 1)) throw failure(`nFeatures must be an integer ≥ 1, got ${d}`);
    const kinds: Record<ObjectiveName, number> = { squaredError: SQUARED_ERROR, logLoss: LOG_LOSS, crossEntropy: CROSS_ENTROPY };
    const kind = Object.hasOwn(kinds, spec.objective) ? kinds[spec.objective] : -1;
    if (kind < 0) throw failure(`unknown objective ${String(spec.objective)}`);
    const k = spec.nOutputs;
    if (kind === CROSS_ENTROPY ? !(Number.isSafeInteger(k) && k >= 2) : k !== 1) {
      const rule = kind === CROSS_ENTROPY ? 'the number of classes, an integer ≥ 2' : '1';
      throw failure(`nOutputs is ${k}; for ${spec.objective} it must be ${rule}`);
    }
    const opt = spec.optimizer;
    if (!OPTIMIZERS.has(opt?.type)) throw failure(`unknown optimizer ${String(opt?.type)}`);
    for (const [key, v] of Object.entries(opt)) {
      if (typeof v === 'number' && !Number.isFinite(v)) throw failure(`optimizer.${key} must be finite, got ${v}`);
    }
    const classes = kind === CROSS_ENTROPY ? k : 0;
    this.train = checkedRows('training data', spec.train, d, classes);
    if (this.train.rows === 0) throw failure('the training data has no rows');
    this.validation = spec.validation === null ? null : checkedRows('validation data', spec.validation, d, classes);
    this.kind = kind;
    this.d = d;
    this.k = k;
    this.nWeights = k * d;
    this.l2 = nonNegative('l2', spec.l2);
    this.l1 = nonNegative('l1', spec.l1);
    this.clipValue = nonNegative('clipValue', spec.clipValue);
    this.clipNorm = nonNegative('clipNorm', spec.clipNorm);
    this.fitIntercept = spec.fitIntercept;
    const p = k * (d + 1);
    this.theta = new Float32Array(p);
    this.optimizer = createOptimizer(opt, p);
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
    if (params.length !== theta.length) throw failure(`parameter vector has length ${params.length}, expected ${theta.length}`);
    for (let i = 0; i < params.length; i++) {
      if (!Number.isFinite(params[i])) throw failure(`parameter ${i} is ${params[i]}; parameters must be finite`);
    }
    theta.set(params);
    if (!this.fitIntercept) theta.fill(0, nWeights);
  }

  setTrainingData(train: EngineData): void {
    this.check();
    const rows = checkedRows('training data', train, this.d, this.kind === CROSS_ENTROPY ? this.k : 0);
    if (rows.rows === 0) throw failure('the training data has no rows');
    this.train = rows;
    this.orderLength = -1;
  }

  setOrder(order: Uint32Array): void {
    this.check();
    const rows = this.train.rows;
    for (let i = 0; i < order.length; i++) {
      if (order[i] >= rows) throw failure(`row order entry ${i} is ${order[i]}, but the training data has ${rows} rows`);
    }
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
    if (this.orderLength < 0) throw failure('runBatches before setOrder: set the row order of the epoch first');
    if (!(Number.isSafeInteger(batchSize) && batchSize >= 1)) throw failure(`batchSize must be an integer ≥ 1, got ${batchSize}`);
    if (!(Number.isSafeInteger(startBatch) && startBatch >= 0)) throw failure(`startBatch must be an integer ≥ 0, got ${startBatch}`);
    const n = this.orderLength;
    const total = dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
    const count = Math.max(0, Math.min(learningRates.length, total - startBatch));
    for (let i = 0; i < count; i++) {
      const lr = learningRates[i];
      if (!(Number.isFinite(lr) && lr >= 0)) throw failure(`learning rate ${i} is ${lr}; it must be finite and ≥ 0`);
    }
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
    if (end - start === 1 && this.plainSgd && this.k === 1 && l1 === 0) return this.sgdRow(start, lr);
    grad.fill(0);
    const dataLoss = this.k === 1 ? this.accumulateScalar(start, end) : this.accumulateSoftmax(start, end);
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
      if (this.clipValue > 0) this.clipByValue();
      if (this.clipNorm > 0) this.clipByNorm();
      // 3. the optimizer step.
      this.steps++;
      this.optimizer.step(theta, grad, lr, this.steps, nWeights);
    }
    // 4. the L1 proximal step (soft threshold): weights within γ·l1 of 0 become exactly 0.
    if (l1 > 0) {
      const cut = lr * l1;
      for (let i = 0; i < nWeights; i++) {
        const wi = theta[i];
        theta[i] = wi > cut ? wi - cut : wi < -cut ? wi + cut : 0;
      }
    }
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

  private clipByValue(): void {
    const { grad, clipValue: c } = this;
    for (let i = 0; i < grad.length; i++) {
      const g = grad[i];
      if (g > c) grad[i] = c;
      else if (g < -c) grad[i] = -c;
    }
  }

  private clipByNorm(): void {
    const { grad } = this;
    let ss = 0;
    for (let i = 0; i < grad.length; i++) ss += grad[i] * grad[i];
    const norm = Math.sqrt(ss);
    if (norm > this.clipNorm) {
      const scale = this.clipNorm / norm;
      for (let i = 0; i < grad.length; i++) grad[i] *= scale;
    }
  }

  /**
   * squaredError and logLoss (one output): adds Σ s_i·∂ℓ_i/∂z_i·x_i to grad[0, d) and
   * Σ s_i·∂ℓ_i/∂z_i to grad[d]; returns Σ s_i·ℓ_i. Rows go in blocks of eight that share every
   * load of w and of the gradient, which also keeps eight rows' memory reads in flight (the rows
   * are gathered in shuffled order). Eight measured about 1.5× faster than four here.
   */
  private accumulateScalar(start: number, end: number): number {
    const { order, d, theta: w, grad, dz } = this;
    const { x, y, weights } = this.train;
    const logistic = this.kind === LOG_LOSS;
    const bias = w[d];
    let loss = 0;
    let dzSum = 0;
    let k = start;
    for (; k + 8 <= end; k += 8) {
      const r0 = order[k];
      const r1 = order[k + 1];
      const r2 = order[k + 2];
      const r3 = order[k + 3];
      const r4 = order[k + 4];
      const r5 = order[k + 5];
      const r6 = order[k + 6];
      const r7 = order[k + 7];
      const o0 = r0 * d;
      const o1 = r1 * d;
      const o2 = r2 * d;
      const o3 = r3 * d;
      const o4 = r4 * d;
      const o5 = r5 * d;
      const o6 = r6 * d;
      const o7 = r7 * d;
      let s0 = bias;
      let s1 = bias;
      let s2 = bias;
      let s3 = bias;
      let s4 = bias;
      let s5 = bias;
      let s6 = bias;
      let s7 = bias;
      for (let j = 0; j < d; j++) {
        const wj = w[j];
        s0 += wj * x[o0 + j];
        s1 += wj * x[o1 + j];
        s2 += wj * x[o2 + j];
        s3 += wj * x[o3 + j];
        s4 += wj * x[o4 + j];
        s5 += wj * x[o5 + j];
        s6 += wj * x[o6 + j];
        s7 += wj * x[o7 + j];
      }
      dz[0] = s0;
      dz[1] = s1;
      dz[2] = s2;
      dz[3] = s3;
      dz[4] = s4;
      dz[5] = s5;
      dz[6] = s6;
      dz[7] = s7;
      // One call site in a loop rather than eight calls: V8 inlines a function at a limited
      // number of sites per optimized function, and the loop gets all eight rows inlined.
      for (let q = 0; q < 8; q++) {
        const r = order[k + q];
        loss += rowLoss(logistic, dz[q], y[r], weights === null ? 1 : weights[r], dz, q);
      }
      const a0 = dz[0];
      const a1 = dz[1];
      const a2 = dz[2];
      const a3 = dz[3];
      const a4 = dz[4];
      const a5 = dz[5];
      const a6 = dz[6];
      const a7 = dz[7];
      dzSum += a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
      for (let j = 0; j < d; j++) {
        grad[j] +=
          a0 * x[o0 + j] + a1 * x[o1 + j] + (a2 * x[o2 + j] + a3 * x[o3 + j]) + (a4 * x[o4 + j] + a5 * x[o5 + j] + (a6 * x[o6 + j] + a7 * x[o7 + j]));
      }
    }
    for (; k < end; k++) {
      const r = order[k];
      const o = r * d;
      loss += rowLoss(logistic, dot(w, 0, x, o, d) + bias, y[r], weights === null ? 1 : weights[r], dz, 0);
      dzSum += dz[0];
      axpy(dz[0], x, o, grad, 0, d);
    }
    grad[d] = dzSum;
    return loss;
  }

  /**
   * crossEntropy (k outputs): adds Σ s_i·∂ℓ_i/∂z_i·x_iᵀ to the k rows of grad's W part and
   * Σ s_i·∂ℓ_i/∂z_i to its b part; returns Σ s_i·ℓ_i. The same blocks of eight rows as
   * accumulateScalar, one output (one row of W) at a time: each load of a weight or a gradient
   * entry serves eight rows.
   */
  private accumulateSoftmax(start: number, end: number): number {
    const { order, d, k, nWeights, theta: w, grad, dz: z } = this;
    const { x, labels, weights } = this.train;
    let loss = 0;
    let i = start;
    for (; i + 8 <= end; i += 8) {
      const r0 = order[i];
      const r1 = order[i + 1];
      const r2 = order[i + 2];
      const r3 = order[i + 3];
      const r4 = order[i + 4];
      const r5 = order[i + 5];
      const r6 = order[i + 6];
      const r7 = order[i + 7];
      const o0 = r0 * d;
      const o1 = r1 * d;
      const o2 = r2 * d;
      const o3 = r3 * d;
      const o4 = r4 * d;
      const o5 = r5 * d;
      const o6 = r6 * d;
      const o7 = r7 * d;
      for (let c = 0; c < k; c++) {
        const wo = c * d;
        const bc = w[nWeights + c];
        let s0 = bc;
        let s1 = bc;
        let s2 = bc;
        let s3 = bc;
        let s4 = bc;
        let s5 = bc;
        let s6 = bc;
        let s7 = bc;
        for (let j = 0; j < d; j++) {
          const wj = w[wo + j];
          s0 += wj * x[o0 + j];
          s1 += wj * x[o1 + j];
          s2 += wj * x[o2 + j];
          s3 += wj * x[o3 + j];
          s4 += wj * x[o4 + j];
          s5 += wj * x[o5 + j];
          s6 += wj * x[o6 + j];
          s7 += wj * x[o7 + j];
        }
        z[c] = s0;
        z[k + c] = s1;
        z[2 * k + c] = s2;
        z[3 * k + c] = s3;
        z[4 * k + c] = s4;
        z[5 * k + c] = s5;
        z[6 * k + c] = s6;
        z[7 * k + c] = s7;
      }
      for (let q = 0; q < 8; q++) {
        const r = order[i + q];
        loss += softmaxRow(z, q * k, k, labels[r], weights === null ? 1 : weights[r]);
      }
      for (let c = 0; c < k; c++) {
        const wo = c * d;
        const a0 = z[c];
        const a1 = z[k + c];
        const a2 = z[2 * k + c];
        const a3 = z[3 * k + c];
        const a4 = z[4 * k + c];
        const a5 = z[5 * k + c];
        const a6 = z[6 * k + c];
        const a7 = z[7 * k + c];
        grad[nWeights + c] += a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
        for (let j = 0; j < d; j++) {
          grad[wo + j] +=
            a0 * x[o0 + j] + a1 * x[o1 + j] + (a2 * x[o2 + j] + a3 * x[o3 + j]) + (a4 * x[o4 + j] + a5 * x[o5 + j] + (a6 * x[o6 + j] + a7 * x[o7 + j]));
        }
      }
    }
    for (; i < end; i++) {
      const r = order[i];
      const o = r * d;
      for (let c = 0; c < k; c++) z[c] = dot(w, c * d, x, o, d) + w[nWeights + c];
      loss += softmaxRow(z, 0, k, labels[r], weights === null ? 1 : weights[r]);
      for (let c = 0; c < k; c++) {
        grad[nWeights + c] += z[c];
        axpy(z[c], x, o, grad, c * d, d);
      }
    }
    return loss;
  }

  evaluate(set: 'train' | 'validation'): Evaluation {
    this.check();
    const data = set === 'train' ? this.train : set === 'validation' ? this.validation : null;
    if (data === null) {
      throw failure(set === 'validation' ? 'evaluate("validation") on a session without validation data' : `unknown set ${String(set)}`);
    }
    const { x, y, weights, labels, rows } = data;
    const { d, k, nWeights, theta: w, dz } = this;
    let lossSum = 0;
    let weightSum = 0;
    let metricSum = 0;
    if (k === 1) {
      const logistic = this.kind === LOG_LOSS;
      const bias = w[d];
      for (let r = 0; r < rows; r++) {
        const s = weights === null ? 1 : weights[r];
        const z = dot(w, 0, x, r * d, d) + bias;
        const t = y[r];
        lossSum += rowLoss(logistic, z, t, s, dz, 0);
        weightSum += s;
        if (logistic) {
          if (z > 0 === (t === 1)) metricSum += s;
        } else {
          metricSum += s * (z - t) * (z - t);
        }
      }
    } else {
      for (let r = 0; r < rows; r++) {
        const s = weights === null ? 1 : weights[r];
        const o = r * d;
        let best = 0;
        for (let c = 0; c < k; c++) {
          const zc = dot(w, c * d, x, o, d) + w[nWeights + c];
          dz[c] = zc;
          if (zc > dz[best]) best = c;
        }
        const label = labels[r];
        lossSum += softmaxRow(dz, 0, k, label, s);
        weightSum += s;
        if (best === label) metricSum += s;
      }
    }
    return { lossSum, weightSum, metricSum };
  }

  penalty(): number {
    this.check();
    const { theta, nWeights, l2, l1 } = this;
    let squares = 0;
    let absolutes = 0;
    for (let i = 0; i < nWeights; i++) {
      squares += theta[i] * theta[i];
      absolutes += Math.abs(theta[i]);
    }
    return (l2 > 0 ? 0.5 * l2 * squares : 0) + (l1 > 0 ? l1 * absolutes : 0);
  }

  optimizerState(): OptimizerState {
    this.check();
    return { step: this.steps, buffers: this.optimizer.state.slice() };
  }

  setOptimizerState(state: OptimizerState): void {
    this.check();
    const { step, buffers } = state;
    if (!(Number.isSafeInteger(step) && step >= 0)) throw failure(`optimizer state step must be an integer ≥ 0, got ${step}`);
    const expected = this.optimizer.state.length;
    if (!(buffers instanceof Float32Array) || buffers.length !== expected) {
      throw failure(
        `optimizer state has ${buffers instanceof Float32Array ? `${buffers.length} values` : 'no Float32Array of buffers'}, ` +
          `expected ${expected} (${expected / this.theta.length} buffers of ${this.theta.length}) for these optimizer settings`,
      );
    }
    this.optimizer.state.set(buffers);
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
