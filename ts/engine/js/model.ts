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
import type { Rows } from './dataset.js';
import { axpy, dot } from './kernels.js';
import { LOG_LOSS, rowLoss, softmaxRow } from './objective.js';

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
