/**
 * Mirror of crates/minibatch-core/src/optimizer/rmsprop.rs (PyTorch's equations, ts/engine/types.ts
 * OptimizerSpec): the hyperparameters' rules (`validate`, as the Rust config's), the state it
 * owns in the contract's export layout, which of its buffers are squared averages (≥ 0), and its
 * step.
 */
import type { OptimizerSpec } from '../../types.js';
import { nonNegative, positive, unitInterval } from '../rules.js';
import { addWeightDecay, f32, type Optimizer } from './shared.js';

/** torch.optim.RMSprop's rules, as RmsPropConfig::validate. */
/** How many state buffers of length p these settings keep (RmsPropConfig::buffers: [v, ḡ when centered, buf when μ > 0]). */
export function buffersRmsProp(spec: Extract<OptimizerSpec, { type: 'rmsprop' }>): number {
  return 1 + (spec.centered ? 1 : 0) + (spec.momentum > 0 ? 1 : 0);
}

export function validateRmsProp(spec: Extract<OptimizerSpec, { type: 'rmsprop' }>): void {
  unitInterval('alpha', spec.alpha);
  positive('eps', spec.eps);
  nonNegative('momentum', spec.momentum);
  nonNegative('weightDecay', spec.weightDecay);
}

/**
 * rmsprop: v ← αv + (1 − α)g²; centered: ḡ ← αḡ + (1 − α)g, v' = v − ḡ², else v' = v;
 * μ > 0: buf ← μ·buf + g / (√v' + ε), θ ← θ − γ·buf; else θ ← θ − γ·g / (√v' + ε).
 * State layout: [v, ḡ when centered, buf when μ > 0].
 */
export class RmsProp implements Optimizer {
  readonly state: Float32Array;
  /** v first; ḡ and buf (when present) may be negative. */
  readonly squaredBuffers: readonly number[] = [0];
  private readonly squareAvg: Float32Array;
  private readonly gradAvg: Float32Array | null;
  private readonly momentumBuffer: Float32Array | null;
  private readonly alpha: number;
  private readonly eps: number;
  private readonly momentum: number;
  private readonly weightDecay: number;

  constructor(spec: Extract<OptimizerSpec, { type: 'rmsprop' }>, p: number) {
    this.alpha = f32(spec.alpha);
    this.eps = f32(spec.eps);
    this.momentum = f32(spec.momentum);
    this.weightDecay = f32(spec.weightDecay);
    const buffers = 1 + (spec.centered ? 1 : 0) + (spec.momentum > 0 ? 1 : 0);
    this.state = new Float32Array(buffers * p);
    let at = 0;
    const next = (): Float32Array => this.state.subarray(at, (at += p));
    this.squareAvg = next();
    this.gradAvg = spec.centered ? next() : null;
    this.momentumBuffer = spec.momentum > 0 ? next() : null;
  }

  step(theta: Float32Array, g: Float64Array, lr: number, _t: number, nWeights: number): void {
    if (this.weightDecay !== 0) addWeightDecay(g, theta, this.weightDecay, nWeights);
    const { squareAvg: v, gradAvg, momentumBuffer: buf, alpha, eps, momentum } = this;
    const rest = 1 - alpha;
    for (let i = 0; i < theta.length; i++) {
      const gi = g[i];
      const vi = f32(alpha * v[i] + rest * gi * gi);
      v[i] = vi;
      let vc = vi;
      if (gradAvg !== null) {
        const ai = f32(alpha * gradAvg[i] + rest * gi);
        gradAvg[i] = ai;
        vc = vi - ai * ai;
      }
      const scaled = gi / (Math.sqrt(vc) + eps);
      if (buf !== null) {
        const bi = f32(momentum * buf[i] + scaled);
        buf[i] = bi;
        theta[i] -= lr * bi;
      } else {
        theta[i] -= lr * scaled;
      }
    }
  }
}
