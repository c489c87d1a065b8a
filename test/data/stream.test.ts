import { createReadStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Dataset } from '../../ts/data/dataset.js';
import { LabelEncoder } from '../../ts/data/encoders.js';
import { type Chunk, shuffleBuffer } from '../../ts/data/stream.js';
import { InvalidDataError, InvalidOptionError } from '../../ts/errors.js';
import { caught, collect, rejected, streamOf, uniform } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'minibatch-stream-test-'));

/** A CSV of `n` rows: features (i, i/4 rounded, seeded noise) and target, and the float32 values expected. */
function makeCSV(n: number, target: (i: number) => string | number = (i) => i % 3): { text: string; x: number[]; y: (string | number)[] } {
  const u = uniform(n);
  const x: number[] = [];
  const y: (string | number)[] = [];
  let text = 'id,quarter,noise,label\n';
  for (let i = 0; i < n; i++) {
    const noise = Number((u() * 2 - 1).toFixed(4));
    text += `${i},${i / 4},${noise},${target(i)}\n`;
    x.push(i, Math.fround(i / 4), Math.fround(noise));
    y.push(target(i));
  }
  return { text, x, y };
}

function flatten(chunks: Chunk[]): { x: number[]; y: number[] } {
  return { x: chunks.flatMap((c) => Array.from(c.x.data)), y: chunks.flatMap((c) => Array.from(c.y)) };
}

