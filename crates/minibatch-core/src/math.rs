//! exp and log written once against [`Lane`], so that four rows (or classes) take one pass
//! through SIMD128 and a lone row takes the same operations on one f32, to the same bits.
//! WebAssembly has no transcendental instructions: `f32::exp`/`ln_1p` are software calls one
//! value at a time, and were a third of logistic regression's time per row at d = 256.
//!
//! The polynomials are Cephes' single-precision ones (S. L. Moshier, Cephes Math Library,
//! `expf.c` and `logf.c`; coefficients as f32 literals), with Cody–Waite range reduction; both are accurate to about 1 ulp over
//! the domains below (checked against f64 in the tests).

use crate::lanes::Lane;

const LOG2_E: f32 = std::f32::consts::LOG2_E;
/// ln 2 split in a part with few mantissa bits (exact when multiplied by n) and the rest.
const LN2_HI: f32 = 0.693_359_4;
const LN2_LO: f32 = -2.121_944_4e-4;
/// Below this, e^x < 2.5·10⁻³⁸ is returned as 0 (n ≥ −125 keeps 2^n·p a normal number).
const EXP_MIN: f32 = -86.6;
/// Above this, e^x is returned as +∞ (n ≤ 127).
const EXP_MAX: f32 = 88.0;

/// e^x for x ≤ 88: 0 below −86.6 (where e^x < 2.5·10⁻³⁸, the subnormal range is flushed), +∞
/// above 88, NaN for NaN.
#[inline(always)]
pub fn exp<L: Lane>(x: L) -> L {
    let c = x.pmax(L::splat(EXP_MIN)).pmin(L::splat(EXP_MAX));
    let n = (c * L::splat(LOG2_E)).round_ties_even();
    let r = (c - n * L::splat(LN2_HI)) - n * L::splat(LN2_LO);
    let mut p = L::splat(1.987_569_2e-4);
    p = p * r + L::splat(1.398_199_9e-3);
    p = p * r + L::splat(8.333_452e-3);
    p = p * r + L::splat(4.166_579_6e-2);
    p = p * r + L::splat(1.666_666_5e-1);
    p = p * r + L::splat(5e-1);
    let y = (p * (r * r) + r) + L::splat(1.0);
    let y = y.scale_by_pow2(n);
    let y = L::select_lt(x, L::splat(EXP_MIN), L::splat(0.0), y);
    L::select_lt(L::splat(EXP_MAX), x, L::splat(f32::INFINITY), y)
}

/// ln x for a positive normal (or +∞ → garbage: callers pass x ∈ [1, 2^64)).
#[inline(always)]
pub fn ln<L: Lane>(x: L) -> L {
    let (m, e) = x.frexp();
    // m ∈ [√½, √2) around 1: below √½, use 2m and e − 1
    let small = |a: L, b: L| L::select_lt(m, L::splat(std::f32::consts::FRAC_1_SQRT_2), a, b);
    let e = small(e - L::splat(1.0), e);
    let f = small(m + m, m) - L::splat(1.0);
    let z = f * f;
    let mut p = L::splat(7.037_683_6e-2);
    p = p * f + L::splat(-1.151_461e-1);
    p = p * f + L::splat(1.167_699_9e-1);
    p = p * f + L::splat(-1.242_014_1e-1);
    p = p * f + L::splat(1.424_932_3e-1);
    p = p * f + L::splat(-1.666_805_8e-1);
    p = p * f + L::splat(2.000_071_4e-1);
    p = p * f + L::splat(-2.499_999_4e-1);
    p = p * f + L::splat(3.333_333e-1);
    let mut y = p * f * z;
    y = y + e * L::splat(LN2_LO);
    y = y - L::splat(0.5) * z;
    (f + y) + e * L::splat(LN2_HI)
}

