/**
 * The two engines refuse the same inputs with the same errors (issue 11, item 3): the js engine's
 * rules (ts/engine/js/rules.ts) are the Rust core's (dataset.rs, objective.rs, trainer.rs,
 * optimizer/, the boundary's counts), and both turn a refusal into the same MinibatchError
 * (ts/engine/fault.ts) with the fields the core named. Each case is fed to a session of each
 * engine through the Session interface alone; the errors must agree in class, code, message,
 * argument, option, row, column, index and value, and must be a refusal (not a pass: every case
 * is one the core refuses). Before this, the js engine accepted a NaN feature, a log-loss label
 * of 0.5 and a NaN optimizer state.
 */
import { describe, expect, it } from 'vitest';
import { MinibatchError } from '../ts/errors.js';
import { jsEngine } from '../ts/engine/js/trainer.js';
import { wasmEngine } from '../ts/engine/wasm/engine.js';
import { initWasm } from '../ts/engine/wasm/raw.js';
import type { Engine, EngineName, HiddenLayer, ObjectiveName, OptimizerSpec, Session, SessionSpec } from '../ts/engine/types.js';
import { NET_ENGINES } from './helpers/nets.js';

await initWasm();

const SGD: OptimizerSpec = { type: 'sgd', momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 };
const ADAM: OptimizerSpec = { type: 'adam', beta1: 0.9, beta2: 0.999, eps: 1e-8, amsgrad: true, weightDecay: 0 };
const RMSPROP: OptimizerSpec = { type: 'rmsprop', alpha: 0.99, eps: 1e-8, momentum: 0.9, centered: true, weightDecay: 0 };
const ADAGRAD: OptimizerSpec = { type: 'adagrad', lrDecay: 0, initialAccumulator: 0, eps: 1e-10, weightDecay: 0 };

/** 4 rows × 3 features; labels fit every objective with k = 3. */
function spec(objective: ObjectiveName = 'logLoss', over: Partial<SessionSpec> = {}): SessionSpec {
  const x = Float32Array.from([0.5, -1, 2, 1, 0.25, -0.5, -2, 1.5, 0, 0.75, 0.5, -0.25]);
  const y = Float32Array.from(objective === 'crossEntropy' ? [0, 2, 1, 2] : [0, 1, 1, 0]);
  return {
    objective,
    nFeatures: 3,
    nOutputs: objective === 'crossEntropy' ? 3 : 1,
    l2: 0,
    l1: 0,
    fitIntercept: true,
    optimizer: SGD,
    clipValue: 0,
    clipNorm: 0,
    train: { x, y, sampleWeight: null },
    validation: null,
    ...over,
  };
}

const withX = (values: Record<number, number>, s: SessionSpec = spec()): SessionSpec => {
  const x = (s.train.x as Float32Array).slice();
  for (const [i, v] of Object.entries(values)) x[Number(i)] = v;
  return { ...s, train: { ...s.train, x } };
};
const withY = (y: number[], objective: ObjectiveName = 'logLoss'): SessionSpec => {
  const s = spec(objective);
  return { ...s, train: { ...s.train, y: Float32Array.from(y) } };
};
const withWeights = (w: number[]): SessionSpec => {
  const s = spec();
  return { ...s, train: { ...s.train, sampleWeight: Float32Array.from(w) } };
};

/** What a session is asked to do after it is created. */
type Act = (session: Session) => unknown;

