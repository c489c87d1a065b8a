/**
 * The `optimizer` option: a name or an object with the hyperparameters, validated once into the
 * engine's OptimizerSpec (ts/engine/types.ts states the update equations). Defaults are
 * PyTorch's (torch.optim), except AdamW's weightDecay 1e-2, which is PyTorch's AdamW default too.
 */
import type { OptimizerSpec } from '../engine/types.js';
import { InvalidOptionError } from '../errors.js';
import { boolean, oneOf, plainObject, rejectUnknown, show } from './validate.js';

/** The optimizers, by their PyTorch names (each one of the engine contract's OptimizerSpec types: resolveOptimizer does not compile otherwise). */
export type OptimizerName = 'sgd' | 'adagrad' | 'rmsprop' | 'adam' | 'adamw';

/** SGD with momentum (PyTorch's `torch.optim.SGD`). */
export interface SgdOptions {
  type: 'sgd';
  /** μ. Default 0. */
  momentum?: number;
  /** τ. Default 0. */
  dampening?: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0). Default false. */
  nesterov?: boolean;
  /** λ added to the gradient of the weights. Default 0. */
  weightDecay?: number;
}
/** Adagrad (PyTorch's `torch.optim.Adagrad`). */
export interface AdagradOptions {
  type: 'adagrad';
  lrDecay?: number;
  initialAccumulator?: number;
  /** Default 1e-10. */
  eps?: number;
  weightDecay?: number;
}
/** RMSprop (PyTorch's `torch.optim.RMSprop`). */
export interface RmspropOptions {
  type: 'rmsprop';
  /** Smoothing constant. Default 0.99. */
  alpha?: number;
  /** Default 1e-8. */
  eps?: number;
  momentum?: number;
  centered?: boolean;
  weightDecay?: number;
}
/** Adam and AdamW (PyTorch's `torch.optim.Adam`, `torch.optim.AdamW`). */
export interface AdamOptions {
  type: 'adam' | 'adamw';
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999. */
  beta2?: number;
  /** Default 1e-8. */
  eps?: number;
  amsgrad?: boolean;
  /** adam: L2 through the gradient (default 0); adamw: decoupled decay (default 1e-2). */
  weightDecay?: number;
}

/** Gradient clipping, set on the optimizer as in Keras (clipnorm / clipvalue). */
export interface ClipOptions {
  /** Scale the whole gradient down to this global L2 norm when it is larger. */
  clipNorm?: number;
  /** Clamp every gradient entry to [−clipValue, clipValue]. */
  clipValue?: number;
}

/** The `optimizer` fit option: a name, or a name with its settings (and gradient clipping). */
export type OptimizerOption = OptimizerName | ((SgdOptions | AdagradOptions | RmspropOptions | AdamOptions) & ClipOptions);

export interface ResolvedOptimizer {
  readonly spec: OptimizerSpec;
  readonly clipNorm: number;
  readonly clipValue: number;
}

/** Each optimizer's default settings (PyTorch's). */
export const OPTIMIZER_DEFAULTS = {
  sgd: { momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 },
  adagrad: { lrDecay: 0, initialAccumulator: 0, eps: 1e-10, weightDecay: 0 },
  rmsprop: { alpha: 0.99, eps: 1e-8, momentum: 0, centered: false, weightDecay: 0 },
  adam: { beta1: 0.9, beta2: 0.999, eps: 1e-8, amsgrad: false, weightDecay: 0 },
  adamw: { beta1: 0.9, beta2: 0.999, eps: 1e-8, amsgrad: false, weightDecay: 1e-2 },
} as const;

const NAMES = Object.keys(OPTIMIZER_DEFAULTS) as OptimizerName[];

function num(name: string, v: unknown, ok: (x: number) => boolean, rule: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) {
    throw new InvalidOptionError(`optimizer.${name}`, v, `optimizer.${name} must be ${rule}, got ${show(v)}`);
  }
  return v;
}

const nonNegative = (name: string, v: unknown) => num(name, v, (x) => x >= 0, 'a finite number ≥ 0');
const positive = (name: string, v: unknown) => num(name, v, (x) => x > 0, 'a finite number > 0');
const unitInterval = (name: string, v: unknown) => num(name, v, (x) => x >= 0 && x < 1, 'in [0, 1)');

export function resolveOptimizer(option: unknown): ResolvedOptimizer {
  const o = typeof option === 'string' ? { type: option } : plainObject('optimizer', option ?? { type: 'sgd' });
  const type = oneOf('optimizer.type', o.type, NAMES);
  const defaults = OPTIMIZER_DEFAULTS[type];
  rejectUnknown(o, ['type', 'clipNorm', 'clipValue', ...Object.keys(defaults)], `${type} optimizer`);
  const pick = (k: string): unknown => (o[k] === undefined ? (defaults as Record<string, unknown>)[k] : o[k]);
  const clipNorm = o.clipNorm === undefined ? 0 : positive('clipNorm', o.clipNorm);
  const clipValue = o.clipValue === undefined ? 0 : positive('clipValue', o.clipValue);
  const weightDecay = nonNegative('weightDecay', pick('weightDecay'));
  let spec: OptimizerSpec;
  switch (type) {
    case 'sgd': {
      const momentum = nonNegative('momentum', pick('momentum'));
      const dampening = num('dampening', pick('dampening'), (x) => x >= 0 && x <= 1, 'in [0, 1]');
      const nesterov = boolean('optimizer.nesterov', pick('nesterov'));
      if (nesterov && (momentum <= 0 || dampening !== 0)) {
        throw new InvalidOptionError(
          'optimizer.nesterov',
          true,
          `Nesterov momentum needs momentum > 0 and dampening = 0 (got momentum ${momentum}, dampening ${dampening}): set momentum, for example 0.9, or nesterov: false`,
        );
      }
      spec = { type, momentum, dampening, nesterov, weightDecay };
      break;
    }
    case 'adagrad':
      spec = {
        type,
        lrDecay: nonNegative('lrDecay', pick('lrDecay')),
        initialAccumulator: nonNegative('initialAccumulator', pick('initialAccumulator')),
        eps: positive('eps', pick('eps')),
        weightDecay,
      };
      break;
    case 'rmsprop':
      spec = {
        type,
        alpha: unitInterval('alpha', pick('alpha')),
        eps: positive('eps', pick('eps')),
        momentum: nonNegative('momentum', pick('momentum')),
        centered: boolean('optimizer.centered', pick('centered')),
        weightDecay,
      };
      break;
    case 'adam':
    case 'adamw':
      spec = {
        type,
        beta1: unitInterval('beta1', pick('beta1')),
        beta2: unitInterval('beta2', pick('beta2')),
        eps: positive('eps', pick('eps')),
        amsgrad: boolean('optimizer.amsgrad', pick('amsgrad')),
        weightDecay,
      };
      break;
  }
  return { spec, clipNorm, clipValue };
}
