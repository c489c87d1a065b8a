/**
 * The multi-layer perceptrons: a stack of dense hidden layers and an output layer
 * (../engine/types.ts, "The model"), trained by the same fit loop as the linear models, with
 * every fit option they take. MLPClassifier: one logistic output for two classes (logLoss), k
 * outputs for k > 2 classes (crossEntropy). MLPRegressor: squaredError, one output per target.
 */
import type { ActivationName, HiddenLayer, ObjectiveName } from '../engine/types.js';
import { type ClassValue } from '../data/encoders.js';
import { toMatrix, toVector } from '../data/matrix.js';
import { InvalidDataError, InvalidModelError, InvalidOptionError } from '../errors.js';
import type { InitName } from '../train/options.js';
import { oneOf } from '../train/validate.js';
import { ClassLabels, argmax, softmax } from './classes.js';
import { type Features, type LinearModelOptions, type ModelJSON, type Targets, Estimator, rSquared, sigmoid } from './linear-model.js';

/** Options of the multi-layer perceptrons: those of every model, and the hidden layers. */
export interface MLPOptions extends LinearModelOptions {
  /**
   * Units of each hidden layer, from the features' side: integers ≥ 1, e.g. [64, 32]. [] is no
   * hidden layer (a linear model, trained and saved as a network). Default [100] (scikit-learn's).
   */
  hiddenLayers?: readonly number[];
  /** The activation of every hidden layer: 'relu' (default), 'leakyRelu' (slope 0.01), 'tanh', 'logistic' or 'identity'. */
  activation?: ActivationName;
}

/** Options of MLPClassifier: those of every network, and the classes. */
export interface MLPClassifierOptions extends MLPOptions {
  /** The classes, in the order of their indices; by default the sorted distinct labels of y seen by fit. */
  classes?: ClassValue[];
}

/** The activations a hidden layer may have. */
const ACTIVATIONS = ['relu', 'leakyRelu', 'tanh', 'logistic', 'identity'] as const satisfies readonly ActivationName[];

/** The engines' bound on a layer's units (../engine/types.ts: an integer in [1, 2³² − 1]). */
const MAX_UNITS = 0xffffffff;

function hiddenLayerSizes(v: unknown): number[] {
  const bad = () =>
    new InvalidOptionError('hiddenLayers', v, `hiddenLayers must be an array of the units of each hidden layer, integers from 1 to ${MAX_UNITS} (e.g. [64, 32]; [] for none)`);
  if (!Array.isArray(v)) throw bad();
  const units: number[] = [];
  for (let i = 0; i < v.length; i++) {
    const u: unknown = v[i];
    if (typeof u !== 'number' || !Number.isInteger(u) || u < 1 || u > MAX_UNITS) throw bad();
    units.push(u);
  }
  return units;
}

/** What MLPClassifier and MLPRegressor share: the hidden layers, their activation, the initialization. */
abstract class MultiLayerPerceptron extends Estimator {
  /** Units of each hidden layer, from the features' side (a copy of the option). */
  readonly hiddenLayers: readonly number[];
  /** The activation of every hidden layer. */
  readonly activation: ActivationName;

  constructor(options: MLPOptions, extra: readonly string[] = []) {
    super(options, ['hiddenLayers', 'activation', ...extra]);
    this.hiddenLayers = Object.freeze(options.hiddenLayers === undefined ? [100] : hiddenLayerSizes(options.hiddenLayers));
    this.activation = options.activation === undefined ? 'relu' : oneOf('activation', options.activation, ACTIVATIONS);
  }

  protected override hiddenStack(): readonly HiddenLayer[] {
    return this.hiddenLayers.map((units) => ({ units, activation: this.activation }));
  }

  protected override extraOptions(): Record<string, unknown> {
    return { hiddenLayers: [...this.hiddenLayers], activation: this.activation };
  }

  /** 'auto' stays 'auto' (He or Glorot per layer, the fit loop's initialParams); 'zeros' would keep every hidden unit alike. */
  protected override resolveInit(init: InitName): InitName {
    if (init === 'zeros' && this.hiddenLayers.length > 0) {
      throw new InvalidOptionError('init', init, "init 'zeros' leaves every unit of a hidden layer alike (they would learn the same thing): use 'auto', 'glorot', 'he' or 'uniform'");
    }
    return init;
  }
}

/**
 * A multi-layer perceptron classifier: hidden layers with the activation, then one logistic
 * output for two classes (mean log-loss) or a softmax over k > 2 classes (mean cross-entropy),
 * plus (λ/2)‖W‖² + λ₁‖W‖₁ over every layer's weights. Labels may be any values (numbers, strings,
 * booleans); they are mapped to classes 0..k−1 by an encoder saved with the model.
 */
export class MLPClassifier extends MultiLayerPerceptron {
  protected readonly modelName = 'MLPClassifier';
  protected readonly scoreKind = 'accuracy' as const;
  protected override labels: ClassLabels;

  constructor(options: MLPClassifierOptions = {}) {
    super(options, ['classes']);
    this.labels = new ClassLabels(options.classes);
  }

  /** Two classes: one logistic output; more: a softmax over one output per class. */
  protected get objective(): ObjectiveName {
    return this.labels.encoder.nClasses > 2 ? 'crossEntropy' : 'logLoss';
  }

  protected encodeTargets(y: Targets, rows: number, learn: boolean, argument = 'y'): Float32Array {
    return this.labels.encode(y, rows, learn, argument);
  }

  protected outputs(): number {
    const k = this.labels.encoder.nClasses;
    return k > 2 ? k : 1;
  }

