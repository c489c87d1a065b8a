/**
 * Mirror of crates/minibatch-core/src/model.rs: the model as a stack of dense layers under an
 * objective, its batch sums (step 1 of an update) and its evaluation over a whole dataset.
 *
 * Every model is described the same way (../layout.ts `layers`, the twin of model.rs's
 * `Model::layers`): dense layers z = W·a + b, each with an activation, from the features to the
 * outputs, and the objective on the last layer's z, with one parameter layout (every W, then
 * every b; the weights, the prefix, are what penalties and weight decay see). Linear, logistic and
 * softmax regression are the stack with no hidden layer: θ = [W, b].
 *
 * The linear layer's loops: rows go in blocks of eight that share every load of w and of the
 * gradient, which also keeps eight rows' memory reads in flight (the rows are gathered in
 * shuffled order). Eight measured about 1.5× faster than four here.
 */
import type { Evaluation } from '../types.js';
import { layers, weights, intercepts, type Shape } from '../layout.js';
import { ACTIVATIONS, applyInPlace, backprop } from './activation.js';
import type { Rows } from './dataset.js';
import { forward, inputGradient, weightGradient } from './dense.js';
import { axpy, dot } from './kernels.js';
import { CROSS_ENTROPY, LOG_LOSS, rowLoss, softmaxRow } from './objective.js';

/**
 * squaredError and logLoss (one output): adds Σ s_i·∂ℓ_i/∂z_i·x_i to grad[0, d) and
 * Σ s_i·∂ℓ_i/∂z_i to grad[d]; returns Σ s_i·ℓ_i. Rows go in blocks of eight that share every
 * load of w and of the gradient, which also keeps eight rows' memory reads in flight (the rows
 * are gathered in shuffled order). Eight measured about 1.5× faster than four here.
 */
