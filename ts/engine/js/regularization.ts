/**
 * Mirror of crates/minibatch-core/src/regularization.rs: gradient clipping (step 2 of an
 * update), the penalty and the L1 proximal step (step 4). Penalties apply to the penalized
 * prefix θ[0, nWeights) only (model.ts's layout: weights, never intercepts); clipping by norm
 * takes the whole gradient (W and b together, as PyTorch's clip_grad_norm_).
 */

/** Each g to [−c, c] (PyTorch's clip_grad_value_). */
export function clipByValue(grad: Float64Array, c: number): void {
  for (let i = 0; i < grad.length; i++) {
    const g = grad[i];
    if (g > c) grad[i] = c;
    else if (g < -c) grad[i] = -c;
  }
}

/** g scaled by maxNorm / ‖g‖₂ when ‖g‖₂ > maxNorm. */
export function clipByNorm(grad: Float64Array, maxNorm: number): void {
  let ss = 0;
  for (let i = 0; i < grad.length; i++) ss += grad[i] * grad[i];
  const norm = Math.sqrt(ss);
  if (norm > maxNorm) {
    const scale = maxNorm / norm;
    for (let i = 0; i < grad.length; i++) grad[i] *= scale;
  }
}

/** (l2/2)‖W‖² + l1‖W‖₁ of W = θ[0, nWeights). */
export function penalty(theta: Float32Array, nWeights: number, l2: number, l1: number): number {
  let squares = 0;
  let absolutes = 0;
  for (let i = 0; i < nWeights; i++) {
    squares += theta[i] * theta[i];
    absolutes += Math.abs(theta[i]);
  }
  return (l2 > 0 ? 0.5 * l2 * squares : 0) + (l1 > 0 ? l1 * absolutes : 0);
}

/** The soft threshold W ← sign(W)·max(|W| − cut, 0): weights within cut of 0 become exactly 0. */
export function l1Proximal(theta: Float32Array, nWeights: number, cut: number): void {
  for (let i = 0; i < nWeights; i++) {
    const wi = theta[i];
    theta[i] = wi > cut ? wi - cut : wi < -cut ? wi + cut : 0;
  }
}
