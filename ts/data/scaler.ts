/**
 * Feature scaling, column by column, learned on the training rows only and saved with a model:
 *
 * - `StandardScaler`: (x − mean) / std with the population standard deviation. Mean and variance
 *   are accumulated in float64; `partialFit` merges batches with the pairwise update of Chan,
 *   Golub and LeVeque (1979), so that a scaler can be fitted in a first streaming pass, chunk by
 *   chunk, and give the same statistics as one pass over all the rows. A constant column is left
 *   unscaled (scale 1) rather than divided by zero, as scikit-learn does.
 * - `MinMaxScaler`: maps [min, max] of each column onto `featureRange` ([0, 1] by default); a
 *   constant column maps to the low end of the range (scikit-learn's behaviour).
 *
 * Both take a `Matrix` or a `Dataset` (whose features they transform, keeping its targets and
 * names) and return the same kind. Outputs are float32, computed in float64.
 */
import type { Matrix } from './matrix.js';
import { Dataset } from './dataset.js';
import { InvalidDataError, InvalidModelError, InvalidOptionError, NotFittedError } from '../errors.js';
import { boolean, plainObject, rejectUnknown } from '../train/validate.js';
import { checkJSON, show } from './encoders.js';

/** Something with features: a Matrix, a Dataset or a streamed chunk `{ x }`. */
export type ScalerInput = Matrix | { readonly x: Matrix };

function matrixOf(input: unknown, argument = 'X'): Matrix {
  const m = input instanceof Dataset ? input.x : isMatrix(input) ? input : isMatrix((input as { x?: unknown } | null)?.x) ? (input as { x: Matrix }).x : null;
  if (!m) throw new InvalidDataError('INVALID_DATA', `${argument} must be a Matrix { data, rows, cols }, a Dataset or a chunk { x }, got ${show(input)}`, { argument });
  return m;
}

function isMatrix(v: unknown): v is Matrix {
  const m = v as Matrix | null;
  return (
    m !== null &&
    typeof m === 'object' &&
    m.data instanceof Float32Array &&
    Number.isInteger(m.rows) &&
    Number.isInteger(m.cols) &&
    m.data.length === m.rows * m.cols
  );
}

/** The same kind as the input: a Dataset with new features, or a Matrix. */
function wrap<T extends ScalerInput>(input: T, x: Matrix): T extends Dataset ? Dataset : Matrix {
  return (input instanceof Dataset ? input.withFeatures(x) : x) as T extends Dataset ? Dataset : Matrix;
}

function checkWidth(x: Matrix, expected: number, what: string): void {
  if (x.cols !== expected) {
    throw new InvalidDataError('SHAPE_MISMATCH', `X has ${x.cols} columns but the ${what} was fitted on ${expected}`, { argument: 'X' });
  }
}

function finiteArray(v: unknown, name: string, length?: number): Float64Array {
  if (!Array.isArray(v) || (length !== undefined && v.length !== length) || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new InvalidModelError(`${name} must be an array of ${length ?? 'some'} finite numbers`);
  }
  return Float64Array.from(v as number[]);
}

/** Options of the StandardScaler. */
export interface StandardScalerOptions {
  /** Subtract the mean. Default true. */
  withMean?: boolean;
  /** Divide by the standard deviation. Default true. */
  withStd?: boolean;
}

/** A StandardScaler as JSON (`toJSON()`). */
export interface StandardScalerJSON {
  format: 'minibatch.standardScaler';
  version: 1;
  withMean: boolean;
  withStd: boolean;
  nSamplesSeen: number;
  mean: number[] | null;
  variance: number[] | null;
  /** Σ (x − mean)² of each column; optional when reading (older snapshots). */
  sumSquares?: number[] | null;
}

interface Moments {
  n: number;
  mean: Float64Array;
  /** Sum of squared deviations from the mean (n · population variance). */
  m2: Float64Array;
}

/**
 * Standardizes each feature to mean 0 and variance 1 (scikit-learn's StandardScaler): fit on the
 * training rows, then transform any rows with the same means and deviations.
 */
export class StandardScaler {
  readonly withMean: boolean;
  readonly withStd: boolean;
  private moments: Moments | null = null;
  private scaleCache: Float64Array | null = null;

  constructor(options: StandardScalerOptions = {}) {
    const o = plainObject('StandardScaler options', options);
    rejectUnknown(o, ['withMean', 'withStd'], 'StandardScaler');
    this.withMean = o.withMean === undefined ? true : boolean('withMean', o.withMean);
    this.withStd = o.withStd === undefined ? true : boolean('withStd', o.withStd);
  }

  get isFitted(): boolean {
    return this.moments !== null;
  }

