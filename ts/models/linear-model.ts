/**
 * What every model shares (the linear models and the multi-layer perceptrons): θ in the engines'
 * layout for the model's stack of layers (../engine/layout.ts), options, training through the one
 * fit loop (fit, fitIter, partialFit, resume), the decision function (the forward pass through
 * the stack: W·x + b for the linear models), and a versioned snapshot that carries the training
 * state.
 */
import type { HiddenLayer, ObjectiveName, StagedFeatures } from '../engine/types.js';
import { type Shape, intercepts, layers, nParams, nWeights, weights } from '../engine/layout.js';
import { ACTIVATIONS, applyInPlace } from '../engine/js/activation.js';
import { type FeaturesInput, type Matrix, checkedElsewhere, copyRows, flatShape, isOwnArray, rowsShape, toMatrix } from '../data/matrix.js';
import { Dataset } from '../data/dataset.js';
import type { LabelEncoder } from '../data/encoders.js';
import { MinMaxScaler, StandardScaler } from '../data/scaler.js';
import { Rng } from '../data/random.js';
import { DivergenceError, InvalidDataError, InvalidModelError, InvalidOptionError, MinibatchError, NotFittedError } from '../errors.js';
import { type EpochInfo, type FitConfig, type FitOptions, type InitName, validateFitOptions } from '../train/options.js';
import { type History, type TrainData, type TrainStream, type TrainingState, TrainingRun, stageForFit } from '../train/loop.js';
import { checkTraining, describeValue, floats, parseJSON } from './snapshot.js';
import type { ClassLabels } from './classes.js';
import { type Chunk, CSVStream, checkChunk, checkedChunks } from '../data/stream.js';
import { classWeights, splitValidation, toSampleWeight } from '../train/validation.js';
import { boolean, nonNegativeFinite, plainObject, rejectUnknown } from '../train/validate.js';

/** Options of a model (its penalty and preprocessing), fixed at construction. */
export interface LinearModelOptions {
  /** λ of the (λ/2)‖W‖² penalty; the intercept is never penalized. Default 0. */
  l2?: number;
  /** λ₁ of the λ₁‖W‖₁ penalty, applied by a proximal (soft-threshold) step, so weights reach exactly 0. Default 0. */
  l1?: number;
  /** Learn the intercepts b. Default true. */
  fitIntercept?: boolean;
  /**
   * Scale the features before training: true for a StandardScaler, or a StandardScaler or
   * MinMaxScaler instance. It is fitted on the training rows only (not the validation rows),
   * saved with the model, and applied by predict. Default false.
   */
  standardize?: boolean | StandardScaler | MinMaxScaler;
}

/** The features of prediction and scoring: arrays, or a Dataset. */
export type Features = FeaturesInput | Dataset;
export type { Dataset };

/** Targets as users pass them: numbers, class labels for SoftmaxRegression and MLPClassifier,
 * or rows of numbers (one per output) for MLPRegressor with several outputs. */
export type Targets = ArrayLike<number> | readonly (string | number | boolean)[] | readonly ArrayLike<number>[];

/** The serialized form of a model (`toJSON()`), versioned. */
export interface ModelJSON {
  format: 'minibatch.model';
  version: 2;
  model: string;
  options: Record<string, unknown>;
  nFeatures: number | null;
  nOutputs: number | null;
  /** Every layer's W (outputs × inputs, row-major), layer after layer, as the engines' layout:
   * nOutputs × nFeatures for a linear model. */
  weights: number[] | null;
  /** Every layer's intercepts b, layer after layer: the nOutputs intercepts of a linear model. */
  bias: number[] | null;
  /** SoftmaxRegression: the class labels, class i at index i. */
  classes?: (string | number | boolean)[] | null;
  /** The feature scaler (`standardize`), fitted with the model. */
  preprocessing?: { type: 'StandardScaler' | 'MinMaxScaler'; state: unknown } | null;
  /** What `fit(…, { resume: true })` continues from. */
  training: TrainingState | null;
}

/** A fitted model: θ in the layout of its stack (every W, then every b), and the stack's shape. */
interface Fitted {
  readonly params: Float32Array;
  readonly shape: Shape;
  readonly nFeatures: number;
  readonly nOutputs: number;
}

/** θ and its shape as a Fitted. */
function fittedOf(params: Float32Array, shape: Shape): Fitted {
  return { params, shape, nFeatures: shape.nFeatures, nOutputs: shape.nOutputs };
}

/** The parts of a model that a fit replaces, captured together. */
interface ModelParts {
  readonly fitted: Fitted | null;
  readonly training: TrainingState | null;
  readonly scaler: StandardScaler | MinMaxScaler | null;
  readonly extra: unknown;
}

/** A run ready to start, with the model parts it installs when it ends well. */
interface Prepared {
  readonly run: TrainingRun;
  readonly parts: ModelParts;
  /** The features per row the run trains on. */
  readonly nFeatures: number;
}

interface FirstPass {
  readonly chunks: AsyncIterable<Chunk>;
  readonly nFeatures: number;
  /** The labels seen, in order of appearance, when the classes must be learned. */
  readonly labels: number[] | null;
  /** A scaler fitted on the whole stream, when the fit fits one. */
  readonly scaler: StandardScaler | MinMaxScaler | null;
}

