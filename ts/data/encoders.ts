/**
 * Encoders for categorical values: `LabelEncoder` maps the classes of a target to indices
 * 0..k−1, `OneHotEncoder` turns categorical feature columns into 0/1 indicator columns. Both learn
 * their categories in `fit`, sorted as scikit-learn does (np.unique), refuse values they have not
 * seen (or, for the one-hot encoder with `handleUnknown: 'ignore'`, encode them as all zeros), and
 * save to plain JSON so that a model can carry them and apply the same mapping at predict time.
 */
import type { Matrix } from './matrix.js';
import { InvalidDataError, InvalidModelError, InvalidOptionError, NotFittedError } from '../errors.js';
import { oneOf, plainObject, rejectUnknown } from '../train/validate.js';

/** A class or category: all the values of one column must be of the same type. */
export type ClassValue = string | number | boolean;
type ClassType = 'string' | 'number' | 'boolean';

export function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : typeof v;
}

function listValues(values: readonly ClassValue[], max = 10): string {
  const shown = values.slice(0, max).map(show).join(', ');
  return values.length > max ? `${shown}, … (${values.length} in all)` : shown;
}

/** The type of a class value, or null when the value cannot be a class (null, NaN, objects, …). */
export function classType(v: unknown): ClassType | null {
  if (typeof v === 'string' || typeof v === 'boolean') return typeof v as ClassType;
  if (typeof v === 'number') return Number.isFinite(v) ? 'number' : null;
  return null;
}

/**
 * Sorted like np.unique: numbers ascending, booleans false before true, strings by UTF-16 code
 * unit (Array.prototype.sort's order, the same on every platform, unlike localeCompare).
 */
function sortValues(values: ClassValue[]): ClassValue[] {
  return values.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** True when every string is a number written the way JavaScript writes it ("3", "-1.5"). */
function allCanonicalNumbers(values: readonly ClassValue[]): boolean {
  return values.every((v) => typeof v === 'string' && v !== '' && String(Number(v)) === v);
}

/** One column's categories with their index; the building block of both encoders. */
class Categories {
  readonly values: readonly ClassValue[];
  readonly type: ClassType | null;
  private readonly index = new Map<ClassValue, number>();

  /** `values` must be unique and of one type (checked by the callers that take user input). */
  constructor(values: readonly ClassValue[]) {
    this.values = values;
    this.type = values.length > 0 ? classType(values[0]) : null;
    values.forEach((v, i) => this.index.set(v, i));
  }

  /** Checks values given by a user or read from JSON: non-empty, one type, finite, unique. */
  static check(values: unknown, what: string, fail: (message: string) => Error): Categories {
    if (!Array.isArray(values) || values.length === 0) throw fail(`${what} must be a non-empty array of class values, got ${show(values)}`);
    const type = classType(values[0]);
    const seen = new Set<ClassValue>();
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as unknown;
      if (classType(v) === null) throw fail(`${what}[${i}] is ${show(v)}: a class is a string, a finite number or a boolean`);
      if (classType(v) !== type) throw fail(`${what} mixes ${type}s and ${classType(v)}s (${what}[${i}] = ${show(v)}): use one type`);
      if (seen.has(v as ClassValue)) throw fail(`${what} lists ${show(v)} twice`);
      seen.add(v as ClassValue);
    }
    return new Categories(values as ClassValue[]);
  }

  get size(): number {
    return this.values.length;
  }

  /** The index of a value, or −1 when it is not a category (including a value of another type). */
  indexOf(v: unknown): number {
    return this.index.get(v as ClassValue) ?? -1;
  }

  /**
   * The index of a value read as text (a CSV field), converted to the categories' type first so
   * that an encoder fitted on numbers or booleans also reads CSV files. −1 when unknown.
   */
  indexOfText(text: string): number {
    if (this.type === 'number') {
      if (text.trim() === '') return -1;
      return this.index.get(Number(text)) ?? -1;
    }
    if (this.type === 'boolean') return text === 'true' ? (this.index.get(true) ?? -1) : text === 'false' ? (this.index.get(false) ?? -1) : -1;
    return this.index.get(text) ?? -1;
  }
}

/**
 * Collects the distinct values of a column in one pass, numbering them by first appearance; then
 * sorts them and says where each first-appearance code goes. Used by the loaders, which cannot
 * know the categories before the end of the data.
 */
export class CategoryCollector {
  readonly values: ClassValue[] = [];
  /** The type of the first value; later values of another type are the caller's error. */
  type: ClassType | null = null;
  private readonly codes = new Map<ClassValue, number>();

