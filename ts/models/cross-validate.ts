/**
 * k-fold cross-validation (scikit-learn's cross_validate): for each fold, a fresh copy of the
 * estimator (same options, unfitted) is fitted on the other folds and scored on this one.
 */
import { Dataset } from '../data/dataset.js';
import { kFold } from '../data/split.js';
import { InvalidDataError, InvalidOptionError } from '../errors.js';
import type { History } from '../train/loop.js';
import type { FitOptions } from '../train/options.js';
import { boolean, plainObject, positiveInteger, rejectUnknown, seed as checkSeed } from '../train/validate.js';
import { Estimator } from './linear-model.js';

/** Options of `crossValidate`. */
export interface CrossValidateOptions {
  /** Number of folds. Default 5. */
  folds?: number;
  /** Shuffle the rows before dealing them into folds. Default true. */
  shuffle?: boolean;
  /** Keep each class's share in every fold. Default true for classifiers, false for regression. */
  stratify?: boolean;
  /** Seed of the folds (the fits take theirs from `fit.seed`). Default: fresh. */
  seed?: number;
  /** The options of every fit. */
  fit?: FitOptions;
}

/** What `crossValidate` returns: each fold's score, their mean and standard deviation. */
export interface CrossValidateResult {
  /** The score (accuracy or R²) of each fold's test rows. */
  readonly scores: number[];
  readonly mean: number;
  /** Population standard deviation of the scores, as numpy's std. */
  readonly std: number;
  readonly histories: History[];
}

/**
 * k-fold cross-validation (scikit-learn's cross_val_score): an unfitted copy of `estimator` (same
 * options) is fit on each fold's training rows and scored on its test rows; folds are stratified
 * for the classifiers by default.
 */
export async function crossValidate<M extends Estimator & { score(X: Dataset): number }>(
  estimator: M,
  data: Dataset,
  options: CrossValidateOptions = {},
): Promise<CrossValidateResult> {
  if (!(estimator instanceof Estimator)) {
    throw new InvalidOptionError('estimator', estimator, 'crossValidate takes a minibatch model (new LogisticRegression(), …) as its first argument');
  }
  const o = plainObject('crossValidate options', options);
  rejectUnknown(o, ['folds', 'shuffle', 'stratify', 'seed', 'fit'], 'crossValidate');
  if (!(data instanceof Dataset) || !data.y) {
    throw new InvalidDataError('INVALID_DATA', 'crossValidate takes a Dataset with targets (Dataset.fromArrays(X, y), fromCSV, …)', { argument: 'data' });
  }
  const classifier = estimator.isClassifier;
  const folds = kFold(data, {
    folds: o.folds === undefined ? 5 : positiveInteger('folds', o.folds),
    shuffle: o.shuffle === undefined ? true : boolean('shuffle', o.shuffle),
    stratify: o.stratify === undefined ? classifier : boolean('stratify', o.stratify),
    ...(o.seed === undefined ? {} : { seed: checkSeed('seed', o.seed) }),
  });
  const scores: number[] = [];
  const histories: History[] = [];
  for (const fold of folds) {
    const model = estimator.clone();
    histories.push(await model.fit(data.subset(fold.trainIndices), (o.fit ?? {}) as FitOptions));
    scores.push(model.score(data.subset(fold.testIndices)));
  }
  const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
  const std = Math.sqrt(scores.reduce((a, b) => a + (b - mean) ** 2, 0) / scores.length);
  return { scores, mean, std, histories };
}