describe('Dataset.streamCSV', () => {
  const csv = makeCSV(1000);
  const path = join(dir, 'rows.csv');
  writeFileSync(path, csv.text);

  it('chunks of chunkRows rows (the last shorter) holding the rows of the file in order', async () => {
    const stream = Dataset.streamCSV(path, { target: 'label', chunkRows: 128 });
    const chunks = await collect(stream);
    expect(chunks.map((c) => c.x.rows)).toEqual([...Array<number>(7).fill(128), 1000 - 7 * 128]);
    for (const c of chunks) expect([c.x.cols, c.y.length, c.x.data.length]).toEqual([3, c.x.rows, c.x.rows * 3]);
    const { x, y } = flatten(chunks);
    expect(x).toEqual(csv.x);
    expect(y).toEqual(csv.y);
    expect(stream.featureNames).toEqual(['id', 'quarter', 'noise']);
    expect(stream.targetName).toBe('label');
    expect(stream.lastPassStats).toEqual({ rows: 1000, skippedRows: 0 });
  });

  it('iterated again, it reads the file again from the start: identical chunks', async () => {
    const stream = Dataset.streamCSV(path, { target: 'label', chunkRows: 300 });
    const first = await collect(stream);
    const second = await collect(stream);
    expect(second.length).toBe(first.length);
    second.forEach((c, i) => {
      expect(Array.from(c.x.data)).toEqual(Array.from(first[i].x.data));
      expect(Array.from(c.y)).toEqual(Array.from(first[i].y));
    });
    expect(second[0]).not.toBe(first[0]); // new arrays, not the same ones
  });

  it('re-reads Blob, text and a function that opens a Node stream', async () => {
    for (const source of [new Blob([csv.text]), csv.text, () => createReadStream(path)]) {
      const stream = Dataset.streamCSV(source, { target: 'label', chunkRows: 400 });
      for (let epoch = 0; epoch < 2; epoch++) expect(flatten(await collect(stream)).x).toEqual(csv.x);
    }
  });

  it('a categorical target: classes learned in a first pass, the same indices every epoch', async () => {
    const cat = makeCSV(50, (i) => ['red', 'green', 'blue'][i % 3]);
    const stream = Dataset.streamCSV(cat.text, { target: 'label', chunkRows: 16 });
    expect(stream.labelEncoder).toBeUndefined();
    const a = flatten(await collect(stream));
    expect(stream.labelEncoder!.classes).toEqual(['blue', 'green', 'red']);
    expect(a.y).toEqual(cat.y.map((v) => ['blue', 'green', 'red'].indexOf(v as string)));
    expect(flatten(await collect(stream)).y).toEqual(a.y);
  });

  it('scan() counts the rows and learns the classes, reading once', async () => {
    const cat = makeCSV(30, (i) => (i % 2 ? 'yes' : 'no'));
    const stream = Dataset.streamCSV(cat.text + '1,2,,no\n', { target: 'label', skipInvalid: true });
    expect(await stream.scan()).toEqual({ rows: 30, skippedRows: 1 });
    expect(stream.labelEncoder!.classes).toEqual(['no', 'yes']);
    expect(stream.nFeatures).toBe(3);
  });

  it('a one-shot stream: read once; again is an error saying what to pass instead', async () => {
    const stream = Dataset.streamCSV(streamOf([csv.text]), { target: 'label' });
    expect(flatten(await collect(stream)).x).toEqual(csv.x);
    const e = await rejected<InvalidDataError>(collect(stream));
    expect(e.code).toBe('READ_FAILED');
    expect(e.message).toContain('can be read once');
    expect(e.message).toContain('function');
  });

  it('a one-shot stream with a categorical target needs the classes given', async () => {
    const cat = makeCSV(20, (i) => (i % 2 ? 'yes' : 'no'));
    const e = await rejected(collect(Dataset.streamCSV(streamOf([cat.text]), { target: 'label' })));
    expect(e.message).toContain('labelEncoder: new LabelEncoder');
    const given = Dataset.streamCSV(streamOf([cat.text]), { target: 'label', labelEncoder: new LabelEncoder(['no', 'yes']) });
    expect(flatten(await collect(given)).y).toEqual(cat.y.map((v) => (v === 'yes' ? 1 : 0)));
  });

  it('a source that fails half-way: the iteration rejects with READ_FAILED after the chunks before', async () => {
    const half = csv.text.length >> 1;
    const stream = Dataset.streamCSV(streamOf([csv.text.slice(0, half), csv.text.slice(half)], 1), { target: 'label', chunkRows: 64 });
    const seen: Chunk[] = [];
    const e = await rejected<InvalidDataError>(async () => {
      for await (const c of stream) seen.push(c);
    });
    expect(e.code).toBe('READ_FAILED');
    expect(e.message).toContain('connection reset');
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((c) => c.x.rows === 64)).toBe(true);
  });

  it('bad rows: typed errors with their line, like fromCSV', async () => {
    const e = await rejected<InvalidDataError>(collect(Dataset.streamCSV('a,y\n1,2\n3\n', { target: 'y' })));
    expect([e.code, e.line]).toEqual(['SHAPE_MISMATCH', 3]);
    expect((await rejected(collect(Dataset.streamCSV(join(dir, 'nope.csv'), { target: 'y' })))).code).toBe('READ_FAILED');
    expect((await rejected(collect(Dataset.streamCSV('a,y\n', { target: 'y' })))).code).toBe('EMPTY_DATA');
  });

  it('reads lazily: stopping after the first chunk reads little of the source, and closes it', async () => {
    let produced = 0;
    let closed = false;
    const line = '1.5,2.5,3.5,1\n';
    async function* endless() {
      try {
        yield 'a,b,c,y\n';
        for (;;) {
          produced += 100;
          yield line.repeat(100);
        }
      } finally {
        closed = true;
      }
    }
    for await (const chunk of Dataset.streamCSV(endless(), { target: 'y', chunkRows: 1000 })) {
      expect(chunk.x.rows).toBe(1000);
      break;
    }
    // One chunk is 1000 rows; the source was pulled just past them, never to its (infinite) end.
    expect(produced).toBeGreaterThanOrEqual(1000);
    expect(produced).toBeLessThanOrEqual(1100);
    expect(closed).toBe(true);
  });

  it('rejects options: no target, chunkRows not a positive integer, unknown', () => {
    expect(caught<InvalidOptionError>(() => Dataset.streamCSV(path, {} as never)).option).toBe('target');
    expect(caught<InvalidOptionError>(() => Dataset.streamCSV(path, { target: 'label', chunkRows: 0 })).option).toBe('chunkRows');
    expect(caught<InvalidOptionError>(() => Dataset.streamCSV(path, { target: 'label', chunkrows: 5 } as never)).code).toBe('UNKNOWN_OPTION');
    expect(caught(() => Dataset.streamCSV(null as never, { target: 'label' })).code).toBe('INVALID_DATA');
  });
});

