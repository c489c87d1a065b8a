import { type Dataset, type Features, LinearModel, type LinearModelOptions, type ModelJSON, type Targets } from './linear-model.js';
import { type ClassValue, LabelEncoder } from '../data/encoders.js';
import { type Chunk, CSVStream } from '../data/stream.js';
import { InvalidDataError, InvalidModelError, InvalidOptionError } from '../errors.js';

/** Options of SoftmaxRegression: those of every model, and the classes. */
export interface SoftmaxRegressionOptions extends LinearModelOptions {
  /** The classes, in the order of their indices; by default the sorted distinct labels of y seen by fit. */
  classes?: ClassValue[];
}

/**
 * Multinomial logistic (softmax) regression: minimizes the mean cross-entropy of
 * P(y = c | x) = softmax(W·x + b)_c, plus (λ/2)‖W‖² + λ₁‖W‖₁. Labels may be any values (numbers,
 * strings, booleans); they are mapped to classes 0..k−1 by an encoder saved with the model.
 */
export class SoftmaxRegression extends LinearModel {
  protected readonly modelName = 'SoftmaxRegression';
  protected readonly objective = 'crossEntropy' as const;
  protected readonly scoreKind = 'accuracy' as const;
  private encoder: LabelEncoder;
  private readonly fixedClasses: boolean;

  constructor(options: SoftmaxRegressionOptions = {}) {
    super(options, ['classes']);
    this.fixedClasses = options.classes !== undefined;
    this.encoder = new LabelEncoder(options.classes);
    if (this.fixedClasses && this.encoder.nClasses < 2) {
      throw new InvalidOptionError('classes', options.classes, 'classes must list at least two classes: a classifier needs two');
    }
  }

  protected encodeTargets(y: Targets, rows: number, learn: boolean, argument = 'y'): Float32Array {
    checkTargetCount(y, rows, argument);
    if (learn && !this.fixedClasses) {
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

  protected override targetEncoder(): (y: Targets, rows: number) => Float32Array {
    const encoder = this.encoder;
    return (y, rows) => {
      checkTargetCount(y, rows, 'y');
      return encoder.transform(y, 'y');
    };
  }

  protected override captureExtra(): unknown {
    return this.encoder;
  }

  protected override restoreExtra(extra: unknown): void {
    this.encoder = extra as LabelEncoder;
  }

  protected outputs(): number {
    return this.encoder.nClasses;
  }

  protected override needsClasses(source: AsyncIterable<Chunk>): boolean {
    return !this.fixedClasses && !(source instanceof CSVStream && source.labelEncoder);
  }

  protected override chunkTargets(c: Chunk, source: AsyncIterable<Chunk>): Targets {
    return source instanceof CSVStream && source.labelEncoder ? (source.labelEncoder.inverseTransform(c.y) as Targets) : c.y;
  }

  protected override datasetTargets(d: Dataset): Targets {
    return d.labelEncoder ? (d.labelEncoder.inverseTransform(d.y!) as Targets) : d.y!;
  }

  /** A Dataset's classes become the model's (in their order), unless the model fixed its own. */
  protected override takeEncoder(encoder: LabelEncoder, learn: boolean): void {
    if (learn && !this.fixedClasses) {
      if (encoder.nClasses < 2) {
        throw new InvalidDataError('INVALID_LABEL', `this dataset's target has ${encoder.nClasses} class: a classifier needs at least two`, { argument: 'y' });
      }
      this.encoder = LabelEncoder.fromJSON(encoder.toJSON());
    }
  }

  protected classList(): readonly ClassValue[] | null {
    return this.encoder.isFitted ? this.encoder.classes : null;
  }

  protected override extraOptions(): Record<string, unknown> {
    return this.fixedClasses ? { classes: this.encoder.classes } : {};
  }

  /** The classes, class i at index i. */
  get classes(): ClassValue[] {
    return this.encoder.classes;
  }

  /** One row of weights per class (copies, float32). */
  get weights(): Float32Array[] {
    const { weights, nFeatures: d, nOutputs: k } = this.state;
    return Array.from({ length: k }, (_, c) => weights.slice(c * d, (c + 1) * d));
  }

  /** The intercept of each class. */
  get bias(): Float32Array {
    return this.state.bias.slice();
  }

  /** W·x + b: one row of k scores per row of X. */
  decisionFunction(X: Features): number[][] {
    const { z, rows } = this.scores(X);
    const k = this.state.nOutputs;
    return Array.from({ length: rows }, (_, r) => Array.from(z.subarray(r * k, (r + 1) * k)));
  }

  /** P(y = c | x) for every row and class; each row sums to 1 (softmax, computed stably). */
  predictProba(X: Features): number[][] {
    return this.decisionFunction(X).map((z) => {
      const m = Math.max(...z);
      const e = z.map((v) => Math.exp(v - m));
      const s = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / s);
    });
  }

  /** The most probable class of every row (the first one on ties). */
  predict(X: Features): ClassValue[] {
    const idx = this.decisionFunction(X).map((z) => z.indexOf(Math.max(...z)));
    return this.encoder.inverseTransform(idx);
  }

  /** Accuracy: the fraction of rows whose predicted class equals y. */
  score(X: Features, y?: Targets): number {
    const p = this.predict(X);
    const t = this.encoder.transform(this.scoreTargets(X, y));
    const classes = this.encoder.classes;
    let hits = 0;
    for (let i = 0; i < t.length; i++) if (p[i] === classes[t[i]]) hits++;
    return hits / t.length;
  }

  /** A model from `toJSON()` output (an object or its JSON text); throws InvalidModelError when it is not one. */
  static fromJSON(json: ModelJSON | string): SoftmaxRegression {
    return LinearModel.restore(SoftmaxRegression, 'SoftmaxRegression', json, (model, j) => {
      if (j.classes === undefined || j.classes === null) {
        if (j.weights !== null && j.weights !== undefined) throw new InvalidModelError("the snapshot of a fitted SoftmaxRegression needs its 'classes'");
        return;
      }
      try {
        model.encoder = new LabelEncoder(j.classes);
        if (model.encoder.nClasses < 2) throw new InvalidModelError("the snapshot's classes must list at least two classes");
      } catch (e) {
        throw new InvalidModelError(`the snapshot's classes are invalid: ${e instanceof Error ? e.message : String(e)}`);
      }
    });
  }
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
