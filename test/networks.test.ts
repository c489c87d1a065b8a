/**
 * The engines' general stack path (issue 14): multi-layer perceptrons and squaredError with
 * several outputs, through the Session interface of ts/engine/types.ts, on every engine of
 * NET_ENGINES (test/helpers/nets.ts). The values come from test/helpers/mlp.ts, a float64
 * reference written from the contract's equations with the gradient taken by central finite
 * differences (no backpropagation in the reference).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { jsEngine } from '../ts/engine/js/trainer.js';
import { Stack, accumulateScalar, accumulateSoftmax } from '../ts/engine/js/model.js';
import { checkedRows } from '../ts/engine/js/dataset.js';
import { OBJECTIVES as OBJECTIVE_KINDS } from '../ts/engine/js/objective.js';
import { wasmEngine } from '../ts/engine/wasm/engine.js';
import { initWasm } from '../ts/engine/wasm/raw.js';
import { startThreads, stopThreads, threadsUnavailableReason } from '../ts/engine/wasm/threads.js';
import type { ActivationName, Engine, EngineName, HiddenLayer, ObjectiveName, OptimizerSpec, Session, SessionSpec } from '../ts/engine/types.js';
import { gaussian, uniform } from './helpers/data.js';
import { NET_ENGINES, xor } from './helpers/nets.js';
import { lossSum, numericGradient, paramCount, penalty, rowLoss, outputs, weightCount, type Net, type Problem } from './helpers/mlp.js';

await initWasm();

const ENGINES: Record<EngineName, Engine> = { js: jsEngine, wasm: wasmEngine };

const SGD: OptimizerSpec = { type: 'sgd', momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 };
const ADAM: OptimizerSpec = { type: 'adam', beta1: 0.9, beta2: 0.999, eps: 1e-8, amsgrad: false, weightDecay: 0 };

const ACTIVATIONS: ActivationName[] = ['identity', 'relu', 'leakyRelu', 'tanh', 'logistic'];

/** The objectives with their outputs: one target, two targets, a logistic output, three classes. */
const HEADS: [string, ObjectiveName, number][] = [
  ['squaredError', 'squaredError', 1],
  ['squaredError with 2 outputs', 'squaredError', 2],
  ['logLoss', 'logLoss', 1],
  ['crossEntropy with 3 classes', 'crossEntropy', 3],
];

/**
 * Seeded rows for a net: x ~ N(0, 1) (float32), targets of the objective, sample weights in
 * [0.5, 2) (or all 1). 70 rows: more than one block of the js engine's stack (64 rows), with a
 * partial tile of rows at the end.
 */
function problem(net: Net, seed: number, rows = 70, weighted = true): Problem {
  const g = gaussian(seed);
  const u = uniform(seed + 1);
  const X = Array.from({ length: rows }, () => Array.from({ length: net.nFeatures }, () => Math.fround(g())));
  const y = X.map((x, i) => {
    if (net.objective === 'squaredError') return Array.from({ length: net.nOutputs }, (_, j) => Math.fround(x[j % x.length] * (j + 1) - 0.5 * x[0] * x[x.length - 1] + 0.25 * g()));
    if (net.objective === 'logLoss') return [x[0] * x[1] + 0.3 * g() > 0 ? 1 : 0];
    return [i % net.nOutputs];
  });
  const s = X.map(() => (weighted ? Math.fround(0.5 + 1.5 * u()) : 1));
  return { X, y, s };
}

/** θ ~ U(±√(6/(fan_in + fan_out))) per layer (Glorot), intercepts U(±0.5) or 0. */
function initial(net: Net, seed: number, fitIntercept: boolean): number[] {
  const u = uniform(seed);
  const theta = new Array<number>(paramCount(net)).fill(0);
  let w = 0;
  let inputs = net.nFeatures;
  for (const units of [...net.hidden.map((h) => h.units), net.nOutputs]) {
    const limit = Math.sqrt(6 / (inputs + units));
    for (let i = 0; i < inputs * units; i++) theta[w++] = Math.fround((2 * u() - 1) * limit);
    inputs = units;
  }
  if (fitIntercept) for (let i = w; i < theta.length; i++) theta[i] = Math.fround(u() - 0.5);
  return theta;
}

