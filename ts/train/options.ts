/** The options of `fit`, their defaults, and their validation into a `FitConfig`. */
import type { EngineName } from '../engine/types.js';
import { InvalidOptionError } from '../errors.js';
import { boolean, nonNegativeFinite, oneOf, plainObject, positiveFinite, positiveInteger, rejectUnknown, seed } from './validate.js';

/** What `onEpochEnd` receives after every epoch. */
export interface EpochInfo {
  /** 1-based. */
  readonly epoch: number;
  /** Mean training objective over the epoch's rows (each at the parameters its batch used). */
  readonly loss: number;
  /** Updates so far, all epochs together. */
  readonly iterations: number;
  readonly timeMs: number;
}

export interface FitOptions {
  /** Rows per update. 1 is stochastic gradient descent; the row count is batch gradient descent. Default 32. */
  batchSize?: number;
  /** Most passes over the data. Default 100. */
  maxEpochs?: number;
  /** Most updates (batches), counted over all epochs; may stop mid-epoch. Default Infinity. */
  maxIterations?: number;
  /** Step size η of θ ← θ − η·g. Default 0.01 (scikit-learn's eta0, Keras' SGD). */
  learningRate?: number;
  /** An epoch whose loss is not below the best so far minus `tolerance` does not count as an
   * improvement; null turns this criterion off. Default 1e-4. */
  tolerance?: number | null;
  /** Stop after this many epochs in a row without improvement. Default 5 (scikit-learn's n_iter_no_change). */
  patience?: number;
  /** Fixes the initialization and every shuffle. Default: a fresh random seed, recorded in `history.seed`. */
  seed?: number;
  /** Reshuffle the rows before every epoch. Default true. */
  shuffle?: boolean;
  /** Skip each epoch's last batch when it is shorter than batchSize. Default false. */
  dropLast?: boolean;
  /** 'wasm' (default, falls back to 'js' with a notice where WebAssembly SIMD is missing) or 'js'. */
  engine?: EngineName;
  /** Initial parameters: 'uniform' U(−1/√d, 1/√d) as PyTorch's nn.Linear (default), or 'zeros' as scikit-learn. */
  init?: 'uniform' | 'zeros';
  /** Features per row, needed when X is a flat typed array. */
  nFeatures?: number;
  /** Called after every epoch. */
  onEpochEnd?: (info: EpochInfo) => void;
}

export interface FitConfig {
  readonly batchSize: number;
  readonly maxEpochs: number;
  readonly maxIterations: number;
  readonly learningRate: number;
  readonly tolerance: number | null;
  readonly patience: number;
  readonly seed: number | undefined;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly engine: EngineName | undefined;
  readonly init: 'uniform' | 'zeros';
  readonly nFeatures: number | undefined;
  readonly onEpochEnd: ((info: EpochInfo) => void) | undefined;
}

export const FIT_DEFAULTS = {
  batchSize: 32,
  maxEpochs: 100,
  maxIterations: Infinity,
  learningRate: 0.01,
  tolerance: 1e-4,
  patience: 5,
  shuffle: true,
  dropLast: false,
  init: 'uniform',
} as const;

const KNOWN = [
  'batchSize',
  'maxEpochs',
  'maxIterations',
  'learningRate',
  'tolerance',
  'patience',
  'seed',
  'shuffle',
  'dropLast',
  'engine',
  'init',
  'nFeatures',
  'onEpochEnd',
] as const;

export function validateFitOptions(options: unknown): FitConfig {
  const o = plainObject('fit options', options);
  rejectUnknown(o, KNOWN, 'fit');
  const pick = <K extends keyof typeof FIT_DEFAULTS>(k: K): unknown => (o[k] === undefined ? FIT_DEFAULTS[k] : o[k]);
  const config: FitConfig = {
    batchSize: positiveInteger('batchSize', pick('batchSize')),
    maxEpochs: positiveInteger('maxEpochs', pick('maxEpochs'), true),
    maxIterations: positiveInteger('maxIterations', pick('maxIterations'), true),
    learningRate: positiveFinite('learningRate', pick('learningRate')),
    tolerance: o.tolerance === null ? null : nonNegativeFinite('tolerance', pick('tolerance')),
    patience: positiveInteger('patience', pick('patience')),
    seed: o.seed === undefined ? undefined : seed('seed', o.seed),
    shuffle: boolean('shuffle', pick('shuffle')),
    dropLast: boolean('dropLast', pick('dropLast')),
    engine: o.engine === undefined ? undefined : oneOf('engine', o.engine, ['wasm', 'js'] as const),
    init: oneOf('init', pick('init'), ['uniform', 'zeros'] as const),
    nFeatures: o.nFeatures === undefined ? undefined : positiveInteger('nFeatures', o.nFeatures),
    onEpochEnd: o.onEpochEnd === undefined ? undefined : callback('onEpochEnd', o.onEpochEnd),
  };
  // Cross-field rules, in one place.
  if (config.maxEpochs === Infinity && config.maxIterations === Infinity) {
    throw new InvalidOptionError(
      'maxEpochs',
      Infinity,
      'maxEpochs and maxIterations cannot both be Infinity: training needs a budget (the tolerance alone may never be met)',
    );
  }
  return config;
}

function callback<T>(name: string, v: unknown): T {
  if (typeof v !== 'function') throw new InvalidOptionError(name, v, `${name} must be a function, got ${typeof v}`);
  return v as T;
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
