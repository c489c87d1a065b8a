import { describe, expect, it } from 'vitest';
import { Dataset } from '../../ts/data/dataset.js';
import { LabelEncoder, OneHotEncoder } from '../../ts/data/encoders.js';
import { InvalidDataError, InvalidOptionError } from '../../ts/errors.js';
import { caught } from './helpers.js';

describe('Dataset.fromArrays', () => {
  it('number[][] and numeric targets, copied to float32', () => {
    const X = [
      [0.1, 2],
      [3, -4.25],
    ];
    const y = [0.3, 1];
    const d = Dataset.fromArrays(X, y);
    expect([d.rows, d.nFeatures]).toEqual([2, 2]);
    expect(Array.from(d.x.data)).toEqual(X.flat().map(Math.fround));
    expect(Array.from(d.y!)).toEqual(y.map(Math.fround));
    expect(d.featureNames).toEqual(['x0', 'x1']);
    expect(d.targetName).toBe('y');
    X[0][0] = 99;
    expect(d.x.data[0]).toBe(Math.fround(0.1)); // a copy
  });

  it('row-major Float32Array / Float64Array with nFeatures; names', () => {
    const d = Dataset.fromArrays(Float64Array.from([1, 2, 3, 4, 5, 6]), undefined, { nFeatures: 3, featureNames: ['a', 'b', 'c'] });
    expect([d.rows, d.nFeatures]).toEqual([2, 3]);
    expect(d.featureNames).toEqual(['a', 'b', 'c']);
    expect(d.y).toBeUndefined();
    expect(d.targetName).toBeUndefined();
    expect(Dataset.fromArrays(new Float32Array([1, 2]), [5, 6], { nFeatures: 1, targetName: 'price' }).targetName).toBe('price');
  });

  it('string or boolean targets are label-encoded; numeric classes with targetType category', () => {
    const d = Dataset.fromArrays([[1], [2], [3]], ['no', 'yes', 'no']);
    expect(d.labelEncoder!.classes).toEqual(['no', 'yes']);
    expect(Array.from(d.y!)).toEqual([0, 1, 0]);
    expect(d.nClasses).toBe(2);
    expect(Array.from(Dataset.fromArrays([[1], [2]], [true, false]).y!)).toEqual([1, 0]);
    const n = Dataset.fromArrays([[1], [2], [3]], [30, 10, 20], { targetType: 'category' });
    expect(n.labelEncoder!.classes).toEqual([10, 20, 30]);
    expect(Array.from(n.y!)).toEqual([2, 0, 1]);
    const given = Dataset.fromArrays([[1], [2]], ['yes', 'no'], { labelEncoder: new LabelEncoder(['no', 'yes']) });
    expect(Array.from(given.y!)).toEqual([1, 0]);
  });

  it('rejects (one rule each): ragged rows, non-numbers, NaN, float32 overflow, empty, y length, nFeatures, featureNames', () => {
    expect(caught<InvalidDataError>(() => Dataset.fromArrays([[1, 2], [3]], [1, 2]))).toMatchObject({ code: 'SHAPE_MISMATCH', row: 1 });
    expect(caught<InvalidDataError>(() => Dataset.fromArrays([[1, '2' as never]], [1]))).toMatchObject({ code: 'INVALID_DATA', row: 0, column: 1 });
    expect(caught<InvalidDataError>(() => Dataset.fromArrays([[1], [NaN]], [1, 2]))).toMatchObject({ row: 1, column: 0 });
    expect(caught<InvalidDataError>(() => Dataset.fromArrays([[1e39]], [1])).message).toContain('overflows float32');
    expect(caught(() => Dataset.fromArrays([], [])).code).toBe('EMPTY_DATA');
    expect(caught<InvalidDataError>(() => Dataset.fromArrays([[1], [2]], [1])).code).toBe('SHAPE_MISMATCH');
    expect(caught<InvalidDataError>(() => Dataset.fromArrays([[1], [2]], ['a'])).code).toBe('SHAPE_MISMATCH');
    expect(caught<InvalidDataError>(() => Dataset.fromArrays([[1], [2]], [1, NaN]))).toMatchObject({ argument: 'y', row: 1 });
    expect(caught<InvalidOptionError>(() => Dataset.fromArrays(new Float32Array(4), [1, 2]))).toMatchObject({ option: 'nFeatures' });
    expect(caught<InvalidOptionError>(() => Dataset.fromArrays([[1, 2]], [1], { featureNames: ['a'] }))).toMatchObject({ option: 'featureNames' });
    expect(caught<InvalidOptionError>(() => Dataset.fromArrays([[1, 2]], [1], { featureNames: ['a', 'a'] }))).toMatchObject({ option: 'featureNames' });
    expect(caught<InvalidOptionError>(() => Dataset.fromArrays([[1]], [1], { nfeatures: 1 } as never))).toMatchObject({ code: 'UNKNOWN_OPTION' });
    expect(caught<InvalidDataError>(() => Dataset.fromArrays([[1]], ['a'], { targetType: 'number' }))).toMatchObject({ code: 'INVALID_DATA', argument: 'y', row: 0 });
  });
});

