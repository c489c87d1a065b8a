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

// The register-tiled kernels. Every tile keeps its accumulators in registers and adds each
// term to its output's own accumulator, so the tile shapes change the speed, never the order
// of any sum (the module's doc): the tests hold them to `scalar` bit for bit.
use crate::lanes::F32x4;
use std::array::from_fn;

/// forward's tile: rows × outputs, one f32x4 accumulator per output, lanes over k.
const FWD_ROWS: usize = 4;
const FWD_COLS: usize = 2;
/// weight_gradient's tile: outputs (j) × f32x4 columns of k.
const WG_ROWS: usize = 4;
const WG_VECS: usize = 2;
/// input_gradient's tile: rows (i) × f32x4 columns of k.
const IG_ROWS: usize = 4;
const IG_VECS: usize = 2;

/// out[i][j] for i ∈ [i0, i0 + R), j ∈ [j0, j0 + C): the forward order of the module's doc.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn forward_tile<const R: usize, const C: usize>(
    a: &[f32],
    kk: usize,
    i0: usize,
    w: &[f32],
    j0: usize,
    n: usize,
    bias: Option<&[f32]>,
    out: &mut [f32],
) {
    let body = kk - kk % 4;
    let ar: [&[f32]; R] = from_fn(|r| &a[(i0 + r) * kk..(i0 + r + 1) * kk]);
    let wc: [&[f32]; C] = from_fn(|c| &w[(j0 + c) * kk..(j0 + c + 1) * kk]);
    let mut acc = [[F32x4::zero(); C]; R];
    let mut k = 0;
    while k < body {
        // SAFETY: k + 4 <= body <= kk = ar[r].len() = wc[c].len().
        let av: [F32x4; R] = from_fn(|r| unsafe { F32x4::load_unchecked(ar[r], k) });
        for c in 0..C {
            let wv = unsafe { F32x4::load_unchecked(wc[c], k) };
            for r in 0..R {
                acc[r][c] = acc[r][c] + av[r] * wv;
            }
        }
        k += 4;
    }
    for r in 0..R {
        for c in 0..C {
            let mut s = acc[r][c].sum();
            for k in body..kk {
                s += ar[r][k] * wc[c][k];
            }
            out[(i0 + r) * n + j0 + c] = s + bias.map_or(0.0, |b| b[j0 + c]);
        }
    }
}

/// `$then!(T)` with T = `$tile` when `$left` ≥ `$tile`, else 2 (when `$tile` > 2 and
/// `$left` ≥ 2), else 1: the size of the next tile along one dimension, halving at the edge.
macro_rules! next_tile {
    ($left:expr, $tile:expr, $then:ident) => {
        if $left >= $tile {
            $then!($tile)
        } else if $tile > 2 && $left >= 2 {
            $then!(2)
        } else {
            $then!(1)
        }
    };
}

/// Runs `$body` over a (rows × cols) range in tiles of at most ($R × $C), with `$r0, $c0` the
/// tile's first row and column and `$RR, $CC` its size as constants.
macro_rules! tiles {
    ($rows:expr, $cols:expr, $R:expr, $C:expr, |$r0:ident, $c0:ident, $RR:ident, $CC:ident| $body:block) => {{
        let (rows, cols) = ($rows, $cols);
        let mut r = 0;
        while r < rows {
            macro_rules! row_of_tiles {
                ($rr:expr) => {{
                    let mut c = 0;
                    while c < cols {
                        macro_rules! one {
                            ($cc:expr) => {{
                                const $RR: usize = $rr;
                                const $CC: usize = $cc;
                                let ($r0, $c0) = (r, c);
                                $body;
                                c += $cc;
                            }};
                        }
                        next_tile!(cols - c, $C, one)
                    }
                    r += $rr;
                }};
            }
            next_tile!(rows - r, $R, row_of_tiles)
        }
    }};
}