describe('shuffleBuffer', () => {
  /** Chunks whose rows are [i, −i] with target i, for i = 0..n−1. */
  function source(n: number, chunkRows: number): AsyncIterable<Chunk> {
    return {
      async *[Symbol.asyncIterator]() {
        for (let a = 0; a < n; a += chunkRows) {
          const rows = Math.min(chunkRows, n - a);
          const x = new Float32Array(rows * 2);
          const y = new Float32Array(rows);
          for (let r = 0; r < rows; r++) {
            x[2 * r] = a + r;
            x[2 * r + 1] = -(a + r);
            y[r] = a + r;
          }
          yield { x: { data: x, rows, cols: 2 }, y };
        }
      },
    };
  }
  const order = (chunks: Chunk[]) => chunks.flatMap((c) => Array.from(c.y));

  it('outputs every row exactly once, rows intact (features stay with their target)', async () => {
    const chunks = await collect(shuffleBuffer(source(1000, 64), { bufferRows: 100, seed: 1, chunkRows: 50 }));
    const ys = order(chunks);
    expect([...ys].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(ys).not.toEqual(Array.from({ length: 1000 }, (_, i) => i));
    for (const c of chunks) {
      for (let r = 0; r < c.x.rows; r++) {
        expect(c.x.data[2 * r]).toBe(c.y[r]);
        expect(c.x.data[2 * r + 1] === -c.y[r]).toBe(true);
      }
    }
    expect(chunks.map((c) => c.x.rows)).toEqual(Array<number>(20).fill(50));
  });

  it('bounded: the row output at position p was read at most bufferRows − 1 rows later', async () => {
    const B = 37;
    const ys = order(await collect(shuffleBuffer(source(500, 10), { bufferRows: B, seed: 3 })));
    ys.forEach((src, p) => expect(src).toBeLessThanOrEqual(p + B - 1));
    // …and it does move rows far: some row leaves the buffer much later than it came in.
    expect(Math.max(...ys.map((src, p) => p - src))).toBeGreaterThan(B);
  });

  it('each output is drawn uniformly from the buffer', async () => {
    // With bufferRows 4, the first row out is the one the 5th row replaces: any of rows 0..3 with
    // probability 1/4. Over 400 seeds each should come out about 100 times (binomial sd ≈ 8.7).
    const counts = [0, 0, 0, 0];
    for (let seed = 0; seed < 400; seed++) {
      const first = await shuffleBuffer(source(8, 8), { bufferRows: 4, seed, chunkRows: 1 })[Symbol.asyncIterator]().next();
      counts[(first.value as Chunk).y[0]]++;
    }
    for (const c of counts) expect(Math.abs(c - 100)).toBeLessThan(40);
  });

  it('bufferRows 1 keeps the order', async () => {
    expect(order(await collect(shuffleBuffer(source(100, 7), { bufferRows: 1, seed: 1 })))).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('seeded: the same seed gives the same sequence of epochs; each epoch its own order', async () => {
    const a = shuffleBuffer(source(300, 32), { bufferRows: 64, seed: 11 });
    const b = shuffleBuffer(source(300, 32), { bufferRows: 64, seed: 11 });
    const a1 = order(await collect(a));
    const a2 = order(await collect(a));
    expect(a2).not.toEqual(a1);
    expect(order(await collect(b))).toEqual(a1);
    expect(order(await collect(b))).toEqual(a2);
    expect(order(await collect(shuffleBuffer(source(300, 32), { bufferRows: 64, seed: 12 })))).not.toEqual(a1);
  });

  it('shuffles a CSV stream', async () => {
    const csv = makeCSV(200);
    const stream = Dataset.streamCSV(csv.text, { target: 'label', chunkRows: 32 });
    const chunks = await collect(shuffleBuffer(stream, { bufferRows: 50, seed: 2, chunkRows: 40 }));
    const ids = chunks.flatMap((c) => Array.from({ length: c.x.rows }, (_, r) => c.x.data[r * 3]));
    expect([...ids].sort((p, q) => p - q)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    for (const c of chunks) for (let r = 0; r < c.x.rows; r++) expect(c.y[r]).toBe(c.x.data[r * 3] % 3);
  });

  it('rejects: bufferRows missing or < 1, chunks of changing width, a source that is not iterable', async () => {
    expect(caught<InvalidOptionError>(() => shuffleBuffer(source(1, 1), {} as never)).option).toBe('bufferRows');
    expect(caught<InvalidOptionError>(() => shuffleBuffer(source(1, 1), { bufferRows: 0 })).option).toBe('bufferRows');
    expect(caught<InvalidOptionError>(() => shuffleBuffer(source(1, 1), { bufferRows: 5, seed: 1.5 })).option).toBe('seed');
    expect(caught(() => shuffleBuffer([] as never, { bufferRows: 5 })).code).toBe('INVALID_DATA');
    const ragged: AsyncIterable<Chunk> = {
      async *[Symbol.asyncIterator]() {
        yield { x: { data: new Float32Array(2), rows: 1, cols: 2 }, y: new Float32Array(1) };
        yield { x: { data: new Float32Array(3), rows: 1, cols: 3 }, y: new Float32Array(1) };
      },
    };
    expect((await rejected(collect(shuffleBuffer(ragged, { bufferRows: 4, seed: 1 })))).code).toBe('SHAPE_MISMATCH');
  });
});
