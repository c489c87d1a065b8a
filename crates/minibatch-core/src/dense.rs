//! The three products of a dense layer over a batch (ts/engine/types.ts, "The gradient through
//! the stack"), row-major f32 with explicit sizes:
//!
//! - [`forward`]:         Z = A·Wᵀ + b    out[i][j] = b[j] + Σ_k a[i][k]·w[j][k]
//! - [`weight_gradient`]: gW += Dᵀ·A      gw[j][k] += Σ_i d[i][j]·a[i][k],  gb[j] += Σ_i d[i][j]
//! - [`input_gradient`]:  dA = D·W        out[i][k] = Σ_j d[i][j]·w[j][k]
//!
//! with A the layer's input (m rows × kk), W its weights (n outputs × kk, one row per output, as
//! in θ), D = ∂/∂Z (m × n).
//!
//! ## The order of every sum (what is bit-identical)
//! Each sum is taken in one fixed order that depends on the sizes only, never on the build, the
//! tiling or the data, so results are the same bits on repeat, natively and on wasm32 SIMD128
//! (the tests hold each product to a scalar reference that spells the order out):
//!
//! - forward: four lane sums over k < 4⌊kk/4⌋, lane l taking k ≡ l (mod 4) in increasing k from
//!   0, reduced as (s₀ + s₂) + (s₁ + s₃), then the tail k = 4⌊kk/4⌋ … kk − 1 added in order, then
//!   b[j] added last (0 when `bias` is None).
//! - weight_gradient: into the values gw and gb hold, the rows one after the other:
//!   gw[j][k] ← (…((gw[j][k] + d[0][j]·a[0][k]) + d[1][j]·a[1][k]) + …) + d[m−1][j]·a[m−1][k],
//!   and gb[j] likewise with the terms d[i][j]. Hence two calls on rows [0, p) then [p, m) of the
//!   same batch into the same gw give the bits of one call on [0, m) (a caller may cut a batch
//!   in blocks of rows freely). Threads do not do that: each sums its part [0, p), [p, m) from
//!   zero into a buffer of its own and the buffers are then added (leader's first), which is
//!   the same bits for a given cut, on repeat and whatever the timing, but in general not the
//!   bits of one call (floating-point addition is not associative), nor of another cut.
//! - input_gradient: out[i][k] = (…((0 + d[i][0]·w[0][k]) + d[i][1]·w[1][k]) + …) + d[i][n−1]·w[n−1][k].
//!
//! No fused multiply-add anywhere (wasm SIMD has none in the baseline): each term is rounded,
//! then added.

/// Forward: out[i][j] = bias[j] + Σ_k a[i][k]·w[j][k]   (Z = A·Wᵀ + b); a: m×kk, w: n×kk,
/// out: m×n (row-major); bias None = 0. The sum's order is in the module's doc.
///
/// Panics when a slice is shorter than its sizes say (the caller's sizes are the model's).
pub fn forward(
    a: &[f32],
    m: usize,
    kk: usize,
    w: &[f32],
    n: usize,
    bias: Option<&[f32]>,
    out: &mut [f32],
) {
    check(a, m * kk, "a");
    check(w, n * kk, "w");
    check(out, m * n, "out");
    if let Some(b) = bias {
        check(b, n, "bias");
    }
    scalar::forward(a, m, kk, w, n, bias, out);
}

/// Weight gradient, accumulated: gw[j][k] += Σ_i d[i][j]·a[i][k]   (gW += Dᵀ·A); d: m×n, a: m×kk,
/// gw: n×kk. Also gb[j] += Σ_i d[i][j] when gb is Some. The rows are added one after the other
/// into the values gw and gb hold (the module's doc says what that makes bit-identical).
///
/// Panics when a slice is shorter than its sizes say.
pub fn weight_gradient(
    d: &[f32],
    a: &[f32],
    m: usize,
    n: usize,
    kk: usize,
    gw: &mut [f32],
    gb: Option<&mut [f32]>,
) {
    check(d, m * n, "d");
    check(a, m * kk, "a");
    check(gw, n * kk, "gw");
    if let Some(g) = &gb {
        check(g, n, "gb");
    }
    scalar::weight_gradient(d, a, m, n, kk, gw, gb);
}

/// Input gradient: out[i][k] = Σ_j d[i][j]·w[j][k]   (dA = D·W); d: m×n, w: n×kk, out: m×kk.
/// The terms are added in order of j, from 0.
///
/// Panics when a slice is shorter than its sizes say.
pub fn input_gradient(d: &[f32], m: usize, n: usize, w: &[f32], kk: usize, out: &mut [f32]) {
    check(d, m * n, "d");
    check(w, n * kk, "w");
    check(out, m * kk, "out");
    scalar::input_gradient(d, m, n, w, kk, out);
}

#[inline(always)]
fn check(s: &[f32], len: usize, what: &str) {
    assert!(
        s.len() >= len,
        "dense: {what} holds {} values, needs {len}",
        s.len()
    );
}

/// The products one value at a time, in the orders of the module's doc: the reference the tests
/// hold the fast kernels to, bit for bit.
pub mod scalar {
    /// [`super::forward`], one output at a time.
    pub fn forward(
        a: &[f32],
        m: usize,
        kk: usize,
        w: &[f32],
        n: usize,
        bias: Option<&[f32]>,
        out: &mut [f32],
    ) {
        let body = kk - kk % 4;
        for i in 0..m {
            let ai = &a[i * kk..(i + 1) * kk];
            for j in 0..n {
                let wj = &w[j * kk..(j + 1) * kk];
                let mut s = [0.0f32; 4];
                for k in (0..body).step_by(4) {
                    for l in 0..4 {
                        s[l] += ai[k + l] * wj[k + l];
                    }
                }
                let mut sum = (s[0] + s[2]) + (s[1] + s[3]);
                for k in body..kk {
                    sum += ai[k] * wj[k];
                }
                out[i * n + j] = sum + bias.map_or(0.0, |b| b[j]);
            }
        }
    }

    /// [`super::weight_gradient`], row after row.
    pub fn weight_gradient(
        d: &[f32],
        a: &[f32],
        m: usize,
        n: usize,
        kk: usize,
        gw: &mut [f32],
        mut gb: Option<&mut [f32]>,
    ) {
        for i in 0..m {
            for j in 0..n {
                let dij = d[i * n + j];
                for k in 0..kk {
                    gw[j * kk + k] += dij * a[i * kk + k];
                }
                if let Some(gb) = gb.as_deref_mut() {
                    gb[j] += dij;
                }
            }
        }
    }

    /// [`super::input_gradient`], term after term in order of j.
    pub fn input_gradient(d: &[f32], m: usize, n: usize, w: &[f32], kk: usize, out: &mut [f32]) {
        for i in 0..m {
            let oi = &mut out[i * kk..(i + 1) * kk];
            oi.fill(0.0);
            for j in 0..n {
                let dij = d[i * n + j];
                for k in 0..kk {
                    oi[k] += dij * w[j * kk + k];
                }
            }
        }
    }
}
