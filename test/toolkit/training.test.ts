/**
 * The training toolkit through the public API, in both engines: optimizers and schedules (engine
 * parity), softmax regression against Newton's method, L1 zeros, weights, validation, early
 * stopping, callbacks and control, and resumable state.
 */
import { describe, expect, it } from 'vitest';
import {
  InvalidModelError,
  InvalidOptionError,
  LinearRegression,
  LogisticRegression,
  SoftmaxRegression,
  type FitOptions,
  type OptimizerOption,
  type LearningRateOption,
} from '../../ts/index.js';
import { splitValidation } from '../../ts/train/validation.js';
import { blobs, classification, maxRelDiff, regression } from '../helpers/data.js';
import { leastSquares, objective, softmaxNewton, softmaxObjective, weightedLeastSquares } from '../helpers/reference.js';

const engines = ['wasm', 'js'] as const;
const theta = (m: LinearRegression | LogisticRegression) => [...m.weights, m.bias];

const optimizers: OptimizerOption[] = [
  'sgd',
  { type: 'sgd', momentum: 0.9 },
  { type: 'sgd', momentum: 0.9, nesterov: true, weightDecay: 1e-3 },
  { type: 'sgd', momentum: 0.5, dampening: 0.3 },
  'adagrad',
  { type: 'adagrad', lrDecay: 0.01, initialAccumulator: 0.1 },
  'rmsprop',
  { type: 'rmsprop', centered: true, momentum: 0.5 },
  'adam',
  { type: 'adam', amsgrad: true, weightDecay: 1e-2 },
  'adamw',
  { type: 'adam', clipNorm: 0.5 },
  { type: 'sgd', clipValue: 0.05 },
];

describe('engine parity for every optimizer (5 epochs, within 1e-5)', () => {
  it.each(optimizers.map((o) => [JSON.stringify(o), o] as const))('%s', async (_, optimizer) => {
    const { X, y } = classification(501, 400, 12);
    const lr = typeof optimizer === 'string' ? optimizer : optimizer.type;
    const learningRate = lr === 'sgd' ? 0.1 : 0.01;
    const fits = await Promise.all(
      engines.map(async (engine) => {
        const m = new LogisticRegression({ l2: 1e-3 });
        const h = await m.fit(X, y, { engine, optimizer, learningRate, batchSize: 16, maxEpochs: 5, seed: 3, tolerance: null });
        return { theta: theta(m), loss: h.loss };
      }),
    );
    expect(maxRelDiff(fits[0].theta, fits[1].theta)).toBeLessThan(1e-5);
    expect(fits[1].loss[4]).toBeLessThan(fits[1].loss[0]);
  });

  const schedules: LearningRateOption[] = [
    { type: 'step', initial: 0.2, stepSize: 2, gamma: 0.5 },
    { type: 'exponential', initial: 0.2, gamma: 0.8, stepPer: 'iteration' },
    { type: 'invscaling', initial: 0.3 },
    { type: 'cosine', initial: 0.2, warmupEpochs: 1, periodEpochs: 2, periodMultiplier: 2 },
    { type: 'plateau', initial: 0.2, patience: 0, factor: 0.5, threshold: 0.5 },
    (epoch: number, iteration: number) => 0.2 / (1 + epoch + iteration / 100),
  ];
  it.each(schedules.map((s) => [typeof s === 'object' ? s.type : 'a function', s] as const))('schedule %s', async (_, learningRate) => {
    const { X, y } = regression(502, 300, 6, 0.3);
    const fits = await Promise.all(
      engines.map(async (engine) => {
        const m = new LinearRegression({ l1: 1e-3, l2: 1e-3 });
        const h = await m.fit(X, y, { engine, learningRate, batchSize: 10, maxEpochs: 5, seed: 4, tolerance: null });
        return { theta: theta(m), rates: h.learningRate };
      }),
    );
    expect(maxRelDiff(fits[0].theta, fits[1].theta)).toBeLessThan(1e-5);
    expect(fits[0].rates).toEqual(fits[1].rates);
    expect(new Set(fits[0].rates).size).toBeGreaterThan(1); // the rate really changed
  });
});

