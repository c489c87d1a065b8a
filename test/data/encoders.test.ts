import { describe, expect, it } from 'vitest';
import { LabelEncoder, OneHotEncoder } from '../../ts/data/encoders.js';
import { InvalidDataError, InvalidModelError, InvalidOptionError, NotFittedError } from '../../ts/errors.js';
import { caught } from './helpers.js';

describe('LabelEncoder', () => {
  it('fit sorts the distinct classes: strings by code unit, numbers numerically, false before true', () => {
    expect(new LabelEncoder().fit(['b', 'a', 'B', 'b', 'a']).classes).toEqual(['B', 'a', 'b']);
    expect(new LabelEncoder().fit([10, 2, 1, 2]).classes).toEqual([1, 2, 10]);
    expect(new LabelEncoder().fit([true, false, true]).classes).toEqual([false, true]);
  });

  it('transform gives each value its class index; inverseTransform gives the values back', () => {
    const y = ['yes', 'no', 'no', 'maybe', 'yes'];
    const e = new LabelEncoder().fit(y);
    const t = e.transform(y);
    expect(t).toBeInstanceOf(Float32Array);
    expect(Array.from(t)).toEqual(y.map((v) => e.classes.indexOf(v)));
    expect(e.inverseTransform(t)).toEqual(y);
    expect(Array.from(new LabelEncoder().fitTransform(y))).toEqual(Array.from(t));
    expect(e.nClasses).toBe(3);
    expect(e.indexOf('no')).toBe(1);
    expect(e.indexOf('never')).toBe(-1);
  });

  it('classes given to the constructor keep their order', () => {
    const e = new LabelEncoder(['no', 'yes']);
    expect(Array.from(e.transform(['yes', 'no']))).toEqual([1, 0]);
  });

  it('rejects: an unknown class at transform (with its row), a bad index at inverseTransform', () => {
    const e = new LabelEncoder().fit(['a', 'b']);
    const err = caught<InvalidDataError>(() => e.transform(['a', 'c']));
    expect([err.code, err.row]).toEqual(['INVALID_LABEL', 1]);
    expect(err.message).toContain('"c"');
    expect(caught<InvalidDataError>(() => e.inverseTransform([0, 2])).row).toBe(1);
    expect(caught(() => e.inverseTransform([0.5])).code).toBe('INVALID_LABEL');
  });

  it('rejects at fit: mixed types, null, NaN, empty', () => {
    const mixed = caught<InvalidDataError>(() => new LabelEncoder().fit(['a', 1]));
    expect([mixed.code, mixed.row]).toEqual(['INVALID_DATA', 1]);
    expect(caught<InvalidDataError>(() => new LabelEncoder().fit(['a', null])).row).toBe(1);
    expect(caught<InvalidDataError>(() => new LabelEncoder().fit([1, NaN])).row).toBe(1);
    expect(caught(() => new LabelEncoder().fit([])).code).toBe('EMPTY_DATA');
  });

  it('rejects constructor classes: duplicates, mixed types, empty', () => {
    expect(caught<InvalidOptionError>(() => new LabelEncoder(['a', 'a'])).option).toBe('classes');
    expect(caught<InvalidOptionError>(() => new LabelEncoder(['a', true])).option).toBe('classes');
    expect(caught<InvalidOptionError>(() => new LabelEncoder([])).option).toBe('classes');
  });

  it('is not usable before fit', () => {
    expect(caught(() => new LabelEncoder().transform(['a']))).toBeInstanceOf(NotFittedError);
  });

  it('toJSON / fromJSON round-trips through JSON text', () => {
    const e = new LabelEncoder().fit([3, 1, 2]);
    const back = LabelEncoder.fromJSON(JSON.parse(JSON.stringify(e)));
    expect(back.classes).toEqual([1, 2, 3]);
    expect(Array.from(back.transform([2, 3]))).toEqual([1, 2]);
    expect(LabelEncoder.fromJSON(new LabelEncoder().toJSON()).isFitted).toBe(false);
  });

  it('fromJSON rejects: another format, another version, bad classes', () => {
    const good = new LabelEncoder().fit(['a']).toJSON();
    expect(caught(() => LabelEncoder.fromJSON({ ...good, format: 'x' }))).toBeInstanceOf(InvalidModelError);
    expect(caught(() => LabelEncoder.fromJSON({ ...good, version: 2 }))).toBeInstanceOf(InvalidModelError);
    expect(caught(() => LabelEncoder.fromJSON({ ...good, classes: ['a', 'a'] }))).toBeInstanceOf(InvalidModelError);
    expect(caught(() => LabelEncoder.fromJSON('nope'))).toBeInstanceOf(InvalidModelError);
  });
});

