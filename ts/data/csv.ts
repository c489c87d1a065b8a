/**
 * CSV loading: papaparse does the CSV (delimiters, quoting, escaped quotes, CRLF), this module
 * turns its rows into numbers as they come, straight into flat Float32Arrays.
 *
 * Text is fed chunk by chunk to papaparse's core `Papa.Parser` with the protocol its own
 * streamers use (ChunkStreamer in papaparse.js): parse the text so far with `ignoreLastRow`, keep
 * the incomplete last row (from `meta.cursor` on) and prepend it to the next chunk. So a 200 MB
 * file never becomes 200 MB of strings at once, and rows arrive through `step` one at a time with
 * no array of all the rows. We drive the parser ourselves rather than through `Papa.parse(stream)`
 * because that would take a different path per runtime (Node streams, FileReader in browsers,
 * neither for web streams in Node) and pushes data instead of pulling it; pulling gives
 * backpressure, and one code path for every source.
 *
 * Columns are selected by name (with a header) or by 0-based index. A value that is missing or
 * not a number is an error naming its line (1-based, as in a text editor: a quoted field with
 * line breaks spans several lines) and column, unless `skipInvalid` skips such rows and counts
 * them. A categorical target is mapped to class indices by a LabelEncoder, categorical feature
 * columns are one-hot encoded by a OneHotEncoder; both are returned so a model can keep them.
 */
import Papa from 'papaparse';
import type { Matrix } from './matrix.js';
import { InvalidDataError, InvalidOptionError, MinibatchError } from '../errors.js';
import { boolean, oneOf, plainObject, rejectUnknown } from '../train/validate.js';
import { CategoryCollector, LabelEncoder, OneHotEncoder, type ClassValue, show } from './encoders.js';
import { type CSVSource, READ_CHUNK, checkSource, describeSource, sliceText, textChunks } from './source.js';

/** A column, by name (needs a header) or by 0-based position. */
export type ColumnSelector = string | number;

/** How `parseCSV` and `Dataset.fromCSV` read a CSV file: columns, target, missing values, categories. */
export interface CSVOptions {
  /** The target column. Without it the table has features only (data to predict on). */
  target?: ColumnSelector;
  /** The feature columns, in this order. Default: every column but the target. */
  features?: readonly ColumnSelector[];
  /** Feature columns holding categories, one-hot encoded (in place, one 0/1 column per category). */
  categorical?: readonly ColumnSelector[];
  /**
   * 'number': the target is numeric (regression, or 0/1 labels). 'category': its values are
   * classes, mapped to indices 0..k−1 by a LabelEncoder. 'auto' (default): 'category' when the
   * first target value is not a number (or a labelEncoder is given), else 'number'.
   */
  targetType?: 'auto' | 'number' | 'category';
  /** Field delimiter. Default ','; 'auto' lets papaparse guess among , \t | ; from the first rows. */
  delimiter?: string;
  /** The first row names the columns. Default true; without it columns are named '0', '1', … */
  header?: boolean;
  /** Skip rows with a missing or non-numeric value (counted in `skippedRows`) instead of failing. Default false. */
  skipInvalid?: boolean;
  /**
   * A fitted LabelEncoder to map the target with (for example the one of the training data, when
   * loading test data); an unknown class is an error. An unfitted one is fitted on this data.
   */
  labelEncoder?: LabelEncoder;
  /** Likewise a OneHotEncoder for the categorical columns (its `columns` name them, if `categorical` does not). */
  oneHotEncoder?: OneHotEncoder;
  /** How the source is called in error messages. Default: the path, URL, file name or kind of source. */
  name?: string;
}

export const CSV_OPTION_NAMES = [
  'target',
  'features',
  'categorical',
  'targetType',
  'delimiter',
  'header',
  'skipInvalid',
  'labelEncoder',
  'oneHotEncoder',
  'name',
] as const;

export interface ResolvedCSVOptions {
  readonly name: string;
  readonly target: ColumnSelector | undefined;
  readonly features: readonly ColumnSelector[] | undefined;
  readonly categorical: readonly ColumnSelector[] | undefined;
  readonly targetType: 'auto' | 'number' | 'category';
  readonly delimiter: string;
  readonly header: boolean;
  readonly skipInvalid: boolean;
  readonly labelEncoder: LabelEncoder | undefined;
  readonly oneHotEncoder: OneHotEncoder | undefined;
}

