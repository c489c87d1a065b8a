/**
 * The wasm engine's sessions on networks (hidden layers, and squaredError with several outputs),
 * through the Session interface alone, against a float64 reference of the stack written here
 * from the equations of ts/engine/types.ts (forward pass, activations, objectives, penalty),
 * independently of either engine's code: one SGD step on the full batch with learning rate γ
 * gives θ' = θ − γ·g, and g must be the float64 central finite differences of J(θ). Also the
 * evaluation sums, the refusals of bad hidden specs with their fields, and threads.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { ActivationName, HiddenLayer, ObjectiveName, Session, SessionSpec } from '../ts/engine/types.js';
import { wasmEngine } from '../ts/engine/wasm/engine.js';
import { initWasm } from '../ts/engine/wasm/raw.js';
import { startThreads, stopThreads, threadsUnavailableReason } from '../ts/engine/wasm/threads.js';
import { InvalidDataError, InvalidOptionError } from '../ts/errors.js';

await initWasm();
afterAll(() => stopThreads());

const ACTIVATIONS: ActivationName[] = ['identity', 'relu', 'leakyRelu', 'tanh', 'logistic'];

function f(name: ActivationName, z: number): number {
  switch (name) {
    case 'identity':
      return z;
    case 'relu':
      return Math.max(z, 0);
    case 'leakyRelu':
      return z > 0 ? z : 0.01 * z;
    case 'tanh':
      return Math.tanh(z);
    case 'logistic':
      return 1 / (1 + Math.exp(-z));
  }
}

function rowLoss(objective: ObjectiveName, z: number[], y: number[]): number {
  switch (objective) {
    case 'squaredError':
      return z.reduce((s, zj, j) => s + 0.5 * (zj - y[j]) ** 2, 0);
    case 'logLoss':
      return Math.max(z[0], 0) - y[0] * z[0] + Math.log1p(Math.exp(-Math.abs(z[0])));
    case 'crossEntropy': {
      const m = Math.max(...z);
      return m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0)) - z[y[0]];
    }
  }
}

interface Net {
  readonly objective: ObjectiveName;
  readonly d: number;
  readonly k: number;
  readonly hidden: HiddenLayer[];
  readonly l2: number;
  readonly fitIntercept: boolean;
  readonly x: number[][];
  /** Each row's targets: k values for squaredError, else the label. */
  readonly y: number[][];
  readonly s: number[] | null;
}

/** The stack's layers (inputs, outputs, activation), as ts/engine/layout.ts, written out again. */
function shape(net: Net): [number, number, ActivationName][] {
  const out: [number, number, ActivationName][] = [];
  let inputs = net.d;
  for (const h of net.hidden) {
    out.push([inputs, h.units, h.activation]);
    inputs = h.units;
  }
  out.push([inputs, net.k, 'identity']);
  return out;
}

/** The output layer's z of each row, and the smallest |z| of a hidden unit. */
function forward(net: Net, theta: ArrayLike<number>): { z: number[][]; nearest: number } {
  const layers = shape(net);
  const nWeights = layers.reduce((n, [i, o]) => n + i * o, 0);
  let nearest = Infinity;
  const z = net.x.map((x) => {
    let a = x;
    let w = 0;
    let b = nWeights;
    for (let l = 0; l < layers.length; l++) {
      const [inputs, outputs, act] = layers[l];
      const zl = Array.from({ length: outputs }, (_, o) => {
        let sum = theta[b + o];
        for (let i = 0; i < inputs; i++) sum += theta[w + o * inputs + i] * a[i];
        return sum;
      });
      w += inputs * outputs;
      b += outputs;
      if (l === layers.length - 1) return zl;
      for (const v of zl) nearest = Math.min(nearest, Math.abs(v));
      a = zl.map((v) => f(act, v));
    }
    throw new Error('unreachable');
  });
  return { z, nearest };
}

function nWeights(net: Net): number {
  return shape(net).reduce((n, [i, o]) => n + i * o, 0);
}

function nParams(net: Net): number {
  return shape(net).reduce((n, [i, o]) => n + (i + 1) * o, 0);
}

/** J(θ) = (1/n) Σ s·ℓ + (l2/2)‖W‖² over every row, in float64. */
function objective(net: Net, theta: ArrayLike<number>): number {
  const { z } = forward(net, theta);
  let total = 0;
  z.forEach((zi, i) => (total += (net.s?.[i] ?? 1) * rowLoss(net.objective, zi, net.y[i])));
  let w2 = 0;
  for (let i = 0; i < nWeights(net); i++) w2 += theta[i] ** 2;
  return total / net.x.length + (net.l2 / 2) * w2;
}

/** Deterministic numbers in [−1, 1), exact in float32 (multiples of 2⁻¹⁶). */
function numbers(seed: number, n: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return ((s >>> 16) - 32768) / 32768;
  });
}

