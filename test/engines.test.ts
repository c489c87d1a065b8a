/**
 * The engine contract (ts/engine/types.ts) checked through the Session interface alone, against
 * a float64 reference written here from the contract's equations (PyTorch's torch.optim update
 * rules), independently of either engine's code, for both engines: it imports nothing but the
 * engines and the types.
 *
 * Every hyperparameter, learning rate, feature and starting parameter below is exactly
 * representable in float32 (multiples of powers of two, or eps values whose rounding is far below
 * the tolerance), so the tests hold whether an engine keeps them in float32 or float64; the only
 * differences left between an engine and the reference are the float32 storage of parameters and
 * optimizer state, hence the relative tolerance of 1e-6.
 */
import { describe, expect, it } from 'vitest';
import type { BatchSummary, Engine, ObjectiveName, OptimizerSpec, Session, SessionSpec } from '../ts/engine/types.js';
import { jsEngine } from '../ts/engine/js/trainer.js';
import { wasmEngine } from '../ts/engine/wasm/engine.js';
import { initWasm } from '../ts/engine/wasm/raw.js';

await initWasm();

const engines: [string, Engine][] = [
  ['js', jsEngine],
  ['wasm', wasmEngine],
];

const REL = 1e-6;

// ---------------------------------------------------------------------------------------------
// Problems and sessions

interface Problem {
  readonly objective: ObjectiveName;
  /** nOutputs: 1, or the number of classes. */
  readonly k: number;
  readonly x: readonly (readonly number[])[];
  readonly y: readonly number[];
  readonly s?: readonly number[];
}

interface Settings {
  readonly l2: number;
  readonly l1: number;
  readonly fitIntercept: boolean;
  readonly optimizer: OptimizerSpec;
  readonly clipValue: number;
  readonly clipNorm: number;
}

const PLAIN_SGD: OptimizerSpec = { type: 'sgd', momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 };
const DEFAULTS: Settings = { l2: 0, l1: 0, fitIntercept: true, optimizer: PLAIN_SGD, clipValue: 0, clipNorm: 0 };

/** Five rows, three features, values exact in float32. */
const X5 = [
  [0.5, -1, 0.25],
  [1.5, 0.75, -0.5],
  [-0.25, 1.25, 1],
  [1, -0.5, -1.5],
  [-1.25, 0.5, 0.75],
];
const Y5: Record<ObjectiveName, number[]> = {
  squaredError: [0.5, -1, 2, 0.25, -0.75],
  logLoss: [1, 0, 1, 0, 1],
  crossEntropy: [0, 2, 1, 2, 0],
};

function tiny(objective: ObjectiveName, s?: number[]): Problem {
  return { objective, k: objective === 'crossEntropy' ? 3 : 1, x: X5, y: Y5[objective], s };
}

/** A fixed, non-trivial θ0 of p entries, each a multiple of 1/16. */
function startParams(p: number): number[] {
  return Array.from({ length: p }, (_, i) => (((i * 7) % 11) - 5) / 16);
}

function data(problem: Problem): SessionSpec['train'] {
  return {
    x: Float32Array.from(problem.x.flat()),
    y: Float32Array.from(problem.y),
    sampleWeight: problem.s ? Float32Array.from(problem.s) : null,
  };
}

function makeSpec(problem: Problem, settings: Partial<Settings> = {}, validation?: Problem): SessionSpec {
  const s = { ...DEFAULTS, ...settings };
  return {
    objective: problem.objective,
    nFeatures: problem.x[0].length,
    nOutputs: problem.k,
    l2: s.l2,
    l1: s.l1,
    fitIntercept: s.fitIntercept,
    optimizer: s.optimizer,
    clipValue: s.clipValue,
    clipNorm: s.clipNorm,
    train: data(problem),
    validation: validation ? data(validation) : null,
  };
}

function open(engine: Engine, problem: Problem, settings: Partial<Settings> = {}, theta0?: readonly number[], validation?: Problem): Session {
  const session = engine.createSession(makeSpec(problem, settings, validation));
  const p = problem.k * (problem.x[0].length + 1);
  session.setParams(Float32Array.from(theta0 ?? startParams(p)));
  return session;
}

function run(session: Session, batchSize: number, learningRates: readonly number[], startBatch = 0, dropLast = false): BatchSummary {
  return session.runBatches({ batchSize, startBatch, learningRates: Float32Array.from(learningRates), dropLast });
}

/** The learning rates as an engine sees them (float32). */
const asF32 = (lrs: readonly number[]): number[] => Array.from(Float32Array.from(lrs));

function bits(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

/**
 * Every entry within rel × the largest |expected| of the vector. Relative to the vector's scale
 * rather than to each entry: an entry that is the difference of larger terms (θ − γg, αḡ + (1 − α)g)
 * carries the float32 rounding of those terms, which is tiny beside them but not beside itself.
 */
function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, rel = REL): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (!(Math.abs(a - e) <= rel * scale)) {
      expect.fail(`${what}[${i}]: got ${a}, expected ${e} (error ${Math.abs(a - e)}, ${Math.abs(a - e) / scale} of the vector's scale ${scale})`);
    }
  }
}

/** expectClose on each buffer of length p of a flat optimizer state. */
function expectStateClose(actual: Float32Array, expected: readonly number[], p: number, what: string): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let at = 0; at < expected.length; at += p) {
    expectClose(actual.subarray(at, at + p), expected.slice(at, at + p), `${what}, buffer ${at / p}`);
  }
}

function expectNumberClose(actual: number, expected: number, what: string, rel = REL): void {
  expectClose([actual], [expected], what, rel);
}

// ---------------------------------------------------------------------------------------------
// The float64 reference, from the equations of ts/engine/types.ts

function scores(theta: readonly number[], k: number, d: number, xi: readonly number[]): number[] {
  const z: number[] = [];
  for (let c = 0; c < k; c++) {
    let v = theta[k * d + c];
    for (let j = 0; j < d; j++) v += theta[c * d + j] * xi[j];
    z.push(v);
  }
  return z;
}