interface Settings {
  l2?: number;
  l1?: number;
  fitIntercept?: boolean;
  optimizer?: OptimizerSpec;
  clipNorm?: number;
  /** The wasm engine's threads (the workers started first). */
  threads?: number;
}

function spec(net: Net, p: Problem, settings: Settings = {}): SessionSpec {
  return {
    objective: net.objective,
    nFeatures: net.nFeatures,
    nOutputs: net.nOutputs,
    hidden: net.hidden,
    l2: settings.l2 ?? 0,
    l1: settings.l1 ?? 0,
    fitIntercept: settings.fitIntercept ?? true,
    optimizer: settings.optimizer ?? SGD,
    clipValue: 0,
    clipNorm: settings.clipNorm ?? 0,
    train: { x: Float32Array.from(p.X.flat()), y: Float32Array.from(p.y.flat()), sampleWeight: Float32Array.from(p.s) },
    validation: null,
    threads: settings.threads ?? 1,
  };
}

function open(engine: Engine, net: Net, p: Problem, theta: readonly number[], settings: Settings = {}): Session {
  const session = engine.createSession(spec(net, p, settings));
  session.setParams(Float32Array.from(theta));
  return session;
}

const range = (n: number) => Uint32Array.from({ length: n }, (_, i) => i);

/** Two hidden layers (the chain through a hidden layer's input gradient) of one activation. */
function net(objective: ObjectiveName, k: number, activation: ActivationName, hidden = [5, 4]): Net {
  return { objective, nFeatures: 3, nOutputs: k, hidden: hidden.map((units): HiddenLayer => ({ units, activation })) };
}

/**
 * How far an engine's gradient may be from the float64 one: the js engine computes in float64
 * and stores θ in float32 (the step's rounding, about 6e-8·|θ|, is all that separates them);
 * the wasm engine computes in float32.
 */
const TOLERANCE: Record<EngineName, number> = { js: 1e-6, wasm: 2e-5 };

