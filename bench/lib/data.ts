/**
 * Seeded synthetic problems, the same bytes for every system: features ~ N(0, 1) in a row-major
 * Float32Array, targets from a random linear, logistic or softmax model with noise (learnable,
 * not separable, so that the final loss is a meaningful number to compare).
 */

export type ModelKind = 'linear' | 'logistic' | 'softmax';

/** Classes of the softmax problems (issue 5: k = 10). */
export const SOFTMAX_CLASSES = 10;

/** mulberry32: a small seeded 32-bit generator, enough for synthetic data. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws by Box–Muller. */
export function normals(next: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const u = 1 - next(); // (0, 1]
    const v = next();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/** n rows of d features ~ N(0, 1), row-major float32. */
export function makeFeatures(n: number, d: number, seed: number): Float32Array {
  const gauss = normals(mulberry32(seed ^ Math.imul(d, 0x9e3779b1)));
  const X = new Float32Array(n * d);
  for (let i = 0; i < X.length; i++) X[i] = gauss();
  return X;
}

export interface Problem {
  readonly kind: ModelKind;
  readonly n: number;
  readonly d: number;
  /** Outputs of the model: 1, or the number of classes. */
  readonly k: number;
  readonly X: Float32Array;
  /** Targets: real values (linear), 0/1 (logistic), class indices 0..k−1 (softmax). */
  readonly y: Float32Array;
}

/**
 * Targets for X from a random model: scores z = W*·x + b* with W* ~ N(0, 4/d) (so each score
 * has standard deviation about 2) and b* = 0.25; then
 *   linear:   y = z + ε, ε ~ N(0, 1)
 *   logistic: y = [z + ε > 0], ε logistic (P(y = 1) = σ(z))
 *   softmax:  y = argmax_c (z_c + g_c), g Gumbel (P(y = c) = softmax(z)_c), k = 10 classes.
 */
export function makeProblem(kind: ModelKind, X: Float32Array, n: number, d: number, seed: number): Problem {
  const k = kind === 'softmax' ? SOFTMAX_CLASSES : 1;
  const uniform = mulberry32(seed ^ 0x5bd1e995 ^ (kind === 'linear' ? 1 : kind === 'logistic' ? 2 : 3));
  const gauss = normals(uniform);
  const w = new Float64Array(k * d);
  for (let j = 0; j < w.length; j++) w[j] = (gauss() * 2) / Math.sqrt(d);
  const y = new Float32Array(n);
  const z = new Float64Array(k);
  const open = (): number => Math.min(Math.max(uniform(), 1e-12), 1 - 1e-12);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let c = 0; c < k; c++) {
      let s = 0.25;
      const wo = c * d;
      for (let j = 0; j < d; j++) s += w[wo + j] * X[o + j];
      z[c] = s;
    }
    if (kind === 'linear') y[i] = z[0] + gauss();
    else if (kind === 'logistic') {
      const u = open();
      y[i] = z[0] + Math.log(u / (1 - u)) > 0 ? 1 : 0;
    } else {
      let best = 0;
      let bestScore = -Infinity;
      for (let c = 0; c < k; c++) {
        const g = z[c] - Math.log(-Math.log(open()));
        if (g > bestScore) {
          bestScore = g;
          best = c;
        }
      }
      y[i] = best;
    }
  }
  return { kind, n, d, k, X, y };
}

/** Bytes of a problem's data as the issue counts it: float32 features and targets. */
export function datasetBytes(n: number, d: number): number {
  return n * (d + 1) * 4;
}