describe.each(engines)('%s engine', (engine) => {
  it('softmax regression reaches the Newton optimum; probabilities sum to 1', async () => {
    const { X, y } = blobs(503, 300, 4, 3);
    const l2 = 1e-2;
    const star = softmaxNewton(X, y, 3, l2);
    const m = new SoftmaxRegression({ l2 });
    await m.fit(X, y, { engine, batchSize: X.length, learningRate: 1, maxEpochs: 3000, tolerance: null, seed: 5 });
    const got = [...m.weights.flatMap((w) => [...w]), ...m.bias];
    // W is unique; the intercepts only up to a common shift, so compare their differences
    for (let a = 0; a < 12; a++) expect(Math.abs(got[a] - star[a]), `W[${a}]`).toBeLessThan(1e-4);
    for (const c of [1, 2]) expect(Math.abs(got[12 + c] - got[12] - (star[12 + c] - star[12]))).toBeLessThan(1e-4);
    expect(softmaxObjective(X, y, 3, got, l2) - softmaxObjective(X, y, 3, star, l2)).toBeLessThan(1e-8);
    for (const row of m.predictProba(X.slice(0, 20))) expect(Math.abs(row.reduce((a, b) => a + b) - 1)).toBeLessThan(1e-12);
  });

  it('softmax regression takes any labels, encodes them, and predicts them back', async () => {
    const { X, y } = blobs(504, 240, 3, 3, 0.5);
    const names = ['setosa', 'versicolor', 'virginica'];
    const labels = y.map((c) => names[2 - c]);
    const m = new SoftmaxRegression();
    await m.fit(X, labels, { engine, learningRate: 0.5, maxEpochs: 50, seed: 6 });
    expect(m.classes).toEqual(names);
    expect(m.score(X, labels)).toBeGreaterThan(0.9);
    expect(m.predict(X.slice(0, 3)).every((v) => names.includes(v as string))).toBe(true);
    const copy = SoftmaxRegression.fromJSON(JSON.parse(JSON.stringify(m)));
    expect(copy.predict(X)).toEqual(m.predict(X));
    await expect(m.fit(X, labels.map((l, i) => (i === 7 ? 'rose' : l)), { engine, resume: true, maxEpochs: 60 })).rejects.toMatchObject({
      code: 'INVALID_LABEL',
      row: 7,
    });
  });

  it('l1 makes the weights of irrelevant features exactly zero, and keeps the relevant ones', async () => {
    const g = regression(505, 400, 3, 0.1);
    const noise = regression(506, 400, 5, 0);
    const X = g.X.map((r, i) => [...r, ...noise.X[i]]); // features 3..7 carry nothing
    const m = new LinearRegression({ l1: 0.05 });
    await m.fit(X, g.y, { engine, batchSize: 20, learningRate: 0.05, maxEpochs: 60, tolerance: null, seed: 7 });
    const w = m.weights;
    expect(Array.from(w.slice(3))).toEqual([0, 0, 0, 0, 0]);
    for (let j = 0; j < 3; j++) expect(Math.abs(w[j])).toBeGreaterThan(0.3);
  });

  it('sample weights: the fit reaches the weighted least-squares solution', async () => {
    const { X, y } = regression(507, 200, 3, 0.5);
    const s = X.map((_, i) => (i % 3 === 0 ? 3 : i % 3 === 1 ? 0.5 : 1));
    const star = weightedLeastSquares(X, y, s);
    const unweighted = leastSquares(X, y);
    const m = new LinearRegression();
    await m.fit(X, y, { engine, sampleWeight: s, batchSize: X.length, learningRate: 0.3, maxEpochs: 500, tolerance: null, seed: 8 });
    theta(m).forEach((v, j) => expect(Math.abs(v - star[j]), `θ[${j}]`).toBeLessThan(1e-4));
    expect(Math.abs(star[0] - unweighted[0])).toBeGreaterThan(1e-3);
  });

  it("classWeight 'balanced' is n / (k · count) per row, as the same sampleWeight", async () => {
    const { X, y } = classification(508, 200, 4);
    const ones = y.filter((v) => v === 1).length;
    const w = y.map((v) => 200 / (2 * (v === 1 ? ones : 200 - ones)));
    const options: FitOptions = { engine, batchSize: 16, learningRate: 0.1, maxEpochs: 5, seed: 9, tolerance: null };
    const a = new LogisticRegression();
    await a.fit(X, y, { ...options, classWeight: 'balanced' });
    const b = new LogisticRegression();
    await b.fit(X, y, { ...options, sampleWeight: w });
    expect(a.weights).toEqual(b.weights);
    const c = new LogisticRegression();
    await c.fit(X, y, { ...options, classWeight: { 1: 2 } });
    const d = new LogisticRegression();
    await d.fit(X, y, { ...options, sampleWeight: y.map((v) => (v === 1 ? 2 : 1)) });
    expect(c.weights).toEqual(d.weights);
  });

  it('validation: valLoss and valScore are the objective and accuracy on the held-out rows', async () => {
    const { X, y } = classification(509, 300, 5);
    const [Xv, yv] = [X.slice(200), y.slice(200)];
    const m = new LogisticRegression({ l2: 1e-2 });
    const h = await m.fit(X.slice(0, 200), y.slice(0, 200), { engine, validationData: [Xv, yv], maxEpochs: 4, seed: 10, tolerance: null, learningRate: 0.1 });
    expect(h.valLoss).toHaveLength(4);
    expect(h.valLoss[3]).toBeCloseTo(objective('logLoss', Xv, yv, theta(m), 1e-2), 5);
    expect(h.valScore[3]).toBeCloseTo(m.score(Xv, yv), 12);
  });

  it('early stopping with restoreBestWeights ends at the best epoch’s parameters', async () => {
    const { X, y } = regression(510, 300, 8, 2);
    const options: FitOptions = { engine, batchSize: 1, learningRate: 0.08, seed: 11, tolerance: null, validationSplit: 0.3, maxEpochs: 60 };
    const m = new LinearRegression();
    const h = await m.fit(X, y, { ...options, earlyStopping: { patience: 3, restoreBestWeights: true } });
    expect(h.stopReason).toBe('earlyStopping');
    const best = h.bestEpoch!;
    expect(h.epochs).toBe(best + 3);
    expect(h.valLoss[best - 1]).toBe(Math.min(...h.valLoss));
    const ref = new LinearRegression();
    await ref.fit(X, y, { ...options, maxEpochs: best });
    expect(m.weights).toEqual(ref.weights);
  });

  it('earlyStopping on the training loss with a minDelta no epoch can beat stops after 1 + patience epochs', async () => {
    const { X, y } = regression(511, 100, 3, 0.5);
    const h = await new LinearRegression().fit(X, y, { engine, earlyStopping: { monitor: 'loss', minDelta: 1e9, patience: 2 }, tolerance: null, seed: 1 });
    expect([h.epochs, h.stopReason]).toEqual([3, 'earlyStopping']);
  });

  it('onBatchEnd every k updates, fitIter, abort, maxTime', async () => {
    const { X, y } = regression(512, 100, 3, 0.5);
    const calls: number[] = [];
    await new LinearRegression().fit(X, y, {
      engine,
      batchSize: 10,
      maxEpochs: 3,
      tolerance: null,
      seed: 1,
      onBatchEnd: (b) => calls.push(b.iterations),
      onBatchEndEvery: 4,
    });
    expect(calls).toEqual([4, 8, 12, 16, 20, 24, 28]);

    const m = new LinearRegression();
    const seen: number[] = [];
    for await (const e of m.fitIter(X, y, { engine, maxEpochs: 50, tolerance: null, seed: 2 })) {
      seen.push(e.epoch);
      if (e.epoch === 4) break;
    }
    expect(seen).toEqual([1, 2, 3, 4]);
    const ref = new LinearRegression();
    await ref.fit(X, y, { engine, maxEpochs: 4, tolerance: null, seed: 2 });
    expect(m.weights).toEqual(ref.weights); // breaking out keeps what was learned

    const controller = new AbortController();
    const a = new LinearRegression();
    const h = await a.fit(X, y, { engine, maxEpochs: 50, tolerance: null, signal: controller.signal, onEpochEnd: (e) => (e.epoch === 2 ? controller.abort() : undefined) });
    expect([h.stopReason, h.epochs]).toEqual(['aborted', 2]);

    const big = regression(513, 20000, 20, 0.5);
    const t = await new LinearRegression().fit(big.X, big.y, { engine, batchSize: 1, maxEpochs: 10_000, tolerance: null, maxTimeMs: 200, seed: 3 });
    expect(t.stopReason).toBe('maxTime');
    expect(t.timeMs).toBeLessThan(2000);
  });

  it('yields to the event loop while training when asked, and not otherwise', async () => {
    const big = regression(514, 20000, 50, 0.5);
    // load the engine first: reading the wasm file is I/O, which lets timers run by itself
    await new LinearRegression().fit([[1], [2]], [1, 2], { engine, maxEpochs: 1 });
    // Did a timer set before fit() get to run while training (by the last epoch's end)?
    const timerRanDuringTraining = async (yieldEveryMs: number) => {
      let fired = false;
      let firedByLastEpoch: boolean | null = null;
      setTimeout(() => (fired = true), 0);
      await new LinearRegression().fit(big.X, big.y, {
        engine,
        batchSize: 8,
        maxEpochs: 4,
        tolerance: null,
        yieldEveryMs,
        seed: 1,
        onEpochEnd: (e) => {
          if (e.epoch === 4) firedByLastEpoch = fired;
        },
      });
      return firedByLastEpoch;
    };
    expect(await timerRanDuringTraining(0)).toBe(false);
    expect(await timerRanDuringTraining(1)).toBe(true);
  });

  it('resuming from a snapshot is bit-identical to training in one go (adam, plateau schedule, validation split, early stopping)', async () => {
    const { X, y } = blobs(515, 300, 5, 3);
    const options: FitOptions = {
      engine,
      optimizer: { type: 'adam', amsgrad: true },
      learningRate: { type: 'plateau', initial: 0.05, patience: 1, factor: 0.5 },
      validationSplit: 0.2,
      earlyStopping: { patience: 100, restoreBestWeights: false },
      batchSize: 16,
      tolerance: null,
      seed: 12,
    };
    const once = new SoftmaxRegression({ l2: 1e-3 });
    const h1 = await once.fit(X, y, { ...options, maxEpochs: 10 });
    const half = new SoftmaxRegression({ l2: 1e-3 });
    await half.fit(X, y, { ...options, maxEpochs: 5 });
    const loaded = SoftmaxRegression.fromJSON(JSON.stringify(half));
    const h2 = await loaded.fit(X, y, { ...options, maxEpochs: 10, resume: true });
    expect(loaded.weights).toEqual(once.weights);
    expect(loaded.bias).toEqual(once.bias);
    expect(h2.loss).toEqual(h1.loss);
    expect(h2.valLoss).toEqual(h1.valLoss);
    expect(h2.learningRate).toEqual(h1.learningRate);
  });

  it('resuming inside an epoch (stopped by maxIterations) completes it bit-identically', async () => {
    const { X, y } = classification(516, 100, 4);
    const options: FitOptions = { engine, optimizer: { type: 'sgd', momentum: 0.9 }, batchSize: 8, tolerance: null, seed: 13, learningRate: 0.05 };
    const once = new LogisticRegression();
    await once.fit(X, y, { ...options, maxEpochs: 3 });
    const cut = new LogisticRegression();
    const h = await cut.fit(X, y, { ...options, maxEpochs: 3, maxIterations: 17 });
    expect([h.stopReason, h.iterations]).toEqual(['maxIterations', 17]);
    const resumed = LogisticRegression.fromJSON(cut.toJSON());
    const h2 = await resumed.fit(X, y, { ...options, maxEpochs: 3, resume: true });
    expect(h2.iterations).toBe(39);
    expect(resumed.weights).toEqual(once.weights);
  });

  it('partialFit twice is two epochs of fit', async () => {
    const { X, y } = classification(517, 120, 4);
    const options = { engine, batchSize: 10, seed: 14, learningRate: 0.1 } as const;
    const p = new LogisticRegression();
    await p.partialFit(X, y, options);
    await p.partialFit(X, y, options);
    const f = new LogisticRegression();
    await f.fit(X, y, { ...options, maxEpochs: 2, tolerance: null });
    expect(p.weights).toEqual(f.weights);
  });
});