const CREATE: [string, SessionSpec][] = [
  ['a NaN feature', withX({ 4: NaN })],
  ['an infinite feature', withX({ 11: -Infinity })],
  ['a feature in the validation set', { ...spec(), validation: withX({ 7: NaN }).train }],
  ['a log-loss label of 0.5', withY([0, 1, 0.5, 1])],
  ['a log-loss label of 2', withY([0, 2, 1, 1])],
  ['a NaN regression target', withY([0, NaN, 1, 1], 'squaredError')],
  ['a class index past k', withY([0, 3, 1, 2], 'crossEntropy')],
  ['a fractional class index', withY([0, 1, 1.5, 2], 'crossEntropy')],
  ['a negative class index', withY([-1, 1, 1, 2], 'crossEntropy')],
  ['a negative sample weight', withWeights([1, -1, 1, 1])],
  ['a NaN sample weight', withWeights([1, 1, NaN, 1])],
  ['too few sample weights', withWeights([1, 1, 1])],
  ['no rows', { ...spec(), train: { x: new Float32Array(0), y: new Float32Array(0), sampleWeight: null } }],
  ['x that does not make the rows', { ...spec(), nFeatures: 5 }],
  ['nFeatures 0', { ...spec(), nFeatures: 0 }],
  ['nFeatures 1.5', { ...spec(), nFeatures: 1.5 }],
  ['nOutputs 2 for logLoss', { ...spec(), nOutputs: 2 }],
  ['nOutputs 1 for crossEntropy', { ...spec('crossEntropy'), nOutputs: 1 }],
  ['l2 NaN', { ...spec(), l2: NaN }],
  ['l1 < 0', { ...spec(), l1: -1 }],
  ['clipValue ∞', { ...spec(), clipValue: Infinity }],
  ['clipNorm < 0', { ...spec(), clipNorm: -0.5 }],
  ['l2 NaN and a bad optimizer: the first rule broken wins', { ...spec(), l2: NaN, optimizer: { ...ADAM, beta1: 1 } }],
  ['a bad option and bad data: the options first', { ...withX({ 0: NaN }), l1: -1 }],
  ['sgd momentum < 0', { ...spec(), optimizer: { ...SGD, momentum: -0.5 } }],
  ['sgd dampening > 1', { ...spec(), optimizer: { ...SGD, momentum: 0.9, dampening: 2 } }],
  ['nesterov without momentum', { ...spec(), optimizer: { ...SGD, nesterov: true } }],
  ['sgd weightDecay NaN', { ...spec(), optimizer: { ...SGD, weightDecay: NaN } }],
  ['adagrad eps 0', { ...spec(), optimizer: { ...ADAGRAD, eps: 0 } }],
  ['adagrad lrDecay < 0', { ...spec(), optimizer: { ...ADAGRAD, lrDecay: -1 } }],
  ['adagrad initialAccumulator NaN', { ...spec(), optimizer: { ...ADAGRAD, initialAccumulator: NaN } }],
  ['rmsprop alpha 1', { ...spec(), optimizer: { ...RMSPROP, alpha: 1 } }],
  ['rmsprop momentum ∞', { ...spec(), optimizer: { ...RMSPROP, momentum: Infinity } }],
  ['adam beta1 1', { ...spec(), optimizer: { ...ADAM, beta1: 1 } }],
  ['adam beta2 NaN', { ...spec(), optimizer: { ...ADAM, beta2: NaN } }],
  ['adamw weightDecay < 0', { ...spec(), optimizer: { ...ADAM, type: 'adamw', weightDecay: -1e-2 } }],
  ['an unknown optimizer', { ...spec(), optimizer: { ...SGD, type: 'lbfgs' } as unknown as OptimizerSpec }],
];

const adamState = (p: number, set: Record<number, number>): Float32Array => {
  const buffers = new Float32Array(3 * p).fill(0.25);
  for (const [i, v] of Object.entries(set)) buffers[Number(i)] = v;
  return buffers;
};

