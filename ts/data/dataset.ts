/**
 * `Dataset`: the one container every estimator takes. Features are a row-major float32 matrix,
 * targets (when there are any) a Float32Array, one per row; it knows its column names, and for a
 * categorical target the LabelEncoder between class values and the indices 0..k−1 that training
 * uses (and for categorical features the OneHotEncoder that expanded them), so that a model can
 * save both and map new data the same way.
 *
 * Made from arrays (`fromArrays`), arrays of objects (`fromObjects`) and CSV (`fromCSV`), or read
 * in chunks from a CSV too large for memory (`streamCSV`). Every value is checked once, on the way
 * in; a Dataset is not modified afterwards (methods return new ones).
 */
import { type Matrix, ownArray, toMatrix, toVector } from './matrix.js';
import { InvalidDataError, InvalidOptionError } from '../errors.js';
import { oneOf, plainObject, rejectUnknown } from '../train/validate.js';
import { CategoryCollector, type ClassValue, LabelEncoder, OneHotEncoder, checkClassValue, checkNames, classType, show } from './encoders.js';
import { type CSVOptions, expandCategorical, readCSV, resolveCSVOptions } from './csv.js';
import { type CSVSource, checkSource } from './source.js';
import { CSVStream, type StreamCSVOptions } from './stream.js';

/** The parts of a Dataset, for its constructor (the `from*` factories fill them in). */
export interface DatasetInit {
  readonly x: Matrix;
  readonly y?: Float32Array;
  /** Default x0, x1, … */
  readonly featureNames?: readonly string[];
  /** Default 'y' when there are targets. */
  readonly targetName?: string;
  readonly labelEncoder?: LabelEncoder;
  readonly oneHotEncoder?: OneHotEncoder;
  readonly skippedRows?: number;
}

/** Options of `Dataset.fromArrays`. */
export interface FromArraysOptions {
  /** Features per row, when X is a flat row-major Float32Array/Float64Array. */
  nFeatures?: number;
  /** Column names. Default x0, x1, … */
  featureNames?: readonly string[];
  /** Default 'y'. */
  targetName?: string;
  /** 'auto' (default): classes when y holds strings or booleans; 'category' also maps numeric classes (say 1, 2, 3) to 0..k−1. */
  targetType?: 'auto' | 'number' | 'category';
  /** A fitted LabelEncoder to map y with (unknown classes are an error). */
  labelEncoder?: LabelEncoder;
}

/** Options of `Dataset.fromObjects`. */
export interface FromObjectsOptions {
  /** The target key. Without it the dataset has features only. */
  target?: string;
  /** The feature keys, in this order. Default: the keys of the first row, less the target. */
  features?: readonly string[];
  /** Feature keys holding categories (strings, numbers or booleans), one-hot encoded in place. */
  categorical?: readonly string[];
  /** As for fromArrays: 'auto' (default) makes string and boolean targets classes. */
  targetType?: 'auto' | 'number' | 'category';
  /** A fitted LabelEncoder for the target (for example the training data's). */
  labelEncoder?: LabelEncoder;
  /** A OneHotEncoder for the categorical keys: fitted ones are applied, unfitted ones fitted here. */
  oneHotEncoder?: OneHotEncoder;
}

const defaultNames = (n: number): string[] => Array.from({ length: n }, (_, j) => `x${j}`);

/**
 * Rows of features (float32, row-major) with their targets, feature names and the encoders that made them;
 * what `fit`, `score` and the splits take. Made by `fromArrays`, `fromObjects` or `fromCSV`.
 */
export class Dataset {
  /** Features, row-major: row r is `x.data.subarray(r * x.cols, (r + 1) * x.cols)`. Treat as read-only. */
  readonly x: Matrix;
  /** Targets, one per row (class indices for a categorical target), or undefined. Treat as read-only. */
  readonly y: Float32Array | undefined;
  readonly featureNames: readonly string[];
  readonly targetName: string | undefined;
  /** The classes of a categorical target, class `i` ↔ `y` value i. */
  readonly labelEncoder: LabelEncoder | undefined;
  /** The encoder of the categorical feature columns, if any were one-hot encoded. */
  readonly oneHotEncoder: OneHotEncoder | undefined;
  /** Rows of the source skipped for missing or non-numeric values (CSV with skipInvalid); 0 otherwise. */
  readonly skippedRows: number;