/** `Symbol.dispose`'s type where the consumer's lib declares it (esnext, or Node's types), else never. */
export type DisposeKey = SymbolConstructor extends { readonly dispose: infer S extends symbol } ? S : never;
/** `Symbol.asyncDispose`'s type where the consumer's lib declares it, else never. */
export type AsyncDisposeKey = SymbolConstructor extends { readonly asyncDispose: infer S extends symbol } ? S : never;

/**
 * `fitIter`'s iterator: an async generator of the epochs that can also be disposed. It has
 * `[Symbol.dispose]` and `[Symbol.asyncDispose]` (the same as `dispose()`, for `using` and
 * `await using`); their types appear where the consumer's lib declares those symbols, so the
 * declarations also type-check under a plain ES2022 lib.
 */
export type FitIterator = AsyncGenerator<EpochInfo, History, undefined> & {
  /** Ends training now (as breaking out of the loop): the model keeps what it learned and the
   * wasm memory of the fit is freed at once. */
  dispose(): void;
} & { [K in DisposeKey]: () => void } & { [K in AsyncDisposeKey]: () => Promise<void> };

const FORMAT = 'minibatch.model';
const VERSION = 2;

/**
 * What every model shares: fit, fitIter, partialFit, the forward pass, toJSON (LinearModel's
 * LinearRegression, LogisticRegression and SoftmaxRegression, and the multi-layer perceptrons
 * MLPClassifier and MLPRegressor extend it).
 */
export abstract class Estimator {
  /** The name stored in `toJSON()`, e.g. 'LogisticRegression'. */
  protected abstract readonly modelName: string;
  protected abstract readonly objective: ObjectiveName;
  protected abstract readonly scoreKind: 'accuracy' | 'r2';
  readonly l2: number;
  readonly l1: number;
  readonly fitIntercept: boolean;
  protected fitted: Fitted | null = null;
  protected training: TrainingState | null = null;
  /** The `standardize` scaler (fitted by the first fit), or null. */
  protected scaler: StandardScaler | MinMaxScaler | null;
  /** True while a fit, partialFit or fitIter trains this model. */
  private busy = false;

  constructor(options: LinearModelOptions = {}, extra: readonly string[] = []) {
    const o = plainObject('model options', options);
    rejectUnknown(o, ['l2', 'l1', 'fitIntercept', 'standardize', ...extra], 'model');
    this.l2 = o.l2 === undefined ? 0 : nonNegativeFinite('l2', o.l2);
    this.l1 = o.l1 === undefined ? 0 : nonNegativeFinite('l1', o.l1);
    this.fitIntercept = o.fitIntercept === undefined ? true : boolean('fitIntercept', o.fitIntercept);
    const st = o.standardize;
    if (st === undefined || st === false) this.scaler = null;
    else if (st === true) this.scaler = new StandardScaler();
    else if (st instanceof StandardScaler || st instanceof MinMaxScaler) this.scaler = st;
    else throw new InvalidOptionError('standardize', st, 'standardize must be true, false, a StandardScaler or a MinMaxScaler');
  }

  /**
   * The classes of a classifier that takes any labels (SoftmaxRegression, MLPClassifier; set by
   * its constructor), which then learns, encodes, saves and restores them here; null otherwise.
   */
  protected labels: ClassLabels | null = null;

