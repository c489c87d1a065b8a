//! The dense-layer products (dense.rs) against an f64 reference for many shapes (edge sizes 1,
//! 3, 5, 17 and every size around the register tiles), bit for bit against the scalar reference
//! that spells out the documented order of each sum, on repeat, and cut in blocks of rows.
//!
//! `cargo test` runs these on the portable lane type; scripts/test-simd.sh builds them for
//! wasm32 with SIMD128 and runs them in Node, so the SIMD path is held to the same bits.

use minibatch_core::dense::{self, scalar};

/// A deterministic pseudo-random f32 in [−2, 2) (xorshift), so that the cases are reproducible.
struct Gen(u64);
impl Gen {
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        ((self.0 >> 40) as f32 / (1u64 << 24) as f32) * 4.0 - 2.0
    }
    fn vec(&mut self, n: usize) -> Vec<f32> {
        (0..n).map(|_| self.next()).collect()
    }
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// Sizes covering 1, the tiles' edges (3, 4, 5, 7, 8, 9, 12, 13, 16, 17) and a few large ones.
const SIZES: [usize; 12] = [1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17, 33];

/// The f64 sum `start + Σ x·y` of the terms, and `|start| + Σ |x·y|` (the scale of its rounding).
fn sum_f64(start: f64, terms: impl Iterator<Item = (f32, f32)>) -> (f64, f64) {
    terms.fold((start, start.abs()), |(s, mag), (x, y)| {
        let t = x as f64 * y as f64;
        (s + t, mag + t.abs())
    })
}

/// |got − want| within a few f32 roundings of the sum of the terms' magnitudes.
fn close(got: f32, want: f64, magnitude: f64, terms: usize) -> bool {
    (got as f64 - want).abs() <= (terms as f64 + 2.0) * 1.2e-7 * magnitude + 1e-30
}

fn shapes() -> Vec<(usize, usize, usize)> {
    let mut v = Vec::new();
    for &m in &[1usize, 3, 5, 8, 17] {
        for &kk in &SIZES {
            for &n in &[1usize, 2, 3, 5, 8, 10, 17] {
                v.push((m, kk, n));
            }
        }
    }
    // the shapes, a little cut down for the debug build on wasm
    v.extend([
        (32, 64, 64),
        (32, 64, 10),
        (9, 784, 20),
        (40, 256, 10),
        (3, 0, 4),
        (0, 5, 3),
    ]);
    v
}

#[test]
fn forward_matches_f64_and_its_order_bit_for_bit() {
    let mut g = Gen(0x9e37_79b9_7f4a_7c15);
    for (m, kk, n) in shapes() {
        let (a, w, b) = (g.vec(m * kk), g.vec(n * kk), g.vec(n));
        for bias in [None, Some(&b[..])] {
            let mut got = vec![f32::NAN; m * n];
            dense::forward(&a, m, kk, &w, n, bias, &mut got);
            let mut want = vec![0.0; m * n];
            scalar::forward(&a, m, kk, &w, n, bias, &mut want);
            assert_eq!(bits(&got), bits(&want), "forward m {m} kk {kk} n {n}");
            let mut again = vec![0.0; m * n];
            dense::forward(&a, m, kk, &w, n, bias, &mut again);
            assert_eq!(bits(&got), bits(&again), "forward on repeat");
            for i in 0..m {
                for j in 0..n {
                    let (s, mag) = sum_f64(
                        bias.map_or(0.0, |b| b[j] as f64),
                        (0..kk).map(|k| (a[i * kk + k], w[j * kk + k])),
                    );
                    assert!(
                        close(got[i * n + j], s, mag, kk),
                        "forward {m} {kk} {n} at {i},{j}"
                    );
                }
            }
        }
    }
}

#[test]
fn weight_gradient_matches_f64_and_adds_row_after_row() {
    let mut g = Gen(0x2545_f491_4f6c_dd1d);
    for (m, kk, n) in shapes() {
        let (d, a) = (g.vec(m * n), g.vec(m * kk));
        let (gw0, gb0) = (g.vec(n * kk), g.vec(n));
        let (mut gw, mut gb) = (gw0.clone(), gb0.clone());
        dense::weight_gradient(&d, &a, m, n, kk, &mut gw, Some(&mut gb));
        let (mut rw, mut rb) = (gw0.clone(), gb0.clone());
        scalar::weight_gradient(&d, &a, m, n, kk, &mut rw, Some(&mut rb));
        assert_eq!(bits(&gw), bits(&rw), "gw m {m} kk {kk} n {n}");
        assert_eq!(bits(&gb), bits(&rb), "gb m {m} kk {kk} n {n}");
        // without gb: the same gw
        let mut gw2 = gw0.clone();
        dense::weight_gradient(&d, &a, m, n, kk, &mut gw2, None);
        assert_eq!(bits(&gw2), bits(&gw));
        for j in 0..n {
            for k in 0..kk {
                let (s, mag) = sum_f64(
                    gw0[j * kk + k] as f64,
                    (0..m).map(|i| (d[i * n + j], a[i * kk + k])),
                );
                assert!(
                    close(gw[j * kk + k], s, mag, m),
                    "gw {m} {kk} {n} at {j},{k}"
                );
            }
            let (s, mag) = sum_f64(gb0[j] as f64, (0..m).map(|i| (d[i * n + j], 1.0)));
            assert!(close(gb[j], s, mag, m));
        }
        // rows [0, p) then [p, m) into the same buffers: the bits of one call
        for p in [0, 1, m / 2, m.saturating_sub(1), m]
            .into_iter()
            .filter(|&p| p <= m)
        {
            let (mut cw, mut cb) = (gw0.clone(), gb0.clone());
            dense::weight_gradient(&d[..p * n], &a[..p * kk], p, n, kk, &mut cw, Some(&mut cb));
            dense::weight_gradient(
                &d[p * n..],
                &a[p * kk..],
                m - p,
                n,
                kk,
                &mut cw,
                Some(&mut cb),
            );
            assert_eq!(bits(&cw), bits(&gw), "split at {p} of {m}");
            assert_eq!(bits(&cb), bits(&gb));
        }
    }
}