  /**
   * Wraps arrays that are already checked, without copying them (the factories below check and
   * copy). Only the shapes are checked here.
   */
  constructor(init: DatasetInit) {
    const { x, y } = init;
    if (!x || !(x.data instanceof Float32Array) || !Number.isInteger(x.rows) || !Number.isInteger(x.cols) || x.data.length !== x.rows * x.cols) {
      throw new InvalidDataError('SHAPE_MISMATCH', 'x must be a Matrix { data: Float32Array, rows, cols } with data.length = rows × cols', { argument: 'x' });
    }
    if (y !== undefined && (!(y instanceof Float32Array) || y.length !== x.rows)) {
      throw new InvalidDataError('SHAPE_MISMATCH', `y must be a Float32Array with one target per row (${x.rows})`, { argument: 'y' });
    }
    const featureNames = init.featureNames ? checkNames(init.featureNames, 'featureNames') : defaultNames(x.cols);
    if (featureNames.length !== x.cols) {
      throw new InvalidOptionError('featureNames', init.featureNames, `featureNames has ${featureNames.length} names for ${x.cols} feature columns`);
    }
    if (init.labelEncoder && y === undefined) throw new InvalidOptionError('labelEncoder', init.labelEncoder, 'a labelEncoder needs targets y');
    this.x = x;
    this.y = y;
    this.featureNames = featureNames;
    this.targetName = y === undefined ? undefined : (init.targetName ?? 'y');
    this.labelEncoder = init.labelEncoder;
    this.oneHotEncoder = init.oneHotEncoder;
    this.skippedRows = init.skippedRows ?? 0;
  }

  get rows(): number {
    return this.x.rows;
  }

  get nFeatures(): number {
    return this.x.cols;
  }

  /** The number of classes of a categorical target, or undefined. */
  get nClasses(): number | undefined {
    return this.labelEncoder?.nClasses;
  }

  /** A copy of these rows (in this order; a row may repeat), with the same names and encoders. */
  subset(indices: ArrayLike<number>): Dataset {
    const n = this.rows;
    if (indices === null || typeof indices !== 'object' || typeof indices.length !== 'number') {
      throw new InvalidDataError('INVALID_DATA', `indices must be an array or Uint32Array of row numbers, got ${show(indices)}`, { argument: 'indices' });
    }
    if (indices.length === 0) throw new InvalidDataError('EMPTY_DATA', 'indices is empty: a dataset needs at least one row', { argument: 'indices' });
    const cols = this.x.cols;
    const data = new Float32Array(indices.length * cols);
    const y = this.y ? new Float32Array(indices.length) : undefined;
    for (let i = 0; i < indices.length; i++) {
      const r = indices[i];
      if (!Number.isInteger(r) || r < 0 || r >= n) {
        throw new InvalidDataError('INVALID_DATA', `indices[${i}] = ${show(r)} is not a row of this dataset (0..${n - 1})`, { argument: 'indices', row: i });
      }
      data.set(this.x.data.subarray(r * cols, (r + 1) * cols), i * cols);
      if (y) y[i] = this.y![r];
    }
    return this.derive({ data: ownArray(data), rows: indices.length, cols }, y);
  }

  /** The same rows and targets with other features (a transform's output), same row count. */
  withFeatures(x: Matrix, featureNames?: readonly string[]): Dataset {
    if (x.rows !== this.rows) {
      throw new InvalidDataError('SHAPE_MISMATCH', `the new features have ${x.rows} rows but the dataset has ${this.rows}`, { argument: 'x' });
    }
    const names = featureNames ?? (x.cols === this.x.cols ? this.featureNames : undefined);
    return new Dataset({ ...this.meta(), x, y: this.y, ...(names ? { featureNames: names } : {}), ...(x.cols === this.x.cols ? {} : { oneHotEncoder: undefined }) });
  }

  private meta(): Omit<DatasetInit, 'x' | 'y'> {
    return {
      featureNames: this.featureNames,
      ...(this.targetName === undefined ? {} : { targetName: this.targetName }),
      ...(this.labelEncoder ? { labelEncoder: this.labelEncoder } : {}),
      ...(this.oneHotEncoder ? { oneHotEncoder: this.oneHotEncoder } : {}),
    };
  }

  private derive(x: Matrix, y: Float32Array | undefined): Dataset {
    return new Dataset({ ...this.meta(), x, ...(y ? { y } : {}) });
  }