  /** A class label encoder that came with the data (a Dataset with a categorical target). */
  protected takeEncoder(encoder: LabelEncoder, learn: boolean): void {
    if (this.labels) return this.labels.take(encoder, learn);
    if (encoder.nClasses !== 2) {
      throw new InvalidDataError('INVALID_LABEL', `${this.modelName} needs a target with 2 classes, this dataset's has ${encoder.nClasses}`, { argument: 'y' });
    }
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

  /** The hidden layers of the model's stack, from the features' side (none for a linear model). */
  protected hiddenStack(): readonly HiddenLayer[] {
    return [];
  }

  /** The shape of the model's stack for d features and its outputs. */
  protected shapeFor(nFeatures: number): Shape {
    const hidden = this.hiddenStack();
    return { nFeatures, nOutputs: this.outputs(), ...(hidden.length > 0 ? { hidden } : {}) };
  }

  /**
   * The initialization a fit starts from, for the fit option `init` ('auto' by default): the
   * linear models' 'auto' is 'uniform' (PyTorch's nn.Linear); a network resolves it per layer.
   */
  protected resolveInit(init: InitName): InitName {
    return init === 'auto' ? 'uniform' : init;
  }

  /**
   * Trains on X (rows × features) and y by mini-batch gradient descent: from a fresh seeded
   * initialization, or, with `resume: true`, from where the last training stopped. On divergence
   * it throws a DivergenceError and keeps the parameters of the last finite epoch; on bad input
   * it throws before touching the model.
   */
  async fit(data: Dataset | AsyncIterable<Chunk>, options?: FitOptions): Promise<History>;
  async fit(X: FeaturesInput, y: Targets, options?: FitOptions): Promise<History>;
  async fit(a: FeaturesInput | Dataset | AsyncIterable<Chunk>, b?: Targets | FitOptions, c?: FitOptions): Promise<History> {
    const release = this.claim();
    try {
      const { X, y, options } = splitArgs(a, b, c);
      const prepared = await this.prepare(X, y, options, this.training);
      for await (const _ of prepared.run.run());
      return this.finish(prepared);
    } finally {
      release();
    }
  }

  /**
   * The same training as `fit`, as an async iterator of the epochs:
   * `for await (const e of model.fitIter(X, y, options)) console.log(e.epoch, e.loss)`.
   * Breaking out of the loop stops training; the model keeps what it learned. The model is
   * busy (MODEL_BUSY) from the first `next()` until the loop ends; `dispose()` (or `using`)
   * ends it at once and frees its wasm memory, as breaking out does.
   */
  fitIter(data: Dataset | AsyncIterable<Chunk>, options?: FitOptions): FitIterator;
  fitIter(X: FeaturesInput, y: Targets, options?: FitOptions): FitIterator;
  fitIter(a: FeaturesInput | Dataset | AsyncIterable<Chunk>, b?: Targets | FitOptions, c?: FitOptions): FitIterator {
    let current: TrainingRun | null = null;
    let disposed = false;
    const self = this;
    const gen = (async function* (): AsyncGenerator<EpochInfo, History, undefined> {
      if (disposed) throw new MinibatchError('DISPOSED', 'this fitIter was disposed before it started');
      const release = self.claim();
      try {
        const { X, y, options } = splitArgs(a, b, c);
        const prepared = await self.prepare(X, y, options, self.training);
        current = prepared.run;
        if (disposed) prepared.run.stop();
        try {
          yield* prepared.run.run();
        } finally {
          self.adopt(prepared);
        }
        return self.finish(prepared);
      } finally {
        current = null;
        release();
      }
    })();
    const dispose = (): void => {
      disposed = true;
      current?.stop();
      // the generator's own return() runs its cleanup (the model adopts what was learned)
      void gen.return(undefined as unknown as History).catch(() => {});
    };
    return Object.assign(gen, {
      dispose,
      [Symbol.dispose]: dispose,
      [Symbol.asyncDispose]: async () => {
        disposed = true;
        current?.stop();
        await gen.return(undefined as unknown as History);
      },
    });
  }

  /** Marks the model busy for one fit; a second fit, fitIter or partialFit meanwhile is refused. */
  private claim(): () => void {
    if (this.busy) {
      throw new MinibatchError(
        'MODEL_BUSY',
        `this ${this.modelName} is already training (a fit, partialFit or an open fitIter): wait for it, or end the fitIter (break, return() or dispose()); ` +
          'predict and toJSON meanwhile see the model as it was before that training',
      );
    }
    this.busy = true;
    return () => {
      this.busy = false;
    };
  }

  /**
   * One more epoch over (X, y), continuing the optimizer, the schedule and the random stream of
   * the training so far (scikit-learn's partial_fit); the first call initializes.
   */
  async partialFit(data: Dataset, options?: PartialFitOptions): Promise<History>;
  async partialFit(X: FeaturesInput, y: Targets, options?: PartialFitOptions): Promise<History>;
  async partialFit(a: FeaturesInput | Dataset, b?: Targets | PartialFitOptions, c?: PartialFitOptions): Promise<History> {
    const release = this.claim();
    try {
      const { X, y, options } = splitArgs(a, b, c);
      const o = plainObject('partialFit options', options);
      for (const k of ['maxEpochs', 'resume', 'validationSplit'] as const) {
        if (o[k] !== undefined) {
          throw new InvalidOptionError(k, o[k], `partialFit runs one epoch over the rows it is given and takes no ${k}`);
        }
      }
      const state = this.training;
      // new rows: an epoch left unfinished by an earlier stop does not carry over (nor its
      // entry in the history)
      const from = state ? withoutPartialEpoch(state) : null;
      const prepared = await this.prepare(X, y, { tolerance: null, ...o, maxEpochs: (state?.epoch ?? 0) + 1, resume: state !== null }, from);
      for await (const _ of prepared.run.run());
      return this.finish(prepared);
    } finally {
      release();
    }
  }

  /** What the model is, as one value: taken before a fit, put back when it fails. */
  private capture(): ModelParts {
    return { fitted: this.fitted, training: this.training, scaler: this.scaler, extra: this.captureExtra() };
  }

  private restoreParts(p: ModelParts): void {
    this.fitted = p.fitted;
    this.training = p.training;
    this.scaler = p.scaler;
    this.restoreExtra(p.extra);
  }

  /** A subclass's own part of the model (SoftmaxRegression: its classes). */
  protected captureExtra(): unknown {
    return this.labels ? this.labels.encoder : null;
  }

  protected restoreExtra(extra: unknown): void {
    if (this.labels) this.labels.encoder = extra as LabelEncoder;
  }

  /**
   * Checks everything and builds the run. The model itself does not change: what the run will
   * install (a refitted scaler, new classes) is staged in `parts`, and the model keeps its
   * current parts until the run ends well (`adopt`), so a failure leaves it exactly as it was
   * and predict during training sees the model as it was before.
   */
  private async prepare(
    X: FeaturesInput | Dataset | AsyncIterable<Chunk>,
    y: Targets | undefined,
    options: FitOptions,
    from: TrainingState | null,
  ): Promise<Prepared> {
    const checked = validateFitOptions(options);
    const config = checked.resume ? checked : Object.freeze({ ...checked, init: this.resolveInit(checked.init) });
    const resume = config.resume;
    if (resume && (!this.fitted || !from)) {
      throw new InvalidOptionError('resume', true, `this ${this.modelName} has no training to resume: fit it first, or load a snapshot taken after fit`);
    }
    // the only awaits: a stream's first pass, or the copy of the features into the engine's
    // memory, which read and check the data without touching the model; everything after them is
    // synchronous, so nothing sees the staged parts
    const pass = isChunks(X) ? await this.firstPass(X, config) : null;
    const rows = pass ? null : await this.stageArrays(X as FeaturesInput | Dataset, y, config);
    const before = this.capture();
    try {
      const run = pass ? this.prepareStream(pass, config, from) : this.prepareRows(rows!.dataset, rows!.x, y, config, from, rows!.staged);
      return { run, parts: this.capture(), nFeatures: pass ? pass.nFeatures : rows!.x.cols };
    } catch (e) {
      rows?.staged?.dispose(); // a fit rejected after its features were copied in
      throw e;
    } finally {
      this.restoreParts(before);
    }
  }

  /** The training rows as a Matrix, their features copied into the engine's memory (and checked) where they reach it untransformed. */
  private async stageArrays(
    X: FeaturesInput | Dataset,
    y: Targets | undefined,
    config: FitConfig,
  ): Promise<{ dataset: Dataset | null; x: Matrix; staged: StagedFeatures | null }> {
    const resume = config.resume;
    const dataset = X instanceof Dataset ? X : null;
    if (dataset && !dataset.y) throw new InvalidDataError('INVALID_DATA', 'this Dataset has no targets: give it a target column to train on', { argument: 'data' });
    if (!dataset && y === undefined) throw new InvalidDataError('INVALID_DATA', 'fit(X, y) needs the targets y', { argument: 'y' });
    const nFeatures = config.nFeatures ?? (resume && isFlat(X) ? this.fitted!.nFeatures : undefined);
    // Features that reach the engine untransformed are copied into its memory here, checked in
    // the same pass (the wasm engine; a Dataset's own arrays may keep that copy for the next fit)
    const direct = !this.scaler && config.validationSplit === undefined;
    let staged = null as StagedFeatures | null;
    let x: Matrix;
    const take = (s: StagedFeatures | 'checked' | null): boolean => {
      staged = s === 'checked' ? null : s;
      return s !== null;
    };
    if (dataset) {
      x = dataset.x;
      if (direct) take(await stageForFit(x.data, x.cols, config, 'X', isOwnArray(x.data)));
    } else if (direct && isFlat(X)) {
      const flat = X as Float32Array | Float64Array;
      const { rows, cols } = flatShape(flat, nFeatures);
      x = take(await stageForFit(flat, cols, config, 'X', false)) ? checkedElsewhere(flat, rows, cols) : toMatrix(X, nFeatures);
    } else if (direct && Array.isArray(X)) {
      // rows: checked as they are written straight into wasm memory
      const { rows, cols } = rowsShape(X, nFeatures);
      const write = (dst: Float32Array, from: number, to: number) => copyRows(X, cols, dst, 'X', from, to);
      x = take(await stageForFit({ length: rows * cols, write }, cols, config, 'X', false)) ? checkedElsewhere(X, rows, cols) : toMatrix(X, nFeatures);
    } else x = toMatrix(X, nFeatures);
    return { dataset, x, staged };
  }

  private prepareRows(dataset: Dataset | null, x: Matrix, y: Targets | undefined, config: FitConfig, from: TrainingState | null, staged: StagedFeatures | null): TrainingRun {
    const resume = config.resume;
    if (resume && x.cols !== this.fitted!.nFeatures) {
      throw new InvalidDataError('SHAPE_MISMATCH', `X has ${x.cols} features per row but the training to resume has ${this.fitted!.nFeatures}`, {
        argument: 'X',
      });
    }
    if (dataset?.labelEncoder) this.takeEncoder(dataset.labelEncoder, !resume);
    const t = this.encodeTargets(dataset ? this.datasetTargets(dataset) : y!, x.rows, !resume && !dataset?.labelEncoder);
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
      let total = 0;
      for (let i = 0; i < w.length; i++) {
        w[i] *= cw[t[i]];
        total += w[i];
      }
      // float32, as the engines hold them: 1e30 × 1e10 is Infinity there
      if (!Number.isFinite(total) || total === 0) {
        throw new InvalidOptionError(
          'classWeight',
          config.classWeight,
          total === 0 ? 'classWeight × sampleWeight is zero for every row: nothing would be learned' : 'classWeight × sampleWeight overflows float32 (about 3.4e38): use smaller weights',
        );
      }
      sampleWeight = w;
    }
    let train: TrainData = { x, y: t, sampleWeight, staged };
    let validation: TrainData | null = null;
    const seed = resume ? from!.seed : (config.seed ?? Rng.freshSeed());
    if (config.validationSplit !== undefined) {
      ({ train, validation } = splitValidation(train, config.validationSplit, seed, classes));
      if (validation.sampleWeight && !validation.sampleWeight.some((w) => w > 0)) {
        // the validation loss, Σ s·ℓ / Σ s, would be 0 / 0
        throw new InvalidOptionError('validationSplit', config.validationSplit, 'every held-out row has weight 0, so the validation loss is undefined: pass validationData, or weights that are not 0');
      }
    } else if (config.validationData !== undefined) {
      validation = this.validationRows(config.validationData, x.cols);
    }
    if (this.scaler) {
      // fitted on the training rows only, as a new scaler (the model's own stays as it is until
      // the fit succeeds); a resumed training keeps the scaler it started with
      if (!resume) this.scaler = freshScaler(this.scaler).fit(train.x);
      train = { ...train, x: scaled(this.scaler, train.x, 'X') };
      if (validation) validation = { ...validation, x: scaled(this.scaler, validation.x, 'validation rows') };
    }
    const resumeFrom = resume ? { params: this.params(), state: from! } : null;
    return this.newRun(train, validation, { ...config, seed }, resumeFrom);
  }

