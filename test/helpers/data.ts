/** Seeded synthetic problems for the tests (a small LCG + Box–Muller: test data only). */
import { readFileSync } from 'node:fs';
import { parseCSV, StandardScaler } from '../../ts/index.js';

export function uniform(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
}

export function gaussian(seed: number): () => number {
  const u = uniform(seed);
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

export interface Problem {
  X: number[][];
  y: number[];
  trueWeights: number[];
  trueBias: number;
}

/** y = X·w + b + noise·ε with X ~ N(0, 1). */
export function regression(seed: number, n: number, d: number, noise: number): Problem {
  const g = gaussian(seed);
  const trueWeights = Array.from({ length: d }, (_, j) => (j % 2 === 0 ? 1 : -1) * (0.5 + j / d));
  const trueBias = 0.75;
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = Array.from({ length: d }, () => Math.fround(g()));
    X.push(row);
    y.push(Math.fround(row.reduce((s, v, j) => s + v * trueWeights[j], trueBias) + noise * g()));
  }
  return { X, y, trueWeights, trueBias };
}

/** Labels drawn from P(y = 1) = σ(X·w + b): not separable, so the optimum is finite. */
export function classification(seed: number, n: number, d: number): Problem {
  const p = regression(seed, n, d, 0);
  const u = uniform(seed + 7);
  return { ...p, y: p.y.map((z) => (u() < 1 / (1 + Math.exp(-z)) ? 1 : 0)) };
}

/** A bundled dataset, standardized, as number[][] (for the float64 references). */
export function bundled(file: 'breast-cancer.csv' | 'diabetes.csv', target: string): { X: number[][]; y: number[] } {
  const table = parseCSV(readFileSync(new URL(`../../data/${file}`, import.meta.url), 'utf8'), { target, source: file });
  const x = new StandardScaler().fitTransform(table.x);
  const X: number[][] = [];
  for (let r = 0; r < x.rows; r++) X.push(Array.from(x.data.subarray(r * x.cols, (r + 1) * x.cols)));
  return { X, y: Array.from(table.y) };
}

export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]));
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
  }
  return diff / Math.max(scale, 1e-30);
}

/** k Gaussian blobs in d dimensions, overlapping (so the optimum is finite). Labels 0..k−1. */
export function blobs(seed: number, n: number, d: number, k: number, spread = 1.5): { X: number[][]; y: number[] } {
  const g = gaussian(seed);
  const centers = Array.from({ length: k }, () => Array.from({ length: d }, () => g()));
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % k;
    X.push(centers[c].map((m) => Math.fround(m + spread * g())));
    y.push(c);
  }
  return { X, y };
}