  /** The first-appearance code of a value (the caller has checked its type). */
  code(v: ClassValue): number {
    let c = this.codes.get(v);
    if (c === undefined) {
      c = this.values.length;
      if (this.type === null) this.type = classType(v);
      this.codes.set(v, c);
      this.values.push(v);
    }
    return c;
  }

  /**
   * Sorted categories and `remap[code]` = sorted index. With `numericText`, text values that are
   * all numbers as JavaScript writes them ("1", "2", "10") become numbers and sort as numbers:
   * CSV class columns of 1/2/3 give classes [1, 2, 3], not ["1", "10", "2"].
   */
  finish(numericText: boolean): { values: ClassValue[]; remap: Int32Array } {
    const asNumbers = numericText && allCanonicalNumbers(this.values);
    const keyed = this.values.map((v, code) => ({ v: asNumbers ? Number(v) : v, code }));
    keyed.sort((a, b) => (a.v < b.v ? -1 : a.v > b.v ? 1 : 0));
    const remap = new Int32Array(keyed.length);
    keyed.forEach((k, i) => (remap[k.code] = i));
    return { values: keyed.map((k) => k.v), remap };
  }
}

/** A LabelEncoder as JSON (`toJSON()`, read back by `LabelEncoder.fromJSON`). */
export interface LabelEncoderJSON {
  format: 'minibatch.labelEncoder';
  version: 1;
  classes: ClassValue[] | null;
}

/**
 * Maps the classes of a target to the indices 0..k−1 that classifiers train on, and back.
 * `fit` sorts the classes (as scikit-learn's LabelEncoder does); classes given to the
 * constructor keep the order given, so that `new LabelEncoder(['no', 'yes'])` makes 'yes' class 1.
 */
export class LabelEncoder {
  private cats: Categories | null;

  constructor(classes?: readonly ClassValue[]) {
    this.cats = classes === undefined ? null : Categories.check(classes, 'classes', (m) => new InvalidOptionError('classes', classes, m));
  }

  /** @internal: an encoder over categories already checked (by a loader). */
  static fromSorted(values: readonly ClassValue[]): LabelEncoder {
    const e = new LabelEncoder();
    e.cats = new Categories(values);
    return e;
  }

  get isFitted(): boolean {
    return this.cats !== null;
  }

  /** The classes, class i at index i (a copy). */
  get classes(): ClassValue[] {
    return [...this.fitted.values];
  }

  get nClasses(): number {
    return this.fitted.size;
  }

  private get fitted(): Categories {
    if (!this.cats) throw new NotFittedError('LabelEncoder');
    return this.cats;
  }

  /** Learns the sorted distinct classes of `y`. All values must be of one type. */
  fit(y: ArrayLike<unknown>, argument = 'y'): this {
    const collector = new CategoryCollector();
    const n = checkArrayLike(y, argument);
    if (n === 0) throw new InvalidDataError('EMPTY_DATA', `${argument} is empty: there are no classes to learn`, { argument });
    for (let i = 0; i < n; i++) {
      const v = y[i];
      checkClassValue(v, collector.type, argument, i);
      collector.code(v as ClassValue);
    }
    this.cats = new Categories(sortValues(collector.values));
    return this;
  }

