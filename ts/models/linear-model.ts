/**
 * What the three linear models share: θ = (W, b) with one row of weights per output, options,
 * training through the one fit loop (fit, fitIter, partialFit, resume), the decision function
 * W·x + b, and a versioned snapshot that carries the training state.
 */
import type { ObjectiveName } from '../engine/types.js';
import { type FeaturesInput, type Matrix, toMatrix } from '../data/matrix.js';
import { Rng } from '../data/random.js';
import { InvalidDataError, InvalidModelError, InvalidOptionError, NotFittedError } from '../errors.js';
import { type EpochInfo, type FitOptions, validateFitOptions } from '../train/options.js';
import { type History, type TrainData, type TrainingState, TrainingRun } from '../train/loop.js';
import { classWeights, splitValidation, toSampleWeight } from '../train/validation.js';
import { boolean, nonNegativeFinite, plainObject, rejectUnknown } from '../train/validate.js';

export interface LinearModelOptions {
  /** λ of the (λ/2)‖W‖² penalty; the intercept is never penalized. Default 0. */
  l2?: number;
  /** λ₁ of the λ₁‖W‖₁ penalty, applied by a proximal (soft-threshold) step, so weights reach exactly 0. Default 0. */
  l1?: number;
  /** Learn the intercepts b. Default true. */
  fitIntercept?: boolean;
}

/** Targets as users pass them: numbers, or class labels for SoftmaxRegression. */
export type Targets = ArrayLike<number> | readonly (string | number | boolean)[];

/** The serialized form of a model (`toJSON()`), versioned. */
export interface ModelJSON {
  format: 'minibatch.model';
  version: 2;
  model: string;
  options: Record<string, unknown>;
  nFeatures: number | null;
  nOutputs: number | null;
  /** nOutputs × nFeatures, row-major. */
  weights: number[] | null;
  bias: number[] | null;
  /** SoftmaxRegression: the class labels, class i at index i. */
  classes?: (string | number | boolean)[] | null;
  /** What `fit(…, { resume: true })` continues from. */
  training: TrainingState | null;
}

interface Fitted {
  readonly weights: Float32Array;
  readonly bias: Float32Array;
  readonly nFeatures: number;
  readonly nOutputs: number;
}

const FORMAT = 'minibatch.model';
const VERSION = 2;

export abstract class LinearModel {
  /** The name stored in `toJSON()`, e.g. 'LogisticRegression'. */
  protected abstract readonly modelName: string;
  protected abstract readonly objective: ObjectiveName;
  protected abstract readonly scoreKind: 'accuracy' | 'r2';
  readonly l2: number;
  readonly l1: number;
  readonly fitIntercept: boolean;
  protected fitted: Fitted | null = null;
  protected training: TrainingState | null = null;

  constructor(options: LinearModelOptions = {}, extra: readonly string[] = []) {
    const o = plainObject('model options', options);
    rejectUnknown(o, ['l2', 'l1', 'fitIntercept', ...extra], 'model');
    this.l2 = o.l2 === undefined ? 0 : nonNegativeFinite('l2', o.l2);
    this.l1 = o.l1 === undefined ? 0 : nonNegativeFinite('l1', o.l1);
    this.fitIntercept = o.fitIntercept === undefined ? true : boolean('fitIntercept', o.fitIntercept);
  }

  /**
   * Turns y into what the engine trains on (values, 0/1 labels, class indices), checking it.
   * `learn` is true on a fresh fit (a classifier may learn its classes then).
   */
  protected abstract encodeTargets(y: Targets, rows: number, learn: boolean, argument?: string): Float32Array;
  /** Outputs of the model for the encoded targets (1, or the number of classes). */
  protected abstract outputs(): number;
  /** Classifiers: the class labels, class i at index i; regression: null. */
  protected abstract classList(): readonly unknown[] | null;
  /** Options beyond l2, l1 and fitIntercept, for toJSON. */
  protected extraOptions(): Record<string, unknown> {
    return {};
  }

