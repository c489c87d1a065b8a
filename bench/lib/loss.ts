/**
 * The training objective of trained parameters on the full data, in float64, computed here from
 * the parameters each system ends with, so that the comparison between systems does not rest
 * on each system's own loss reporting (which differs: minibatch averages each epoch's rows at
 * the parameters their batch used, Keras reports the last epoch's batch mean, a hand-written
 * loop reports nothing).
 *
 *   linear    ½ · mean (w·x + b − y)²
 *   logistic  mean log-loss, max(z, 0) − y·z + log1p(e^−|z|)
 *   softmax   mean cross-entropy, logsumexp(z) − z_y
 *
 * No penalty: the suite trains without one.
 */
import type { Problem } from './data.js';

/** Parameters as every system hands them back: W row-major k × d (one row per output), b of length k. */
export interface Params {
  readonly W: Float32Array;
  readonly b: Float32Array;
}

export function fullLoss(p: Problem, params: Params): number {
  const { n, d, k, X, y, kind } = p;
  const { W, b } = params;
  if (W.length !== k * d || b.length !== k) throw new Error(`loss: expected W of ${k}×${d} and b of ${k}, got ${W.length} and ${b.length}`);
  const z = new Float64Array(k);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let c = 0; c < k; c++) {
      let s = b[c];
      const wo = c * d;
      for (let j = 0; j < d; j++) s += W[wo + j] * X[o + j];
      z[c] = s;
    }
    if (kind === 'linear') {
      const r = z[0] - y[i];
      total += 0.5 * r * r;
    } else if (kind === 'logistic') {
      const v = z[0];
      total += Math.max(v, 0) - y[i] * v + Math.log1p(Math.exp(-Math.abs(v)));
    } else {
      let m = -Infinity;
      for (let c = 0; c < k; c++) m = Math.max(m, z[c]);
      let s = 0;
      for (let c = 0; c < k; c++) s += Math.exp(z[c] - m);
      total += m + Math.log(s) - z[y[i]];
    }
  }
  return total / n;
}
