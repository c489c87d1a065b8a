//! The activations of dense layers (ts/engine/types.ts, "Activations") and their derivatives,
//! elementwise in SIMD lanes: written once against [`Lane`], run on [`F32x4`] over the body of a
//! slice and on `f32` over its tail, with the same IEEE operations in both (lanes.rs), so every
//! value is the same bits on wasm32 SIMD128, on the portable lane type and in the tail.
//!
//! tanh and σ use the numerically stable forms, built on `math::exp` (Cephes, about 1 ulp):
//! - σ(z) = 1/(1 + e^−|z|) for z ≥ 0 and e^−|z|/(1 + e^−|z|) for z < 0 (no overflow, no
//!   cancellation; σ(−100) is the tiny positive e^−100 flushed to 0 below e^−86.6);
//! - tanh(z) = z + z·z²·P(z²) for |z| < 0.625 (Cephes tanhf's odd polynomial, so that tanh is
//!   accurate near 0 where 1 − 2/(e^2z + 1) would cancel), else sign(z)·(1 − 2/(e^2|z| + 1)),
//!   which is ±1 exactly for |z| > 44 (e^2|z| = +∞).
//!
//! Both are within 2 ulp of the f64 functions (tests: a sweep of a million f32 of every binade,
//! worst measured tanh 1.18 ulp, σ 1.97 ulp).

use crate::lanes::{F32x4, Lane};
use crate::math;

/// The activation function of a dense layer. Its name is the TypeScript one (ts/engine/types.ts
/// `ActivationName`), listed once in [`Activation::NAMES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    /// a = z: the output layer of every model, whose objective applies the link.
    Identity,
    /// a = max(z, 0); f'(z) = 1 if z > 0 else 0 (0 at z = 0, as PyTorch).
    Relu,
    /// a = z if z > 0 else 0.01·z; f'(z) = 1 if z > 0 else 0.01 (PyTorch's default slope).
    LeakyRelu,
    /// a = tanh(z); f'(z) = 1 − a².
    Tanh,
    /// a = σ(z) = 1/(1 + e^−z); f'(z) = a·(1 − a).
    Logistic,
}

/// The negative slope of [`Activation::LeakyRelu`] (PyTorch's `negative_slope` default).
pub const LEAKY_SLOPE: f32 = 0.01;

impl Activation {
    /// Every activation with its TypeScript name; the one table the names come from.
    pub const NAMES: &'static [(Activation, &'static str)] = &[
        (Activation::Identity, "identity"),
        (Activation::Relu, "relu"),
        (Activation::LeakyRelu, "leakyRelu"),
        (Activation::Tanh, "tanh"),
        (Activation::Logistic, "logistic"),
    ];

    /// The TypeScript name.
    pub fn name(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(a, _)| *a == self)
            .map_or("?", |(_, n)| n)
    }

    /// The activation of a TypeScript name, None for an unknown name.
    pub fn from_name(name: &str) -> Option<Activation> {
        Self::NAMES
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(a, _)| *a)
    }
}

/// Cephes tanhf's polynomial for |z| < 0.625: tanh z = z + z·z²·P(z²).
const TANH_P: [f32; 5] = [
    -5.704_988_7e-3,
    2.063_909e-2,
    -5.373_971_6e-2,
    1.333_144_2e-1,
    -3.333_328e-1,
];
/// Where tanh switches from the polynomial to 1 − 2/(e^2|z| + 1) (Cephes tanhf).
const TANH_SWITCH: f32 = 0.625;

/// tanh(z), lane by lane (see the module's doc). NaN for NaN.
#[inline(always)]
pub fn tanh<L: Lane>(z: L) -> L {
    let x = z.abs();
    let s = x * x;
    let mut p = L::splat(TANH_P[0]);
    for &c in &TANH_P[1..] {
        p = p * s + L::splat(c);
    }
    let small = (p * s) * z + z;
    // 1 − 2/(e^2x + 1): e^2x is +∞ for 2x > 88, then 2/∞ = 0 and the result is exactly 1
    let big = L::splat(1.0) - L::splat(2.0) / (math::exp(x + x) + L::splat(1.0));
    // the sign of z on the big branch: −big for z < 0
    let big = L::select_lt(z, L::splat(0.0), L::splat(0.0) - big, big);
    L::select_lt(x, L::splat(TANH_SWITCH), small, big)
}

