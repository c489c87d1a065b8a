/**
 * The options of `fit`, their defaults, and their validation into a `FitConfig`: every option
 * resolved once, here (the optimizer into the engine's spec, the learning rate into a schedule,
 * early stopping with its monitor), into one frozen, fully typed object that the fit loop reads
 * and never finishes.
 */
import type { EngineName } from '../engine/types.js';
import { InvalidOptionError } from '../errors.js';
import { type EarlyStoppingConfig, type EarlyStoppingOption, resolveEarlyStopping } from './early-stopping.js';
import { type OptimizerOption, type ResolvedOptimizer, resolveOptimizer } from './optimizers.js';
import { type LearningRateOption, type ScheduleConfig, scheduleConfig } from './schedules.js';
import {
  boolean,
  nonNegativeFinite,
  oneOf,
  plainObject,
  positiveFinite,
  positiveInteger,
  rejectUnknown,
  seed,
  show,
} from './validate.js';

/** What `onEpochEnd` receives (and `fitIter` yields) after every epoch. */
export interface EpochInfo {
  /** 1-based. */
  readonly epoch: number;
  /** Mean training objective over the epoch's rows (each at the parameters its batch used). */
  readonly loss: number;
  /** Validation objective (mean weighted loss + penalty) at the end of the epoch, when there is validation data. */
  readonly valLoss?: number;
  /** Validation accuracy (classifiers) or R² (regression), when there is validation data. */
  readonly valScore?: number;
  /** The learning rate of the epoch's last update. */
  readonly learningRate: number;
  /** Updates so far, all epochs together. */
  readonly iterations: number;
  readonly timeMs: number;
}

/** What `onBatchEnd` receives. */
export interface BatchInfo {
  readonly epoch: number;
  /** Batches done in this epoch. */
  readonly batch: number;
  readonly iterations: number;
  /** Mean loss of the rows since the previous call. */
  readonly loss: number;
}

