//! Property tests (proptest) of the kernels: each kernel, written once against `F32x4`, gives
//! the bits of a scalar reference that spells out the order its doc promises (four lanes, four
//! accumulators, the (l0 + l2) + (l1 + l3) reduction, the scalar tail). Natively this checks the
//! portable lane type; the SIMD128 lane type on wasm32 promises the same bits (lanes.rs), which
//! the engine parity and runtime tests check end to end.
//!
//! Inputs are any f32 lengths and values, NaN, ±Infinity, subnormals and ±3.4e38 included. A
//! fixed seed (the cases are reproducible); PROPTEST_CASES sets how many (default 256 a test).

use minibatch_core::kernels;
use minibatch_core::lanes::F32x4;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

/// Any f32, with the special values made common.
fn value() -> impl Strategy<Value = f32> {
    prop_oneof![
        6 => -4.0f32..4.0,
        1 => prop::num::f32::ANY,
        1 => prop::sample::select(vec![0.0, -0.0, f32::NAN, f32::INFINITY, f32::NEG_INFINITY, f32::MAX, -f32::MAX, f32::MIN_POSITIVE, 1e-40, -1e-45]),
    ]
}

fn vector(max: usize) -> impl Strategy<Value = Vec<f32>> {
    prop::collection::vec(value(), 0..max)
}

fn runner() -> TestRunner {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(256);
    TestRunner::new_with_rng(
        Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    )
}

/// Bitwise equality, every NaN equal to every NaN (the lanes may give either NaN payload).
fn same(a: f32, b: f32) -> bool {
    (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
}

fn same_all(a: &[f32], b: &[f32]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(*x, *y))
}

/// Four lanes reduced as the lane type does: (l0 + l2) + (l1 + l3).
fn lane_sum(l: [f32; 4]) -> f32 {
    (l[0] + l[2]) + (l[1] + l[3])
}

/// `dot`'s promised order: four accumulators over 16 values a step, then the first over 4-value
/// steps, ((s0 + s1) + (s2 + s3)) reduced, then the tail in order.
fn dot_reference(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let mut s = [[0.0f32; 4]; 4];
    let mut i = 0;
    while i + 16 <= n {
        for (k, acc) in s.iter_mut().enumerate() {
            for (l, lane) in acc.iter_mut().enumerate() {
                *lane += a[i + 4 * k + l] * b[i + 4 * k + l];
            }
        }
        i += 16;
    }
    while i + 4 <= n {
        for l in 0..4 {
            s[0][l] += a[i + l] * b[i + l];
        }
        i += 4;
    }
    let lanes: [f32; 4] = std::array::from_fn(|l| (s[0][l] + s[1][l]) + (s[2][l] + s[3][l]));
    let mut sum = lane_sum(lanes);
    while i < n {
        sum += a[i] * b[i];
        i += 1;
    }
    sum
}

#[test]
fn dot_gives_the_bits_of_its_order() {
    runner()
        .run(&(vector(80), vector(80)), |(a, b)| {
            prop_assert!(same(kernels::dot(&a, &b), dot_reference(&a, &b)));
            Ok(())
        })
        .unwrap();
}

#[test]
fn axpy_and_scale_add_are_the_scalar_operations_lane_by_lane() {
    runner()
        .run(
            &(value(), value(), vector(40), vector(40)),
            |(alpha, beta, x, y)| {
                let n = x.len().min(y.len());
                let mut got = y.clone();
                kernels::axpy(alpha, &x, &mut got);
                let want: Vec<f32> = (0..y.len())
                    .map(|i| if i < n { y[i] + alpha * x[i] } else { y[i] })
                    .collect();
                prop_assert!(same_all(&got, &want));
                let mut got = y.clone();
                kernels::scale_add(alpha, &mut got, beta, &x);
                let want: Vec<f32> = (0..y.len())
                    .map(|i| {
                        if i < n {
                            alpha * y[i] + beta * x[i]
                        } else {
                            y[i]
                        }
                    })
                    .collect();
                prop_assert!(same_all(&got, &want));
                Ok(())
            },
        )
        .unwrap();
}

/// dot_rows: one accumulator per row, its terms added in order of i, 8 values a step as
/// (acc + w0·x0) + w1·x1, then 4, then the reduced lanes plus the tail.
fn dot_row_reference(w: &[f32], x: &[f32]) -> f32 {
    let n = w.len();
    let mut acc = [0.0f32; 4];
    let mut i = 0;
    while i + 8 <= n {
        for l in 0..4 {
            acc[l] = (acc[l] + w[i + l] * x[i + l]) + w[i + 4 + l] * x[i + 4 + l];
        }
        i += 8;
    }
    while i + 4 <= n {
        for l in 0..4 {
            acc[l] += w[i + l] * x[i + l];
        }
        i += 4;
    }
    let mut s = lane_sum(acc);
    while i < n {
        s += w[i] * x[i];
        i += 1;
    }
    s
}

