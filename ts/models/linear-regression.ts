import { LinearModel, type LinearModelOptions, type ModelJSON } from './linear-model.js';
import type { FeaturesInput, TargetInput } from '../data/matrix.js';

/** Least squares: minimizes ½·mean((w·x + b − y)²) + (λ/2)‖w‖² by mini-batch gradient descent. */
export class LinearRegression extends LinearModel {
  protected readonly modelName = 'LinearRegression';
  protected readonly objective = 'squaredError' as const;

  constructor(options: LinearModelOptions = {}) {
    super(options);
  }

  protected checkTargets(): void {}

  /** The predicted y of every row. */
  predict(X: FeaturesInput): Float64Array {
    return this.decisionFunction(X);
  }

  /** The coefficient of determination R² = 1 − SS_res / SS_tot (1 is perfect; can be negative). */
  score(X: FeaturesInput, y: TargetInput): number {
    const p = this.predict(X);
    const t = this.targets(y, p.length);
    let mean = 0;
    for (let i = 0; i < t.length; i++) mean += t[i];
    mean /= t.length;
    let res = 0;
    let tot = 0;
    for (let i = 0; i < t.length; i++) {
      res += (t[i] - p[i]) ** 2;
      tot += (t[i] - mean) ** 2;
    }
    // scikit-learn's convention for constant targets: 1 when predicted exactly, else 0
    if (tot === 0) return res === 0 ? 1 : 0;
    return 1 - res / tot;
  }

  static fromJSON(json: ModelJSON | string): LinearRegression {
    return LinearModel.restore(LinearRegression, 'LinearRegression', json);
  }
}
