import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Dataset } from '../../ts/data/dataset.js';
import { parseCSV } from '../../ts/data/csv.js';
import { LabelEncoder, OneHotEncoder } from '../../ts/data/encoders.js';
import { InvalidDataError, InvalidOptionError } from '../../ts/errors.js';
import { caught, rejected, streamOf, uniform } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'minibatch-csv-test-'));
function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** Rows of numbers → CSV text, and the float32 matrix they must load as. */
function numericCSV(rows: number[][], names: string[], eol = '\n'): string {
  return [names.join(','), ...rows.map((r) => r.join(','))].join(eol) + eol;
}

const SIMPLE = 'a,b,y\n1,2,3\n4.5,-6,7\n';

describe('Dataset.fromCSV: the table', () => {
  it('reads a header, features and a numeric target, as float32', async () => {
    const d = await Dataset.fromCSV('a,b,y\n0.1,2,3\n4.5,-6e-3,7\n', { target: 'y' });
    expect(d.featureNames).toEqual(['a', 'b']);
    expect(d.targetName).toBe('y');
    expect([d.rows, d.nFeatures]).toEqual([2, 2]);
    expect(Array.from(d.x.data)).toEqual([0.1, 2, 4.5, -6e-3].map(Math.fround));
    expect(Array.from(d.y!)).toEqual([3, 7]);
    expect(d.labelEncoder).toBeUndefined();
    expect(d.skippedRows).toBe(0);
  });

  it('loads many rows (buffer growth and trim) with the values of the text', async () => {
    const u = uniform(3);
    const rows = Array.from({ length: 5000 }, () => [u() * 200 - 100, u(), Math.floor(u() * 1e6)].map((v) => Number(v.toFixed(5))));
    const d = await Dataset.fromCSV(numericCSV(rows, ['p', 'q', 'r']), { target: 'r' });
    expect(d.rows).toBe(5000);
    expect(d.x.data.length).toBe(5000 * 2); // trimmed to the rows
    expect(Array.from(d.x.data)).toEqual(rows.flatMap((r) => [Math.fround(r[0]), Math.fround(r[1])]));
    expect(Array.from(d.y!)).toEqual(rows.map((r) => Math.fround(r[2])));
  });

  it('without a target: features only', async () => {
    const d = await Dataset.fromCSV(SIMPLE);
    expect(d.featureNames).toEqual(['a', 'b', 'y']);
    expect(d.y).toBeUndefined();
  });

  it('selects columns by name and by index, in the order given', async () => {
    const d = await Dataset.fromCSV('a,b,c,y\n1,2,3,4\n5,6,7,8\n', { target: 3, features: ['c', 0] });
    expect(d.featureNames).toEqual(['c', 'a']);
    expect(Array.from(d.x.data)).toEqual([3, 1, 7, 5]);
    expect(d.targetName).toBe('y');
    expect(Array.from(d.y!)).toEqual([4, 8]);
  });

  it('header: false names columns by index and selects by index', async () => {
    const d = await Dataset.fromCSV('1,2,3\n4,5,6\n', { header: false, target: 1 });
    expect(d.featureNames).toEqual(['0', '2']);
    expect(Array.from(d.x.data)).toEqual([1, 3, 4, 6]);
    expect(Array.from(d.y!)).toEqual([2, 5]);
  });

  it('other delimiters; auto-detection', async () => {
    const semi = await Dataset.fromCSV('a;b;y\n1,5;2;3\n'.replace('1,5', '1.5'), { target: 'y', delimiter: ';' });
    expect(Array.from(semi.x.data)).toEqual([1.5, 2]);
    const tab = await Dataset.fromCSV('a\tb\ty\n1\t2\t3\n', { target: 'y', delimiter: '\t' });
    expect(Array.from(tab.x.data)).toEqual([1, 2]);
    const auto = await Dataset.fromCSV('a|b|y\n1|2|3\n4|5|6\n', { target: 'y', delimiter: 'auto' });
    expect(Array.from(auto.x.data)).toEqual([1, 2, 4, 5]);
  });

  it('skips blank lines, counting them in line numbers', async () => {
    const d = await Dataset.fromCSV('a,y\n\n1,2\n\n\n3,4\n\n', { target: 'y' });
    expect(Array.from(d.x.data)).toEqual([1, 3]);
    const e = await rejected<InvalidDataError>(Dataset.fromCSV('a,y\n\n1,2\n\n\nx,4\n', { target: 'y' }));
    expect(e.line).toBe(6);
  });
});