describe('OneHotEncoder', () => {
  const X = [
    ['red', 'S'],
    ['blue', 'M'],
    ['red', 'L'],
  ];

  it('fit learns sorted categories per column; transform writes one 1 per column per row', () => {
    const e = new OneHotEncoder({ columns: ['color', 'size'] }).fit(X);
    expect(e.categories).toEqual([
      ['blue', 'red'],
      ['L', 'M', 'S'],
    ]);
    const m = e.transform(X);
    expect([m.rows, m.cols]).toEqual([3, 5]);
    // Built from the definition: [blue, red | L, M, S].
    const expected = X.flatMap(([c, s]) => [c === 'blue', c === 'red', s === 'L', s === 'M', s === 'S'].map(Number));
    expect(Array.from(m.data)).toEqual(expected);
    expect(e.featureNames()).toEqual(['color=blue', 'color=red', 'size=L', 'size=M', 'size=S']);
    expect([e.nInputColumns, e.nOutputColumns]).toEqual([2, 5]);
  });

  it('default column names are x0, x1, …', () => {
    expect(new OneHotEncoder().fit([[1], [2]]).featureNames()).toEqual(['x0=1', 'x0=2']);
  });

  it("an unknown category: an error naming row and column, or all zeros with handleUnknown 'ignore'", () => {
    const strict = new OneHotEncoder({ columns: ['color', 'size'] }).fit(X);
    const err = caught<InvalidDataError>(() => strict.transform([['red', 'XL']]));
    expect([err.code, err.row, err.column]).toEqual(['INVALID_DATA', 0, 1]);
    expect(err.message).toContain('"size"');
    expect(err.message).toContain("handleUnknown: 'ignore'");
    const lenient = new OneHotEncoder({ handleUnknown: 'ignore' }).fit(X);
    expect(Array.from(lenient.transform([['green', 'M']]).data)).toEqual([0, 0, 0, 1, 0]);
  });

  it('categories given in the options keep their order', () => {
    const e = new OneHotEncoder({ categories: [['S', 'M', 'L']] });
    expect(Array.from(e.transform([['L'], ['S']]).data)).toEqual([0, 0, 1, 1, 0, 0]);
  });

  it('rejects: ragged rows, mixed types in a column, unknown options, bad handleUnknown', () => {
    const e = new OneHotEncoder();
    expect(caught<InvalidDataError>(() => e.fit([['a', 'b'], ['c']])).code).toBe('SHAPE_MISMATCH');
    expect(caught<InvalidDataError>(() => e.fit([['a'], [1]])).row).toBe(1);
    expect(caught<InvalidOptionError>(() => new OneHotEncoder({ handle: 'ignore' } as never)).code).toBe('UNKNOWN_OPTION');
    expect(caught<InvalidOptionError>(() => new OneHotEncoder({ handleUnknown: 'skip' as never })).option).toBe('handleUnknown');
    expect(caught<InvalidOptionError>(() => new OneHotEncoder({ columns: ['a'], categories: [['x'], ['y']] })).option).toBe('columns');
    expect(caught(() => new OneHotEncoder().transform([['a']]))).toBeInstanceOf(NotFittedError);
    expect(caught(() => new OneHotEncoder().fit([]))).toBeInstanceOf(InvalidDataError);
  });

  it('toJSON / fromJSON round-trips', () => {
    const e = new OneHotEncoder({ handleUnknown: 'ignore', columns: ['color', 'size'] }).fit(X);
    const back = OneHotEncoder.fromJSON(JSON.parse(JSON.stringify(e)));
    expect(back.handleUnknown).toBe('ignore');
    expect(back.columns).toEqual(['color', 'size']);
    expect(Array.from(back.transform(X).data)).toEqual(Array.from(e.transform(X).data));
    expect(caught(() => OneHotEncoder.fromJSON({ ...e.toJSON(), categories: [[]] }))).toBeInstanceOf(InvalidModelError);
    expect(caught(() => OneHotEncoder.fromJSON({ ...e.toJSON(), handleUnknown: 'x' }))).toBeInstanceOf(InvalidModelError);
    expect(caught(() => OneHotEncoder.fromJSON({ ...e.toJSON(), columns: ['one'] }))).toBeInstanceOf(InvalidModelError);
  });
});