/** ℓ(z, y) and ∂ℓ/∂z. */
function lossAndSlope(objective: ObjectiveName, z: readonly number[], y: number): [number, number[]] {
  switch (objective) {
    case 'squaredError':
      return [0.5 * (z[0] - y) ** 2, [z[0] - y]];
    case 'logLoss': {
      const v = z[0];
      return [Math.max(v, 0) - y * v + Math.log1p(Math.exp(-Math.abs(v))), [1 / (1 + Math.exp(-v)) - y]];
    }
    case 'crossEntropy': {
      const m = Math.max(...z);
      const lse = m + Math.log(z.reduce((acc, v) => acc + Math.exp(v - m), 0));
      return [lse - z[y], z.map((v, c) => Math.exp(v - lse) - (c === y ? 1 : 0))];
    }
  }
}

/** torch.optim's state, by PyTorch's names. */
type RefState = Record<string, number[] | null>;

function initialState(spec: OptimizerSpec, p: number): RefState {
  const zeros = () => new Array<number>(p).fill(0);
  switch (spec.type) {
    case 'sgd':
      return { momentum_buffer: null };
    case 'adagrad':
      return { sum: new Array<number>(p).fill(spec.initialAccumulator) };
    case 'rmsprop':
      return { square_avg: zeros(), grad_avg: zeros(), momentum_buffer: zeros() };
    case 'adam':
    case 'adamw':
      return { exp_avg: zeros(), exp_avg_sq: zeros(), max_exp_avg_sq: zeros() };
  }
}

/** The flat export layout of OptimizerState.buffers. */
function flatState(spec: OptimizerSpec, st: RefState, p: number): number[] {
  const get = (name: string) => st[name] ?? new Array<number>(p).fill(0);
  switch (spec.type) {
    case 'sgd':
      return spec.momentum !== 0 ? get('momentum_buffer') : [];
    case 'adagrad':
      return get('sum');
    case 'rmsprop':
      return [...get('square_avg'), ...(spec.centered ? get('grad_avg') : []), ...(spec.momentum > 0 ? get('momentum_buffer') : [])];
    case 'adam':
    case 'adamw':
      return [...get('exp_avg'), ...get('exp_avg_sq'), ...(spec.amsgrad ? get('max_exp_avg_sq') : [])];
  }
}

/** One optimizer step on θ with gradient g (θ[0, nW) are the weights W, the rest intercepts). */
function optimizerStep(spec: OptimizerSpec, st: RefState, theta: number[], grad: readonly number[], lr: number, t: number, nW: number): void {
  const p = theta.length;
  const wd = spec.weightDecay;
  const g = grad.map((gi, i) => (i < nW && wd !== 0 && spec.type !== 'adamw' ? gi + wd * theta[i] : gi));
  switch (spec.type) {
    case 'sgd': {
      const mu = spec.momentum;
      let dir = g;
      if (mu !== 0) {
        const prev = st.momentum_buffer;
        const buf = t === 1 || prev === null ? g.slice() : prev.map((b, i) => mu * b + (1 - spec.dampening) * g[i]);
        st.momentum_buffer = buf;
        dir = spec.nesterov ? g.map((gi, i) => gi + mu * buf[i]) : buf;
      }
      for (let i = 0; i < p; i++) theta[i] -= lr * dir[i];
      return;
    }
    case 'adagrad': {
      const sum = st.sum!;
      const clr = lr / (1 + (t - 1) * spec.lrDecay);
      for (let i = 0; i < p; i++) {
        sum[i] += g[i] * g[i];
        theta[i] -= (clr * g[i]) / (Math.sqrt(sum[i]) + spec.eps);
      }
      return;
    }
    case 'rmsprop': {
      const { alpha, eps, momentum, centered } = spec;
      const v = st.square_avg!;
      const gAvg = st.grad_avg!;
      const buf = st.momentum_buffer!;
      for (let i = 0; i < p; i++) {
        v[i] = alpha * v[i] + (1 - alpha) * g[i] * g[i];
        let vc = v[i];
        if (centered) {
          gAvg[i] = alpha * gAvg[i] + (1 - alpha) * g[i];
          vc = v[i] - gAvg[i] * gAvg[i];
        }
        const denom = Math.sqrt(vc) + eps;
        if (momentum > 0) {
          buf[i] = momentum * buf[i] + g[i] / denom;
          theta[i] -= lr * buf[i];
        } else {
          theta[i] -= (lr * g[i]) / denom;
        }
      }
      return;
    }
    case 'adam':
    case 'adamw': {
      const { beta1, beta2, eps, amsgrad } = spec;
      if (spec.type === 'adamw' && wd !== 0) for (let i = 0; i < nW; i++) theta[i] *= 1 - lr * wd;
      const m = st.exp_avg!;
      const v = st.exp_avg_sq!;
      const vMax = st.max_exp_avg_sq!;
      const c1 = 1 - beta1 ** t;
      const c2 = 1 - beta2 ** t;
      for (let i = 0; i < p; i++) {
        m[i] = beta1 * m[i] + (1 - beta1) * g[i];
        v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
        let vUse = v[i];
        if (amsgrad) {
          vMax[i] = Math.max(vMax[i], v[i]);
          vUse = vMax[i];
        }
        theta[i] -= (lr / c1) * (m[i] / (Math.sqrt(vUse) / Math.sqrt(c2) + eps));
      }
      return;
    }
  }
}

/** The contract's training, in float64: one instance follows one session. */
class Reference {
  readonly theta: number[];
  readonly d: number;
  readonly nW: number;
  readonly p: number;
  state: RefState;
  t = 0;
  /** The batch gradient after step 1 and after clipping, kept for the tests to look at. */
  lastRawGradient: number[] = [];
  lastGradient: number[] = [];

  constructor(
    readonly problem: Problem,
    readonly settings: Settings,
    theta0: readonly number[],
  ) {
    this.d = problem.x[0].length;
    this.nW = problem.k * this.d;
    this.p = this.nW + problem.k;
    this.theta = theta0.slice();
    this.state = initialState(settings.optimizer, this.p);
  }