describe('Dataset.fromCSV: CSV syntax (papaparse)', () => {
  it('quoted fields holding the delimiter, quotes and line breaks', async () => {
    const text = 'a,"b, with comma",label\n"1",2,"x, y"\n3,"4","say ""hi"""\n5,6,"multi\nline"\n';
    const d = await Dataset.fromCSV(text, { target: 'label' });
    expect(d.featureNames).toEqual(['a', 'b, with comma']);
    expect(Array.from(d.x.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(d.labelEncoder!.classes).toEqual(['multi\nline', 'say "hi"', 'x, y'].sort());
    expect(d.labelEncoder!.inverseTransform(d.y!)).toEqual(['x, y', 'say "hi"', 'multi\nline']);
  });

  it('counts the lines of a quoted field with line breaks, as an editor does', async () => {
    const text = 'a,b,label\n1,2,"x"\n3,4,"multi\nline\r\nthird"\n5,oops,z\n';
    const e = await rejected<InvalidDataError>(Dataset.fromCSV(text, { target: 'label' }));
    expect(e.code).toBe('INVALID_DATA');
    expect(e.line).toBe(6);
    expect(e.row).toBe(2);
    expect(e.column).toBe(1);
    expect(e.message).toContain('line 6');
    expect(e.message).toContain('"b"');
    expect(e.message).toContain('"oops"');
  });

  it('CRLF line endings', async () => {
    const rows = [
      [1, 2, 3],
      [4, 5, 6],
    ];
    const d = await Dataset.fromCSV(numericCSV(rows, ['a', 'b', 'y'], '\r\n'), { target: 'y' });
    expect(Array.from(d.x.data)).toEqual([1, 2, 4, 5]);
    expect(Array.from(d.y!)).toEqual([3, 6]);
    const e = await rejected<InvalidDataError>(Dataset.fromCSV('a,y\r\n1,2\r\n3,,\r\n', { target: 'y' }));
    expect([e.code, e.line]).toEqual(['SHAPE_MISMATCH', 3]);
  });

  it('a UTF-8 byte-order mark, in text and in bytes', async () => {
    const text = '\ufeffa,y\n1,2\n';
    expect((await Dataset.fromCSV(text, { target: 'y' })).featureNames).toEqual(['a']);
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('a,y\n1,2\n')]);
    const d = await Dataset.fromCSV(new Blob([bytes]), { target: 'y' });
    expect(d.featureNames).toEqual(['a']);
    expect(Array.from(d.x.data)).toEqual([1]);
    expect((await Dataset.fromCSV(file('bom.csv', bytes), { target: 'y' })).featureNames).toEqual(['a']);
  });

  it('gives the same table whatever the chunking of the bytes (rows, quotes, CRLF and UTF-8 split across chunks)', async () => {
    const text = 'x,"é col",label\r\n1.5,-2,"a, ü"\r\n3,"4",plain\r\n5,6,"two\r\nlines"\r\n7,8,plain';
    const bytes = new TextEncoder().encode(text);
    const whole = await Dataset.fromCSV(text, { target: 'label' });
    expect(whole.featureNames).toEqual(['x', 'é col']);
    expect(Array.from(whole.x.data)).toEqual([1.5, -2, 3, 4, 5, 6, 7, 8]);
    expect(whole.labelEncoder!.inverseTransform(whole.y!)).toEqual(['a, ü', 'plain', 'two\r\nlines', 'plain']);
    for (const size of [1, 2, 3, 5, 7, 16]) {
      const pieces: Uint8Array[] = [];
      for (let i = 0; i < bytes.length; i += size) pieces.push(bytes.subarray(i, i + size));
      const d = await Dataset.fromCSV(streamOf(pieces), { target: 'label' });
      expect(d.featureNames).toEqual(whole.featureNames);
      expect(Array.from(d.x.data)).toEqual(Array.from(whole.x.data));
      expect(Array.from(d.y!)).toEqual(Array.from(whole.y!));
      // Line numbers too: the bad value is on line 8 (the quoted field spans lines 4 and 5).
      const bad = new TextEncoder().encode(`${text}\r\n9,10,plain\r\n11,x,plain\r\n`);
      const badPieces: Uint8Array[] = [];
      for (let i = 0; i < bad.length; i += size) badPieces.push(bad.subarray(i, i + size));
      const e = await rejected<InvalidDataError>(Dataset.fromCSV(streamOf(badPieces), { target: 'label' }));
      expect([e.line, e.row, e.column]).toEqual([8, 5, 1]);
    }
  });

  it('an unclosed quote is an error at its line', async () => {
    const e = await rejected<InvalidDataError>(Dataset.fromCSV('a,y\n1,2\n"3,4\n5,6\n', { target: 'y' }));
    expect([e.code, e.line]).toEqual(['INVALID_DATA', 3]);
    expect(e.message).toMatch(/quote/i);
  });
});

