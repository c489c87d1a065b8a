//! Dense f32 kernels, written once against [`F32x4`]. Four independent accumulators (16 floats a
//! step) keep the adders busy; the order of every addition is fixed, so results do not depend on
//! the build.

use crate::lanes::F32x4;

/// Σ a[i]·b[i], accumulated in f32 in a fixed order.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (mut s0, mut s1, mut s2, mut s3) =
        (F32x4::zero(), F32x4::zero(), F32x4::zero(), F32x4::zero());
    let mut i = 0;
    while i + 16 <= n {
        s0 = s0 + F32x4::load(a, i) * F32x4::load(b, i);
        s1 = s1 + F32x4::load(a, i + 4) * F32x4::load(b, i + 4);
        s2 = s2 + F32x4::load(a, i + 8) * F32x4::load(b, i + 8);
        s3 = s3 + F32x4::load(a, i + 12) * F32x4::load(b, i + 12);
        i += 16;
    }
    while i + 4 <= n {
        s0 = s0 + F32x4::load(a, i) * F32x4::load(b, i);
        i += 4;
    }
    let mut sum = ((s0 + s1) + (s2 + s3)).sum();
    while i < n {
        sum += a[i] * b[i];
        i += 1;
    }
    sum
}

/// y[i] += alpha·x[i]
#[inline]
pub fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) {
    let n = x.len().min(y.len());
    let va = F32x4::splat(alpha);
    let mut i = 0;
    while i + 8 <= n {
        (F32x4::load(y, i) + va * F32x4::load(x, i)).store(y, i);
        (F32x4::load(y, i + 4) + va * F32x4::load(x, i + 4)).store(y, i + 4);
        i += 8;
    }
    while i + 4 <= n {
        (F32x4::load(y, i) + va * F32x4::load(x, i)).store(y, i);
        i += 4;
    }
    while i < n {
        y[i] += alpha * x[i];
        i += 1;
    }
}

/// y[i] = alpha·y[i] + beta·x[i]
#[inline]
pub fn scale_add(alpha: f32, y: &mut [f32], beta: f32, x: &[f32]) {
    let n = x.len().min(y.len());
    let (va, vb) = (F32x4::splat(alpha), F32x4::splat(beta));
    let mut i = 0;
    while i + 4 <= n {
        (va * F32x4::load(y, i) + vb * F32x4::load(x, i)).store(y, i);
        i += 4;
    }
    while i < n {
        y[i] = alpha * y[i] + beta * x[i];
        i += 1;
    }
}

/// One plain-SGD update on a single row x, fused with the next row's dot product: in one pass,
///   w[i] ← w[i] + neg_lr·((0 + a·x[i]) + l2·w[i])      (the l2 term only when `L2`)
/// and returns `dot(w_new, next)`, accumulated exactly as `dot` does.
///
/// These are the operations, in order, that the generic path does for a batch of one (zero-filled
/// gradient plus axpy, `finish_gradient`'s scale by 1/1 — exact — and l2 term, then SGD's
/// θ + (−γ)·g), so w gets the same bits, without writing or reading a gradient buffer. Without
/// `L2` (l2 = 0) the term l2·w[i] = ±0 is left out: u + ±0 = u for u = 0 + a·x[i], which is never
/// −0, as long as w is finite (a non-finite w ends the run as divergence either way).
///
/// The next row's loads share the pass with the update (the pass must load w anyway), so its
/// score costs no pass of its own and its gathered row's cache misses overlap this row's work.
/// `next` may be `x` itself (the last row of a run: its score is not used).
#[inline(always)]
pub fn sgd_step_dot<const L2: bool>(
    a: f32,
    x: &[f32],
    l2: f32,
    neg_lr: f32,
    w: &mut [f32],
    next: &[f32],
) -> f32 {
    let n = w.len();
    // Re-slicing to exactly n lets the compiler drop every bounds check in the loops below.
    let (x, next) = (&x[..n], &next[..n]);
    let (va, vl2, vg, zero) = (
        F32x4::splat(a),
        F32x4::splat(l2),
        F32x4::splat(neg_lr),
        F32x4::zero(),
    );
    // the updated w[i..i + 4]
    let step = |w: &mut [f32], i: usize| -> F32x4 {
        // SAFETY: callers pass i + 4 <= n = w.len() = x.len().
        unsafe {
            let wv = F32x4::load_unchecked(w, i);
            let mut g = zero + va * F32x4::load_unchecked(x, i);
            if L2 {
                g = g + vl2 * wv;
            }
            let wn = wv + vg * g;
            wn.store_unchecked(w, i);
            wn
        }
    };
    let (mut s0, mut s1, mut s2, mut s3) = (zero, zero, zero, zero);
    let mut i = 0;
    // dot's order: four accumulators over 16 values a step, then s0 over the 4-value steps
    while i + 16 <= n {
        // SAFETY: i + 16 <= n = next.len().
        unsafe {
            s0 = s0 + step(w, i) * F32x4::load_unchecked(next, i);
            s1 = s1 + step(w, i + 4) * F32x4::load_unchecked(next, i + 4);
            s2 = s2 + step(w, i + 8) * F32x4::load_unchecked(next, i + 8);
            s3 = s3 + step(w, i + 12) * F32x4::load_unchecked(next, i + 12);
        }
        i += 16;
    }
    while i + 4 <= n {
        // SAFETY: i + 4 <= n = next.len().
        s0 = s0 + step(w, i) * unsafe { F32x4::load_unchecked(next, i) };
        i += 4;
    }
    let mut sum = ((s0 + s1) + (s2 + s3)).sum();
    while i < n {
        let mut g = 0.0 + a * x[i];
        if L2 {
            g += l2 * w[i];
        }
        w[i] += neg_lr * g;
        sum += w[i] * next[i];
        i += 1;
    }
    sum
}