  /** The class index of each value, as float32 (exact below 2^24 classes). */
  transform(y: ArrayLike<unknown>, argument = 'y'): Float32Array {
    const cats = this.fitted;
    const n = checkArrayLike(y, argument);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const k = cats.indexOf(y[i]);
      if (k < 0) {
        throw new InvalidDataError(
          'INVALID_LABEL',
          `${argument}[${i}] = ${show(y[i])} is not one of the classes the encoder knows (${listValues(cats.values)}) (row ${i})`,
          { argument, row: i },
        );
      }
      out[i] = k;
    }
    return out;
  }

  /** `fit(y)`, then `transform(y)`. */
  fitTransform(y: ArrayLike<unknown>, argument = 'y'): Float32Array {
    return this.fit(y, argument).transform(y, argument);
  }

  /** The class of each index. */
  inverseTransform(indices: ArrayLike<number>, argument = 'indices'): ClassValue[] {
    const cats = this.fitted;
    const n = checkArrayLike(indices, argument);
    const out: ClassValue[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const k = indices[i];
      if (!Number.isInteger(k) || k < 0 || k >= cats.size) {
        throw new InvalidDataError('INVALID_LABEL', `${argument}[${i}] = ${show(k)} is not a class index 0..${cats.size - 1} (row ${i})`, {
          argument,
          row: i,
        });
      }
      out[i] = cats.values[k];
    }
    return out;
  }

  /** The index of one class, or −1. */
  indexOf(value: unknown): number {
    return this.fitted.indexOf(value);
  }

  /** @internal: the index of a class read as CSV text, or −1. */
  indexOfText(text: string): number {
    return this.fitted.indexOfText(text);
  }

  /** The encoder as plain JSON (its classes), for `LabelEncoder.fromJSON`. */
  toJSON(): LabelEncoderJSON {
    return { format: 'minibatch.labelEncoder', version: 1, classes: this.cats ? [...this.cats.values] : null };
  }

  /** An encoder from `toJSON()` output; throws InvalidModelError when the JSON is not one. */
  static fromJSON(json: unknown): LabelEncoder {
    const o = checkJSON(json, 'minibatch.labelEncoder', 'LabelEncoder');
    const e = new LabelEncoder();
    if (o.classes !== null) e.cats = Categories.check(o.classes, 'LabelEncoder JSON: classes', (m) => new InvalidModelError(m));
    return e;
  }
}

/** Options of the OneHotEncoder. */
export interface OneHotEncoderOptions {
  /**
   * What `transform` does with a category not seen in `fit`: 'error' (default) throws, 'ignore'
   * encodes it as all zeros in that column's indicators (scikit-learn's handle_unknown).
   */
  handleUnknown?: 'error' | 'ignore';
  /** The names of the input columns, used in `featureNames()` and in error messages. */
  columns?: readonly string[];
  /** The categories of each input column, instead of learning them in `fit` (order kept). */
  categories?: readonly (readonly ClassValue[])[];
}

/** A OneHotEncoder as JSON (`toJSON()`, read back by `OneHotEncoder.fromJSON`). */
export interface OneHotEncoderJSON {
  format: 'minibatch.oneHotEncoder';
  version: 1;
  handleUnknown: 'error' | 'ignore';
  columns: string[] | null;
  categories: ClassValue[][] | null;
}

/**
 * One-hot encoding of categorical columns: column j with categories c₀..c_{k−1} becomes k columns
 * of 0/1, the indicator of cᵢ at position offset(j) + i. Input is row-major: `X[r][j]` is the
 * category of row r in column j.
 */
export class OneHotEncoder {
  readonly handleUnknown: 'error' | 'ignore';
  private names: string[] | null;
  private cats: Categories[] | null = null;
  private offsets: Int32Array | null = null;

  constructor(options: OneHotEncoderOptions = {}) {
    const o = plainObject('OneHotEncoder options', options);
    rejectUnknown(o, ['handleUnknown', 'columns', 'categories'], 'OneHotEncoder');
    this.handleUnknown = o.handleUnknown === undefined ? 'error' : oneOf('handleUnknown', o.handleUnknown, ['error', 'ignore'] as const);
    this.names = o.columns === undefined ? null : checkNames(o.columns, 'columns');
    if (o.categories !== undefined) {
      const c = o.categories;
      if (!Array.isArray(c) || c.length === 0) {
        throw new InvalidOptionError('categories', c, `categories must be an array with one array of categories per column, got ${show(c)}`);
      }
      this.setCategories(c.map((v, j) => Categories.check(v, `categories[${j}]`, (m) => new InvalidOptionError('categories', c, m))));
    }
    if (this.names && this.cats && this.names.length !== this.cats.length) {
      throw new InvalidOptionError('columns', this.names, `columns names ${this.names.length} columns but categories has ${this.cats.length}`);
    }
  }

  /** @internal: an encoder over categories already checked and sorted (by a loader). */
  static fromSorted(columns: readonly string[], categories: readonly (readonly ClassValue[])[], handleUnknown: 'error' | 'ignore' = 'error'): OneHotEncoder {
    const e = new OneHotEncoder({ handleUnknown, columns });
    e.setCategories(categories.map((v) => new Categories(v)));
    return e;
  }

  private setCategories(cats: Categories[]): void {
    const offsets = new Int32Array(cats.length + 1);
    cats.forEach((c, j) => (offsets[j + 1] = offsets[j] + c.size));
    this.cats = cats;
    this.offsets = offsets;
  }

  get isFitted(): boolean {
    return this.cats !== null;
  }

  /** The categories of each input column (copies). */
  get categories(): ClassValue[][] {
    return this.fitted.map((c) => [...c.values]);
  }

