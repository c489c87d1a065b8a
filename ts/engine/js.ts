/**
 * The pure-TypeScript engine: the same math as the Rust core, as the fallback where WebAssembly
 * SIMD is missing, the oracle the wasm engine is tested against, and the benchmarks' baseline.
 *
 * Written for speed as plain JavaScript allows: flat typed arrays, monomorphic loops unrolled by
 * four with independent accumulators, no allocation per batch or per epoch. Data and parameters
 * are stored in float32 (the numerics contract); the arithmetic runs in JavaScript's float64,
 * which is faster here than rounding every step with Math.fround and only more accurate. The
 * gradient is accumulated in a float64 scratch array.
 */
import type { Engine, EpochPlan, EpochSummary, ObjectiveName, Session, SessionSpec } from './types.js';
import { MinibatchError } from '../errors.js';

const LOG_LOSS = 1;
const SQUARED_ERROR = 0;

/** σ(z) without overflow for either sign. */
function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

function dot(w: Float32Array, x: Float32Array, o: number, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 4 <= d; j += 4) {
    s0 += w[j] * x[o + j];
    s1 += w[j + 1] * x[o + j + 1];
    s2 += w[j + 2] * x[o + j + 2];
    s3 += w[j + 3] * x[o + j + 3];
  }
  for (; j < d; j++) s0 += w[j] * x[o + j];
  return s0 + s2 + (s1 + s3);
}

function axpy(a: number, x: Float32Array, o: number, g: Float64Array, d: number): void {
  let j = 0;
  for (; j + 4 <= d; j += 4) {
    g[j] += a * x[o + j];
    g[j + 1] += a * x[o + j + 1];
    g[j + 2] += a * x[o + j + 2];
    g[j + 3] += a * x[o + j + 3];
  }
  for (; j < d; j++) g[j] += a * x[o + j];
}

function allFinite(p: Float32Array): boolean {
  for (let i = 0; i < p.length; i++) if (!Number.isFinite(p[i])) return false;
  return true;
}

class JsSession implements Session {
  private readonly x: Float32Array;
  private readonly y: Float32Array;
  private readonly d: number;
  private readonly rows: number;
  private readonly kind: number;
  private readonly l2: number;
  private readonly fitIntercept: boolean;
  private readonly w: Float32Array;
  private readonly snapshot: Float32Array;
  private readonly grad: Float64Array;
  private disposed = false;

  constructor(spec: SessionSpec) {
    const d = spec.nFeatures;
    if (!(d >= 1) || spec.y.length === 0 || spec.x.length !== spec.y.length * d) {
      throw new MinibatchError(
        'ENGINE_FAILURE',
        `js engine: ${spec.x.length} feature values with nFeatures = ${d} do not make ${spec.y.length} rows`,
      );
    }
    this.x = spec.x;
    this.y = spec.y;
    this.d = d;
    this.rows = spec.y.length;
    this.kind = spec.objective === 'logLoss' ? LOG_LOSS : SQUARED_ERROR;
    this.l2 = Math.fround(spec.l2);
    this.fitIntercept = spec.fitIntercept;
    this.w = new Float32Array(d + 1);
    this.snapshot = new Float32Array(d + 1);
    this.grad = new Float64Array(d);
  }

  private check(): void {
    if (this.disposed) throw new MinibatchError('DISPOSED', 'this js session was disposed');
  }

  params(): Float32Array {
    this.check();
    return this.w.slice();
  }

  setParams(params: Float32Array): void {
    this.check();
    if (params.length !== this.w.length) {
      throw new MinibatchError('ENGINE_FAILURE', `js engine: parameter vector has length ${params.length}, expected ${this.w.length}`);
    }
    this.w.set(params);
    if (!this.fitIntercept) this.w[this.d] = 0;
  }

  runEpoch(plan: EpochPlan): EpochSummary {
    this.check();
    const { order, batchSize, maxBatches, learningRate, dropLast } = plan;
    for (let i = 0; i < order.length; i++) {
      if (order[i] >= this.rows) {
        throw new MinibatchError('ENGINE_FAILURE', `js engine: row order entry ${i} is ${order[i]}, but the dataset has ${this.rows} rows`);
      }
    }
    this.snapshot.set(this.w);
    let lossSum = 0;
    let rows = 0;
    let iterations = 0;
    let finite = true;
    for (let start = 0; start < order.length && iterations < maxBatches; start += batchSize) {
      const end = Math.min(start + batchSize, order.length);
      if (dropLast && end - start < batchSize) break;
      const batchLoss = this.batchStep(order, start, end, learningRate);
      iterations++;
      rows += end - start;
      // The wasm engine computes each row's loss in float32, so a loss past float32's range is
      // divergence there; judge it the same way here, where float64 would go on much longer.
      if (!Number.isFinite(Math.fround(batchLoss))) {
        finite = false;
        break;
      }
      lossSum += batchLoss;
    }
    if (finite && !allFinite(this.w)) finite = false;
    if (!finite) this.w.set(this.snapshot);
    return { lossSum, rows, iterations, finite };
  }

  /** One update on rows order[start..end); returns the batch's summed loss (penalty included). */
  private batchStep(order: Uint32Array, start: number, end: number, lr: number): number {
    const { x, y, d, w, grad, kind, l2 } = this;
    grad.fill(0);
    const bias = w[d];
    let loss = 0;
    let dzSum = 0;
    for (let k = start; k < end; k++) {
      const r = order[k];
      const o = r * d;
      const z = dot(w, x, o, d) + bias;
      const t = y[r];
      let dz: number;
      if (kind === LOG_LOSS) {
        // log(1 + e^z) − t·z in the form that neither overflows nor cancels
        loss += Math.max(z, 0) - t * z + Math.log1p(Math.exp(-Math.abs(z)));
        dz = sigmoid(z) - t;
      } else {
        dz = z - t;
        loss += 0.5 * dz * dz;
      }
      dzSum += dz;
      axpy(dz, x, o, grad, d);
    }
    const b = end - start;
    const inv = 1 / b;
    let ss = 0;
    for (let j = 0; j < d; j++) {
      const wj = w[j];
      ss += wj * wj;
      w[j] = wj - lr * (grad[j] * inv + l2 * wj);
    }
    if (this.fitIntercept) w[d] = bias - lr * dzSum * inv;
    return l2 > 0 ? loss + 0.5 * l2 * ss * b : loss;
  }

  objectiveValue(): number {
    this.check();
    const { x, y, d, w, kind } = this;
    let sum = 0;
    for (let r = 0; r < this.rows; r++) {
      const z = dot(w, x, r * d, d) + w[d];
      const t = y[r];
      sum += kind === LOG_LOSS ? Math.max(z, 0) - t * z + Math.log1p(Math.exp(-Math.abs(z))) : 0.5 * (z - t) * (z - t);
    }
    let ss = 0;
    for (let j = 0; j < d; j++) ss += w[j] * w[j];
    return sum / this.rows + 0.5 * this.l2 * ss;
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

export type { ObjectiveName };