/// Reads one value in every 64-byte cache line of `row` and throws them away, so that the
/// row's cache (and TLB) misses start now and overlap the work before the row is used:
/// WebAssembly has no prefetch instruction. The reads are volatile so that they stay, and
/// independent of each other so that all of the row's misses are in flight at once. Only worth
/// it where rows are gathered from memory that the caches do not hold (`model::single_rows`).
#[inline(always)]
pub fn touch_lines(row: &[f32]) {
    // 16 f32 per line; two xor chains, so that no read waits for another
    let p = row.as_ptr() as *const u32;
    let (mut t0, mut t1) = (0u32, 0u32);
    let mut i = 0;
    while i + 16 < row.len() {
        // SAFETY: i < i + 16 < row.len(); any bit pattern is a valid u32.
        unsafe {
            t0 ^= core::ptr::read_volatile(p.add(i));
            t1 ^= core::ptr::read_volatile(p.add(i + 16));
        }
        i += 32;
    }
    if i < row.len() {
        // SAFETY: i < row.len().
        t0 ^= unsafe { core::ptr::read_volatile(p.add(i)) };
    }
    core::hint::black_box(t0 ^ t1);
}

/// Rows per block in the batch loop: R rows share every load of w and of the gradient, and R
/// rows' memory reads are in flight at once, which matters when rows are gathered in shuffled
/// order from more memory than the caches hold. 8 measured best (bench/RESULTS.md).
pub const BLOCK_ROWS: usize = 8;

/// The R dot products w·x_k of one block of rows, one f32x4 accumulator per row.
#[inline(always)]
pub fn dot_rows<const R: usize>(w: &[f32], x: &[&[f32]; R]) -> [f32; R] {
    let n = w.len();
    debug_assert!(x.iter().all(|r| r.len() == n));
    // Re-slicing to exactly n lets the compiler drop every bounds check in the loop below.
    let x: [&[f32]; R] = std::array::from_fn(|k| &x[k][..n]);
    let mut acc = [F32x4::zero(); R];
    let mut i = 0;
    // Two steps per iteration, each row at fixed offsets from one address, so that the engine
    // advances R + 1 addresses once per 8 values rather than once per 4. Each accumulator still
    // adds its terms in order of i.
    while i + 8 <= n {
        // SAFETY: i + 8 <= n = w.len() = x[k].len() (re-sliced above).
        let (w0, w1) = unsafe { (F32x4::load_unchecked(w, i), F32x4::load_unchecked(w, i + 4)) };
        for k in 0..R {
            let (x0, x1) = unsafe {
                (
                    F32x4::load_unchecked(x[k], i),
                    F32x4::load_unchecked(x[k], i + 4),
                )
            };
            acc[k] = (acc[k] + w0 * x0) + w1 * x1;
        }
        i += 8;
    }
    while i + 4 <= n {
        // SAFETY: i + 4 <= n = w.len() = x[k].len() (re-sliced above).
        let wv = unsafe { F32x4::load_unchecked(w, i) };
        for k in 0..R {
            acc[k] = acc[k] + wv * unsafe { F32x4::load_unchecked(x[k], i) };
        }
        i += 4;
    }
    let mut s = [0.0f32; R];
    for k in 0..R {
        s[k] = acc[k].sum();
    }
    while i < n {
        for k in 0..R {
            s[k] += w[i] * x[k][i];
        }
        i += 1;
    }
    s
}

