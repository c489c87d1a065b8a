/**
 * Learning-rate schedules. The fit loop asks for the rate of every batch before it runs (the
 * engine takes one rate per batch), so a schedule is a function of where training is:
 *
 *   e  the position in epochs: the completed epochs, plus, when stepped per iteration, the
 *      fraction of the current epoch already done (batch / batchesPerEpoch);
 *   t  the count of updates before this one (0 for the first).
 *
 * Formulas (η₀ = initial):
 *   constant     η₀
 *   step         η₀·γ^⌊e / stepSize⌋                                   (PyTorch StepLR)
 *   exponential  η₀·γ^e                                                 (PyTorch ExponentialLR)
 *   invscaling   η₀ / (t + 1)^power                                     (scikit-learn 'invscaling')
 *   cosine       linear warm-up to η₀ over warmupEpochs, then
 *                η_min + (η₀ − η_min)·(1 + cos(π·e_c / T_c)) / 2        (SGDR, Loshchilov & Hutter)
 *                with restarts every T_c epochs, T_c growing by periodMultiplier
 *   plateau      η₀, multiplied by factor (not below minimum) after more than `patience` epochs
 *                without a relative improvement of `threshold` in the monitored loss (PyTorch
 *                ReduceLROnPlateau, mode 'min', threshold_mode 'rel')
 *   a function   (epoch, iteration) => rate, called with e's completed epochs and t
 */
import { InvalidOptionError } from '../errors.js';
import { oneOf, plainObject, positiveFinite, rejectUnknown, show } from './validate.js';

/** Whether a schedule steps once per epoch or once per update. */
export type StepPer = 'epoch' | 'iteration';

/** A learning-rate schedule (PyTorch's lr_scheduler: constant, step, exponential, cosine, plateau, ...). */
export type ScheduleOption =
  | { type: 'constant'; initial: number }
  | { type: 'step'; initial: number; stepSize: number; gamma?: number; stepPer?: StepPer }
  | { type: 'exponential'; initial: number; gamma: number; stepPer?: StepPer }
  | { type: 'invscaling'; initial: number; power?: number; stepPer?: StepPer }
  | {
      type: 'cosine';
      initial: number;
      minimum?: number;
      warmupEpochs?: number;
      periodEpochs?: number;
      periodMultiplier?: number;
      stepPer?: StepPer;
    }
  | { type: 'plateau'; initial: number; factor?: number; patience?: number; minimum?: number; threshold?: number; cooldown?: number };

/** The `learningRate` fit option: a number, a schedule, or a function of the epoch and iteration. */
export type LearningRateOption = number | ScheduleOption | ((epoch: number, iteration: number) => number);

/** Where training is when a batch's rate is asked for. */
export interface Position {
  /** Completed epochs. */
  readonly epoch: number;
  /** The batch's index within its epoch. */
  readonly batch: number;
  readonly batchesPerEpoch: number;
  /** Completed updates, all epochs together. */
  readonly iteration: number;
}

export interface Schedule {
  rate(at: Position): number;
  /** Told the monitored loss after every epoch (only plateau uses it). */
  epochEnd(loss: number): void;
  /** What a snapshot must carry to resume (only plateau has any). */
  state(): PlateauState | null;
}

/**
 * A learning-rate option validated once (with the fit options): `start` makes one run's
 * schedule, with plateau's state restored from a snapshot when resuming (the other schedules
 * have none and are shared).
 */
export interface ScheduleConfig {
  readonly start: (restored: PlateauState | null) => Schedule;
}

/** The state of a plateau schedule, kept in the TrainingState so that a resumed fit goes on from it. */
export interface PlateauState {
  rate: number;
  best: number;
  badEpochs: number;
  cooldownLeft: number;
}

const SCHEDULES = ['constant', 'step', 'exponential', 'invscaling', 'cosine', 'plateau'] as const;

function bad(field: string, v: unknown, rule: string): never {
  throw new InvalidOptionError(`learningRate.${field}`, v, `learningRate.${field} must be ${rule}, got ${show(v)}`);
}
function finite(field: string, v: unknown, ok: (x: number) => boolean, rule: string, fallback?: number): number {
  const x = v === undefined ? fallback : v;
  if (typeof x !== 'number' || !Number.isFinite(x) || !ok(x)) bad(field, v, rule);
  return x;
}

/**
 * Validates the learningRate option, once, into a schedule to start. `maxEpochs` sets the default
 * cosine period (the whole run after warm-up).
 */