/// σ(z) = 1/(1 + e^−z), lane by lane, in the stable form of the module's doc. NaN for NaN.
#[inline(always)]
pub fn sigmoid<L: Lane>(z: L) -> L {
    let e = math::exp(L::splat(0.0) - z.abs());
    let d = L::splat(1.0) + e;
    L::select_lt(z, L::splat(0.0), e / d, L::splat(1.0) / d)
}

/// f(z) for one lane value.
#[inline(always)]
fn value<L: Lane>(act: Activation, z: L) -> L {
    let zero = L::splat(0.0);
    match act {
        Activation::Identity => z,
        // z < 0 ? 0 : z, so that NaN stays NaN (divergence is caught downstream)
        Activation::Relu => L::select_lt(z, zero, zero, z),
        Activation::LeakyRelu => L::select_lt(zero, z, z, L::splat(LEAKY_SLOPE) * z),
        Activation::Tanh => tanh(z),
        Activation::Logistic => sigmoid(z),
    }
}

/// f'(z), from z or from a = f(z) as the contract says.
#[inline(always)]
fn derivative<L: Lane>(act: Activation, z: L, a: L) -> L {
    let one = L::splat(1.0);
    match act {
        Activation::Identity => one,
        Activation::Relu => L::select_lt(L::splat(0.0), z, one, L::splat(0.0)),
        Activation::LeakyRelu => L::select_lt(L::splat(0.0), z, one, L::splat(LEAKY_SLOPE)),
        Activation::Tanh => one - a * a,
        Activation::Logistic => a * (one - a),
    }
}

/// a[i] = f(z[i]) for i < min(z.len(), a.len()). See [`apply_in_place`] for a = z.
pub fn apply(act: Activation, z: &[f32], a: &mut [f32]) {
    let n = z.len().min(a.len());
    let (z, a) = (&z[..n], &mut a[..n]);
    if act == Activation::Identity {
        a.copy_from_slice(z);
        return;
    }
    // one match per call, the loop inside: the activation is a constant in each loop
    macro_rules! run {
        ($act:expr) => {{
            let mut i = 0;
            while i + 4 <= n {
                value::<F32x4>($act, F32x4::load(z, i)).store(a, i);
                i += 4;
            }
            while i < n {
                a[i] = value::<f32>($act, z[i]);
                i += 1;
            }
        }};
    }
    match act {
        Activation::Identity => {}
        Activation::Relu => run!(Activation::Relu),
        Activation::LeakyRelu => run!(Activation::LeakyRelu),
        Activation::Tanh => run!(Activation::Tanh),
        Activation::Logistic => run!(Activation::Logistic),
    }
}

/// za[i] = f(za[i]): [`apply`] in place (the same bits).
pub fn apply_in_place(act: Activation, za: &mut [f32]) {
    let n = za.len();
    macro_rules! run {
        ($act:expr) => {{
            let mut i = 0;
            while i + 4 <= n {
                value::<F32x4>($act, F32x4::load(za, i)).store(za, i);
                i += 4;
            }
            while i < n {
                za[i] = value::<f32>($act, za[i]);
                i += 1;
            }
        }};
    }
    match act {
        Activation::Identity => {}
        Activation::Relu => run!(Activation::Relu),
        Activation::LeakyRelu => run!(Activation::LeakyRelu),
        Activation::Tanh => run!(Activation::Tanh),
        Activation::Logistic => run!(Activation::Logistic),
    }
}

