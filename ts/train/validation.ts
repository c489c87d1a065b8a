/**
 * What the models prepare before the fit loop: per-row weights (sampleWeight × classWeight) and
 * the held-out validation rows (validationSplit: seeded, shuffled, and stratified for classifiers
 * so that every class keeps its share, unlike Keras' "last rows").
 */
import type { Matrix } from '../data/matrix.js';
import { Rng } from '../data/random.js';
import { InvalidDataError, InvalidOptionError } from '../errors.js';
import { show } from './validate.js';
import type { TrainData } from './loop.js';

/** Checks sampleWeight: one finite weight ≥ 0 per row, not all zero. */
export function toSampleWeight(w: unknown, rows: number, argument = 'sampleWeight'): Float32Array {
  if (w === null || typeof w !== 'object' || typeof (w as ArrayLike<number>).length !== 'number') {
    throw new InvalidOptionError(argument, w, `${argument} must be an array of one weight per row`);
  }
  const src = w as ArrayLike<unknown>;
  if (src.length !== rows) {
    throw new InvalidDataError('SHAPE_MISMATCH', `${argument} has ${src.length} weights but there are ${rows} rows`, { argument });
  }
  const out = new Float32Array(rows);
  let total = 0;
  for (let i = 0; i < rows; i++) {
    const v = src[i];
    out[i] = typeof v === 'number' ? v : NaN;
    if (typeof v !== 'number' || !Number.isFinite(out[i]) || v < 0) {
      throw new InvalidDataError('INVALID_DATA', `${argument}[${i}] = ${typeof v === 'number' ? v : typeof v}: weights must be finite numbers ≥ 0 (row ${i})`, {
        argument,
        row: i,
      });
    }
    total += out[i]; // as float32, the engines' weights: 1e-46 is 0 there
  }
  if (total === 0) throw new InvalidDataError('INVALID_DATA', `${argument} is zero for every row: nothing would be learned`, { argument });
  return out;
}

/**
 * Per-class weights as class index → weight. 'balanced' is n / (k · count of the class), as
 * scikit-learn's compute_class_weight; an object maps a class label (as written by String()) to
 * its weight, and classes it does not name weigh 1.
 */
export function classWeights(option: 'balanced' | Record<string, number>, labels: Float32Array, classes: readonly unknown[]): Float64Array {
  const k = classes.length;
  const out = new Float64Array(k).fill(1);
  if (option === 'balanced') {
    const counts = new Float64Array(k);
    for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
    for (let c = 0; c < k; c++) out[c] = counts[c] > 0 ? labels.length / (k * counts[c]) : 1;
    return out;
  }
  const names = classes.map(String);
  for (const [key, v] of Object.entries(option)) {
    const c = names.indexOf(key);
    if (c < 0) throw new InvalidOptionError('classWeight', option, `classWeight names class ${JSON.stringify(key)}, which is not one of ${names.join(', ')}`);
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new InvalidOptionError('classWeight', option, `classWeight[${JSON.stringify(key)}] = ${show(v)} must be a finite number ≥ 0`);
    }
    out[c] = v;
  }
  return out;
}

function subset(d: TrainData, rows: Uint32Array): TrainData {
  const { cols } = d.x;
  // targets per row: several for squaredError with several outputs
  const k = d.y.length / d.x.rows;
  const x = new Float32Array(rows.length * cols);
  const y = new Float32Array(rows.length * k);
  const w = d.sampleWeight ? new Float32Array(rows.length) : null;
  rows.forEach((r, i) => {
    x.set(d.x.data.subarray(r * cols, (r + 1) * cols), i * cols);
    y.set(d.y.subarray(r * k, (r + 1) * k), i * k);
    if (w) w[i] = d.sampleWeight![r];
  });
  const m: Matrix = { data: x, rows: rows.length, cols };
  return { x: m, y, sampleWeight: w };
}

/**
 * Holds out `fraction` of the rows: for classifiers (`classes` given) the same fraction of every
 * class, rounded, and each class must keep at least one row on both sides. The generator is the
 * seed's stream 1, apart from the one that initializes and shuffles.
 */
export function splitValidation(
  d: TrainData,
  fraction: number,
  seed: number,
  classes: readonly unknown[] | null,
): { train: TrainData; validation: TrainData } {
  const rng = Rng.stream(seed, 1);
  const groups: number[][] = classes ? classes.map(() => []) : [[]];
  for (let i = 0; i < d.x.rows; i++) groups[classes ? d.y[i] : 0].push(i);
  const trainRows: number[] = [];
  const valRows: number[] = [];
  groups.forEach((g, c) => {
    if (g.length === 0) return;
    const take = Math.round(fraction * g.length);
    if (take < 1 || take > g.length - 1) {
      const who = classes ? `class ${JSON.stringify(classes[c])} (${g.length} rows)` : `the ${g.length} rows`;
      const side = take < 1 ? 'the validation rows' : 'the training rows';
      throw new InvalidOptionError(
        'validationSplit',
        fraction,
        `validationSplit = ${fraction} leaves ${side} without any of ${who}: ${take < 1 ? 'raise' : 'lower'} validationSplit, or pass validationData`,
      );
    }
    const order = Uint32Array.from(g);
    rng.shuffle(order);
    valRows.push(...order.subarray(0, take));
    trainRows.push(...order.subarray(take));
  });
  const sorted = (a: number[]) => Uint32Array.from(a).sort();
  return { train: subset(d, sorted(trainRows)), validation: subset(d, sorted(valRows)) };
}
