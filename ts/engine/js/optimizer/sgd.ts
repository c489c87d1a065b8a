/**
 * Mirror of crates/minibatch-core/src/optimizer/sgd.rs (PyTorch's equations, ts/engine/types.ts
 * OptimizerSpec): the hyperparameters' rules (`validate`, as the Rust config's), the state it
 * owns in the contract's export layout, which of its buffers are squared averages (≥ 0), and its
 * step.
 */
import type { OptimizerSpec } from '../../types.js';
import { invalidOption, nonNegative } from '../rules.js';
import { addWeightDecay, f32, type Optimizer } from './shared.js';

/** torch.optim.SGD's rules, as SgdConfig::validate. */
/** How many state buffers of length p these settings keep (SgdConfig::buffers: [buf] when μ ≠ 0). */
export function buffersSgd(spec: Extract<OptimizerSpec, { type: 'sgd' }>): number {
  return Number(spec.momentum !== 0);
}

export function validateSgd(spec: Extract<OptimizerSpec, { type: 'sgd' }>): void {
  nonNegative('momentum', spec.momentum);
  if (!(spec.dampening >= 0 && spec.dampening <= 1)) invalidOption('dampening', spec.dampening, 'a number in [0, 1]');
  nonNegative('weightDecay', spec.weightDecay);
  if (spec.nesterov && !(spec.momentum > 0 && spec.dampening === 0)) {
    invalidOption('nesterov', 1, 'nesterov requires momentum > 0 and dampening = 0 (as in PyTorch)');
  }
}

/** sgd: buf ← g at t = 1, else μ·buf + (1 − τ)·g; nesterov: g ← g + μ·buf, else g ← buf; θ ← θ − γg. */
export class Sgd implements Optimizer {
  readonly state: Float32Array;
  readonly squaredBuffers: readonly number[] = [];
  private readonly momentum: number;
  private readonly dampening: number;
  private readonly nesterov: boolean;
  private readonly weightDecay: number;

  constructor(spec: Extract<OptimizerSpec, { type: 'sgd' }>, p: number) {
    this.momentum = f32(spec.momentum);
    this.dampening = f32(spec.dampening);
    this.nesterov = spec.nesterov;
    this.weightDecay = f32(spec.weightDecay);
    // The layout follows the specification's values, as the contract states it (μ ≠ 0).
    this.state = new Float32Array(spec.momentum !== 0 ? p : 0);
  }

  step(theta: Float32Array, g: Float64Array, lr: number, t: number, nWeights: number): void {
    if (this.weightDecay !== 0) addWeightDecay(g, theta, this.weightDecay, nWeights);
    const p = theta.length;
    const mu = this.momentum;
    if (this.state.length === 0) {
      for (let i = 0; i < p; i++) theta[i] -= lr * g[i];
      return;
    }
    const buf = this.state;
    if (t === 1) {
      for (let i = 0; i < p; i++) buf[i] = g[i];
    } else {
      const keep = 1 - this.dampening;
      for (let i = 0; i < p; i++) buf[i] = mu * buf[i] + keep * g[i];
    }
    if (this.nesterov) {
      for (let i = 0; i < p; i++) theta[i] -= lr * (g[i] + mu * buf[i]);
    } else {
      for (let i = 0; i < p; i++) theta[i] -= lr * buf[i];
    }
  }
}
