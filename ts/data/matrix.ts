/**
 * Turning what users pass (number[][], row-major typed arrays, number[]) into the flat float32
 * arrays both engines train on, checking every value once, on the way in.
 */
import { InvalidDataError, InvalidOptionError } from '../errors.js';

/** A row-major float32 matrix. */
export interface Matrix {
  readonly data: Float32Array;
  readonly rows: number;
  readonly cols: number;
}

/** Features: rows of numbers, or a row-major Float32Array/Float64Array with `nFeatures`. */
export type FeaturesInput = ArrayLike<number>[] | Float32Array | Float64Array;
/** Targets, one per row. */
export type TargetInput = ArrayLike<number>;

function describe(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  return v === null ? 'null' : typeof v;
}

/** The error for a value that is not a finite number in float32, naming its row and column. */
export function badValue(argument: string, row: number, column: number | undefined, value: unknown, inF32: boolean): InvalidDataError {
  const where = column === undefined ? `${argument}[${row}]` : `${argument}[${row}][${column}]`;
  const why =
    typeof value !== 'number'
      ? `is ${describe(value)}, not a number`
      : Number.isFinite(value) && inF32
        ? `= ${value} overflows float32 (largest magnitude about 3.4e38)`
        : `= ${value} is not finite`;
  return new InvalidDataError('INVALID_DATA', `${where} ${why} (row ${row}${column === undefined ? '' : `, column ${column}`})`, {
    argument,
    row,
    ...(column === undefined ? {} : { column }),
  });
}

/**
 * Checks the features, and copies them into a flat Float32Array unless they are one already.
 * Every value must be a finite number that stays finite in
 * float32; all rows must have the same length; there must be at least one row and one column.
 */
export function toMatrix(X: unknown, nFeatures?: number, argument = 'X'): Matrix {
  if (X instanceof Float32Array || X instanceof Float64Array) {
    flatShape(X, nFeatures, argument);
    // A Float32Array is used as it is, not copied: the wasm engine copies it into wasm memory
    // once per fit anyway, and a copy here would hold the data a third time at the peak.
    // (Do not modify it while a fit runs.) A Float64Array is converted.
    const data = X instanceof Float32Array ? X : new Float32Array(X);
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) {
        throw badValue(argument, Math.floor(i / nFeatures!), i % nFeatures!, X[i], Number.isFinite(X[i]));
      }
    }
    if (data !== X) OWNED.add(data);
    return { data, rows: data.length / nFeatures!, cols: nFeatures! };
  }
  const { rows, cols } = rowsShape(X, nFeatures, argument);
  const data = new Float32Array(rows * cols);
  copyRows(X as readonly unknown[], cols, data, argument);
  OWNED.add(data);
  return { data, rows, cols };
}

/**
 * The shape of features given as rows (number[][]): checks that X is a non-empty array whose
 * first row has ≥ 1 values (and nFeatures of them, when given). The other rows are checked by
 * copyRows.
 */
export function rowsShape(X: unknown, nFeatures: number | undefined, argument = 'X'): { rows: number; cols: number } {
  if (!Array.isArray(X)) {
    throw new InvalidDataError(
      'INVALID_DATA',
      `${argument} must be an array of rows (number[][]) or a row-major Float32Array/Float64Array, got ${describe(X)}`,
      { argument },
    );
  }
  if (X.length === 0) {
    throw new InvalidDataError('EMPTY_DATA', `${argument} has no rows: training needs at least one`, { argument });
  }
  const first = X[0] as unknown;
  if (first === null || typeof first !== 'object' || typeof (first as ArrayLike<number>).length !== 'number') {
    throw new InvalidDataError('INVALID_DATA', `${argument}[0] is ${describe(first)}, not an array of numbers`, { argument, row: 0 });
  }
  const cols = (first as ArrayLike<number>).length;
  if (nFeatures !== undefined && nFeatures !== cols) {
    throw new InvalidOptionError('nFeatures', nFeatures, `nFeatures = ${describe(nFeatures)} but the rows of ${argument} have ${cols} values`);
  }
  if (cols === 0) {
    throw new InvalidDataError('EMPTY_DATA', `${argument} has rows with no features`, { argument, row: 0 });
  }
  return { rows: X.length, cols };
}

/**
 * Checks the rows [from, to) of X (rowsShape first) and writes them, row-major, into `data`
 * (rows × cols values; a view on wasm memory when the wasm engine takes the rows in directly):
 * each value must be a number that stays finite in float32.
 */