export function scheduleConfig(option: unknown, maxEpochs: number): ScheduleConfig {
  const fixed = (schedule: Schedule): ScheduleConfig => ({ start: () => schedule });
  if (typeof option === 'number') {
    const initial = positiveFinite('learningRate', option);
    return fixed({ rate: () => initial, epochEnd: () => {}, state: () => null });
  }
  if (typeof option === 'function') {
    const f = option as (epoch: number, iteration: number) => number;
    return fixed({
      rate: (at) => {
        const r = f(at.epoch, at.iteration);
        if (typeof r !== 'number' || !Number.isFinite(r) || r <= 0) {
          throw new InvalidOptionError(
            'learningRate',
            r,
            `the learningRate function returned ${show(r)} at epoch ${at.epoch}, iteration ${at.iteration}: it must return a finite number > 0`,
          );
        }
        return r;
      },
      epochEnd: () => {},
      state: () => null,
    });
  }
  const o = plainObject('learningRate', option);
  const type = oneOf('learningRate.type', o.type, SCHEDULES);
  const initial = finite('initial', o.initial, (x) => x > 0, 'a finite number > 0');
  const stepPer = (fallback: StepPer): StepPer => (o.stepPer === undefined ? fallback : oneOf('learningRate.stepPer', o.stepPer, ['epoch', 'iteration'] as const));
  const position = (per: StepPer, at: Position) => (per === 'epoch' ? at.epoch : at.epoch + at.batch / at.batchesPerEpoch);
  const pure = (rate: (at: Position) => number): ScheduleConfig => fixed({ rate, epochEnd: () => {}, state: () => null });
  switch (type) {
    case 'constant':
      rejectUnknown(o, ['type', 'initial'], 'constant schedule');
      return pure(() => initial);
    case 'step': {
      rejectUnknown(o, ['type', 'initial', 'stepSize', 'gamma', 'stepPer'], 'step schedule');
      const stepSize = finite('stepSize', o.stepSize, (x) => x > 0, 'a number of epochs > 0');
      const gamma = finite('gamma', o.gamma, (x) => x > 0, 'a finite number > 0', 0.1);
      const per = stepPer('epoch');
      return pure((at) => initial * gamma ** Math.floor(position(per, at) / stepSize));
    }
    case 'exponential': {
      rejectUnknown(o, ['type', 'initial', 'gamma', 'stepPer'], 'exponential schedule');
      const gamma = finite('gamma', o.gamma, (x) => x > 0, 'a finite number > 0');
      const per = stepPer('epoch');
      return pure((at) => initial * gamma ** position(per, at));
    }
    case 'invscaling': {
      rejectUnknown(o, ['type', 'initial', 'power', 'stepPer'], 'invscaling schedule');
      const power = finite('power', o.power, (x) => x >= 0, 'a finite number ≥ 0', 0.25);
      const per = stepPer('iteration');
      return pure((at) => initial / ((per === 'epoch' ? at.epoch : at.iteration) + 1) ** power);
    }
    case 'cosine': {
      rejectUnknown(o, ['type', 'initial', 'minimum', 'warmupEpochs', 'periodEpochs', 'periodMultiplier', 'stepPer'], 'cosine schedule');
      const minimum = finite('minimum', o.minimum, (x) => x >= 0 && x < initial, 'in [0, initial)', 0);
      const warmup = finite('warmupEpochs', o.warmupEpochs, (x) => x >= 0, 'a number of epochs ≥ 0', 0);
      if (o.periodEpochs === undefined && !Number.isFinite(maxEpochs)) {
        bad('periodEpochs', undefined, 'given when maxEpochs is Infinity (the default period is maxEpochs − warmupEpochs)');
      }
      const period = finite('periodEpochs', o.periodEpochs, (x) => x > 0, 'a number of epochs > 0', Math.max(maxEpochs - warmup, 1));
      const mult = finite('periodMultiplier', o.periodMultiplier, (x) => x >= 1, 'a finite number ≥ 1', 1);
      const per = stepPer('iteration');
      return pure((at) => {
        const e = position(per, at);
        // the first warm-up step is not 0: it is one step's share of the ramp
        const step = per === 'epoch' ? 1 : 1 / at.batchesPerEpoch;
        if (e < warmup) return (initial * Math.min(e + step, warmup)) / warmup;
        let t = e - warmup;
        let length = period;
        if (mult === 1) t %= period;
        else {
          const cycle = Math.floor(Math.log((t / period) * (mult - 1) + 1) / Math.log(mult));
          t -= (period * (mult ** cycle - 1)) / (mult - 1);
          length = period * mult ** cycle;
        }
        return minimum + ((initial - minimum) * (1 + Math.cos((Math.PI * t) / length))) / 2;
      });
    }
    case 'plateau': {
      rejectUnknown(o, ['type', 'initial', 'factor', 'patience', 'minimum', 'threshold', 'cooldown'], 'plateau schedule');
      const factor = finite('factor', o.factor, (x) => x > 0 && x < 1, 'in (0, 1)', 0.1);
      const patience = finite('patience', o.patience, (x) => Number.isInteger(x) && x >= 0, 'an integer ≥ 0', 10);
      const minimum = finite('minimum', o.minimum, (x) => x >= 0, 'a finite number ≥ 0', 0);
      const threshold = finite('threshold', o.threshold, (x) => x >= 0, 'a finite number ≥ 0', 1e-4);
      const cooldown = finite('cooldown', o.cooldown, (x) => Number.isInteger(x) && x >= 0, 'an integer ≥ 0', 0);
      return {
        start: (restored) => {
          const s: PlateauState = restored ? { ...restored } : { rate: initial, best: Infinity, badEpochs: 0, cooldownLeft: 0 };
          return plateau(s, factor, patience, minimum, threshold, cooldown);
        },
      };
    }
  }
}

/** One run's schedule straight from the option (the fit options resolve it once with scheduleConfig). */
export function resolveSchedule(option: unknown, maxEpochs: number, restored?: PlateauState | null): Schedule {
  return scheduleConfig(option, maxEpochs).start(restored ?? null);
}

/** ReduceLROnPlateau's rule on its state `s` (kept in a snapshot to resume). */
function plateau(s: PlateauState, factor: number, patience: number, minimum: number, threshold: number, cooldown: number): Schedule {
  return {
    rate: () => s.rate,
    epochEnd: (loss) => {
      if (loss < s.best * (1 - threshold)) {
        s.best = loss;
        s.badEpochs = 0;
      } else s.badEpochs++;
      if (s.cooldownLeft > 0) {
        s.cooldownLeft--;
        s.badEpochs = 0;
      }
      if (s.badEpochs > patience) {
        s.rate = Math.max(s.rate * factor, minimum);
        s.cooldownLeft = cooldown;
        s.badEpochs = 0;
      }
    },
    state: () => ({ ...s }),
  };
}
