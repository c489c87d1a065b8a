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

/// Runs `$body` with `$A` bound to `$act` as a constant, one match arm per activation: the
/// activation is a constant in each arm's loop.
macro_rules! with_activation {
    ($act:expr, $A:ident => $body:expr) => {
        match $act {
            Activation::Identity => {
                const $A: Activation = Activation::Identity;
                $body
            }
            Activation::Relu => {
                const $A: Activation = Activation::Relu;
                $body
            }
            Activation::LeakyRelu => {
                const $A: Activation = Activation::LeakyRelu;
                $body
            }
            Activation::Tanh => {
                const $A: Activation = Activation::Tanh;
                $body
            }
            Activation::Logistic => {
                const $A: Activation = Activation::Logistic;
                $body
            }
        }
    };
}

/// a[i] = f(z[i]) for i < min(z.len(), a.len()). See [`apply_in_place`] for a = z.
pub fn apply(act: Activation, z: &[f32], a: &mut [f32]) {
    let n = z.len().min(a.len());
    let (z, a) = (&z[..n], &mut a[..n]);
    if act == Activation::Identity {
        a.copy_from_slice(z);
        return;
    }
    with_activation!(act, A => {
        let mut i = 0;
        while i + 4 <= n {
            value::<F32x4>(A, F32x4::load(z, i)).store(a, i);
            i += 4;
        }
        while i < n {
            a[i] = value::<f32>(A, z[i]);
            i += 1;
        }
    })
}

/// za[i] = f(za[i]): [`apply`] in place, through an L1-resident copy of 64 values at a time (the
/// same bits: 64 is a whole number of lanes).
pub fn apply_in_place(act: Activation, za: &mut [f32]) {
    if act == Activation::Identity {
        return;
    }
    let mut copy = [0.0f32; 64];
    for chunk in za.chunks_mut(64) {
        let z = &mut copy[..chunk.len()];
        z.copy_from_slice(chunk);
        apply(act, z, chunk);
    }
}

/// delta[i] = delta[i]·f'(z[i]) for i < delta.len(), with a[i] = f(z[i]) where the contract's
/// derivative is written with a (tanh: 1 − a², logistic: a·(1 − a)); relu and leakyRelu read z
/// (z > 0 ⇔ a > 0 for both, so a caller that kept only a may pass it as z too). identity leaves
/// delta as is. z and a must be at least as long as delta (only the slices that are read: z for
/// relu/leakyRelu, a for tanh/logistic).
pub fn backprop(act: Activation, z: &[f32], a: &[f32], delta: &mut [f32]) {
    let n = delta.len();
    if act == Activation::Identity {
        return;
    }
    // the one input the derivative reads, passed as both z and a
    let x = match act {
        Activation::Relu | Activation::LeakyRelu => &z[..n],
        _ => &a[..n],
    };
    with_activation!(act, A => {
        let mut i = 0;
        while i + 4 <= n {
            let x4 = F32x4::load(x, i);
            (F32x4::load(delta, i) * derivative::<F32x4>(A, x4, x4)).store(delta, i);
            i += 4;
        }
        while i < n {
            delta[i] *= derivative::<f32>(A, x[i], x[i]);
            i += 1;
        }
    })
}
