/**
 * Mirror of crates/minibatch-core/src/activation.rs: the activation functions of a dense layer
 * (ts/engine/types.ts, "Activations"), listed once in ACTIVATIONS, applied to a block of values
 * in place (`applyInPlace`: a = f(z), as activation.rs `apply_in_place`) and multiplied into the
 * backward pass (`backprop`: δ ⊙= f'(z)).
 *
 * The derivative is read from a = f(z), which the forward pass keeps (z is not kept): for
 * tanh and logistic it is the contract's form (1 − a², a·(1 − a)); for relu and leakyRelu,
 * a > 0 exactly when z > 0 (a is z there, and 0 or 0.01·z ≤ 0 elsewhere).
 */
import type { ActivationName } from '../types.js';
import { expNeg } from './math.js';

export const IDENTITY = 0;
export const RELU = 1;
export const LEAKY_RELU = 2;
export const TANH = 3;
export const LOGISTIC = 4;

/** Every activation's name (the contract's ActivationName) and its number in the js engine's loops. */
export const ACTIVATIONS: Readonly<Record<ActivationName, number>> = { identity: IDENTITY, relu: RELU, leakyRelu: LEAKY_RELU, tanh: TANH, logistic: LOGISTIC };

/** The slope of leakyRelu below 0 (PyTorch's default negative_slope). */
export const LEAKY_SLOPE = 0.01;

/** a = f(z) for v[0, n), in place. */
export function applyInPlace(kind: number, v: Float64Array, n: number): void {
  switch (kind) {
    case RELU:
      for (let i = 0; i < n; i++) if (v[i] < 0) v[i] = 0;
      break;
    case LEAKY_RELU:
      for (let i = 0; i < n; i++) if (v[i] < 0) v[i] *= LEAKY_SLOPE;
      break;
    case TANH:
      for (let i = 0; i < n; i++) v[i] = Math.tanh(v[i]);
      break;
    case LOGISTIC:
      // σ in its two-sided form on one e^−|z| (objective.ts's rowLoss does the same): no overflow.
      for (let i = 0; i < n; i++) {
        const z = v[i];
        const e = expNeg(Math.abs(z));
        v[i] = z >= 0 ? 1 / (1 + e) : e / (1 + e);
      }
      break;
    default:
  }
}

/** δ[i] ⊙= f'(z_i) for i < n, with f'(z) read from a = f(z) (the module's doc; activation.rs `backprop` takes z too). */
export function backprop(kind: number, a: Float64Array, delta: Float64Array, n: number): void {
  switch (kind) {
    case RELU:
      for (let i = 0; i < n; i++) if (!(a[i] > 0)) delta[i] = 0;
      break;
    case LEAKY_RELU:
      for (let i = 0; i < n; i++) if (!(a[i] > 0)) delta[i] *= LEAKY_SLOPE;
      break;
    case TANH:
      for (let i = 0; i < n; i++) delta[i] *= 1 - a[i] * a[i];
      break;
    case LOGISTIC:
      for (let i = 0; i < n; i++) delta[i] *= a[i] * (1 - a[i]);
      break;
    default:
  }
}
