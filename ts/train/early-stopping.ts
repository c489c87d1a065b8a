/**
 * Early stopping on a monitored quantity, as Keras' EarlyStopping: stop after `patience` epochs
 * in a row without an improvement larger than `minDelta`; with `restoreBestWeights`, the model
 * ends with the parameters of the best epoch, whether training stopped early or ran out of epochs
 * (Keras 3 behaviour).
 */
import { InvalidOptionError } from '../errors.js';
import { boolean, nonNegativeFinite, oneOf, plainObject, positiveInteger, rejectUnknown } from './validate.js';

/** What early stopping watches: the training loss, the validation loss or the validation score. */
export type Monitor = 'loss' | 'valLoss' | 'valScore';

/** The `earlyStopping` fit option (Keras' EarlyStopping): stop when `monitor` has not improved for `patience` epochs. */
export interface EarlyStoppingOption {
  /** Default 'valLoss' when there is validation data, else 'loss'. valScore is accuracy or R². */
  monitor?: Monitor;
  /** Default 0. */
  minDelta?: number;
  /** Default 5. */
  patience?: number;
  /** Default false. */
  restoreBestWeights?: boolean;
}

export interface EarlyStoppingConfig {
  readonly monitor: Monitor;
  readonly minDelta: number;
  readonly patience: number;
  readonly restoreBestWeights: boolean;
}

export interface EarlyStoppingState {
  best: number;
  bestEpoch: number;
  wait: number;
}

export function resolveEarlyStopping(option: unknown, hasValidation: boolean): EarlyStoppingConfig | null {
  if (option === undefined || option === false) return null;
  const o = option === true ? {} : plainObject('earlyStopping', option);
  rejectUnknown(o, ['monitor', 'minDelta', 'patience', 'restoreBestWeights'], 'earlyStopping');
  const monitor = o.monitor === undefined ? (hasValidation ? 'valLoss' : 'loss') : oneOf('earlyStopping.monitor', o.monitor, ['loss', 'valLoss', 'valScore'] as const);
  if (monitor !== 'loss' && !hasValidation) {
    throw new InvalidOptionError(
      'earlyStopping.monitor',
      monitor,
      `earlyStopping monitors '${monitor}', which needs validation data: give validationData or validationSplit, or monitor 'loss'`,
    );
  }
  return {
    monitor,
    minDelta: o.minDelta === undefined ? 0 : nonNegativeFinite('earlyStopping.minDelta', o.minDelta),
    patience: o.patience === undefined ? 5 : positiveInteger('earlyStopping.patience', o.patience),
    restoreBestWeights: o.restoreBestWeights === undefined ? false : boolean('earlyStopping.restoreBestWeights', o.restoreBestWeights),
  };
}

/** Updates the state with this epoch's value; returns whether it improved and whether to stop. */
export function earlyStoppingStep(c: EarlyStoppingConfig, s: EarlyStoppingState, value: number, epoch: number): { improved: boolean; stop: boolean } {
  const higherIsBetter = c.monitor === 'valScore';
  const improved = higherIsBetter ? value > s.best + c.minDelta : value < s.best - c.minDelta;
  if (improved) {
    s.best = value;
    s.bestEpoch = epoch;
    s.wait = 0;
  } else s.wait++;
  return { improved, stop: s.wait >= c.patience };
}

export function initialEarlyStopping(c: EarlyStoppingConfig): EarlyStoppingState {
  return { best: c.monitor === 'valScore' ? -Infinity : Infinity, bestEpoch: 0, wait: 0 };
}
