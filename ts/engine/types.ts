/**
 * The one interface both engines implement. An engine does arithmetic only: it never decides
 * the batch order, the learning rate or when to stop (that is the fit loop's job, in train/).
 *
 * This file is the contract between the fit loop, the wasm engine (Rust, crates/minibatch-core,
 * behind engine/wasm/) and the js engine (engine/js/, whose files mirror the core's). Both
 * engines implement every equation below identically, up to floating-point rounding; the parity
 * tests hold them to it. Both refuse bad input with the same errors (engine/fault.ts).
 *
 * ## The model
 * A stack of dense layers z = W·a + b, each with an activation (ActivationName), from the
 * features to the outputs, under the objective below (crates/minibatch-core/src/model.rs and
 * engine/js/model.ts describe it with `layers()`, engine/layout.ts is the TS twin): the hidden
 * layers of SessionSpec.hidden in order, then the output layer (nOutputs units, identity
 * activation: the objective applies the link). Linear, logistic and softmax regression are the
 * stack with no hidden layer: one dense layer, nFeatures → nOutputs, with the identity activation.
 *
 * Activations (a = f(z), elementwise; f' is what the backward pass multiplies by):
 *   identity:  f(z) = z                              f'(z) = 1
 *   relu:      f(z) = max(z, 0)                      f'(z) = 1 if z > 0 else 0   (0 at z = 0, as PyTorch)
 *   leakyRelu: f(z) = z if z > 0 else 0.01·z         f'(z) = 1 if z > 0 else 0.01 (PyTorch's default slope)
 *   tanh:      f(z) = tanh(z)                        f'(z) = 1 − a²
 *   logistic:  f(z) = σ(z) = 1 / (1 + e^−z)          f'(z) = a·(1 − a)
 *
 * ## Parameters
 * One layout for every stack: every layer's W (outputs × inputs, row-major), layer after layer,
 * then every layer's b, layer after layer. The penalties and weight decay apply to the weights,
 * the prefix of θ before the first intercept, never to an intercept. With one layer: θ = [W, b],
 * W is nOutputs × nFeatures (one row of weights per output), then b has nOutputs intercepts.
 * nOutputs is 1 for 'logLoss', the number of targets per row (≥ 1) for 'squaredError', and the
 * number of classes k ≥ 2 for 'crossEntropy'. p = Σ_layers outputs · (inputs + 1) values in all:
 * nOutputs · (nFeatures + 1) with no hidden layer.
 *
 * ## Objective
 * J(θ) = (1/n) Σ_i s_i · ℓ(z_i, y_i) + (l2/2)‖W‖² + l1‖W‖₁, with z_i the output layer's z for
 * row i (z_i = W·x_i + b with no hidden layer), s_i the sample weight of row i (1 when none are
 * given), and ‖W‖ over the weights of every layer. The intercepts are never penalized.
 *   squaredError: ℓ = ½ Σ_j (z_j − y_j)²                       (nOutputs targets per row)
 *   logLoss:      ℓ = max(z, 0) − y·z + log1p(e^−|z|)          (y ∈ {0, 1})
 *   crossEntropy: ℓ = logsumexp(z) − z_y                          (y ∈ {0, …, k−1}, stored as f32)
 *
 * ## The gradient through the stack (backpropagation, per row, before the batch mean)
 *   forward:  a⁰ = x;  zˡ = Wˡ·aˡ⁻¹ + bˡ,  aˡ = fˡ(zˡ)  for l = 1 … L (the last is the output layer)
 *   backward: δᴸ = s·∂ℓ/∂zᴸ;  δˡ⁻¹ = (Wˡᵀ·δˡ) ⊙ fˡ⁻¹'(zˡ⁻¹);  ∂/∂Wˡ = δˡ·aˡ⁻¹ᵀ,  ∂/∂bˡ = δˡ
 * The batch's sums over its rows are taken in a fixed order (the same on repeat and, for a given
 * number of threads, whatever the timing).
 *
 * ## One update on a batch B of b rows, with learning rate γ (this batch's entry of learningRates)
 *   1. g_W = (1/b) Σ_{i∈B} s_i · ∂ℓ_i/∂z_i · x_iᵀ + l2·W,  g_b = (1/b) Σ_{i∈B} s_i · ∂ℓ_i/∂z_i
 *      (with no hidden layer; through a stack, every layer's ∂/∂Wˡ and ∂/∂bˡ above, plus l2·Wˡ)
 *      (g_b = 0 for every layer when fitIntercept is false; the denominator is b, the batch's row count, not Σ s_i,
 *      as Keras' SUM_OVER_BATCH_SIZE: 'balanced' class weights average 1, so they keep the scale).
 *   2. clipping, when set: first each g to [−clipValue, clipValue], then the whole g (W and b
 *      together) scaled by clipNorm / ‖g‖₂ when ‖g‖₂ > clipNorm.
 *   3. the optimizer step on θ with g (OptimizerSpec below; t counts steps from 1).
 *   4. l1 > 0: the proximal step W ← sign(W)·max(|W| − γ·l1, 0), which makes weights exactly 0.
 * The batch's reported loss is Σ_{i∈B} s_i·ℓ_i (at the parameters before the update) plus
 * b·((l2/2)‖W‖² + l1‖W‖₁) at those same parameters.
 */

