/**
 * Resume is bit-identical (issue 9, item 2): training stopped anywhere (an epoch boundary, the
 * middle of an epoch, an abort, the time budget, early stopping with or without
 * restoreBestWeights), saved as JSON text, loaded and resumed, ends with the same parameters and
 * history as training in one go — with every schedule and optimizer, in both engines.
 */
import { describe, expect, it } from 'vitest';
import { type FitOptions, LinearRegression, LogisticRegression, SoftmaxRegression, type LearningRateOption, type OptimizerOption } from '../../ts/index.js';
import { blobs, classification } from '../helpers/data.js';

const engines = ['wasm', 'js'] as const;
type Model = LogisticRegression | SoftmaxRegression | LinearRegression;

/**
 * Parameters, rates and counts (exact), and the losses of the history: exact too, except that
 * the epoch a stop cut in two adds its loss sum in two parts (the engine's f64 sums of each
 * call), which can differ from the sum in one part in the last bit, so losses are held to 1e-12.
 */
function expectSame(a: Model, b: Model): void {
  const pick = (m: Model) => {
    const j = JSON.parse(JSON.stringify(m.toJSON()));
    const h = j.training.history;
    return { exact: { weights: j.weights, bias: j.bias, learningRate: h.learningRate, epoch: j.training.epoch, it: j.training.iteration }, losses: [...h.loss, ...h.valLoss] as number[] };
  };
  const [pa, pb] = [pick(a), pick(b)];
  expect(pa.exact).toEqual(pb.exact);
  expect(pa.losses.length).toBe(pb.losses.length);
  pa.losses.forEach((v, i) => expect(Math.abs(v - pb.losses[i])).toBeLessThanOrEqual(1e-12 * Math.abs(pb.losses[i])));
}

/** Stops a fit after `batches` updates through its signal (checked before every batch). */
function abortAfter(batches: number): Pick<FitOptions, 'signal' | 'onBatchEnd'> {
  const c = new AbortController();
  let n = 0;
  return {
    signal: c.signal,
    onBatchEnd: () => {
      if (++n === batches) c.abort();
    },
  };
}

/** The run in one go, and the run stopped by `stop`, saved as JSON text, loaded and resumed. */
async function compare(make: () => Model, load: (json: string) => Model, X: number[][], y: number[], options: FitOptions, stop: FitOptions): Promise<void> {
  const whole = make();
  await whole.fit(X, y, options);
  const first = make();
  await first.fit(X, y, { ...options, ...stop });
  const text = JSON.stringify(first.toJSON());
  const resumed = load(text);
  await resumed.fit(X, y, { ...options, resume: true });
  expectSame(resumed, whole);
}

const { X, y } = classification(941, 90, 4);
const logistic = () => new LogisticRegression({ l2: 1e-3 });
const loadLogistic = (t: string) => LogisticRegression.fromJSON(t);

describe.each(engines)('the defects of issue 9 (%s engine)', (engine) => {
  const base: FitOptions = { engine, seed: 7, batchSize: 16, maxEpochs: 12, tolerance: null, yieldEveryMs: 0 };

  it("a plateau schedule saved before its first epoch ends resumes bit-identically (its best is not read back as null)", async () => {
    const lr: LearningRateOption = { type: 'plateau', initial: 0.5, patience: 1, factor: 0.5 };
    await compare(logistic, loadLogistic, X, y, { ...base, learningRate: lr }, { maxIterations: 3 });
    // and the rate really did not collapse: at most one cut per two epochs with patience 1
    const m = logistic();
    await m.fit(X, y, { ...base, learningRate: lr, maxIterations: 3 });
    const r = LogisticRegression.fromJSON(JSON.stringify(m.toJSON()));
    const h = await r.fit(X, y, { ...base, learningRate: lr, resume: true });
    expect(h.learningRate[4]).toBeGreaterThanOrEqual(0.5 * 0.5 ** 3);
  });

  it('an abort with restoreBestWeights resumes from where training stopped, not from the best weights', async () => {
    const es = { monitor: 'loss' as const, patience: 100, restoreBestWeights: true };
    // a learning rate large enough that the loss goes up and down: the best epoch is not the last
    const options: FitOptions = { ...base, learningRate: 3, earlyStopping: es, signal: new AbortController().signal, onBatchEnd: () => {} };
    await compare(logistic, loadLogistic, X, y, options, abortAfter(20));
    await compare(logistic, loadLogistic, X, y, options, abortAfter(18)); // at an epoch boundary (6 batches an epoch)
  });

  it('an optimizer state holding Infinity (values near the float32 limit) is saved, loaded and resumed', async () => {
    const big = X.map((r) => r.map((v) => v * 1e20));
    for (const optimizer of ['adagrad', 'rmsprop', 'adam'] as const) {
      const options: FitOptions = { ...base, optimizer, learningRate: 0.01, maxEpochs: 4 };
      const m = logistic();
      await m.fit(big, y, { ...options, maxEpochs: 2 });
      const text = JSON.stringify(m.toJSON());
      const loaded = LogisticRegression.fromJSON(text);
      expect(JSON.stringify(loaded.toJSON())).toBe(text);
      await compare(logistic, loadLogistic, big, y, options, { maxEpochs: 2 });
    }
  });
});

