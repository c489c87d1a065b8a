/**
 * A float64 reference of a multi-layer perceptron under the package's objectives, written from
 * the engine contract's equations (ts/engine/types.ts) and independent of both engines: plain
 * nested loops over number arrays, the activations from their definitions with Math's
 * functions, and the gradient by central finite differences of the objective (no
 * backpropagation), so an error in an engine's backward pass cannot be repeated here.
 */
import type { ActivationName, HiddenLayer, ObjectiveName } from '../../ts/engine/types.js';

export interface Net {
  readonly objective: ObjectiveName;
  readonly nFeatures: number;
  readonly nOutputs: number;
  readonly hidden: readonly HiddenLayer[];
}

export interface Problem {
  /** rows × nFeatures, already float32 values. */
  readonly X: readonly (readonly number[])[];
  /** squaredError: rows × nOutputs targets; logLoss: 0/1; crossEntropy: class index. */
  readonly y: readonly (readonly number[])[];
  readonly s: readonly number[];
}

const F: Record<ActivationName, (z: number) => number> = {
  identity: (z) => z,
  relu: (z) => Math.max(z, 0),
  leakyRelu: (z) => (z > 0 ? z : 0.01 * z),
  tanh: (z) => Math.tanh(z),
  logistic: (z) => 1 / (1 + Math.exp(-z)),
};

/** The layers (inputs, outputs, activation) and where each W and b lies in θ: every W, then every b. */
export function layout(net: Net): { inputs: number; outputs: number; activation: ActivationName; w: number; b: number }[] {
  const shapes: { inputs: number; outputs: number; activation: ActivationName }[] = [];
  let inputs = net.nFeatures;
  for (const h of net.hidden) {
    shapes.push({ inputs, outputs: h.units, activation: h.activation });
    inputs = h.units;
  }
  shapes.push({ inputs, outputs: net.nOutputs, activation: 'identity' });
  let w = 0;
  const placed = shapes.map((l) => {
    const at = w;
    w += l.inputs * l.outputs;
    return { ...l, w: at, b: 0 };
  });
  let b = w;
  for (const l of placed) {
    l.b = b;
    b += l.outputs;
  }
  return placed;
}

export function paramCount(net: Net): number {
  return layout(net).reduce((n, l) => n + (l.inputs + 1) * l.outputs, 0);
}

export function weightCount(net: Net): number {
  return layout(net).reduce((n, l) => n + l.inputs * l.outputs, 0);
}

/** The output layer's z for one row. */
export function outputs(net: Net, theta: ArrayLike<number>, x: readonly number[]): number[] {
  let a = [...x];
  for (const l of layout(net)) {
    const next: number[] = [];
    for (let o = 0; o < l.outputs; o++) {
      let z = theta[l.b + o];
      for (let j = 0; j < l.inputs; j++) z += theta[l.w + o * l.inputs + j] * a[j];
      next.push(F[l.activation](z));
    }
    a = next;
  }
  return a;
}

/** ℓ(z, y) of one row, from the contract's definitions (log-sum-exp and log1p forms). */
export function rowLoss(objective: ObjectiveName, z: number[], y: readonly number[]): number {
  if (objective === 'squaredError') return z.reduce((sum, zj, j) => sum + 0.5 * (zj - y[j]) ** 2, 0);
  if (objective === 'logLoss') return Math.max(z[0], 0) - y[0] * z[0] + Math.log1p(Math.exp(-Math.abs(z[0])));
  const m = Math.max(...z);
  return m + Math.log(z.reduce((sum, zc) => sum + Math.exp(zc - m), 0)) - z[y[0]];
}

/** Σ_i s_i·ℓ_i over the rows. */
export function lossSum(net: Net, theta: ArrayLike<number>, p: Problem): number {
  let sum = 0;
  for (let i = 0; i < p.X.length; i++) sum += p.s[i] * rowLoss(net.objective, outputs(net, theta, p.X[i] as number[]), p.y[i]);
  return sum;
}

/** (l2/2)‖W‖² + l1‖W‖₁ over every layer's weights. */
export function penalty(net: Net, theta: ArrayLike<number>, l2: number, l1: number): number {
  let squares = 0;
  let absolutes = 0;
  for (let i = 0; i < weightCount(net); i++) {
    squares += theta[i] * theta[i];
    absolutes += Math.abs(theta[i]);
  }
  return 0.5 * l2 * squares + l1 * absolutes;
}

/** J(θ) = (1/n) Σ s_i·ℓ_i + (l2/2)‖W‖² (the smooth part of the objective). */
export function objectiveValue(net: Net, theta: ArrayLike<number>, p: Problem, l2: number): number {
  return lossSum(net, theta, p) / p.X.length + penalty(net, theta, l2, 0);
}

/**
 * ∂J/∂θ by central differences, (J(θ + h·e_i) − J(θ − h·e_i)) / 2h, in float64; the intercepts'
 * entries are 0 when they are not fitted.
 */
export function numericGradient(net: Net, theta: readonly number[], p: Problem, l2: number, fitIntercept: boolean, h = 1e-6): number[] {
  const t = [...theta];
  const nW = weightCount(net);
  return t.map((v, i) => {
    if (!fitIntercept && i >= nW) return 0;
    t[i] = v + h;
    const up = objectiveValue(net, t, p, l2);
    t[i] = v - h;
    const down = objectiveValue(net, t, p, l2);
    t[i] = v;
    return (up - down) / (2 * h);
  });
}