function selector(option: string, v: unknown): ColumnSelector {
  if (typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v) && v >= 0)) return v;
  throw new InvalidOptionError(option, v, `${option} must be a column name or a 0-based column index, got ${show(v)}`);
}

function selectors(option: string, v: unknown): ColumnSelector[] {
  if (!Array.isArray(v)) throw new InvalidOptionError(option, v, `${option} must be an array of column names or 0-based indices, got ${show(v)}`);
  return v.map((s) => selector(option, s));
}

/** Checks the options shared by fromCSV and streamCSV; `extra` are the caller's own option names. */
export function resolveCSVOptions(source: unknown, options: unknown, extra: readonly string[] = []): ResolvedCSVOptions {
  const o = plainObject('CSV options', options);
  rejectUnknown(o, [...CSV_OPTION_NAMES, ...extra], 'CSV');
  const delimiter = o.delimiter === undefined ? ',' : o.delimiter;
  if (typeof delimiter !== 'string' || delimiter === '' || (delimiter !== 'auto' && Papa.BAD_DELIMITERS.some((b) => delimiter.includes(b)))) {
    throw new InvalidOptionError('delimiter', delimiter, `delimiter must be a non-empty string without quotes or line breaks (or 'auto'), got ${show(delimiter)}`);
  }
  if (o.labelEncoder !== undefined && !(o.labelEncoder instanceof LabelEncoder)) {
    throw new InvalidOptionError('labelEncoder', o.labelEncoder, `labelEncoder must be a LabelEncoder, got ${show(o.labelEncoder)}`);
  }
  if (o.oneHotEncoder !== undefined && !(o.oneHotEncoder instanceof OneHotEncoder)) {
    throw new InvalidOptionError('oneHotEncoder', o.oneHotEncoder, `oneHotEncoder must be a OneHotEncoder, got ${show(o.oneHotEncoder)}`);
  }
  if (o.name !== undefined && typeof o.name !== 'string') throw new InvalidOptionError('name', o.name, `name must be a string, got ${show(o.name)}`);
  const targetType = o.targetType === undefined ? 'auto' : oneOf('targetType', o.targetType, ['auto', 'number', 'category'] as const);
  if (targetType === 'number' && o.labelEncoder !== undefined) {
    throw new InvalidOptionError('targetType', targetType, `targetType 'number' and a labelEncoder contradict each other: a labelEncoder maps class targets`);
  }
  if (o.target === undefined && o.labelEncoder !== undefined) {
    throw new InvalidOptionError('labelEncoder', o.labelEncoder, 'a labelEncoder is given but no target column: name the target with the option target');
  }
  return {
    name: (o.name as string | undefined) ?? describeSource(source),
    target: o.target === undefined ? undefined : selector('target', o.target),
    features: o.features === undefined ? undefined : selectors('features', o.features),
    categorical: o.categorical === undefined ? undefined : selectors('categorical', o.categorical),
    targetType,
    delimiter,
    header: o.header === undefined ? true : boolean('header', o.header),
    skipInvalid: o.skipInvalid === undefined ? false : boolean('skipInvalid', o.skipInvalid),
    labelEncoder: o.labelEncoder as LabelEncoder | undefined,
    oneHotEncoder: o.oneHotEncoder as OneHotEncoder | undefined,
  };
}

/** What a CSV load gives: the features (one-hot expanded), the targets, names and encoders. */
export interface LoadedTable {
  readonly x: Matrix;
  readonly y: Float32Array | undefined;
  readonly featureNames: string[];
  readonly targetName: string | undefined;
  readonly labelEncoder: LabelEncoder | undefined;
  readonly oneHotEncoder: OneHotEncoder | undefined;
  readonly skippedRows: number;
}

/** A block of rows read in streaming mode. */
export interface RawChunk {
  readonly x: Matrix;
  readonly y: Float32Array | undefined;
}

/** Thrown (internally) in streaming mode when classes or categories must be learned in a first pass. */
export class NeedsScan extends Error {}

/** How the columns of the file map to features and target (known after the first row). */
interface Plan {
  readonly names: string[];
  readonly nColumns: number;
  /** File column of each feature slot. */
  readonly featureCols: Int32Array;
  /** For each feature slot, its categorical column j, or −1 for a numeric feature. */
  readonly catOf: Int32Array;
  /** File column of each categorical column j. */
  readonly catCols: number[];
  readonly featureNames: string[];
  readonly targetCol: number;
}