export type EngineName = 'wasm' | 'js';

/** The data term of the objective (the penalties are added by the engine). */
export type ObjectiveName = 'squaredError' | 'logLoss' | 'crossEntropy';

/** The activation of a dense layer (the Rust core's `Activation::NAMES`): the output layer's is 'identity', its objective applies the link. */
export type ActivationName = 'identity' | 'relu' | 'leakyRelu' | 'tanh' | 'logistic';

/** A hidden layer of the stack: `units` outputs (an integer ≥ 1), then the activation. */
export interface HiddenLayer {
  readonly units: number;
  readonly activation: ActivationName;
}

/**
 * The optimizer and its hyperparameters, all resolved (no defaults left to the engine).
 * PyTorch's equations (torch.optim, 2.x), with g the clipped gradient of step 1–2 above, θ the
 * parameters, γ the learning rate of the batch, t the step count starting at 1. Weight decay λ
 * (weightDecay) applies to W only, never to the intercepts b: it is "g ← g + λ·θ" on W entries.
 *
 * sgd:      if λ: g ← g + λθ.  If μ ≠ 0: buf ← g at t = 1, else buf ← μ·buf + (1 − τ)·g;
 *           g ← g + μ·buf if nesterov, else g ← buf.   θ ← θ − γ·g.
 * adagrad:  if λ: g ← g + λθ.  γ' = γ / (1 + (t − 1)·lrDecay);  sum ← sum + g²  (sum starts at
 *           initialAccumulator);  θ ← θ − γ'·g / (√sum + ε).
 * rmsprop:  if λ: g ← g + λθ.  v ← α·v + (1 − α)·g²;  if centered: ḡ ← α·ḡ + (1 − α)·g and
 *           v' = v − ḡ², else v' = v.  If μ > 0: buf ← μ·buf + g / (√v' + ε), θ ← θ − γ·buf;
 *           else θ ← θ − γ·g / (√v' + ε).
 * adam:     if λ: g ← g + λθ  (L2 through the gradient).
 * adamw:    if λ: θ ← θ·(1 − γλ)  (decoupled), before the rest.
 *   both:   m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²;  if amsgrad: v̂ ← max(v̂, v) and use v̂
 *           for v below.  c1 = 1 − β1^t, c2 = 1 − β2^t;
 *           θ ← θ − (γ / c1) · m / (√v / √c2 + ε).
 *
 * Optimizer state, exported flat for snapshots: the buffers below, each of length p, in this
 * order, concatenated (a buffer that the settings do not use is absent, not zero):
 *   sgd: [buf] when μ ≠ 0 · adagrad: [sum] · rmsprop: [v, ḡ when centered, buf when μ > 0] ·
 *   adam/adamw: [m, v, v̂ when amsgrad].
 */
export type OptimizerSpec =
  | { readonly type: 'sgd'; readonly momentum: number; readonly dampening: number; readonly nesterov: boolean; readonly weightDecay: number }
  | { readonly type: 'adagrad'; readonly lrDecay: number; readonly initialAccumulator: number; readonly eps: number; readonly weightDecay: number }
  | {
      readonly type: 'rmsprop';
      readonly alpha: number;
      readonly eps: number;
      readonly momentum: number;
      readonly centered: boolean;
      readonly weightDecay: number;
    }
  | {
      readonly type: 'adam' | 'adamw';
      readonly beta1: number;
      readonly beta2: number;
      readonly eps: number;
      readonly amsgrad: boolean;
      readonly weightDecay: number;
    };

/**
 * Features an engine has already copied into its own memory, checking every value on the way
 * (Engine.stageFeatures): a session takes them instead of copying `x` again.
 */
export interface StagedFeatures {
  readonly engine: EngineName;
  readonly rows: number;
  readonly cols: number;
  /** Frees them, unless a session has taken them (then the session does). */
  dispose(): void;
}

/**
 * Features to stage: flat row-major values (a Float64Array is converted to float32), or rows
 * that `write` checks and writes, rows [from, to) at a time, into the engine's buffer of
 * `length` values (throwing the data layer's InvalidDataError on a bad value).
 */
export type FeatureSource = Float32Array | Float64Array | { readonly length: number; write(dst: Float32Array, from: number, to: number): void };

/** A dataset as the engine holds it. */
export interface EngineData {
  /** Row-major rows × nFeatures (the engine may take ownership of it), or features this engine staged. */
  readonly x: Float32Array | StagedFeatures;
  /** The targets: squaredError nOutputs values per row (row-major: row i's at i·nOutputs …);
   * logLoss the 0/1 label; crossEntropy the class index 0..k−1 (as f32). One per row except
   * for squaredError with nOutputs > 1. */
  readonly y: Float32Array;
  /** One weight per row (finite, ≥ 0), or null for all ones. */
  readonly sampleWeight: Float32Array | null;
}