  /**
   * From `number[][]` (rows) or a row-major Float32Array/Float64Array with `nFeatures`, and
   * optional targets: numbers, or class values (strings, booleans; numbers with targetType
   * 'category') which are mapped to 0..k−1 by a LabelEncoder.
   */
  static fromArrays(X: ArrayLike<number>[] | Float32Array | Float64Array, y?: ArrayLike<unknown>, options: FromArraysOptions = {}): Dataset {
    const o = plainObject('fromArrays options', options);
    rejectUnknown(o, ['nFeatures', 'featureNames', 'targetName', 'targetType', 'labelEncoder'], 'fromArrays');
    const targetType = o.targetType === undefined ? 'auto' : oneOf('targetType', o.targetType, ['auto', 'number', 'category'] as const);
    const labelEncoder = checkEncoder(o.labelEncoder, LabelEncoder, 'labelEncoder');
    const x = toMatrix(X, o.nFeatures as number | undefined, 'X');
    const featureNames = o.featureNames === undefined ? undefined : checkNames(o.featureNames, 'featureNames');
    if (o.targetName !== undefined && typeof o.targetName !== 'string') throw new InvalidOptionError('targetName', o.targetName, `targetName must be a string, got ${show(o.targetName)}`);
    if (y === undefined) {
      if (labelEncoder) throw new InvalidOptionError('labelEncoder', labelEncoder, 'a labelEncoder is given but no targets y');
      return new Dataset({ x, ...(featureNames ? { featureNames } : {}) });
    }
    let t: Float32Array;
    let encoder: LabelEncoder | undefined;
    const isClasses = targetType === 'category' || labelEncoder !== undefined || (targetType === 'auto' && hasNonNumber(y));
    if (isClasses) {
      if (targetType === 'number') throw new InvalidOptionError('targetType', targetType, "targetType 'number' and a labelEncoder contradict each other");
      if (y === null || typeof y !== 'object' || typeof y.length !== 'number') {
        throw new InvalidDataError('INVALID_DATA', `y must be an array of targets, got ${show(y)}`, { argument: 'y' });
      }
      if (y.length !== x.rows) {
        throw new InvalidDataError('SHAPE_MISMATCH', `y has ${y.length} values but X has ${x.rows} rows: they must have one target per row`, { argument: 'y' });
      }
      encoder = labelEncoder?.isFitted ? labelEncoder : new LabelEncoder().fit(y);
      t = encoder.transform(y);
    } else {
      t = toVector(y, x.rows, 'y');
    }
    return new Dataset({
      x,
      y: t,
      ...(featureNames ? { featureNames } : {}),
      targetName: (o.targetName as string | undefined) ?? 'y',
      ...(encoder ? { labelEncoder: encoder } : {}),
    });
  }