  /**
   * A stream fit's first look at the source (before the model changes): the options that do not
   * apply to streams, the width, and, when the fit needs them, the classes a classifier has not
   * been told and the scaler's statistics (one pass). Every chunk is checked on the way.
   */
  private async firstPass(chunks: AsyncIterable<Chunk>, config: FitConfig): Promise<FirstPass> {
    const resume = config.resume;
    for (const k of ['sampleWeight', 'classWeight', 'validationSplit'] as const) {
      if (config[k] !== undefined) {
        throw new InvalidOptionError(k, config[k], `${k} is not available when training on a stream: give the rows in memory, or validationData for validation`);
      }
    }
    let nFeatures = chunks instanceof CSVStream ? chunks.nFeatures : undefined;
    const needClasses = !resume && this.needsClasses(chunks);
    const labels: number[] = [];
    let scaler: StandardScaler | MinMaxScaler | null = null;
    if (nFeatures === undefined || needClasses || (this.scaler && !resume)) {
      // one first pass: the width, the classes a classifier has not been told, the scaler
      const seen = new Set<number>();
      const fresh = this.scaler && !resume ? freshScaler(this.scaler) : null;
      let rows = 0;
      let index = 0;
      for await (const raw of chunks) {
        const c = checkChunk(raw, index++, nFeatures);
        nFeatures ??= c.x.cols;
        rows += c.x.rows;
        if (needClasses) {
          for (const v of c.y) {
            if (!seen.has(v)) {
              seen.add(v);
              labels.push(v);
            }
          }
        }
        fresh?.partialFit(c);
      }
      if (rows === 0) throw new InvalidDataError('EMPTY_DATA', 'the stream has no rows', { argument: 'data' });
      scaler = fresh;
    }
    return { chunks, nFeatures: nFeatures!, labels: needClasses ? labels : null, scaler };
  }

