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

/** Weighted least squares with intercept: minimizes (1/n)·Σ s_i·½(w·x_i + b − y_i)². Returns [w…, b]. */
export function weightedLeastSquares(X: number[][], y: number[], s: number[]): number[] {
  const A = augmented(X);
  const p = A[0].length;
  const G = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  const g = new Array<number>(p).fill(0);
  A.forEach((row, i) => {
    const w = Math.fround(s[i]);
    for (let a = 0; a < p; a++) {
      g[a] += w * row[a] * Math.fround(y[i]);
      for (let b = 0; b < p; b++) G[a][b] += w * row[a] * row[b];
    }
  });
  return solve(G, g);
}

/** Stable softmax of one row of scores. */
export function softmax(z: number[]): number[] {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/**
 * Newton's method for softmax regression: mean cross-entropy + (λ/2)‖W‖² (intercepts free), in
 * float64. θ = [W (k × d, row-major), b (k)], the engines' layout. The intercepts are only
 * defined up to a common shift, so a 1e-10 ridge on the Hessian keeps the system solvable
 * without moving the optimum (the gradient has no component along that shift).
 */
export function softmaxNewton(X: number[][], y: number[], k: number, l2: number, iterations = 30): number[] {
  const n = X.length;
  const d = X[0].length;
  const p = k * (d + 1);
  const feat = (i: number, j: number) => (j < d ? Math.fround(X[i][j]) : 1);
  // index of parameter (class c, feature j) with j = d the intercept
  const at = (c: number, j: number) => (j < d ? c * d + j : k * d + c);
  let theta = new Array<number>(p).fill(0);
  for (let it = 0; it < iterations; it++) {
    const g = new Array<number>(p).fill(0);
    const H = Array.from({ length: p }, () => new Array<number>(p).fill(0));
    for (let i = 0; i < n; i++) {
      const z = Array.from({ length: k }, (_, c) => {
        let s = theta[at(c, d)];
        for (let j = 0; j < d; j++) s += theta[at(c, j)] * feat(i, j);
        return s;
      });
      const q = softmax(z);
      for (let c = 0; c < k; c++) {
        const r = q[c] - (y[i] === c ? 1 : 0);
        for (let j = 0; j <= d; j++) {
          g[at(c, j)] += (r * feat(i, j)) / n;
          for (let c2 = 0; c2 < k; c2++) {
            const h = (q[c] * ((c === c2 ? 1 : 0) - q[c2])) / n;
            for (let j2 = 0; j2 <= d; j2++) H[at(c, j)][at(c2, j2)] += h * feat(i, j) * feat(i, j2);
          }
        }
      }
    }
    for (let c = 0; c < k; c++) {
      for (let j = 0; j < d; j++) {
        g[at(c, j)] += l2 * theta[at(c, j)];
        H[at(c, j)][at(c, j)] += l2;
      }
    }
    for (let a = 0; a < p; a++) H[a][a] += 1e-10;
    const step = solve(H, g);
    theta = theta.map((t, a) => t - step[a]);
    if (Math.max(...step.map(Math.abs)) < 1e-13) break;
  }
  return theta;
}

/** Mean cross-entropy + (λ/2)‖W‖² at θ (engines' layout), in float64. */
export function softmaxObjective(X: number[][], y: number[], k: number, theta: ArrayLike<number>, l2: number): number {
  const d = X[0].length;
  let s = 0;
  X.forEach((row, i) => {
    const z = Array.from({ length: k }, (_, c) => row.reduce((a, v, j) => a + theta[c * d + j] * Math.fround(v), theta[k * d + c]));
    const m = Math.max(...z);
    s += m + Math.log(z.reduce((a, v) => a + Math.exp(v - m), 0)) - z[y[i]];
  });
  let ss = 0;
  for (let a = 0; a < k * d; a++) ss += theta[a] ** 2;
  return s / X.length + 0.5 * l2 * ss;
}