  /**
   * From an array of objects, one per row (`[{ age: 31, income: 5.2, label: 'yes' }]`), the
   * features and target chosen by key. A feature value must be a finite number, or a class value
   * for the keys listed in `categorical` (one-hot encoded); a string or boolean target is mapped
   * to class indices by a LabelEncoder.
   */
  static fromObjects(rows: readonly object[], options: FromObjectsOptions = {}): Dataset {
    const o = plainObject('fromObjects options', options);
    rejectUnknown(o, ['target', 'features', 'categorical', 'targetType', 'labelEncoder', 'oneHotEncoder'], 'fromObjects');
    const targetType = o.targetType === undefined ? 'auto' : oneOf('targetType', o.targetType, ['auto', 'number', 'category'] as const);
    const labelEncoder = checkEncoder(o.labelEncoder, LabelEncoder, 'labelEncoder');
    const oneHot = checkEncoder(o.oneHotEncoder, OneHotEncoder, 'oneHotEncoder');
    if (o.target !== undefined && typeof o.target !== 'string') throw new InvalidOptionError('target', o.target, `target must be a key (a string), got ${show(o.target)}`);
    const target = o.target as string | undefined;
    if (!Array.isArray(rows)) throw new InvalidDataError('INVALID_DATA', `rows must be an array of objects, got ${show(rows)}`, { argument: 'rows' });
    if (rows.length === 0) throw new InvalidDataError('EMPTY_DATA', 'rows is empty: a dataset needs at least one row', { argument: 'rows' });
    rows.forEach((row, r) => {
      if (row === null || typeof row !== 'object' || Array.isArray(row)) {
        throw new InvalidDataError('INVALID_DATA', `rows[${r}] is ${show(row)}, not an object (row ${r})`, { argument: 'rows', row: r });
      }
    });
    const first = rows[0] as Record<string, unknown>;
    const keys = Object.keys(first);
    if (target !== undefined && !(target in first)) {
      throw new InvalidOptionError('target', target, `rows[0] has no key ${JSON.stringify(target)}; its keys are ${keys.map((k) => JSON.stringify(k)).join(', ')}`);
    }
    const features = o.features === undefined ? keys.filter((k) => k !== target) : checkNames(o.features, 'features');
    if (features.length === 0) throw new InvalidOptionError('features', o.features, 'there are no feature keys: rows[0] has only the target');
    if (target !== undefined && features.includes(target)) throw new InvalidOptionError('features', o.features, `features includes the target ${JSON.stringify(target)}`);
    const givenCats = o.categorical === undefined ? (oneHot?.isFitted || oneHot?.columnNames ? oneHot.columns : []) : checkNames(o.categorical, 'categorical');
    for (const c of givenCats) {
      if (!features.includes(c)) throw new InvalidOptionError('categorical', o.categorical, `categorical key ${JSON.stringify(c)} is not one of the features`);
    }
    if (oneHot && givenCats.length === 0) throw new InvalidOptionError('categorical', o.categorical, 'a oneHotEncoder is given but no categorical keys: name them with the option categorical');
    // Categorical columns in feature order; a fitted encoder must list them in that order.
    const cats = features.filter((f) => givenCats.includes(f));
    if (oneHot?.isFitted && (oneHot.columns.length !== cats.length || oneHot.columns.some((c, j) => c !== cats[j]))) {
      throw new InvalidOptionError(
        'oneHotEncoder',
        oneHot,
        `the oneHotEncoder encodes ${oneHot.columns.map((c) => JSON.stringify(c)).join(', ')} but the categorical features are, in order, ${cats.map((c) => JSON.stringify(c)).join(', ')}`,
      );
    }
    const catOf = Int32Array.from(features, (f) => cats.indexOf(f));
    const fixedCats = oneHot?.isFitted ? cats.map((_, j) => oneHot.column(j)) : null;
    const collectors = fixedCats ? null : cats.map(() => new CategoryCollector());

    const n = rows.length;
    const width = features.length;
    const raw = new Float32Array(n * width);
    const where = (r: number, k: number) => ({ argument: 'rows', row: r, column: k });
    for (let r = 0; r < n; r++) {
      const row = rows[r] as Record<string, unknown>;
      for (let k = 0; k < width; k++) {
        const key = features[k];
        const v = row[key];
        const at = where(r, k);
        if (v === undefined || v === null) {
          throw new InvalidDataError('INVALID_DATA', `rows[${r}].${key} is ${v === null ? 'null' : 'missing'} (row ${r}, column ${JSON.stringify(key)})`, at);
        }
        const j = catOf[k];
        if (j < 0) {
          raw[r * width + k] = v as number;
          if (typeof v !== 'number' || !Number.isFinite(raw[r * width + k])) {
            const why =
              typeof v !== 'number'
                ? `is ${show(v)}, not a number; if ${JSON.stringify(key)} holds categories, list it in the option categorical`
                : Number.isFinite(v)
                  ? `= ${v} overflows float32 (largest magnitude about 3.4e38)`
                  : `= ${v} is not finite`;
            throw new InvalidDataError('INVALID_DATA', `rows[${r}].${key} ${why} (row ${r}, column ${JSON.stringify(key)})`, at);
          }
        } else if (fixedCats) {
          const idx = fixedCats[j].indexOf(v);
          if (idx < 0 && oneHot!.handleUnknown === 'error') throw oneHot!.unknownError(v, j, 'rows', r, undefined, k);
          raw[r * width + k] = idx;
        } else {
          checkClassValue(v, collectors![j].type, 'rows', r, k, key);
          raw[r * width + k] = collectors![j].code(v as ClassValue);
        }
      }
    }
    let encoder: OneHotEncoder | undefined = oneHot?.isFitted ? oneHot : undefined;
    const remaps: (Int32Array | null)[] = cats.map(() => null);
    let sizes: number[] = fixedCats ? fixedCats.map((c) => c.size) : [];
    if (collectors) {
      const sorted = collectors.map((c, j) => {
        const s = c.finish(false);
        remaps[j] = s.remap;
        return s.values;
      });
      sizes = sorted.map((s) => s.length);
      if (cats.length > 0) encoder = OneHotEncoder.fromSorted(cats, sorted, oneHot?.handleUnknown ?? 'error');
    }
    const x = expandCategorical(raw, n, catOf, sizes, remaps);
    const featureNames = features.flatMap((f, k) => (catOf[k] < 0 ? [f] : encoder!.categories[catOf[k]].map((v) => `${f}=${String(v)}`)));

    ownArray(x.data);
    if (target === undefined) return new Dataset({ x, featureNames, ...(encoder ? { oneHotEncoder: encoder } : {}) });
    const values = rows.map((row) => (row as Record<string, unknown>)[target]);
    const isClasses = targetType === 'category' || labelEncoder !== undefined || (targetType === 'auto' && classType(values[0]) !== 'number' && values[0] != null);
    if (isClasses && targetType === 'number') throw new InvalidOptionError('targetType', targetType, "targetType 'number' and a labelEncoder contradict each other");
    const y = new Float32Array(n);
    const targetError = (r: number, why: string) =>
      new InvalidDataError(isClasses ? 'INVALID_LABEL' : 'INVALID_DATA', `rows[${r}].${target} (the target) ${why} (row ${r})`, { argument: 'rows', row: r });
    let labels: LabelEncoder | undefined;
    if (isClasses) {
      const fixed = labelEncoder?.isFitted ? labelEncoder : null;
      const collector = fixed ? null : new CategoryCollector();
      for (let r = 0; r < n; r++) {
        const v = values[r];
        const t = classType(v);
        if (t === null) throw targetError(r, `is ${v === undefined ? 'missing' : show(v)}: a class is a string, a finite number or a boolean`);
        if (fixed) {
          y[r] = fixed.indexOf(v);
          if (y[r] < 0) throw targetError(r, `is ${show(v)}, not one of the classes of the labelEncoder (${fixed.classes.map(show).join(', ')})`);
        } else {
          if (collector!.type !== null && t !== collector!.type) throw targetError(r, `is the ${t} ${show(v)} but the earlier targets are ${collector!.type}s: use one type`);
          y[r] = collector!.code(v as ClassValue);
        }
      }
      if (collector) {
        const { values: classes, remap } = collector.finish(false);
        for (let r = 0; r < n; r++) y[r] = remap[y[r]];
        labels = LabelEncoder.fromSorted(classes);
      } else labels = fixed!;
    } else {
      for (let r = 0; r < n; r++) {
        const v = values[r];
        y[r] = v as number;
        if (typeof v !== 'number' || !Number.isFinite(y[r])) {
          throw targetError(
            r,
            typeof v !== 'number'
              ? `is ${v === undefined ? 'missing' : show(v)}, not a number${r > 0 ? `; the target was read as numbers from rows[0]: if it holds classes, pass targetType: 'category'` : ''}`
              : Number.isFinite(v)
                ? `= ${v} overflows float32`
                : `= ${v} is not finite`,
          );
        }
      }
    }
    return new Dataset({ x, y, featureNames, targetName: target, ...(labels ? { labelEncoder: labels } : {}), ...(encoder ? { oneHotEncoder: encoder } : {}) });
  }

