/**
 * The fit loop: the one place that decides the batch order, the budget and when to stop. It
 * drives an engine through the `Session` interface and never knows which engine it is.
 *
 *   initialise θ (seeded)
 *   for each epoch: shuffle the rows (seeded Fisher–Yates), let the engine run the epoch's
 *   batches, record the epoch's mean loss, and stop on the budget or on the tolerance rule.
 */
import type { EngineName, ObjectiveName } from '../engine/types.js';
import { resolveEngine } from '../engine/index.js';
import type { Matrix } from '../data/matrix.js';
import { Rng } from '../data/random.js';
import { DivergenceError } from '../errors.js';
import type { FitConfig } from './options.js';
import { checkAgainstData } from './options.js';

export type StopReason = 'maxEpochs' | 'maxIterations' | 'tolerance' | 'diverged';

export interface History {
  /** Mean training objective of each epoch (loss + penalty, each row at the parameters its batch used). */
  readonly loss: number[];
  /** Wall time of each epoch, in milliseconds. */
  readonly epochTimeMs: number[];
  /** Epochs run (a last, partial epoch cut by maxIterations counts). */
  readonly epochs: number;
  /** Updates made, all epochs together. */
  readonly iterations: number;
  /** Wall time of the whole fit, in milliseconds. */
  readonly timeMs: number;
  readonly stopReason: StopReason;
  /** The lowest epoch loss. */
  readonly bestLoss: number;
  /** The seed that fixed initialization and shuffles (the one given, or the fresh one drawn). */
  readonly seed: number;
  readonly engine: EngineName;
}

export interface TrainProblem {
  readonly objective: ObjectiveName;
  readonly l2: number;
  readonly fitIntercept: boolean;
  readonly x: Matrix;
  readonly y: Float32Array;
}

export interface TrainResult {
  /** The final parameters (nFeatures weights, then the intercept), or null when training never started. */
  readonly params: Float32Array | null;
  readonly history: History;
  /** Why training ended early, if it did: the parameters above are still the last good ones. */
  readonly error: unknown;
}

/** PyTorch's nn.Linear initialization, U(−1/√d, 1/√d), or zeros (scikit-learn's). */
function initialParams(rng: Rng, d: number, init: 'uniform' | 'zeros', fitIntercept: boolean): Float32Array {
  const p = new Float32Array(d + 1);
  if (init === 'uniform') {
    const bound = 1 / Math.sqrt(d);
    for (let j = 0; j <= d; j++) p[j] = (2 * rng.float() - 1) * bound;
  }
  if (!fitIntercept) p[d] = 0;
  return p;
}

export async function train(problem: TrainProblem, config: FitConfig): Promise<TrainResult> {
  const started = performance.now();
  const { x, y } = problem;
  checkAgainstData(config, x.rows);
  const seed = config.seed ?? Rng.freshSeed();
  const rng = new Rng(seed);
  const loss: number[] = [];
  const epochTimeMs: number[] = [];
  let iterations = 0;
  let bestLoss = Infinity;
  let stopReason: StopReason = 'maxEpochs';
  let error: unknown = null;
  let diverged: { epoch: number; iteration: number } | null = null;
  let params: Float32Array | null = null;
  let engineName: EngineName = config.engine ?? 'wasm';

  const history = (): History => ({
    loss,
    epochTimeMs,
    epochs: loss.length,
    iterations,
    timeMs: performance.now() - started,
    stopReason,
    bestLoss,
    seed,
    engine: engineName,
  });

  const engine = await resolveEngine(config.engine);
  engineName = engine.name;
  // Each session gets its own copy: the wasm engine moves the arrays into wasm memory.
  const session = engine.createSession({
    objective: problem.objective,
    nFeatures: x.cols,
    l2: problem.l2,
    fitIntercept: problem.fitIntercept,
    x: x.data,
    y,
  });
  try {
    session.setParams(initialParams(rng, x.cols, config.init, problem.fitIntercept));
    const order = new Uint32Array(x.rows);
    for (let i = 0; i < order.length; i++) order[i] = i;
    let sinceImprovement = 0;
    for (let epoch = 1; epoch <= config.maxEpochs; epoch++) {
      const t0 = performance.now();
      if (config.shuffle) rng.shuffle(order);
      const s = session.runEpoch({
        order,
        batchSize: config.batchSize,
        maxBatches: config.maxIterations - iterations,
        learningRate: config.learningRate,
        dropLast: config.dropLast,
      });
      if (!s.finite) {
        stopReason = 'diverged';
        diverged = { epoch, iteration: iterations + s.iterations };
        break;
      }
      iterations += s.iterations;
      const epochLoss = s.lossSum / s.rows;
      loss.push(epochLoss);
      epochTimeMs.push(performance.now() - t0);
      // scikit-learn's rule (sklearn/linear_model/_sgd_fast.pyx): an epoch whose loss is not
      // below best − tol counts as no improvement; `patience` of them in a row stop training.
      if (config.tolerance !== null) {
        sinceImprovement = epochLoss > bestLoss - config.tolerance ? sinceImprovement + 1 : 0;
      }
      if (epochLoss < bestLoss) bestLoss = epochLoss;
      config.onEpochEnd?.({ epoch, loss: epochLoss, iterations, timeMs: performance.now() - started });
      if (iterations >= config.maxIterations) {
        stopReason = 'maxIterations';
        break;
      }
      if (sinceImprovement >= config.patience) {
        stopReason = 'tolerance';
        break;
      }
    }
  } catch (e) {
    error = e;
  } finally {
    try {
      params = session.params();
    } finally {
      session.dispose();
    }
  }
  const h = history();
  if (diverged) error = new DivergenceError(diverged.epoch, diverged.iteration, h);
  return { params, history: h, error };
}
