/**
 * The js engine's input rules, written once: every refusal of the Rust core (shapes, finite
 * values, labels per objective, options, optimizer state), in the order the core checks them
 * and with the same fields (crates/minibatch-core/src/error.rs `CoreError`, dataset.rs,
 * objective.rs `check_outputs`/`accepts_label`, trainer.rs, optimizer/mod.rs `set_state`, and
 * the boundary's counts in crates/minibatch-wasm/src/lib.rs). A refusal throws a FaultSignal
 * that the session turns into the same MinibatchError as the wasm engine's (../fault.ts);
 * test/engine-rules.test.ts feeds the same bad inputs to both engines and expects the same
 * errors.
 */
import { FaultSignal, type Fault } from '../fault.js';
import { CROSS_ENTROPY, LOG_LOSS, SQUARED_ERROR } from './objective.js';

function refuse(fault: Fault): never {
  throw new FaultSignal(fault);
}

/** An option outside its domain (the name is the TypeScript option's). */
export function invalidOption(option: string, value: number, expected: string): never {
  refuse({ kind: 'InvalidOption', option, value, expected });
}

/** error.rs `non_negative`. */
export function nonNegative(option: string, value: number): void {
  if (!(Number.isFinite(value) && value >= 0)) invalidOption(option, value, 'a finite number ≥ 0');
}

/** error.rs `positive`. */
export function positive(option: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0)) invalidOption(option, value, 'a finite number > 0');
}

/** error.rs `unit_interval`: 0 ≤ value < 1 (PyTorch's rule for β1, β2, α). */
export function unitInterval(option: string, value: number): void {
  if (!(value >= 0 && value < 1)) invalidOption(option, value, 'a number in [0, 1)');
}

const U32_MAX = 2 ** 32 - 1;
/** 2^53: the largest step count a JavaScript number holds exactly. */
const MAX_SAFE = 2 ** 53;

/** lib.rs `count`: an integer ≥ 1 (`positive`) or ≥ 0, and ≤ max. */
export function count(option: string, value: number, isPositive: boolean, max: number): number {
  if (typeof value === 'number' && value >= (isPositive ? 1 : 0) && value <= max && Number.isInteger(value)) return value;
  const unbounded = max === Infinity;
  const expected = isPositive
    ? unbounded
      ? 'an integer ≥ 1'
      : 'an integer from 1 to 2³² − 1'
    : unbounded
      ? 'an integer ≥ 0'
      : 'an integer from 0 to 2⁵³';
  return invalidOption(option, value, expected);
}

/** The numbers of a session's shape and options, as TrainerConfig::validate checks them. */
export interface ModelRules {
  readonly kind: number;
  readonly nFeatures: number;
  readonly nOutputs: number;
  readonly l2: number;
  readonly l1: number;
  readonly clipValue: number;
  readonly clipNorm: number;
  /** State buffers of length p the optimizer keeps. */
  readonly buffers: number;
  /** The units of each hidden layer, as given (none for a linear model). */
  readonly hidden: readonly number[];
}

/** lib.rs `to_core` and trainer.rs `TrainerConfig::validate` (the optimizer's own rules are in its file). */
export function checkModel(m: ModelRules): void {
  const d = count('nFeatures', m.nFeatures, true, U32_MAX);
  const k = count('nOutputs', m.nOutputs, true, U32_MAX);
  let units = 0;
  for (const u of m.hidden) {
    if (!(typeof u === 'number' && u >= 1 && u <= U32_MAX && Number.isInteger(u))) invalidOption('hidden', u, 'units: an integer ≥ 1');
    units += u;
  }
  // objective.rs check_outputs: squaredError takes any number of targets per row
  if (m.kind === CROSS_ENTROPY ? k < 2 : m.kind === LOG_LOSS && k !== 1) {
    invalidOption('nOutputs', k, m.kind === CROSS_ENTROPY ? 'the number of classes, at least 2' : '1 for squaredError and logLoss');
  }
  // the parameters, gradient, snapshot and optimizer state must be addressable (wasm32: 32 bits)
  if (m.hidden.length === 0) {
    if ((d + 1) * k * (m.buffers + 3) > U32_MAX) invalidOption('nOutputs', k, 'nOutputs·(nFeatures + 1) parameters that fit in memory');
  } else {
    // Σ outputs·(inputs + 1) over the stack (../layout.ts nParams), exact in float64 up to 2⁵³
    let p = 0;
    let inputs = d;
    for (const u of [...m.hidden, k]) {
      p += (inputs + 1) * u;
      inputs = u;
    }
    if (p * (m.buffers + 3) > U32_MAX) invalidOption('hidden', units, 'a parameter count that fits in memory');
  }
  nonNegative('l2', m.l2);
  nonNegative('l1', m.l1);
  nonNegative('clipValue', m.clipValue);
  nonNegative('clipNorm', m.clipNorm);
}

