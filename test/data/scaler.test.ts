import { describe, expect, it } from 'vitest';
import { Dataset } from '../../ts/data/dataset.js';
import type { Matrix } from '../../ts/data/matrix.js';
import { MinMaxScaler, StandardScaler } from '../../ts/data/scaler.js';
import { InvalidDataError, InvalidModelError, InvalidOptionError, NotFittedError } from '../../ts/errors.js';
import { caught, uniform } from './helpers.js';

/** A float32 matrix: column 0 ~ U(−50, 50), column 1 constant 7, column 2 = 10⁴ + small noise (hard for naive variance). */
function data(rows: number, seed: number): Matrix {
  const u = uniform(seed);
  const m = new Float32Array(rows * 3);
  for (let r = 0; r < rows; r++) {
    m[r * 3] = u() * 100 - 50;
    m[r * 3 + 1] = 7;
    m[r * 3 + 2] = 1e4 + u() * 1e-2;
  }
  return { data: m, rows, cols: 3 };
}

/** Float64 reference: mean and population variance by the two-pass formula, from the float32 values. */
function moments(x: Matrix): { mean: number[]; variance: number[] } {
  const mean: number[] = [];
  const variance: number[] = [];
  for (let c = 0; c < x.cols; c++) {
    let s = 0;
    for (let r = 0; r < x.rows; r++) s += x.data[r * x.cols + c];
    const m = s / x.rows;
    let q = 0;
    for (let r = 0; r < x.rows; r++) q += (x.data[r * x.cols + c] - m) ** 2;
    mean.push(m);
    variance.push(q / x.rows);
  }
  return { mean, variance };
}

function closeRel(a: ArrayLike<number>, b: ArrayLike<number>, rel: number): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(rel * Math.max(Math.abs(b[i]), 1e-300));
}

/**
 * Undoing a transform multiplies the float32 rounding of the scaled value (relative 2^-24) by the
 * column's scale: the error bound is absolute per column, |scaled| · scale · 2^-24 plus the rounding
 * of the result.
 */
function closeInverse(a: Float32Array, x: Matrix, scale: ArrayLike<number>, scaled: Float32Array): void {
  for (let i = 0; i < a.length; i++) {
    const bound = (Math.abs(scaled[i]) * scale[i % x.cols] + Math.abs(x.data[i])) * 2 ** -23;
    expect(Math.abs(a[i] - x.data[i])).toBeLessThanOrEqual(bound);
  }
}

/** |a − b| within `ulps` float32 units of b. */
function closeF32(a: ArrayLike<number>, b: ArrayLike<number>, ulps = 1): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    const ulp = Math.max(Math.abs(b[i]) * 2 ** -23, 2 ** -149);
    expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(ulps * ulp);
  }
}