  private get fitted(): Moments {
    if (!this.moments) throw new NotFittedError('StandardScaler');
    return this.moments;
  }

  get nFeatures(): number {
    return this.fitted.mean.length;
  }

  get nSamplesSeen(): number {
    return this.fitted.n;
  }

  /** The mean of each column (a copy). */
  get mean(): Float64Array {
    return this.fitted.mean.slice();
  }

  /** The population variance of each column. */
  get variance(): Float64Array {
    const { n, m2 } = this.fitted;
    return m2.map((s) => s / n);
  }

  /** The divisor of each column: its standard deviation, or 1 for a constant column or withStd: false. */
  get scale(): Float64Array {
    return this.scales().slice();
  }

  private scales(): Float64Array {
    if (!this.scaleCache) {
      const { n, m2 } = this.fitted;
      this.scaleCache = m2.map((s) => {
        const sd = Math.sqrt(s / n);
        return this.withStd && sd > 0 && Number.isFinite(sd) ? sd : 1;
      });
    }
    return this.scaleCache;
  }

  /** Learns mean and standard deviation of every column from these rows (forgetting earlier fits). */
  fit(data: ScalerInput): this {
    this.moments = null;
    return this.partialFit(data);
  }

  /**
   * Adds these rows to what the scaler has seen (scikit-learn's partial_fit): the statistics
   * after partialFit over chunks equal those of fit over all their rows, up to rounding.
   */
  partialFit(data: ScalerInput): this {
    const x = matrixOf(data);
    if (x.rows === 0) return this;
    if (this.moments) checkWidth(x, this.moments.mean.length, 'StandardScaler');
    // Two passes over the batch in float64 (mean, then squared deviations), then Chan's merge.
    const { data: v, rows, cols } = x;
    const mean = new Float64Array(cols);
    const m2 = new Float64Array(cols);
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      for (let c = 0; c < cols; c++) mean[c] += v[o + c];
    }
    for (let c = 0; c < cols; c++) mean[c] /= rows;
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      for (let c = 0; c < cols; c++) {
        const d = v[o + c] - mean[c];
        m2[c] += d * d;
      }
    }
    const prev = this.moments;
    if (!prev) {
      this.moments = { n: rows, mean, m2 };
    } else {
      const n = prev.n + rows;
      for (let c = 0; c < cols; c++) {
        const delta = mean[c] - prev.mean[c];
        prev.mean[c] += (delta * rows) / n;
        prev.m2[c] += m2[c] + (delta * delta * prev.n * rows) / n;
      }
      prev.n = n;
    }
    this.scaleCache = null;
    return this;
  }

  /** Fits on every chunk of a (streamed) source, in one pass. */
  async fitChunks(source: AsyncIterable<{ readonly x: Matrix }> | Iterable<{ readonly x: Matrix }>): Promise<this> {
    this.moments = null;
    for await (const chunk of source) this.partialFit(chunk);
    if (!this.moments) throw new InvalidDataError('EMPTY_DATA', 'the source gave no rows to fit the StandardScaler on', { argument: 'source' });
    return this;
  }

  /** (x − mean) / scale in every column: a new Matrix, or a new Dataset with the same targets. */
  transform<T extends ScalerInput>(data: T): T extends Dataset ? Dataset : Matrix {
    const x = matrixOf(data);
    const { mean } = this.fitted;
    checkWidth(x, mean.length, 'StandardScaler');
    const scale = this.scales();
    const out = new Float32Array(x.data.length);
    for (let r = 0; r < x.rows; r++) {
      const o = r * x.cols;
      for (let c = 0; c < x.cols; c++) out[o + c] = (x.data[o + c] - (this.withMean ? mean[c] : 0)) / scale[c];
    }
    return wrap(data, { data: out, rows: x.rows, cols: x.cols });
  }

  /** `fit(data)`, then `transform(data)`. */
  fitTransform<T extends ScalerInput>(data: T): T extends Dataset ? Dataset : Matrix {
    return this.fit(data).transform(data);
  }

  /** x · scale + mean: undoes transform (up to float32 rounding). */
  inverseTransform<T extends ScalerInput>(data: T): T extends Dataset ? Dataset : Matrix {
    const x = matrixOf(data);
    const { mean } = this.fitted;
    checkWidth(x, mean.length, 'StandardScaler');
    const scale = this.scales();
    const out = new Float32Array(x.data.length);
    for (let r = 0; r < x.rows; r++) {
      const o = r * x.cols;
      for (let c = 0; c < x.cols; c++) out[o + c] = x.data[o + c] * scale[c] + (this.withMean ? mean[c] : 0);
    }
    return wrap(data, { data: out, rows: x.rows, cols: x.cols });
  }

  /** The scaler as plain JSON, for `StandardScaler.fromJSON`. */
  toJSON(): StandardScalerJSON {
    const m = this.moments;
    return {
      format: 'minibatch.standardScaler',
      version: 1,
      withMean: this.withMean,
      withStd: this.withStd,
      nSamplesSeen: m ? m.n : 0,
      mean: m ? Array.from(m.mean) : null,
      variance: m ? Array.from(m.m2, (s) => s / m.n) : null,
      // the sums of squared deviations themselves, so that a reloaded scaler divides by exactly
      // the same scales (variance · n does not always give m2 back to the bit)
      sumSquares: m ? Array.from(m.m2) : null,
    };
  }

  /** A scaler from `toJSON()` output; throws InvalidModelError when the JSON is not one. */
  static fromJSON(json: unknown): StandardScaler {
    const o = checkJSON(json, 'minibatch.standardScaler', 'StandardScaler');
    if (typeof o.withMean !== 'boolean' || typeof o.withStd !== 'boolean') throw new InvalidModelError('StandardScaler JSON: withMean and withStd must be booleans');
    const s = new StandardScaler({ withMean: o.withMean, withStd: o.withStd });
    if (o.mean === null && o.variance === null) return s;
    const n = o.nSamplesSeen;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new InvalidModelError(`StandardScaler JSON: nSamplesSeen must be an integer ≥ 1, got ${show(n)}`);
    const mean = finiteArray(o.mean, 'StandardScaler JSON: mean');
    const variance = finiteArray(o.variance, 'StandardScaler JSON: variance', mean.length);
    if (mean.length === 0 || variance.some((v) => v < 0)) throw new InvalidModelError('StandardScaler JSON: needs at least one column and variances ≥ 0');
    const m2 = o.sumSquares === undefined || o.sumSquares === null ? variance.map((v) => v * n) : finiteArray(o.sumSquares, 'StandardScaler JSON: sumSquares', mean.length);
    s.moments = { n, mean, m2 };
    return s;
  }
}