describe('Dataset.fromObjects', () => {
  const rows = [
    { age: 31, income: 5.2, city: 'oslo', label: 'yes' },
    { age: 45, income: 3.1, city: 'paris', label: 'no' },
    { age: 22, income: 4.0, city: 'oslo', label: 'yes' },
  ];

  it('features and target by key; a string target is label-encoded', () => {
    const d = Dataset.fromObjects(rows, { target: 'label', features: ['income', 'age'] });
    expect(d.featureNames).toEqual(['income', 'age']);
    expect(Array.from(d.x.data)).toEqual(rows.flatMap((r) => [Math.fround(r.income), r.age]));
    expect(d.labelEncoder!.classes).toEqual(['no', 'yes']);
    expect(Array.from(d.y!)).toEqual([1, 0, 1]);
    expect(d.targetName).toBe('label');
  });

  it('features default to the keys of the first row less the target; categorical keys are one-hot encoded in place', () => {
    const d = Dataset.fromObjects(rows, { target: 'label', categorical: ['city'] });
    expect(d.featureNames).toEqual(['age', 'income', 'city=oslo', 'city=paris']);
    expect(Array.from(d.x.data)).toEqual(rows.flatMap((r) => [r.age, Math.fround(r.income), r.city === 'oslo' ? 1 : 0, r.city === 'paris' ? 1 : 0]));
    expect(d.oneHotEncoder!.categories).toEqual([['oslo', 'paris']]);
  });

  it('numeric and boolean targets', () => {
    const n = Dataset.fromObjects([{ a: 1, t: 2.5 }, { a: 2, t: -1 }], { target: 't' });
    expect(n.labelEncoder).toBeUndefined();
    expect(Array.from(n.y!)).toEqual([2.5, -1]);
    const b = Dataset.fromObjects([{ a: 1, t: true }, { a: 2, t: false }], { target: 't' });
    expect(b.labelEncoder!.classes).toEqual([false, true]);
    expect(Array.from(b.y!)).toEqual([1, 0]);
  });

  it('new rows mapped with the encoders of the training data', () => {
    const train = Dataset.fromObjects(rows, { target: 'label', categorical: ['city'] });
    const test = Dataset.fromObjects([{ age: 50, income: 1, city: 'paris', label: 'no' }], {
      target: 'label',
      labelEncoder: train.labelEncoder,
      oneHotEncoder: train.oneHotEncoder,
    });
    expect(test.featureNames).toEqual(train.featureNames);
    expect(Array.from(test.x.data)).toEqual([50, 1, 0, 1]);
    expect(Array.from(test.y!)).toEqual([0]);
    const e = caught<InvalidDataError>(() => Dataset.fromObjects([{ age: 50, income: 1, city: 'rome' }], { oneHotEncoder: train.oneHotEncoder }));
    expect(e).toMatchObject({ code: 'INVALID_DATA', row: 0, column: 2 });
    const ignore = Dataset.fromObjects(rows, { target: 'label', categorical: ['city'], oneHotEncoder: new OneHotEncoder({ handleUnknown: 'ignore' }) });
    expect(Array.from(Dataset.fromObjects([{ age: 1, income: 1, city: 'rome' }], { oneHotEncoder: ignore.oneHotEncoder }).x.data)).toEqual([1, 1, 0, 0]);
    const unknown = caught<InvalidDataError>(() => Dataset.fromObjects([{ age: 1, income: 1, city: 'oslo', label: 'maybe' }], { target: 'label', labelEncoder: train.labelEncoder, oneHotEncoder: train.oneHotEncoder }));
    expect(unknown).toMatchObject({ code: 'INVALID_LABEL', row: 0 });
  });

  it('a non-numeric feature: an error naming row and column, suggesting categorical', () => {
    const e = caught<InvalidDataError>(() => Dataset.fromObjects([{ a: 1, b: 2, y: 0 }, { a: 1, b: 'high', y: 1 }], { target: 'y' }));
    expect(e).toMatchObject({ code: 'INVALID_DATA', argument: 'rows', row: 1, column: 1 });
    expect(e.message).toContain('rows[1].b');
    expect(e.message).toContain('"high"');
    expect(e.message).toContain('categorical');
  });

  it('rejects (one rule each): a missing key, null, NaN, an unknown target key, a categorical key that is no feature, mixed target types, a string after numeric targets, no rows, a row that is no object', () => {
    expect(caught<InvalidDataError>(() => Dataset.fromObjects([{ a: 1, y: 1 }, { y: 2 }], { target: 'y' }))).toMatchObject({ row: 1, column: 0 });
    expect(caught<InvalidDataError>(() => Dataset.fromObjects([{ a: 1, y: 1 }, { a: null, y: 2 }], { target: 'y' })).message).toContain('null');
    expect(caught<InvalidDataError>(() => Dataset.fromObjects([{ a: NaN, y: 1 }], { target: 'y' }))).toMatchObject({ row: 0, column: 0 });
    const t = caught<InvalidOptionError>(() => Dataset.fromObjects([{ a: 1, y: 1 }], { target: 'label' }));
    expect(t).toMatchObject({ option: 'target' });
    expect(t.message).toContain('"a", "y"');
    expect(caught<InvalidOptionError>(() => Dataset.fromObjects([{ a: 1, b: 'x', y: 1 }], { target: 'y', features: ['a'], categorical: ['b'] }))).toMatchObject({ option: 'categorical' });
    expect(caught<InvalidDataError>(() => Dataset.fromObjects([{ a: 1, y: 'x' }, { a: 2, y: 3 }], { target: 'y' }))).toMatchObject({ code: 'INVALID_LABEL', row: 1 });
    const later = caught<InvalidDataError>(() => Dataset.fromObjects([{ a: 1, y: 0 }, { a: 2, y: 'yes' }], { target: 'y' }));
    expect(later).toMatchObject({ row: 1 });
    expect(later.message).toContain("targetType: 'category'");
    expect(caught(() => Dataset.fromObjects([], { target: 'y' })).code).toBe('EMPTY_DATA');
    expect(caught<InvalidDataError>(() => Dataset.fromObjects([{ a: 1 }, 5 as never]))).toMatchObject({ row: 1 });
    expect(caught<InvalidDataError>(() => Dataset.fromObjects([{ c: 'x' }, { c: 1 }], { categorical: ['c'] }))).toMatchObject({ row: 1, column: 0 });
  });
});

