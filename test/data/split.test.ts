import { describe, expect, it } from 'vitest';
import { Dataset } from '../../ts/data/dataset.js';
import { kFold, trainTestIndices, trainTestSplit } from '../../ts/data/split.js';
import { InvalidDataError, InvalidOptionError } from '../../ts/errors.js';
import { caught, uniform } from './helpers.js';

/** n rows whose one feature is the row number, labels given (or none). */
function indexed(n: number, labels?: (string | number)[]): Dataset {
  return Dataset.fromArrays(
    Array.from({ length: n }, (_, i) => [i]),
    labels,
  );
}

/** Class labels: `counts[k]` rows of class k, interleaved in a seeded order. */
function labelsWith(counts: number[], seed: number): number[] {
  const out = counts.flatMap((c, k) => Array<number>(c).fill(k));
  const u = uniform(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(u() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

const rowIds = (d: Dataset) => Array.from(d.x.data);
const countBy = (values: number[], k: number) => Array.from({ length: k }, (_, c) => values.filter((v) => v === c).length);

describe('trainTestSplit', () => {
  it('default: 25% test rows (rounded up), disjoint parts covering every row, rows copied with their targets', () => {
    const y = Array.from({ length: 10 }, (_, i) => i * 10);
    const d = indexed(10, y);
    const { train, test } = trainTestSplit(d, { seed: 1 });
    expect([train.rows, test.rows]).toEqual([7, 3]); // ceil(0.25 · 10) = 3
    const all = [...rowIds(train), ...rowIds(test)].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 10 }, (_, i) => i));
    for (const part of [train, test]) for (let r = 0; r < part.rows; r++) expect(part.y![r]).toBe(part.x.data[r] * 10);
  });

  it('seeded: the same seed gives the same split, another seed another', () => {
    const d = indexed(100);
    const a = trainTestSplit(d, { seed: 7 });
    const b = trainTestSplit(d, { seed: 7 });
    const c = trainTestSplit(d, { seed: 8 });
    expect(rowIds(a.test)).toEqual(rowIds(b.test));
    expect(rowIds(a.train)).toEqual(rowIds(b.train));
    expect(rowIds(a.test)).not.toEqual(rowIds(c.test));
  });

  it('shuffle: false keeps the order: the last rows are the test part', () => {
    const { train, test } = trainTestSplit(indexed(8), { shuffle: false, testSize: 0.25 });
    expect(rowIds(train)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(rowIds(test)).toEqual([6, 7]);
  });

  it('testSize as a number of rows', () => {
    const { train, test } = trainTestSplit(indexed(10), { testSize: 4, seed: 1 });
    expect([train.rows, test.rows]).toEqual([6, 4]);
    expect(trainTestIndices(10, { testSize: 1, seed: 1 }).testIndices.length).toBe(1);
  });

  it('stratified: each class keeps its exact share when the shares are whole', () => {
    // 60/30/10 rows, 20% test: 12/6/2 test rows and 48/24/8 training rows.
    const labels = labelsWith([60, 30, 10], 3);
    const d = indexed(100, labels);
    const { train, test } = trainTestSplit(d, { testSize: 0.2, stratify: true, seed: 5 });
    expect(countBy(Array.from(test.y!), 3)).toEqual([12, 6, 2]);
    expect(countBy(Array.from(train.y!), 3)).toEqual([48, 24, 8]);
    // Targets travel with their rows.
    for (const part of [train, test]) for (let r = 0; r < part.rows; r++) expect(part.y![r]).toBe(labels[part.x.data[r]]);
  });

  it('stratified: otherwise each class gets its share rounded down or up, largest remainders first', () => {
    // 7/5/3 rows, testSize 0.4: 6 test rows; shares 2.8, 2.0, 1.2 → floors 2, 2, 1 and the one row left
    // goes to the largest remainder (0.8, class 0): 3, 2, 1.
    const d = indexed(15, labelsWith([7, 5, 3], 1));
    expect(countBy(Array.from(trainTestSplit(d, { testSize: 0.4, stratify: true, seed: 2 }).test.y!), 3)).toEqual([3, 2, 1]);
    // Property over many class profiles: every class within one row of its share, the sizes exact.
    const u = uniform(99);
    for (let trial = 0; trial < 200; trial++) {
      const k = 2 + Math.floor(u() * 4);
      const counts = Array.from({ length: k }, () => 10 + Math.floor(u() * 40));
      const n = counts.reduce((a, b) => a + b, 0);
      const testSize = 0.1 + u() * 0.8;
      const nTest = Math.ceil(testSize * n);
      const split = trainTestIndices(indexed(n, labelsWith(counts, trial)), { testSize, stratify: true, seed: trial });
      expect(split.testIndices.length).toBe(nTest);
      expect(split.trainIndices.length).toBe(n - nTest);
      const labels = labelsWith(counts, trial);
      const got = countBy(Array.from(split.testIndices, (i) => labels[i]), k);
      got.forEach((t, c) => expect(Math.abs(t - (counts[c] * nTest) / n)).toBeLessThan(1));
    }
  });

  it('stratified: a small class still gets one row in each part', () => {
    // 98/2 rows, 10%: shares 9.8 and 0.2 round to 10 and 0; class 1 then takes one test row from class 0.
    const d = indexed(100, labelsWith([98, 2], 4));
    const { train, test } = trainTestSplit(d, { testSize: 0.1, stratify: true, seed: 3 });
    expect(countBy(Array.from(test.y!), 2)).toEqual([9, 1]);
    expect(countBy(Array.from(train.y!), 2)).toEqual([89, 1]);
  });

  it('stratified by explicit labels', () => {
    const labels = labelsWith([10, 10], 8);
    const { testIndices } = trainTestIndices(20, { testSize: 0.5, stratify: labels, seed: 1 });
    expect(countBy(Array.from(testIndices, (i) => labels[i]), 2)).toEqual([5, 5]);
  });

  it('rejects: a class with one row (named, with what to change)', () => {
    const d = indexed(6, ['a', 'a', 'a', 'b', 'b', 'rare']);
    const e = caught<InvalidDataError>(() => trainTestSplit(d, { testSize: 0.5, stratify: true, seed: 1 }));
    expect(e).toMatchObject({ code: 'INVALID_LABEL', argument: 'stratify' });
    expect(e.message).toContain('"rare"');
    expect(e.message).toContain('stratify: false');
  });

  it('rejects: more classes than test rows (or training rows)', () => {
    const d = indexed(12, labelsWith([4, 4, 4], 1));
    const e = caught<InvalidOptionError>(() => trainTestSplit(d, { testSize: 2, stratify: true, seed: 1 }));
    expect(e.option).toBe('testSize');
    expect(e.message).toContain('raise testSize to at least 3 rows');
    expect(caught<InvalidOptionError>(() => trainTestSplit(d, { testSize: 10, stratify: true, seed: 1 })).message).toContain('lower testSize');
  });

  it('rejects: stratify without shuffle, stratify without targets', () => {
    expect(caught<InvalidOptionError>(() => trainTestSplit(indexed(10, labelsWith([5, 5], 1)), { stratify: true, shuffle: false })).option).toBe('shuffle');
    expect(caught<InvalidOptionError>(() => trainTestSplit(indexed(10), { stratify: true })).option).toBe('stratify');
  });

  it('rejects testSize: 0, ≥ the rows, a fraction above 1, not a number; unknown options; a bad seed', () => {
    const d = indexed(10);
    for (const testSize of [0, -0.5, 10, 1.5, NaN, '0.2']) {
      expect(caught<InvalidOptionError>(() => trainTestSplit(d, { testSize: testSize as number })).option).toBe('testSize');
    }
    expect(caught<InvalidOptionError>(() => trainTestSplit(d, { test_size: 0.2 } as never)).code).toBe('UNKNOWN_OPTION');
    expect(caught<InvalidOptionError>(() => trainTestSplit(d, { seed: -1 })).option).toBe('seed');
    expect(caught(() => trainTestSplit([[1]] as never)).code).toBe('INVALID_DATA');
  });
});

describe('kFold', () => {
  it('k folds of sizes differing by at most one (the first n mod k larger); each row tested once', () => {
    const folds = [...kFold(10, { folds: 3, seed: 1 })];
    expect(folds.map((f) => f.testIndices.length)).toEqual([4, 3, 3]);
    const tested = folds.flatMap((f) => Array.from(f.testIndices)).sort((a, b) => a - b);
    expect(tested).toEqual(Array.from({ length: 10 }, (_, i) => i));
    for (const f of folds) {
      const all = [...f.trainIndices, ...f.testIndices].sort((a, b) => a - b);
      expect(all).toEqual(Array.from({ length: 10 }, (_, i) => i)); // train is the complement
      expect(Array.from(f.testIndices)).toEqual([...f.testIndices].sort((a, b) => a - b)); // ascending
      expect(Array.from(f.trainIndices)).toEqual([...f.trainIndices].sort((a, b) => a - b));
    }
  });

  it('shuffle: false gives contiguous blocks, as scikit-learn KFold', () => {
    const folds = [...kFold(7, { folds: 3, shuffle: false })];
    expect(folds.map((f) => Array.from(f.testIndices))).toEqual([[0, 1, 2], [3, 4], [5, 6]]);
  });

  it('seeded and re-iterable', () => {
    const a = kFold(50, { folds: 5, seed: 3 });
    const once = [...a].map((f) => Array.from(f.testIndices));
    expect([...a].map((f) => Array.from(f.testIndices))).toEqual(once);
    expect([...kFold(50, { folds: 5, seed: 3 })].map((f) => Array.from(f.testIndices))).toEqual(once);
    expect([...kFold(50, { folds: 5, seed: 4 })].map((f) => Array.from(f.testIndices))).not.toEqual(once);
    expect(a.folds).toBe(5);
  });

  it('stratified: every class in every test fold, within one row of its share', () => {
    const counts = [23, 11, 6];
    const labels = labelsWith(counts, 5);
    const d = indexed(40, labels);
    const folds = [...kFold(d, { folds: 5, stratify: true, seed: 9 })];
    const sizes = folds.map((f) => f.testIndices.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    for (const f of folds) {
      const got = countBy(Array.from(f.testIndices, (i) => labels[i]), 3);
      got.forEach((t, c) => {
        expect(t).toBeGreaterThanOrEqual(1);
        expect(Math.abs(t - counts[c] / 5)).toBeLessThan(1);
      });
    }
    expect(folds.flatMap((f) => Array.from(f.testIndices)).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('rejects: a class with fewer rows than folds (named), folds < 2, folds > rows, stratify without labels', () => {
    const d = indexed(12, [...Array<string>(9).fill('a'), 'b', 'b', 'b']);
    const e = caught<InvalidDataError>(() => kFold(d, { folds: 4, stratify: true }));
    expect(e).toMatchObject({ code: 'INVALID_LABEL' });
    expect(e.message).toContain('"b"');
    expect(e.message).toContain('lower folds to 3');
    expect(caught<InvalidOptionError>(() => kFold(10, { folds: 1 })).option).toBe('folds');
    expect(caught<InvalidOptionError>(() => kFold(10, { folds: 11 })).option).toBe('folds');
    expect(caught<InvalidOptionError>(() => kFold(10, { stratify: true })).option).toBe('stratify');
    expect(caught<InvalidOptionError>(() => kFold(10, { folds: 2.5 })).option).toBe('folds');
  });
});