const ACT: [string, SessionSpec, Act][] = [
  ['an order entry past the rows', spec(), (s) => s.setOrder(Uint32Array.from([0, 1, 4, 2]))],
  ['parameters of the wrong length', spec(), (s) => s.setParams(new Float32Array(3))],
  ['a NaN parameter', spec(), (s) => s.setParams(Float32Array.from([0, 0, NaN, 0]))],
  ['an infinite intercept', spec(), (s) => s.setParams(Float32Array.from([0, 0, 0, Infinity]))],
  ['optimizer state of the wrong length', { ...spec(), optimizer: ADAM }, (s) => s.setOptimizerState({ step: 1, buffers: new Float32Array(8) })],
  ['a NaN optimizer state', { ...spec(), optimizer: ADAM }, (s) => s.setOptimizerState({ step: 1, buffers: adamState(4, { 5: NaN }) })],
  ['a negative squared average (adam v)', { ...spec(), optimizer: ADAM }, (s) => s.setOptimizerState({ step: 1, buffers: adamState(4, { 6: -1 }) })],
  ['a negative squared average (adam v̂)', { ...spec(), optimizer: ADAM }, (s) => s.setOptimizerState({ step: 1, buffers: adamState(4, { 9: -1 }) })],
  ['a negative rmsprop square average', { ...spec(), optimizer: RMSPROP }, (s) => s.setOptimizerState({ step: 1, buffers: adamState(4, { 2: -1 }) })],
  ['a negative adagrad sum', { ...spec(), optimizer: ADAGRAD }, (s) => s.setOptimizerState({ step: 1, buffers: Float32Array.from([1, 1, -0.5, 1]) })],
  ['optimizer step −1', spec(), (s) => s.setOptimizerState({ step: -1, buffers: new Float32Array(0) })],
  ['optimizer step 2.5', spec(), (s) => s.setOptimizerState({ step: 2.5, buffers: new Float32Array(0) })],
  ['optimizer step 2⁵⁴', spec(), (s) => s.setOptimizerState({ step: 2 ** 54, buffers: new Float32Array(0) })],
  ['runBatches before setOrder', spec(), (s) => s.runBatches({ batchSize: 2, startBatch: 0, learningRates: Float32Array.of(0.1), dropLast: false })],
  [
    'batchSize 0',
    spec(),
    (s) => (s.setOrder(Uint32Array.from([0, 1, 2, 3])), s.runBatches({ batchSize: 0, startBatch: 0, learningRates: Float32Array.of(0.1), dropLast: false })),
  ],
  [
    'startBatch −1',
    spec(),
    (s) => (s.setOrder(Uint32Array.from([0, 1, 2, 3])), s.runBatches({ batchSize: 2, startBatch: -1, learningRates: Float32Array.of(0.1), dropLast: false })),
  ],
  [
    'a NaN learning rate in the second batch',
    spec(),
    (s) => (s.setOrder(Uint32Array.from([0, 1, 2, 3])), s.runBatches({ batchSize: 2, startBatch: 0, learningRates: Float32Array.of(0.1, NaN), dropLast: false })),
  ],
  ['evaluate("validation") without validation data', spec(), (s) => s.evaluate('validation')],
  ['new training rows with a log-loss label of 0.5', spec(), (s) => s.setTrainingData({ ...spec().train, y: Float32Array.from([0, 0.5, 1, 1]) })],
  ['new training rows with a NaN feature', spec(), (s) => s.setTrainingData(withX({ 9: NaN }).train)],
];

/** The error `run` throws, as the fields a caller can see. */
function refusal(run: () => unknown): Record<string, unknown> {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(MinibatchError);
    const err = e as MinibatchError & Record<string, unknown>;
    const seen: Record<string, unknown> = { name: err.name, code: err.code, message: err.message };
    for (const key of ['argument', 'option', 'row', 'column', 'index', 'value']) if (err[key] !== undefined) seen[key] = err[key];
    return seen;
  }
  throw new Error('no error: the input was accepted');
}

function attempt(engine: Engine, s: SessionSpec, act?: Act): Record<string, unknown> {
  let session: Session | null = null;
  try {
    return refusal(() => {
      session = engine.createSession(s);
      if (act) act(session);
    });
  } finally {
    (session as Session | null)?.dispose();
  }
}