export function copyRows(X: readonly unknown[], cols: number, data: Float32Array, argument = 'X', from = 0, to = X.length): void {
  for (let r = from; r < to; r++) {
    const row = X[r];
    if (row === null || typeof row !== 'object' || (row as ArrayLike<number>).length !== cols) {
      const len = row !== null && typeof row === 'object' ? (row as ArrayLike<number>).length : undefined;
      throw new InvalidDataError(
        typeof len === 'number' ? 'SHAPE_MISMATCH' : 'INVALID_DATA',
        typeof len === 'number'
          ? `${argument}[${r}] has ${len} values but row 0 has ${cols} (row ${r})`
          : `${argument}[${r}] is ${describe(row)}, not an array of numbers (row ${r})`,
        { argument, row: r },
      );
    }
    const o = r * cols;
    for (let c = 0; c < cols; c++) {
      const v = (row as ArrayLike<unknown>)[c];
      // typeof first: storing a BigInt or a Symbol would throw a TypeError of its own
      if (typeof v !== 'number') throw badValue(argument, r, c, v, false);
      data[o + c] = v;
      if (!Number.isFinite(data[o + c])) throw badValue(argument, r, c, v, Number.isFinite(v));
    }
  }
}

/**
 * The shape of flat row-major features: checks nFeatures and the length (not the values), and
 * gives the rows and columns.
 */
export function flatShape(X: Float32Array | Float64Array, nFeatures: number | undefined, argument = 'X'): { rows: number; cols: number } {
  if (nFeatures === undefined) {
    throw new InvalidOptionError(
      'nFeatures',
      undefined,
      `${argument} is a flat ${X.constructor.name}: give the number of features per row with the option nFeatures`,
    );
  }
  if (!Number.isInteger(nFeatures) || nFeatures < 1) {
    throw new InvalidOptionError('nFeatures', nFeatures, `nFeatures must be a positive integer, got ${describe(nFeatures)}`);
  }
  if (X.length === 0) {
    throw new InvalidDataError('EMPTY_DATA', `${argument} has no rows: training needs at least one`, { argument });
  }
  if (X.length % nFeatures !== 0) {
    throw new InvalidDataError('SHAPE_MISMATCH', `${argument} has ${X.length} values, which is not a whole number of rows of nFeatures = ${nFeatures}`, {
      argument,
    });
  }
  return { rows: X.length / nFeatures, cols: nFeatures };
}

/**
 * Flat features whose values were checked elsewhere (the wasm engine checks them while copying
 * them into its memory, engine/wasm/engine.ts): a Float32Array is used as it is; a Float64Array or
 * rows are converted (and checked again) only if something reads `data`, which the fit's direct
 * path does not.
 */
export function checkedElsewhere(X: Float32Array | Float64Array | readonly unknown[], rows: number, cols: number, argument = 'X'): Matrix {
  if (X instanceof Float32Array) return { data: X, rows, cols };
  let data: Float32Array | null = null;
  return {
    rows,
    cols,
    get data(): Float32Array {
      data ??= toMatrix(X, cols, argument).data;
      return data;
    },
  };
}

/** Arrays this package allocated (never handed to the user to write): the wasm engine may keep a copy of them across fits. */
const OWNED = new WeakSet<Float32Array>();

/** Marks an array as allocated here (CSV loading, subsets). */
export function ownArray(data: Float32Array): Float32Array {
  OWNED.add(data);
  return data;
}

/** Whether this package allocated the array (see OWNED). */
export function isOwnArray(data: Float32Array): boolean {
  return OWNED.has(data);
}

/** Copies and checks the targets: one finite number per row. */
export function toVector(y: unknown, rows: number, argument = 'y'): Float32Array {
  if (y === null || typeof y !== 'object' || typeof (y as ArrayLike<number>).length !== 'number') {
    throw new InvalidDataError('INVALID_DATA', `${argument} must be an array or typed array of numbers, got ${describe(y)}`, { argument });
  }
  const src = y as ArrayLike<unknown>;
  if (src.length !== rows) {
    throw new InvalidDataError(
      'SHAPE_MISMATCH',
      `${argument} has ${src.length} values but X has ${rows} rows: they must have one target per row`,
      { argument },
    );
  }
  const out = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    const v = src[i];
    if (typeof v !== 'number') throw badValue(argument, i, undefined, v, false);
    out[i] = v;
    if (!Number.isFinite(out[i])) throw badValue(argument, i, undefined, v, Number.isFinite(v));
  }
  return out;
}

/** Checks that every target is 0 or 1 (binary classification). */
export function checkBinaryLabels(y: Float32Array, argument = 'y'): void {
  for (let i = 0; i < y.length; i++) {
    if (y[i] !== 0 && y[i] !== 1) {
      throw new InvalidDataError(
        'INVALID_LABEL',
        `${argument}[${i}] = ${y[i]}: binary classification takes labels 0 and 1 (row ${i}); map your classes to 0/1 first`,
        { argument, row: i },
      );
    }
  }
}