  /**
   * A fit on a stream of chunks (Dataset.streamCSV, shuffleBuffer, or any re-iterable async
   * iterable of { x, y }): each epoch reads the source again; the rows pass through a seeded
   * shuffle buffer; the scaler is fitted in a first pass; memory stays bounded by the chunk,
   * the buffer and one block of rows. Every chunk is checked again in every epoch.
   */
  private prepareStream(pass: FirstPass, config: FitConfig, from: TrainingState | null): TrainingRun {
    const resume = config.resume;
    const { chunks, nFeatures: d } = pass;
    if (chunks instanceof CSVStream && chunks.labelEncoder) this.takeEncoder(chunks.labelEncoder, !resume);
    if (pass.scaler) this.scaler = pass.scaler;
    if (pass.labels) this.encodeTargets(pass.labels, pass.labels.length, true);
    if (resume && d !== this.fitted!.nFeatures) {
      throw new InvalidDataError('SHAPE_MISMATCH', `the stream has ${d} features per row but the training to resume has ${this.fitted!.nFeatures}`, { argument: 'data' });
    }
    if (resume && this.outputs() !== this.fitted!.nOutputs) {
      throw new InvalidDataError('INVALID_LABEL', `the training to resume has ${this.fitted!.nOutputs} outputs, this stream's classes make ${this.outputs()}`, {
        argument: 'data',
      });
    }
    const scaler = this.scaler;
    // the encoder as it is now (staged): the model may put its old one back while training runs
    const encode = this.targetEncoder();
    const stream: TrainStream = {
      chunks: checkedChunks(chunks, d),
      nFeatures: d,
      shuffleBufferRows: config.shuffleBufferRows,
      convert: (c) => ({ x: scaler ? scaled(scaler, c.x, 'data') : c.x, y: encode(this.chunkTargets(c, chunks), c.x.rows), sampleWeight: null }),
    };
    let validation: TrainData | null = null;
    if (config.validationData !== undefined) validation = this.validationRows(config.validationData, d);
    if (validation && scaler) validation = { ...validation, x: scaled(scaler, validation.x, 'validationData[0]') };
    const seed = resume ? from!.seed : (config.seed ?? Rng.freshSeed());
    const resumeFrom = resume ? { params: this.params(), state: from! } : null;
    return this.newRun(stream, validation, { ...config, seed }, resumeFrom);
  }