  /**
   * Trains on X (rows × features) and y by mini-batch gradient descent: from a fresh seeded
   * initialization, or, with `resume: true`, from where the last training stopped. On divergence
   * it throws a DivergenceError and keeps the parameters of the last finite epoch; on bad input
   * it throws before touching the model.
   */
  async fit(X: FeaturesInput, y: Targets, options: FitOptions = {}): Promise<History> {
    const run = this.prepare(X, y, options, this.training);
    for await (const _ of run.run());
    return this.finish(run);
  }

  /**
   * The same training as `fit`, as an async iterator of the epochs:
   * `for await (const e of model.fitIter(X, y, options)) console.log(e.epoch, e.loss)`.
   * Breaking out of the loop stops training; the model keeps what it learned.
   */
  async *fitIter(X: FeaturesInput, y: Targets, options: FitOptions = {}): AsyncGenerator<EpochInfo, History, undefined> {
    const run = this.prepare(X, y, options, this.training);
    try {
      yield* run.run();
    } finally {
      this.adopt(run);
    }
    return this.finish(run);
  }

  /**
   * One more epoch over (X, y), continuing the optimizer, the schedule and the random stream of
   * the training so far (scikit-learn's partial_fit); the first call initializes.
   */
  async partialFit(X: FeaturesInput, y: Targets, options: Omit<FitOptions, 'maxEpochs' | 'resume' | 'validationSplit'> = {}): Promise<History> {
    for (const k of ['maxEpochs', 'resume', 'validationSplit'] as const) {
      if ((options as FitOptions)[k] !== undefined) {
        throw new InvalidOptionError(k, (options as FitOptions)[k], `partialFit runs one epoch over the rows it is given and takes no ${k}`);
      }
    }
    const state = this.training;
    // new rows: an epoch left unfinished by an earlier stop does not carry over
    const from = state ? { ...state, batch: 0, partial: null } : null;
    const run = this.prepare(X, y, { tolerance: null, ...options, maxEpochs: (state?.epoch ?? 0) + 1, resume: state !== null }, from);
    for await (const _ of run.run());
    return this.finish(run);
  }

  private prepare(X: FeaturesInput, y: Targets, options: FitOptions, from: TrainingState | null): TrainingRun {
    const config = validateFitOptions(options);
    const resume = config.resume;
    if (resume && (!this.fitted || !from)) {
      throw new InvalidOptionError('resume', true, `this ${this.modelName} has no training to resume: fit it first, or load a snapshot taken after fit`);
    }
    const x = toMatrix(X, config.nFeatures ?? (resume && isFlat(X) ? this.fitted!.nFeatures : undefined));
    if (resume && x.cols !== this.fitted!.nFeatures) {
      throw new InvalidDataError('SHAPE_MISMATCH', `X has ${x.cols} features per row but the training to resume has ${this.fitted!.nFeatures}`, {
        argument: 'X',
      });
    }
    const t = this.encodeTargets(y, x.rows, !resume);
    if (resume && this.outputs() !== this.fitted!.nOutputs) {
      throw new InvalidDataError('INVALID_LABEL', `the training to resume has ${this.fitted!.nOutputs} outputs, these targets make ${this.outputs()}`, {
        argument: 'y',
      });
    }
    const classes = this.classList();
    let sampleWeight = config.sampleWeight === undefined ? null : toSampleWeight(config.sampleWeight, x.rows);
    if (config.classWeight !== undefined) {
      if (!classes) throw new InvalidOptionError('classWeight', config.classWeight, `classWeight is for classifiers; ${this.modelName} is not one`);
      const cw = classWeights(config.classWeight, t, classes);
      const w = sampleWeight ?? new Float32Array(x.rows).fill(1);
      for (let i = 0; i < w.length; i++) w[i] *= cw[t[i]];
      sampleWeight = w;
    }
    let train: TrainData = { x, y: t, sampleWeight };
    let validation: TrainData | null = null;
    const seed = resume ? from!.seed : (config.seed ?? Rng.freshSeed());
    if (config.validationSplit !== undefined) {
      ({ train, validation } = splitValidation(train, config.validationSplit, seed, classes));
    } else if (config.validationData !== undefined) {
      const [vx, vy, vw] = config.validationData;
      const m = toMatrix(vx, x.cols, 'validationData[0]');
      if (m.cols !== x.cols) {
        throw new InvalidDataError('SHAPE_MISMATCH', `validationData has ${m.cols} features per row, X has ${x.cols}`, { argument: 'validationData[0]' });
      }
      validation = {
        x: m,
        y: this.encodeTargets(vy as Targets, m.rows, false, 'validationData[1]'),
        sampleWeight: vw === undefined ? null : toSampleWeight(vw, m.rows, 'validationData[2]'),
      };
    }
    const resumeFrom = resume ? { params: this.params(), state: from! } : null;
    return new TrainingRun(
      {
        objective: this.objective,
        nOutputs: this.outputs(),
        l2: this.l2,
        l1: this.l1,
        fitIntercept: this.fitIntercept,
        train,
        validation,
        score: this.scoreKind,
      },
      { ...config, seed },
      resumeFrom,
    );
  }