describe('Dataset methods', () => {
  const d = Dataset.fromArrays(
    [
      [0, 0],
      [1, 10],
      [2, 20],
      [3, 30],
    ],
    ['a', 'b', 'a', 'c'],
    { featureNames: ['i', 'ten'] },
  );

  it('subset copies the rows asked for, in that order, with names and encoders', () => {
    const s = d.subset(Uint32Array.from([3, 1, 1]));
    expect(s.rows).toBe(3);
    expect(Array.from(s.x.data)).toEqual([3, 30, 1, 10, 1, 10]);
    expect(Array.from(s.y!)).toEqual([2, 1, 1]);
    expect(s.featureNames).toEqual(['i', 'ten']);
    expect(s.labelEncoder).toBe(d.labelEncoder);
    s.x.data[0] = -1;
    expect(d.x.data[6]).toBe(3);
  });

  it('subset rejects indices out of range, non-integers, none', () => {
    expect(caught<InvalidDataError>(() => d.subset([0, 4]))).toMatchObject({ argument: 'indices', row: 1 });
    expect(caught<InvalidDataError>(() => d.subset([0.5]))).toMatchObject({ argument: 'indices', row: 0 });
    expect(caught(() => d.subset([])).code).toBe('EMPTY_DATA');
  });

  it('withFeatures keeps the targets; the constructor checks shapes', () => {
    const w = d.withFeatures({ data: new Float32Array(4), rows: 4, cols: 1 }, ['z']);
    expect(w.y).toBe(d.y);
    expect(w.featureNames).toEqual(['z']);
    expect(caught(() => d.withFeatures({ data: new Float32Array(2), rows: 2, cols: 1 })).code).toBe('SHAPE_MISMATCH');
    expect(caught(() => new Dataset({ x: { data: new Float32Array(3), rows: 2, cols: 2 } })).code).toBe('SHAPE_MISMATCH');
    expect(caught(() => new Dataset({ x: { data: new Float32Array(4), rows: 2, cols: 2 }, y: new Float32Array(3) })).code).toBe('SHAPE_MISMATCH');
  });
});