/** A categorical column's lookup: fixed (a fitted encoder) or growing (collecting). */
interface Lookup {
  fixed: ((text: string) => number) | null;
  collector: CategoryCollector | null;
}

/** A row longer than this is taken for an unclosed quote rather than buffered without end. */
const MAX_ROW_CHARS = 64 * 1024 * 1024;
const QUOTE = '"';

/** Longest first line waited for before guessing its line break anyway. */
const FIRST_LINE_MAX = 16 * 1024 * 1024;

/** A whole line break: a \n, or a \r that is not the last character (it may be the start of \r\n). */
function hasLineBreak(s: string): boolean {
  if (s.indexOf('\n') >= 0) return true;
  const r = s.indexOf('\r');
  return r >= 0 && r < s.length - 1;
}

function countLineBreaks(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 10) n++;
    else if (c === 13 && s.charCodeAt(i + 1) !== 10) n++;
  }
  return n;
}

/** Values of the first block of a table (4 MB of float32). */
const INITIAL_VALUES = 1 << 20;

/** A Float32Array, or a typed error when it is larger than this runtime can allocate. */
function floatArray(length: number): Float32Array<ArrayBuffer> {
  try {
    return new Float32Array(length);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new InvalidDataError('INVALID_DATA', `the CSV needs ${length} float32 values in one table, more than this runtime can allocate: read it with Dataset.streamCSV`, {
      argument: 'source',
      cause: e,
    });
  }
}

/**
 * Reads CSV text pushed chunk by chunk. In table mode (`chunkRows` null) the rows go into one
 * growing Float32Array (capacity doubled when full, trimmed at the end); in streaming mode into
 * blocks of `chunkRows` rows, collected in `ready` for the caller to take after each write.
 */
export class CSVReader {
  /** Data rows seen, skipped ones included. */
  dataRows = 0;
  skippedRows = 0;
  /** Rows kept in all (in streaming mode, over all chunks so far). */
  keptRows = 0;
  readonly ready: RawChunk[] = [];

  private readonly o: ResolvedCSVOptions;
  private readonly chunkRows: number | null;
  /** Streaming mode: categories must be known before rows are emitted. */
  private readonly needFixedEncoders: boolean;
  /** Streaming mode for a scan: rows are checked and their categories collected, then dropped. */
  private readonly discard: boolean;
  private parser: Papa.Parser | null = null;
  private partial = '';
  /** Length of the incomplete row left by the last parse. */
  private carried = 0;
  private line = 1;
  private quoted = false;
  private firstSkippedLine = 0;
  private plan: Plan | null = null;
  private width = 0;
  private data = new Float32Array(0);
  private y: Float32Array | null = null;
  private capacity = 0;
  private rows = 0;
  private targetKind: 'number' | 'category' | null = null;
  private target: Lookup | null = null;
  private cats: Lookup[] = [];
  private readonly onStep = (results: { data: string[][]; errors: Papa.ParseError[] }): void => this.onRow(results.data[0], results.errors);

  constructor(options: ResolvedCSVOptions, mode: { chunkRows: number | null; needFixedEncoders?: boolean; discard?: boolean }) {
    this.o = options;
    this.chunkRows = mode.chunkRows;
    this.needFixedEncoders = mode.needFixedEncoders ?? false;
    this.discard = mode.discard ?? false;
    if (options.targetType === 'number') this.targetKind = 'number';
    if (options.targetType === 'category' || options.labelEncoder) this.setTargetCategory();
  }

  get featureNames(): string[] | undefined {
    return this.plan?.featureNames;
  }

  get targetName(): string | undefined {
    return this.plan && this.plan.targetCol >= 0 ? this.plan.names[this.plan.targetCol] : undefined;
  }

  /** Feeds the next piece of text. */
  write(text: string): void {
    const agg = this.partial + text;
    if (!this.parser) {
      // Wait for a whole first line to tell the line break (and enough rows to guess the delimiter).
      if (agg.length < FIRST_LINE_MAX && (!hasLineBreak(agg) || (this.o.delimiter === 'auto' && agg.length < READ_CHUNK))) {
        this.partial = agg;
        return;
      }
      this.start(agg);
    }
    // An incomplete row longer than a read (a long quoted field, or an unclosed quote) is parsed
    // again from its start at each parse: wait until the text has doubled, so that the work of
    // re-parsing it stays linear in its length rather than quadratic.
    if (this.carried > READ_CHUNK && agg.length < 2 * this.carried) {
      this.partial = agg;
      return;
    }
    this.quoted = agg.indexOf(QUOTE) >= 0;
    const res = this.parser!.parse(agg, 0, true) as Papa.ParseResult<string[]>;
    this.partial = agg.substring(res.meta.cursor);
    this.carried = this.partial.length;
    if (this.partial.length > MAX_ROW_CHARS) {
      throw new InvalidDataError(
        'INVALID_DATA',
        `${this.o.name} line ${this.line}: a row of more than ${MAX_ROW_CHARS / (1024 * 1024)} M characters; is a quote (") left open on that line?`,
        { argument: this.o.name, row: this.dataRows, line: this.line },
      );
    }
  }