/** Options of `fit` (batch size, epochs, learning rate, optimizer, stopping, validation, engine, threads, callbacks). */
export interface FitOptions {
  /** Rows per update. 1 is stochastic gradient descent; the row count is batch gradient descent. Default 32. */
  batchSize?: number;
  /** Most passes over the data (counted from the first fit when resuming). Default 100. */
  maxEpochs?: number;
  /** Most updates (batches), counted over all epochs; may stop mid-epoch. Default Infinity. */
  maxIterations?: number;
  /** A number, a schedule ({ type: 'cosine', initial: 0.1, … }) or (epoch, iteration) => rate. Default 0.01. */
  learningRate?: LearningRateOption;
  /** 'sgd' (default), 'adagrad', 'rmsprop', 'adam', 'adamw', or an object with the hyperparameters. */
  optimizer?: OptimizerOption;
  /** An epoch whose training loss is not below the best so far minus `tolerance` does not count as
   * an improvement; null turns this criterion off. Default 1e-4. */
  tolerance?: number | null;
  /** Stop after this many epochs in a row without improvement. Default 5 (scikit-learn's n_iter_no_change). */
  patience?: number;
  /** Fixes the initialization, every shuffle and the validation split. Default: a fresh random seed, recorded in `history.seed`. */
  seed?: number;
  /** Reshuffle the rows before every epoch. Default true. */
  shuffle?: boolean;
  /** Skip each epoch's last batch when it is shorter than batchSize. Default false. */
  dropLast?: boolean;
  /** 'wasm' (default, falls back to 'js' with a notice where WebAssembly SIMD is missing) or 'js'. */
  engine?: EngineName;
  /**
   * Threads that share each large batch (wasm engine): 1 (default), a number, or 'auto' (one
   * per core). The batch is cut at fixed places and the parts are added in a fixed order, so a
   * fit is repeatable for a given number of threads; it differs from a one-thread fit only by
   * float32 rounding. Needs SharedArrayBuffer (in browsers, a cross-origin isolated page);
   * elsewhere, and with the js engine, training runs on one thread with a notice. The number
   * used is in `history.threads`.
   */
  threads?: number | 'auto';
  /**
   * Initial parameters (drawn from the fit's seed). 'auto' (default): 'uniform' for the linear
   * models; for the multi-layer perceptrons, He uniform for each layer whose activation is relu or
   * leakyRelu and Glorot uniform for the others (the output layer too), intercepts 0 (Keras'
   * Dense defaults, with He for rectifiers). 'uniform': W and b from U(−1/√inputs, 1/√inputs)
   * per layer, as PyTorch's nn.Linear. 'glorot': every layer's W from U(±√(6/(inputs + outputs))),
   * 'he': from U(±√(6/inputs)), intercepts 0. 'zeros': all 0, as scikit-learn's linear models
   * (refused for a network with hidden layers, whose units would then stay alike).
   */
  init?: InitName;
  /** Features per row, needed when X is a flat typed array. */
  nFeatures?: number;
  /** One weight ≥ 0 per row; multiplies the row's loss. */
  sampleWeight?: ArrayLike<number>;
  /** Classifiers: 'balanced' (n / (k · count of the class), as scikit-learn) or { [label]: weight }. */
  classWeight?: 'balanced' | Record<string, number>;
  /** [X, y] or [X, y, sampleWeight] to validate on after every epoch. */
  validationData?: readonly unknown[];
  /** Fraction of the rows held out for validation: seeded, shuffled, stratified for classifiers. */
  validationSplit?: number;
  /** true, or { monitor, minDelta, patience, restoreBestWeights }. */
  earlyStopping?: boolean | EarlyStoppingOption;
  /** Called after every epoch; training waits for a returned promise. */
  onEpochEnd?: (info: EpochInfo) => void | Promise<void>;
  /** Called every `onBatchEndEvery` updates. */
  onBatchEnd?: (info: BatchInfo) => void;
  /** Updates between onBatchEnd calls. Default 1. */
  onBatchEndEvery?: number;
  /**
   * Record the parameters while training, into `history.path`: true records θ before the first
   * update and after every update; a number k records after every k-th update. Recording reads θ
   * between engine calls and never changes what is learned (same bits with and without). Memory:
   * one row of all the parameters per record, so meant for small models (the descent paths).
   * Default false.
   */
  recordPath?: boolean | number;
  /** Stops training (stopReason 'aborted'); the model keeps what it learned so far. */
  signal?: AbortSignal;
  /** Stops training after this much time (stopReason 'maxTime'). Default Infinity. */
  maxTimeMs?: number;
  /** Gives the event loop a turn at least this often, so that a page stays responsive; 0 never. Default 50. */
  yieldEveryMs?: number;
  /** Training on a stream: rows of the seeded shuffle buffer the rows pass through (bounded memory). Default 65536. */
  shuffleBufferRows?: number;
  /** Continue the previous training of this model (from its state, or from a snapshot loaded with
   * fromJSON) instead of starting afresh; maxEpochs and maxIterations count from its first epoch. */
  resume?: boolean;
}

/** The fit option `init`: how θ is drawn before the first update (FitOptions.init). */
export type InitName = 'auto' | 'uniform' | 'zeros' | 'glorot' | 'he';

/** The fit options resolved (validateFitOptions): frozen, every default filled. */
export interface FitConfig {
  readonly batchSize: number;
  readonly maxEpochs: number;
  readonly maxIterations: number;
  /** The learningRate option as a schedule to start (see ScheduleConfig). */
  readonly learningRate: ScheduleConfig;
  readonly optimizer: ResolvedOptimizer;
  readonly tolerance: number | null;
  readonly patience: number;
  readonly seed: number | undefined;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly engine: EngineName | undefined;
  readonly threads: number | 'auto';
  /** 'auto' until the model resolves it (a linear model's 'auto' is 'uniform'; a network's stays 'auto': He or Glorot per layer). */
  readonly init: InitName;
  readonly nFeatures: number | undefined;
  readonly sampleWeight: ArrayLike<number> | undefined;
  readonly classWeight: 'balanced' | Record<string, number> | undefined;
  readonly validationData: readonly unknown[] | undefined;
  readonly validationSplit: number | undefined;
  /** null when off; the monitor is resolved ('valLoss' by default when there is validation data). */
  readonly earlyStopping: EarlyStoppingConfig | null;
  readonly onEpochEnd: ((info: EpochInfo) => void | Promise<void>) | undefined;
  readonly onBatchEnd: ((info: BatchInfo) => void) | undefined;
  readonly onBatchEndEvery: number;
  /** Updates between records of θ into history.path; 0 records nothing. */
  readonly recordPathEvery: number;
  readonly signal: AbortSignal | undefined;
  readonly maxTimeMs: number;
  readonly yieldEveryMs: number;
  readonly shuffleBufferRows: number;
  readonly resume: boolean;
}