  /** encodeTargets of the model's current classes, fixed: for a stream's chunks, read while training runs. */
  protected targetEncoder(): (y: Targets, rows: number) => Float32Array {
    if (this.labels) return this.labels.targetEncoder();
    return (y, rows) => this.encodeTargets(y, rows, false);
  }

  /** Whether a fresh fit must learn the classes from the targets (a classifier of any labels without `classes`). */
  private needsClasses(source: AsyncIterable<Chunk>): boolean {
    return this.labels ? this.labels.needsClasses(source) : false;
  }

  /** A chunk's targets as encodeTargets reads them (class labels when the stream encoded them). */
  private chunkTargets(c: Chunk, source: AsyncIterable<Chunk>): Targets {
    return this.labels ? this.labels.chunkTargets(c, source) : c.y;
  }

  private validationRows(data: readonly unknown[], d: number): TrainData {
    const [vx, vy, vw] = data;
    const m = toMatrix(vx, d, 'validationData[0]');
    if (m.cols !== d) {
      throw new InvalidDataError('SHAPE_MISMATCH', `validationData has ${m.cols} features per row, the training data ${d}`, { argument: 'validationData[0]' });
    }
    return {
      x: m,
      y: this.encodeTargets(vy as Targets, m.rows, false, 'validationData[1]'),
      sampleWeight: vw === undefined ? null : toSampleWeight(vw, m.rows, 'validationData[2]'),
    };
  }

  private newRun(train: TrainData | TrainStream, validation: TrainData | null, config: FitConfig, resumeFrom: { params: Float32Array; state: TrainingState } | null): TrainingRun {
    const hidden = this.hiddenStack();
    return new TrainingRun(
      {
        objective: this.objective,
        nOutputs: this.outputs(),
        ...(hidden.length > 0 ? { hidden } : {}),
        l2: this.l2,
        l1: this.l1,
        fitIntercept: this.fitIntercept,
        train,
        validation,
        score: this.scoreKind,
      },
      config,
      resumeFrom,
    );
  }

  /**
   * Installs what a run ended with, with the parts it was prepared with: when it ran to a stop
   * (also an early one: abort, time, a fitIter left) or diverged (the last finite epoch's θ, as
   * documented). A run that failed otherwise (a stream that errors, a callback that throws, a
   * schedule's bad rate) leaves the model as it was. The run's error is left to the caller.
   */
  private adopt({ run, parts, nFeatures }: Prepared): void {
    if (!run.params || !run.state) return;
    if (run.error !== null && !(run.error instanceof DivergenceError)) return;
    if (run.adopted) return;
    run.adopted = true;
    this.restoreParts(parts);
    this.fitted = fittedOf(run.params.slice(), this.shapeFor(nFeatures));
    this.training = run.state;
  }

  private finish(prepared: Prepared): History {
    this.adopt(prepared);
    if (prepared.run.error) throw prepared.run.error;
    return prepared.run.history!;
  }

  /** True for the classifiers (their score is the accuracy), false for regression (R²). */
  get isClassifier(): boolean {
    return this.scoreKind === 'accuracy';
  }

  get isFitted(): boolean {
    return this.fitted !== null;
  }

  protected get state(): Fitted {
    if (!this.fitted) throw new NotFittedError(this.modelName);
    return this.fitted;
  }

  /** A copy of θ in the engines' layout (every W, then every b). */
  private params(): Float32Array {
    return this.state.params.slice();
  }

  /** The weights of a linear model: W, nOutputs × nFeatures, row-major (a copy). */
  protected linearWeights(): Float32Array {
    const { params, shape } = this.state;
    return params.slice(0, nWeights(shape));
  }

  /** The intercepts of a linear model: b, one per output (a copy). */
  protected linearBias(): Float32Array {
    const { params, shape } = this.state;
    return params.slice(nWeights(shape));
  }

  get nFeatures(): number {
    return this.state.nFeatures;
  }

  /** Reads X for prediction (a flat typed array is cut into rows of the fitted feature count) and
   * applies the model's scaler. */
  protected features(X: Features): Matrix {
    const { nFeatures } = this.state;
    const m = X instanceof Dataset ? X.x : toMatrix(X, isFlat(X) ? nFeatures : undefined);
    if (m.cols !== nFeatures) {
      throw new InvalidDataError('SHAPE_MISMATCH', `X has ${m.cols} features per row but this ${this.modelName} was fitted on ${nFeatures}`, {
        argument: 'X',
      });
    }
    return this.scaler ? this.scaler.transform(m) : m;
  }

  /** A Dataset's targets as this model reads them: values, or class indices (0/1 for
   * LogisticRegression); a classifier of any labels reads the class labels. */
  private datasetTargets(d: Dataset): Targets {
    return this.labels ? this.labels.datasetTargets(d) : d.y!;
  }

