/**
 * Mirror of crates/minibatch-core/src/dense.rs: the three products of a dense layer over a block
 * of n rows (row-major, row r of A at r·inputs), with W the layer's outputs × inputs weights
 * at θ[w …) and b its intercepts at θ[b …):
 *   forward:        Z = A·Wᵀ + b
 *   weightGradient: gW += Dᵀ·A and gb += Σ of D's rows (the batch sums of ∂/∂W and ∂/∂b)
 *   inputGradient:  dA = D·W  (δ passed back to the layer below, before its f')
 * The Rust core runs them as register tiles in SIMD lanes; here, tiles of four rows share every
 * load of a weight or a gradient entry (V8 has no SIMD), with the sums in a fixed order: the
 * same bits on repeat.
 */

/** Z[r, o] = A[r, ·]·W[o, ·] + b[o] for r < n: tiles of 4 rows × 2 outputs (8 sums in registers). */
export function forward(a: Float64Array, n: number, inputs: number, outputs: number, theta: Float32Array, w: number, b: number, z: Float64Array): void {
  let r = 0;
  for (; r + 4 <= n; r += 4) {
    const a0 = r * inputs;
    const a1 = a0 + inputs;
    const a2 = a1 + inputs;
    const a3 = a2 + inputs;
    const z0 = r * outputs;
    let o = 0;
    for (; o + 2 <= outputs; o += 2) {
      const wo = w + o * inputs;
      const wp = wo + inputs;
      let s00 = 0;
      let s01 = 0;
      let s02 = 0;
      let s03 = 0;
      let s10 = 0;
      let s11 = 0;
      let s12 = 0;
      let s13 = 0;
      for (let j = 0; j < inputs; j++) {
        const u = theta[wo + j];
        const v = theta[wp + j];
        const x0 = a[a0 + j];
        const x1 = a[a1 + j];
        const x2 = a[a2 + j];
        const x3 = a[a3 + j];
        s00 += u * x0;
        s01 += u * x1;
        s02 += u * x2;
        s03 += u * x3;
        s10 += v * x0;
        s11 += v * x1;
        s12 += v * x2;
        s13 += v * x3;
      }
      const bo = theta[b + o];
      const bp = theta[b + o + 1];
      z[z0 + o] = s00 + bo;
      z[z0 + outputs + o] = s01 + bo;
      z[z0 + 2 * outputs + o] = s02 + bo;
      z[z0 + 3 * outputs + o] = s03 + bo;
      z[z0 + o + 1] = s10 + bp;
      z[z0 + outputs + o + 1] = s11 + bp;
      z[z0 + 2 * outputs + o + 1] = s12 + bp;
      z[z0 + 3 * outputs + o + 1] = s13 + bp;
    }
    for (; o < outputs; o++) {
      const wo = w + o * inputs;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let j = 0; j < inputs; j++) {
        const u = theta[wo + j];
        s0 += u * a[a0 + j];
        s1 += u * a[a1 + j];
        s2 += u * a[a2 + j];
        s3 += u * a[a3 + j];
      }
      const bo = theta[b + o];
      z[z0 + o] = s0 + bo;
      z[z0 + outputs + o] = s1 + bo;
      z[z0 + 2 * outputs + o] = s2 + bo;
      z[z0 + 3 * outputs + o] = s3 + bo;
    }
  }
  for (; r < n; r++) {
    const a0 = r * inputs;
    const z0 = r * outputs;
    for (let o = 0; o < outputs; o++) {
      const wo = w + o * inputs;
      let s = 0;
      for (let j = 0; j < inputs; j++) s += theta[wo + j] * a[a0 + j];
      z[z0 + o] = s + theta[b + o];
    }
  }
}

/**
 * gW[o, j] += Σ_r D[r, o]·A[r, j] (gW at grad[gw …)) and, when gb ≥ 0, gb[o] += Σ_r D[r, o]
 * (at grad[gb …)), rows in order: tiles of 4 rows × 4 outputs (each load of A serves four
 * outputs, each load and store of gW four rows; 1.35× the 4 × 2 tile here), the four rows'
 * terms added left to right, then into the sum.
 */