/** Fixed for the life of a session (one fit). */
export interface SessionSpec {
  readonly objective: ObjectiveName;
  readonly nFeatures: number;
  /** 1 for 'logLoss', the targets per row for 'squaredError', the number of classes k for 'crossEntropy'. */
  readonly nOutputs: number;
  /** The hidden layers, from the features' side; absent or empty for a linear model. */
  readonly hidden?: readonly HiddenLayer[];
  readonly l2: number;
  readonly l1: number;
  readonly fitIntercept: boolean;
  readonly optimizer: OptimizerSpec;
  /** 0 turns clipping by value off. */
  readonly clipValue: number;
  /** 0 turns clipping by global norm off. */
  readonly clipNorm: number;
  readonly train: EngineData;
  /** Held in the engine so that validation needs no data crossing per epoch. */
  readonly validation: EngineData | null;
  /**
   * Up to this many threads share the sums of each large batch (default 1). The batch is cut
   * into parts at fixed places and their sums are added in a fixed order (leader's part first),
   * so the result depends on the number of threads, never on timing. The wasm engine needs the
   * workers started first (engine/wasm/threads.ts); the js engine always uses one.
   */
  readonly threads?: number;
}

/** What the fit loop asks of one run of batches. */
export interface BatchPlan {
  readonly batchSize: number;
  /** Index of the first batch to run within the current order (batch i covers rows i·b …). */
  readonly startBatch: number;
  /** One learning rate per batch to run: runs min(learningRates.length, batches left) batches. */
  readonly learningRates: Float32Array;
  /** Skip the last batch of the order when it is shorter than batchSize. */
  readonly dropLast: boolean;
}

/** What a run of batches did. */
export interface BatchSummary {
  /** Σ of each row's weighted loss plus the penalties once per row, at the parameters its batch used; f64. */
  readonly lossSum: number;
  readonly rows: number;
  readonly iterations: number;
  /** False when the loss or the parameters stopped being finite; the session then put the
   * parameters and the optimizer state back to what they were at the last setOrder(). */
  readonly finite: boolean;
}

/** Sums over a whole dataset at the current parameters, in f64. */
export interface Evaluation {
  /** Σ s_i·ℓ_i (no penalty). */
  readonly lossSum: number;
  /** Σ s_i. */
  readonly weightSum: number;
  /** Classifiers: Σ s_i over rows predicted right (logLoss: z > 0 ⇔ y = 1; crossEntropy: the
   * first argmax of z equals y). squaredError: Σ s_i·Σ_j (z_ij − y_ij)². */
  readonly metricSum: number;
}

export interface OptimizerState {
  /** Steps taken so far (t of the last step; 0 before the first). */
  readonly step: number;
  /** The buffers of OptimizerSpec's state layout, concatenated. */
  readonly buffers: Float32Array;
}

/** One fit's data and state, owned by an engine (in wasm memory for the wasm engine). */
export interface Session {
  /** A copy of θ in the layout above. */
  params(): Float32Array;
  setParams(params: Float32Array): void;
  /**
   * Replaces the training rows (same nFeatures, any number of rows ≥ 1; labels checked as at
   * creation), keeping θ and the optimizer state: training on a stream loads one chunk at a
   * time. The current order is dropped: a setOrder() must follow before runBatches().
   */
  setTrainingData(train: EngineData): void;
  /** Starts an epoch: the rows in the order they are visited, cut into batches. Also the point
   * that a non-finite run of batches goes back to. */
  setOrder(order: Uint32Array): void;
  runBatches(plan: BatchPlan): BatchSummary;
  evaluate(set: 'train' | 'validation'): Evaluation;
  /** (l2/2)‖W‖² + l1‖W‖₁ at the current parameters. */
  penalty(): number;
  optimizerState(): OptimizerState;
  setOptimizerState(state: OptimizerState): void;
  dispose(): void;
  [Symbol.dispose](): void;
}

export interface Engine {
  readonly name: EngineName;
  createSession(spec: SessionSpec): Session;
  /**
   * Copies features into the engine's memory for a session with `threads`, checking every value
   * (finite, and finite in float32) in the same pass, and converting a Float64Array; a bad value
   * throws the same InvalidDataError (argument, row, column) as the data layer's check. `reuse`: the array is one this package allocated and never changes
   * (a Dataset's), so a copy may be kept and handed to the next fit on it. Engines without
   * memory of their own (js) do not have it.
   */
  stageFeatures?(x: FeatureSource, cols: number, threads: number, argument: string, reuse: boolean): StagedFeatures;
  /** The same check without keeping a copy (for features too large to hold whole). */
  checkFeatures?(x: Float32Array, cols: number, threads: number, argument: string): void;
}
