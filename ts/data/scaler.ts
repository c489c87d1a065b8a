/**
 * Standardization to zero mean and unit variance, column by column. Mean and population
 * standard deviation are accumulated in float64 (Welford's update); a constant column is left
 * unscaled (scale 1) rather than divided by zero, as scikit-learn does.
 */
import type { Matrix } from './matrix.js';
import { InvalidDataError, NotFittedError } from '../errors.js';

export class StandardScaler {
  private mean: Float64Array | null = null;
  private scale: Float64Array | null = null;

  fit(x: Matrix): this {
    const { data, rows, cols } = x;
    const mean = new Float64Array(cols);
    const m2 = new Float64Array(cols);
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      for (let c = 0; c < cols; c++) {
        const v = data[o + c];
        const delta = v - mean[c];
        mean[c] += delta / (r + 1);
        m2[c] += delta * (v - mean[c]);
      }
    }
    const scale = new Float64Array(cols);
    for (let c = 0; c < cols; c++) {
      const sd = Math.sqrt(m2[c] / rows);
      scale[c] = sd > 0 && Number.isFinite(sd) ? sd : 1;
    }
    this.mean = mean;
    this.scale = scale;
    return this;
  }

  /** A new matrix with (x − mean) / scale in every column. */
  transform(x: Matrix): Matrix {
    const { mean, scale } = this;
    if (!mean || !scale) throw new NotFittedError('StandardScaler');
    if (x.cols !== mean.length) {
      throw new InvalidDataError('SHAPE_MISMATCH', `X has ${x.cols} columns but the scaler was fitted on ${mean.length}`, { argument: 'X' });
    }
    const out = new Float32Array(x.data.length);
    for (let r = 0; r < x.rows; r++) {
      const o = r * x.cols;
      for (let c = 0; c < x.cols; c++) out[o + c] = (x.data[o + c] - mean[c]) / scale[c];
    }
    return { data: out, rows: x.rows, cols: x.cols };
  }

  fitTransform(x: Matrix): Matrix {
    return this.fit(x).transform(x);
  }
}