/// The dot products of two weight vectors with the same R rows, (w0·x_k, w1·x_k): a register
/// tile of 2 outputs × R rows, so that each row load serves two multiply-adds (softmax
/// regression; `dot_rows` loads the rows once per output). With R = 4 the 8 accumulators and a
/// step's 6 loads fit in x64's 16 vector registers. Each accumulator adds its terms in order of
/// i, as in `dot_rows`, so the results are its results, bit for bit.
#[inline(always)]
pub fn dot_rows_2<const R: usize>(w0: &[f32], w1: &[f32], x: &[&[f32]; R]) -> ([f32; R], [f32; R]) {
    let n = w0.len();
    debug_assert!(w1.len() == n && x.iter().all(|r| r.len() == n));
    // Re-slicing to exactly n lets the compiler drop every bounds check in the loop below.
    let (w0, w1) = (&w0[..n], &w1[..n]);
    let x: [&[f32]; R] = std::array::from_fn(|k| &x[k][..n]);
    let (mut a0, mut a1) = ([F32x4::zero(); R], [F32x4::zero(); R]);
    let mut i = 0;
    while i + 4 <= n {
        // SAFETY: i + 4 <= n = w0.len() = w1.len() = x[k].len() (re-sliced above).
        unsafe {
            let (u, v) = (F32x4::load_unchecked(w0, i), F32x4::load_unchecked(w1, i));
            for k in 0..R {
                let xk = F32x4::load_unchecked(x[k], i);
                a0[k] = a0[k] + u * xk;
                a1[k] = a1[k] + v * xk;
            }
        }
        i += 4;
    }
    let mut s0: [f32; R] = std::array::from_fn(|k| a0[k].sum());
    let mut s1: [f32; R] = std::array::from_fn(|k| a1[k].sum());
    while i < n {
        for k in 0..R {
            s0[k] += w0[i] * x[k][i];
            s1[k] += w1[i] * x[k][i];
        }
        i += 1;
    }
    (s0, s1)
}

/// `axpy_rows(a0, x, y0)` and `axpy_rows(a1, x, y1)` in one pass: each row load serves two
/// outputs' gradients (softmax regression). The same sums in the same order, so the same bits.
#[inline(always)]
pub fn axpy_rows_2<const R: usize>(
    a0: &[f32; R],
    a1: &[f32; R],
    x: &[&[f32]; R],
    y0: &mut [f32],
    y1: &mut [f32],
) {
    let n = y0.len();
    debug_assert!(R > 0 && y1.len() == n && x.iter().all(|r| r.len() == n));
    // Re-slicing to exactly n lets the compiler drop every bounds check in the loop below.
    let y1 = &mut y1[..n];
    let x: [&[f32]; R] = std::array::from_fn(|k| &x[k][..n]);
    let (v0, v1) = (a0.map(F32x4::splat), a1.map(F32x4::splat));
    let mut i = 0;
    while i + 4 <= n {
        // SAFETY: i + 4 <= n = y0.len() = y1.len() = x[k].len() (re-sliced above).
        unsafe {
            let x0 = F32x4::load_unchecked(x[0], i);
            let (mut t0, mut t1) = (v0[0] * x0, v1[0] * x0);
            for k in 1..R {
                let xk = F32x4::load_unchecked(x[k], i);
                t0 = t0 + v0[k] * xk;
                t1 = t1 + v1[k] * xk;
            }
            (F32x4::load_unchecked(y0, i) + t0).store_unchecked(y0, i);
            (F32x4::load_unchecked(y1, i) + t1).store_unchecked(y1, i);
        }
        i += 4;
    }
    while i < n {
        let (mut t0, mut t1) = (a0[0] * x[0][i], a1[0] * x[0][i]);
        for k in 1..R {
            t0 += a0[k] * x[k][i];
            t1 += a1[k] * x[k][i];
        }
        y0[i] += t0;
        y1[i] += t1;
        i += 1;
    }
}