  /** Takes what a run ended with (also when it ended early); the run's error is left to the caller. */
  private adopt(run: TrainingRun): void {
    if (!run.params || !run.state) return;
    const k = this.outputs();
    const d = run.params.length / k - 1;
    this.fitted = { weights: run.params.slice(0, k * d), bias: run.params.slice(k * d), nFeatures: d, nOutputs: k };
    this.training = run.state;
  }

  private finish(run: TrainingRun): History {
    this.adopt(run);
    if (run.error) throw run.error;
    return run.history!;
  }

  get isFitted(): boolean {
    return this.fitted !== null;
  }

  protected get state(): Fitted {
    if (!this.fitted) throw new NotFittedError(this.modelName);
    return this.fitted;
  }

  /** θ = [W, b] in the engines' layout. */
  private params(): Float32Array {
    const { weights, bias } = this.state;
    const p = new Float32Array(weights.length + bias.length);
    p.set(weights);
    p.set(bias, weights.length);
    return p;
  }

  get nFeatures(): number {
    return this.state.nFeatures;
  }

  /** Reads X for prediction: a flat typed array is cut into rows of the fitted feature count. */
  protected features(X: FeaturesInput): Matrix {
    const { nFeatures } = this.state;
    const m = toMatrix(X, isFlat(X) ? nFeatures : undefined);
    if (m.cols !== nFeatures) {
      throw new InvalidDataError('SHAPE_MISMATCH', `X has ${m.cols} features per row but this ${this.modelName} was fitted on ${nFeatures}`, {
        argument: 'X',
      });
    }
    return m;
  }

