//! Dense f32 kernels, written once against [`F32x4`]. Four independent accumulators (16 floats a
//! step) keep the adders busy; the order of every addition is fixed, so results do not depend on
//! the build.

use crate::lanes::F32x4;

/// Σ a[i]·b[i], accumulated in f32 in a fixed order.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (mut s0, mut s1, mut s2, mut s3) = (F32x4::zero(), F32x4::zero(), F32x4::zero(), F32x4::zero());
    let mut i = 0;
    while i + 16 <= n {
        s0 = s0.add(F32x4::load(a, i).mul(F32x4::load(b, i)));
        s1 = s1.add(F32x4::load(a, i + 4).mul(F32x4::load(b, i + 4)));
        s2 = s2.add(F32x4::load(a, i + 8).mul(F32x4::load(b, i + 8)));
        s3 = s3.add(F32x4::load(a, i + 12).mul(F32x4::load(b, i + 12)));
        i += 16;
    }
    while i + 4 <= n {
        s0 = s0.add(F32x4::load(a, i).mul(F32x4::load(b, i)));
        i += 4;
    }
    let mut sum = (s0.add(s1)).add(s2.add(s3)).sum();
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
        F32x4::load(y, i).add(va.mul(F32x4::load(x, i))).store(y, i);
        F32x4::load(y, i + 4).add(va.mul(F32x4::load(x, i + 4))).store(y, i + 4);
        i += 8;
    }
    while i + 4 <= n {
        F32x4::load(y, i).add(va.mul(F32x4::load(x, i))).store(y, i);
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
        va.mul(F32x4::load(y, i)).add(vb.mul(F32x4::load(x, i))).store(y, i);
        i += 4;
    }
    while i < n {
        y[i] = alpha * y[i] + beta * x[i];
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
            let scale: f64 = a.iter().zip(&b).map(|(&x, &y)| (x as f64 * y as f64).abs()).sum();
            assert!((got - want).abs() <= 1e-6 * scale.max(1.0), "n={n}: {got} vs {want}");
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

    #[test]
    fn finiteness_check_sees_nan_and_infinities() {
        assert!(all_finite(&[0.0, 1.0, -3.0]));
        assert!(!all_finite(&[0.0, f32::NAN]));
        assert!(!all_finite(&[f32::INFINITY]));
        assert!(!all_finite(&[f32::NEG_INFINITY, 1.0]));
    }
}