function problem(objective: ObjectiveName, k: number, hidden: HiddenLayer[], opts: { l2: number; fitIntercept: boolean; weighted: boolean }): Net {
  const n = 13;
  const d = 3;
  const v = numbers(11, n * d);
  const x = Array.from({ length: n }, (_, i) => v.slice(i * d, i * d + d));
  const t = numbers(12, n * k);
  const y = x.map((_, i) => {
    if (objective === 'squaredError') return t.slice(i * k, i * k + k);
    if (objective === 'logLoss') return [t[i] > 0 ? 1 : 0];
    return [i % k];
  });
  const s = opts.weighted ? x.map((_, i) => 0.25 + 0.5 * (i % 4)) : null;
  return { objective, d, k, hidden, l2: opts.l2, fitIntercept: opts.fitIntercept, x, y, s };
}

function spec(net: Net, threads = 1): SessionSpec {
  return {
    objective: net.objective,
    nFeatures: net.d,
    nOutputs: net.k,
    hidden: net.hidden,
    l2: net.l2,
    l1: 0,
    fitIntercept: net.fitIntercept,
    optimizer: { type: 'sgd', momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 },
    clipValue: 0,
    clipNorm: 0,
    train: {
      x: Float32Array.from(net.x.flat()),
      y: Float32Array.from(net.y.flat()),
      sampleWeight: net.s ? Float32Array.from(net.s) : null,
    },
    validation: null,
    threads,
  };
}

/** Starting parameters, multiples of 2⁻¹⁶ in (−0.8, 0.8), whose hidden z keep 1e-3 away from 0 (relu's kink). */
function start(net: Net): Float32Array {
  for (let seed = 1; ; seed++) {
    const theta = Float32Array.from(numbers(seed * 7919, nParams(net)), (v) => 0.75 * v);
    if (!net.fitIntercept) theta.fill(0, nWeights(net));
    if (forward(net, theta).nearest > 1e-3) return theta;
  }
}

function using<T>(session: Session, f: (s: Session) => T): T {
  try {
    return f(session);
  } finally {
    session.dispose();
  }
}

const OBJECTIVES: [ObjectiveName, number][] = [
  ['squaredError', 1],
  ['squaredError', 2],
  ['logLoss', 1],
  ['crossEntropy', 3],
];

describe('wasm engine: one SGD step on a network is θ − γ·g, g the float64 gradient', () => {
  for (const act of ACTIVATIONS) {
    for (const [obj, k] of OBJECTIVES) {
      for (const opts of [
        { l2: 0, fitIntercept: true, weighted: false },
        { l2: 0.125, fitIntercept: false, weighted: true },
      ]) {
        const hidden: HiddenLayer[] = [
          { units: 5, activation: act },
          { units: 3, activation: act },
        ];
        it(`${act}, ${obj} with ${k} output(s), l2 ${opts.l2}, intercept ${opts.fitIntercept}, weighted ${opts.weighted}`, () => {
          const net = problem(obj, k, hidden, opts);
          const theta = start(net);
          const gamma = 0.5;
          using(wasmEngine.createSession(spec(net)), (session) => {
            session.setParams(theta);
            session.setOrder(Uint32Array.from(net.x.map((_, i) => i)));
            const summary = session.runBatches({ batchSize: net.x.length, startBatch: 0, learningRates: Float32Array.of(gamma), dropLast: false });
            expect(summary.finite).toBe(true);
            // the reported loss: Σ s·ℓ + n·penalty at θ = n·J(θ)
            const n = net.x.length;
            const J = objective(net, theta);
            expect(summary.lossSum).toBeCloseTo(n * J, 4);
            const after = session.params();
            const h = 1e-6;
            let worst = 0;
            for (let i = 0; i < theta.length; i++) {
              const up = Float64Array.from(theta);
              const down = Float64Array.from(theta);
              up[i] += h;
              down[i] -= h;
              const fd = (objective(net, up) - objective(net, down)) / (2 * h);
              const want = i >= nWeights(net) && !net.fitIntercept ? 0 : fd;
              const g = (theta[i] - after[i]) / gamma;
              worst = Math.max(worst, Math.abs(g - want) / Math.max(1, Math.abs(want)));
            }
            expect(worst).toBeLessThan(2e-5);
          });
        });
      }
    }
  }
});