describe('Dataset.fromCSV: sources', () => {
  const expectSimple = (d: Dataset) => {
    expect(d.featureNames).toEqual(['a', 'b']);
    expect(Array.from(d.x.data)).toEqual([1, 2, 4.5, -6]);
    expect(Array.from(d.y!)).toEqual([3, 7]);
  };

  it('a file path, a file URL', async () => {
    const path = file('simple.csv', SIMPLE);
    expectSimple(await Dataset.fromCSV(path, { target: 'y' }));
    expectSimple(await Dataset.fromCSV(pathToFileURL(path), { target: 'y' }));
  });

  it('CSV text: a string with a line break, or { text }', async () => {
    expectSimple(await Dataset.fromCSV(SIMPLE, { target: 'y' }));
    expectSimple(await Dataset.fromCSV({ text: SIMPLE }, { target: 'y' }));
  });

  it('Blob, File and Response', async () => {
    expectSimple(await Dataset.fromCSV(new Blob([SIMPLE]), { target: 'y' }));
    expectSimple(await Dataset.fromCSV(new File([SIMPLE], 'simple.csv'), { target: 'y' }));
    expectSimple(await Dataset.fromCSV(new Response(SIMPLE), { target: 'y' }));
  });

  it('a web ReadableStream, a Node Readable, an async iterable, a function that opens one', async () => {
    expectSimple(await Dataset.fromCSV(streamOf([SIMPLE.slice(0, 7), SIMPLE.slice(7)]), { target: 'y' }));
    expectSimple(await Dataset.fromCSV(Readable.from([Buffer.from(SIMPLE.slice(0, 5)), Buffer.from(SIMPLE.slice(5))]), { target: 'y' }));
    expectSimple(
      await Dataset.fromCSV(
        (async function* () {
          yield SIMPLE.slice(0, 9);
          yield new TextEncoder().encode(SIMPLE.slice(9));
        })(),
        { target: 'y' },
      ),
    );
    expectSimple(await Dataset.fromCSV(() => new Blob([SIMPLE]), { target: 'y' }));
  });

  it('names the source in messages: file name, path', async () => {
    const e = await rejected(Dataset.fromCSV(new File(['a,y\nx,1\n'], 'mine.csv'), { target: 'y' }));
    expect(e.message).toContain('mine.csv line 2');
    const named = await rejected(Dataset.fromCSV('a,y\nx,1\n', { target: 'y', name: 'upload' }));
    expect(named.message).toContain('upload line 2');
  });
});

