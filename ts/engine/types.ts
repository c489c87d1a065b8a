/**
 * The one interface both engines implement. An engine does arithmetic only: it never decides
 * the batch order, the learning rate or when to stop (that is the fit loop's job, in train/).
 */

export type EngineName = 'wasm' | 'js';

/** The data term of the objective (the penalty is added by the engine from `l2`). */
export type ObjectiveName = 'squaredError' | 'logLoss';

/** Fixed for the life of a session (one fit). */
export interface SessionSpec {
  readonly objective: ObjectiveName;
  readonly nFeatures: number;
  /** λ of (λ/2)‖w‖²; the intercept is never penalized. */
  readonly l2: number;
  readonly fitIntercept: boolean;
  /** Row-major rows × nFeatures; the engine may take ownership of it. */
  readonly x: Float32Array;
  readonly y: Float32Array;
}

/** What the fit loop asks of one epoch. */
export interface EpochPlan {
  /** The rows in the order they are visited; cut into batches of `batchSize`. */
  readonly order: Uint32Array;
  readonly batchSize: number;
  /** Stop after this many updates even if rows are left (the iteration budget). */
  readonly maxBatches: number;
  readonly learningRate: number;
  /** Skip the last batch when it is shorter than batchSize. */
  readonly dropLast: boolean;
}

/** What one epoch did. */
export interface EpochSummary {
  /** Σ of each row's loss (plus the penalty) at the parameters its batch used; f64. */
  readonly lossSum: number;
  readonly rows: number;
  readonly iterations: number;
  /** False when the loss or the parameters stopped being finite; the session then put the
   * parameters back to what they were at the start of the epoch. */
  readonly finite: boolean;
}

/** One fit's data and state, owned by an engine (in wasm memory for the wasm engine). */
export interface Session {
  /** A copy: nFeatures weights, then the intercept. */
  params(): Float32Array;
  setParams(params: Float32Array): void;
  runEpoch(plan: EpochPlan): EpochSummary;
  /** Mean loss + penalty over all rows at the current parameters, accumulated in f64. */
  objectiveValue(): number;
  dispose(): void;
  [Symbol.dispose](): void;
}

export interface Engine {
  readonly name: EngineName;
  createSession(spec: SessionSpec): Session;
}