/// delta[i] = delta[i]·f'(z[i]) for i < delta.len(), with a[i] = f(z[i]) where the contract's
/// derivative is written with a (tanh: 1 − a², logistic: a·(1 − a)); relu and leakyRelu read z
/// (z > 0 ⇔ a > 0 for both, so a caller that kept only a may pass it as z too). identity leaves
/// delta as is. z and a must be at least as long as delta (only the slices that are read: z for
/// relu/leakyRelu, a for tanh/logistic).
pub fn backprop(act: Activation, z: &[f32], a: &[f32], delta: &mut [f32]) {
    let n = delta.len();
    macro_rules! run {
        ($act:expr, $z:expr, $a:expr) => {{
            let (z, a) = ($z, $a);
            let mut i = 0;
            while i + 4 <= n {
                let d = F32x4::load(delta, i)
                    * derivative::<F32x4>($act, F32x4::load(z, i), F32x4::load(a, i));
                d.store(delta, i);
                i += 4;
            }
            while i < n {
                delta[i] *= derivative::<f32>($act, z[i], a[i]);
                i += 1;
            }
        }};
    }
    match act {
        Activation::Identity => {}
        Activation::Relu => run!(Activation::Relu, &z[..n], &z[..n]),
        Activation::LeakyRelu => run!(Activation::LeakyRelu, &z[..n], &z[..n]),
        Activation::Tanh => run!(Activation::Tanh, &a[..n], &a[..n]),
        Activation::Logistic => run!(Activation::Logistic, &a[..n], &a[..n]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ulps(got: f32, want: f64) -> f64 {
        let w = want as f32;
        if w == 0.0 {
            return if got == 0.0 { 0.0 } else { f64::INFINITY };
        }
        let ulp = (f32::from_bits(w.abs().to_bits() + 1) - w.abs()) as f64;
        (got as f64 - want).abs() / ulp
    }

    fn reference(act: Activation, z: f64) -> f64 {
        match act {
            Activation::Identity => z,
            Activation::Relu => z.max(0.0),
            Activation::LeakyRelu => {
                if z > 0.0 {
                    z
                } else {
                    0.01 * z
                }
            }
            Activation::Tanh => z.tanh(),
            Activation::Logistic => 1.0 / (1.0 + (-z).exp()),
        }
    }

    /// Both widths through the public functions (four lanes and the tail), checked equal.
    fn applied(act: Activation, zs: &[f32]) -> Vec<f32> {
        let mut a = vec![0.0f32; zs.len()];
        apply(act, zs, &mut a);
        let narrow: Vec<f32> = zs.iter().map(|&z| value::<f32>(act, z)).collect();
        for i in 0..zs.len() {
            assert!(
                a[i].to_bits() == narrow[i].to_bits() || a[i].is_nan() && narrow[i].is_nan(),
                "{act:?} z = {}",
                zs[i]
            );
        }
        let mut b = zs.to_vec();
        apply_in_place(act, &mut b);
        assert!(a
            .iter()
            .zip(&b)
            .all(|(x, y)| x.to_bits() == y.to_bits() || x.is_nan() && y.is_nan()));
        a
    }

    /// A dense sweep: every 1999th f32 bit pattern of both signs up to 200 (about a million
    /// values, every binade), plus 0 and the large magnitudes.
    fn sweep() -> Vec<f32> {
        let top = 200.0f32.to_bits();
        let mut zs = Vec::new();
        let mut b = 0u32;
        while b <= top {
            let z = f32::from_bits(b);
            zs.push(z);
            zs.push(-z);
            b += 1999;
        }
        zs.extend([
            1e10,
            -1e10,
            f32::MAX,
            -f32::MAX,
            44.0,
            -44.0,
            9.0,
            -9.0,
            0.625,
            -0.625,
        ]);
        zs
    }

    #[test]
    fn tanh_and_sigmoid_are_within_two_ulps_of_f64_over_a_dense_sweep() {
        let zs = sweep();
        for act in [Activation::Tanh, Activation::Logistic] {
            let got = applied(act, &zs);
            let mut worst = (0.0f64, 0.0f32);
            for (&z, &a) in zs.iter().zip(&got) {
                let want = reference(act, z as f64);
                // σ below e^−86.6 ≈ 2.5e−38 is flushed to 0 (exp's range)
                if act == Activation::Logistic && want < 2.6e-38 {
                    assert!(a >= 0.0 && (a as f64) < 2.6e-38, "σ({z}) = {a}");
                    continue;
                }
                let e = ulps(a, want);
                if e > worst.0 {
                    worst = (e, z);
                }
            }
            eprintln!("{act:?}: worst {} ulp at z = {}", worst.0, worst.1);
            assert!(
                worst.0 <= 2.0,
                "{act:?}: {} ulp at z = {}",
                worst.0,
                worst.1
            );
        }
    }

    #[test]
    fn activations_at_zero_large_magnitudes_and_nan() {
        let zs = [
            0.0f32,
            -0.0,
            1e30,
            -1e30,
            f32::INFINITY,
            f32::NEG_INFINITY,
            3.0,
            -3.0,
        ];
        let t = applied(Activation::Tanh, &zs);
        assert_eq!(&t[..6], &[0.0, 0.0, 1.0, -1.0, 1.0, -1.0]);
        let s = applied(Activation::Logistic, &zs);
        assert_eq!(&s[..6], &[0.5, 0.5, 1.0, 0.0, 1.0, 0.0]);
        let r = applied(Activation::Relu, &zs);
        assert_eq!(r, vec![0.0, 0.0, 1e30, 0.0, f32::INFINITY, 0.0, 3.0, 0.0]);
        let l = applied(Activation::LeakyRelu, &zs);
        assert_eq!(
            l,
            vec![
                0.0,
                0.0,
                1e30,
                -1e28,
                f32::INFINITY,
                f32::NEG_INFINITY,
                3.0,
                -0.03
            ]
        );
        let i = applied(Activation::Identity, &zs);
        assert_eq!(i, zs.to_vec());
        for act in [
            Activation::Relu,
            Activation::LeakyRelu,
            Activation::Tanh,
            Activation::Logistic,
        ] {
            let v = applied(act, &[f32::NAN, 1.0, 2.0, 3.0, f32::NAN]);
            assert!(v[0].is_nan() && v[4].is_nan(), "{act:?} keeps NaN");
        }
    }

    #[test]
    fn derivatives_match_f64_and_the_contract() {
        // delta = 1.5 at z, so that delta·f' is checked against the f64 derivative
        let zs: Vec<f32> = (-400..=400)
            .map(|i| i as f32 * 0.05)
            .chain([0.0, -0.0, 1e-30, -1e-30, 60.0, -60.0, 1e30, -1e30])
            .collect();
        for act in Activation::NAMES.iter().map(|(a, _)| *a) {
            let a = applied(act, &zs);
            let mut delta = vec![1.5f32; zs.len()];
            backprop(act, &zs, &a, &mut delta);
            for i in 0..zs.len() {
                let z = zs[i] as f64;
                let want = 1.5
                    * match act {
                        Activation::Identity => 1.0,
                        Activation::Relu => (z > 0.0) as i32 as f64,
                        Activation::LeakyRelu => {
                            if z > 0.0 {
                                1.0
                            } else {
                                0.01
                            }
                        }
                        Activation::Tanh => 1.0 - z.tanh().powi(2),
                        Activation::Logistic => {
                            let s = 1.0 / (1.0 + (-z).exp());
                            s * (1.0 - s)
                        }
                    };
                // 1 − a² and a(1 − a) from an f32 a: absolute error a few f32 ulps of 1
                let tol = match act {
                    Activation::Tanh | Activation::Logistic => 1e-6,
                    _ => 0.0,
                };
                assert!(
                    (delta[i] as f64 - want).abs() <= tol * 1.5 + want.abs() * 1e-7,
                    "{act:?} f'({z}): {} vs {want}",
                    delta[i]
                );
                // one width vs the other, bit for bit
                let one = 1.5 * derivative::<f32>(act, zs[i], a[i]);
                assert_eq!(one.to_bits(), delta[i].to_bits(), "{act:?} at {z}");
            }
        }
        // at z = 0 (the contract's convention): relu 0, leakyRelu 0.01
        let mut d = [2.0f32; 2];
        backprop(Activation::Relu, &[0.0, -0.0], &[0.0, 0.0], &mut d);
        assert_eq!(d, [0.0, 0.0]);
        let mut d = [2.0f32; 2];
        backprop(Activation::LeakyRelu, &[0.0, -0.0], &[0.0, 0.0], &mut d);
        assert_eq!(d, [0.02, 0.02]);
    }

    #[test]
    fn names_are_the_typescript_ones() {
        let names: Vec<&str> = Activation::NAMES.iter().map(|(_, n)| *n).collect();
        assert_eq!(names, ["identity", "relu", "leakyRelu", "tanh", "logistic"]);
        for (a, n) in Activation::NAMES {
            assert_eq!(a.name(), *n);
            assert_eq!(Activation::from_name(n), Some(*a));
        }
        assert_eq!(Activation::from_name("gelu"), None);
    }
}
