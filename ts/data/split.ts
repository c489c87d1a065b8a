/**
 * Splitting rows for evaluation: `trainTestSplit` (scikit-learn's train_test_split) and `kFold`
 * (KFold / StratifiedKFold) for cross-validation. Seeded with the package's Rng, so the same seed
 * gives the same split.
 *
 * Stratified splits keep each class's share of the rows: the test rows are shared out among the
 * classes by largest remainders (Hamilton's apportionment of n_test over the class counts), so
 * every class gets its exact share rounded down or up, and then every class is put in both parts
 * when it has the rows for it. When a class cannot be (one row, or more classes than test rows),
 * the split is refused with an error that names the class and what to change.
 */
import type { Dataset } from './dataset.js';
import { InvalidDataError, InvalidOptionError } from '../errors.js';
import { boolean, plainObject, positiveInteger, rejectUnknown, seed as checkSeed } from '../train/validate.js';
import { Rng } from './random.js';
import { show } from './encoders.js';

/** Options of `trainTestSplit`. */
export interface TrainTestSplitOptions {
  /** The test part: a fraction in (0, 1) of the rows (rounded up), or a whole number of rows (≥ 1). Default 0.25. */
  testSize?: number;
  /** Shuffle the rows before splitting. Default true; false takes the last rows as the test part. */
  shuffle?: boolean;
  /**
   * Keep each class's proportion in both parts: true stratifies by the dataset's targets, or
   * pass the labels to stratify by (one per row). Default false. Needs shuffle.
   */
  stratify?: boolean | ArrayLike<number>;
  /** Seed of the shuffle. Default: fresh. */
  seed?: number;
}

/** Options of `kFold`. */
export interface KFoldOptions {
  /** Number of folds k ≥ 2: each row is in the test part of exactly one fold. Default 5. */
  folds?: number;
  /**
   * Shuffle the rows before dealing them into folds. Default true (scikit-learn's KFold defaults
   * to false; data files are often sorted by class or time, which makes unshuffled folds
   * misleading, and the seed keeps the folds reproducible).
   */
  shuffle?: boolean;
  /** As for trainTestSplit: each fold keeps each class's proportion. Default false. */
  stratify?: boolean | ArrayLike<number>;
  /** Seed of the shuffle. Default: fresh. */
  seed?: number;
}

/** One fold of `kFold`: the rows to train on and the rows to test on. */
export interface Fold {
  /** Rows to train on, ascending. */
  readonly trainIndices: Uint32Array;
  /** Rows to evaluate on, ascending. */
  readonly testIndices: Uint32Array;
}

/** The folds of kFold: iterable (each fold made when reached), with their number. */
export interface Folds extends Iterable<Fold> {
  readonly folds: number;
}

interface Classes {
  /** Class of each row, 0..k−1. */
  readonly of: Uint32Array;
  /** Rows of each class. */
  readonly counts: number[];
  /** How to name class k in a message. */
  readonly label: (k: number) => string;
}

function isDataset(v: unknown): v is Dataset {
  return v !== null && typeof v === 'object' && 'x' in v && 'featureNames' in v && typeof (v as Dataset).subset === 'function';
}

/** Groups the rows by class, classes in ascending order of their label value. */
function classesOf(stratify: true | ArrayLike<number>, n: number, dataset: Dataset | null): Classes {
  let labels: ArrayLike<number>;
  if (stratify === true) {
    if (!dataset || !dataset.y) {
      throw new InvalidOptionError('stratify', stratify, 'stratify: true stratifies by the targets, but there are none: pass a Dataset with targets, or the labels as stratify');
    }
    labels = dataset.y;
  } else {
    if (typeof stratify !== 'object' || stratify === null || typeof stratify.length !== 'number') {
      throw new InvalidOptionError('stratify', stratify, `stratify must be true, false or the labels (one per row), got ${show(stratify)}`);
    }
    if (stratify.length !== n) throw new InvalidOptionError('stratify', stratify, `stratify has ${stratify.length} labels for ${n} rows`);
    labels = stratify;
  }
  const values = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const v = labels[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new InvalidDataError('INVALID_LABEL', `the label of row ${i} is ${show(v)}: stratifying needs finite numeric labels`, { argument: 'stratify', row: i });
    }
    values.set(v, (values.get(v) ?? 0) + 1);
  }
  const sorted = [...values.keys()].sort((a, b) => a - b);
  const index = new Map(sorted.map((v, k) => [v, k]));
  const of = new Uint32Array(n);
  for (let i = 0; i < n; i++) of[i] = index.get(labels[i])!;
  const encoder = stratify === true ? dataset?.labelEncoder : undefined;
  return {
    of,
    counts: sorted.map((v) => values.get(v)!),
    label: (k) => (encoder ? `${show(encoder.classes[sorted[k]])} (index ${sorted[k]})` : String(sorted[k])),
  };
}

function stratifyOption(v: unknown): boolean | ArrayLike<number> {
  if (v === undefined) return false;
  if (typeof v === 'boolean') return v;
  if (v !== null && typeof v === 'object' && typeof (v as ArrayLike<number>).length === 'number') return v as ArrayLike<number>;
  throw new InvalidOptionError('stratify', v, `stratify must be true, false or the labels (one per row), got ${show(v)}`);
}

