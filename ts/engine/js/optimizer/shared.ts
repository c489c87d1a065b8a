/** What every optimizer file shares (mod.rs's `Elementwise` and `sweep` in the Rust core). */
export interface Optimizer {
  /** The state buffers in the contract's export layout, concatenated (empty when stateless); owned by the optimizer. */
  readonly state: Float32Array;
  /** Which buffers of `state` (by index in the layout) hold squared averages, ≥ 0. */
  readonly squaredBuffers: readonly number[];
  step(theta: Float32Array, g: Float64Array, lr: number, t: number, nWeights: number): void;
}

export const f32 = Math.fround;

/** g ← g + λθ on the weights (PyTorch's `weight_decay`, coupled: L2 through the gradient). */
export function addWeightDecay(g: Float64Array, theta: Float32Array, lambda: number, nWeights: number): void {
  for (let i = 0; i < nWeights; i++) g[i] += lambda * theta[i];
}
