/**
 * Every error minibatch throws is a `MinibatchError` with a stable `code`, and says what is
 * wrong, where (row, column, option) and, where there is one, what to change.
 */
export type ErrorCode =
  | 'INVALID_OPTION'
  | 'UNKNOWN_OPTION'
  | 'INVALID_DATA'
  | 'SHAPE_MISMATCH'
  | 'EMPTY_DATA'
  | 'INVALID_LABEL'
  | 'READ_FAILED'
  | 'DIVERGED'
  | 'NOT_FITTED'
  | 'INVALID_MODEL'
  | 'ENGINE_UNAVAILABLE'
  | 'ENGINE_FAILURE'
  | 'DISPOSED'
  | 'MODEL_BUSY';

/** Every error minibatch throws: a stable `code` to branch on, and a message that says what to do. */
export class MinibatchError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** An option has a value outside its domain, or is not an option at all. */
export class InvalidOptionError extends MinibatchError {
  readonly option: string;
  readonly value: unknown;
  constructor(option: string, value: unknown, message: string, code: 'INVALID_OPTION' | 'UNKNOWN_OPTION' = 'INVALID_OPTION', options?: { cause?: unknown }) {
    super(code, message, options);
    this.option = option;
    this.value = value;
  }
}

/**
 * The data is not what training needs; `row`/`column` say where (0-based), when it is one place,
 * and `line` the 1-based line of a text source (CSV), as a text editor counts it.
 * `READ_FAILED`: the source could not be read (a missing file, a failed stream or HTTP response);
 * the underlying error is the `cause`.
 */
export class InvalidDataError extends MinibatchError {
  readonly argument: string;
  readonly row?: number;
  readonly column?: number;
  readonly line?: number;
  /** A position in a flat vector the engine was given: a row order, parameters, an optimizer state (0-based). */
  readonly index?: number;
  constructor(
    code: 'INVALID_DATA' | 'SHAPE_MISMATCH' | 'EMPTY_DATA' | 'INVALID_LABEL' | 'READ_FAILED',
    message: string,
    where: { argument: string; row?: number; column?: number; line?: number; index?: number; cause?: unknown },
  ) {
    super(code, message, where.cause === undefined ? undefined : { cause: where.cause });
    this.argument = where.argument;
    if (where.row !== undefined) this.row = where.row;
    if (where.column !== undefined) this.column = where.column;
    if (where.line !== undefined) this.line = where.line;
    if (where.index !== undefined) this.index = where.index;
  }
}

/**
 * The loss or the parameters stopped being finite. The model keeps the parameters of the last
 * epoch that ended finite; `history` holds the epochs up to that one.
 */
export class DivergenceError extends MinibatchError {
  readonly epoch: number;
  readonly iteration: number;
  readonly history: unknown;
  constructor(epoch: number, iteration: number, history: unknown) {
    super(
      'DIVERGED',
      `training diverged in epoch ${epoch} (by iteration ${iteration}): the loss or the parameters ` +
        'stopped being finite. Scale the features (for example to zero mean and unit variance) or ' +
        'lower the learningRate. The model keeps the parameters of the last finite epoch.',
    );
    this.epoch = epoch;
    this.iteration = iteration;
    this.history = history;
  }
}

/** A model or transformer used before `fit()` (or `fromJSON()`). */
export class NotFittedError extends MinibatchError {
  constructor(what: string) {
    super('NOT_FITTED', `this ${what} is not fitted yet: call fit() first, or load one with fromJSON()`);
  }
}

/** A serialized model that cannot be read back. */
export class InvalidModelError extends MinibatchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_MODEL', message, options);
  }
}
