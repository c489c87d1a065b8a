/**
 * Reading a model snapshot's arrays and training state back: everything is checked, field by
 * field, into new objects, and anything that is not a snapshot is an InvalidModelError.
 */
import { InvalidModelError } from '../errors.js';
import type { JsonFloat, TrainingState } from '../train/loop.js';
import { OPTIMIZER_DEFAULTS } from '../train/optimizers.js';

/** A dense array of exactly `length` finite float32 values (a hole, a string or a length of 10⁹
 * is refused before anything is allocated). */
export function floats(v: unknown, length: number, field: string): Float32Array {
  if (!Array.isArray(v) || v.length !== length) throw new InvalidModelError(`the snapshot's ${field} must be an array of ${length} numbers`);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    const x: unknown = v[i];
    out[i] = typeof x === 'number' ? x : NaN;
    if (typeof x !== 'number' || !Number.isFinite(out[i])) throw new InvalidModelError(`the snapshot's ${field}[${i}] = ${describeValue(x)} is not a finite float32`);
  }
  return out;
}

export function describeValue(v: unknown): string {
  return typeof v === 'number' || typeof v === 'boolean' ? String(v) : typeof v === 'string' ? JSON.stringify(v).slice(0, 40) : v === null ? 'null' : typeof v;
}

/**
 * Reads a snapshot's training state field by field into a new object (unknown fields dropped,
 * nothing deep copied), so that what a resumed run reads is exactly what was checked: counts are
 * integers ≥ 0, the generator's state is its 4 int32 words, arrays are dense and of the lengths
 * the model implies, optimizer buffers hold numbers or ±Infinity written as strings.
 */
export function checkTraining(t: unknown, nParams: number): TrainingState {
  const fail = (what: string): never => {
    throw new InvalidModelError(`the snapshot's training state is malformed or truncated (${what}): load it without "training", or take a new snapshot`);
  };
  const obj = (v: unknown, what: string): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : fail(what));
  const count = (v: unknown, what: string): number => (Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : fail(`${what} must be an integer ≥ 0`));
  const finite = (v: unknown, what: string): number => (typeof v === 'number' && Number.isFinite(v) ? v : fail(`${what} must be a finite number`));
  const finiteOrNull = (v: unknown, what: string): number | null => (v === null ? null : finite(v, what));
  const list = <T>(v: unknown, what: string, max: number, item: (x: unknown, i: number) => T): T[] => {
    if (!Array.isArray(v) || v.length > max) return fail(`${what} must be an array of at most ${max} values`);
    const out: T[] = [];
    for (let i = 0; i < v.length; i++) out.push(item(v[i], i));
    return out;
  };
  const optional = <T>(v: unknown, what: string, read: (o: Record<string, unknown>) => T): T | null =>
    v === null || v === undefined ? null : read(obj(v, what));
  const s = obj(t, 'not an object');
  if (s.version !== 1) fail(`version ${describeValue(s.version)}`);
  const epoch = count(s.epoch, 'epoch');
  const partial = optional(s.partial, 'partial', (p) => ({ lossSum: finite(p.lossSum, 'partial.lossSum'), rows: count(p.rows, 'partial.rows') }));
  const rng = list(s.rng, 'rng', 4, (v) => (Number.isInteger(v) && (v as number) >= -0x80000000 && (v as number) <= 0x7fffffff ? (v as number) : fail('rng holds 4 int32 words')));
  if (rng.length !== 4 || rng.every((v) => v === 0)) fail('rng must be the 4 int32 words of a generator state, not all 0');
  const o = obj(s.optimizer, 'optimizer');
  const type = typeof o.type === 'string' && Object.hasOwn(OPTIMIZER_DEFAULTS, o.type) ? o.type : fail('optimizer.type');
  // at most 3 buffers of θ's length (rmsprop: v, ḡ, momentum; adam: m, v, v̂)
  const buffers = list(o.buffers, 'optimizer.buffers', 3 * nParams, (v, i): JsonFloat =>
    v === 'Infinity' || v === '-Infinity' ? v : typeof v === 'number' && Number.isFinite(v) ? v : fail(`optimizer.buffers[${i}] must be a number or "Infinity"`),
  );
  if (buffers.length % nParams !== 0) fail(`optimizer.buffers has ${buffers.length} values, not whole buffers of ${nParams}`);
  const plateau = optional(s.plateau, 'plateau', (p) => {
    const rate = finite(p.rate, 'plateau.rate');
    if (!(rate > 0)) fail('plateau.rate must be > 0');
    return { rate, best: finiteOrNull(p.best, 'plateau.best'), badEpochs: count(p.badEpochs, 'plateau.badEpochs'), cooldownLeft: count(p.cooldownLeft, 'plateau.cooldownLeft') };
  });
  const earlyStopping = optional(s.earlyStopping, 'earlyStopping', (e) => ({
    best: finiteOrNull(e.best, 'earlyStopping.best'),
    bestEpoch: count(e.bestEpoch, 'earlyStopping.bestEpoch'),
    wait: count(e.wait, 'earlyStopping.wait'),
  }));
  const params = (v: unknown, what: string): number[] | null => {
    if (v === null || v === undefined) return null;
    if (!Array.isArray(v) || v.length !== nParams) return fail(`${what} must hold ${nParams} numbers`);
    return Array.from(floats(v, nParams, what));
  };
  const tol = obj(s.tolerance, 'tolerance');
  const h = obj(s.history, 'history');
  const epochs = epoch + (partial ? 1 : 0);
  const values = (k: string, lengths: number[]) => {
    const a = list(h[k], `history.${k}`, epochs, (v, i): JsonFloat =>
      v === 'Infinity' || v === '-Infinity' || v === 'NaN' ? v : finite(v, `history.${k}[${i}]`),
    );
    if (!lengths.includes(a.length)) fail(`history.${k} has ${a.length} values for ${epochs} epochs`);
    return a;
  };
  return {
    version: 1,
    seed: Number.isSafeInteger(s.seed) && (s.seed as number) >= 0 && (s.seed as number) <= 0xffffffff ? (s.seed as number) : fail('seed'),
    epoch,
    iteration: count(s.iteration, 'iteration'),
    batch: count(s.batch, 'batch'),
    rng,
    partial,
    optimizer: { type, step: count(o.step, 'optimizer.step'), buffers },
    plateau,
    earlyStopping,
    bestParams: params(s.bestParams, 'bestParams'),
    current: params(s.current, 'current'),
    tolerance: { best: finiteOrNull(tol.best, 'tolerance.best'), since: count(tol.since, 'tolerance.since') },
    history: {
      loss: values('loss', [epochs]),
      valLoss: values('valLoss', [0, epoch, epochs]),
      valScore: values('valScore', [0, epoch, epochs]),
      learningRate: values('learningRate', [epochs]),
      epochTimeMs: values('epochTimeMs', [epochs]),
    },
  };
}

export function parseJSON(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InvalidModelError(`the snapshot is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}
