/**
 * The model as the engine contract describes it (./types.ts, "The model"): a stack of dense
 * layers under an objective, and the one parameter layout every engine and the fit loop use.
 * The Rust core's twin is `Model::layers`/`weights`/`intercepts`/`penalized` in
 * crates/minibatch-core/src/model.rs.
 *
 * Layout: every layer's W (outputs × inputs, row-major), layer after layer, then every layer's
 * b, layer after layer; the penalized parameters (weights, never intercepts) are the prefix
 * `penalized`. Linear, logistic and softmax regression are the stack with no hidden layer, one
 * dense layer with the identity activation, so θ = [W, b].
 */
import type { ActivationName, HiddenLayer } from './types.js';

/** The shape of a model: features in, the hidden layers (none for a linear model), outputs out
 * (1, the targets per row, or the number of classes k). */
export interface Shape {
  readonly nFeatures: number;
  readonly nOutputs: number;
  readonly hidden?: readonly HiddenLayer[];
}

/** One dense layer of the stack: z = W·a + b (W is outputs × inputs), then the activation. */
export interface Dense {
  readonly inputs: number;
  readonly outputs: number;
  readonly activation: ActivationName;
}

/** The stack from the features to the objective: the hidden layers, then the output layer
 * (identity). Linear models: the one output layer, no hidden layer. */
export function layers(m: Shape): readonly Dense[] {
  const stack: Dense[] = [];
  let inputs = m.nFeatures;
  for (const h of m.hidden ?? []) {
    stack.push({ inputs, outputs: h.units, activation: h.activation });
    inputs = h.units;
  }
  stack.push({ inputs, outputs: m.nOutputs, activation: 'identity' });
  return stack;
}

/** Σ of the layers' inputs × outputs: the length of the weights, where the intercepts start. */
export function nWeights(m: Shape): number {
  return layers(m).reduce((n, l) => n + l.inputs * l.outputs, 0);
}

/** Every weight and intercept: Σ outputs·(inputs + 1); k·(d + 1) for the one-layer stack. */
export function nParams(m: Shape): number {
  return layers(m).reduce((n, l) => n + (l.inputs + 1) * l.outputs, 0);
}

/** Where layer l's W lies in θ: [start, end). */
export function weights(m: Shape, l: number): readonly [number, number] {
  const stack = layers(m);
  const start = stack.slice(0, l).reduce((n, d) => n + d.inputs * d.outputs, 0);
  return [start, start + stack[l].inputs * stack[l].outputs];
}

/** Where layer l's b lies in θ: [start, end). */
export function intercepts(m: Shape, l: number): readonly [number, number] {
  const stack = layers(m);
  const start = nWeights(m) + stack.slice(0, l).reduce((n, d) => n + d.outputs, 0);
  return [start, start + stack[l].outputs];
}

/** The parameters the penalties and weight decay apply to: every weight, no intercept. */
export function penalized(m: Shape): readonly [number, number] {
  return [0, nWeights(m)];
}
