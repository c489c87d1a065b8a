/**
 * Mirror of crates/minibatch-core/src/objective.rs: the data term of the objective, one row at
 * a time (squaredError and logLoss in rowLoss, crossEntropy in softmaxRow). The objective names
 * of the contract (ts/engine/types.ts) are listed once, in OBJECTIVES.
 */
import type { ObjectiveName } from '../types.js';
import { expNeg, log1pUnit } from './math.js';

export const SQUARED_ERROR = 0;
export const LOG_LOSS = 1;
export const CROSS_ENTROPY = 2;

/** Every objective's name and its number in the js engine's loops. */
export const OBJECTIVES: Readonly<Record<ObjectiveName, number>> = { squaredError: SQUARED_ERROR, logLoss: LOG_LOSS, crossEntropy: CROSS_ENTROPY };

/**
 * One row's weighted loss s·ℓ at score z, with s·∂ℓ/∂z written to dz[slot] (squaredError and
 * logLoss). Log-loss is max(z, 0) − t·z + log(1 + e^−|z|) and σ(z) its two-sided form, sharing one
 * e^−|z|: neither overflows.
 */
export function rowLoss(logistic: boolean, z: number, t: number, s: number, dz: Float64Array, slot: number): number {
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
export function softmaxRow(z: Float64Array, at: number, k: number, y: number, s: number): number {
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
