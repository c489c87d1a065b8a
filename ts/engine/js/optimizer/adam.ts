/**
 * Mirror of crates/minibatch-core/src/optimizer/adam.rs (PyTorch's equations, ts/engine/types.ts
 * OptimizerSpec): the hyperparameters' rules (`validate`, as the Rust config's), the state it
 * owns in the contract's export layout, which of its buffers are squared averages (≥ 0), and its
 * step.
 */
import type { OptimizerSpec } from '../../types.js';
import { nonNegative, positive, unitInterval } from '../rules.js';
import { addWeightDecay, f32, type Optimizer } from './shared.js';

/** torch.optim.Adam's and AdamW's rules, as AdamConfig::validate. */
/** How many state buffers of length p these settings keep (AdamConfig::buffers: [m, v, v̂ when amsgrad]). */
export function buffersAdam(spec: Extract<OptimizerSpec, { type: 'adam' | 'adamw' }>): number {
  return spec.amsgrad ? 3 : 2;
}

export function validateAdam(spec: Extract<OptimizerSpec, { type: 'adam' | 'adamw' }>): void {
  unitInterval('beta1', spec.beta1);
  unitInterval('beta2', spec.beta2);
  positive('eps', spec.eps);
  nonNegative('weightDecay', spec.weightDecay);
}

/**
 * adam and adamw: m ← β1·m + (1 − β1)g; v ← β2·v + (1 − β2)g²; amsgrad: v̂ ← max(v̂, v), used
 * for v; θ ← θ − (γ / c1)·m / (√v / √c2 + ε) with c1 = 1 − β1^t, c2 = 1 − β2^t. Weight decay:
 * adam adds λθ to g (L2 through the gradient), adamw first scales the weights by (1 − γλ)
 * (decoupled, Loshchilov & Hutter). State layout: [m, v, v̂ when amsgrad].
 */
export class Adam implements Optimizer {
  readonly state: Float32Array;
  /** v, and v̂ when amsgrad. */
  readonly squaredBuffers: readonly number[];
  private readonly expAvg: Float32Array;
  private readonly expAvgSq: Float32Array;
  private readonly maxExpAvgSq: Float32Array | null;
  private readonly decoupled: boolean;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly eps: number;
  private readonly weightDecay: number;

  constructor(spec: Extract<OptimizerSpec, { type: 'adam' | 'adamw' }>, p: number) {
    this.decoupled = spec.type === 'adamw';
    this.beta1 = f32(spec.beta1);
    this.beta2 = f32(spec.beta2);
    this.eps = f32(spec.eps);
    this.weightDecay = f32(spec.weightDecay);
    this.state = new Float32Array((spec.amsgrad ? 3 : 2) * p);
    this.squaredBuffers = spec.amsgrad ? [1, 2] : [1];
    this.expAvg = this.state.subarray(0, p);
    this.expAvgSq = this.state.subarray(p, 2 * p);
    this.maxExpAvgSq = spec.amsgrad ? this.state.subarray(2 * p, 3 * p) : null;
  }

  step(theta: Float32Array, g: Float64Array, lr: number, t: number, nWeights: number): void {
    const wd = this.weightDecay;
    if (wd !== 0) {
      if (this.decoupled) {
        const keep = 1 - lr * wd;
        for (let i = 0; i < nWeights; i++) theta[i] *= keep;
      } else {
        addWeightDecay(g, theta, wd, nWeights);
      }
    }
    const { expAvg: m, expAvgSq: v, maxExpAvgSq: vMax, beta1, beta2, eps } = this;
    const stepSize = lr / (1 - Math.pow(beta1, t));
    const sqrtC2 = Math.sqrt(1 - Math.pow(beta2, t));
    const rest1 = 1 - beta1;
    const rest2 = 1 - beta2;
    for (let i = 0; i < theta.length; i++) {
      const gi = g[i];
      const mi = f32(beta1 * m[i] + rest1 * gi);
      m[i] = mi;
      let vi = f32(beta2 * v[i] + rest2 * gi * gi);
      v[i] = vi;
      if (vMax !== null) {
        if (vMax[i] > vi) vi = vMax[i];
        else vMax[i] = vi;
      }
      theta[i] -= (stepSize * mi) / (Math.sqrt(vi) / sqrtC2 + eps);
    }
  }
}