  /** The end of the text: parses the last row and checks that there was data. */
  end(): void {
    if (!this.parser && this.partial.trim() !== '') this.start(this.partial);
    if (this.parser) {
      this.quoted = this.partial.indexOf(QUOTE) >= 0;
      this.parser.parse(this.partial, 0, false);
    }
    this.partial = '';
    const name = this.o.name;
    if (!this.plan) throw new InvalidDataError('EMPTY_DATA', `${name} is empty: it has no ${this.o.header ? 'header and no ' : ''}rows`, { argument: name });
    if (this.dataRows === 0) throw new InvalidDataError('EMPTY_DATA', `${name} has a header but no data rows`, { argument: name, line: this.line });
    if (this.keptRows === 0) {
      throw new InvalidDataError(
        'EMPTY_DATA',
        `${name}: all ${this.dataRows} data rows were skipped for missing or non-numeric values (the first at line ${this.firstSkippedLine}); nothing is left to load`,
        { argument: name, line: this.firstSkippedLine },
      );
    }
    if (this.chunkRows !== null && this.rows > 0) this.emit();
  }

  private start(sample: string): void {
    const guess = Papa.parse<string[]>(sample, { preview: 10, ...(this.o.delimiter === 'auto' ? {} : { delimiter: this.o.delimiter }) });
    const delimiter = this.o.delimiter === 'auto' ? guess.meta.delimiter : this.o.delimiter;
    const newline = guess.meta.linebreak as '\n' | '\r\n' | '\r';
    this.parser = new Papa.Parser({ delimiter, newline, quoteChar: QUOTE, step: this.onStep as never });
    this.delimiterUsed = delimiter;
  }

  private delimiterUsed = ',';

  private onRow(fields: string[], errors: Papa.ParseError[]): void {
    const line = this.line;
    let breaks = 1;
    if (this.quoted) for (let i = 0; i < fields.length; i++) if (fields[i].indexOf('\n') >= 0 || fields[i].indexOf('\r') >= 0) breaks += countLineBreaks(fields[i]);
    this.line += breaks;
    if (errors.length > 0) {
      const e = errors[0];
      const why = e.code === 'MissingQuotes' ? 'a quoted field is never closed (a " is missing)' : `${e.message} (a " inside a quoted field must be doubled: "")`;
      throw new InvalidDataError('INVALID_DATA', `${this.o.name} line ${line}: ${why}`, { argument: this.o.name, row: this.dataRows, line });
    }
    if (fields.length === 1 && fields[0].trim() === '') return; // a blank line
    if (!this.plan) {
      this.makePlan(fields);
      if (this.o.header) return;
    }
    this.dataRow(fields, line);
  }

  private resolve(option: string, s: ColumnSelector, names: string[]): number {
    const name = this.o.name;
    if (typeof s === 'number') {
      if (s >= names.length) throw new InvalidOptionError(option, s, `${option} ${s} is not a column of ${name}: it has ${names.length} columns, 0..${names.length - 1}`);
      return s;
    }
    const c = names.indexOf(s);
    if (!this.o.header) {
      throw new InvalidOptionError(option, s, `${option} ${JSON.stringify(s)}: ${name} is read without a header (header: false), so columns are selected by 0-based index`);
    }
    if (c < 0) {
      let hint = '';
      const loose = names.findIndex((n) => n.trim().toLowerCase() === s.trim().toLowerCase());
      if (loose >= 0) hint = ` Did you mean ${JSON.stringify(names[loose])}?`;
      else if (names.length === 1 && this.o.delimiter !== 'auto') {
        const d = [';', '\t', '|', ','].find((x) => x !== this.delimiterUsed && names[0].includes(x));
        if (d) hint = ` The header was read as one column: is the delimiter ${JSON.stringify(d)}? Pass delimiter: ${JSON.stringify(d)}.`;
      }
      const list = names.length > 30 ? `${names.slice(0, 30).map((n) => JSON.stringify(n)).join(', ')}, … (${names.length} in all)` : names.map((n) => JSON.stringify(n)).join(', ');
      throw new InvalidOptionError(option, s, `${name} has no column ${JSON.stringify(s)}; its columns are ${list}.${hint}`);
    }
    if (names.indexOf(s, c + 1) >= 0) {
      throw new InvalidOptionError(option, s, `${name} has two columns named ${JSON.stringify(s)} (${c} and ${names.indexOf(s, c + 1)}): select by 0-based index instead`);
    }
    return c;
  }