describe.each(engines)('resume from every kind of stop, every schedule and optimizer (%s engine)', (engine) => {
  const schedules: LearningRateOption[] = [
    0.2,
    { type: 'step', initial: 0.3, stepSize: 2, gamma: 0.5 },
    { type: 'exponential', initial: 0.3, gamma: 0.9, stepPer: 'iteration' },
    { type: 'invscaling', initial: 0.5 },
    { type: 'cosine', initial: 0.3, warmupEpochs: 1, periodEpochs: 3, periodMultiplier: 2 },
    { type: 'plateau', initial: 0.5, patience: 0, factor: 0.5, cooldown: 1 },
    (epoch: number, iteration: number) => 0.3 / (1 + epoch + iteration / 100),
  ];
  const optimizers: OptimizerOption[] = ['sgd', { type: 'sgd', momentum: 0.9, nesterov: true }, 'adagrad', { type: 'rmsprop', centered: true, momentum: 0.5 }, 'adam', { type: 'adamw', amsgrad: true }];
  const stops: [string, FitOptions][] = [
    ['an epoch boundary', { maxEpochs: 3 }],
    ['the middle of an epoch', { maxIterations: 10 }],
    ['an abort', abortAfter(8)],
  ];
  const base: FitOptions = { engine, seed: 11, batchSize: 16, maxEpochs: 6, tolerance: null, yieldEveryMs: 0 };
  for (const [name, stop] of stops) {
    it(`${name}: ${schedules.length} schedules × ${optimizers.length} optimizers`, async () => {
      for (const learningRate of schedules) {
        for (const optimizer of optimizers) {
          const lr = typeof learningRate === 'number' ? learningRate : learningRate;
          const scaled = typeof optimizer === 'string' && optimizer === 'sgd' ? lr : typeof lr === 'number' ? lr / 10 : lr;
          const options: FitOptions = { ...base, learningRate: scaled, optimizer, ...(stop.signal ? { signal: new AbortController().signal, onBatchEnd: () => {} } : {}) };
          // a fresh abort controller per run
          const s = stop.signal ? abortAfter(8) : stop;
          await compare(logistic, loadLogistic, X, y, options, s);
        }
      }
    });
  }

  it('the time budget (wherever it stops) and early stopping with and without restoreBestWeights', async () => {
    const { X: bx, y: by } = blobs(942, 120, 3, 3, 0.8);
    const soft = () => new SoftmaxRegression();
    const loadSoft = (t: string) => SoftmaxRegression.fromJSON(t);
    const options: FitOptions = { ...base, learningRate: 0.5, maxEpochs: 20, batchSize: 8, yieldEveryMs: 1 };
    await compare(soft, loadSoft, bx, by, { ...options, maxTimeMs: 1e9 }, { maxTimeMs: 3 });
    for (const restoreBestWeights of [false, true]) {
      // early stopping ends the first run; the resumed one, with a patience it will not reach, goes on
      const long = { monitor: 'loss' as const, patience: 1000, minDelta: 0.01, restoreBestWeights };
      const whole = soft();
      await whole.fit(bx, by, { ...options, earlyStopping: long });
      const first = soft();
      const h = await first.fit(bx, by, { ...options, earlyStopping: { ...long, patience: 2 } });
      expect(h.stopReason).toBe('earlyStopping');
      const resumed = loadSoft(JSON.stringify(first.toJSON()));
      await resumed.fit(bx, by, { ...options, earlyStopping: long, resume: true });
      expectSame(resumed, whole);
    }
  });
});
