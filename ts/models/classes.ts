/**
 * The class labels of the classifiers that take any labels (SoftmaxRegression, MLPClassifier):
 * learned from the targets by a fresh fit (sorted distinct labels), taken from a Dataset's or a
 * CSV stream's encoder, or fixed by the `classes` option; saved with the model. Class i is index
 * i of `classes`; the engines train on the indices.
 */
import type { Dataset } from '../data/dataset.js';
import { type ClassValue, LabelEncoder } from '../data/encoders.js';
import { type Chunk, CSVStream } from '../data/stream.js';
import { InvalidDataError, InvalidModelError, InvalidOptionError } from '../errors.js';
import type { Targets } from './linear-model.js';

/** A classifier's classes and how its targets map to class indices (see the file's comment). */
export class ClassLabels {
  /** The current classes (replaced by a fresh fit that learns them; put back when it fails). */
  encoder: LabelEncoder;
  /** The classes were given by the `classes` option: fits never learn others. */
  readonly fixed: boolean;

  constructor(classes: ClassValue[] | undefined) {
    this.fixed = classes !== undefined;
    this.encoder = new LabelEncoder(classes);
    if (this.fixed && this.encoder.nClasses < 2) {
      throw new InvalidOptionError('classes', classes, 'classes must list at least two classes: a classifier needs two');
    }
  }

  /** The targets as class indices; `learn` (a fresh fit without fixed classes): the classes are learned from them. */
  encode(y: Targets, rows: number, learn: boolean, argument: string): Float32Array {
    checkTargetCount(y, rows, argument);
    if (learn && !this.fixed) {
      const e = new LabelEncoder().fit(y, argument);
      if (e.nClasses < 2) {
        throw new InvalidDataError('INVALID_LABEL', `${argument} has a single class (${String(e.classes[0])}): a classifier needs at least two`, {
          argument,
        });
      }
      const t = e.transform(y, argument);
      this.encoder = e;
      return t;
    }
    return this.encoder.transform(y, argument);
  }

  /** `encode` with the current classes, fixed: for a stream's chunks, read while training runs. */
  targetEncoder(): (y: Targets, rows: number) => Float32Array {
    const encoder = this.encoder;
    return (y, rows) => {
      checkTargetCount(y, rows, 'y');
      return encoder.transform(y, 'y');
    };
  }

  /** Whether a fresh fit on this stream must learn the classes from its targets. */
  needsClasses(source: AsyncIterable<Chunk>): boolean {
    return !this.fixed && !(source instanceof CSVStream && source.labelEncoder);
  }

  /** A chunk's targets as labels (a CSV stream encoded them). */
  chunkTargets(c: Chunk, source: AsyncIterable<Chunk>): Targets {
    return source instanceof CSVStream && source.labelEncoder ? (source.labelEncoder.inverseTransform(c.y) as Targets) : c.y;
  }

  /** A Dataset's targets as labels. */
  datasetTargets(d: Dataset): Targets {
    return d.labelEncoder ? (d.labelEncoder.inverseTransform(d.y!) as Targets) : d.y!;
  }

  /** A Dataset's classes become the model's (in their order), unless the model fixed its own. */
  take(encoder: LabelEncoder, learn: boolean): void {
    if (learn && !this.fixed) {
      if (encoder.nClasses < 2) {
        throw new InvalidDataError('INVALID_LABEL', `this dataset's target has ${encoder.nClasses} class: a classifier needs at least two`, { argument: 'y' });
      }
      this.encoder = LabelEncoder.fromJSON(encoder.toJSON());
    }
  }

  /** The classes, or null before any fit learned them. */
  list(): readonly ClassValue[] | null {
    return this.encoder.isFitted ? this.encoder.classes : null;
  }

  /** The `classes` option, for toJSON, when it was given. */
  options(): Record<string, unknown> {
    return this.fixed ? { classes: this.encoder.classes } : {};
  }

  /** The classes of a snapshot (`fitted`: the snapshot holds parameters, so it must have them). */
  restore(classes: unknown, fitted: boolean, model: string): void {
    if (classes === undefined || classes === null) {
      if (fitted) throw new InvalidModelError(`the snapshot of a fitted ${model} needs its 'classes'`);
      return;
    }
    try {
      this.encoder = new LabelEncoder(classes as ClassValue[]);
      if (this.encoder.nClasses < 2) throw new InvalidModelError("the snapshot's classes must list at least two classes");
    } catch (e) {
      throw new InvalidModelError(`the snapshot's classes are invalid: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Accuracy of predicted labels against the targets y (labels). */
  accuracy(predicted: readonly ClassValue[], y: Targets): number {
    const t = this.encoder.transform(y);
    const classes = this.encoder.classes;
    let hits = 0;
    for (let i = 0; i < t.length; i++) if (predicted[i] === classes[t[i]]) hits++;
    return hits / t.length;
  }
}

/** softmax(z), computed stably: each row of probabilities sums to 1. */
export function softmax(z: readonly number[]): number[] {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** The index of the first largest value. */
export function argmax(z: readonly number[]): number {
  return z.indexOf(Math.max(...z));
}

function checkTargetCount(y: Targets, rows: number, argument: string): void {
  if (y === null || typeof y !== 'object' || typeof (y as ArrayLike<unknown>).length !== 'number' || (y as ArrayLike<unknown>).length !== rows) {
    const n = y !== null && typeof y === 'object' ? (y as ArrayLike<unknown>).length : undefined;
    throw new InvalidDataError(
      typeof n === 'number' ? 'SHAPE_MISMATCH' : 'INVALID_DATA',
      typeof n === 'number'
        ? `${argument} has ${n} values but X has ${rows} rows: they must have one target per row`
        : `${argument} must be an array of labels, one per row`,
      { argument },
    );
  }
}