  protected classList(): readonly ClassValue[] | null {
    return this.labels.list();
  }

  protected override extraOptions(): Record<string, unknown> {
    return { ...super.extraOptions(), ...this.labels.options() };
  }

  /** The classes, class i at index i. */
  get classes(): ClassValue[] {
    return this.labels.encoder.classes;
  }

  /** P(y = c | x) for every row and class (rows × classes, also for two classes, as scikit-learn); each row sums to 1. */
  predictProba(X: Features): number[][] {
    const { z, rows } = this.scores(X);
    const k = this.state.nOutputs;
    if (k === 1) {
      return Array.from(z, (v) => {
        const p = sigmoid(v);
        return [1 - p, p];
      });
    }
    return Array.from({ length: rows }, (_, r) => softmax(Array.from(z.subarray(r * k, (r + 1) * k))));
  }

  /** The most probable class of every row (two classes: the second where its probability is > 0.5; more: the first on ties). */
  predict(X: Features): ClassValue[] {
    const { z, rows } = this.scores(X);
    const k = this.state.nOutputs;
    const idx = k === 1 ? Array.from(z, (v) => (v > 0 ? 1 : 0)) : Array.from({ length: rows }, (_, r) => argmax(Array.from(z.subarray(r * k, (r + 1) * k))));
    return this.labels.encoder.inverseTransform(idx);
  }

  /** Accuracy: the fraction of rows whose predicted class equals y. */
  score(X: Features, y?: Targets): number {
    return this.labels.accuracy(this.predict(X), this.scoreTargets(X, y));
  }

  /** A model from `toJSON()` output (an object or its JSON text); throws InvalidModelError when it is not one. */
  static fromJSON(json: ModelJSON | string): MLPClassifier {
    return Estimator.restore(MLPClassifier, 'MLPClassifier', json, (model, j) => {
      model.labels.restore(j.classes, j.weights !== null && j.weights !== undefined, 'MLPClassifier');
    });
  }
}

/**
 * A multi-layer perceptron regressor: hidden layers with the activation, then one identity
 * output per target, minimizing ½·mean(Σ_j (z_j − y_j)²) + (λ/2)‖W‖² + λ₁‖W‖₁ over every layer's
 * weights. y is a vector (one target) or rows of numbers (several targets, one output each).
 */
export class MLPRegressor extends MultiLayerPerceptron {
  protected readonly modelName = 'MLPRegressor';
  protected readonly objective = 'squaredError' as const;
  protected readonly scoreKind = 'r2' as const;
  /** Targets per row (outputs): learned by a fresh fit from the shape of y. */
  private nTargets = 1;

  constructor(options: MLPOptions = {}) {
    super(options);
  }

  /** y as a vector (one output), or rows of numbers (rows × outputs, row-major). */
  protected encodeTargets(y: Targets, rows: number, learn: boolean, argument = 'y'): Float32Array {
    const first = (y as ArrayLike<unknown> | null)?.[0];
    let k = 1;
    let t: Float32Array;
    if (first !== null && typeof first === 'object') {
      const m = toMatrix(y, undefined, argument);
      if (m.rows !== rows) {
        throw new InvalidDataError('SHAPE_MISMATCH', `${argument} has ${m.rows} rows of targets but X has ${rows} rows: they must have one row of targets per row`, { argument });
      }
      k = m.cols;
      t = m.data;
    } else t = toVector(y, rows, argument);
    if (learn) this.nTargets = k;
    else if (k !== this.nTargets) {
      throw new InvalidDataError('SHAPE_MISMATCH', `${argument} has ${k} targets per row, this MLPRegressor has ${this.nTargets} outputs`, { argument });
    }
    return t;
  }

  protected override takeEncoder(): void {
    throw new InvalidDataError('INVALID_LABEL', 'MLPRegressor needs a numeric target; this dataset has a categorical one', { argument: 'y' });
  }

  protected outputs(): number {
    return this.nTargets;
  }

  protected override captureExtra(): unknown {
    return this.nTargets;
  }

  protected override restoreExtra(extra: unknown): void {
    this.nTargets = extra as number;
  }

  protected classList(): null {
    return null;
  }

  /** The predicted targets: one per row (a Float64Array) with one output; a row of them per row with several. */
  predict(X: Features): Float64Array | number[][] {
    const { z, rows } = this.scores(X);
    const k = this.state.nOutputs;
    return k === 1 ? z : Array.from({ length: rows }, (_, r) => Array.from(z.subarray(r * k, (r + 1) * k)));
  }

  /**
   * The coefficient of determination R² = 1 − SS_res / SS_tot (1 is perfect; can be negative);
   * with several outputs, the mean of each output's R² (scikit-learn's 'uniform_average').
   */
  score(X: Features, y?: Targets): number {
    const { z, rows } = this.scores(X);
    const k = this.state.nOutputs;
    const t = this.encodeTargets(this.scoreTargets(X, y), rows, false);
    let sum = 0;
    for (let j = 0; j < k; j++) sum += rSquared(t, z, j, k);
    return sum / k;
  }

  /** A model from `toJSON()` output (an object or its JSON text); throws InvalidModelError when it is not one. */
  static fromJSON(json: ModelJSON | string): MLPRegressor {
    return Estimator.restore(MLPRegressor, 'MLPRegressor', json, (model, j) => {
      if (j.nOutputs === null || j.nOutputs === undefined) return;
      if (!Number.isSafeInteger(j.nOutputs) || j.nOutputs < 1) throw new InvalidModelError(`the snapshot's nOutputs must be a positive integer, got ${String(j.nOutputs)}`);
      model.nTargets = j.nOutputs;
    });
  }
}