  /** The targets of score(): y, or the Dataset's own. */
  protected scoreTargets(X: Features, y: Targets | undefined): Targets {
    if (y !== undefined) return y;
    if (X instanceof Dataset && X.y) return this.datasetTargets(X);
    throw new InvalidDataError('INVALID_DATA', 'score(X, y) needs the targets y', { argument: 'y' });
  }

  /** A new, unfitted model with the same options (for cross-validation). */
  clone(): this {
    const json = this.toJSON();
    const ctor = this.constructor as unknown as { fromJSON(j: ModelJSON): Estimator };
    const scaler = this.scaler ? freshScaler(this.scaler) : null;
    const copy = ctor.fromJSON({ ...json, nFeatures: null, nOutputs: null, weights: null, bias: null, training: null, preprocessing: null, ...(json.options.classes ? {} : { classes: null }) }) as this;
    copy.scaler = scaler;
    return copy;
  }

  /**
   * The output layer's z for every row and output (rows × nOutputs, row-major): the forward pass
   * through the stack in float64 from the float32 parameters (W·x + b for a linear model).
   */
  protected scores(X: Features): { z: Float64Array; rows: number } {
    const { data, rows } = this.features(X);
    const { params, shape } = this.state;
    return { z: forward(shape, params, data, rows), rows };
  }

  /** The model as plain JSON (parameters, options, encoders, optimizer state), for `fromJSON`. */
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
      weights: f ? Array.from(f.params.subarray(0, nWeights(f.shape))) : null,
      bias: f ? Array.from(f.params.subarray(nWeights(f.shape))) : null,
      ...(classes ? { classes: classes as (string | number | boolean)[] } : {}),
      // also unfitted: the model's `standardize` option is part of what it is
      preprocessing:
        this.scaler
          ? { type: this.scaler instanceof StandardScaler ? 'StandardScaler' : 'MinMaxScaler', state: this.scaler.toJSON() }
          : null,
      training: this.training ? structuredClone(this.training) : null,
    };
  }

  /** Reads the fields every model has; `restoreExtra` reads the subclass's (classes). */
  protected static restore<M extends Estimator>(
    ctor: new (o: Record<string, unknown>) => M,
    name: string,
    json: unknown,
    restoreExtra: (model: M, j: Partial<ModelJSON>) => void = () => {},
  ): M {
    try {
      return Estimator.read(ctor, name, json, restoreExtra);
    } catch (e) {
      if (e instanceof MinibatchError) throw e;
      // whatever a hostile snapshot provokes (a getter that throws, nesting deeper than the stack)
      throw new InvalidModelError(`the snapshot cannot be read: ${e instanceof Error ? e.message : describeValue(e)}`, { cause: e });
    }
  }

  private static read<M extends Estimator>(
    ctor: new (o: Record<string, unknown>) => M,
    name: string,
    json: unknown,
    restoreExtra: (model: M, j: Partial<ModelJSON>) => void,
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
    if (j.preprocessing) {
      const { type, state } = j.preprocessing;
      if (type === 'StandardScaler') model.scaler = StandardScaler.fromJSON(state);
      else if (type === 'MinMaxScaler') model.scaler = MinMaxScaler.fromJSON(state);
      else throw new InvalidModelError(`unknown preprocessing ${JSON.stringify(type)} in the snapshot`);
    }
    if (j.weights === null && j.bias === null) return model;
    const { nFeatures: d, nOutputs: k } = j;
    if (!Number.isInteger(d) || !Number.isInteger(k) || (d as number) < 1 || (k as number) < 1) {
      throw new InvalidModelError(`the snapshot's nFeatures and nOutputs must be positive integers, got ${String(d)} and ${String(k)}`);
    }
    if (model.outputs() !== k) throw new InvalidModelError(`the snapshot has ${String(k)} outputs, its classes make ${model.outputs()}`);
    const shape = model.shapeFor(d as number);
    const nW = nWeights(shape);
    const weights = floats(j.weights, nW, 'weights');
    const bias = floats(j.bias, nParams(shape) - nW, 'bias');
    const params = new Float32Array(weights.length + bias.length);
    params.set(weights);
    params.set(bias, weights.length);
    model.fitted = fittedOf(params, shape);
    if (j.training !== undefined && j.training !== null) model.training = checkTraining(j.training, params.length);
    if (model.scaler && (!model.scaler.isFitted || model.scaler.nFeatures !== d)) {
      throw new InvalidModelError(`the snapshot's scaler is ${model.scaler.isFitted ? `fitted on ${model.scaler.nFeatures} columns` : 'not fitted'}, the model on ${String(d)}`);
    }
    return model;
  }
}

/** The state as of the last completed epoch: an unfinished epoch's batches and sums dropped. */
function withoutPartialEpoch(s: TrainingState): TrainingState {
  if (!s.partial && s.batch === 0) return s;
  const h = s.history;
  const cut = s.partial ? -1 : h.loss.length;
  return {
    ...s,
    batch: 0,
    partial: null,
    history: { ...h, loss: h.loss.slice(0, cut), learningRate: h.learningRate.slice(0, cut), epochTimeMs: h.epochTimeMs.slice(0, cut) },
  };
}

