/**
 * The descent-paths experiment, shared by the `minibatch paths` command and the demo page: a
 * linear regression with one feature, so that θ = (θ₀, θ₁) (intercept, slope) is a point in the
 * plane, the full objective J(θ₀, θ₁) = ½·mean((θ₀ + θ₁x − y)²) is a surface over it, and batch
 * (b = n), mini-batch and stochastic (b = 1) descent walk from the same start with the same seed
 * and the same number of updates. The paths are recorded by the fit option `recordPath`.
 *
 * Only the library's public API and its seeded generator are used here: no Node modules, no
 * plotting code (the CLI and the page draw what this computes).
 */
import { LinearRegression } from '../index.js';
import type { EngineName, OptimizerOption } from '../index.js';
import { Rng } from '../data/random.js';
import { InvalidOptionError } from '../errors.js';

/** One feature and its target. */
export interface Line {
  readonly x: readonly number[];
  readonly y: readonly number[];
}

/**
 * y = 4 − 2x + ε with x ~ N(1.5, 1) and ε ~ N(0, 1), seeded. The feature is not centred, so the
 * contours of J are tilted, elongated ellipses (Hessian [[1, 1.5], [1.5, 3.25]], condition ≈ 16):
 * the picture where the descents differ.
 */
export function syntheticLine(seed = 1, n = 200): Line {
  const rng = Rng.stream(seed, 7);
  // Box–Muller from the package's generator: float() is in [0, 1), 1 − u is in (0, 1]
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng.float())) * Math.cos(2 * Math.PI * rng.float());
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const xi = Math.fround(1.5 + normal());
    x.push(xi);
    y.push(Math.fround(4 - 2 * xi + normal()));
  }
  return { x, y };
}

/** J(θ₀, θ₁) = ½·mean((θ₀ + θ₁x − y)²), from the sums of the data in float64. */
export function objective(line: Line): (t0: number, t1: number) => number {
  const n = line.x.length;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const x = line.x[i];
    const y = line.y[i];
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
    syy += y * y;
  }
  // ½·(1/n)·Σ(θ₀ + θ₁x − y)² expanded
  return (t0, t1) => (0.5 * (n * t0 * t0 + t1 * t1 * sxx + syy + 2 * t0 * t1 * sx - 2 * t0 * sy - 2 * t1 * sxy)) / n;
}

/** The least-squares line (the minimum of J), by the normal equations in float64. */
export function leastSquares(line: Line): { t0: number; t1: number; loss: number } {
  const n = line.x.length;
  const mx = line.x.reduce((s, v) => s + v, 0) / n;
  const my = line.y.reduce((s, v) => s + v, 0) / n;
  let cxy = 0;
  let cxx = 0;
  for (let i = 0; i < n; i++) {
    cxy += (line.x[i] - mx) * (line.y[i] - my);
    cxx += (line.x[i] - mx) ** 2;
  }
  const t1 = cxx > 0 ? cxy / cxx : 0;
  const t0 = my - t1 * mx;
  return { t0, t1, loss: objective(line)(t0, t1) };
}

/** The names `minibatch paths --optimizer` and the page offer, with the optimizer each stands for. */
export const PATH_OPTIMIZERS: Record<string, OptimizerOption> = {
  sgd: 'sgd',
  momentum: { type: 'sgd', momentum: 0.9 },
  nesterov: { type: 'sgd', momentum: 0.9, nesterov: true },
  adagrad: 'adagrad',
  rmsprop: 'rmsprop',
  adam: 'adam',
};

/**
 * A learning rate that suits each on this problem: momentum 0.9 multiplies plain SGD's steps by
 * about 1/(1 − 0.9) = 10, so it gets a tenth of SGD's rate (the same effective step); the
 * adaptive optimizers take steps of about γ in each coordinate.
 */
export const PATH_LEARNING_RATES: Record<string, number> = { sgd: 0.1, momentum: 0.01, nesterov: 0.01, adagrad: 0.5, rmsprop: 0.02, adam: 0.1 };

export interface PathOptions {
  /** A key of PATH_OPTIMIZERS, or an optimizer option. Default 'sgd'. */
  readonly optimizer?: string | OptimizerOption;
  readonly learningRate?: number;
  /** Updates of each descent (the same for all three). Default 150. */
  readonly updates?: number;
  /** The mini-batch size of the middle descent. Default 16. */
  readonly miniBatch?: number;
  readonly seed?: number;
  readonly engine?: EngineName;
}

