/**
 * An engine's refusal, the same for both engines: the fields of the Rust core's `CoreError`
 * (crates/minibatch-core/src/error.rs, `ErrorFields`), which the wasm engine reads across the
 * boundary (wasm/raw.ts) and the js engine makes in js/rules.ts, turned here, once, into the
 * typed `MinibatchError` the user sees: the code, the argument or option, the row, column and
 * index the core named, and one message for both engines.
 */
import { InvalidDataError, InvalidOptionError, MinibatchError } from '../errors.js';

/** The variants of `CoreError`. */
export type FaultKind =
  | 'ShapeMismatch'
  | 'Empty'
  | 'SampleWeightLength'
  | 'InvalidValue'
  | 'InvalidLabel'
  | 'RowOutOfRange'
  | 'ParamsLength'
  | 'NonFiniteParam'
  | 'StateLength'
  | 'InvalidState'
  | 'InvalidOption'
  | 'NoOrder'
  | 'NoValidationData'
  | 'OutOfMemory';

/** `ErrorFields` of the core; a field the variant does not have is absent. */
export interface Fault {
  readonly kind: FaultKind;
  /** 'train' or 'validation'. */
  readonly data?: string;
  /** 'x', 'y', 'sampleWeight', 'order', 'params', 'optimizerState'. */
  readonly argument?: string;
  /** The option's name (InvalidOption). */
  readonly option?: string;
  readonly expected?: string;
  readonly row?: number;
  readonly column?: number;
  /** A position in a flat vector: the row order, the parameters, the optimizer state. */
  readonly index?: number;
  readonly value?: number;
  /** A length or count found. */
  readonly got?: number;
  /** The rows of the dataset (ShapeMismatch: the rows y makes; Empty; RowOutOfRange). */
  readonly rows?: number;
  /** The length or count it should have been, or the bound it broke. */
  readonly limit?: number;
}

/** Thrown by the js engine's rules, turned into a MinibatchError by the session (as raw.ts does for wasm). */
export class FaultSignal extends Error {
  readonly fault: Fault;
  constructor(fault: Fault) {
    super(describe(fault));
    this.fault = fault;
  }
}

/** The core's `Display` of the error, for both engines. */
export function describe(f: Fault): string {
  const n = (v: number | undefined) => String(v);
  const data = f.data ?? 'train';
  switch (f.kind) {
    case 'ShapeMismatch':
      return `shape mismatch in the ${data} data: ${n(f.got)} feature values with nFeatures = ${n(f.limit)} do not make ${n(f.rows)} rows`;
    case 'Empty':
      return `empty dataset: the ${data} data has ${n(f.rows)} rows and ${n(f.limit)} features`;
    case 'SampleWeightLength':
      return `the ${data} sampleWeight has ${n(f.got)} values, expected one per row (${n(f.limit)})`;
    case 'InvalidValue':
      return `${data} ${f.argument} at row ${n(f.row)}${f.column === undefined ? '' : `, column ${f.column}`} is ${n(f.value)}; expected ${f.expected}`;
    case 'InvalidLabel':
      return (f.limit ?? 1) <= 1
        ? `${data} y at row ${n(f.row)} is ${n(f.value)}; logLoss labels must be 0 or 1`
        : `${data} y at row ${n(f.row)} is ${n(f.value)}; crossEntropy labels must be class indices 0..${(f.limit ?? 1) - 1} (nOutputs = ${n(f.limit)})`;
    case 'RowOutOfRange':
      return `row order entry ${n(f.index)} is ${n(f.value)}, but the dataset has ${n(f.rows)} rows`;
    case 'ParamsLength':
      return `parameter vector has length ${n(f.got)}, expected ${n(f.limit)}`;
    case 'NonFiniteParam':
      return `parameter ${n(f.index)} is ${n(f.value)}; parameters must be finite`;
    case 'StateLength':
      return `optimizer state has ${n(f.got)} values, expected ${n(f.limit)} for this optimizer's settings`;
    case 'InvalidState':
      return `optimizer state value ${n(f.index)} is ${n(f.value)}; expected ${f.expected}`;
    case 'InvalidOption':
      return `option ${f.option} = ${n(f.value)} is invalid: ${f.expected}`;
    case 'NoOrder':
      return 'runBatches needs a row order: call setOrder first';
    case 'NoValidationData':
      return 'no validation data: call setValidation first';
    case 'OutOfMemory':
      return `out of memory: could not allocate ${n(f.got)} float32 values for the parameters and optimizer state`;
  }
}

/**
 * The MinibatchError of a refusal: bad data is an InvalidDataError (SHAPE_MISMATCH, EMPTY_DATA,
 * INVALID_DATA, INVALID_LABEL) naming the argument ('x', or 'validation.x' for the validation
 * set), row, column and index; a bad option an InvalidOptionError naming it. A session used out
 * of order (no row order, no validation data) or out of memory is an ENGINE_FAILURE.
 */
export function faultError(f: Fault, cause?: unknown): MinibatchError {
  const message = describe(f);
  const argument = f.data === 'validation' ? `validation.${f.argument}` : (f.argument ?? '');
  const where = { argument, row: f.row, column: f.column, index: f.index, cause };
  switch (f.kind) {
    case 'ShapeMismatch':
    case 'SampleWeightLength':
    case 'ParamsLength':
    case 'StateLength':
      return new InvalidDataError('SHAPE_MISMATCH', message, where);
    case 'Empty':
      return new InvalidDataError('EMPTY_DATA', message, where);
    case 'InvalidLabel':
      return new InvalidDataError('INVALID_LABEL', message, where);
    case 'InvalidValue':
    case 'RowOutOfRange':
    case 'NonFiniteParam':
    case 'InvalidState':
      return new InvalidDataError('INVALID_DATA', message, where);
    case 'InvalidOption':
      return new InvalidOptionError(f.option ?? '', f.value, message, 'INVALID_OPTION', cause === undefined ? undefined : { cause });
    default:
      return new MinibatchError('ENGINE_FAILURE', message, cause === undefined ? undefined : { cause });
  }
}
