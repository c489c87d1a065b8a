/**
 * Mirror of crates/minibatch-core/src/kernels.rs: the inner loops over one row's features
 * (the Rust core runs them in SIMD lanes; V8 has none, so four scalar accumulators in the same
 * order stand for the four lanes).
 */

export function dot(w: Float32Array, wo: number, x: Float32Array, o: number, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 4 <= d; j += 4) {
    s0 += w[wo + j] * x[o + j];
    s1 += w[wo + j + 1] * x[o + j + 1];
    s2 += w[wo + j + 2] * x[o + j + 2];
    s3 += w[wo + j + 3] * x[o + j + 3];
  }
  for (; j < d; j++) s0 += w[wo + j] * x[o + j];
  return s0 + s2 + (s1 + s3);
}

export function axpy(a: number, x: Float32Array, o: number, g: Float64Array, go: number, d: number): void {
  let j = 0;
  for (; j + 4 <= d; j += 4) {
    g[go + j] += a * x[o + j];
    g[go + j + 1] += a * x[o + j + 1];
    g[go + j + 2] += a * x[o + j + 2];
    g[go + j + 3] += a * x[o + j + 3];
  }
  for (; j < d; j++) g[go + j] += a * x[o + j];
}

/**
 * w ← w − lr·(a·x[o …]) (rounded to float32 as stored) and, in the same pass, the dot product
 * of the updated w with x[next …] in dot()'s accumulators and order, so its exact value.
 */
export function sgdStepDot(lr: number, a: number, x: Float32Array, o: number, next: number, w: Float32Array, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 4 <= d; j += 4) {
    const w0 = Math.fround(w[j] - lr * (a * x[o + j]));
    const w1 = Math.fround(w[j + 1] - lr * (a * x[o + j + 1]));
    const w2 = Math.fround(w[j + 2] - lr * (a * x[o + j + 2]));
    const w3 = Math.fround(w[j + 3] - lr * (a * x[o + j + 3]));
    w[j] = w0;
    w[j + 1] = w1;
    w[j + 2] = w2;
    w[j + 3] = w3;
    s0 += w0 * x[next + j];
    s1 += w1 * x[next + j + 1];
    s2 += w2 * x[next + j + 2];
    s3 += w3 * x[next + j + 3];
  }
  for (; j < d; j++) {
    const wj = Math.fround(w[j] - lr * (a * x[o + j]));
    w[j] = wj;
    s0 += wj * x[next + j];
  }
  return s0 + s2 + (s1 + s3);
}

/** One read per 64-byte line of x[o, o + d), summed (the sum only keeps V8 from dropping the reads). */
export function touchLines(x: Float32Array, o: number, d: number): number {
  let sum = x[o];
  for (let j = 16; j < d; j += 16) sum += x[o + j];
  return sum;
}
