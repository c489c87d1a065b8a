import { type Features, LinearModel, type LinearModelOptions, type ModelJSON, type Targets } from './linear-model.js';
import type { ClassValue } from '../data/encoders.js';
import { ClassLabels, argmax, softmax } from './classes.js';

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
  protected override labels: ClassLabels;

  constructor(options: SoftmaxRegressionOptions = {}) {
    super(options, ['classes']);
    this.labels = new ClassLabels(options.classes);
  }

  protected encodeTargets(y: Targets, rows: number, learn: boolean, argument = 'y'): Float32Array {
    return this.labels.encode(y, rows, learn, argument);
  }

  protected outputs(): number {
    return this.labels.encoder.nClasses;
  }

  protected classList(): readonly ClassValue[] | null {
    return this.labels.list();
  }

  protected override extraOptions(): Record<string, unknown> {
    return this.labels.options();
  }

  /** The classes, class i at index i. */
  get classes(): ClassValue[] {
    return this.labels.encoder.classes;
  }

  /** One row of weights per class (copies, float32). */
  get weights(): Float32Array[] {
    const weights = this.linearWeights();
    const { nFeatures: d, nOutputs: k } = this.state;
    return Array.from({ length: k }, (_, c) => weights.slice(c * d, (c + 1) * d));
  }

  /** The intercept of each class. */
  get bias(): Float32Array {
    return this.linearBias();
  }

  /** W·x + b: one row of k scores per row of X. */
  decisionFunction(X: Features): number[][] {
    const { z, rows } = this.scores(X);
    const k = this.state.nOutputs;
    return Array.from({ length: rows }, (_, r) => Array.from(z.subarray(r * k, (r + 1) * k)));
  }

  /** P(y = c | x) for every row and class; each row sums to 1 (softmax, computed stably). */
  predictProba(X: Features): number[][] {
    return this.decisionFunction(X).map(softmax);
  }

  /** The most probable class of every row (the first one on ties). */
  predict(X: Features): ClassValue[] {
    return this.labels.encoder.inverseTransform(this.decisionFunction(X).map(argmax));
  }

  /** Accuracy: the fraction of rows whose predicted class equals y. */
  score(X: Features, y?: Targets): number {
    return this.labels.accuracy(this.predict(X), this.scoreTargets(X, y));
  }

  /** A model from `toJSON()` output (an object or its JSON text); throws InvalidModelError when it is not one. */
  static fromJSON(json: ModelJSON | string): SoftmaxRegression {
    return LinearModel.restore(SoftmaxRegression, 'SoftmaxRegression', json, (model, j) => {
      model.labels.restore(j.classes, j.weights !== null && j.weights !== undefined, 'SoftmaxRegression');
    });
  }
}