/** objective.rs `accepts_label` (y is a float32 value). */
function acceptsLabel(kind: number, y: number, k: number): boolean {
  if (kind === SQUARED_ERROR) return Number.isFinite(y);
  if (kind === LOG_LOSS) return y === 0 || y === 1;
  return y >= 0 && Number.isInteger(y) && y < k;
}

/**
 * dataset.rs `Dataset::new`: rows and features, the shape, finite features, the objective's
 * labels, one finite weight ≥ 0 per row; returns the number of rows. `data` is 'train' or
 * 'validation'. squaredError with k > 1 outputs: y holds k targets per row (row-major), so the
 * rows are y.length / k, and a target is named by its row and column.
 */
export function checkDataset(
  data: 'train' | 'validation',
  kind: number,
  d: number,
  k: number,
  x: Float32Array,
  y: Float32Array,
  weights: Float32Array | null,
): number {
  const targets = kind === SQUARED_ERROR ? k : 1;
  const rows = Math.floor(y.length / targets);
  if (d === 0 || rows === 0) refuse({ kind: 'Empty', data, argument: rows === 0 ? 'y' : 'x', rows, limit: d });
  if (x.length !== rows * d || y.length !== rows * targets) refuse({ kind: 'ShapeMismatch', data, argument: 'x', got: x.length, rows, limit: d });
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) {
      const row = Math.floor(i / d);
      refuse({ kind: 'InvalidValue', data, argument: 'x', row, column: i - row * d, value: x[i], expected: 'a finite number' });
    }
  }
  for (let i = 0; i < y.length; i++) {
    if (acceptsLabel(kind, y[i], k)) continue;
    if (kind === SQUARED_ERROR) {
      const row = Math.floor(i / targets);
      const column = targets > 1 ? i - row * targets : undefined;
      refuse({ kind: 'InvalidValue', data, argument: 'y', row, column, value: y[i], expected: 'a finite number' });
    }
    refuse({ kind: 'InvalidLabel', data, argument: 'y', row: i, value: y[i], limit: k });
  }
  if (weights !== null) {
    if (weights.length !== rows) refuse({ kind: 'SampleWeightLength', data, argument: 'sampleWeight', got: weights.length, limit: rows });
    for (let r = 0; r < rows; r++) {
      const s = weights[r];
      if (!(Number.isFinite(s) && s >= 0)) {
        refuse({ kind: 'InvalidValue', data, argument: 'sampleWeight', row: r, value: s, expected: 'a finite number ≥ 0' });
      }
    }
  }
  return rows;
}

/** trainer.rs `set_order`: every entry a row of the training data. */
export function checkOrder(order: Uint32Array, rows: number): void {
  for (let i = 0; i < order.length; i++) {
    if (order[i] >= rows) refuse({ kind: 'RowOutOfRange', argument: 'order', index: i, value: order[i], rows });
  }
}

/** trainer.rs `set_params`: p finite values. */
export function checkParams(params: Float32Array, p: number): void {
  if (params.length !== p) refuse({ kind: 'ParamsLength', argument: 'params', got: params.length, limit: p });
  for (let i = 0; i < p; i++) {
    if (!Number.isFinite(params[i])) refuse({ kind: 'NonFiniteParam', argument: 'params', index: i, value: params[i] });
  }
}

/** lib.rs's count of the step, then optimizer/mod.rs `set_state` (buffers of p values each). */
export function checkOptimizerState(step: number, p: number, expected: number, squaredBuffers: readonly number[], buffers: Float32Array): void {
  count('step', step, false, MAX_SAFE);
  checkState(p, expected, squaredBuffers, buffers);
}

/** optimizer/mod.rs `set_state`: the length of these settings, no NaN, squared averages ≥ 0. */
export function checkState(p: number, expected: number, squaredBuffers: readonly number[], buffers: Float32Array): void {
  const got = buffers instanceof Float32Array ? buffers.length : NaN;
  if (got !== expected) refuse({ kind: 'StateLength', argument: 'optimizerState', got, limit: expected });
  for (let i = 0; i < expected; i++) {
    if (Number.isNaN(buffers[i])) refuse({ kind: 'InvalidState', argument: 'optimizerState', index: i, value: NaN, expected: 'a number' });
  }
  for (const b of squaredBuffers) {
    for (let i = b * p; i < (b + 1) * p; i++) {
      if (buffers[i] < 0) refuse({ kind: 'InvalidState', argument: 'optimizerState', index: i, value: buffers[i], expected: 'a squared average ≥ 0' });
    }
  }
}

/** trainer.rs `run_batches`: a row order first, then one finite learning rate ≥ 0 for each batch that will run. */
export function checkRun(hasOrder: boolean, learningRates: Float32Array, count: number): void {
  if (!hasOrder) refuse({ kind: 'NoOrder' });
  for (let i = 0; i < count; i++) {
    const lr = learningRates[i];
    if (!(Number.isFinite(lr) && lr >= 0)) invalidOption('learningRate', lr, 'a finite number ≥ 0');
  }
}

/** trainer.rs `evaluate(true)` without validation data. */
export function noValidationData(): never {
  return refuse({ kind: 'NoValidationData' });
}