/** Options of `partialFit`: those of `fit` but the ones about a whole training run. */
export type PartialFitOptions = Omit<FitOptions, 'maxEpochs' | 'resume' | 'validationSplit'>;

function isChunks(X: unknown): X is AsyncIterable<Chunk> {
  return X !== null && typeof X === 'object' && typeof (X as AsyncIterable<Chunk>)[Symbol.asyncIterator] === 'function';
}

/**
 * The linear models (LinearRegression, LogisticRegression, SoftmaxRegression): the stack with no
 * hidden layer, one dense layer z = W·x + b.
 */
export abstract class LinearModel extends Estimator {}

/** LinearRegression and LogisticRegression: one output, so w is a vector and b a number. */
export abstract class SingleOutputModel extends LinearModel {
  protected outputs(): number {
    return 1;
  }

  /** The learned weights w (a copy, float32). */
  get weights(): Float32Array {
    return this.linearWeights();
  }

  /** The learned intercept b. */
  get bias(): number {
    return this.state.params[this.state.nFeatures];
  }

  /** w·x + b for every row. */
  decisionFunction(X: Features): Float64Array {
    return this.scores(X).z;
  }
}

/**
 * The rows as the scaler maps them, checked: a column whose spread in the training rows is
 * tiny (a standard deviation of 1e-45, say) can map other rows past float32's range, which no
 * engine can train on.
 */
function scaled(scaler: StandardScaler | MinMaxScaler, m: Matrix, argument: string): Matrix {
  const out = scaler.transform(m);
  for (let i = 0; i < out.data.length; i++) {
    if (!Number.isFinite(out.data[i])) {
      const row = Math.floor(i / out.cols);
      const column = i % out.cols;
      throw new InvalidDataError(
        'INVALID_DATA',
        `${argument}[${row}][${column}] = ${m.data[i]} becomes ${out.data[i]} after the model's ${scaler.constructor.name} (fitted on the training rows): ` +
          `column ${column} varies too little there to be scaled; drop it, rescale it, or turn standardize off (row ${row}, column ${column})`,
        { argument, row, column },
      );
    }
  }
  return out;
}

/** An unfitted scaler with the same options. */
function freshScaler(s: StandardScaler | MinMaxScaler): StandardScaler | MinMaxScaler {
  return s instanceof StandardScaler
    ? new StandardScaler({ withMean: s.withMean, withStd: s.withStd })
    : new MinMaxScaler({ featureRange: s.featureRange });
}

/** fit(dataset or stream, options) or fit(X, y, options). */
function splitArgs<O>(
  a: FeaturesInput | Dataset | AsyncIterable<Chunk>,
  b: Targets | O | undefined,
  c: O | undefined,
): { X: FeaturesInput | Dataset | AsyncIterable<Chunk>; y: Targets | undefined; options: O } {
  if (a instanceof Dataset || isChunks(a)) {
    if (c !== undefined) throw new InvalidOptionError('options', c, 'fit(dataset, options) takes the targets from the dataset: pass the options second');
    return { X: a, y: undefined, options: (b ?? {}) as O };
  }
  return { X: a, y: b as Targets | undefined, options: (c ?? {}) as O };
}

/**
 * The forward pass through the stack (../engine/types.ts, "The gradient through the stack"), in
 * float64 from the float32 parameters: the output layer's z of every row, rows × nOutputs,
 * row-major. Each unit's sum starts from its intercept and adds the inputs in order (for a
 * linear model exactly the sum W·x + b that the models have always computed).
 */
function forward(shape: Shape, params: Float32Array, x: ArrayLike<number>, rows: number): Float64Array {
  let a: ArrayLike<number> = x;
  for (const [l, layer] of layers(shape).entries()) {
    const { inputs, outputs } = layer;
    const [w] = weights(shape, l);
    const [b] = intercepts(shape, l);
    const z = new Float64Array(rows * outputs);
    for (let r = 0; r < rows; r++) {
      const o = r * inputs;
      for (let c = 0; c < outputs; c++) {
        let s = params[b + c];
        const wo = w + c * inputs;
        for (let j = 0; j < inputs; j++) s += params[wo + j] * a[o + j];
        z[r * outputs + c] = s;
      }
    }
    applyInPlace(ACTIVATIONS[layer.activation], z, z.length);
    a = z;
  }
  return a as Float64Array;
}

/**
 * R² = 1 − SS_res / SS_tot of output j of k (targets t and predictions p, rows × k, row-major);
 * scikit-learn's convention for a constant target: 1 when predicted exactly, else 0.
 */
export function rSquared(t: ArrayLike<number>, p: ArrayLike<number>, j = 0, k = 1): number {
  const n = t.length / k;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += t[i * k + j];
  mean /= n;
  let res = 0;
  let tot = 0;
  for (let i = 0; i < n; i++) {
    res += (t[i * k + j] - p[i * k + j]) ** 2;
    tot += (t[i * k + j] - mean) ** 2;
  }
  if (tot === 0) return res === 0 ? 1 : 0;
  return 1 - res / tot;
}

/** σ(z) without overflow for either sign. */
export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

function isFlat(X: unknown): boolean {
  return X instanceof Float32Array || X instanceof Float64Array;
}