  /** W·x + b for every row and output (rows × nOutputs, row-major), accumulated in float64. */
  protected scores(X: FeaturesInput): { z: Float64Array; rows: number } {
    const { data, rows, cols } = this.features(X);
    const { weights, bias, nOutputs: k } = this.state;
    const z = new Float64Array(rows * k);
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      for (let c = 0; c < k; c++) {
        let s = bias[c];
        const wo = c * cols;
        for (let j = 0; j < cols; j++) s += weights[wo + j] * data[o + j];
        z[r * k + c] = s;
      }
    }
    return { z, rows };
  }

  toJSON(): ModelJSON {
    const f = this.fitted;
    const classes = this.classList();
    return {
      format: FORMAT,
      version: VERSION,
      model: this.modelName,
      options: { l2: this.l2, l1: this.l1, fitIntercept: this.fitIntercept, ...this.extraOptions() },
      nFeatures: f ? f.nFeatures : null,
      nOutputs: f ? f.nOutputs : null,
      weights: f ? Array.from(f.weights) : null,
      bias: f ? Array.from(f.bias) : null,
      ...(classes ? { classes: classes as (string | number | boolean)[] } : {}),
      training: this.training ? structuredClone(this.training) : null,
    };
  }

  /** Reads the fields every model has; `restoreExtra` reads the subclass's (classes). */
  protected static restore<M extends LinearModel>(
    ctor: new (o: Record<string, unknown>) => M,
    name: string,
    json: unknown,
    restoreExtra: (model: M, j: Partial<ModelJSON>) => void = () => {},
  ): M {
    const j = (typeof json === 'string' ? parseJSON(json) : json) as Partial<ModelJSON> | null;
    if (j === null || typeof j !== 'object') throw new InvalidModelError(`expected a ${name} snapshot object, got ${j === null ? 'null' : typeof j}`);
    if (j.format !== FORMAT) throw new InvalidModelError(`not a minibatch model: format is ${JSON.stringify(j.format)}, expected "${FORMAT}"`);
    if (j.version !== VERSION) throw new InvalidModelError(`unsupported model version ${JSON.stringify(j.version)}: this build reads version ${VERSION}`);
    if (j.model !== name) throw new InvalidModelError(`this snapshot holds a ${JSON.stringify(j.model)}, not a ${name}`);
    let model: M;
    try {
      model = new ctor((j.options ?? {}) as Record<string, unknown>);
      restoreExtra(model, j);
    } catch (e) {
      if (e instanceof InvalidModelError) throw e;
      throw new InvalidModelError(`invalid options in the snapshot: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (j.weights === null && j.bias === null) return model;
    const { nFeatures: d, nOutputs: k } = j;
    if (!Number.isInteger(d) || !Number.isInteger(k) || (d as number) < 1 || (k as number) < 1) {
      throw new InvalidModelError(`the snapshot's nFeatures and nOutputs must be positive integers, got ${String(d)} and ${String(k)}`);
    }
    const weights = floats(j.weights, (d as number) * (k as number), 'weights');
    const bias = floats(j.bias, k as number, 'bias');
    model.fitted = { weights, bias, nFeatures: d as number, nOutputs: k as number };
    if (model.outputs() !== k) throw new InvalidModelError(`the snapshot has ${String(k)} outputs, its classes make ${model.outputs()}`);
    if (j.training !== undefined && j.training !== null) model.training = checkTraining(j.training, weights.length + bias.length);
    return model;
  }
}

function isFlat(X: unknown): boolean {
  return X instanceof Float32Array || X instanceof Float64Array;
}

function floats(v: unknown, length: number, field: string): Float32Array {
  if (!Array.isArray(v) || v.length !== length) throw new InvalidModelError(`the snapshot's ${field} must be an array of ${length} numbers`);
  const out = new Float32Array(length);
  v.forEach((x, i) => {
    out[i] = x;
    if (typeof x !== 'number' || !Number.isFinite(out[i])) throw new InvalidModelError(`the snapshot's ${field}[${i}] = ${String(x)} is not a finite float32`);
  });
  return out;
}

/** Checks the shape of a snapshot's training state (its numbers are checked again by the engine). */
function checkTraining(t: unknown, nParams: number): TrainingState {
  const s = t as TrainingState;
  const ints = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
  const ok =
    s !== null &&
    typeof s === 'object' &&
    s.version === 1 &&
    ints(s.seed) &&
    ints(s.epoch) &&
    ints(s.iteration) &&
    ints(s.batch) &&
    Array.isArray(s.rng) &&
    s.rng.every((v) => Number.isInteger(v)) &&
    s.optimizer !== null &&
    typeof s.optimizer === 'object' &&
    typeof s.optimizer.type === 'string' &&
    ints(s.optimizer.step) &&
    Array.isArray(s.optimizer.buffers) &&
    s.optimizer.buffers.length % nParams === 0 &&
    s.optimizer.buffers.every((v) => typeof v === 'number' && Number.isFinite(v)) &&
    s.tolerance !== null &&
    typeof s.tolerance === 'object' &&
    s.history !== null &&
    typeof s.history === 'object' &&
    ['loss', 'valLoss', 'valScore', 'learningRate', 'epochTimeMs'].every((k) => Array.isArray((s.history as unknown as Record<string, unknown>)[k]));
  if (!ok) throw new InvalidModelError('the snapshot\'s training state is malformed or truncated: load it without "training", or take a new snapshot');
  return structuredClone(s);
}

function parseJSON(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InvalidModelError(`the snapshot is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}