  private makePlan(first: string[]): void {
    const names = this.o.header ? [...first] : first.map((_, i) => String(i));
    const nColumns = names.length;
    const targetCol = this.o.target === undefined ? -1 : this.resolve('target', this.o.target, names);
    let featureCols: number[];
    if (this.o.features) {
      featureCols = this.o.features.map((s) => this.resolve('features', s, names));
      const dup = featureCols.find((c, i) => featureCols.indexOf(c) !== i);
      if (dup !== undefined) throw new InvalidOptionError('features', this.o.features, `features selects column ${JSON.stringify(names[dup])} twice`);
      if (featureCols.includes(targetCol)) {
        throw new InvalidOptionError('features', this.o.features, `features includes the target column ${JSON.stringify(names[targetCol])}`);
      }
    } else {
      featureCols = names.map((_, i) => i).filter((i) => i !== targetCol);
    }
    if (featureCols.length === 0) {
      throw new InvalidOptionError('features', this.o.features, `${this.o.name} has no feature columns: its only column is the target ${JSON.stringify(names[targetCol])}`);
    }
    const enc = this.o.oneHotEncoder;
    const catSpec = this.o.categorical ?? (enc?.isFitted || enc?.columnNames ? enc.columns : []);
    if (enc && catSpec.length === 0) {
      throw new InvalidOptionError('categorical', this.o.categorical, 'a oneHotEncoder is given but no categorical columns: name them with the option categorical');
    }
    const catCols = catSpec.map((s) => this.resolve('categorical', s, names));
    for (const c of catCols) {
      if (!featureCols.includes(c)) throw new InvalidOptionError('categorical', catSpec, `categorical column ${JSON.stringify(names[c])} is not one of the features`);
    }
    if (new Set(catCols).size !== catCols.length) throw new InvalidOptionError('categorical', catSpec, 'categorical lists a column twice');
    if (enc?.isFitted) {
      const encNames = enc.columns;
      const same = encNames.length === catCols.length && catCols.every((c, j) => names[c] === encNames[j] || String(c) === encNames[j]);
      if (!same) {
        throw new InvalidOptionError(
          'oneHotEncoder',
          enc,
          `the oneHotEncoder encodes columns ${encNames.map((n) => JSON.stringify(n)).join(', ')} but the categorical columns are ${catCols.map((c) => JSON.stringify(names[c])).join(', ') || 'none'}`,
        );
      }
    }
    // Feature slots in the order of featureCols; categorical ones are expanded at the end.
    const catOf = new Int32Array(featureCols.length).fill(-1);
    const orderedCats: number[] = [];
    featureCols.forEach((c, k) => {
      const j = catCols.indexOf(c);
      if (j >= 0) {
        catOf[k] = orderedCats.length;
        orderedCats.push(c);
      }
    });
    // The encoder's column order is the categorical columns in feature order; a given encoder's
    // own order must be that one too (checked above against catSpec, which we now reorder).
    if (enc?.isFitted && orderedCats.some((c, j) => c !== catCols[j])) {
      throw new InvalidOptionError('features', this.o.features, 'list the features so that the categorical columns come in the order of the oneHotEncoder columns');
    }
    this.cats = orderedCats.map((_, j) => {
      if (enc?.isFitted) {
        const col = enc.column(j);
        return { fixed: col.indexOfText, collector: null };
      }
      return { fixed: null, collector: new CategoryCollector() };
    });
    if (this.needFixedEncoders && this.cats.some((l) => l.collector)) throw new NeedsScan();
    this.plan = {
      names,
      nColumns,
      featureCols: Int32Array.from(featureCols),
      catOf,
      catCols: orderedCats,
      featureNames: featureCols.map((c) => names[c]),
      targetCol,
    };
    this.width = featureCols.length;
    this.allocate(this.chunkRows ?? 1024);
  }