describe('StandardScaler', () => {
  const x = data(1000, 11);
  const ref = moments(x);

  it('mean and population variance match a float64 two-pass computation; a constant column has variance 0 and scale 1', () => {
    const s = new StandardScaler().fit(x);
    closeRel(s.mean, ref.mean, 1e-13);
    const v = s.variance;
    expect(v[1]).toBe(0);
    closeRel([v[0], v[2]], [ref.variance[0], ref.variance[2]], 1e-10);
    closeRel(s.scale, [Math.sqrt(ref.variance[0]), 1, Math.sqrt(ref.variance[2])], 1e-10);
  });

  it('transform gives (x − mean) / sd rounded to float32; constant column → 0', () => {
    const out = new StandardScaler().fitTransform(x);
    const sd = ref.variance.map((v) => (v > 0 ? Math.sqrt(v) : 1));
    const expected = Array.from(x.data, (v, i) => (v - ref.mean[i % 3]) / sd[i % 3]);
    closeF32(out.data, expected, 1);
    for (let r = 0; r < x.rows; r++) expect(out.data[r * 3 + 1]).toBe(0);
    // The transformed columns have mean 0 and population variance 1 (in float64).
    const m = moments(out);
    expect(Math.abs(m.mean[0])).toBeLessThan(1e-6);
    expect(Math.abs(m.variance[0] - 1)).toBeLessThan(1e-6);
    expect(Math.abs(m.variance[2] - 1)).toBeLessThan(1e-4);
  });

  it('partialFit over chunks gives the statistics of one fit on all rows', () => {
    const whole = new StandardScaler().fit(x);
    const parts = new StandardScaler();
    for (const [a, b] of [
      [0, 1],
      [1, 300],
      [300, 301],
      [301, 1000],
    ]) {
      parts.partialFit({ data: x.data.slice(a * 3, b * 3), rows: b - a, cols: 3 });
    }
    expect(parts.nSamplesSeen).toBe(1000);
    closeRel(parts.mean, ref.mean, 1e-12);
    const v = parts.variance;
    expect(v[1]).toBe(0);
    closeRel([v[0], v[2]], [ref.variance[0], ref.variance[2]], 1e-9);
    closeF32(parts.transform(x).data, whole.transform(x).data, 2);
  });

  it('fitChunks fits on an async iterable of chunks in one pass', async () => {
    async function* chunks() {
      for (let a = 0; a < 1000; a += 128) {
        const b = Math.min(1000, a + 128);
        yield { x: { data: x.data.slice(a * 3, b * 3), rows: b - a, cols: 3 } };
      }
    }
    const s = await new StandardScaler().fitChunks(chunks());
    closeRel(s.mean, ref.mean, 1e-12);
  });

  it('a Dataset in, a Dataset out: features scaled, targets and names kept', () => {
    const d = Dataset.fromArrays(
      [
        [1, 10],
        [3, 10],
      ],
      ['a', 'b'],
      { featureNames: ['p', 'q'] },
    );
    const t = new StandardScaler().fitTransform(d);
    expect(t).toBeInstanceOf(Dataset);
    expect(Array.from(t.x.data)).toEqual([-1, 0, 1, 0]); // mean 2, sd 1; constant column → 0
    expect(t.y).toBe(d.y);
    expect(t.featureNames).toEqual(['p', 'q']);
    expect(t.labelEncoder).toBe(d.labelEncoder);
  });

  it('withMean: false, withStd: false', () => {
    const m: Matrix = { data: Float32Array.from([1, 3]), rows: 2, cols: 1 };
    expect(Array.from(new StandardScaler({ withMean: false }).fitTransform(m).data)).toEqual([1, 3]);
    expect(Array.from(new StandardScaler({ withStd: false }).fitTransform(m).data)).toEqual([-1, 1]);
  });

  it('inverseTransform undoes transform', () => {
    const s = new StandardScaler().fit(x);
    const scaled = s.transform(x).data;
    closeInverse(s.inverseTransform(s.transform(x)).data, x, s.scale, scaled);
  });

  it('toJSON / fromJSON through JSON text: the same transform, bit for bit', () => {
    const s = new StandardScaler().fit(x);
    const back = StandardScaler.fromJSON(JSON.parse(JSON.stringify(s)));
    expect(Array.from(back.transform(x).data)).toEqual(Array.from(s.transform(x).data));
    expect(back.nSamplesSeen).toBe(1000);
    expect(StandardScaler.fromJSON(new StandardScaler().toJSON()).isFitted).toBe(false);
  });

  it('fromJSON rejects: format, version, negative variance, lengths, nSamplesSeen', () => {
    const good = new StandardScaler().fit(x).toJSON();
    for (const bad of [
      { ...good, format: 'minibatch.minMaxScaler' },
      { ...good, version: 9 },
      { ...good, variance: [1, -1, 1] },
      { ...good, variance: [1, 1] },
      { ...good, mean: [1, 'a', 2] },
      { ...good, nSamplesSeen: 0 },
    ]) {
      expect(caught(() => StandardScaler.fromJSON(bad))).toBeInstanceOf(InvalidModelError);
    }
  });

  it('rejects: not fitted, a column count other than fitted, not a matrix, unknown option', () => {
    expect(caught(() => new StandardScaler().transform(x))).toBeInstanceOf(NotFittedError);
    const s = new StandardScaler().fit(x);
    expect(caught<InvalidDataError>(() => s.transform({ data: new Float32Array(2), rows: 1, cols: 2 })).code).toBe('SHAPE_MISMATCH');
    expect(caught<InvalidDataError>(() => s.partialFit({ data: new Float32Array(2), rows: 1, cols: 2 })).code).toBe('SHAPE_MISMATCH');
    expect(caught<InvalidDataError>(() => s.fit([[1, 2]] as never)).code).toBe('INVALID_DATA');
    expect(caught<InvalidOptionError>(() => new StandardScaler({ with_mean: false } as never)).code).toBe('UNKNOWN_OPTION');
    expect(caught<InvalidOptionError>(() => new StandardScaler({ withStd: 1 as never })).option).toBe('withStd');
  });
});