describe('validationSplit', () => {
  it('is stratified: each class keeps round(fraction · its count) validation rows', () => {
    const y = new Float32Array([...Array(50).fill(0), ...Array(30).fill(1), ...Array(20).fill(2)]);
    const x = { data: new Float32Array(100).map((_, i) => i), rows: 100, cols: 1 };
    const { train, validation } = splitValidation({ x, y, sampleWeight: null }, 0.2, 1, [0, 1, 2]);
    const count = (t: Float32Array, c: number) => t.filter((v) => v === c).length;
    expect([0, 1, 2].map((c) => count(validation.y, c))).toEqual([10, 6, 4]);
    expect([0, 1, 2].map((c) => count(train.y, c))).toEqual([40, 24, 16]);
    // the rows are the original ones, each on exactly one side
    const all = [...train.x.data, ...validation.x.data].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 100 }, (_, i) => i));
    // shuffled, not the last rows, and fixed by the seed
    expect(Array.from(validation.x.data)).not.toEqual(Array.from({ length: 20 }, (_, i) => 80 + i));
    expect(splitValidation({ x, y, sampleWeight: null }, 0.2, 1, [0, 1, 2]).validation.x.data).toEqual(validation.x.data);
  });

  it('that leaves a class empty is refused, naming the class', async () => {
    const { X, y } = classification(518, 40, 2);
    const labels = y.map((v, i) => (i === 0 ? 2 : v));
    await expect(new SoftmaxRegression().fit(X, labels, { validationSplit: 0.25, seed: 1 })).rejects.toThrow(/class 2 \(1 rows\)/);
  });
});