  private setTargetCategory(): void {
    this.targetKind = 'category';
    const enc = this.o.labelEncoder;
    this.target = enc?.isFitted ? { fixed: (s) => enc.indexOfText(s), collector: null } : { fixed: null, collector: new CategoryCollector() };
    if (this.needFixedEncoders && this.target.collector) throw new NeedsScan();
  }

  private allocate(rows: number): void {
    // a first block of at most INITIAL_VALUES values (a header of millions of columns would
    // otherwise ask for rows × width floats at once); grow() doubles it as rows come
    this.capacity = Math.max(1, Math.min(rows, Math.floor(INITIAL_VALUES / Math.max(1, this.width))));
    this.data = floatArray(this.capacity * this.width);
    this.y = this.plan!.targetCol >= 0 ? new Float32Array(this.capacity) : null;
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    const data = floatArray(capacity * this.width);
    data.set(this.data);
    this.data = data;
    if (this.y) {
      const y = new Float32Array(capacity);
      y.set(this.y);
      this.y = y;
    }
    this.capacity = capacity;
  }

  private invalid(line: number, row: number, col: number, field: string, what: 'missing' | 'nan' | 'overflow', isTarget: boolean): void {
    if (this.o.skipInvalid) {
      if (this.skippedRows++ === 0) this.firstSkippedLine = line;
      return;
    }
    const plan = this.plan!;
    const name = this.o.name;
    const at = `${name} line ${line}, column ${JSON.stringify(plan.names[col])}`;
    let why: string;
    if (what === 'missing') why = 'the value is missing; fill it in, or pass skipInvalid: true to skip rows with missing or non-numeric values';
    else if (what === 'overflow') why = `${field.trim()} overflows float32 (largest magnitude about 3.4e38)`;
    else {
      const hint = isTarget
        ? `; the target was read as numbers (from its first value): if it holds classes, pass targetType: 'category'`
        : `; if the column holds categories, list it in the option categorical`;
      why = `${JSON.stringify(field)} is not a finite number${hint}, or pass skipInvalid: true to skip such rows`;
    }
    throw new InvalidDataError('INVALID_DATA', `${at}: ${why}`, { argument: name, row, column: col, line });
  }

  private dataRow(fields: string[], line: number): void {
    const plan = this.plan!;
    const row = this.dataRows++;
    if (fields.length !== plan.nColumns) {
      const first = this.o.header ? 'the header has' : 'the first row has';
      throw new InvalidDataError(
        'SHAPE_MISMATCH',
        `${this.o.name} line ${line} has ${fields.length} fields but ${first} ${plan.nColumns} (delimiter ${JSON.stringify(this.delimiterUsed)})`,
        { argument: this.o.name, row, line },
      );
    }
    if (this.rows === this.capacity) this.grow();
    const data = this.data;
    const width = this.width;
    const o = this.rows * width;
    const featureCols = plan.featureCols;
    const catOf = plan.catOf;
    // Numbers first: a row that fails is dropped before it touches the category lookups.
    for (let k = 0; k < width; k++) {
      if (catOf[k] >= 0) continue;
      const f = fields[featureCols[k]];
      const v = Number(f);
      data[o + k] = v;
      if (!Number.isFinite(data[o + k]) || (v === 0 && f.trim() === '')) {
        return this.invalid(line, row, featureCols[k], f, f.trim() === '' ? 'missing' : Number.isFinite(v) ? 'overflow' : 'nan', false);
      }
    }
    const t = plan.targetCol;
    let targetText = '';
    if (t >= 0) {
      const f = fields[t];
      if (f.trim() === '') return this.invalid(line, row, t, f, 'missing', true);
      if (this.targetKind === null) {
        // 'auto': the first target value decides.
        if (Number.isFinite(Number(f))) this.targetKind = 'number';
        else this.setTargetCategory();
      }
      if (this.targetKind === 'number') {
        const v = Number(f);
        this.y![this.rows] = v;
        if (!Number.isFinite(this.y![this.rows])) return this.invalid(line, row, t, f, Number.isFinite(v) ? 'overflow' : 'nan', true);
      } else {
        targetText = f;
      }
    }
    const catCols = plan.catCols;
    for (let j = 0; j < catCols.length; j++) if (fields[catCols[j]].trim() === '') return this.invalid(line, row, catCols[j], fields[catCols[j]], 'missing', false);
    // The row is valid: look up (and collect) its categories.
    if (this.targetKind === 'category' && t >= 0) {
      const lookup = this.target!;
      if (lookup.fixed) {
        const k = lookup.fixed(targetText);
        if (k < 0) {
          const classes = this.o.labelEncoder!.classes;
          throw new InvalidDataError(
            'INVALID_LABEL',
            `${this.o.name} line ${line}, column ${JSON.stringify(plan.names[t])}: ${JSON.stringify(targetText)} is not one of the classes of the labelEncoder (${classes.map(show).join(', ')})`,
            { argument: this.o.name, row, column: t, line },
          );
        }
        this.y![this.rows] = k;
      } else {
        this.y![this.rows] = lookup.collector!.code(targetText);
      }
    }
    for (let k = 0; k < width; k++) {
      const j = catOf[k];
      if (j < 0) continue;
      const lookup = this.cats[j];
      const f = fields[featureCols[k]];
      if (lookup.fixed) {
        const idx = lookup.fixed(f);
        if (idx < 0 && this.o.oneHotEncoder!.handleUnknown === 'error') throw this.o.oneHotEncoder!.unknownError(f, j, this.o.name, row, line, featureCols[k]);
        data[o + k] = idx;
      } else {
        data[o + k] = lookup.collector!.code(f);
      }
    }
    this.rows++;
    this.keptRows++;
    if (this.chunkRows !== null && this.rows === this.chunkRows) this.emit();
  }