#[test]
fn threads_cut_gives_the_same_bits_for_the_same_cut() {
    // two parts summed from zero into their own buffers, then added (leader's first): the same
    // bits on every repeat; equal to the scalar reference of that recipe
    let mut g = Gen(7);
    let (m, kk, n) = (37, 29, 11);
    let (d, a) = (g.vec(m * n), g.vec(m * kk));
    let run = |p: usize| -> (Vec<f32>, Vec<f32>) {
        let (mut w0, mut b0) = (vec![0.0; n * kk], vec![0.0; n]);
        let (mut w1, mut b1) = (vec![0.0; n * kk], vec![0.0; n]);
        dense::weight_gradient(&d[..p * n], &a[..p * kk], p, n, kk, &mut w0, Some(&mut b0));
        dense::weight_gradient(
            &d[p * n..],
            &a[p * kk..],
            m - p,
            n,
            kk,
            &mut w1,
            Some(&mut b1),
        );
        (
            w0.iter().zip(&w1).map(|(x, y)| x + y).collect(),
            b0.iter().zip(&b1).map(|(x, y)| x + y).collect(),
        )
    };
    for p in [1, 18, 36] {
        let (w, b) = run(p);
        let (w2, b2) = run(p);
        assert_eq!(bits(&w), bits(&w2));
        assert_eq!(bits(&b), bits(&b2));
        let (mut r0, mut r1) = (vec![0.0; n * kk], vec![0.0; n * kk]);
        scalar::weight_gradient(&d[..p * n], &a[..p * kk], p, n, kk, &mut r0, None);
        scalar::weight_gradient(&d[p * n..], &a[p * kk..], m - p, n, kk, &mut r1, None);
        let r: Vec<f32> = r0.iter().zip(&r1).map(|(x, y)| x + y).collect();
        assert_eq!(bits(&w), bits(&r));
    }
}

#[test]
fn input_gradient_matches_f64_and_its_order_bit_for_bit() {
    let mut g = Gen(0xdead_beef_cafe_f00d);
    for (m, kk, n) in shapes() {
        let (d, w) = (g.vec(m * n), g.vec(n * kk));
        let mut got = vec![f32::NAN; m * kk];
        dense::input_gradient(&d, m, n, &w, kk, &mut got);
        let mut want = vec![f32::NAN; m * kk];
        scalar::input_gradient(&d, m, n, &w, kk, &mut want);
        assert_eq!(
            bits(&got),
            bits(&want),
            "input_gradient m {m} kk {kk} n {n}"
        );
        let mut again = vec![1.0; m * kk];
        dense::input_gradient(&d, m, n, &w, kk, &mut again);
        assert_eq!(bits(&got), bits(&again), "input_gradient on repeat");
        for i in 0..m {
            for k in 0..kk {
                let (s, mag) = sum_f64(0.0, (0..n).map(|j| (d[i * n + j], w[j * kk + k])));
                assert!(
                    close(got[i * kk + k], s, mag, n),
                    "input_gradient {m} {kk} {n} at {i},{k}"
                );
            }
        }
    }
}

#[test]
fn longer_slices_are_read_only_up_to_their_sizes() {
    // out beyond m×n is left alone; a and w beyond their sizes are not read
    let mut g = Gen(3);
    let (m, kk, n) = (5, 7, 3);
    let (a, w) = (g.vec(m * kk + 9), g.vec(n * kk + 9));
    let mut out = vec![42.0f32; m * n + 4];
    dense::forward(&a, m, kk, &w, n, None, &mut out);
    assert!(out[m * n..].iter().all(|&v| v == 42.0));
    let mut want = vec![0.0; m * n];
    scalar::forward(&a, m, kk, &w, n, None, &mut want);
    assert_eq!(bits(&out[..m * n]), bits(&want));
}

/// (Natively only: wasm32 aborts on a panic, there is nothing to catch.)
#[cfg(panic = "unwind")]
#[test]
fn short_slices_and_overflowing_sizes_are_refused_with_a_panic() {
    let run = |f: fn()| std::panic::catch_unwind(f).is_err();
    // a holds 5 values where 2 × 3 are needed
    assert!(run(|| dense::forward(
        &[0.0; 5],
        2,
        3,
        &[0.0; 3],
        1,
        None,
        &mut [0.0; 2]
    )));
    // out holds 1 value where 2 × 1 are needed
    assert!(run(|| dense::input_gradient(
        &[0.0; 2],
        2,
        1,
        &[0.0; 1],
        1,
        &mut [0.0; 1]
    )));
    // m·n overflows usize: refused, not wrapped around
    assert!(run(|| {
        dense::weight_gradient(&[], &[], usize::MAX, 2, 0, &mut [], None)
    }));
    // the bias is shorter than n
    assert!(run(|| dense::forward(
        &[0.0; 2],
        1,
        2,
        &[0.0; 4],
        2,
        Some(&[0.0]),
        &mut [0.0; 2]
    )));
}