for (const name of NET_ENGINES) {
  const engine = ENGINES[name];
  const tol = TOLERANCE[name];

  describe(`${name} engine: networks`, () => {
    describe.each(HEADS)('%s', (_label, objective, k) => {
      it.each(ACTIVATIONS)('the batch gradient through two %s layers is float64 central differences (l2, sample weights, with and without intercepts)', (activation) => {
        const n = net(objective, k, activation);
        const p = problem(n, 11);
        const l2 = 0.125;
        for (const fitIntercept of [true, false]) {
          const theta0 = initial(n, 5, fitIntercept);
          const session = open(engine, n, p, theta0, { l2, fitIntercept });
          // one plain SGD step on one batch of every row: θ' = θ − γ·g, so g = (θ − θ')/γ
          session.setOrder(range(p.X.length));
          const summary = session.runBatches({ batchSize: p.X.length, startBatch: 0, learningRates: Float32Array.of(1), dropLast: false });
          expect(summary).toMatchObject({ rows: p.X.length, iterations: 1, finite: true });
          const after = session.params();
          session.dispose();
          const g = theta0.map((v, i) => v - after[i]);
          const expected = numericGradient(n, theta0, p, l2, fitIntercept);
          const scale = Math.max(...expected.map(Math.abs));
          expect(scale).toBeGreaterThan(1e-3);
          for (let i = 0; i < g.length; i++) {
            expect(Math.abs(g[i] - expected[i]), `∂J/∂θ[${i}] (fitIntercept ${fitIntercept}): ${g[i]} vs ${expected[i]}`).toBeLessThanOrEqual(tol * (1 + Math.abs(expected[i])) + 1e-9 * scale);
          }
          if (!fitIntercept) for (let i = weightCount(n); i < g.length; i++) expect(after[i]).toBe(0);
        }
      });

      it('the reported loss, evaluate() and penalty() are the float64 reference at the same θ (l2 and l1)', () => {
        const n = net(objective, k, 'tanh');
        const p = problem(n, 23);
        const theta0 = initial(n, 7, true);
        const l2 = 0.25;
        const l1 = 0.0625;
        const session = open(engine, n, p, theta0, { l2, l1 });
        const rows = p.X.length;
        const pen = penalty(n, theta0, l2, l1);
        const data = lossSum(n, theta0, p);
        // learning rate 0: every batch sees θ0; batches of 16 rows, the last one of 6
        session.setOrder(range(rows));
        const summary = session.runBatches({ batchSize: 16, startBatch: 0, learningRates: new Float32Array(5), dropLast: false });
        expect(summary).toMatchObject({ rows, iterations: 5, finite: true });
        expect(summary.lossSum).toBeCloseTo(data + rows * pen, 5);
        expect(session.penalty()).toBeCloseTo(pen, 6);
        const ev = session.evaluate('train');
        expect(ev.lossSum).toBeCloseTo(data, 5);
        expect(ev.weightSum).toBeCloseTo(p.s.reduce((a, b) => a + b, 0), 5);
        let metric = 0;
        for (let i = 0; i < rows; i++) {
          const z = outputs(n, theta0, p.X[i] as number[]);
          if (objective === 'squaredError') metric += p.s[i] * z.reduce((sum, zj, j) => sum + (zj - p.y[i][j]) ** 2, 0);
          else if (objective === 'logLoss') metric += z[0] > 0 === (p.y[i][0] === 1) ? p.s[i] : 0;
          else metric += z.indexOf(Math.max(...z)) === p.y[i][0] ? p.s[i] : 0;
        }
        expect(ev.metricSum).toBeCloseTo(metric, 5);
        // each row's loss on its own: batches of one row at learning rate 0
        session.setOrder(range(rows));
        let perRow = 0;
        for (let i = 0; i < rows; i++) {
          const one = session.runBatches({ batchSize: 1, startBatch: i, learningRates: new Float32Array(1), dropLast: false });
          const expected = p.s[i] * rowLoss(objective, outputs(n, theta0, p.X[i] as number[]), p.y[i]) + pen;
          expect(Math.abs(one.lossSum - expected), `row ${i}`).toBeLessThanOrEqual(tol * (1 + Math.abs(expected)));
          perRow += one.lossSum;
        }
        expect(perRow).toBeCloseTo(summary.lossSum, 5);
        session.dispose();
      });
    });

    it('squaredError with 2 outputs and no hidden layer takes the stack path and matches the reference', () => {
      const n: Net = { objective: 'squaredError', nFeatures: 3, nOutputs: 2, hidden: [] };
      const p = problem(n, 31);
      const theta0 = initial(n, 3, true);
      const session = open(engine, n, p, theta0, { l2: 0.5 });
      session.setOrder(range(p.X.length));
      session.runBatches({ batchSize: p.X.length, startBatch: 0, learningRates: Float32Array.of(1), dropLast: false });
      const after = session.params();
      session.dispose();
      const expected = numericGradient(n, theta0, p, 0.5, true);
      theta0.forEach((v, i) => expect(Math.abs(v - after[i] - expected[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(expected[i]))));
    });

    it('l1: the proximal step soft-thresholds every layer’s weights, never an intercept; clipNorm scales the whole gradient', () => {
      const n = net('logLoss', 1, 'logistic');
      const p = problem(n, 91);
      const theta0 = initial(n, 12, true);
      const nW = weightCount(n);
      const g = numericGradient(n, theta0, p, 0, true);
      const step = (settings: Settings) => {
        const session = open(engine, n, p, theta0, settings);
        session.setOrder(range(p.X.length));
        session.runBatches({ batchSize: p.X.length, startBatch: 0, learningRates: Float32Array.of(1), dropLast: false });
        const after = session.params();
        session.dispose();
        return after;
      };
      const cut = 0.15;
      const soft = (v: number) => (v > cut ? v - cut : v < -cut ? v + cut : 0);
      const l1 = step({ l1: cut });
      let zeros = 0;
      theta0.forEach((v, i) => {
        const expected = i < nW ? soft(v - g[i]) : v - g[i];
        if (expected === 0) zeros++;
        expect(Math.abs(l1[i] - expected), `θ[${i}] with l1`).toBeLessThanOrEqual(tol * (1 + Math.abs(expected)));
        if (expected === 0) expect(l1[i]).toBe(0);
      });
      expect(zeros).toBeGreaterThan(0);
      expect(zeros).toBeLessThan(nW);
      // clipNorm at half the gradient's norm: the step is half of g, intercepts included
      const norm = Math.sqrt(g.reduce((sum, v) => sum + v * v, 0));
      const clipped = step({ clipNorm: Math.fround(norm / 2) });
      theta0.forEach((v, i) => {
        const expected = v - (g[i] * Math.fround(norm / 2)) / norm;
        expect(Math.abs(clipped[i] - expected), `θ[${i}] with clipNorm`).toBeLessThanOrEqual(tol * (1 + Math.abs(expected)));
      });
    });

    it('setTrainingData swaps in new rows of 2 targets, keeping θ and the optimizer state (as a stream does)', () => {
      const n = net('squaredError', 2, 'tanh');
      const p = problem(n, 101, 60);
      const half = (from: number): Problem => ({ X: p.X.slice(from, from + 30), y: p.y.slice(from, from + 30), s: p.s.slice(from, from + 30) });
      const [first, second] = [half(0), half(30)];
      const theta0 = initial(n, 13, true);
      const settings: Settings = { optimizer: ADAM, l2: 0.01 };
      const plan = { batchSize: 8, startBatch: 0, learningRates: new Float32Array(4).fill(0.02), dropLast: false };
      const streamed = open(engine, n, first, theta0, settings);
      streamed.setOrder(range(30));
      streamed.runBatches(plan);
      const midway = { params: streamed.params(), state: streamed.optimizerState() };
      streamed.setTrainingData(spec(n, second).train);
      streamed.setOrder(range(30));
      const summary = streamed.runBatches(plan);
      const fresh = open(engine, n, second, Array.from(midway.params), settings);
      fresh.setOptimizerState(midway.state);
      fresh.setOrder(range(30));
      expect(fresh.runBatches(plan)).toEqual(summary);
      expect(fresh.params()).toEqual(streamed.params());
      expect(Array.from(midway.params)).not.toEqual(Array.from(streamed.params()));
      streamed.dispose();
      fresh.dispose();
    });

    it('a repeat of the same fit is bit-identical (adam, batches of 16, three epochs, l1)', () => {
      const n = net('crossEntropy', 3, 'relu', [8, 6]);
      const p = problem(n, 41);
      const theta0 = initial(n, 9, true);
      const fit = () => {
        const session = open(engine, n, p, theta0, { optimizer: ADAM, l2: 1e-3, l1: 1e-4 });
        const losses: number[] = [];
        const order = range(p.X.length);
        for (let epoch = 0; epoch < 3; epoch++) {
          order.reverse();
          session.setOrder(order);
          losses.push(session.runBatches({ batchSize: 16, startBatch: 0, learningRates: new Float32Array(5).fill(0.01), dropLast: false }).lossSum);
        }
        const result = { params: Array.from(session.params()), state: Array.from(session.optimizerState().buffers), losses, ev: session.evaluate('train') };
        session.dispose();
        return result;
      };
      const first = fit();
      expect(first.params).not.toEqual(theta0);
      expect(fit()).toEqual(first);
    });

    it('a network learns XOR through the Session interface (no linear model can: 4/4 right)', () => {
      const { X, y } = xor();
      const n: Net = { objective: 'logLoss', nFeatures: 2, nOutputs: 1, hidden: [{ units: 8, activation: 'tanh' }] };
      const p: Problem = { X, y: y.map((v) => [v]), s: [1, 1, 1, 1] };
      const session = open(engine, n, p, initial(n, 1, false), { optimizer: ADAM });
      const before = session.evaluate('train');
      session.setOrder(Uint32Array.from({ length: 400 * 4 }, (_, i) => i % 4));
      session.runBatches({ batchSize: 4, startBatch: 0, learningRates: new Float32Array(400).fill(0.05), dropLast: false });
      const ev = session.evaluate('train');
      session.dispose();
      expect(before.metricSum).toBeLessThan(4);
      expect(ev.metricSum).toBe(4);
      expect(ev.lossSum / 4).toBeLessThan(0.1);
    });

    it('a diverging run puts θ and the optimizer state back to setOrder’s, and training goes on from there', () => {
      const n = net('squaredError', 2, 'leakyRelu');
      const p = problem(n, 81);
      const theta0 = initial(n, 6, true);
      const session = open(engine, n, p, theta0, { optimizer: { ...SGD, momentum: 0.9 } });
      const order = range(p.X.length);
      session.setOrder(order);
      const calm = session.runBatches({ batchSize: 10, startBatch: 0, learningRates: new Float32Array(7).fill(0.01), dropLast: false });
      expect(calm.finite).toBe(true);
      const good = session.params();
      const goodState = session.optimizerState();
      session.setOrder(order);
      const wild = session.runBatches({ batchSize: 10, startBatch: 0, learningRates: new Float32Array(7).fill(1e30), dropLast: false });
      expect(wild.finite).toBe(false);
      expect(session.params()).toEqual(good);
      expect(session.optimizerState()).toEqual(goodState);
      session.setOrder(order);
      expect(session.runBatches({ batchSize: 10, startBatch: 0, learningRates: new Float32Array(7).fill(0.01), dropLast: false }).finite).toBe(true);
      session.dispose();
    });

    it('the linear path is untouched: hidden [] gives the bits of a spec without hidden', () => {
      for (const [objective, k] of [['squaredError', 1], ['logLoss', 1], ['crossEntropy', 3]] as [ObjectiveName, number][]) {
        const n: Net = { objective, nFeatures: 4, nOutputs: k, hidden: [] };
        const p = problem(n, 51, 37);
        const theta0 = initial(n, 2, true);
        const run = (hidden: readonly HiddenLayer[] | undefined) => {
          const session = engine.createSession({ ...spec(n, p, { optimizer: ADAM, l2: 0.01 }), hidden });
          session.setParams(Float32Array.from(theta0));
          session.setOrder(range(p.X.length));
          const summary = session.runBatches({ batchSize: 5, startBatch: 0, learningRates: new Float32Array(8).fill(0.1), dropLast: false });
          const out = { params: Array.from(session.params()), summary, ev: session.evaluate('train') };
          session.dispose();
          return out;
        };
        const linear = run(undefined);
        expect(linear.params).not.toEqual(theta0);
        expect(run([])).toEqual(linear);
      }
    });
  });
}

describe('js engine: the stack path with no hidden layer agrees with the linear loops', () => {
  it.each([
    ['squaredError', 1],
    ['logLoss', 1],
    ['crossEntropy', 4],
  ] as [ObjectiveName, number][])('%s: the batch sums of Stack and of the linear loops', (objective, k) => {
    const n: Net = { objective, nFeatures: 6, nOutputs: k, hidden: [] };
    const p = problem(n, 61, 75);
    const kind = OBJECTIVE_KINDS[objective];
    const theta = Float32Array.from(initial(n, 4, true));
    const rows = checkedRows('train', spec(n, p).train, kind, n.nFeatures, k);
    const order = Uint32Array.from({ length: 75 }, (_, i) => (i * 7) % 75);
    const byStack = new Float64Array(theta.length);
    const lossStack = new Stack(kind, n, true).accumulate(rows, order, 3, 72, theta, byStack);
    const byLinear = new Float64Array(theta.length);
    const dz = new Float64Array(8 * k);
    const lossLinear =
      k === 1
        ? accumulateScalar(objective === 'logLoss', n.nFeatures, rows, order, 3, 72, theta, byLinear, dz)
        : accumulateSoftmax(n.nFeatures, k, rows, order, 3, 72, theta, byLinear, dz);
    expect(lossStack).toBeCloseTo(lossLinear, 10);
    byStack.forEach((v, i) => expect(v).toBeCloseTo(byLinear[i], 10));
    expect(byStack.some((v) => v !== 0)).toBe(true);
  });
});

/** Every pair of NET_ENGINES (none while only one engine trains networks on this branch). */
const PAIRS = NET_ENGINES.flatMap((a, i) => NET_ENGINES.slice(i + 1).map((b) => [a, b] as const));

for (const [a, b] of PAIRS) {
  describe(`${a} and ${b} engines agree on networks`, () => {
    it.each(ACTIVATIONS)('within 1e-5 after three epochs of adam through two %s layers', (activation) => {
      for (const [, objective, k] of HEADS) {
        const n = net(objective, k, activation, [16, 8]);
        const p = problem(n, 71, 96);
        const theta0 = initial(n, 8, true);
        const fit = (engine: Engine) => {
          const session = open(engine, n, p, theta0, { optimizer: ADAM, l2: 1e-3 });
          const losses: number[] = [];
          for (let epoch = 0; epoch < 3; epoch++) {
            session.setOrder(Uint32Array.from({ length: 96 }, (_, i) => (i * 37 + epoch * 11) % 96));
            losses.push(session.runBatches({ batchSize: 32, startBatch: 0, learningRates: new Float32Array(3).fill(0.01), dropLast: false }).lossSum);
          }
          const params = session.params();
          session.dispose();
          return { params, losses };
        };
        const left = fit(ENGINES[a]);
        const right = fit(ENGINES[b]);
        left.params.forEach((v, i) => expect(Math.abs(v - right.params[i]), `${objective} θ[${i}]`).toBeLessThanOrEqual(1e-5));
        left.losses.forEach((v, i) => expect(Math.abs(v - right.losses[i])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(v))));
      }
    });
  });
}