export function weightGradient(d: Float64Array, a: Float64Array, n: number, inputs: number, outputs: number, grad: Float64Array, gw: number, gb: number): void {
  let r = 0;
  for (; r + 4 <= n; r += 4) {
    const a0 = r * inputs;
    const a1 = a0 + inputs;
    const a2 = a1 + inputs;
    const a3 = a2 + inputs;
    const d0 = r * outputs;
    const d1 = d0 + outputs;
    const d2 = d1 + outputs;
    const d3 = d2 + outputs;
    if (gb >= 0) for (let o = 0; o < outputs; o++) grad[gb + o] += d[d0 + o] + d[d1 + o] + d[d2 + o] + d[d3 + o];
    let o = 0;
    for (; o + 4 <= outputs; o += 4) {
      const e0 = d[d0 + o];
      const e1 = d[d1 + o];
      const e2 = d[d2 + o];
      const e3 = d[d3 + o];
      const f0 = d[d0 + o + 1];
      const f1 = d[d1 + o + 1];
      const f2 = d[d2 + o + 1];
      const f3 = d[d3 + o + 1];
      const g0 = d[d0 + o + 2];
      const g1 = d[d1 + o + 2];
      const g2 = d[d2 + o + 2];
      const g3 = d[d3 + o + 2];
      const h0 = d[d0 + o + 3];
      const h1 = d[d1 + o + 3];
      const h2 = d[d2 + o + 3];
      const h3 = d[d3 + o + 3];
      const p = gw + o * inputs;
      const q = p + inputs;
      const t = q + inputs;
      const u = t + inputs;
      for (let j = 0; j < inputs; j++) {
        const x0 = a[a0 + j];
        const x1 = a[a1 + j];
        const x2 = a[a2 + j];
        const x3 = a[a3 + j];
        grad[p + j] += e0 * x0 + e1 * x1 + e2 * x2 + e3 * x3;
        grad[q + j] += f0 * x0 + f1 * x1 + f2 * x2 + f3 * x3;
        grad[t + j] += g0 * x0 + g1 * x1 + g2 * x2 + g3 * x3;
        grad[u + j] += h0 * x0 + h1 * x1 + h2 * x2 + h3 * x3;
      }
    }
    for (; o < outputs; o++) {
      const e0 = d[d0 + o];
      const e1 = d[d1 + o];
      const e2 = d[d2 + o];
      const e3 = d[d3 + o];
      const g = gw + o * inputs;
      for (let j = 0; j < inputs; j++) grad[g + j] += e0 * a[a0 + j] + e1 * a[a1 + j] + e2 * a[a2 + j] + e3 * a[a3 + j];
    }
  }
  for (; r < n; r++) {
    const a0 = r * inputs;
    const d0 = r * outputs;
    for (let o = 0; o < outputs; o++) {
      const e = d[d0 + o];
      if (gb >= 0) grad[gb + o] += e;
      const g = gw + o * inputs;
      for (let j = 0; j < inputs; j++) grad[g + j] += e * a[a0 + j];
    }
  }
}

/**
 * dA[r, j] = Σ_o D[r, o]·W[o, j] for r < n (dA overwritten): tiles of 4 rows × 4 outputs (each
 * load of W serves four rows, each load and store of dA four outputs; 1.4× the 2 × 4 tile
 * here), outputs added in order.
 */
export function inputGradient(d: Float64Array, n: number, inputs: number, outputs: number, theta: Float32Array, w: number, da: Float64Array): void {
  da.fill(0, 0, n * inputs);
  let r = 0;
  for (; r + 4 <= n; r += 4) {
    const a0 = r * inputs;
    const a1 = a0 + inputs;
    const a2 = a1 + inputs;
    const a3 = a2 + inputs;
    const d0 = r * outputs;
    const d1 = d0 + outputs;
    const d2 = d1 + outputs;
    const d3 = d2 + outputs;
    let o = 0;
    for (; o + 4 <= outputs; o += 4) {
      const e0 = d[d0 + o];
      const e1 = d[d0 + o + 1];
      const e2 = d[d0 + o + 2];
      const e3 = d[d0 + o + 3];
      const f0 = d[d1 + o];
      const f1 = d[d1 + o + 1];
      const f2 = d[d1 + o + 2];
      const f3 = d[d1 + o + 3];
      const g0 = d[d2 + o];
      const g1 = d[d2 + o + 1];
      const g2 = d[d2 + o + 2];
      const g3 = d[d2 + o + 3];
      const h0 = d[d3 + o];
      const h1 = d[d3 + o + 1];
      const h2 = d[d3 + o + 2];
      const h3 = d[d3 + o + 3];
      const w0 = w + o * inputs;
      const w1 = w0 + inputs;
      const w2 = w1 + inputs;
      const w3 = w2 + inputs;
      for (let j = 0; j < inputs; j++) {
        const u0 = theta[w0 + j];
        const u1 = theta[w1 + j];
        const u2 = theta[w2 + j];
        const u3 = theta[w3 + j];
        da[a0 + j] += e0 * u0 + e1 * u1 + e2 * u2 + e3 * u3;
        da[a1 + j] += f0 * u0 + f1 * u1 + f2 * u2 + f3 * u3;
        da[a2 + j] += g0 * u0 + g1 * u1 + g2 * u2 + g3 * u3;
        da[a3 + j] += h0 * u0 + h1 * u1 + h2 * u2 + h3 * u3;
      }
    }
    for (; o < outputs; o++) {
      const wo = w + o * inputs;
      const e = d[d0 + o];
      const f = d[d1 + o];
      const g = d[d2 + o];
      const h = d[d3 + o];
      for (let j = 0; j < inputs; j++) {
        const u = theta[wo + j];
        da[a0 + j] += e * u;
        da[a1 + j] += f * u;
        da[a2 + j] += g * u;
        da[a3 + j] += h * u;
      }
    }
  }
  for (; r < n; r++) {
    const a0 = r * inputs;
    const d0 = r * outputs;
    for (let o = 0; o < outputs; o++) {
      const e = d[d0 + o];
      const wo = w + o * inputs;
      for (let j = 0; j < inputs; j++) da[a0 + j] += e * theta[wo + j];
    }
  }
}
