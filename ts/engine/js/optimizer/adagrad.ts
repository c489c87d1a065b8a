/**
 * Mirror of crates/minibatch-core/src/optimizer/adagrad.rs (PyTorch's equations, ts/engine/types.ts
 * OptimizerSpec): the hyperparameters' rules (`validate`, as the Rust config's), the state it
 * owns in the contract's export layout, which of its buffers are squared averages (≥ 0), and its
 * step.
 */
import type { OptimizerSpec } from '../../types.js';
import { nonNegative, positive } from '../rules.js';
import { addWeightDecay, f32, type Optimizer } from './shared.js';

/** torch.optim.Adagrad's rules, as AdagradConfig::validate. */
/** How many state buffers of length p these settings keep ([sum]). */
export function buffersAdagrad(spec: Extract<OptimizerSpec, { type: 'adagrad' }>): number {
  return 1;
}

export function validateAdagrad(spec: Extract<OptimizerSpec, { type: 'adagrad' }>): void {
  nonNegative('lrDecay', spec.lrDecay);
  nonNegative('initialAccumulator', spec.initialAccumulator);
  positive('eps', spec.eps);
  nonNegative('weightDecay', spec.weightDecay);
}

/** adagrad: γ' = γ / (1 + (t − 1)·lrDecay); sum ← sum + g²; θ ← θ − γ'·g / (√sum + ε). */
export class Adagrad implements Optimizer {
  readonly state: Float32Array;
  /** [sum] */
  readonly squaredBuffers: readonly number[] = [0];
  private readonly lrDecay: number;
  private readonly eps: number;
  private readonly weightDecay: number;

  constructor(spec: Extract<OptimizerSpec, { type: 'adagrad' }>, p: number) {
    this.lrDecay = f32(spec.lrDecay);
    this.eps = f32(spec.eps);
    this.weightDecay = f32(spec.weightDecay);
    this.state = new Float32Array(p).fill(spec.initialAccumulator);
  }

  step(theta: Float32Array, g: Float64Array, lr: number, t: number, nWeights: number): void {
    if (this.weightDecay !== 0) addWeightDecay(g, theta, this.weightDecay, nWeights);
    const sum = this.state;
    const eps = this.eps;
    const clr = lr / (1 + (t - 1) * this.lrDecay);
    for (let i = 0; i < theta.length; i++) {
      const gi = g[i];
      const s = f32(sum[i] + gi * gi);
      sum[i] = s;
      theta[i] -= (clr * gi) / (Math.sqrt(s) + eps);
    }
  }
}
