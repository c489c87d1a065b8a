/**
 * The optimizers of the js engine: PyTorch's update equations (torch.optim, 2.x) as stated in
 * ts/engine/types.ts (OptimizerSpec), one file per optimizer with the names of the Rust core
 * (mirror of crates/minibatch-core/src/optimizer/mod.rs and its files).
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
import type { OptimizerSpec } from '../../types.js';
import { MinibatchError } from '../../../errors.js';
import { checkOptimizerState } from '../rules.js';
import { Adagrad, buffersAdagrad, validateAdagrad } from './adagrad.js';
import { Adam, buffersAdam, validateAdam } from './adam.js';
import { RmsProp, buffersRmsProp, validateRmsProp } from './rmsprop.js';
import { Sgd, buffersSgd, validateSgd } from './sgd.js';
import type { Optimizer } from './shared.js';

export type { Optimizer } from './shared.js';

/** An optimizer of the contract: its rules, its number of state buffers, its constructor (all from its file). */
interface Kind<S extends OptimizerSpec> {
  readonly validate: (spec: S) => void;
  readonly buffers: (spec: S) => number;
  readonly create: (spec: S, p: number) => Optimizer;
}

/**
 * Every optimizer of the contract, once; the names of OptimizerSpec['type'] are its keys. A new
 * optimizer is a file of its own and one line here.
 */
const OPTIMIZERS: { readonly [T in OptimizerSpec['type']]: Kind<Extract<OptimizerSpec, { type: T }>> } = {
  sgd: { validate: validateSgd, buffers: buffersSgd, create: (spec, p) => new Sgd(spec, p) },
  adagrad: { validate: validateAdagrad, buffers: buffersAdagrad, create: (spec, p) => new Adagrad(spec, p) },
  rmsprop: { validate: validateRmsProp, buffers: buffersRmsProp, create: (spec, p) => new RmsProp(spec, p) },
  adam: { validate: validateAdam, buffers: buffersAdam, create: (spec, p) => new Adam(spec, p) },
  adamw: { validate: validateAdam, buffers: buffersAdam, create: (spec, p) => new Adam(spec, p) },
};

/** The optimizer kind of a spec, or an ENGINE_FAILURE for a type that is not one (as the wasm engine's lookup). */
export function optimizerKind(spec: OptimizerSpec): Kind<OptimizerSpec> {
  const type = spec?.type;
  if (!Object.hasOwn(OPTIMIZERS, type)) throw new MinibatchError('ENGINE_FAILURE', `unknown optimizer ${String(type)}`);
  return OPTIMIZERS[type] as Kind<OptimizerSpec>;
}

/** Replaces the step count t and the state of an optimizer for p parameters with a snapshot's, checked as Optimizer::set_state checks them. */
export function setState(optimizer: Optimizer, p: number, step: number, buffers: Float32Array): void {
  checkOptimizerState(step, p, optimizer.state.length, optimizer.squaredBuffers, buffers);
  optimizer.state.set(buffers);
}