describe('bad toolkit options', () => {
  const { X, y } = classification(519, 40, 2);
  it.each([
    [{ optimizer: { type: 'sgd', momentum: -0.1 } }, 'optimizer.momentum'],
    [{ optimizer: { type: 'sgd', nesterov: true } }, 'optimizer.nesterov'],
    [{ optimizer: { type: 'adam', beta1: 1 } }, 'optimizer.beta1'],
    [{ optimizer: { type: 'adam', beta2: -0.5 } }, 'optimizer.beta2'],
    [{ optimizer: { type: 'adam', momentum: 0.9 } }, 'momentum'],
    [{ optimizer: 'lbfgs' }, 'optimizer.type'],
    [{ optimizer: { type: 'rmsprop', eps: 0 } }, 'optimizer.eps'],
    [{ optimizer: { type: 'sgd', clipNorm: -1 } }, 'optimizer.clipNorm'],
    [{ learningRate: { type: 'cyclic', initial: 0.1 } }, 'learningRate.type'],
    [{ learningRate: 'fast' }, 'learningRate'],
    [{ validationSplit: 1 }, 'validationSplit'],
    [{ validationSplit: 0.2, validationData: [X, y] }, 'validationSplit'],
    [{ earlyStopping: { monitor: 'valLoss' } }, 'earlyStopping.monitor'],
    [{ earlyStopping: { patience: 0 } }, 'earlyStopping.patience'],
    [{ classWeight: { 7: 2 } }, 'classWeight'],
    [{ resume: true }, 'resume'],
    [{ onBatchEndEvery: 0 }, 'onBatchEndEvery'],
    [{ signal: {} }, 'signal'],
  ])('%j names %s', async (options, name) => {
    const e = await new LogisticRegression().fit(X, y, options as FitOptions).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(InvalidOptionError);
    expect((e as InvalidOptionError).option).toBe(name);
  });

  it('classWeight on a regression model is refused', async () => {
    await expect(new LinearRegression().fit(X, y, { classWeight: 'balanced' })).rejects.toThrow(/classWeight is for classifiers/);
  });

  it('a snapshot with a truncated training state is an InvalidModelError', async () => {
    const m = new LogisticRegression();
    await m.fit(X, y, { maxEpochs: 2, seed: 1, optimizer: 'adam' });
    const json = m.toJSON();
    const broken = { ...json, training: { ...json.training!, optimizer: { ...json.training!.optimizer, buffers: json.training!.optimizer.buffers.slice(1) } } };
    expect(() => LogisticRegression.fromJSON(broken)).toThrow(InvalidModelError);
    expect(() => LogisticRegression.fromJSON({ ...json, training: { version: 1 } } as never)).toThrow(/training state is malformed/);
  });
});