  weight(i: number): number {
    return this.problem.s ? this.problem.s[i] : 1;
  }

  penalty(): number {
    const w = this.theta.slice(0, this.nW);
    return (this.settings.l2 / 2) * w.reduce((a, v) => a + v * v, 0) + this.settings.l1 * w.reduce((a, v) => a + Math.abs(v), 0);
  }

  /** One update on the rows `batch`; returns the batch's reported loss. */
  batch(batch: readonly number[], lr: number): number {
    const { problem, settings, theta, d, nW, p } = this;
    const { k } = problem;
    const b = batch.length;
    const g = new Array<number>(p).fill(0);
    let loss = 0;
    for (const i of batch) {
      const s = this.weight(i);
      const [l, dz] = lossAndSlope(problem.objective, scores(theta, k, d, problem.x[i]), problem.y[i]);
      loss += s * l;
      for (let c = 0; c < k; c++) {
        for (let j = 0; j < d; j++) g[c * d + j] += s * dz[c] * problem.x[i][j];
        g[nW + c] += s * dz[c];
      }
    }
    for (let q = 0; q < nW; q++) g[q] = g[q] / b + settings.l2 * theta[q];
    for (let c = 0; c < k; c++) g[nW + c] = settings.fitIntercept ? g[nW + c] / b : 0;
    loss += b * this.penalty();
    this.lastRawGradient = g.slice();
    if (settings.clipValue > 0) for (let q = 0; q < p; q++) g[q] = Math.min(Math.max(g[q], -settings.clipValue), settings.clipValue);
    if (settings.clipNorm > 0) {
      const norm = Math.sqrt(g.reduce((a, v) => a + v * v, 0));
      if (norm > settings.clipNorm) for (let q = 0; q < p; q++) g[q] *= settings.clipNorm / norm;
    }
    this.lastGradient = g.slice();
    this.t++;
    optimizerStep(settings.optimizer, this.state, theta, g, lr, this.t, nW);
    if (settings.l1 > 0) {
      for (let q = 0; q < nW; q++) theta[q] = Math.sign(theta[q]) * Math.max(Math.abs(theta[q]) - lr * settings.l1, 0);
    }
    return loss;
  }

  /** The batches startBatch… of `order` cut every batchSize rows, as runBatches runs them. */
  run(order: readonly number[], batchSize: number, learningRates: readonly number[], startBatch = 0, dropLast = false): number {
    const total = dropLast ? Math.floor(order.length / batchSize) : Math.ceil(order.length / batchSize);
    const count = Math.max(0, Math.min(learningRates.length, total - startBatch));
    let loss = 0;
    const lrs = asF32(learningRates);
    for (let i = 0; i < count; i++) {
      const start = (startBatch + i) * batchSize;
      loss += this.batch(order.slice(start, start + batchSize), lrs[i]);
    }
    return loss;
  }

  flatState(): number[] {
    return flatState(this.settings.optimizer, this.state, this.p);
  }
}

// ---------------------------------------------------------------------------------------------
// The optimizers under test

const OPTIMIZERS: [string, OptimizerSpec][] = [
  ['sgd', PLAIN_SGD],
  ['sgd with momentum', { type: 'sgd', momentum: 0.875, dampening: 0, nesterov: false, weightDecay: 0 }],
  ['sgd with momentum and dampening', { type: 'sgd', momentum: 0.75, dampening: 0.25, nesterov: false, weightDecay: 0 }],
  ['sgd with nesterov momentum', { type: 'sgd', momentum: 0.875, dampening: 0, nesterov: true, weightDecay: 0 }],
  ['sgd with weight decay', { type: 'sgd', momentum: 0, dampening: 0, nesterov: false, weightDecay: 0.125 }],
  ['sgd with nesterov momentum and weight decay', { type: 'sgd', momentum: 0.5, dampening: 0, nesterov: true, weightDecay: 0.25 }],
  ['adagrad', { type: 'adagrad', lrDecay: 0, initialAccumulator: 0, eps: 1e-10, weightDecay: 0 }],
  ['adagrad with lrDecay, initialAccumulator and weight decay', { type: 'adagrad', lrDecay: 0.5, initialAccumulator: 0.125, eps: 1e-10, weightDecay: 0.0625 }],
  ['rmsprop', { type: 'rmsprop', alpha: 0.875, eps: 1e-8, momentum: 0, centered: false, weightDecay: 0 }],
  ['rmsprop centered', { type: 'rmsprop', alpha: 0.875, eps: 1e-8, momentum: 0, centered: true, weightDecay: 0 }],
  ['rmsprop with momentum', { type: 'rmsprop', alpha: 0.75, eps: 1e-8, momentum: 0.5, centered: false, weightDecay: 0 }],
  ['rmsprop centered with momentum and weight decay', { type: 'rmsprop', alpha: 0.875, eps: 1e-8, momentum: 0.25, centered: true, weightDecay: 0.125 }],
  ['adam', { type: 'adam', beta1: 0.875, beta2: 0.984375, eps: 1e-8, amsgrad: false, weightDecay: 0 }],
  ['adam with amsgrad and weight decay', { type: 'adam', beta1: 0.5, beta2: 0.5, eps: 1e-8, amsgrad: true, weightDecay: 0.125 }],
  ['adamw', { type: 'adamw', beta1: 0.875, beta2: 0.984375, eps: 1e-8, amsgrad: false, weightDecay: 0.25 }],
  ['adamw with amsgrad', { type: 'adamw', beta1: 0.75, beta2: 0.5, eps: 1e-8, amsgrad: true, weightDecay: 0.0625 }],
];

const OBJECTIVES: ObjectiveName[] = ['squaredError', 'logLoss', 'crossEntropy'];

/** Three full batches of the five rows: the order 0..4 three times, with batchSize 5. */
const THREE_EPOCHS = [0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4];
const THREE_RATES = [0.25, 0.125, 0.375];

// ---------------------------------------------------------------------------------------------

