/**
 * The optimizers of the js engine: PyTorch's update equations (torch.optim, 2.x) as stated in
 * ts/engine/types.ts (OptimizerSpec), one class per optimizer with the names of the Rust core
 * (crates/minibatch-core/src/optimizer.rs).
 *
 * Every optimizer keeps its state in one Float32Array, `state`, that is exactly the flat export
 * layout of the contract (its buffers of length p, concatenated in the documented order), so a
 * snapshot, an export and an import are a single copy, and the buffers are views on it. The
 * state is float32 as in the wasm engine: each buffer entry is rounded to float32 when it is
 * written and the rounded value is what the update uses, so that a state exported and imported
 * again continues bit-identically. The arithmetic between stores runs in float64.
 *
 * `step(theta, g, lr, t, nWeights)`: θ is [W, b] with W = θ[0, nWeights) and the intercepts b =
 * θ[nWeights, p); g is the (clipped) gradient of the batch, which the step may overwrite (weight
 * decay is added to it in place, as PyTorch does); t counts steps from 1. Weight decay touches W
 * only, never the intercepts.
 */
import type { OptimizerSpec } from './types.js';

export interface Optimizer {
  /** The state buffers in the contract's export layout, concatenated (empty when stateless). */
  readonly state: Float32Array;
  step(theta: Float32Array, g: Float64Array, lr: number, t: number, nWeights: number): void;
}

const f32 = Math.fround;

/** g ← g + λθ on the weights (PyTorch's `weight_decay`, coupled: L2 through the gradient). */
function addWeightDecay(g: Float64Array, theta: Float32Array, lambda: number, nWeights: number): void {
  for (let i = 0; i < nWeights; i++) g[i] += lambda * theta[i];
}

/** sgd: buf ← g at t = 1, else μ·buf + (1 − τ)·g; nesterov: g ← g + μ·buf, else g ← buf; θ ← θ − γg. */
export class Sgd implements Optimizer {
  readonly state: Float32Array;
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

/** adagrad: γ' = γ / (1 + (t − 1)·lrDecay); sum ← sum + g²; θ ← θ − γ'·g / (√sum + ε). */
export class Adagrad implements Optimizer {
  readonly state: Float32Array;
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

/**
 * rmsprop: v ← αv + (1 − α)g²; centered: ḡ ← αḡ + (1 − α)g, v' = v − ḡ², else v' = v;
 * μ > 0: buf ← μ·buf + g / (√v' + ε), θ ← θ − γ·buf; else θ ← θ − γ·g / (√v' + ε).
 * State layout: [v, ḡ when centered, buf when μ > 0].
 */
export class RmsProp implements Optimizer {
  readonly state: Float32Array;
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

/**
 * adam and adamw: m ← β1·m + (1 − β1)g; v ← β2·v + (1 − β2)g²; amsgrad: v̂ ← max(v̂, v), used
 * for v; θ ← θ − (γ / c1)·m / (√v / √c2 + ε) with c1 = 1 − β1^t, c2 = 1 − β2^t. Weight decay:
 * adam adds λθ to g (L2 through the gradient), adamw first scales the weights by (1 − γλ)
 * (decoupled, Loshchilov & Hutter). State layout: [m, v, v̂ when amsgrad].
 */
export class Adam implements Optimizer {
  readonly state: Float32Array;
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

/** The optimizer of a session with p = θ's length. */
export function createOptimizer(spec: OptimizerSpec, p: number): Optimizer {
  switch (spec.type) {
    case 'sgd':
      return new Sgd(spec, p);
    case 'adagrad':
      return new Adagrad(spec, p);
    case 'rmsprop':
      return new RmsProp(spec, p);
    case 'adam':
    case 'adamw':
      return new Adam(spec, p);
  }
}
