/**
 * Data larger than memory: a CSV source read as an async iterable of chunks of rows, read again
 * from the start at every iteration (an epoch is one pass over the file), and a seeded shuffle
 * buffer that mixes the rows of such a stream through a buffer of bounded size (tf.data's
 * `shuffle(bufferSize)`, PyTorch's `BufferedShuffleDataset`). Memory is bounded by the chunk and
 * buffer sizes: nothing accumulates from one chunk to the next.
 */
import type { Matrix } from './matrix.js';
import { InvalidDataError, InvalidOptionError } from '../errors.js';
import { plainObject, positiveInteger, rejectUnknown, seed as checkSeed } from '../train/validate.js';
import { Rng } from './random.js';
import type { LabelEncoder, OneHotEncoder } from './encoders.js';
import { type CSVOptions, type ColumnSelector, CSVReader, NeedsScan, type ResolvedCSVOptions, resolveCSVOptions, sourceError } from './csv.js';
import { type CSVSource, checkSource, isReopenable, textChunks } from './source.js';
import { show } from './encoders.js';

/** A block of rows: features (row-major) and their targets. */
export interface Chunk {
  readonly x: Matrix;
  readonly y: Float32Array;
}

/**
 * Checks a chunk that a stream gave (the `index`-th of its pass): `x` a row-major float32 matrix
 * whose values are all finite, `nFeatures` wide when that is known, and one target per row.
 * Chunks come from user code, so nothing about them is taken on trust before it reaches an engine.
 */