describe('both engines refuse the same inputs with the same error', () => {
  it.each(CREATE)('creating a session: %s', (name, s) => {
    const wasm = attempt(wasmEngine, s);
    expect(attempt(jsEngine, s)).toEqual(wasm);
    // bad data and options are the caller's, with a code of their own; only a type that is not in the contract is a failure
    if (!name.startsWith('an unknown')) expect(wasm.code).not.toBe('ENGINE_FAILURE');
  });

  it.each(ACT)('%s', (_, s, act) => {
    expect(attempt(jsEngine, s, act)).toEqual(attempt(wasmEngine, s, act));
  });

  it('both accept what the core accepts: negative rmsprop ḡ and momentum buffers, step 2⁵³', () => {
    for (const engine of [jsEngine, wasmEngine]) {
      const session = engine.createSession({ ...spec(), optimizer: RMSPROP });
      session.setOptimizerState({ step: 2 ** 53, buffers: adamState(4, { 4: -1, 8: -2 }) });
      expect(session.optimizerState().step).toBe(2 ** 53);
      session.dispose();
    }
  });

  it("the message is the Rust core's own (its Display), numbers written as JavaScript writes them", () => {
    const cases: [SessionSpec, Act | undefined][] = [...CREATE.map(([, s]) => [s, undefined] as [SessionSpec, undefined]), ...ACT.map(([, s, a]) => [s, a] as [SessionSpec, Act])];
    let compared = 0;
    for (const [s, act] of cases) {
      let session: Session | null = null;
      try {
        session = wasmEngine.createSession(s);
        act?.(session);
      } catch (e) {
        const cause = (e as Error).cause;
        if (!(cause instanceof Error)) continue; // refused before the core (a type outside the contract)
        const js = (e as Error).message.replaceAll('Infinity', 'inf');
        expect(js).toBe(cause.message);
        compared++;
      } finally {
        (session as Session | null)?.dispose();
      }
    }
    expect(compared).toBeGreaterThan(50);
  });

  it('the errors name the place: a NaN feature at row 1, column 1 of x', () => {
    expect(attempt(jsEngine, withX({ 4: NaN }))).toEqual({
      name: 'InvalidDataError',
      code: 'INVALID_DATA',
      message: 'train x at row 1, column 1 is NaN; expected a finite number',
      argument: 'x',
      row: 1,
      column: 1,
    });
    expect(attempt(wasmEngine, { ...spec(), optimizer: { ...ADAM, beta1: 1 } })).toMatchObject({
      name: 'InvalidOptionError',
      code: 'INVALID_OPTION',
      option: 'beta1',
      value: 1,
    });
    expect(attempt(wasmEngine, { ...spec(), optimizer: ADAM }, (s) => s.setOptimizerState({ step: 1, buffers: adamState(4, { 6: -1 }) }))).toMatchObject({
      code: 'INVALID_DATA',
      argument: 'optimizerState',
      index: 6,
      message: 'optimizer state value 6 is -1; expected a squared average ≥ 0',
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Networks (issue 14): the hidden-spec and multi-output rules of the shared contract, on the
// engines that train networks on this branch (test/helpers/nets.ts). Each case states the
// refusal it expects, so it checks something with a single engine listed too; with several,
// they must also agree with each other.

const ENGINES: Record<EngineName, Engine> = { js: jsEngine, wasm: wasmEngine };

const layer = (units: number, activation: HiddenLayer['activation'] = 'relu'): HiddenLayer => ({ units, activation });
const withHidden = (hidden: HiddenLayer[], s: SessionSpec = spec()): SessionSpec => ({ ...s, hidden });

/** squaredError with 2 targets per row: y holds rows × 2 values (row-major). */
function twoTargets(y: number[] = [0.5, -1, 1, 2, 0, 0.25, -0.5, 1.5], over: Partial<SessionSpec> = {}): SessionSpec {
  const s = spec('squaredError', { nOutputs: 2, hidden: [layer(3, 'tanh')], ...over });
  return { ...s, train: { ...s.train, y: Float32Array.from(y) } };
}

const unitsRule = (value: number) => ({
  name: 'InvalidOptionError',
  code: 'INVALID_OPTION',
  option: 'hidden',
  value,
  message: `option hidden = ${value} is invalid: units: an integer ≥ 1`,
});

const NET_CREATE: [string, SessionSpec, Record<string, unknown>][] = [
  ['hidden units 0', withHidden([layer(4), layer(0)]), unitsRule(0)],
  ['hidden units 2.5', withHidden([layer(2.5)]), unitsRule(2.5)],
  ['hidden units −1', withHidden([layer(-1, 'tanh')]), unitsRule(-1)],
  ['hidden units NaN', withHidden([layer(NaN)]), unitsRule(NaN)],
  ['hidden units 2³²', withHidden([layer(2 ** 32)]), unitsRule(2 ** 32)],
  [
    'a stack of 2 × 40 000 units (1.6e9 parameters, × (2 adam buffers + 3): past 2³²)',
    { ...withHidden([layer(40000), layer(40000)]), optimizer: { ...ADAM, amsgrad: false } },
    {
      name: 'InvalidOptionError',
      code: 'INVALID_OPTION',
      option: 'hidden',
      value: 80000,
      message: 'option hidden = 80000 is invalid: a parameter count that fits in memory',
    },
  ],
  [
    'nOutputs 2 for logLoss, with a hidden layer',
    withHidden([layer(3)], { ...spec(), nOutputs: 2 }),
    { name: 'InvalidOptionError', code: 'INVALID_OPTION', option: 'nOutputs', value: 2 },
  ],
  [
    'a NaN target of a 2-output squaredError (row 1, column 1)',
    twoTargets([0.5, -1, 1, NaN, 0, 0.25, -0.5, 1.5]),
    { name: 'InvalidDataError', code: 'INVALID_DATA', argument: 'y', row: 1, column: 1, message: 'train y at row 1, column 1 is NaN; expected a finite number' },
  ],
  [
    'an infinite target of a 2-output squaredError in the validation set',
    { ...twoTargets(), validation: twoTargets([0, 0, 0, 0, 0, 0, Infinity, 0]).train },
    { name: 'InvalidDataError', code: 'INVALID_DATA', argument: 'validation.y', row: 3, column: 0 },
  ],
  [
    'one target per row for 2 outputs (4 values, not rows × 2)',
    twoTargets([0, 1, 1, 0]),
    { name: 'InvalidDataError', code: 'SHAPE_MISMATCH', argument: 'x' },
  ],
  ['7 targets for 4 rows × 2 outputs', twoTargets([0, 1, 1, 0, 1, 1, 0]), { name: 'InvalidDataError', code: 'SHAPE_MISMATCH', argument: 'x' }],
  [
    'an unknown activation',
    withHidden([layer(3, 'softplus' as HiddenLayer['activation'])]),
    { name: 'MinibatchError', code: 'ENGINE_FAILURE', message: 'unknown activation softplus' },
  ],
];

const NET_ACT: [string, SessionSpec, Act, Record<string, unknown>][] = [
  [
    'new 2-output training rows with a NaN target',
    twoTargets(),
    (s) => s.setTrainingData(twoTargets([0, 0, 0, 0, 0, NaN, 0, 0]).train),
    { code: 'INVALID_DATA', argument: 'y', row: 2, column: 1 },
  ],
  ['parameters of a linear model’s length for a network', withHidden([layer(2)]), (s) => s.setParams(new Float32Array(4)), { code: 'SHAPE_MISMATCH', argument: 'params' }],
];

describe.each(NET_ENGINES)('networks: the %s engine refuses a bad hidden spec and bad multi-output targets', (name) => {
  const others = NET_ENGINES.filter((e) => e !== name);

  it.each(NET_CREATE)('creating a session: %s', (_, s, expected) => {
    const seen = attempt(ENGINES[name], s);
    expect(seen).toMatchObject(expected);
    for (const other of others) expect(attempt(ENGINES[other], s)).toEqual(seen);
  });

  it.each(NET_ACT)('%s', (_, s, act, expected) => {
    const seen = attempt(ENGINES[name], s, act);
    expect(seen).toMatchObject(expected);
    for (const other of others) expect(attempt(ENGINES[other], s, act)).toEqual(seen);
  });

  it('accepts what the contract allows: one unit, every activation, rows × 2 targets, a 2-output linear model', () => {
    const ok = [
      withHidden([layer(1, 'identity'), layer(2, 'leakyRelu'), layer(1, 'logistic'), layer(3, 'tanh'), layer(1, 'relu')]),
      withHidden([layer(4)], spec('crossEntropy')),
      twoTargets(),
      twoTargets(undefined, { hidden: [] }),
    ];
    for (const s of ok) {
      const session = ENGINES[name].createSession(s);
      session.setOrder(Uint32Array.from([0, 1, 2, 3]));
      expect(session.runBatches({ batchSize: 2, startBatch: 0, learningRates: Float32Array.of(0.1, 0.1), dropLast: false }).finite).toBe(true);
      session.dispose();
    }
  });
});