/** The number of test rows of testSize. */
function testRows(testSize: unknown, n: number): number {
  if (typeof testSize !== 'number' || !Number.isFinite(testSize) || testSize <= 0 || (testSize >= 1 && !Number.isInteger(testSize))) {
    throw new InvalidOptionError('testSize', testSize, `testSize must be a fraction in (0, 1) or a whole number of rows ≥ 1, got ${show(testSize)}`);
  }
  const nTest = testSize < 1 ? Math.ceil(testSize * n) : testSize;
  if (nTest >= n) {
    throw new InvalidOptionError('testSize', testSize, `testSize = ${testSize} leaves no training rows out of ${n}: use a smaller testSize${n < 2 ? ' (or more data: a split needs at least 2 rows)' : ''}`);
  }
  return nTest;
}

/**
 * Test rows per class: Hamilton's apportionment of nTest over the class counts, then at least one
 * test row and one training row per class.
 */
function apportion(counts: number[], nTest: number, label: (k: number) => string, testSize: unknown): number[] {
  const n = counts.reduce((a, b) => a + b, 0);
  const k = counts.length;
  counts.forEach((c, j) => {
    if (c < 2) {
      throw new InvalidDataError(
        'INVALID_LABEL',
        `class ${label(j)} has only ${c} row: a stratified split puts every class in both parts, which takes at least 2 rows of each; ` +
          'add rows of that class, remove or merge it, or pass stratify: false',
        { argument: 'stratify' },
      );
    }
  });
  if (k > nTest || k > n - nTest) {
    const part = k > nTest ? `test part has ${nTest}` : `training part has ${n - nTest}`;
    throw new InvalidOptionError(
      'testSize',
      testSize,
      `there are ${k} classes but the ${part} rows: a stratified split needs at least one row of every class in each part; ` +
        `${k > nTest ? `raise testSize to at least ${k} rows (${(k / n).toFixed(3)} of the data)` : `lower testSize to at most ${n - k} rows`}, or pass stratify: false`,
    );
  }
  const ideal = counts.map((c) => (c * nTest) / n);
  const t = ideal.map(Math.floor);
  let left = nTest - t.reduce((a, b) => a + b, 0);
  // Largest remainders first; ties to the class listed first (deterministic).
  const byRemainder = counts.map((_, j) => j).sort((a, b) => ideal[b] - t[b] - (ideal[a] - t[a]) || a - b);
  for (const j of byRemainder) {
    if (left === 0) break;
    t[j]++;
    left--;
  }
  // Every class in the test part: take a row from the class furthest above its share.
  for (let j = 0; j < k; j++) {
    if (t[j] > 0) continue;
    let donor = -1;
    for (let d = 0; d < k; d++) if (t[d] >= 2 && (donor < 0 || t[d] - ideal[d] > t[donor] - ideal[donor])) donor = d;
    t[donor]--;
    t[j]++;
  }
  // Every class in the training part: give a test row to the class furthest below its share.
  for (let j = 0; j < k; j++) {
    if (t[j] < counts[j]) continue;
    let taker = -1;
    for (let d = 0; d < k; d++) if (d !== j && counts[d] - t[d] >= 2 && (taker < 0 || ideal[d] - t[d] > ideal[taker] - t[taker])) taker = d;
    t[j]--;
    t[taker]++;
  }
  return t;
}

function indicesOf(n: number): Uint32Array {
  const a = new Uint32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}

/** The row indices of a train/test split (what trainTestSplit applies to a Dataset). */
export function trainTestIndices(data: number | Dataset, options: TrainTestSplitOptions = {}): Fold {
  const { n, dataset } = rowsOf(data);
  const o = plainObject('trainTestSplit options', options);
  rejectUnknown(o, ['testSize', 'shuffle', 'stratify', 'seed'], 'trainTestSplit');
  const nTest = testRows(o.testSize ?? 0.25, n);
  const shuffle = o.shuffle === undefined ? true : boolean('shuffle', o.shuffle);
  const stratify = stratifyOption(o.stratify);
  const rng = new Rng(o.seed === undefined ? Rng.freshSeed() : checkSeed('seed', o.seed));
  if (stratify !== false) {
    if (!shuffle) {
      throw new InvalidOptionError('shuffle', false, 'a stratified split picks rows at random within each class: it needs shuffle: true (or pass stratify: false)');
    }
    const classes = classesOf(stratify, n, dataset);
    const perClass = apportion(classes.counts, nTest, classes.label, o.testSize ?? 0.25);
    const members = classes.counts.map((c) => new Uint32Array(c));
    const filled = new Array<number>(classes.counts.length).fill(0);
    for (let i = 0; i < n; i++) members[classes.of[i]][filled[classes.of[i]]++] = i;
    const test = new Uint32Array(nTest);
    const train = new Uint32Array(n - nTest);
    let a = 0;
    let b = 0;
    members.forEach((rows, j) => {
      rng.shuffle(rows);
      test.set(rows.subarray(0, perClass[j]), a);
      train.set(rows.subarray(perClass[j]), b);
      a += perClass[j];
      b += rows.length - perClass[j];
    });
    // Mix the classes (the parts would otherwise be sorted by class).
    rng.shuffle(train);
    rng.shuffle(test);
    return { trainIndices: train, testIndices: test };
  }
  const order = indicesOf(n);
  if (!shuffle) return { trainIndices: order.slice(0, n - nTest), testIndices: order.slice(n - nTest) };
  rng.shuffle(order);
  return { trainIndices: order.slice(nTest), testIndices: order.slice(0, nTest) };
}

