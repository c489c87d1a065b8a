/**
 * Hostile snapshots (issue 9): fromJSON reads a snapshot field by field and refuses what is not
 * one with INVALID_MODEL — a wrong generator state, a bestParams of 10⁹ entries (before
 * allocating anything), sparse arrays, deep nesting, null-prototype objects — and never throws
 * another kind of error.
 */
import { describe, expect, it } from 'vitest';
import { LogisticRegression, MinibatchError, type ModelJSON, SoftmaxRegression } from '../../ts/index.js';
import { classification } from '../helpers/data.js';

const { X, y } = classification(961, 80, 3);

async function trained(): Promise<ModelJSON> {
  const m = new LogisticRegression({ standardize: true });
  await m.fit(X, y, { seed: 1, maxEpochs: 3, earlyStopping: { monitor: 'loss', restoreBestWeights: true }, tolerance: null });
  return JSON.parse(JSON.stringify(m.toJSON()));
}

function invalid(json: unknown): MinibatchError {
  try {
    LogisticRegression.fromJSON(json as ModelJSON);
  } catch (e) {
    if (!(e instanceof MinibatchError)) throw new Error(`expected INVALID_MODEL, got ${String(e)}`);
    expect(e.code).toBe('INVALID_MODEL');
    return e;
  }
  throw new Error('expected the snapshot to be refused');
}

/** A copy of a JSON value whose every object has a null prototype. */
function nullProto(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(nullProto);
  if (v === null || typeof v !== 'object') return v;
  const o = Object.create(null) as Record<string, unknown>;
  for (const [k, x] of Object.entries(v)) o[k] = nullProto(x);
  return o;
}

describe('fromJSON refuses what is not a snapshot, with INVALID_MODEL', () => {
  it('a valid snapshot round-trips, as text and as a null-prototype object', async () => {
    const j = await trained();
    const text = JSON.stringify(j);
    expect(JSON.stringify(LogisticRegression.fromJSON(text).toJSON())).toBe(text);
    expect(JSON.stringify(LogisticRegression.fromJSON(nullProto(j) as ModelJSON).toJSON())).toBe(text);
  });

  it('a random-generator state of the wrong length, or all zeros', async () => {
    const j = await trained();
    for (const rng of [[1, 2, 3], [1, 2, 3, 4, 5], [0, 0, 0, 0], [1, 2, 3, 2 ** 40], [1, 2, 3, 0.5]]) {
      expect(invalid({ ...j, training: { ...j.training, rng } }).message).toMatch(/rng/);
    }
  });

  it('a bestParams of 10⁹ entries is refused at once, without allocating it', async () => {
    const j = await trained();
    const started = performance.now();
    invalid({ ...j, training: { ...j.training, bestParams: new Array(1e9) } });
    invalid({ ...j, training: { ...j.training, optimizer: { ...j.training!.optimizer, buffers: new Array(1e9) } } });
    invalid({ ...j, training: { ...j.training, history: { ...j.training!.history, loss: new Array(1e9) } } });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('sparse arrays are not read as zeros', async () => {
    const j = await trained();
    const holes = (n: number) => {
      const a = new Array(n);
      a[0] = 0.5;
      return a;
    };
    invalid({ ...j, weights: holes(3) });
    invalid({ ...j, training: { ...j.training, bestParams: holes(4) } });
    invalid({ ...j, training: { ...j.training, current: holes(4) } });
    invalid({ ...j, training: { ...j.training, rng: [1, , 3, 4] } }); // eslint-disable-line no-sparse-arrays
  });

  it('deep nesting, as text and as objects, anywhere in the snapshot', async () => {
    const j = await trained();
    const deepText = '['.repeat(200_000) + ']'.repeat(200_000);
    const text = JSON.stringify(j).replace('"options":{"l2":0,', `"options":{"l2":${deepText},`);
    expect(text.length).toBeGreaterThan(400_000);
    invalid(text);
    let deep: unknown = [];
    for (let i = 0; i < 200_000; i++) deep = [deep];
    invalid({ ...j, options: { l2: deep } });
    invalid({ ...j, preprocessing: { type: 'StandardScaler', state: deep } });
    invalid({ ...j, training: { ...j.training, history: deep } });
    invalid({ ...j, training: { ...j.training, plateau: deep } });
    invalid({ ...j, training: { ...j.training, partial: { lossSum: deep, rows: 1 } } });
    expect(() => SoftmaxRegression.fromJSON({ ...j, model: 'SoftmaxRegression', classes: [deep, 1] } as ModelJSON)).toThrow(MinibatchError);
  });

  it('null-prototype objects where values belong, and getters that throw', async () => {
    const j = await trained();
    invalid({ ...j, options: { l2: Object.create(null) } });
    invalid({ ...j, training: { ...j.training, optimizer: Object.create(null) } });
    const trap = { ...j };
    Object.defineProperty(trap, 'weights', {
      get() {
        throw new TypeError('no');
      },
    });
    invalid(trap);
  });

  it('other malformed training states', async () => {
    const j = await trained();
    const t = j.training!;
    const cases: unknown[] = [
      { ...t, epoch: -1 },
      { ...t, epoch: 1.5 },
      { ...t, optimizer: { ...t.optimizer, type: 'lbfgs' } },
      { ...t, optimizer: { ...t.optimizer, buffers: [NaN] } },
      { ...t, optimizer: { ...t.optimizer, buffers: ['NaN', 1, 2, 3] } },
      { ...t, plateau: { rate: -1, best: null, badEpochs: 0, cooldownLeft: 0 } },
      { ...t, history: { ...t.history, loss: [...t.history.loss, 1] } },
      { ...t, tolerance: null },
    ];
    for (const training of cases) invalid({ ...j, training });
  });
});
