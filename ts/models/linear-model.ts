/**
 * What LinearRegression and LogisticRegression share: the parameters θ = (w, b), options,
 * fit through the one fit loop, the decision function w·x + b, and (de)serialization.
 */
import type { ObjectiveName } from '../engine/types.js';
import { type FeaturesInput, type Matrix, type TargetInput, toMatrix, toVector } from '../data/matrix.js';
import { InvalidDataError, InvalidModelError, NotFittedError } from '../errors.js';
import { type FitOptions, validateFitOptions } from '../train/options.js';
import { type History, train } from '../train/fit.js';
import { boolean, nonNegativeFinite, plainObject, rejectUnknown } from '../train/validate.js';

export interface LinearModelOptions {
  /** λ of the (λ/2)‖w‖² penalty added to the mean loss; the intercept is not penalized. Default 0. */
  l2?: number;
  /** Learn an intercept b. Default true. */
  fitIntercept?: boolean;
}

/** The serialized form of a model (`toJSON()`), versioned. */
export interface ModelJSON {
  format: 'minibatch.model';
  version: 1;
  model: string;
  options: Required<LinearModelOptions>;
  nFeatures: number | null;
  weights: number[] | null;
  bias: number | null;
}

interface Fitted {
  readonly weights: Float32Array;
  readonly bias: number;
}

const FORMAT = 'minibatch.model';
const VERSION = 1;

export abstract class LinearModel {
  /** The name stored in `toJSON()`, e.g. 'LogisticRegression'. */
  protected abstract readonly modelName: string;
  protected abstract readonly objective: ObjectiveName;
  readonly l2: number;
  readonly fitIntercept: boolean;
  protected fitted: Fitted | null = null;

  constructor(options: LinearModelOptions = {}) {
    const o = plainObject('model options', options);
    rejectUnknown(o, ['l2', 'fitIntercept'], 'model');
    this.l2 = o.l2 === undefined ? 0 : nonNegativeFinite('l2', o.l2);
    this.fitIntercept = o.fitIntercept === undefined ? true : boolean('fitIntercept', o.fitIntercept);
  }

  /** Checks the targets for this model (labels 0/1 for a classifier). */
  protected abstract checkTargets(y: Float32Array): void;

  /**
   * Trains on X (rows × features) and y by mini-batch gradient descent, from a fresh seeded
   * initialization. On divergence it throws a DivergenceError and keeps the parameters of the
   * last finite epoch; on bad input it throws before touching the model.
   */
  async fit(X: FeaturesInput, y: TargetInput, options: FitOptions = {}): Promise<History> {
    const config = validateFitOptions(options);
    const x = toMatrix(X, config.nFeatures);
    const t = toVector(y, x.rows);
    this.checkTargets(t);
    const result = await train({ objective: this.objective, l2: this.l2, fitIntercept: this.fitIntercept, x, y: t }, config);
    if (result.params) {
      this.fitted = { weights: result.params.slice(0, x.cols), bias: result.params[x.cols] };
    }
    if (result.error) throw result.error;
    return result.history;
  }

  get isFitted(): boolean {
    return this.fitted !== null;
  }

  private get state(): Fitted {
    if (!this.fitted) throw new NotFittedError(this.modelName);
    return this.fitted;
  }

  /** The learned weights w (a copy, float32). */
  get weights(): Float32Array {
    return this.state.weights.slice();
  }

  /** The learned intercept b. */
  get bias(): number {
    return this.state.bias;
  }

  get nFeatures(): number {
    return this.state.weights.length;
  }

  /** Reads X for prediction: a flat typed array is cut into rows of the fitted feature count. */
  protected features(X: FeaturesInput): Matrix {
    const { weights } = this.state;
    const flat = X instanceof Float32Array || X instanceof Float64Array;
    const m = toMatrix(X, flat ? weights.length : undefined);
    if (m.cols !== weights.length) {
      throw new InvalidDataError(
        'SHAPE_MISMATCH',
        `X has ${m.cols} features per row but this ${this.modelName} was fitted on ${weights.length}`,
        { argument: 'X' },
      );
    }
    return m;
  }

  protected targets(y: TargetInput, rows: number): Float32Array {
    const t = toVector(y, rows);
    this.checkTargets(t);
    return t;
  }

  /** w·x + b for every row, accumulated in float64. */
  decisionFunction(X: FeaturesInput): Float64Array {
    const { data, rows, cols } = this.features(X);
    const { weights, bias } = this.state;
    const out = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      let z = bias;
      const o = r * cols;
      for (let j = 0; j < cols; j++) z += weights[j] * data[o + j];
      out[r] = z;
    }
    return out;
  }

  abstract predict(X: FeaturesInput): Float64Array;
  abstract score(X: FeaturesInput, y: TargetInput): number;

  toJSON(): ModelJSON {
    return {
      format: FORMAT,
      version: VERSION,
      model: this.modelName,
      options: { l2: this.l2, fitIntercept: this.fitIntercept },
      nFeatures: this.fitted ? this.fitted.weights.length : null,
      weights: this.fitted ? Array.from(this.fitted.weights) : null,
      bias: this.fitted ? this.fitted.bias : null,
    };
  }

  /** Builds a model of class `ctor` from `toJSON()` output, checking every field. */
  protected static restore<M extends LinearModel>(ctor: new (o: LinearModelOptions) => M, name: string, json: unknown): M {
    const j = (typeof json === 'string' ? parseJSON(json) : json) as Partial<ModelJSON> | null;
    if (j === null || typeof j !== 'object') throw new InvalidModelError(`expected a ${name} snapshot object, got ${typeof j}`);
    if (j.format !== FORMAT) throw new InvalidModelError(`not a minibatch model: format is ${JSON.stringify(j.format)}, expected "${FORMAT}"`);
    if (j.version !== VERSION) throw new InvalidModelError(`unsupported model version ${JSON.stringify(j.version)}: this build reads version ${VERSION}`);
    if (j.model !== name) throw new InvalidModelError(`this snapshot holds a ${JSON.stringify(j.model)}, not a ${name}`);
    let model: M;
    try {
      model = new ctor(j.options ?? {});
    } catch (e) {
      throw new InvalidModelError(`invalid options in the snapshot: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (j.weights === null && j.bias === null) return model;
    const { weights, bias, nFeatures } = j;
    if (!Array.isArray(weights) || weights.length === 0 || weights.length !== nFeatures) {
      throw new InvalidModelError(`the snapshot's weights must be an array of nFeatures = ${String(nFeatures)} numbers`);
    }
    const w = new Float32Array(weights.length);
    weights.forEach((v, i) => {
      w[i] = v;
      if (typeof v !== 'number' || !Number.isFinite(w[i])) throw new InvalidModelError(`the snapshot's weights[${i}] = ${String(v)} is not a finite float32`);
    });
    if (typeof bias !== 'number' || !Number.isFinite(Math.fround(bias))) throw new InvalidModelError(`the snapshot's bias = ${String(bias)} is not a finite float32`);
    model.fitted = { weights: w, bias: Math.fround(bias) };
    return model;
  }
}

function parseJSON(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InvalidModelError(`the snapshot is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}