/**
 * Splits a dataset into a training and a test part (copies of the rows), by default 75/25, in
 * random order, seeded. With `stratify`, each part keeps each class's proportion of the rows.
 */
export function trainTestSplit(dataset: Dataset, options: TrainTestSplitOptions = {}): { train: Dataset; test: Dataset } {
  if (!isDataset(dataset)) {
    throw new InvalidDataError('INVALID_DATA', `trainTestSplit takes a Dataset (Dataset.fromArrays, fromObjects, fromCSV), got ${show(dataset)}`, { argument: 'dataset' });
  }
  const { trainIndices, testIndices } = trainTestIndices(dataset, options);
  return { train: dataset.subset(trainIndices), test: dataset.subset(testIndices) };
}

function rowsOf(data: unknown): { n: number; dataset: Dataset | null } {
  if (isDataset(data)) return { n: data.rows, dataset: data };
  if (typeof data === 'number') return { n: positiveInteger('rows', data), dataset: null };
  throw new InvalidDataError('INVALID_DATA', `expected a Dataset or a number of rows, got ${show(data)}`, { argument: 'data' });
}

/**
 * k-fold cross-validation: the rows dealt into `folds` parts of equal size (±1; the first
 * n mod k folds have one more, as in scikit-learn); fold i tests on part i and trains on the rest.
 * With `stratify`, each class is dealt round the folds in turn, so each fold holds its share of
 * every class (±1 row), and every class must have at least `folds` rows.
 */
export function kFold(data: number | Dataset, options: KFoldOptions = {}): Folds {
  const { n, dataset } = rowsOf(data);
  const o = plainObject('kFold options', options);
  rejectUnknown(o, ['folds', 'shuffle', 'stratify', 'seed'], 'kFold');
  const k = o.folds === undefined ? 5 : positiveInteger('folds', o.folds);
  if (k < 2) throw new InvalidOptionError('folds', k, 'folds must be at least 2: each fold trains on the rows of the others');
  if (k > n) throw new InvalidOptionError('folds', k, `folds = ${k} is more than the ${n} rows: every fold needs a test row; use folds ≤ ${n}`);
  const shuffle = o.shuffle === undefined ? true : boolean('shuffle', o.shuffle);
  const stratify = stratifyOption(o.stratify);
  const rng = new Rng(o.seed === undefined ? Rng.freshSeed() : checkSeed('seed', o.seed));
  const foldOf = new Uint32Array(n);
  if (stratify !== false) {
    const classes = classesOf(stratify, n, dataset);
    classes.counts.forEach((c, j) => {
      if (c < k) {
        throw new InvalidDataError(
          'INVALID_LABEL',
          `class ${classes.label(j)} has ${c} row${c === 1 ? '' : 's'} but folds = ${k}: stratified folds put every class in every test part; ` +
            `lower folds to ${Math.max(2, c)}${c < 2 ? ' (and add rows of that class)' : ''}, add rows of that class, or pass stratify: false`,
          { argument: 'stratify' },
        );
      }
    });
    const members = classes.counts.map((c) => new Uint32Array(c));
    const filled = new Array<number>(classes.counts.length).fill(0);
    for (let i = 0; i < n; i++) members[classes.of[i]][filled[classes.of[i]]++] = i;
    // Deal class after class round the folds, continuing where the previous class stopped.
    let next = 0;
    for (const rows of members) {
      if (shuffle) rng.shuffle(rows);
      for (let i = 0; i < rows.length; i++) {
        foldOf[rows[i]] = next;
        next = (next + 1) % k;
      }
    }
  } else {
    const order = indicesOf(n);
    if (shuffle) rng.shuffle(order);
    const base = Math.floor(n / k);
    const extra = n % k;
    let start = 0;
    for (let f = 0; f < k; f++) {
      const size = base + (f < extra ? 1 : 0);
      for (let i = start; i < start + size; i++) foldOf[order[i]] = f;
      start += size;
    }
  }
  const sizes = new Array<number>(k).fill(0);
  for (let i = 0; i < n; i++) sizes[foldOf[i]]++;
  return {
    folds: k,
    *[Symbol.iterator](): Iterator<Fold> {
      for (let f = 0; f < k; f++) {
        const test = new Uint32Array(sizes[f]);
        const train = new Uint32Array(n - sizes[f]);
        let a = 0;
        let b = 0;
        for (let i = 0; i < n; i++) {
          if (foldOf[i] === f) test[a++] = i;
          else train[b++] = i;
        }
        yield { trainIndices: train, testIndices: test };
      }
    },
  };
}