describe('wasm engine: evaluation of a network', () => {
  for (const [obj, k] of OBJECTIVES) {
    it(`${obj} with ${k} output(s): Σ s·ℓ, Σ s and the metric`, () => {
      const net = problem(obj, k, [{ units: 4, activation: 'tanh' }], { l2: 0.25, fitIntercept: true, weighted: true });
      const theta = start(net);
      const e = using(wasmEngine.createSession(spec(net)), (session) => {
        session.setParams(theta);
        return session.evaluate('train');
      });
      const { z } = forward(net, theta);
      const s = (i: number) => net.s?.[i] ?? 1;
      const loss = z.reduce((t, zi, i) => t + s(i) * rowLoss(obj, zi, net.y[i]), 0);
      const metric = z.reduce((t, zi, i) => {
        if (obj === 'squaredError') return t + s(i) * zi.reduce((u, v, j) => u + (v - net.y[i][j]) ** 2, 0);
        const predicted = obj === 'logLoss' ? (zi[0] > 0 ? 1 : 0) : zi.indexOf(Math.max(...zi));
        return t + (predicted === net.y[i][0] ? s(i) : 0);
      }, 0);
      expect(e.lossSum).toBeCloseTo(loss, 4);
      expect(e.weightSum).toBe(net.s!.reduce((a, b) => a + b, 0));
      expect(e.metricSum).toBeCloseTo(metric, 4);
    });
  }
});

describe('wasm engine: refusals of a network spec', () => {
  const net = problem('logLoss', 1, [{ units: 4, activation: 'relu' }], { l2: 0, fitIntercept: true, weighted: false });
  for (const units of [0, 2.5, -1, NaN, 2 ** 32]) {
    it(`hidden units ${units} is an InvalidOptionError naming 'hidden'`, () => {
      const bad = { ...net, hidden: [{ units: 3, activation: 'tanh' as const }, { units, activation: 'relu' as const }] };
      let error: unknown;
      try {
        wasmEngine.createSession(spec(bad)).dispose();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidOptionError);
      expect(error).toMatchObject({ code: 'INVALID_OPTION', option: 'hidden', value: units });
      expect((error as Error).message).toContain('units: an integer ≥ 1');
    });
  }
  it('an unknown activation is an ENGINE_FAILURE naming it, as an unknown objective is', () => {
    const bad = { ...net, hidden: [{ units: 3, activation: 'softplus' as ActivationName }] };
    expect(() => wasmEngine.createSession(spec(bad))).toThrow(expect.objectContaining({ code: 'ENGINE_FAILURE', message: 'unknown activation softplus' }));
  });
  it('a stack too large to address is refused before any allocation', () => {
    const big = 2 ** 31 - 1;
    const bad = { ...net, hidden: [{ units: big, activation: 'relu' as const }, { units: big, activation: 'relu' as const }] };
    expect(() => wasmEngine.createSession(spec(bad))).toThrow(
      expect.objectContaining({ option: 'hidden', value: 2 * big, message: expect.stringContaining('a parameter count that fits in memory') }),
    );
  });
  it('multi-output squaredError takes nOutputs targets per row', () => {
    const sq = problem('squaredError', 2, [], { l2: 0, fitIntercept: true, weighted: false });
    const s = spec(sq);
    const short = { ...s, train: { ...s.train, y: s.train.y.subarray(1) } };
    expect(() => wasmEngine.createSession(short)).toThrow(InvalidDataError);
    const y = Float32Array.from(s.train.y);
    y[5] = NaN;
    expect(() => wasmEngine.createSession({ ...s, train: { ...s.train, y } })).toThrow(
      expect.objectContaining({ code: 'INVALID_DATA', argument: 'y', row: 2, column: 1 }),
    );
  });
});

describe.skipIf(threadsUnavailableReason() !== null)('wasm engine: a network batch shared by threads', () => {
  it('repeats to the bit with 2 threads and agrees with one thread', async () => {
    await startThreads(2);
    const rows = 256;
    const d = 16;
    const v = numbers(3, rows * d);
    const net: Net = {
      objective: 'crossEntropy',
      d,
      k: 3,
      hidden: [{ units: 32, activation: 'relu' }],
      l2: 0,
      fitIntercept: true,
      x: Array.from({ length: rows }, (_, i) => v.slice(i * d, i * d + d)),
      y: Array.from({ length: rows }, (_, i) => [(v[i * d] > 0 ? 1 : 0) + (v[i * d + 1] > 0.5 ? 1 : 0)]),
      s: null,
    };
    const theta = start(net);
    const run = (threads: number) =>
      using(wasmEngine.createSession(spec(net, threads)), (session) => {
        session.setParams(theta);
        let loss = 0;
        for (let epoch = 0; epoch < 3; epoch++) {
          session.setOrder(Uint32Array.from({ length: rows }, (_, i) => (i * 37 + epoch * 11) % rows));
          loss = session.runBatches({ batchSize: 128, startBatch: 0, learningRates: new Float32Array(2).fill(0.25), dropLast: false }).lossSum;
        }
        return { params: session.params(), loss };
      });
    const one = run(1);
    const a = run(2);
    const b = run(2);
    expect(Array.from(a.params)).toEqual(Array.from(b.params));
    expect(a.loss).toBe(b.loss);
    let worst = 0;
    one.params.forEach((p, i) => (worst = Math.max(worst, Math.abs(p - a.params[i]) / Math.max(1, Math.abs(p)))));
    expect(worst).toBeLessThan(1e-5);
  });
});