/// y[i] += a_0·x_0[i] + a_1·x_1[i] + … + a_{R−1}·x_{R−1}[i] (summed left to right): R rows'
/// gradient terms with one load and one store of y.
#[inline(always)]
pub fn axpy_rows<const R: usize>(a: &[f32; R], x: &[&[f32]; R], y: &mut [f32]) {
    let n = y.len();
    debug_assert!(R > 0 && x.iter().all(|r| r.len() == n));
    // Re-slicing to exactly n lets the compiler drop every bounds check in the loop below.
    let x: [&[f32]; R] = std::array::from_fn(|k| &x[k][..n]);
    let v = a.map(F32x4::splat);
    let mut i = 0;
    // Two steps per iteration, as in dot_rows.
    while i + 8 <= n {
        // SAFETY: i + 8 <= n = y.len() = x[k].len() (re-sliced above).
        unsafe {
            let mut t0 = v[0] * F32x4::load_unchecked(x[0], i);
            let mut t1 = v[0] * F32x4::load_unchecked(x[0], i + 4);
            for k in 1..R {
                t0 = t0 + v[k] * F32x4::load_unchecked(x[k], i);
                t1 = t1 + v[k] * F32x4::load_unchecked(x[k], i + 4);
            }
            (F32x4::load_unchecked(y, i) + t0).store_unchecked(y, i);
            (F32x4::load_unchecked(y, i + 4) + t1).store_unchecked(y, i + 4);
        }
        i += 8;
    }
    while i + 4 <= n {
        // SAFETY: i + 4 <= n = y.len() = x[k].len() (re-sliced above).
        unsafe {
            let mut t = v[0] * F32x4::load_unchecked(x[0], i);
            for k in 1..R {
                t = t + v[k] * F32x4::load_unchecked(x[k], i);
            }
            (F32x4::load_unchecked(y, i) + t).store_unchecked(y, i);
        }
        i += 4;
    }
    while i < n {
        let mut t = a[0] * x[0][i];
        for k in 1..R {
            t += a[k] * x[k][i];
        }
        y[i] += t;
        i += 1;
    }
}

/// Σ x[i]², accumulated in f64 (it is reported, not stepped on).
#[inline]
pub fn sum_squares_f64(x: &[f32]) -> f64 {
    x.iter().map(|&v| (v as f64) * (v as f64)).sum()
}

