//! Gradient clipping (step 2 of an update), the penalty value and the L1 proximal step (step 4).
//! The intercepts are never penalized: these functions are handed W only, except clipping by
//! norm, which takes the whole gradient (W and b together, as PyTorch's clip_grad_norm_).

/// Each g to [−c, c] (PyTorch's clip_grad_value_). A NaN stays NaN, so divergence still shows.
pub fn clip_by_value(grad: &mut [f32], c: f32) {
    for g in grad {
        *g = if *g > c {
            c
        } else if *g < -c {
            -c
        } else {
            *g
        };
    }
}

/// Scales g by max_norm / ‖g‖₂ when ‖g‖₂ > max_norm; the norm is summed in f64 so that it
/// cannot overflow. (PyTorch adds 1e-6 to the norm; the contract in ts/engine/types.ts does not.)
pub fn clip_by_norm(grad: &mut [f32], max_norm: f64) {
    let norm = grad
        .iter()
        .map(|&g| g as f64 * g as f64)
        .sum::<f64>()
        .sqrt();
    if norm > max_norm {
        let scale = (max_norm / norm) as f32;
        for g in grad {
            *g *= scale;
        }
    }
}

/// (l2/2)‖W‖² + l1‖W‖₁ in f64.
pub fn penalty(w: &[f32], l2: f64, l1: f64) -> f64 {
    let mut value = 0.0;
    if l2 > 0.0 {
        value += 0.5 * l2 * sum4(w, |v| v * v);
    }
    if l1 > 0.0 {
        value += l1 * sum4(w, f64::abs);
    }
    value
}

/// Σ f(w_i) in f64 with four accumulators (element i into accumulator i mod 4, combined as
/// (a0 + a1) + (a2 + a3)): a fixed order, and four independent add chains instead of one. The
/// penalty is taken before every update, so at batch size 1 a single chain of d dependent adds
/// cost as much as the row's own work.
#[inline]
fn sum4(w: &[f32], f: impl Fn(f64) -> f64) -> f64 {
    let mut acc = [0.0f64; 4];
    let mut quads = w.chunks_exact(4);
    for q in &mut quads {
        for j in 0..4 {
            acc[j] += f(q[j] as f64);
        }
    }
    for (j, &v) in quads.remainder().iter().enumerate() {
        acc[j] += f(v as f64);
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3])
}

/// W ← sign(W)·max(|W| − t, 0): the proximal operator of t‖W‖₁ (soft thresholding), which sets
/// weights exactly to 0 (ISTA; scikit-learn's SGD uses the cumulative variant of Tsuruoka et
/// al., the contract asks for the plain one). A NaN stays NaN.
pub fn l1_proximal(w: &mut [f32], t: f32) {
    for v in w {
        *v = if *v > t {
            *v - t
        } else if *v < -t {
            *v + t
        } else if v.is_nan() {
            *v
        } else {
            0.0
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipping_by_value_bounds_each_entry_and_keeps_nan() {
        let mut g = vec![-3.0f32, -0.5, 0.0, 0.5, 3.0, f32::NAN];
        clip_by_value(&mut g, 1.0);
        assert_eq!(&g[..5], &[-1.0, -0.5, 0.0, 0.5, 1.0]);
        assert!(g[5].is_nan());
    }

    #[test]
    fn clipping_by_norm_rescales_to_the_limit_only_when_above_it() {
        let mut g = vec![3.0f32, -4.0]; // ‖g‖ = 5
        clip_by_norm(&mut g, 10.0);
        assert_eq!(g, [3.0, -4.0]);
        clip_by_norm(&mut g, 5.0);
        assert_eq!(g, [3.0, -4.0]);
        clip_by_norm(&mut g, 1.0);
        assert_eq!(g, [0.6, -0.8]);
        let norm = (g[0] as f64).hypot(g[1] as f64);
        assert!((norm - 1.0).abs() < 1e-7);
    }

    #[test]
    fn the_proximal_step_soft_thresholds_to_exact_zeros() {
        let mut w = vec![0.3f32, -0.3, 0.05, -0.05, 0.1, 0.0, f32::NAN];
        l1_proximal(&mut w, 0.1);
        assert_eq!(&w[..6], &[0.3 - 0.1, -0.3 + 0.1, 0.0, 0.0, 0.0, 0.0]);
        assert!(w[2..6].iter().all(|v| v.to_bits() == 0), "exact +0");
        assert!(w[6].is_nan());
    }

    #[test]
    fn the_penalty_is_half_l2_times_the_squared_norm_plus_l1_times_the_abs_norm() {
        let w = [1.0f32, -2.0, 0.5];
        assert_eq!(penalty(&w, 0.0, 0.0), 0.0);
        assert_eq!(penalty(&w, 2.0, 0.0), 5.25);
        assert_eq!(penalty(&w, 0.0, 0.1), 0.1 * 3.5);
        assert_eq!(penalty(&w, 2.0, 0.1), 5.25 + 0.1 * 3.5);
    }
}