export function accumulateScalar(
  logistic: boolean,
  d: number,
  train: Rows,
  order: Uint32Array,
  start: number,
  end: number,
  w: Float32Array,
  grad: Float64Array,
  dz: Float64Array,
): number {
  const { x, y, weights } = train;
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
export function accumulateSoftmax(
  d: number,
  k: number,
  train: Rows,
  order: Uint32Array,
  start: number,
  end: number,
  w: Float32Array,
  grad: Float64Array,
  z: Float64Array,
): number {
  const nWeights = k * d;
  const { x, labels, weights } = train;
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

/** Sums over a whole dataset at the parameters w (model.rs `evaluate`); dz is scratch of ≥ k values. */
export function evaluate(kind: number, d: number, k: number, data: Rows, w: Float32Array, dz: Float64Array): Evaluation {
  const { x, y, weights, labels, rows } = data;
  const nWeights = k * d;
  let lossSum = 0;
  let weightSum = 0;
  let metricSum = 0;
  if (k === 1) {
    const logistic = kind === LOG_LOSS;
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

/** Rows that the stack takes through its layers at a time: its scratch holds this many, whatever the batch size. */
export const STACK_ROWS = 64;

/**
 * The general path: a stack with hidden layers, or squaredError with several outputs (the
 * contract's "gradient through the stack"). A batch goes through in blocks of STACK_ROWS rows in
 * order: gathered into float64, forward through the layers (keeping each layer's a), the
 * objective's s·∂ℓ/∂z of the output layer, then backward, adding each layer's ∂/∂W and ∂/∂b
 * to the gradient. The scratch is allocated once per session.
 */
export class Stack {
  private readonly kind: number;
  private readonly k: number;
  private readonly fitIntercept: boolean;
  private readonly inputs: Int32Array;
  private readonly outputs: Int32Array;
  /** The activation of each layer (ACTIVATIONS' numbers). */
  private readonly activations: Int32Array;
  /** Where each layer's W and b start in θ (and in the gradient). */
  private readonly wAt: Int32Array;
  private readonly bAt: Int32Array;
  /** acts[0]: the block's features; acts[l + 1]: layer l's a, the last one the output z, then s·∂ℓ/∂z. */
  private readonly acts: Float64Array[];
  /** δ of the hidden layers, two buffers in turn. */
  private readonly deltas: Float64Array[];
  /** The rows of the current block (dataset indices). */
  private readonly ids = new Uint32Array(STACK_ROWS);

  constructor(kind: number, shape: Shape, fitIntercept: boolean) {
    const stack = layers(shape);
    this.kind = kind;
    this.k = shape.nOutputs;
    this.fitIntercept = fitIntercept;
    this.inputs = Int32Array.from(stack, (l) => l.inputs);
    this.outputs = Int32Array.from(stack, (l) => l.outputs);
    this.activations = Int32Array.from(stack, (l) => ACTIVATIONS[l.activation]);
    this.wAt = Int32Array.from(stack, (_, l) => weights(shape, l)[0]);
    this.bAt = Int32Array.from(stack, (_, l) => intercepts(shape, l)[0]);
    this.acts = [new Float64Array(STACK_ROWS * shape.nFeatures), ...stack.map((l) => new Float64Array(STACK_ROWS * l.outputs))];
    const widest = Math.max(0, ...stack.slice(1).map((l) => l.inputs));
    this.deltas = [new Float64Array(STACK_ROWS * widest), new Float64Array(STACK_ROWS * widest)];
  }

  /**
   * Adds the batch sums Σ_i ∂/∂θ (s_i·ℓ_i) of the rows order[start, end) to grad (every layer's
   * W and, with fitIntercept, b, in the layout of ../layout.ts); returns Σ s_i·ℓ_i.
   */
  accumulate(train: Rows, order: Uint32Array, start: number, end: number, theta: Float32Array, grad: Float64Array): number {
    const { ids } = this;
    let loss = 0;
    for (let from = start; from < end; from += STACK_ROWS) {
      const n = Math.min(STACK_ROWS, end - from);
      for (let q = 0; q < n; q++) ids[q] = order[from + q];
      this.forwardBlock(train.x, n, theta);
      loss += this.blockLoss(train, n);
      this.backwardBlock(n, theta, grad);
    }
    return loss;
  }

  /** Sums over a whole dataset at the parameters θ (model.rs `evaluate`), rows in order. */
  evaluate(data: Rows, theta: Float32Array): Evaluation {
    const { ids, kind, k } = this;
    const { y, labels, weights } = data;
    const z = this.acts[this.acts.length - 1];
    let lossSum = 0;
    let weightSum = 0;
    let metricSum = 0;
    for (let from = 0; from < data.rows; from += STACK_ROWS) {
      const n = Math.min(STACK_ROWS, data.rows - from);
      for (let q = 0; q < n; q++) ids[q] = from + q;
      this.forwardBlock(data.x, n, theta);
      for (let q = 0; q < n; q++) {
        const r = from + q;
        const s = weights === null ? 1 : weights[r];
        const at = q * k;
        weightSum += s;
        if (kind === CROSS_ENTROPY) {
          let best = 0;
          for (let c = 1; c < k; c++) if (z[at + c] > z[at + best]) best = c;
          if (best === labels[r]) metricSum += s;
        } else if (kind === LOG_LOSS) {
          if (z[at] > 0 === (y[r] === 1)) metricSum += s;
        } else {
          let squares = 0;
          for (let j = 0; j < k; j++) squares += (z[at + j] - y[r * k + j]) * (z[at + j] - y[r * k + j]);
          metricSum += s * squares;
        }
      }
      lossSum += this.blockLoss(data, n);
    }
    return { lossSum, weightSum, metricSum };
  }

  /** The rows ids[0, n) of x through every layer: acts[l + 1] = f(acts[l]·Wᵀ + b). */
  private forwardBlock(x: Float32Array, n: number, theta: Float32Array): void {
    const { ids, acts, inputs, outputs, activations } = this;
    const d = inputs[0];
    const a0 = acts[0];
    for (let q = 0; q < n; q++) {
      const o = ids[q] * d;
      const at = q * d;
      for (let j = 0; j < d; j++) a0[at + j] = x[o + j];
    }
    for (let l = 0; l < inputs.length; l++) {
      forward(acts[l], n, inputs[l], outputs[l], theta, this.wAt[l], this.bAt[l], acts[l + 1]);
      applyInPlace(activations[l], acts[l + 1], n * outputs[l]);
    }
  }

  /** Σ s·ℓ of the block's rows at the output z, which becomes s·∂ℓ/∂z (objective.ts). */
  private blockLoss(data: Rows, n: number): number {
    const { ids, kind, k } = this;
    const { y, labels, weights } = data;
    const z = this.acts[this.acts.length - 1];
    const logistic = kind === LOG_LOSS;
    let loss = 0;
    for (let q = 0; q < n; q++) {
      const r = ids[q];
      const s = weights === null ? 1 : weights[r];
      if (kind === CROSS_ENTROPY) {
        loss += softmaxRow(z, q * k, k, labels[r], s);
      } else {
        for (let j = 0; j < k; j++) loss += rowLoss(logistic, z[q * k + j], y[r * k + j], s, z, q * k + j);
      }
    }
    return loss;
  }

  /** δᴸ (in the last acts) back through the layers, each layer's ∂/∂W and ∂/∂b added to grad. */
  private backwardBlock(n: number, theta: Float32Array, grad: Float64Array): void {
    const { acts, inputs, outputs, activations } = this;
    let delta = acts[acts.length - 1];
    for (let l = inputs.length - 1; l >= 0; l--) {
      weightGradient(delta, acts[l], n, inputs[l], outputs[l], grad, this.wAt[l], this.fitIntercept ? this.bAt[l] : -1);
      if (l === 0) break;
      const below = this.deltas[l & 1];
      inputGradient(delta, n, inputs[l], outputs[l], theta, this.wAt[l], below);
      backprop(activations[l - 1], acts[l], below, n * inputs[l]);
      delta = below;
    }
  }
}