/// Whether every value is finite.
#[inline]
pub fn all_finite(x: &[f32]) -> bool {
    x.iter().all(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator for test inputs (xorshift32).
    fn values(seed: u32, n: usize) -> Vec<f32> {
        let mut s = seed.max(1);
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                (s as f32 / u32::MAX as f32) * 4.0 - 2.0
            })
            .collect()
    }

    #[test]
    fn dot_matches_f64_reference_for_every_length() {
        for n in 0..70 {
            let a = values(1 + n as u32, n);
            let b = values(1000 + n as u32, n);
            let want: f64 = a.iter().zip(&b).map(|(&x, &y)| x as f64 * y as f64).sum();
            let got = dot(&a, &b) as f64;
            let scale: f64 = a
                .iter()
                .zip(&b)
                .map(|(&x, &y)| (x as f64 * y as f64).abs())
                .sum();
            assert!(
                (got - want).abs() <= 1e-6 * scale.max(1.0),
                "n={n}: {got} vs {want}"
            );
        }
    }

    #[test]
    fn dot_reduction_order_is_the_documented_one() {
        // 4 elements, one accumulator: (a0b0 + a2b2) + (a1b1 + a3b3), in f32.
        let a = [1.0e8f32, 1.0, -1.0e8, 1.0];
        let b = [1.0f32; 4];
        assert_eq!(dot(&a, &b), (1.0e8f32 + -1.0e8) + (1.0 + 1.0));
    }

    #[test]
    fn axpy_and_scale_add_match_scalar_loops() {
        for n in 0..40 {
            let x = values(7 + n as u32, n);
            let mut y = values(70 + n as u32, n);
            let mut want = y.clone();
            axpy(0.37, &x, &mut y);
            for i in 0..n {
                want[i] += 0.37 * x[i];
            }
            assert_eq!(y, want);
            let mut want2 = y.clone();
            scale_add(0.9, &mut y, -0.1, &x);
            for i in 0..n {
                want2[i] = 0.9 * want2[i] + -0.1 * x[i];
            }
            assert_eq!(y, want2);
        }
    }

    fn block_inputs(n: usize) -> (Vec<f32>, Vec<Vec<f32>>) {
        let w = values(3 + n as u32, n);
        let xs = (0..BLOCK_ROWS)
            .map(|k| values(50 * k as u32 + n as u32 + 9, n))
            .collect();
        (w, xs)
    }

    #[test]
    fn dot_rows_matches_f64_dot_products_for_every_length() {
        for n in 0..70 {
            let (w, xs) = block_inputs(n);
            let rows: [&[f32]; BLOCK_ROWS] = std::array::from_fn(|k| &xs[k][..]);
            let got = dot_rows(&w, &rows);
            for k in 0..BLOCK_ROWS {
                let want: f64 = w
                    .iter()
                    .zip(&xs[k])
                    .map(|(&a, &b)| a as f64 * b as f64)
                    .sum();
                let scale: f64 = w
                    .iter()
                    .zip(&xs[k])
                    .map(|(&a, &b)| (a as f64 * b as f64).abs())
                    .sum();
                assert!(
                    (got[k] as f64 - want).abs() <= 1e-6 * scale.max(1.0),
                    "n={n} k={k}"
                );
            }
        }
    }

    #[test]
    fn axpy_rows_matches_its_documented_order_exactly() {
        for n in 0..40 {
            let (_, xs) = block_inputs(n);
            let rows: [&[f32]; BLOCK_ROWS] = std::array::from_fn(|k| &xs[k][..]);
            let a: [f32; BLOCK_ROWS] = std::array::from_fn(|k| 0.5 - 0.3 * k as f32);
            let mut y = values(777 + n as u32, n);
            let mut want = y.clone();
            axpy_rows(&a, &rows, &mut y);
            for i in 0..n {
                let mut t = a[0] * xs[0][i];
                for k in 1..BLOCK_ROWS {
                    t += a[k] * xs[k][i];
                }
                want[i] += t;
            }
            assert_eq!(y, want);
        }
    }

    #[test]
    fn the_two_output_tiles_give_the_bits_of_one_output_at_a_time() {
        for n in 0..40 {
            let (w0, xs) = block_inputs(n);
            let w1 = values(99 + n as u32, n);
            let rows: [&[f32]; BLOCK_ROWS] = std::array::from_fn(|k| &xs[k][..]);
            let half: [&[f32]; 4] = std::array::from_fn(|k| &xs[k + 4][..]);
            let (s0, s1) = dot_rows_2(&w0, &w1, &half);
            assert_eq!(
                (s0, s1),
                (dot_rows(&w0, &half), dot_rows(&w1, &half)),
                "n={n}"
            );
            let a0: [f32; BLOCK_ROWS] = std::array::from_fn(|k| 0.5 - 0.3 * k as f32);
            let a1: [f32; BLOCK_ROWS] = std::array::from_fn(|k| 0.1 * k as f32 - 0.7);
            let (mut y0, mut y1) = (values(5 + n as u32, n), values(6 + n as u32, n));
            let (mut want0, mut want1) = (y0.clone(), y1.clone());
            axpy_rows_2(&a0, &a1, &rows, &mut y0, &mut y1);
            axpy_rows(&a0, &rows, &mut want0);
            axpy_rows(&a1, &rows, &mut want1);
            assert_eq!((y0, y1), (want0, want1), "n={n}");
        }
    }

    #[test]
    fn finiteness_check_sees_nan_and_infinities() {
        assert!(all_finite(&[0.0, 1.0, -3.0]));
        assert!(!all_finite(&[0.0, f32::NAN]));
        assert!(!all_finite(&[f32::INFINITY]));
        assert!(!all_finite(&[f32::NEG_INFINITY, 1.0]));
    }
}