export function checkChunk(c: unknown, index: number, nFeatures?: number): Chunk {
  const where = `chunk ${index} of the stream`;
  const fail = (message: string, code: 'INVALID_DATA' | 'SHAPE_MISMATCH' = 'INVALID_DATA') =>
    new InvalidDataError(code, `${where}: ${message}`, { argument: 'data' });
  if (c === null || typeof c !== 'object') throw fail(`expected { x, y }, got ${show(c)}`);
  const { x, y } = c as { x?: unknown; y?: unknown };
  if (x === null || typeof x !== 'object') throw fail(`x must be a matrix { data: Float32Array, rows, cols }, got ${show(x)}`);
  const { data, rows, cols } = x as { data?: unknown; rows?: unknown; cols?: unknown };
  if (!(data instanceof Float32Array) || !Number.isSafeInteger(rows) || !Number.isSafeInteger(cols) || (rows as number) < 0 || (cols as number) < 1) {
    throw fail('x must be a matrix { data: Float32Array, rows: integer ≥ 0, cols: integer ≥ 1 }');
  }
  if (data.length !== (rows as number) * (cols as number)) {
    throw fail(`x has ${data.length} values, not rows × cols = ${String(rows)} × ${String(cols)}`, 'SHAPE_MISMATCH');
  }
  if (nFeatures !== undefined && cols !== nFeatures) {
    throw fail(`x has ${String(cols)} features per row, the stream ${nFeatures}`, 'SHAPE_MISMATCH');
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      const row = Math.floor(i / (cols as number));
      const column = i % (cols as number);
      throw new InvalidDataError('INVALID_DATA', `${where}: x[${row}][${column}] = ${data[i]} is not finite (row ${row}, column ${column})`, {
        argument: 'data',
        row,
        column,
      });
    }
  }
  const ok = y instanceof Float32Array || (Array.isArray(y) && y.every((v) => typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean'));
  if (!ok || (y as ArrayLike<unknown>).length !== rows) {
    throw fail(`y must be a Float32Array (or an array of labels) of one target per row (${String(rows)}), got ${ok ? `${(y as ArrayLike<unknown>).length} values` : show(y)}`, ok ? 'SHAPE_MISMATCH' : 'INVALID_DATA');
  }
  return c as Chunk;
}

/** The chunks of `source`, each checked (checkChunk) as it passes. */
export function checkedChunks(source: AsyncIterable<Chunk>, nFeatures: number): AsyncIterable<Chunk> {
  return {
    async *[Symbol.asyncIterator]() {
      let index = 0;
      for await (const c of source) yield checkChunk(c, index++, nFeatures);
    },
  };
}

/** Options of `Dataset.streamCSV`: the CSV options, with the target required and the chunk size. */
export interface StreamCSVOptions extends CSVOptions {
  /** The target column (required: a stream is for training). */
  target: ColumnSelector;
  /** Rows per chunk (the last one may be shorter). Default 8192. */
  chunkRows?: number;
}

/** What a full pass over the source found. */
export interface ScanResult {
  /** Rows kept. */
  readonly rows: number;
  /** Rows skipped for missing or non-numeric values (skipInvalid). */
  readonly skippedRows: number;
}

/**
 * A CSV source as chunks `{ x, y }` of `chunkRows` rows. Every `for await` reads the source from
 * the start (so a path, URL, Blob, text or a function that opens a stream can be iterated epoch
 * after epoch; a stream or Response given as such can be read once).
 *
 * A categorical target needs its classes before the first chunk: they come from the options
 * (a fitted `labelEncoder`, e.g. `new LabelEncoder(['no', 'yes'])`) or from a first full pass,
 * which `scan()` makes and which the first iteration makes by itself when needed. The same holds
 * for categorical feature columns and the `oneHotEncoder`.
 */
export class CSVStream implements AsyncIterable<Chunk> {
  readonly chunkRows: number;
  private readonly source: CSVSource;
  private readonly options: ResolvedCSVOptions;
  private consumed = false;
  private labels: LabelEncoder | undefined;
  private oneHot: OneHotEncoder | undefined;
  private names: string[] | undefined;
  private target: string | undefined;
  private lastPass: ScanResult | undefined;

  constructor(source: CSVSource, options: StreamCSVOptions) {
    checkSource(source);
    const o = plainObject('streamCSV options', options);
    if (o.target === undefined) throw new InvalidOptionError('target', undefined, 'streamCSV needs the target column: pass the option target (a column name or index)');
    this.chunkRows = o.chunkRows === undefined ? 8192 : positiveInteger('chunkRows', o.chunkRows);
    const { chunkRows: _, ...csv } = o;
    this.options = resolveCSVOptions(source, csv, []);
    this.source = source;
    this.labels = this.options.labelEncoder?.isFitted ? this.options.labelEncoder : undefined;
    this.oneHot = this.options.oneHotEncoder?.isFitted ? this.options.oneHotEncoder : undefined;
  }

  /** Feature names (after one-hot expansion); known once a pass has read the header. */
  get featureNames(): string[] | undefined {
    return this.names ? [...this.names] : undefined;
  }

  get nFeatures(): number | undefined {
    return this.names?.length;
  }

  get targetName(): string | undefined {
    return this.target;
  }

  /** The classes of a categorical target (known after a scan, or given). */
  get labelEncoder(): LabelEncoder | undefined {
    return this.labels;
  }

  get oneHotEncoder(): OneHotEncoder | undefined {
    return this.oneHot;
  }

  /** Rows kept and skipped by the last complete pass, or undefined before one. */
  get lastPassStats(): ScanResult | undefined {
    return this.lastPass;
  }

  /** Opens the source for one pass; a one-shot source only once. */
  private open(purpose: string): CSVSource {
    if (!isReopenable(this.source)) {
      if (this.consumed) {
        throw new InvalidDataError(
          'READ_FAILED',
          `${this.options.name}: a stream or Response can be read once, and ${purpose} needs another pass. ` +
            'Pass a file path, URL, Blob or a function that opens a new stream (() => fs.createReadStream(path)) to read it again' +
            (purpose === 'learning the classes'
              ? '; or give the classes (labelEncoder: new LabelEncoder([...])) and the categories of categorical columns (a fitted oneHotEncoder)'
              : ''),
          { argument: 'source' },
        );
      }
      this.consumed = true;
    }
    return this.source;
  }

  private resolvedWithEncoders(): ResolvedCSVOptions {
    return { ...this.options, labelEncoder: this.labels ?? this.options.labelEncoder, oneHotEncoder: this.oneHot ?? this.options.oneHotEncoder };
  }

  /**
   * Reads the whole source once, checking every row, learning the classes of a categorical
   * target and the categories of categorical features (unless given), and counting the rows.
   * Memory stays bounded by one chunk.
   */
  scan(): Promise<ScanResult> {
    return this.fullPass('scan()');
  }

  private async fullPass(purpose: string): Promise<ScanResult> {
    const source = this.open(purpose);
    const reader = new CSVReader(this.resolvedWithEncoders(), { chunkRows: this.chunkRows, discard: true });
    try {
      for await (const text of textChunks(source, this.options.name)) reader.write(text);
      reader.end();
    } catch (e) {
      throw sourceError(e, this.options.name, reader);
    }
    const { labelEncoder, oneHotEncoder } = reader.encoders();
    this.labels = labelEncoder;
    this.oneHot = oneHotEncoder;
    this.target = reader.targetName;
    this.names = reader.expandedFeatureNames(oneHotEncoder);
    this.lastPass = { rows: reader.keptRows, skippedRows: reader.skippedRows };
    return this.lastPass;
  }

  /** The chunks of one pass over the file (each pass reads it again). */
  [Symbol.asyncIterator](): AsyncIterator<Chunk> {
    return this.read();
  }

  private async *read(): AsyncGenerator<Chunk, void, undefined> {
    for (let attempt = 0; ; attempt++) {
      const source = this.open('another epoch');
      const reader = new CSVReader(this.resolvedWithEncoders(), { chunkRows: this.chunkRows, needFixedEncoders: true });
      try {
        for await (const text of textChunks(source, this.options.name)) {
          reader.write(text);
          if (!this.names && reader.featureNames) {
            this.names = reader.expandedFeatureNames();
            this.target = reader.targetName;
          }
          while (reader.ready.length > 0) yield toChunk(reader.ready.shift()!);
        }
        reader.end();
      } catch (e) {
        if (e instanceof NeedsScan && attempt === 0) {
          // Classes or categories must be known before the first chunk: learn them in a first pass.
          await this.fullPass('learning the classes');
          continue;
        }
        throw sourceError(e, this.options.name, reader);
      }
      this.names = reader.expandedFeatureNames();
      this.target = reader.targetName;
      while (reader.ready.length > 0) yield toChunk(reader.ready.shift()!);
      this.lastPass = { rows: reader.keptRows, skippedRows: reader.skippedRows };
      return;
    }
  }
}

function toChunk(raw: { x: Matrix; y: Float32Array | undefined }): Chunk {
  return { x: raw.x, y: raw.y! };
}

/** Options of `shuffleBuffer`. */
export interface ShuffleBufferOptions {
  /** Rows held in the buffer: the larger, the closer to a full shuffle. */
  bufferRows: number;
  /** Seed of the shuffles; each iteration draws its own seed from it, so epochs differ and repeat. Default: fresh. */
  seed?: number;
  /** Rows per output chunk. Default 8192. */
  chunkRows?: number;
}

/**
 * Rows of `source` in a seeded random order, through a buffer of `bufferRows` rows: the buffer is
 * filled, then each incoming row takes the place of a uniformly chosen buffered row, which is
 * output; at the end the rest of the buffer is output in random order. Iterating again iterates
 * the source again with the next seed of the sequence (same seed, same sequence of epochs).
 */
export function shuffleBuffer(source: AsyncIterable<Chunk>, options: ShuffleBufferOptions): AsyncIterable<Chunk> {
  const o = plainObject('shuffleBuffer options', options);
  rejectUnknown(o, ['bufferRows', 'seed', 'chunkRows'], 'shuffleBuffer');
  if (source === null || typeof source !== 'object' || typeof (source as AsyncIterable<Chunk>)[Symbol.asyncIterator] !== 'function') {
    throw new InvalidDataError('INVALID_DATA', `shuffleBuffer takes an async iterable of chunks { x, y }, got ${show(source)}`, { argument: 'source' });
  }
  const bufferRows = positiveInteger('bufferRows', o.bufferRows);
  const chunkRows = o.chunkRows === undefined ? 8192 : positiveInteger('chunkRows', o.chunkRows);
  const seeds = new Rng(o.seed === undefined ? Rng.freshSeed() : checkSeed('seed', o.seed));
  return {
    [Symbol.asyncIterator]: () => shuffled(source, bufferRows, chunkRows, new Rng(seeds.int(0, 0x7fffffff))),
  };
}

async function* shuffled(source: AsyncIterable<Chunk>, bufferRows: number, chunkRows: number, rng: Rng): AsyncGenerator<Chunk, void, undefined> {
  let cols = -1;
  let bx = new Float32Array(0);
  let by = new Float32Array(0);
  let filled = 0;
  let ox = new Float32Array(0);
  let oy = new Float32Array(0);
  let outRows = 0;
  const take = (j: number): void => {
    // Copies buffered row j to the output chunk.
    const src = j * cols;
    const dst = outRows * cols;
    for (let c = 0; c < cols; c++) ox[dst + c] = bx[src + c];
    oy[outRows++] = by[j];
  };
  const flush = (): Chunk => {
    const chunk = { x: { data: ox.subarray(0, outRows * cols), rows: outRows, cols }, y: oy.subarray(0, outRows) };
    ox = new Float32Array(chunkRows * cols);
    oy = new Float32Array(chunkRows);
    outRows = 0;
    return chunk;
  };
  let chunkIndex = 0;
  for await (const chunk of source) {
    const { x, y } = chunk ?? ({} as Chunk);
    if (!x || !(x.data instanceof Float32Array) || !(y instanceof Float32Array) || y.length !== x.rows || x.data.length !== x.rows * x.cols) {
      throw new InvalidDataError('INVALID_DATA', `chunk ${chunkIndex} of the source is not { x: Matrix, y: Float32Array } with one target per row`, { argument: 'source' });
    }
    if (cols < 0) {
      cols = x.cols;
      bx = new Float32Array(bufferRows * cols);
      by = new Float32Array(bufferRows);
      ox = new Float32Array(chunkRows * cols);
      oy = new Float32Array(chunkRows);
    } else if (x.cols !== cols) {
      throw new InvalidDataError('SHAPE_MISMATCH', `chunk ${chunkIndex} of the source has ${x.cols} columns, the first had ${cols}`, { argument: 'source' });
    }
    chunkIndex++;
    for (let r = 0; r < x.rows; r++) {
      const src = r * cols;
      let slot: number;
      if (filled < bufferRows) slot = filled++;
      else {
        slot = rng.int(0, bufferRows - 1);
        take(slot);
        if (outRows === chunkRows) yield flush();
      }
      const dst = slot * cols;
      for (let c = 0; c < cols; c++) bx[dst + c] = x.data[src + c];
      by[slot] = y[r];
    }
  }
  if (cols < 0) return;
  const order = new Uint32Array(filled);
  for (let i = 0; i < filled; i++) order[i] = i;
  rng.shuffle(order);
  for (let i = 0; i < filled; i++) {
    take(order[i]);
    if (outRows === chunkRows) yield flush();
  }
  if (outRows > 0) yield flush();
}