describe('Dataset.fromCSV: bad input gives typed errors', () => {
  it('a ragged row: its line and the field counts', async () => {
    const e = await rejected<InvalidDataError>(Dataset.fromCSV('a,b,y\n1,2,3\n4,5\n6,7,8\n', { target: 'y' }));
    expect(e).toBeInstanceOf(InvalidDataError);
    expect([e.code, e.line, e.row]).toEqual(['SHAPE_MISMATCH', 3, 1]);
    expect(e.message).toContain('line 3 has 2 fields but the header has 3');
    const long = await rejected<InvalidDataError>(Dataset.fromCSV('a,y\n1,2\n3,4,5\n', { target: 'y' }));
    expect([long.code, long.line]).toEqual(['SHAPE_MISMATCH', 3]);
  });

  it('an unknown column name, listing the columns', async () => {
    const e = await rejected<InvalidOptionError>(Dataset.fromCSV(SIMPLE, { target: 'label' }));
    expect(e).toBeInstanceOf(InvalidOptionError);
    expect(e.option).toBe('target');
    expect(e.message).toContain('no column "label"');
    expect(e.message).toContain('"a", "b", "y"');
    const f = await rejected<InvalidOptionError>(Dataset.fromCSV(SIMPLE, { target: 'y', features: ['a', 'B'] }));
    expect(f.option).toBe('features');
    expect(f.message).toContain('Did you mean "b"?');
  });

  it('a column index out of range', async () => {
    const e = await rejected<InvalidOptionError>(Dataset.fromCSV(SIMPLE, { target: 3 }));
    expect(e.option).toBe('target');
    expect(e.message).toContain('0..2');
  });

  it('a column name with header: false', async () => {
    const e = await rejected<InvalidOptionError>(Dataset.fromCSV('1,2\n3,4\n', { target: 'y', header: false }));
    expect(e.option).toBe('target');
    expect(e.message).toContain('header: false');
  });

  it('a wrong delimiter: the hint names the right one', async () => {
    const e = await rejected<InvalidOptionError>(Dataset.fromCSV('a;b;y\n1;2;3\n', { target: 'y' }));
    expect(e.message).toContain('delimiter: ";"');
  });

  it('the target also listed as a feature; no feature left', async () => {
    expect((await rejected<InvalidOptionError>(Dataset.fromCSV(SIMPLE, { target: 'y', features: ['a', 'y'] }))).option).toBe('features');
    expect((await rejected<InvalidOptionError>(Dataset.fromCSV('y\n1\n', { target: 'y' }))).option).toBe('features');
  });

  it('a file that does not exist', async () => {
    const path = join(dir, 'missing.csv');
    const e = await rejected<InvalidDataError>(Dataset.fromCSV(path, { target: 'y' }));
    expect(e.code).toBe('READ_FAILED');
    expect(e.message).toContain(path);
    expect(e.message).toContain('no such file');
    expect((e.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('a string with no line break is a path; the message says how to pass text', async () => {
    const e = await rejected(Dataset.fromCSV('a,b,y', { target: 'y' }));
    expect(e.code).toBe('READ_FAILED');
    expect(e.message).toContain('{ text }');
  });

  it('an empty file, blank lines only, a byte-order mark only', async () => {
    for (const source of [file('empty.csv', ''), { text: '' }, '\n\n  \n', new Blob([new Uint8Array([0xef, 0xbb, 0xbf])])]) {
      const e = await rejected<InvalidDataError>(Dataset.fromCSV(source, { target: 'y' }));
      expect(e.code).toBe('EMPTY_DATA');
      expect(e.message).toContain('is empty');
    }
  });

  it('a header only', async () => {
    for (const source of ['a,b,y\n', { text: 'a,b,y' }, 'a,b,y\r\n\r\n']) {
      const e = await rejected<InvalidDataError>(Dataset.fromCSV(source, { target: 'y' }));
      expect(e.code).toBe('EMPTY_DATA');
      expect(e.message).toContain('a header but no data rows');
    }
  });

  it('a stream that fails half-way: READ_FAILED with how far it got, nothing loaded', async () => {
    const pieces = ['a,y\n1,2\n', '3,4\n5,', '6\n', '7,8\n'];
    const e = await rejected<InvalidDataError>(Dataset.fromCSV(streamOf(pieces, 2), { target: 'y' }));
    expect(e.code).toBe('READ_FAILED');
    expect(e.message).toContain('connection reset');
    expect(e.message).toContain('after line 3');
    expect(e.message).toContain('nothing was loaded');
    expect((e.cause as Error).message).toBe('connection reset');
    const node = new Readable({
      read() {
        this.push('a,y\n1,2\n');
        this.destroy(new Error('disk gone'));
      },
    });
    expect((await rejected(Dataset.fromCSV(node, { target: 'y' }))).code).toBe('READ_FAILED');
  });

  it('an HTTP error Response, a Response already read', async () => {
    const e = await rejected(Dataset.fromCSV(new Response('nope', { status: 404, statusText: 'Not Found' }), { target: 'y' }));
    expect(e.code).toBe('READ_FAILED');
    expect(e.message).toContain('404');
    const used = new Response(SIMPLE);
    await used.text();
    expect((await rejected(Dataset.fromCSV(used, { target: 'y' }))).message).toContain('already read');
  });

  it('bytes that are not UTF-8', async () => {
    const e = await rejected(Dataset.fromCSV(new Blob([new Uint8Array([0x61, 0x2c, 0x79, 0x0a, 0xff, 0x2c, 0x31, 0x0a])]), { target: 'y' }));
    expect(e.code).toBe('READ_FAILED');
    expect(e.message).toContain('UTF-8');
  });

  it('something that is no source', async () => {
    const e = await rejected(Dataset.fromCSV(42 as never, { target: 'y' }));
    expect([e.code, e.argument]).toEqual(['INVALID_DATA', 'source']);
  });

  it('options: unknown, and of the wrong type', async () => {
    const u = await rejected<InvalidOptionError>(Dataset.fromCSV(SIMPLE, { target: 'y', skipinvalid: true } as never));
    expect([u.code, u.option]).toEqual(['UNKNOWN_OPTION', 'skipinvalid']);
    expect(u.message).toContain("Did you mean 'skipInvalid'?");
    expect((await rejected<InvalidOptionError>(Dataset.fromCSV(SIMPLE, { target: 'y', header: 'yes' as never }))).option).toBe('header');
    expect((await rejected<InvalidOptionError>(Dataset.fromCSV(SIMPLE, { target: 'y', delimiter: '"' }))).option).toBe('delimiter');
    expect((await rejected<InvalidOptionError>(Dataset.fromCSV(SIMPLE, { target: -1 }))).option).toBe('target');
    expect((await rejected<InvalidOptionError>(Dataset.fromCSV(SIMPLE, { target: 'y', targetType: 'label' as never }))).option).toBe('targetType');
  });
});

describe('Dataset.fromCSV: missing and non-numeric values', () => {
  it('a missing value: its line and column', async () => {
    const e = await rejected<InvalidDataError>(Dataset.fromCSV('a,b,y\n1,2,3\n4, ,6\n', { target: 'y' }));
    expect([e.code, e.line, e.row, e.column]).toEqual(['INVALID_DATA', 3, 1, 1]);
    expect(e.message).toContain('column "b"');
    expect(e.message).toContain('missing');
    expect(e.message).toContain('skipInvalid');
  });

  it('a non-numeric feature value, with the categorical hint', async () => {
    const e = await rejected<InvalidDataError>(Dataset.fromCSV('a,b,y\n1,2,3\n4,five,6\n', { target: 'y' }));
    expect([e.line, e.column]).toEqual([3, 1]);
    expect(e.message).toContain('"five" is not a finite number');
    expect(e.message).toContain('categorical');
  });

  it('Infinity, NaN and values beyond float32', async () => {
    for (const v of ['Infinity', 'NaN', '1e39']) {
      const e = await rejected<InvalidDataError>(Dataset.fromCSV(`a,y\n1,2\n${v},3\n`, { target: 'y' }));
      expect([e.code, e.line]).toEqual(['INVALID_DATA', 3]);
    }
  });

  it('a target read as numbers that later holds a class: the hint says targetType', async () => {
    const e = await rejected<InvalidDataError>(Dataset.fromCSV('a,y\n1,0\n2,maybe\n', { target: 'y' }));
    expect(e.line).toBe(3);
    expect(e.message).toContain("targetType: 'category'");
    expect(caught(() => parseCSV('a,y\n1,yes\n', { target: 'y' })).code).toBe('INVALID_DATA');
  });

  it('skipInvalid skips those rows and counts them', async () => {
    const text = 'a,b,y\n1,2,3\n,5,6\n7,x,9\n10,11,\n12,13,14\n';
    const d = await Dataset.fromCSV(text, { target: 'y', skipInvalid: true });
    expect(d.skippedRows).toBe(3);
    expect(Array.from(d.x.data)).toEqual([1, 2, 12, 13]);
    expect(Array.from(d.y!)).toEqual([3, 14]);
  });

  it('skipInvalid with every row invalid: EMPTY_DATA naming the first', async () => {
    const e = await rejected<InvalidDataError>(Dataset.fromCSV('a,y\nx,1\n,2\n', { target: 'y', skipInvalid: true }));
    expect([e.code, e.line]).toEqual(['EMPTY_DATA', 2]);
    expect(e.message).toContain('all 2 data rows were skipped');
  });

  it('skipInvalid does not hide a ragged row', async () => {
    const e = await rejected<InvalidDataError>(Dataset.fromCSV('a,y\n1,2\n3\n', { target: 'y', skipInvalid: true }));
    expect(e.code).toBe('SHAPE_MISMATCH');
  });
});

describe('Dataset.fromCSV: categories', () => {
  it('a categorical target: classes sorted, y their indices', async () => {
    const d = await Dataset.fromCSV('a,churned\n1,yes\n2,no\n3,yes\n4,maybe\n', { target: 'churned' });
    expect(d.labelEncoder!.classes).toEqual(['maybe', 'no', 'yes']);
    expect(Array.from(d.y!)).toEqual([2, 1, 2, 0]);
    expect(d.nClasses).toBe(3);
  });

  it("targetType 'category' on numbers: numeric classes in numeric order", async () => {
    const d = await Dataset.fromCSV('a,grade\n1,10\n2,2\n3,1\n4,2\n', { target: 'grade', targetType: 'category' });
    expect(d.labelEncoder!.classes).toEqual([1, 2, 10]);
    expect(Array.from(d.y!)).toEqual([2, 1, 0, 1]);
  });

  it("targetType 'number' refuses classes", async () => {
    const e = await rejected(Dataset.fromCSV('a,y\n1,yes\n', { target: 'y', targetType: 'number' }));
    expect(e.code).toBe('INVALID_DATA');
  });

  it("test data mapped with the training data's LabelEncoder; an unknown class is an error", async () => {
    const train = await Dataset.fromCSV('a,y\n1,cat\n2,dog\n3,emu\n', { target: 'y' });
    const test = await Dataset.fromCSV('a,y\n4,emu\n5,cat\n', { target: 'y', labelEncoder: train.labelEncoder });
    expect(Array.from(test.y!)).toEqual([2, 0]);
    expect(test.labelEncoder).toBe(train.labelEncoder);
    const e = await rejected<InvalidDataError>(Dataset.fromCSV('a,y\n4,emu\n5,yak\n', { target: 'y', labelEncoder: train.labelEncoder }));
    expect([e.code, e.line]).toEqual(['INVALID_LABEL', 3]);
    expect(e.message).toContain('"yak"');
    // An encoder fitted on numbers reads numeric text.
    const numeric = await Dataset.fromCSV('a,y\n1,3\n2,1\n', { target: 'y', labelEncoder: new LabelEncoder([1, 3]) });
    expect(Array.from(numeric.y!)).toEqual([1, 0]);
  });

  it('categorical features are one-hot encoded in place', async () => {
    const d = await Dataset.fromCSV('age,city,income,y\n31,paris,5.5,1\n40,oslo,3,0\n22,paris,1,1\n', { target: 'y', categorical: ['city'] });
    expect(d.featureNames).toEqual(['age', 'city=oslo', 'city=paris', 'income']);
    expect(Array.from(d.x.data)).toEqual([31, 0, 1, 5.5, 40, 1, 0, 3, 22, 0, 1, 1]);
    expect(d.oneHotEncoder!.categories).toEqual([['oslo', 'paris']]);
    expect(d.oneHotEncoder!.columns).toEqual(['city']);
  });

  it("a fitted OneHotEncoder maps new data; unknown categories: error, or zeros with handleUnknown 'ignore'", async () => {
    const train = await Dataset.fromCSV('age,city,y\n31,paris,1\n40,oslo,0\n', { target: 'y', categorical: ['city'] });
    const test = await Dataset.fromCSV('age,city,y\n50,oslo,1\n', { target: 'y', oneHotEncoder: train.oneHotEncoder });
    expect(test.featureNames).toEqual(train.featureNames);
    expect(Array.from(test.x.data)).toEqual([50, 1, 0]);
    const e = await rejected<InvalidDataError>(Dataset.fromCSV('age,city,y\n50,rome,1\n', { target: 'y', oneHotEncoder: train.oneHotEncoder }));
    expect([e.code, e.line]).toEqual(['INVALID_DATA', 2]);
    expect(e.message).toContain("handleUnknown: 'ignore'");
    const lenient = await Dataset.fromCSV('age,city,y\n31,paris,1\n40,oslo,0\n', {
      target: 'y',
      categorical: ['city'],
      oneHotEncoder: new OneHotEncoder({ handleUnknown: 'ignore' }),
    });
    const ignored = await Dataset.fromCSV('age,city,y\n50,rome,1\n', { target: 'y', oneHotEncoder: lenient.oneHotEncoder });
    expect(Array.from(ignored.x.data)).toEqual([50, 0, 0]);
  });

  it('a categorical column that is not a feature; a missing category', async () => {
    expect((await rejected<InvalidOptionError>(Dataset.fromCSV('a,b,y\n1,x,2\n', { target: 'y', features: ['a'], categorical: ['b'] }))).option).toBe('categorical');
    const e = await rejected<InvalidDataError>(Dataset.fromCSV('a,b,y\n1,x,2\n1,,2\n', { target: 'y', categorical: ['b'] }));
    expect([e.code, e.line]).toEqual(['INVALID_DATA', 3]);
  });
});

describe('parseCSV (the synchronous API kept for the CLI)', () => {
  it('parses like before: header, numeric target, all other columns features', () => {
    const t = parseCSV('\ufeffa,y,b\r\n1,2,3\r\n4,5,6\r\n', { target: 'y', source: 'x.csv' });
    expect(t.featureNames).toEqual(['a', 'b']);
    expect(t.targetName).toBe('y');
    expect(Array.from(t.x.data)).toEqual([1, 3, 4, 6]);
    expect(Array.from(t.y)).toEqual([2, 5]);
  });

  it('keeps its errors: unknown target, ragged row, header only', () => {
    expect(caught<InvalidOptionError>(() => parseCSV('a,y\n1,2\n', { target: 'z' })).option).toBe('target');
    expect(caught(() => parseCSV('a,y\n1,2\n3\n', { target: 'y', source: 'f.csv' })).message).toContain('f.csv line 3');
    expect(caught(() => parseCSV('a,y\n', { target: 'y' })).code).toBe('EMPTY_DATA');
  });
});
