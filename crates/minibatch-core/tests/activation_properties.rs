//! The activations (activation.rs) against f64: values over a dense sweep of f32 (tanh and σ
//! within 2 ulp), at 0, ±large and NaN, derivatives against f64 and the contract's conventions at
//! z = 0, and the four-lane body bit-identical to the one-lane tail.
//!
//! `cargo test` runs these on the portable lane type; scripts/test-simd.sh builds them for
//! wasm32 with SIMD128 and runs them in Node, so the SIMD path is held to the same values.

use minibatch_core::activation::{apply, apply_in_place, backprop, Activation};

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
    // one value at a time: the one-lane (tail) path
    let narrow: Vec<f32> = zs
        .iter()
        .map(|&z| {
            let mut one = [0.0f32];
            apply(act, &[z], &mut one);
            one[0]
        })
        .collect();
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
            let mut one = [1.5f32];
            backprop(act, &zs[i..i + 1], &a[i..i + 1], &mut one);
            let one = one[0];
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