  /** The names of the input columns as given (option `columns`), or null. */
  get columnNames(): string[] | null {
    return this.names ? [...this.names] : null;
  }

  /** The names of the input columns: as given, or x0, x1, … (scikit-learn's default). */
  get columns(): string[] {
    return this.names ? [...this.names] : this.fitted.map((_, j) => `x${j}`);
  }

  get nInputColumns(): number {
    return this.fitted.length;
  }

  get nOutputColumns(): number {
    this.fitted;
    return this.offsets![this.offsets!.length - 1];
  }

  private get fitted(): Categories[] {
    if (!this.cats) throw new NotFittedError('OneHotEncoder');
    return this.cats;
  }

  /** Column j's categories, for the loaders. @internal */
  column(j: number): { offset: number; size: number; indexOf(v: unknown): number; indexOfText(s: string): number } {
    const c = this.fitted[j];
    const offset = this.offsets![j];
    return { offset, size: c.size, indexOf: (v) => c.indexOf(v), indexOfText: (s) => c.indexOfText(s) };
  }

  /** The output column names, `column=category` (scikit-learn's get_feature_names_out uses '_'). */
  featureNames(): string[] {
    const cols = this.columns;
    return this.fitted.flatMap((c, j) => c.values.map((v) => `${cols[j]}=${String(v)}`));
  }

  /** Learns the sorted distinct categories of every column of X (rows of categories). */
  fit(X: readonly (readonly unknown[])[], argument = 'X'): this {
    const cols = checkRows(X, argument, this.names);
    const collectors = Array.from({ length: cols }, () => new CategoryCollector());
    for (let r = 0; r < X.length; r++) {
      for (let j = 0; j < cols; j++) {
        const v = X[r][j];
        checkClassValue(v, collectors[j].type, argument, r, j, this.names?.[j]);
        collectors[j].code(v as ClassValue);
      }
    }
    this.setCategories(collectors.map((c) => new Categories(sortValues(c.values))));
    return this;
  }

  /** The indicator matrix: rows × Σ categories, 1 where the row has that category. */
  transform(X: readonly (readonly unknown[])[], argument = 'X'): Matrix {
    const cats = this.fitted;
    const offsets = this.offsets!;
    checkRows(X, argument, this.names, cats.length);
    const width = offsets[cats.length];
    const data = new Float32Array(X.length * width);
    for (let r = 0; r < X.length; r++) {
      for (let j = 0; j < cats.length; j++) {
        const v = X[r][j];
        const k = cats[j].indexOf(v);
        if (k >= 0) data[r * width + offsets[j] + k] = 1;
        else if (this.handleUnknown === 'error') throw this.unknownError(v, j, argument, r);
      }
    }
    return { data, rows: X.length, cols: width };
  }

  /** `fit(X)`, then `transform(X)`. */
  fitTransform(X: readonly (readonly unknown[])[], argument = 'X'): Matrix {
    return this.fit(X, argument).transform(X, argument);
  }

  /** @internal: the error for a category not seen in fit (shared with the loaders). */
  unknownError(v: unknown, j: number, argument: string, row: number, line?: number, column?: number): InvalidDataError {
    const name = this.columns[j];
    const where = line === undefined ? `${argument}[${row}] column ${JSON.stringify(name)}` : `${argument} line ${line}, column ${JSON.stringify(name)}`;
    return new InvalidDataError(
      'INVALID_DATA',
      `${where}: ${show(v)} is not a category seen in fit (${listValues(this.fitted[j].values)}); ` +
        `pass handleUnknown: 'ignore' to the OneHotEncoder to encode unknown categories as all zeros`,
      { argument, row, column: column ?? j, ...(line === undefined ? {} : { line }) },
    );
  }

  /** The encoder as plain JSON (its categories), for `OneHotEncoder.fromJSON`. */
  toJSON(): OneHotEncoderJSON {
    return {
      format: 'minibatch.oneHotEncoder',
      version: 1,
      handleUnknown: this.handleUnknown,
      columns: this.names ? [...this.names] : null,
      categories: this.cats ? this.cats.map((c) => [...c.values]) : null,
    };
  }