describe.skipIf(threadsUnavailableReason() !== null)('wasm engine: a network batch shared by threads', () => {
  afterAll(() => stopThreads());
  it('repeats to the bit with 2 threads and agrees with one thread', async () => {
    await startThreads(2);
    // batches of 128 rows of 16 → 32 → 3: enough work to be cut in two parts (team.rs)
    const n: Net = { objective: 'crossEntropy', nFeatures: 16, nOutputs: 3, hidden: [{ units: 32, activation: 'relu' }] };
    const p = problem(n, 31, 256, false);
    const theta = initial(n, 32, true);
    const run = (threads: number) => {
      const session = open(wasmEngine, n, p, theta, { threads });
      let loss = 0;
      for (let epoch = 0; epoch < 3; epoch++) {
        session.setOrder(Uint32Array.from({ length: 256 }, (_, i) => (i * 37 + epoch * 11) % 256));
        loss = session.runBatches({ batchSize: 128, startBatch: 0, learningRates: new Float32Array(2).fill(0.25), dropLast: false }).lossSum;
      }
      const params = session.params();
      session.dispose();
      return { params, loss };
    };
    const one = run(1);
    const a = run(2);
    const b = run(2);
    expect(Array.from(a.params)).toEqual(Array.from(b.params));
    expect(a.loss).toBe(b.loss);
    // the parts' sums round differently from one sum, not more
    expect(Array.from(a.params)).not.toEqual(Array.from(one.params));
    let worst = 0;
    one.params.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - a.params[i]) / Math.max(1, Math.abs(v)))));
    expect(worst).toBeLessThan(1e-5);
  });
});