/** A number of threads: an integer in [1, 256] (the option may also be 'auto'). */
function threadCount(v: unknown): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 256) return v;
  throw new InvalidOptionError('threads', v, `threads must be an integer from 1 to 256, or 'auto' (got ${show(v)})`);
}

/** The defaults of the fit options. */
export const FIT_DEFAULTS = {
  batchSize: 32,
  maxEpochs: 100,
  maxIterations: Infinity,
  learningRate: 0.01,
  optimizer: 'sgd',
  tolerance: 1e-4,
  patience: 5,
  shuffle: true,
  dropLast: false,
  threads: 1,
  init: 'auto',
  onBatchEndEvery: 1,
  recordPath: false,
  maxTimeMs: Infinity,
  yieldEveryMs: 50,
  shuffleBufferRows: 65536,
  resume: false,
} as const;

const KNOWN = [
  'batchSize',
  'maxEpochs',
  'maxIterations',
  'learningRate',
  'optimizer',
  'tolerance',
  'patience',
  'seed',
  'shuffle',
  'dropLast',
  'engine',
  'threads',
  'init',
  'nFeatures',
  'sampleWeight',
  'classWeight',
  'validationData',
  'validationSplit',
  'earlyStopping',
  'onEpochEnd',
  'onBatchEnd',
  'onBatchEndEvery',
  'recordPath',
  'signal',
  'maxTimeMs',
  'yieldEveryMs',
  'shuffleBufferRows',
  'resume',
] as const;

function callback<T>(name: string, v: unknown): T | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'function') throw new InvalidOptionError(name, v, `${name} must be a function, got ${typeof v}`);
  return v as T;
}

/** recordPath: false → 0, true → every update, k → every k-th update. */
function recordEvery(v: unknown): number {
  if (v === false) return 0;
  if (v === true) return 1;
  if (typeof v === 'number') return positiveInteger('recordPath', v);
  throw new InvalidOptionError('recordPath', v, `recordPath must be true, false or a number of updates between records (got ${String(v)})`);
}