describe.each(engines)('%s engine', (_name, engine) => {
  describe.each(OPTIMIZERS)('%s', (_label, optimizer) => {
    it.each(OBJECTIVES)('three steps on %s match the float64 equations (params, optimizer state, loss)', (objective) => {
      const problem = tiny(objective);
      const settings: Settings = { ...DEFAULTS, optimizer, l2: 0.0625 };
      const p = problem.k * 4;
      const session = open(engine, problem, settings);
      const ref = new Reference(problem, settings, startParams(p));
      session.setOrder(Uint32Array.from(THREE_EPOCHS));
      for (let step = 0; step < 3; step++) {
        const summary = run(session, 5, [THREE_RATES[step]], step);
        const loss = ref.run(THREE_EPOCHS, 5, [THREE_RATES[step]], step);
        expect(summary).toMatchObject({ rows: 5, iterations: 1, finite: true });
        expectNumberClose(summary.lossSum, loss, `loss of step ${step + 1}`);
        expectClose(session.params(), ref.theta, `θ after step ${step + 1}`);
        const state = session.optimizerState();
        expect(state.step).toBe(step + 1);
        expectStateClose(state.buffers, ref.flatState(), p, `optimizer state after step ${step + 1}`);
      }
      // the parameters moved: the comparisons above were not of θ0 with itself
      expect(Array.from(session.params())).not.toEqual(asF32(startParams(p)));
      session.dispose();
    });

    it('three steps without intercepts leave b at 0 and match the equations', () => {
      const problem = tiny('crossEntropy');
      const settings: Settings = { ...DEFAULTS, optimizer, fitIntercept: false };
      const theta0 = startParams(12).map((v, i) => (i >= 9 ? 0 : v));
      const session = open(engine, problem, settings, theta0);
      const ref = new Reference(problem, settings, theta0);
      session.setOrder(Uint32Array.from(THREE_EPOCHS));
      run(session, 5, THREE_RATES);
      ref.run(THREE_EPOCHS, 5, THREE_RATES);
      const params = session.params();
      expectClose(params, ref.theta, 'θ');
      expect(Array.from(params.subarray(9))).toEqual([0, 0, 0]);
      session.dispose();
    });

    it('an exported state imported into a new session continues bit-identically', () => {
      const problem = tiny('logLoss');
      const settings: Settings = { ...DEFAULTS, optimizer, l2: 0.0625 };
      const order1 = Uint32Array.from([3, 0, 4, 1, 2]);
      const order2 = Uint32Array.from([1, 4, 2, 0, 3]);
      const rates = [0.25, 0.125, 0.0625];
      // uninterrupted: two epochs of three batches (2 + 2 + 1 rows)
      const whole = open(engine, problem, settings);
      whole.setOrder(order1);
      run(whole, 2, rates);
      whole.setOrder(order2);
      run(whole, 2, rates);
      // interrupted after the first batch of the second epoch, resumed in a new session
      const first = open(engine, problem, settings);
      first.setOrder(order1);
      run(first, 2, rates);
      first.setOrder(order2);
      run(first, 2, rates.slice(0, 1));
      const params = first.params();
      const state = first.optimizerState();
      first.dispose();
      const resumed = engine.createSession(makeSpec(problem, settings));
      resumed.setParams(params);
      resumed.setOptimizerState({ step: state.step, buffers: state.buffers.slice() });
      resumed.setOrder(order2);
      run(resumed, 2, rates.slice(1), 1);
      expect(bits(resumed.params())).toEqual(bits(whole.params()));
      const a = resumed.optimizerState();
      const b = whole.optimizerState();
      expect(a.step).toBe(6);
      expect(b.step).toBe(6);
      expect(bits(a.buffers)).toEqual(bits(b.buffers));
      whole.dispose();
      resumed.dispose();
    });
  });

  describe('optimizer state layout', () => {
    it.each([
      ['sgd', PLAIN_SGD, 0],
      ['sgd with momentum', { type: 'sgd', momentum: 0.5, dampening: 0, nesterov: false, weightDecay: 0 }, 1],
      ['adagrad', { type: 'adagrad', lrDecay: 0, initialAccumulator: 0.5, eps: 1e-10, weightDecay: 0 }, 1],
      ['rmsprop', { type: 'rmsprop', alpha: 0.5, eps: 1e-8, momentum: 0, centered: false, weightDecay: 0 }, 1],
      ['rmsprop centered', { type: 'rmsprop', alpha: 0.5, eps: 1e-8, momentum: 0, centered: true, weightDecay: 0 }, 2],
      ['rmsprop centered with momentum', { type: 'rmsprop', alpha: 0.5, eps: 1e-8, momentum: 0.5, centered: true, weightDecay: 0 }, 3],
      ['adam', { type: 'adam', beta1: 0.5, beta2: 0.5, eps: 1e-8, amsgrad: false, weightDecay: 0 }, 2],
      ['adamw with amsgrad', { type: 'adamw', beta1: 0.5, beta2: 0.5, eps: 1e-8, amsgrad: true, weightDecay: 0 }, 3],
    ] as [string, OptimizerSpec, number][])('%s: %i buffers of p before the first step', (_label, optimizer, buffers) => {
      const session = open(engine, tiny('crossEntropy'), { optimizer });
      const state = session.optimizerState();
      expect(state.step).toBe(0);
      expect(state.buffers).toBeInstanceOf(Float32Array);
      expect(state.buffers.length).toBe(buffers * 12);
      // adagrad's sum starts at initialAccumulator, every other buffer at 0
      const start = optimizer.type === 'adagrad' ? optimizer.initialAccumulator : 0;
      expect(Array.from(state.buffers).every((v) => v === start)).toBe(true);
      session.dispose();
    });
  });

  describe('clipping', () => {
    // At θ0 = (2, −2, 1, 1) the raw gradient is (2.125, −1.375, −1.5375, 1), of norm ≈ 3.13.
    const problem = tiny('squaredError');
    const theta0 = [2, -2, 1, 1];

    function oneStep(settings: Partial<Settings>): { session: Session; ref: Reference; before: Float32Array } {
      const full = { ...DEFAULTS, ...settings };
      const session = open(engine, problem, full, theta0);
      const ref = new Reference(problem, full, theta0);
      const before = session.params();
      session.setOrder(Uint32Array.from([0, 1, 2, 3, 4]));
      run(session, 5, [1]);
      ref.run([0, 1, 2, 3, 4], 5, [1]);
      return { session, ref, before };
    }

    it('by value clamps each entry to [−clipValue, clipValue]', () => {
      const { session, ref, before } = oneStep({ clipValue: 1.25 });
      expectClose(session.params(), ref.theta, 'θ');
      // some entries were clipped, some not, and with lr = 1 the step is −g
      expect(ref.lastRawGradient.some((g) => Math.abs(g) > 1.25)).toBe(true);
      expect(ref.lastRawGradient.some((g) => Math.abs(g) < 1.25)).toBe(true);
      const delta = Array.from(session.params(), (v, i) => before[i] - v);
      expectClose(delta, ref.lastRawGradient.map((g) => Math.min(Math.max(g, -1.25), 1.25)), 'step', 1e-5);
      session.dispose();
    });

    it('by norm scales the whole gradient, intercept included, to clipNorm', () => {
      const { session, ref, before } = oneStep({ clipNorm: 1.5 });
      expectClose(session.params(), ref.theta, 'θ');
      expect(Math.hypot(...ref.lastRawGradient)).toBeGreaterThan(1.5);
      const delta = Array.from(session.params(), (v, i) => before[i] - v);
      expectNumberClose(Math.hypot(...delta), 1.5, '‖step‖', 1e-5);
      session.dispose();
    });

    it('a gradient within clipNorm is left as it is', () => {
      const { session, ref } = oneStep({ clipNorm: 100 });
      expect(ref.lastGradient).toEqual(ref.lastRawGradient);
      expectClose(session.params(), ref.theta, 'θ');
      session.dispose();
    });

    it('by value first, then by norm', () => {
      const { session, ref } = oneStep({ clipValue: 1.25, clipNorm: 1.5, optimizer: OPTIMIZERS[3][1] });
      expectClose(session.params(), ref.theta, 'θ');
      session.dispose();
    });
  });

  describe('l1', () => {
    it('the proximal step makes weights exactly 0 and matches the equations', () => {
      const problem = tiny('logLoss');
      const settings: Settings = { ...DEFAULTS, l1: 0.5, l2: 0.0625 };
      const session = open(engine, problem, settings);
      const ref = new Reference(problem, settings, startParams(4));
      session.setOrder(Uint32Array.from(THREE_EPOCHS));
      for (let step = 0; step < 3; step++) {
        const summary = run(session, 5, [THREE_RATES[step]], step);
        expectNumberClose(summary.lossSum, ref.run(THREE_EPOCHS, 5, [THREE_RATES[step]], step), `loss of step ${step + 1}`);
        expectClose(session.params(), ref.theta, `θ after step ${step + 1}`);
      }
      const params = session.params();
      expect(Array.from(params.subarray(0, 3)).filter((v) => v === 0).length).toBeGreaterThan(0);
      // the intercept is not penalized: it does not snap to 0
      expect(params[3]).not.toBe(0);
      session.dispose();
    });

    it('weights of irrelevant features become exactly 0', () => {
      // y = 2·x0 − x1 + small noise; x2, x3, x4 are irrelevant
      let seed = 12345;
      const uniform = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
      const x: number[][] = [];
      const y: number[] = [];
      for (let i = 0; i < 200; i++) {
        const row = Array.from({ length: 5 }, () => Math.fround(uniform()));
        x.push(row);
        y.push(Math.fround(2 * row[0] - row[1] + 0.1 * uniform()));
      }
      const problem: Problem = { objective: 'squaredError', k: 1, x, y };
      const session = open(engine, problem, { l1: 0.05 }, [0, 0, 0, 0, 0, 0]);
      const order = Uint32Array.from(x.keys());
      for (let epoch = 0; epoch < 300; epoch++) {
        session.setOrder(order);
        expect(run(session, 200, [0.5]).finite).toBe(true);
      }
      const w = Array.from(session.params());
      expect(w.slice(2, 5)).toEqual([0, 0, 0]);
      expect(w[0]).toBeGreaterThan(1.5);
      expect(w[1]).toBeLessThan(-0.5);
      session.dispose();
    });
  });

  describe('crossEntropy', () => {
    it('the first step at θ = 0 is the hand-computed softmax gradient', () => {
      // softmax(0) = 1/3 for each class; rows x0 = (1, 2) of class 0 and x1 = (3, −1) of class 2:
      // ∂ℓ/∂z = (−2/3, 1/3, 1/3) and (1/3, 1/3, −2/3); g = their mean times x (W), and the mean (b).
      const problem: Problem = { objective: 'crossEntropy', k: 3, x: [[1, 2], [3, -1]], y: [0, 2] };
      const session = open(engine, problem, {}, new Array(9).fill(0));
      session.setOrder(Uint32Array.from([0, 1]));
      const summary = run(session, 2, [1]);
      const g = [1 / 6, -5 / 6, 2 / 3, 1 / 6, -5 / 6, 2 / 3, -1 / 6, 1 / 3, -1 / 6];
      expectClose(session.params(), g.map((v) => -v), 'θ = −g');
      expectNumberClose(summary.lossSum, 2 * Math.log(3), 'loss (2 rows × log 3)');
      session.dispose();
    });

    it('is stable for scores far beyond exp’s range', () => {
      const problem: Problem = { objective: 'crossEntropy', k: 3, x: [[0]], y: [1] };
      const session = open(engine, problem, {}, [0, 0, 0, 1000, 0, -1000]);
      const ev = session.evaluate('train');
      expectNumberClose(ev.lossSum, 1000, 'loss');
      expect(ev.metricSum).toBe(0);
      session.setOrder(Uint32Array.from([0]));
      const summary = run(session, 1, [1]);
      expect(summary.finite).toBe(true);
      expectNumberClose(summary.lossSum, 1000, 'batch loss');
      // ∂ℓ/∂b = softmax − onehot(1) = (1, −1, 0)
      expectClose(session.params(), [0, 0, 0, 999, 1, -1000], 'θ');
      session.dispose();
    });
  });

  describe('sample weights', () => {
    it('a weight of 2 on a row equals the row twice (the mean divides by the row count)', () => {
      for (const objective of OBJECTIVES) {
        const weighted = tiny(objective, [1, 2, 1, 1, 1]);
        const duplicated: Problem = { ...tiny(objective), x: [...X5, X5[1]], y: [...Y5[objective], Y5[objective][1]] };
        const p = weighted.k * 4;
        const a = open(engine, weighted, {}, startParams(p), weighted);
        const b = open(engine, duplicated, {}, startParams(p), duplicated);
        // g is Σ/5 in one session and Σ/6 in the other: learning rates 5/8 and 6/8 make equal steps
        a.setOrder(Uint32Array.from([0, 1, 2, 3, 4]));
        b.setOrder(Uint32Array.from([0, 1, 2, 3, 4, 5]));
        const sa = run(a, 5, [0.625]);
        const sb = run(b, 6, [0.75]);
        expectNumberClose(sa.lossSum, sb.lossSum, `${objective}: batch loss`);
        expectClose(a.params(), b.params(), `${objective}: θ`);
        const ea = a.evaluate('validation');
        const eb = b.evaluate('validation');
        expect(ea.weightSum).toBe(6);
        expect(eb.weightSum).toBe(6);
        expectNumberClose(ea.lossSum, eb.lossSum, `${objective}: evaluated loss`);
        expectNumberClose(ea.metricSum, eb.metricSum, `${objective}: metric`);
        a.dispose();
        b.dispose();
      }
    });

    it('weights of 2 everywhere double the step (denominator b, not Σ s)', () => {
      const p = 12;
      const twice = open(engine, tiny('crossEntropy', [2, 2, 2, 2, 2]), {}, startParams(p));
      const once = open(engine, tiny('crossEntropy'), {}, startParams(p));
      twice.setOrder(Uint32Array.from([0, 1, 2, 3, 4]));
      once.setOrder(Uint32Array.from([0, 1, 2, 3, 4]));
      const st = run(twice, 5, [0.25]);
      const so = run(once, 5, [0.5]);
      expectClose(twice.params(), once.params(), 'θ');
      expectNumberClose(st.lossSum, 2 * so.lossSum, 'loss');
      twice.dispose();
      once.dispose();
    });

    it('weighted steps match the equations', () => {
      for (const objective of OBJECTIVES) {
        const problem = tiny(objective, [0.5, 2, 0, 1.25, 1]);
        const settings: Settings = { ...DEFAULTS, l2: 0.125, l1: 0.0625, optimizer: OPTIMIZERS[12][1] };
        const p = problem.k * 4;
        const session = open(engine, problem, settings);
        const ref = new Reference(problem, settings, startParams(p));
        const order = [4, 2, 0, 3, 1, 2, 0];
        session.setOrder(Uint32Array.from(order));
        const summary = run(session, 3, [0.125, 0.25, 0.0625]);
        expectNumberClose(summary.lossSum, ref.run(order, 3, [0.125, 0.25, 0.0625]), `${objective}: loss`);
        expectClose(session.params(), ref.theta, `${objective}: θ`);
        session.dispose();
      }
    });
  });

  describe('batches longer than a block of rows', () => {
    // 21 rows of 5 features: batches of 10 and 21 rows go through an engine's blocked row loops
    // (if it has any) and their remainders, unlike the five-row problems above.
    let seed = 99;
    const next = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24) / 64 - 2; // multiples of 1/64 in [−2, 2)
    const x = Array.from({ length: 21 }, () => Array.from({ length: 5 }, next));
    const targets: Record<ObjectiveName, number[]> = {
      squaredError: x.map((r) => r[0] - r[3] / 2 + 0.25),
      logLoss: x.map((r, i) => (r[1] + r[2] > (i % 3) / 4 ? 1 : 0)),
      crossEntropy: x.map((r, i) => (i * 5 + (r[0] > 0 ? 1 : 0)) % 4),
    };
    const weights = x.map((_, i) => [1, 0.5, 2, 0, 1.25][i % 5]);
    const order = [13, 2, 20, 7, 0, 15, 9, 4, 18, 11, 1, 16, 6, 3, 19, 10, 5, 14, 8, 17, 12];

    it.each(OBJECTIVES.flatMap((o) => [[o, false], [o, true]] as [ObjectiveName, boolean][]))('%s (sample weights: %s)', (objective, weighted) => {
      const k = objective === 'crossEntropy' ? 4 : 1;
      const problem: Problem = { objective, k, x, y: targets[objective], s: weighted ? weights : undefined };
      const settings: Settings = { ...DEFAULTS, l2: 0.0625, optimizer: OPTIMIZERS[1][1] };
      const theta0 = startParams(k * 6).map((v) => v / 4);
      const session = open(engine, problem, settings, theta0);
      const ref = new Reference(problem, settings, theta0);
      session.setOrder(Uint32Array.from(order));
      const first = run(session, 10, [0.125, 0.0625, 0.25]);
      expect(first).toMatchObject({ rows: 21, iterations: 3, finite: true });
      expectNumberClose(first.lossSum, ref.run(order, 10, [0.125, 0.0625, 0.25]), 'loss, batches of 10');
      expectClose(session.params(), ref.theta, 'θ, batches of 10');
      const second = run(session, 21, [0.125]);
      expectNumberClose(second.lossSum, ref.run(order, 21, [0.125]), 'loss, one batch of 21');
      expectClose(session.params(), ref.theta, 'θ, one batch of 21');
      session.dispose();
    });
  });

  describe('evaluate and penalty', () => {
    const validationX = [
      [0.25, 0.5, -1],
      [-1.5, 1, 0.5],
      [2, -0.25, 0.75],
      [0.5, 0.5, 0.5],
    ];
    const validationY: Record<ObjectiveName, number[]> = {
      squaredError: [1, -0.5, 0.25, 2],
      logLoss: [0, 1, 1, 0],
      crossEntropy: [2, 0, 1, 1],
    };

    it.each(OBJECTIVES)('%s: Σ s·ℓ, Σ s and the metric over each set', (objective) => {
      const train = tiny(objective, [1, 0.5, 2, 1, 0.25]);
      const validation: Problem = { objective, k: train.k, x: validationX, y: validationY[objective], s: [0.5, 1.5, 1, 2] };
      const p = train.k * 4;
      const session = open(engine, train, { l2: 0.5, l1: 0.25 }, startParams(p), validation);
      for (const [set, problem] of [
        ['train', train],
        ['validation', validation],
      ] as const) {
        let loss = 0;
        let weights = 0;
        let metric = 0;
        problem.x.forEach((xi, i) => {
          const s = problem.s![i];
          const z = scores(startParams(p), problem.k, 3, xi);
          loss += s * lossAndSlope(objective, z, problem.y[i])[0];
          weights += s;
          if (objective === 'squaredError') metric += s * (z[0] - problem.y[i]) ** 2;
          else if (objective === 'logLoss') metric += z[0] > 0 === (problem.y[i] === 1) ? s : 0;
          else metric += z.indexOf(Math.max(...z)) === problem.y[i] ? s : 0;
        });
        const ev = session.evaluate(set);
        expectNumberClose(ev.lossSum, loss, `${set} loss`);
        expect(ev.weightSum).toBe(weights);
        if (objective === 'squaredError') expectNumberClose(ev.metricSum, metric, `${set} metric`);
        else expect(ev.metricSum).toBe(metric);
        // the classifiers' metric is not trivially 0 or everything on these sets
        if (objective !== 'squaredError') expect(metric).toBeGreaterThan(0);
      }
      const ref = new Reference(train, { ...DEFAULTS, l2: 0.5, l1: 0.25 }, startParams(p));
      expectNumberClose(session.penalty(), ref.penalty(), 'penalty');
      session.dispose();
    });

    it('the first argmax wins a tie', () => {
      const problem: Problem = { objective: 'crossEntropy', k: 3, x: [[1], [1]], y: [1, 2] };
      const session = open(engine, problem, {}, [0, 0, 0, 0, 2, 2]);
      expect(session.evaluate('train').metricSum).toBe(1);
      session.dispose();
    });

    it('penalty() leaves the intercepts out', () => {
      const session = open(engine, tiny('crossEntropy'), { l2: 0.5, l1: 0.25 }, [1, -2, 0, 0, 0, 0.5, 0, 0, 0, 100, -100, 7]);
      expect(session.penalty()).toBe((0.5 / 2) * (1 + 4 + 0.25) + 0.25 * (1 + 2 + 0.5));
      session.dispose();
    });
  });

  describe('runBatches', () => {
    // Ten rows cut into batches of 3: [0, 3), [3, 6), [6, 9), [9, 10).
    const x10 = Array.from({ length: 10 }, (_, i) => [((i % 4) - 1.5) / 2, ((i * 3) % 5) / 4 - 0.5]);
    const problem: Problem = { objective: 'squaredError', k: 1, x: x10, y: x10.map((r, i) => r[0] - 2 * r[1] + (i % 3) / 4) };
    const order = [7, 2, 9, 0, 5, 3, 8, 1, 6, 4];

    function check(startBatch: number, rates: number[], dropLast: boolean, iterations: number, rows: number): void {
      const session = open(engine, problem, {}, [0.5, -0.25, 0.125]);
      const ref = new Reference(problem, DEFAULTS, [0.5, -0.25, 0.125]);
      session.setOrder(Uint32Array.from(order));
      const summary = run(session, 3, rates, startBatch, dropLast);
      const loss = ref.run(order, 3, rates, startBatch, dropLast);
      expect(summary).toMatchObject({ iterations, rows, finite: true });
      expectNumberClose(summary.lossSum, loss, 'loss');
      expectClose(session.params(), ref.theta, 'θ');
      session.dispose();
    }

    it('runs the batches from startBatch, batch i with learningRates[i − startBatch]', () => check(1, [0.25, 0.125], false, 2, 6));
    it('stops at the end of the order when there are more learning rates', () => check(2, [0.25, 0.125, 0.5, 0.5], false, 2, 4));
    it('keeps the short last batch, averaged by its own row count', () => check(3, [0.5], false, 1, 1));
    it('dropLast skips the short last batch', () => check(2, [0.25, 0.125, 0.5], true, 1, 3));
    it('runs nothing from past the end or with no learning rates', () => {
      check(4, [0.25], false, 0, 0);
      check(3, [0.25], true, 0, 0);
      check(0, [], false, 0, 0);
    });
    it('a learning rate of 0 leaves θ as it is', () => check(0, [0, 0.25], false, 2, 6));

    it('one run equals the same batches in several runs (the step count carries over)', () => {
      const settings = { optimizer: OPTIMIZERS[12][1] };
      const a = open(engine, problem, settings, [0.5, -0.25, 0.125]);
      const b = open(engine, problem, settings, [0.5, -0.25, 0.125]);
      a.setOrder(Uint32Array.from(order));
      b.setOrder(Uint32Array.from(order));
      run(a, 3, [0.25, 0.125, 0.5, 0.0625]);
      run(b, 3, [0.25], 0);
      run(b, 3, [0.125, 0.5], 1);
      run(b, 3, [0.0625], 3);
      expect(bits(a.params())).toEqual(bits(b.params()));
      expect(bits(a.optimizerState().buffers)).toEqual(bits(b.optimizerState().buffers));
      expect(b.optimizerState().step).toBe(4);
      a.dispose();
      b.dispose();
    });
  });

  describe('divergence', () => {
    const problem = tiny('squaredError');
    const adam = OPTIMIZERS[12][1];

    function trained(): Session {
      const session = open(engine, problem, { optimizer: adam });
      session.setOrder(Uint32Array.from([0, 1, 2, 3, 4]));
      expect(run(session, 2, [0.25, 0.125, 0.25]).finite).toBe(true);
      return session;
    }

    function expectRestored(session: Session, params: Float32Array, state: { step: number; buffers: Float32Array }): void {
      expect(bits(session.params())).toEqual(bits(params));
      const now = session.optimizerState();
      expect(now.step).toBe(state.step);
      expect(bits(now.buffers)).toEqual(bits(state.buffers));
    }

    it('a loss beyond float32 puts params and optimizer state back to setOrder’s', () => {
      const session = trained();
      session.setOrder(Uint32Array.from([4, 3, 2, 1, 0]));
      const params = session.params();
      const state = session.optimizerState();
      // a first run that is fine, then one whose first step sends θ to ~1e30: the next batch's
      // loss ½(z − y)² ~ 1e60 is not finite in float32
      expect(run(session, 1, [0.25]).finite).toBe(true);
      const summary = run(session, 1, [1e30, 0.25, 0.25], 1);
      expect(summary.finite).toBe(false);
      expectRestored(session, params, state);
      session.dispose();
    });

    it('parameters that overflow at the last step are caught too', () => {
      // at θ0 = (2, −2, 1, 1) the gradient has entries of 2.125: the step γ·g overflows float32
      const session = open(engine, problem, {}, [2, -2, 1, 1]);
      session.setOrder(Uint32Array.from([0, 1, 2, 3, 4]));
      const params = session.params();
      const state = session.optimizerState();
      const summary = run(session, 5, [3e38]);
      expect(summary.finite).toBe(false);
      expectRestored(session, params, state);
      session.dispose();
    });

    it('training after a restore is the same as if the diverging run never happened', () => {
      const a = trained();
      const b = trained();
      a.setOrder(Uint32Array.from([4, 3, 2, 1, 0]));
      b.setOrder(Uint32Array.from([4, 3, 2, 1, 0]));
      expect(run(a, 1, [1e30, 0.25, 0.25]).finite).toBe(false);
      run(a, 2, [0.25, 0.125]);
      run(b, 2, [0.25, 0.125]);
      expect(bits(a.params())).toEqual(bits(b.params()));
      expect(bits(a.optimizerState().buffers)).toEqual(bits(b.optimizerState().buffers));
      a.dispose();
      b.dispose();
    });
  });

  // The core's refusals keep their fields up to the error the caller sees (issue 11, item 5):
  // these were all ENGINE_FAILURE with a flattened message before; session misuse still is.
  describe('rejects bad input with a typed error that names the place', () => {
    const failure = { code: 'ENGINE_FAILURE' };
    const bad = (fields: object) => expect.objectContaining(fields);

    it('a row index past the data in the order', () => {
      const session = open(engine, tiny('logLoss'));
      expect(() => session.setOrder(Uint32Array.from([0, 5]))).toThrow(bad({ code: 'INVALID_DATA', argument: 'order', index: 1 }));
      session.dispose();
    });

    it('a crossEntropy label that is not a class index 0..k−1', () => {
      for (const y of [3, 1.5, -1, NaN]) {
        const problem: Problem = { ...tiny('crossEntropy'), y: [0, 1, y, 2, 0] };
        expect(() => engine.createSession(makeSpec(problem))).toThrow(bad({ code: 'INVALID_LABEL', argument: 'y', row: 2 }));
      }
      const validation: Problem = { ...tiny('crossEntropy'), y: [0, 1, 2, 3, 0] };
      expect(() => engine.createSession(makeSpec(tiny('crossEntropy'), {}, validation))).toThrow(
        bad({ code: 'INVALID_LABEL', argument: 'validation.y', row: 3 }),
      );
    });

    it('an optimizer state of the wrong length or step', () => {
      const session = open(engine, tiny('logLoss'), { optimizer: OPTIMIZERS[12][1] });
      expect(() => session.setOptimizerState({ step: 0, buffers: new Float32Array(12) })).toThrow(
        bad({ code: 'SHAPE_MISMATCH', argument: 'optimizerState' }),
      );
      expect(() => session.setOptimizerState({ step: -1, buffers: new Float32Array(8) })).toThrow(bad({ code: 'INVALID_OPTION', option: 'step' }));
      expect(() => session.setOptimizerState({ step: 1.5, buffers: new Float32Array(8) })).toThrow(bad({ code: 'INVALID_OPTION', option: 'step' }));
      session.setOptimizerState({ step: 3, buffers: new Float32Array(8).fill(0.5) });
      expect(session.optimizerState().step).toBe(3);
      session.dispose();
    });

    it('parameters of the wrong length', () => {
      const session = open(engine, tiny('crossEntropy'));
      expect(() => session.setParams(new Float32Array(4))).toThrow(bad({ code: 'SHAPE_MISMATCH', argument: 'params' }));
      session.dispose();
    });

    it('shapes that do not fit', () => {
      const spec = makeSpec(tiny('logLoss'));
      expect(() => engine.createSession({ ...spec, nFeatures: 4 })).toThrow(bad({ code: 'SHAPE_MISMATCH', argument: 'x' }));
      expect(() => engine.createSession({ ...spec, nOutputs: 2 })).toThrow(bad({ code: 'INVALID_OPTION', option: 'nOutputs' }));
      expect(() => engine.createSession({ ...spec, train: { ...spec.train, sampleWeight: new Float32Array(4) } })).toThrow(
        bad({ code: 'SHAPE_MISMATCH', argument: 'sampleWeight' }),
      );
    });

    it('runBatches before setOrder, and evaluate("validation") without validation data', () => {
      const session = open(engine, tiny('logLoss'));
      expect(() => run(session, 1, [0.1])).toThrow(expect.objectContaining(failure));
      expect(() => session.evaluate('validation')).toThrow(expect.objectContaining(failure));
      session.dispose();
    });

    it('a disposed session', () => {
      const session = open(engine, tiny('logLoss'));
      session.dispose();
      expect(() => session.params()).toThrow(expect.objectContaining({ code: 'DISPOSED' }));
    });
  });
});