describe('MinMaxScaler', () => {
  const x = data(500, 5);
  const min = [0, 1, 2].map((c) => Math.min(...Array.from({ length: x.rows }, (_, r) => x.data[r * 3 + c])));
  const max = [0, 1, 2].map((c) => Math.max(...Array.from({ length: x.rows }, (_, r) => x.data[r * 3 + c])));

  it('maps [min, max] onto [0, 1]; a constant column maps to 0', () => {
    const s = new MinMaxScaler().fit(x);
    expect(Array.from(s.dataMin)).toEqual(min);
    expect(Array.from(s.dataMax)).toEqual(max);
    const out = s.transform(x);
    const expected = Array.from(x.data, (v, i) => {
      const c = i % 3;
      return max[c] > min[c] ? (v - min[c]) / (max[c] - min[c]) : 0;
    });
    closeF32(out.data, expected, 2);
    for (let c = 0; c < 3; c++) {
      const col = Array.from({ length: x.rows }, (_, r) => out.data[r * 3 + c]);
      expect(Math.min(...col)).toBeCloseTo(0, 6);
      if (c !== 1) expect(Math.max(...col)).toBeCloseTo(1, 6);
    }
  });

  it('featureRange [−1, 1]; a constant column maps to its low end', () => {
    const out = new MinMaxScaler({ featureRange: [-1, 1] }).fitTransform(x);
    const expected = Array.from(x.data, (v, i) => {
      const c = i % 3;
      return max[c] > min[c] ? -1 + (2 * (v - min[c])) / (max[c] - min[c]) : -1;
    });
    closeF32(out.data, expected, 4);
  });

  it('partialFit over chunks equals fit; inverseTransform undoes transform', () => {
    const s = new MinMaxScaler().partialFit({ data: x.data.slice(0, 30), rows: 10, cols: 3 }).partialFit({ data: x.data.slice(30), rows: 490, cols: 3 });
    expect(Array.from(s.dataMin)).toEqual(min);
    expect(Array.from(s.dataMax)).toEqual(max);
    const scaled = s.transform(x).data;
    const range = [0, 1, 2].map((c) => (max[c] > min[c] ? max[c] - min[c] : 1));
    closeInverse(s.inverseTransform(s.transform(x)).data, x, range, scaled);
  });

  it('toJSON / fromJSON round-trips; rejects bad JSON', () => {
    const s = new MinMaxScaler({ featureRange: [2, 3] }).fit(x);
    const back = MinMaxScaler.fromJSON(JSON.parse(JSON.stringify(s)));
    expect(back.featureRange).toEqual([2, 3]);
    expect(Array.from(back.transform(x).data)).toEqual(Array.from(s.transform(x).data));
    expect(caught(() => MinMaxScaler.fromJSON({ ...s.toJSON(), featureRange: [1, 0] }))).toBeInstanceOf(InvalidModelError);
    expect(caught(() => MinMaxScaler.fromJSON({ ...s.toJSON(), dataMin: [9, 9, 9] }))).toBeInstanceOf(InvalidModelError);
  });

  it('rejects: a featureRange that is not low < high, not fitted', () => {
    expect(caught<InvalidOptionError>(() => new MinMaxScaler({ featureRange: [1, 1] })).option).toBe('featureRange');
    expect(caught<InvalidOptionError>(() => new MinMaxScaler({ featureRange: [0, Infinity] })).option).toBe('featureRange');
    expect(caught(() => new MinMaxScaler().transform(x))).toBeInstanceOf(NotFittedError);
  });
});