export function validateFitOptions(options: unknown): FitConfig {
  const o = plainObject('fit options', options);
  rejectUnknown(o, KNOWN, 'fit');
  const pick = <K extends keyof typeof FIT_DEFAULTS>(k: K): unknown => (o[k] === undefined ? FIT_DEFAULTS[k] : o[k]);
  const lr = pick('learningRate');
  if (typeof lr === 'number') {
    positiveFinite('learningRate', lr);
    // the engines take float32 rates: 1e39 would become Infinity there
    if (Math.fround(lr) === Infinity) throw new InvalidOptionError('learningRate', lr, `learningRate must be at most about 3.4e38 (float32), got ${lr}`);
  }
  else if (typeof lr !== 'function' && (lr === null || typeof lr !== 'object')) {
    throw new InvalidOptionError('learningRate', lr, `learningRate must be a number, a schedule object or a function, got ${show(lr)}`);
  }
  const split = o.validationSplit;
  if (split !== undefined && (typeof split !== 'number' || !(split > 0 && split < 1))) {
    throw new InvalidOptionError('validationSplit', split, `validationSplit must be a fraction in (0, 1), got ${show(split)}`);
  }
  if (o.validationData !== undefined && (!Array.isArray(o.validationData) || o.validationData.length < 2 || o.validationData.length > 3)) {
    throw new InvalidOptionError('validationData', o.validationData, 'validationData must be [X, y] or [X, y, sampleWeight]');
  }
  if (o.validationData !== undefined && split !== undefined) {
    throw new InvalidOptionError('validationSplit', split, 'give validationData or validationSplit, not both');
  }
  if (o.classWeight !== undefined && o.classWeight !== 'balanced' && (o.classWeight === null || typeof o.classWeight !== 'object' || Array.isArray(o.classWeight))) {
    throw new InvalidOptionError('classWeight', o.classWeight, "classWeight must be 'balanced' or an object { [label]: weight }");
  }
  if (o.signal !== undefined && !(typeof AbortSignal !== 'undefined' && o.signal instanceof AbortSignal)) {
    throw new InvalidOptionError('signal', o.signal, 'signal must be an AbortSignal (from an AbortController)');
  }
  const maxEpochs = positiveInteger('maxEpochs', pick('maxEpochs'), true);
  const config: FitConfig = {
    batchSize: positiveInteger('batchSize', pick('batchSize')),
    maxEpochs,
    maxIterations: positiveInteger('maxIterations', pick('maxIterations'), true),
    learningRate: scheduleConfig(lr as LearningRateOption, maxEpochs),
    optimizer: resolveOptimizer(pick('optimizer')),
    tolerance: o.tolerance === null ? null : nonNegativeFinite('tolerance', pick('tolerance')),
    patience: positiveInteger('patience', pick('patience')),
    seed: o.seed === undefined ? undefined : seed('seed', o.seed),
    shuffle: boolean('shuffle', pick('shuffle')),
    dropLast: boolean('dropLast', pick('dropLast')),
    engine: o.engine === undefined ? undefined : oneOf('engine', o.engine, ['wasm', 'js'] as const),
    threads: o.threads === 'auto' ? 'auto' : threadCount(pick('threads')),
    init: oneOf('init', pick('init'), ['auto', 'uniform', 'zeros', 'glorot', 'he'] as const),
    nFeatures: o.nFeatures === undefined ? undefined : positiveInteger('nFeatures', o.nFeatures),
    sampleWeight: o.sampleWeight as ArrayLike<number> | undefined,
    classWeight: o.classWeight as FitConfig['classWeight'],
    validationData: o.validationData as readonly unknown[] | undefined,
    validationSplit: split as number | undefined,
    // validation data comes from these two options only (a stream takes no validationSplit)
    earlyStopping: resolveEarlyStopping(o.earlyStopping, split !== undefined || o.validationData !== undefined),
    onEpochEnd: callback('onEpochEnd', o.onEpochEnd),
    onBatchEnd: callback('onBatchEnd', o.onBatchEnd),
    onBatchEndEvery: positiveInteger('onBatchEndEvery', pick('onBatchEndEvery')),
    recordPathEvery: recordEvery(pick('recordPath')),
    signal: o.signal as AbortSignal | undefined,
    maxTimeMs: o.maxTimeMs === undefined ? Infinity : positiveFinite('maxTimeMs', o.maxTimeMs),
    yieldEveryMs: nonNegativeFinite('yieldEveryMs', pick('yieldEveryMs')),
    shuffleBufferRows: positiveInteger('shuffleBufferRows', pick('shuffleBufferRows')),
    resume: boolean('resume', pick('resume')),
  };
  // Cross-field rules, in one place.
  if (config.maxEpochs === Infinity && config.maxIterations === Infinity && config.maxTimeMs === Infinity) {
    throw new InvalidOptionError(
      'maxEpochs',
      Infinity,
      'maxEpochs, maxIterations and maxTimeMs cannot all be Infinity: training needs a budget (the tolerance alone may never be met)',
    );
  }
  return Object.freeze(config);
}

/** Checks the batch size against the data once its size is known. */
export function checkAgainstData(config: FitConfig, rows: number): void {
  if (config.dropLast && config.batchSize > rows) {
    throw new InvalidOptionError(
      'batchSize',
      config.batchSize,
      `batchSize = ${config.batchSize} with dropLast: true leaves no batch of the ${rows} rows; lower batchSize or set dropLast: false`,
    );
  }
}