#[test]
fn dot_rows_and_dot_rows_2_give_each_rows_bits() {
    let rows = (0usize..40).prop_flat_map(|n| {
        (
            prop::collection::vec(value(), n),
            prop::collection::vec(value(), n),
            prop::collection::vec(prop::collection::vec(value(), n), 4),
        )
    });
    runner()
        .run(&rows, |(w0, w1, x)| {
            let r: [&[f32]; 4] = std::array::from_fn(|k| x[k].as_slice());
            let one = kernels::dot_rows::<4>(&w0, &r);
            let (a, b) = kernels::dot_rows_2::<4>(&w0, &w1, &r);
            for k in 0..4 {
                let want = dot_row_reference(&w0, &x[k]);
                prop_assert!(same(one[k], want), "dot_rows row {k}: {} vs {want}", one[k]);
                prop_assert!(same(a[k], want));
                prop_assert!(same(b[k], dot_row_reference(&w1, &x[k])));
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn axpy_rows_and_axpy_rows_2_sum_the_rows_left_to_right() {
    let cases = (0usize..40).prop_flat_map(|n| {
        (
            prop::collection::vec(value(), 3),
            prop::collection::vec(value(), 3),
            prop::collection::vec(prop::collection::vec(value(), n), 3),
            prop::collection::vec(value(), n),
        )
    });
    runner()
        .run(&cases, |(a0, a1, x, y)| {
            let a0: [f32; 3] = [a0[0], a0[1], a0[2]];
            let a1: [f32; 3] = [a1[0], a1[1], a1[2]];
            let r: [&[f32]; 3] = std::array::from_fn(|k| x[k].as_slice());
            let want = |a: &[f32; 3]| -> Vec<f32> {
                (0..y.len())
                    .map(|i| y[i] + ((a[0] * x[0][i] + a[1] * x[1][i]) + a[2] * x[2][i]))
                    .collect()
            };
            let mut got = y.clone();
            kernels::axpy_rows::<3>(&a0, &r, &mut got);
            prop_assert!(same_all(&got, &want(&a0)));
            let (mut g0, mut g1) = (y.clone(), y.clone());
            kernels::axpy_rows_2::<3>(&a0, &a1, &r, &mut g0, &mut g1);
            prop_assert!(same_all(&g0, &want(&a0)));
            prop_assert!(same_all(&g1, &want(&a1)));
            Ok(())
        })
        .unwrap();
}

#[test]
fn sgd_step_dot_is_the_generic_update_then_dot() {
    let cases = (0usize..50).prop_flat_map(|n| {
        (
            value(),
            value(),
            -1.0f32..1.0,
            prop::collection::vec(value(), n),
            prop::collection::vec(value(), n),
            prop::collection::vec(value(), n),
        )
    });
    runner()
        .run(&cases, |(a, l2, neg_lr, x, w, next)| {
            for with_l2 in [false, true] {
                let mut got = w.clone();
                let dot = if with_l2 {
                    kernels::sgd_step_dot::<true>(a, &x, l2, neg_lr, &mut got, &next)
                } else {
                    kernels::sgd_step_dot::<false>(a, &x, l2, neg_lr, &mut got, &next)
                };
                let want: Vec<f32> = (0..w.len())
                    .map(|i| {
                        let mut g = 0.0 + a * x[i];
                        if with_l2 {
                            g += l2 * w[i];
                        }
                        w[i] + neg_lr * g
                    })
                    .collect();
                prop_assert!(same_all(&got, &want));
                prop_assert!(same(dot, dot_reference(&want, &next)));
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn lane_operations_follow_webassembly_semantics() {
    runner()
        .run(
            &(
                prop::collection::vec(value(), 4),
                prop::collection::vec(value(), 4),
            ),
            |(a, b)| {
                let (va, vb) = (F32x4::load(&a, 0), F32x4::load(&b, 0));
                let lanes = |v: F32x4| {
                    let mut out = [0.0f32; 4];
                    v.store(&mut out, 0);
                    out
                };
                prop_assert!(same(va.sum(), lane_sum([a[0], a[1], a[2], a[3]])));
                for l in 0..4 {
                    // wasm's f32x4.pmax(a, b) = a < b ? b : a, and pmin(a, b) = b < a ? b : a
                    let (pmax, pmin) = (
                        if a[l] < b[l] { b[l] } else { a[l] },
                        if b[l] < a[l] { b[l] } else { a[l] },
                    );
                    prop_assert!(same(lanes(va.pmax(vb))[l], pmax));
                    prop_assert!(same(lanes(va.pmin(vb))[l], pmin));
                    prop_assert!(same(lanes(va.abs())[l], a[l].abs()));
                    prop_assert!(same(lanes(va.sqrt())[l], a[l].sqrt()));
                    prop_assert!(same(lanes(va.round_ties_even())[l], a[l].round_ties_even()));
                    prop_assert!(same(lanes(va + vb)[l], a[l] + b[l]));
                    prop_assert!(same(lanes(va * vb)[l], a[l] * b[l]));
                }
                Ok(())
            },
        )
        .unwrap();
}

#[test]
fn sums_of_squares_and_finiteness_match_the_scalar_loops() {
    runner()
        .run(&vector(70), |x| {
            // std's f64 sum starts from −0.0 (an empty sum is −0.0)
            let want: f64 = x.iter().fold(-0.0, |s, &v| s + (v as f64) * (v as f64));
            let got = kernels::sum_squares_f64(&x);
            prop_assert!((got.is_nan() && want.is_nan()) || got.to_bits() == want.to_bits());
            prop_assert_eq!(kernels::all_finite(&x), x.iter().all(|v| v.is_finite()));
            Ok(())
        })
        .unwrap();
}
