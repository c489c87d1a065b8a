import { type Features, LinearModel, type LinearModelOptions, type ModelJSON, SingleOutputModel, type Targets, sigmoid } from './linear-model.js';
import { checkBinaryLabels, toVector } from '../data/matrix.js';
import { InvalidDataError } from '../errors.js';

/**
 * Binary logistic regression: minimizes the mean log-loss of P(y = 1 | x) = σ(w·x + b), plus
 * (λ/2)‖w‖² + λ₁‖w‖₁, by mini-batch gradient descent. Labels are 0 and 1.
 */
export class LogisticRegression extends SingleOutputModel {
  protected readonly modelName = 'LogisticRegression';
  protected readonly objective = 'logLoss' as const;
  protected readonly scoreKind = 'accuracy' as const;

  constructor(options: LinearModelOptions = {}) {
    super(options);
  }

  protected encodeTargets(y: Targets, rows: number, learn: boolean, argument = 'y'): Float32Array {
    const t = toVector(y, rows, argument);
    checkBinaryLabels(t, argument);
    // as scikit-learn: a classifier cannot learn from one class
    if (learn && t.every((v) => v === t[0])) {
      throw new InvalidDataError('INVALID_LABEL', `${argument} has a single class (${t[0]}): a classifier needs rows of both 0 and 1`, { argument });
    }
    return t;
  }

  protected classList(): readonly number[] {
    return [0, 1];
  }

  /** P(y = 1 | x) for every row. */
  predictProba(X: Features): Float64Array {
    return this.decisionFunction(X).map(sigmoid);
  }

  /** The predicted label (0 or 1) of every row: 1 where P(y = 1 | x) > 0.5. */
  predict(X: Features): Float64Array {
    return this.decisionFunction(X).map((z) => (z > 0 ? 1 : 0));
  }

  /** Accuracy: the fraction of rows whose predicted label equals y. */
  score(X: Features, y?: Targets): number {
    const p = this.predict(X);
    const t = this.encodeTargets(this.scoreTargets(X, y), p.length, false);
    let hits = 0;
    for (let i = 0; i < t.length; i++) if (p[i] === t[i]) hits++;
    return hits / t.length;
  }

  /** A model from `toJSON()` output (an object or its JSON text); throws InvalidModelError when it is not one. */
  static fromJSON(json: ModelJSON | string): LogisticRegression {
    return LinearModel.restore(LogisticRegression, 'LogisticRegression', json);
  }
}