  /**
   * Loads a whole CSV source: a file path or URL, CSV text (a string with a line break, or
   * `{ text }`), a Blob/File, a Response, a web ReadableStream or a Node Readable. See CSVOptions.
   * Resolves only when all of it has been read and checked; nothing is half-loaded.
   */
  static async fromCSV(source: CSVSource, options: CSVOptions = {}): Promise<Dataset> {
    checkSource(source);
    const resolved = resolveCSVOptions(source, options);
    const t = await readCSV(source, resolved);
    ownArray(t.x.data);
    return new Dataset({
      x: t.x,
      ...(t.y ? { y: t.y, targetName: t.targetName } : {}),
      featureNames: t.featureNames,
      ...(t.labelEncoder ? { labelEncoder: t.labelEncoder } : {}),
      ...(t.oneHotEncoder ? { oneHotEncoder: t.oneHotEncoder } : {}),
      skippedRows: t.skippedRows,
    });
  }

  /**
   * A CSV source read in chunks of `chunkRows` rows, again from the start at every iteration (one
   * epoch, one pass over the file), never holding more than a chunk. See CSVStream.
   */
  static streamCSV(source: CSVSource, options: StreamCSVOptions): CSVStream {
    return new CSVStream(source, options);
  }
}

function checkEncoder<T>(v: unknown, type: abstract new (...args: never[]) => T, option: string): T | undefined {
  if (v === undefined) return undefined;
  if (!(v instanceof type)) throw new InvalidOptionError(option, v, `${option} must be a ${type.name}, got ${show(v)}`);
  return v;
}

/** Does y hold values that are not numbers (strings, booleans: classes)? */
function hasNonNumber(y: ArrayLike<unknown>): boolean {
  if (y === null || typeof y !== 'object' || ArrayBuffer.isView(y)) return false;
  for (let i = 0; i < y.length; i++) {
    const t = classType(y[i]);
    if (t === 'string' || t === 'boolean') return true;
  }
  return false;
}