/** Options of the MinMaxScaler. */
export interface MinMaxScalerOptions {
  /** The [low, high] range each column is mapped onto. Default [0, 1]. */
  featureRange?: readonly [number, number];
}

/** A MinMaxScaler as JSON (`toJSON()`). */
export interface MinMaxScalerJSON {
  format: 'minibatch.minMaxScaler';
  version: 1;
  featureRange: [number, number];
  nSamplesSeen: number;
  dataMin: number[] | null;
  dataMax: number[] | null;
}

interface Range {
  n: number;
  min: Float64Array;
  max: Float64Array;
}

/**
 * Scales each feature linearly to `featureRange` (default [0, 1]) from the minimum and maximum seen
 * in fit (scikit-learn's MinMaxScaler).
 */
export class MinMaxScaler {
  readonly featureRange: readonly [number, number];
  private range: Range | null = null;

  constructor(options: MinMaxScalerOptions = {}) {
    const o = plainObject('MinMaxScaler options', options);
    rejectUnknown(o, ['featureRange'], 'MinMaxScaler');
    const r = o.featureRange ?? [0, 1];
    if (!Array.isArray(r) || r.length !== 2 || !r.every((v) => typeof v === 'number' && Number.isFinite(v)) || !(r[0] < r[1])) {
      throw new InvalidOptionError('featureRange', r, `featureRange must be [low, high] with finite low < high, got ${JSON.stringify(r)}`);
    }
    this.featureRange = [r[0], r[1]];
  }

  get isFitted(): boolean {
    return this.range !== null;
  }

  private get fitted(): Range {
    if (!this.range) throw new NotFittedError('MinMaxScaler');
    return this.range;
  }

  get nFeatures(): number {
    return this.fitted.min.length;
  }

  get nSamplesSeen(): number {
    return this.fitted.n;
  }

  get dataMin(): Float64Array {
    return this.fitted.min.slice();
  }

  get dataMax(): Float64Array {
    return this.fitted.max.slice();
  }

  /** Learns each feature's minimum and maximum from `data` (forgetting earlier fits). */
  fit(data: ScalerInput): this {
    this.range = null;
    return this.partialFit(data);
  }

