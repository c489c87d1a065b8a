/**
 * Estimators on the data layer: Datasets, CSV files, standardize, train/test splits,
 * cross-validation, and training on a stream of chunks read again every epoch.
 */
import { describe, expect, it } from 'vitest';
import {
  type Chunk,
  Dataset,
  InvalidDataError,
  InvalidOptionError,
  LinearRegression,
  LogisticRegression,
  MinMaxScaler,
  SoftmaxRegression,
  StandardScaler,
  crossValidate,
  kFold,
  trainTestSplit,
} from '../../ts/index.js';
import { blobs, classification, regression } from '../helpers/data.js';

const csvPath = new URL('../../data/breast-cancer.csv', import.meta.url);
const engines = ['wasm', 'js'] as const;

/** An in-memory source of chunks of `size` rows, re-iterable (each iteration one pass). */
function chunksOf(X: number[][], y: number[], size: number): AsyncIterable<Chunk> {
  return {
    async *[Symbol.asyncIterator]() {
      for (let s = 0; s < X.length; s += size) {
        const rows = X.slice(s, s + size);
        yield { x: { data: new Float32Array(rows.flat()), rows: rows.length, cols: X[0].length }, y: new Float32Array(y.slice(s, s + size)) };
      }
    },
  };
}

describe.each(engines)('%s engine', (engine) => {
  it('fit(dataset) is fit(X, y)', async () => {
    const { X, y } = classification(601, 150, 4);
    const a = new LogisticRegression();
    await a.fit(Dataset.fromArrays(X, y), { engine, seed: 1, maxEpochs: 3 });
    const b = new LogisticRegression();
    await b.fit(X, y, { engine, seed: 1, maxEpochs: 3 });
    expect(a.weights).toEqual(b.weights);
    expect(a.score(Dataset.fromArrays(X, y))).toBe(b.score(X, y));
  });

  it('standardize: true fits a StandardScaler on the training rows, saves it, and predict applies it', async () => {
    const data = await Dataset.fromCSV(csvPath, { target: 'malignant' });
    const { train, test } = trainTestSplit(data, { testSize: 0.2, stratify: true, seed: 1 });
    const m = new LogisticRegression({ standardize: true, l2: 1e-3 });
    await m.fit(train, { engine, seed: 2, maxEpochs: 30, learningRate: 0.1 });
    // the same as scaling by hand with a scaler fitted on the training rows
    const scaler = new StandardScaler().fit(train);
    const ref = new LogisticRegression({ l2: 1e-3 });
    await ref.fit(scaler.transform(train), { engine, seed: 2, maxEpochs: 30, learningRate: 0.1 });
    expect(m.weights).toEqual(ref.weights);
    expect(m.score(test)).toBe(ref.score(scaler.transform(test)));
    expect(m.score(test)).toBeGreaterThan(0.93);
    const copy = LogisticRegression.fromJSON(JSON.parse(JSON.stringify(m)));
    expect(copy.predictProba(test)).toEqual(m.predictProba(test));
  });

  it('a MinMaxScaler instance works as standardize too', async () => {
    const { X, y } = regression(602, 100, 3, 0.1);
    const m = new LinearRegression({ standardize: new MinMaxScaler() });
    await m.fit(X.map((r) => r.map((v) => v * 100 + 7)), y, { engine, seed: 1, maxEpochs: 200, learningRate: 0.5, batchSize: 100 });
    expect(m.score(X.map((r) => r.map((v) => v * 100 + 7)), y)).toBeGreaterThan(0.99);
  });

  it('softmax regression takes a Dataset with a categorical target and keeps its classes', async () => {
    const { X, y } = blobs(603, 150, 2, 3, 0.4);
    const names = ['b', 'a', 'c'];
    const rows = X.map((r, i) => ({ u: r[0], v: r[1], kind: names[y[i]] }));
    const data = Dataset.fromObjects(rows, { target: 'kind' });
    const m = new SoftmaxRegression();
    await m.fit(data, { engine, seed: 1, maxEpochs: 50, learningRate: 0.5 });
    expect(m.classes).toEqual(data.labelEncoder!.classes);
    expect(m.score(data)).toBeGreaterThan(0.9);
    expect(m.predict(data).every((v) => names.includes(v as string))).toBe(true);
  });

  it('crossValidate scores every fold with a fresh copy of the estimator', async () => {
    const { X, y } = classification(604, 200, 3);
    const data = Dataset.fromArrays(X, y);
    const estimator = new LogisticRegression({ l2: 1e-2 });
    const fit = { engine, seed: 3, maxEpochs: 10 } as const;
    const cv = await crossValidate(estimator, data, { folds: 4, seed: 9, fit });
    expect(cv.scores).toHaveLength(4);
    expect(estimator.isFitted).toBe(false);
    const folds = [...kFold(data, { folds: 4, seed: 9, stratify: true })];
    for (let i = 0; i < 4; i++) {
      const m = new LogisticRegression({ l2: 1e-2 });
      await m.fit(data.subset(folds[i].trainIndices), fit);
      expect(cv.scores[i]).toBe(m.score(data.subset(folds[i].testIndices)));
    }
    const mean = cv.scores.reduce((a, b) => a + b) / 4;
    expect(cv.mean).toBeCloseTo(mean, 15);
    expect(cv.std).toBeCloseTo(Math.sqrt(cv.scores.reduce((a, b) => a + (b - mean) ** 2, 0) / 4), 15);
  });

  it('a stream without shuffling trains exactly as the same rows in memory, whatever the chunk size', async () => {
    const { X, y } = regression(605, 300, 5, 0.3);
    const options = { engine, seed: 4, maxEpochs: 3, shuffle: false, batchSize: 8, tolerance: null, learningRate: 0.05 } as const;
    const memory = new LinearRegression();
    await memory.fit(X, y, options);
    for (const size of [7, 64, 1000]) {
      const streamed = new LinearRegression();
      const h = await streamed.fit(chunksOf(X, y, size), options);
      expect(streamed.weights).toEqual(memory.weights);
      expect(h.epochs).toBe(3);
      expect(h.iterations).toBe(3 * Math.ceil(300 / 8));
    }
  });

  it('a shuffled stream is seeded (same seed, same model), learns, and resumes at an epoch boundary bit-identically', async () => {
    const { X, y } = classification(606, 400, 4);
    const options = { engine, seed: 5, batchSize: 16, tolerance: null, learningRate: 0.1, shuffleBufferRows: 50 } as const;
    const a = new LogisticRegression();
    const h = await a.fit(chunksOf(X, y, 30), { ...options, maxEpochs: 4 });
    const b = new LogisticRegression();
    await b.fit(chunksOf(X, y, 30), { ...options, maxEpochs: 4 });
    expect(b.weights).toEqual(a.weights);
    expect(h.loss[3]).toBeLessThan(h.loss[0]);
    const half = new LogisticRegression();
    await half.fit(chunksOf(X, y, 30), { ...options, maxEpochs: 2 });
    const resumed = LogisticRegression.fromJSON(JSON.stringify(half));
    await resumed.fit(chunksOf(X, y, 30), { ...options, maxEpochs: 4, resume: true });
    expect(resumed.weights).toEqual(a.weights);
  });

  it('streams a CSV file: classes and scaler from a first pass, validation data in memory', async () => {
    const stream = Dataset.streamCSV(csvPath, { target: 'malignant', chunkRows: 100 });
    const all = await Dataset.fromCSV(csvPath, { target: 'malignant' });
    const m = new SoftmaxRegression({ standardize: true, l2: 1e-3 });
    const h = await m.fit(stream, { engine, seed: 6, maxEpochs: 20, learningRate: 0.1, validationData: [all.x.data, Array.from(all.y!)] , nFeatures: 30 });
    expect(m.classes).toEqual([0, 1]);
    expect(h.valScore.at(-1)!).toBeGreaterThan(0.95);
    expect(m.score(all)).toBe(h.valScore.at(-1));
  });

  it('refuses what a stream cannot do, and a chunk of another width', async () => {
    const { X, y } = classification(607, 50, 3);
    const src = chunksOf(X, y, 10);
    for (const [option, value] of [
      ['sampleWeight', y.map(() => 1)],
      ['validationSplit', 0.2],
      ['classWeight', 'balanced'],
    ] as const) {
      const e = await new LogisticRegression().fit(src, { engine, [option]: value }).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(InvalidOptionError);
      expect((e as InvalidOptionError).option).toBe(option);
    }
    const ragged: AsyncIterable<Chunk> = {
      async *[Symbol.asyncIterator]() {
        yield* chunksOf(X, y, 10);
        yield { x: { data: new Float32Array(4), rows: 1, cols: 4 }, y: new Float32Array([1]) };
      },
    };
    await expect(new LogisticRegression().fit(ragged, { engine, maxEpochs: 1 })).rejects.toBeInstanceOf(InvalidDataError);
    const cut = new LogisticRegression();
    await cut.fit(src, { engine, maxIterations: 3, batchSize: 4 });
    await expect(cut.fit(src, { engine, resume: true, maxEpochs: 2 })).rejects.toThrow(/resumes from an epoch boundary only/);
  });
});
