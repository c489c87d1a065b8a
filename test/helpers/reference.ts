/**
 * Float64 references computed from first principles, independent of both engines: the normal
 * equations for least squares and Newton's method for L2-regularized logistic regression.
 */

/** Solves A·x = b (A square, row-major) by Gaussian elimination with partial pivoting. */
export function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    [M[c], M[p]] = [M[p], M[c]];
    for (let r = c + 1; r < n; r++) {
      const f = M[r][c] / M[c][c];
      for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = M[r][n];
    for (let k = r + 1; k < n; k++) s -= M[r][k] * x[k];
    x[r] = s / M[r][r];
  }
  return x;
}

/** Rows with a trailing 1 for the intercept, in float64 from the float32 values the engines see. */
function augmented(X: number[][]): number[][] {
  return X.map((r) => [...r.map((v) => Math.fround(v)), 1]);
}

/** Least squares with intercept: minimizes ½·mean((w·x + b − y)²) + (λ/2)‖w‖². Returns [w…, b]. */
export function leastSquares(X: number[][], y: number[], l2 = 0): number[] {
  const A = augmented(X);
  const p = A[0].length;
  const n = A.length;
  const G = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  const g = new Array<number>(p).fill(0);
  for (let i = 0; i < n; i++) {
    const yi = Math.fround(y[i]);
    for (let a = 0; a < p; a++) {
      g[a] += (A[i][a] * yi) / n;
      for (let b = 0; b < p; b++) G[a][b] += (A[i][a] * A[i][b]) / n;
    }
  }
  for (let a = 0; a < p - 1; a++) G[a][a] += l2;
  return solve(G, g);
}

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** The objective both engines minimize, in float64, at θ = [w…, b]. */
export function objective(kind: 'squaredError' | 'logLoss', X: number[][], y: number[], theta: ArrayLike<number>, l2 = 0): number {
  const d = X[0].length;
  let s = 0;
  for (let i = 0; i < X.length; i++) {
    let z = theta[d];
    for (let j = 0; j < d; j++) z += theta[j] * Math.fround(X[i][j]);
    const t = Math.fround(y[i]);
    s += kind === 'logLoss' ? Math.max(z, 0) - t * z + Math.log1p(Math.exp(-Math.abs(z))) : 0.5 * (z - t) ** 2;
  }
  let ss = 0;
  for (let j = 0; j < d; j++) ss += theta[j] ** 2;
  return s / X.length + 0.5 * l2 * ss;
}

/** Newton's method on mean log-loss + (λ/2)‖w‖² (intercept not penalized). Returns [w…, b]. */
export function logisticNewton(X: number[][], y: number[], l2: number, iterations = 50): number[] {
  const A = augmented(X);
  const n = A.length;
  const p = A[0].length;
  let theta = new Array<number>(p).fill(0);
  for (let it = 0; it < iterations; it++) {
    const g = new Array<number>(p).fill(0);
    const H = Array.from({ length: p }, () => new Array<number>(p).fill(0));
    for (let i = 0; i < n; i++) {
      let z = 0;
      for (let a = 0; a < p; a++) z += theta[a] * A[i][a];
      const q = sigmoid(z);
      const r = q - Math.fround(y[i]);
      const w = q * (1 - q);
      for (let a = 0; a < p; a++) {
        g[a] += (r * A[i][a]) / n;
        for (let b = 0; b < p; b++) H[a][b] += (w * A[i][a] * A[i][b]) / n;
      }
    }
    for (let a = 0; a < p - 1; a++) {
      g[a] += l2 * theta[a];
      H[a][a] += l2;
    }
    const step = solve(H, g);
    theta = theta.map((t, a) => t - step[a]);
    if (Math.max(...step.map(Math.abs)) < 1e-14) break;
  }
  return theta;
}