  /** Widens the minimum and maximum with the rows of `data` (one chunk of a stream, say). */
  partialFit(data: ScalerInput): this {
    const x = matrixOf(data);
    if (x.rows === 0) return this;
    if (this.range) checkWidth(x, this.range.min.length, 'MinMaxScaler');
    const range = this.range ?? { n: 0, min: new Float64Array(x.cols).fill(Infinity), max: new Float64Array(x.cols).fill(-Infinity) };
    const { data: v, rows, cols } = x;
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      for (let c = 0; c < cols; c++) {
        const e = v[o + c];
        if (e < range.min[c]) range.min[c] = e;
        if (e > range.max[c]) range.max[c] = e;
      }
    }
    range.n += rows;
    this.range = range;
    return this;
  }

  /** Fits on every chunk of a stream, one pass. */
  async fitChunks(source: AsyncIterable<{ readonly x: Matrix }> | Iterable<{ readonly x: Matrix }>): Promise<this> {
    this.range = null;
    for await (const chunk of source) this.partialFit(chunk);
    if (!this.range) throw new InvalidDataError('EMPTY_DATA', 'the source gave no rows to fit the MinMaxScaler on', { argument: 'source' });
    return this;
  }

  /** Per column, x · scale + offset with scale = (high − low) / (max − min) (1 for a constant column). */
  private coefficients(): { scale: Float64Array; offset: Float64Array } {
    const { min, max } = this.fitted;
    const [lo, hi] = this.featureRange;
    const scale = new Float64Array(min.length);
    const offset = new Float64Array(min.length);
    for (let c = 0; c < min.length; c++) {
      const span = max[c] - min[c];
      scale[c] = (hi - lo) / (span > 0 ? span : 1);
      offset[c] = lo - min[c] * scale[c];
    }
    return { scale, offset };
  }

  /** The rows of `data` scaled (a Dataset gives a Dataset with the same targets). */
  transform<T extends ScalerInput>(data: T): T extends Dataset ? Dataset : Matrix {
    const x = matrixOf(data);
    checkWidth(x, this.fitted.min.length, 'MinMaxScaler');
    const { scale, offset } = this.coefficients();
    const out = new Float32Array(x.data.length);
    for (let r = 0; r < x.rows; r++) {
      const o = r * x.cols;
      for (let c = 0; c < x.cols; c++) out[o + c] = x.data[o + c] * scale[c] + offset[c];
    }
    return wrap(data, { data: out, rows: x.rows, cols: x.cols });
  }

  /** `fit(data)`, then `transform(data)`. */
  fitTransform<T extends ScalerInput>(data: T): T extends Dataset ? Dataset : Matrix {
    return this.fit(data).transform(data);
  }

  /** The scaled rows back in their original units (up to float32 rounding). */
  inverseTransform<T extends ScalerInput>(data: T): T extends Dataset ? Dataset : Matrix {
    const x = matrixOf(data);
    checkWidth(x, this.fitted.min.length, 'MinMaxScaler');
    const { scale, offset } = this.coefficients();
    const out = new Float32Array(x.data.length);
    for (let r = 0; r < x.rows; r++) {
      const o = r * x.cols;
      for (let c = 0; c < x.cols; c++) out[o + c] = (x.data[o + c] - offset[c]) / scale[c];
    }
    return wrap(data, { data: out, rows: x.rows, cols: x.cols });
  }

  /** The scaler as plain JSON, for `MinMaxScaler.fromJSON`. */
  toJSON(): MinMaxScalerJSON {
    const r = this.range;
    return {
      format: 'minibatch.minMaxScaler',
      version: 1,
      featureRange: [this.featureRange[0], this.featureRange[1]],
      nSamplesSeen: r ? r.n : 0,
      dataMin: r ? Array.from(r.min) : null,
      dataMax: r ? Array.from(r.max) : null,
    };
  }

  /** A scaler from `toJSON()` output; throws InvalidModelError when the JSON is not one. */
  static fromJSON(json: unknown): MinMaxScaler {
    const o = checkJSON(json, 'minibatch.minMaxScaler', 'MinMaxScaler');
    let s: MinMaxScaler;
    try {
      s = new MinMaxScaler({ featureRange: o.featureRange as [number, number] });
    } catch (e) {
      throw new InvalidModelError(`MinMaxScaler JSON: ${(e as Error).message}`);
    }
    if (o.dataMin === null && o.dataMax === null) return s;
    const n = o.nSamplesSeen;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new InvalidModelError(`MinMaxScaler JSON: nSamplesSeen must be an integer ≥ 1, got ${show(n)}`);
    const min = finiteArray(o.dataMin, 'MinMaxScaler JSON: dataMin');
    const max = finiteArray(o.dataMax, 'MinMaxScaler JSON: dataMax', min.length);
    if (min.length === 0 || min.some((v, c) => v > max[c])) throw new InvalidModelError('MinMaxScaler JSON: needs at least one column and dataMin ≤ dataMax');
    s.range = { n, min, max };
    return s;
  }
}
