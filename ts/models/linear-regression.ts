import { type Features, LinearModel, type LinearModelOptions, type ModelJSON, SingleOutputModel, type Targets, rSquared } from './linear-model.js';
import { toVector } from '../data/matrix.js';
import { InvalidDataError } from '../errors.js';

/** Least squares: minimizes ½·mean((w·x + b − y)²) + (λ/2)‖w‖² + λ₁‖w‖₁ by mini-batch gradient descent. */
export class LinearRegression extends SingleOutputModel {
  protected readonly modelName = 'LinearRegression';
  protected readonly objective = 'squaredError' as const;
  protected readonly scoreKind = 'r2' as const;

  constructor(options: LinearModelOptions = {}) {
    super(options);
  }

  protected encodeTargets(y: Targets, rows: number, _learn: boolean, argument = 'y'): Float32Array {
    return toVector(y, rows, argument);
  }

  protected override takeEncoder(): void {
    throw new InvalidDataError('INVALID_LABEL', 'LinearRegression needs a numeric target; this dataset has a categorical one', { argument: 'y' });
  }

  protected classList(): null {
    return null;
  }

  /** The predicted y of every row. */
  predict(X: Features): Float64Array {
    return this.decisionFunction(X);
  }

  /** The coefficient of determination R² = 1 − SS_res / SS_tot (1 is perfect; can be negative). */
  score(X: Features, y?: Targets): number {
    const p = this.predict(X);
    return rSquared(toVector(this.scoreTargets(X, y), p.length), p);
  }

  /** A model from `toJSON()` output (an object or its JSON text); throws InvalidModelError when it is not one. */
  static fromJSON(json: ModelJSON | string): LinearRegression {
    return LinearModel.restore(LinearRegression, 'LinearRegression', json);
  }
}