export interface PathRun {
  readonly label: string;
  readonly batchSize: number;
  /** θ₀ (intercept) and θ₁ (slope) at the start and after every update. */
  readonly theta0: number[];
  readonly theta1: number[];
  /** The full objective J at each of those points. */
  readonly loss: number[];
}

/** The three descents' batch sizes and labels, batch first. */
export function descents(n: number, miniBatch = 16): { label: string; batchSize: number }[] {
  return [
    { label: `batch (b = ${n})`, batchSize: n },
    { label: `mini-batch (b = ${miniBatch})`, batchSize: miniBatch },
    { label: 'stochastic (b = 1)', batchSize: 1 },
  ];
}

export function resolvePathOptimizer(o: string | OptimizerOption | undefined): OptimizerOption {
  if (o === undefined) return 'sgd';
  if (typeof o === 'string') {
    if (!Object.hasOwn(PATH_OPTIMIZERS, o)) {
      throw new InvalidOptionError('optimizer', o, `unknown optimizer ${JSON.stringify(o)}: one of ${Object.keys(PATH_OPTIMIZERS).join(', ')}`);
    }
    return PATH_OPTIMIZERS[o];
  }
  return o;
}

/**
 * Trains the three descents from θ = (0, 0) with the same seed, learning rate, optimizer and
 * number of updates, recording θ after every update.
 */
export async function descentPaths(line: Line, options: PathOptions = {}): Promise<PathRun[]> {
  const updates = options.updates ?? 150;
  const J = objective(line);
  const X = line.x.map((v) => [v]);
  const runs: PathRun[] = [];
  for (const { label, batchSize } of descents(line.x.length, options.miniBatch)) {
    const h = await new LinearRegression().fit(X, line.y as number[], {
      batchSize,
      learningRate: options.learningRate ?? (typeof options.optimizer === 'string' ? PATH_LEARNING_RATES[options.optimizer] : undefined) ?? 0.1,
      optimizer: resolvePathOptimizer(options.optimizer),
      maxIterations: updates,
      maxEpochs: updates,
      tolerance: null,
      init: 'zeros',
      seed: options.seed ?? 42,
      recordPath: true,
      ...(options.engine ? { engine: options.engine } : {}),
    });
    const p = h.path!.params;
    const theta0: number[] = [];
    const theta1: number[] = [];
    const loss: number[] = [];
    // the layout is [w, b]: the slope θ₁ first, then the intercept θ₀
    for (let r = 0; r < p.length; r += 2) {
      theta1.push(p[r]);
      theta0.push(p[r + 1]);
      loss.push(J(p[r + 1], p[r]));
    }
    runs.push({ label, batchSize, theta0, theta1, loss });
  }
  return runs;
}

/** A rectangle of the (θ₀, θ₁) plane. */
export interface Domain {
  readonly t0: readonly [number, number];
  readonly t1: readonly [number, number];
}

/** The smallest rectangle around the points, padded by `pad` of its size on each side. */
export function domainAround(points: readonly (readonly [number, number])[], pad = 0.12): Domain {
  const t0 = points.map((p) => p[0]);
  const t1 = points.map((p) => p[1]);
  const range = (v: number[]): [number, number] => {
    const lo = Math.min(...v);
    const hi = Math.max(...v);
    const d = Math.max(hi - lo, 1e-6) * pad;
    return [lo - d, hi + d];
  };
  return { t0: range(t0), t1: range(t1) };
}

/**
 * J sampled on a width × height grid over the domain, at the cell centres, row-major with row 0
 * at the lowest θ₁ (the layout of d3-contour and Vega's isocontour transform), and the levels
 * to draw: J* + (J_max − J*)·2^−k, so that the rings near the minimum are as visible as the
 * outer ones.
 */
export function lossGrid(line: Line, domain: Domain, width = 120, height = 100, levels = 12): { width: number; height: number; values: number[]; thresholds: number[] } {
  const J = objective(line);
  const values: number[] = new Array<number>(width * height);
  const [a, b] = domain.t0;
  const [c, d] = domain.t1;
  let max = -Infinity;
  for (let j = 0; j < height; j++) {
    const t1 = c + ((j + 0.5) * (d - c)) / height;
    for (let i = 0; i < width; i++) {
      const v = J(a + ((i + 0.5) * (b - a)) / width, t1);
      values[j * width + i] = v;
      if (v > max) max = v;
    }
  }
  const best = leastSquares(line).loss;
  const thresholds = Array.from({ length: levels }, (_, k) => best + (max - best) * 2 ** -(k + 0.5)).reverse();
  return { width, height, values, thresholds };
}