  /** Streaming mode: hands the full block over and starts a new one. */
  private emit(): void {
    const rows = this.rows;
    if (this.discard) {
      this.rows = 0;
      return;
    }
    const data = rows === this.capacity ? this.data : this.data.slice(0, rows * this.width);
    const y = this.y ? (rows === this.capacity ? this.y : this.y.slice(0, rows)) : undefined;
    const x = this.expand(data, rows, this.cats.map(() => null));
    this.ready.push({ x, y });
    this.rows = 0;
    this.allocate(this.chunkRows!);
  }

  private expand(raw: Float32Array, rows: number, remaps: (Int32Array | null)[]): Matrix {
    return expandCategorical(raw, rows, this.plan!.catOf, this.categorySizes(), remaps);
  }

  private categorySizes(): number[] {
    return this.cats.map((l, j) => (l.fixed ? this.o.oneHotEncoder!.column(j).size : l.collector!.values.length));
  }

  /** The encoders learned from (or given for) this data. */
  encoders(): { labelEncoder: LabelEncoder | undefined; oneHotEncoder: OneHotEncoder | undefined; targetRemap: Int32Array | null; catRemaps: (Int32Array | null)[] } {
    const plan = this.plan!;
    let labelEncoder: LabelEncoder | undefined;
    let targetRemap: Int32Array | null = null;
    if (this.targetKind === 'category' && this.target) {
      if (this.target.collector) {
        const { values, remap } = this.target.collector.finish(true);
        labelEncoder = LabelEncoder.fromSorted(values);
        targetRemap = remap;
      } else {
        labelEncoder = this.o.labelEncoder;
      }
    }
    let oneHotEncoder: OneHotEncoder | undefined;
    const catRemaps: (Int32Array | null)[] = this.cats.map(() => null);
    if (plan.catCols.length > 0) {
      if (this.cats[0].fixed) oneHotEncoder = this.o.oneHotEncoder;
      else {
        const sorted = this.cats.map((l, j) => {
          const s = l.collector!.finish(false);
          catRemaps[j] = s.remap;
          return s.values;
        });
        oneHotEncoder = OneHotEncoder.fromSorted(
          plan.catCols.map((c) => plan.names[c]),
          sorted,
          this.o.oneHotEncoder?.handleUnknown ?? 'error',
        );
      }
    }
    return { labelEncoder, oneHotEncoder, targetRemap, catRemaps };
  }