  /** An encoder from `toJSON()` output; throws InvalidModelError when the JSON is not one. */
  static fromJSON(json: unknown): OneHotEncoder {
    const o = checkJSON(json, 'minibatch.oneHotEncoder', 'OneHotEncoder');
    if (o.handleUnknown !== 'error' && o.handleUnknown !== 'ignore') {
      throw new InvalidModelError(`OneHotEncoder JSON: handleUnknown must be 'error' or 'ignore', got ${show(o.handleUnknown)}`);
    }
    let columns: string[] | undefined;
    if (o.columns !== null) {
      if (!Array.isArray(o.columns) || !o.columns.every((c) => typeof c === 'string')) {
        throw new InvalidModelError(`OneHotEncoder JSON: columns must be an array of strings or null`);
      }
      columns = o.columns as string[];
    }
    const e = new OneHotEncoder({ handleUnknown: o.handleUnknown, ...(columns ? { columns } : {}) });
    if (o.categories !== null) {
      if (!Array.isArray(o.categories) || o.categories.length === 0) throw new InvalidModelError(`OneHotEncoder JSON: categories must be a non-empty array or null`);
      e.setCategories(o.categories.map((v, j) => Categories.check(v, `OneHotEncoder JSON: categories[${j}]`, (m) => new InvalidModelError(m))));
      if (columns && columns.length !== o.categories.length) {
        throw new InvalidModelError(`OneHotEncoder JSON: ${columns.length} column names for ${o.categories.length} columns of categories`);
      }
    }
    return e;
  }
}

function checkArrayLike(v: unknown, argument: string): number {
  if (v === null || typeof v !== 'object' || typeof (v as ArrayLike<unknown>).length !== 'number') {
    throw new InvalidDataError('INVALID_DATA', `${argument} must be an array, got ${show(v)}`, { argument });
  }
  return (v as ArrayLike<unknown>).length;
}

/** A value that can be a class, of the type of the column's earlier values. */
export function checkClassValue(v: unknown, type: ClassType | null, argument: string, row: number, column?: number, name?: string): void {
  const t = classType(v);
  const where = column === undefined ? `${argument}[${row}]` : `${argument}[${row}][${column}]${name === undefined ? '' : ` (column ${JSON.stringify(name)})`}`;
  const at = { argument, row, ...(column === undefined ? {} : { column }) };
  if (t === null) {
    throw new InvalidDataError('INVALID_DATA', `${where} is ${show(v)}: a class or category is a string, a finite number or a boolean (row ${row})`, at);
  }
  if (type !== null && t !== type) {
    throw new InvalidDataError('INVALID_DATA', `${where} is the ${t} ${show(v)} but the earlier values are ${type}s: use one type per column (row ${row})`, at);
  }
}

function checkRows(X: unknown, argument: string, names: readonly string[] | null, expected?: number): number {
  if (!Array.isArray(X)) throw new InvalidDataError('INVALID_DATA', `${argument} must be an array of rows of categories, got ${show(X)}`, { argument });
  if (X.length === 0) throw new InvalidDataError('EMPTY_DATA', `${argument} has no rows`, { argument });
  const cols = expected ?? names?.length ?? (Array.isArray(X[0]) ? (X[0] as unknown[]).length : -1);
  for (let r = 0; r < X.length; r++) {
    const row = X[r] as unknown;
    if (!Array.isArray(row)) throw new InvalidDataError('INVALID_DATA', `${argument}[${r}] is ${show(row)}, not an array (row ${r})`, { argument, row: r });
    if (row.length !== cols) {
      throw new InvalidDataError('SHAPE_MISMATCH', `${argument}[${r}] has ${row.length} values but the encoder has ${cols} columns (row ${r})`, { argument, row: r });
    }
  }
  if (cols === 0) throw new InvalidDataError('EMPTY_DATA', `${argument} has rows with no columns`, { argument });
  return cols;
}

export function checkNames(v: unknown, option: string): string[] {
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) {
    throw new InvalidOptionError(option, v, `${option} must be an array of strings, got ${show(v)}`);
  }
  const seen = new Set<string>();
  for (const s of v as string[]) {
    if (seen.has(s)) throw new InvalidOptionError(option, v, `${option} names ${JSON.stringify(s)} twice`);
    seen.add(s);
  }
  return [...(v as string[])];
}

export function checkJSON(json: unknown, format: string, what: string): Record<string, unknown> {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new InvalidModelError(`${what}.fromJSON takes an object, got ${show(json)}`);
  const o = json as Record<string, unknown>;
  if (o.format !== format) throw new InvalidModelError(`${what}.fromJSON: format is ${show(o.format)}, expected '${format}'`);
  if (o.version !== 1) throw new InvalidModelError(`${what}.fromJSON: version ${show(o.version)} is not supported (this version reads 1)`);
  return o;
}
