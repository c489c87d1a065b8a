import { LinearModel, type LinearModelOptions, type ModelJSON } from './linear-model.js';
import { type FeaturesInput, type TargetInput, checkBinaryLabels } from '../data/matrix.js';

/**
 * Binary logistic regression: minimizes the mean log-loss of P(y = 1 | x) = σ(w·x + b), plus
 * (λ/2)‖w‖², by mini-batch gradient descent. Labels are 0 and 1.
 */
export class LogisticRegression extends LinearModel {
  protected readonly modelName = 'LogisticRegression';
  protected readonly objective = 'logLoss' as const;

  constructor(options: LinearModelOptions = {}) {
    super(options);
  }

  protected checkTargets(y: Float32Array): void {
    checkBinaryLabels(y);
  }

  /** P(y = 1 | x) for every row. */
  predictProba(X: FeaturesInput): Float64Array {
    const z = this.decisionFunction(X);
    for (let i = 0; i < z.length; i++) z[i] = z[i] >= 0 ? 1 / (1 + Math.exp(-z[i])) : Math.exp(z[i]) / (1 + Math.exp(z[i]));
    return z;
  }

  /** The predicted label (0 or 1) of every row: 1 where P(y = 1 | x) > 0.5. */
  predict(X: FeaturesInput): Float64Array {
    const z = this.decisionFunction(X);
    for (let i = 0; i < z.length; i++) z[i] = z[i] > 0 ? 1 : 0;
    return z;
  }

  /** Accuracy: the fraction of rows whose predicted label equals y. */
  score(X: FeaturesInput, y: TargetInput): number {
    const p = this.predict(X);
    const t = this.targets(y, p.length);
    let hits = 0;
    for (let i = 0; i < t.length; i++) if (p[i] === t[i]) hits++;
    return hits / t.length;
  }

  static fromJSON(json: ModelJSON | string): LogisticRegression {
    return LinearModel.restore(LogisticRegression, 'LogisticRegression', json);
  }
}