/// ln(1 + x) for x ∈ [0, 1], accurate also for tiny x: with u = 1 + x rounded,
/// ln(1 + x) = ln u + (x − (u − 1))/u to first order (Goldberg, "What every computer scientist
/// should know about floating-point arithmetic", 1991, theorem 4).
#[inline(always)]
pub fn ln_1p_unit<L: Lane>(x: L) -> L {
    let u = L::splat(1.0) + x;
    ln(u) + (x - (u - L::splat(1.0))) / u
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lanes::F32x4;

    fn ulps(got: f32, want: f64) -> f64 {
        let w = want as f32;
        let ulp = (f32::from_bits(w.to_bits() + 1) - w).abs() as f64;
        (got as f64 - want).abs() / ulp
    }

    /// Both widths, lane by lane bit-identical; returns the one-lane values.
    fn both(f4: impl Fn(F32x4) -> F32x4, f1: impl Fn(f32) -> f32, xs: &[f32]) -> Vec<f32> {
        let mut wide = vec![0.0f32; xs.len()];
        for i in (0..xs.len() - xs.len() % 4).step_by(4) {
            f4(F32x4::load(xs, i)).store(&mut wide, i);
        }
        let narrow: Vec<f32> = xs.iter().map(|&x| f1(x)).collect();
        for i in 0..xs.len() - xs.len() % 4 {
            assert_eq!(wide[i].to_bits(), narrow[i].to_bits(), "x = {}", xs[i]);
        }
        narrow
    }

    #[test]
    fn exp_is_within_two_ulps_and_the_same_in_both_widths() {
        let xs: Vec<f32> = (0..40_000).map(|i| -86.5 + i as f32 * 0.0043625).collect();
        let got = both(exp::<F32x4>, exp::<f32>, &xs);
        let worst = xs
            .iter()
            .zip(&got)
            .map(|(&x, &y)| ulps(y, (x as f64).exp()))
            .fold(0.0, f64::max);
        assert!(worst <= 2.0, "worst error {worst} ulp");
    }

    #[test]
    fn exp_handles_the_ends_of_its_range() {
        assert_eq!(exp(0.0f32), 1.0);
        assert_eq!(exp(-0.0f32), 1.0);
        assert_eq!(exp(-1.0e4f32), 0.0);
        assert_eq!(exp(f32::NEG_INFINITY), 0.0);
        assert_eq!(exp(-87.0f32), 0.0);
        assert_eq!(exp(100.0f32), f32::INFINITY);
        assert!(exp(f32::NAN).is_nan());
        assert!(ulps(exp(-86.0f32), (-86.0f32 as f64).exp()) <= 2.0);
        assert!(ulps(exp(87.9f32), (87.9f32 as f64).exp()) <= 2.0);
    }

    #[test]
    fn ln_and_ln_1p_are_within_two_ulps_and_the_same_in_both_widths() {
        let xs: Vec<f32> = (0..40_000).map(|i| 1.0 + i as f32 * 0.00025).collect();
        let got = both(ln::<F32x4>, ln::<f32>, &xs);
        for (&x, &y) in xs.iter().zip(&got) {
            let want = (x as f64).ln();
            // ln is 0 at 1: measure near there in absolute terms
            assert!(
                ulps(y, want) <= 2.0 || (y as f64 - want).abs() < 1e-8,
                "ln {x}"
            );
        }
        let mut xs: Vec<f32> = (0..40_000).map(|i| i as f32 / 40_000.0).collect();
        xs.extend((0..100).map(|i| 2.0f32.powi(-i)));
        let got = both(ln_1p_unit::<F32x4>, ln_1p_unit::<f32>, &xs);
        for (&x, &y) in xs.iter().zip(&got) {
            let want = (x as f64).ln_1p();
            assert!(
                ulps(y, want) <= 2.0 || x == 0.0 && y == 0.0,
                "ln_1p {x}: {y} vs {want}"
            );
        }
        assert!(ulps(ln(10.0f32), 10f64.ln()) <= 1.0);
        assert!(ulps(ln(1.0e18f32), (1.0e18f32 as f64).ln()) <= 1.0);
    }
}