  /** Table mode, after end(): the loaded table (buffers trimmed, codes mapped to sorted categories). */
  table(): LoadedTable {
    const plan = this.plan!;
    const rows = this.rows;
    const { labelEncoder, oneHotEncoder, targetRemap, catRemaps } = this.encoders();
    const raw = rows === this.capacity ? this.data : this.data.slice(0, rows * this.width);
    const y = this.y ? (rows === this.capacity ? this.y : this.y.slice(0, rows)) : undefined;
    if (y && targetRemap) for (let i = 0; i < rows; i++) y[i] = targetRemap[y[i]];
    const x = this.expand(raw, rows, catRemaps);
    const featureNames: string[] = [];
    plan.featureCols.forEach((c, k) => {
      const j = plan.catOf[k];
      if (j < 0) featureNames.push(plan.names[c]);
      else featureNames.push(...oneHotEncoder!.categories[j].map((v: ClassValue) => `${plan.names[c]}=${String(v)}`));
    });
    return { x, y, featureNames, targetName: this.targetName, labelEncoder, oneHotEncoder, skippedRows: this.skippedRows };
  }

  /** The feature names after one-hot expansion (streaming mode; encoders fixed). */
  expandedFeatureNames(enc = this.o.oneHotEncoder): string[] | undefined {
    const plan = this.plan;
    if (!plan) return undefined;
    return Array.from(plan.featureCols).flatMap((c, k) => {
      const j = plan.catOf[k];
      return j < 0 ? [plan.names[c]] : enc!.categories[j].map((v) => `${plan.names[c]}=${String(v)}`);
    });
  }

  /** Where reading got to, for messages about a source that failed part-way. */
  get position(): string {
    return this.plan ? `after line ${this.line - 1}` : 'before the first line';
  }
}

/** Wraps an error of the source itself (not of its content) as READ_FAILED, saying how far reading got. */
export function sourceError(e: unknown, name: string, reader: CSVReader, consequence = ''): unknown {
  if (e instanceof MinibatchError) return e;
  const msg = (e as Error)?.message ?? String(e);
  return new InvalidDataError('READ_FAILED', `${name}: reading failed ${reader.position}: ${msg}${consequence}`, { argument: 'source', cause: e });
}

/**
 * The one-hot expansion of rows whose categorical slots hold category codes: slot k of a row is
 * a number when `catOf[k]` < 0, else the code of a category of column `catOf[k]` (mapped through
 * `remaps[j]` when given; −1 is an unknown category, all zeros), which becomes `sizes[j]` 0/1
 * columns in place.
 */
export function expandCategorical(raw: Float32Array, rows: number, catOf: Int32Array, sizes: readonly number[], remaps: readonly (Int32Array | null)[]): Matrix {
  const width = catOf.length;
  if (sizes.length === 0) return { data: raw, rows, cols: width };
  const outCol = new Int32Array(width);
  let outWidth = 0;
  for (let k = 0; k < width; k++) {
    outCol[k] = outWidth;
    outWidth += catOf[k] >= 0 ? sizes[catOf[k]] : 1;
  }
  const out = new Float32Array(rows * outWidth);
  for (let r = 0; r < rows; r++) {
    const i = r * width;
    const o = r * outWidth;
    for (let k = 0; k < width; k++) {
      const j = catOf[k];
      if (j < 0) out[o + outCol[k]] = raw[i + k];
      else {
        const code = raw[i + k];
        const remap = remaps[j];
        if (code >= 0) out[o + outCol[k] + (remap ? remap[code] : code)] = 1;
      }
    }
  }
  return { data: out, rows, cols: outWidth };
}

/** Reads a whole CSV source into one table. Nothing is returned unless all of it was read. */
export async function readCSV(source: CSVSource, options: ResolvedCSVOptions): Promise<LoadedTable> {
  const reader = new CSVReader(options, { chunkRows: null });
  try {
    for await (const text of textChunks(source, options.name)) reader.write(text);
  } catch (e) {
    throw sourceError(e, options.name, reader, '; nothing was loaded');
  }
  reader.end();
  return reader.table();
}

export { checkSource };

/** A numeric table parsed from CSV text (the original, synchronous API). */
export interface Table {
  readonly x: Matrix;
  readonly y: Float32Array;
  readonly featureNames: string[];
  readonly targetName: string;
}

/**
 * Parses CSV text with a header row: the target column (numeric) and every other column as a
 * feature. Synchronous; `Dataset.fromCSV` takes files, streams and every other source.
 */
export function parseCSV(text: string, options: { target: string; source?: string }): Table {
  const o = resolveCSVOptions(text, { target: options.target, targetType: 'number', delimiter: 'auto', name: options.source ?? 'CSV' });
  const reader = new CSVReader(o, { chunkRows: null });
  for (const piece of sliceText(text)) reader.write(piece);
  reader.end();
  const t = reader.table();
  return { x: t.x, y: t.y!, featureNames: t.featureNames, targetName: t.targetName! };
}