/// acc[r][c] += Σ_t splat(p[t·pt + r·pr]) · q[t·qs + 4c .. +4] for t in 0..count, in order
/// of t, from the values `acc` holds: the one micro-kernel of weight_gradient (t = i) and
/// input_gradient (t = j).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn splat_tile<const R: usize, const C: usize>(
    acc: &mut [[F32x4; C]; R],
    p: &[f32],
    pt: usize,
    pr: usize,
    q: &[f32],
    qs: usize,
    count: usize,
) {
    // one bounds check for the whole walk
    if count == 0 {
        return;
    }
    assert!((count - 1) * pt + (R - 1) * pr < p.len() && (count - 1) * qs + 4 * C <= q.len());
    let mut local = *acc;
    for t in 0..count {
        // SAFETY: t·qs + 4c + 4 <= (count − 1)·qs + 4C <= q.len(), checked above.
        let qv: [F32x4; C] = from_fn(|c| unsafe { F32x4::load_unchecked(q, t * qs + 4 * c) });
        for (r, row) in local.iter_mut().enumerate() {
            // SAFETY: t·pt + r·pr <= (count − 1)·pt + (R − 1)·pr < p.len(), checked above.
            let pv = F32x4::splat(unsafe { *p.get_unchecked(t * pt + r * pr) });
            for c in 0..C {
                row[c] = row[c] + pv * qv[c];
            }
        }
    }
    *acc = local;
}

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
    check(a, m, kk, "a");
    check(w, n, kk, "w");
    check(out, m, n, "out");
    if let Some(b) = bias {
        check(b, n, 1, "bias");
    }
    tiles!(m, n, FWD_ROWS, FWD_COLS, |i0, j0, R, C| {
        forward_tile::<R, C>(a, kk, i0, w, j0, n, bias, out)
    });
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
    check(d, m, n, "d");
    check(a, m, kk, "a");
    check(gw, n, kk, "gw");
    if let Some(g) = &gb {
        check(g, n, 1, "gb");
    }
    let vecs = kk / 4;
    tiles!(n, vecs, WG_ROWS, WG_VECS, |j0, v0, R, C| {
        let k0 = 4 * v0;
        let mut acc: [[F32x4; C]; R] =
            from_fn(|r| from_fn(|c| F32x4::load(gw, (j0 + r) * kk + k0 + 4 * c)));
        if m > 0 {
            splat_tile::<R, C>(&mut acc, &d[j0..], n, 1, &a[k0..], kk, m);
        }
        for r in 0..R {
            for c in 0..C {
                acc[r][c].store(gw, (j0 + r) * kk + k0 + 4 * c);
            }
        }
    });
    // the last kk % 4 columns, row after row
    for j in 0..n {
        for k in 4 * vecs..kk {
            let mut s = gw[j * kk + k];
            for i in 0..m {
                s += d[i * n + j] * a[i * kk + k];
            }
            gw[j * kk + k] = s;
        }
    }
    if let Some(gb) = gb {
        for i in 0..m {
            crate::kernels::axpy(1.0, &d[i * n..(i + 1) * n], &mut gb[..n]);
        }
    }
}

/// Input gradient: out[i][k] = Σ_j d[i][j]·w[j][k]   (dA = D·W); d: m×n, w: n×kk, out: m×kk.
/// The terms are added in order of j, from 0.
///
/// Panics when a slice is shorter than its sizes say.
pub fn input_gradient(d: &[f32], m: usize, n: usize, w: &[f32], kk: usize, out: &mut [f32]) {
    check(d, m, n, "d");
    check(w, n, kk, "w");
    check(out, m, kk, "out");
    let vecs = kk / 4;
    tiles!(m, vecs, IG_ROWS, IG_VECS, |i0, v0, R, C| {
        let k0 = 4 * v0;
        let mut acc = [[F32x4::zero(); C]; R];
        if n > 0 {
            splat_tile::<R, C>(&mut acc, &d[i0 * n..], 1, n, &w[k0..], kk, n);
        }
        for r in 0..R {
            for c in 0..C {
                acc[r][c].store(out, (i0 + r) * kk + k0 + 4 * c);
            }
        }
    });
    for i in 0..m {
        for k in 4 * vecs..kk {
            let mut s = 0.0f32;
            for j in 0..n {
                s += d[i * n + j] * w[j * kk + k];
            }
            out[i * kk + k] = s;
        }
    }
}

#[inline(always)]
/// Panics unless `s` holds rows × cols values (a product that overflows never fits).
fn check(s: &[f32], rows: usize, cols: usize, what: &str) {
    let fits = rows.checked_mul(cols).is_some_and(|len| s.len() >= len);
    assert!(
        fits,
        "dense: {what} holds {} values, needs {rows} × {cols}",
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
