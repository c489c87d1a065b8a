//! Whole fits through the public API: resumable optimizer state, exact zeros from the L1
//! proximal step, the softmax optimum, and one rejection test per validation rule.

use minibatch_core::{
    AdagradConfig, AdamConfig, CoreError, Objective, OptimizerConfig, RmsPropConfig, SgdConfig,
    Trainer, TrainerConfig,
};

fn sgd(momentum: f64, dampening: f64, nesterov: bool, weight_decay: f64) -> OptimizerConfig {
    OptimizerConfig::Sgd(SgdConfig {
        momentum,
        dampening,
        nesterov,
        weight_decay,
    })
}

fn adagrad(
    lr_decay: f64,
    initial_accumulator: f64,
    eps: f64,
    weight_decay: f64,
) -> OptimizerConfig {
    OptimizerConfig::Adagrad(AdagradConfig {
        lr_decay,
        initial_accumulator,
        eps,
        weight_decay,
    })
}

fn rmsprop(
    alpha: f64,
    eps: f64,
    momentum: f64,
    centered: bool,
    weight_decay: f64,
) -> OptimizerConfig {
    OptimizerConfig::RmsProp(RmsPropConfig {
        alpha,
        eps,
        momentum,
        centered,
        weight_decay,
    })
}

fn adam(
    beta1: f64,
    beta2: f64,
    eps: f64,
    amsgrad: bool,
    weight_decay: f64,
    decoupled: bool,
) -> OptimizerConfig {
    OptimizerConfig::Adam(AdamConfig {
        beta1,
        beta2,
        eps,
        amsgrad,
        weight_decay,
        decoupled,
    })
}

/// Every optimizer with every state buffer switched on, and a few with some off.
fn all_optimizers() -> Vec<OptimizerConfig> {
    vec![
        sgd(0.0, 0.0, false, 0.0),
        sgd(0.9, 0.1, false, 0.01),
        sgd(0.9, 0.0, true, 0.01),
        adagrad(0.01, 0.1, 1e-10, 0.01),
        rmsprop(0.99, 1e-8, 0.0, false, 0.0),
        rmsprop(0.9, 1e-8, 0.5, true, 0.01),
        adam(0.9, 0.999, 1e-8, false, 0.0, false),
        adam(0.9, 0.999, 1e-8, true, 0.01, false),
        adam(0.9, 0.999, 1e-8, true, 0.01, true),
    ]
}

/// A deterministic generator (xorshift32) in [−1, 1).
struct Rng(u32);
impl Rng {
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        (self.0 >> 8) as f32 / (1u32 << 23) as f32 - 1.0
    }
    fn shuffle(&mut self, v: &mut [u32]) {
        for i in (1..v.len()).rev() {
            let j = ((self.next() + 1.0) * 0.5 * (i + 1) as f32) as usize;
            v.swap(i, j.min(i));
        }
    }
}

/// Three classes from two informative features, plus `noise` irrelevant ones.
fn classes(rows: usize, noise: usize, seed: u32) -> (Vec<f32>, Vec<f32>) {
    let mut rng = Rng(seed);
    let d = 2 + noise;
    let mut x = Vec::with_capacity(rows * d);
    let mut y = Vec::with_capacity(rows);
    for _ in 0..rows {
        let row: Vec<f32> = (0..d).map(|_| rng.next() * 2.0).collect();
        let class = if row[0] + 0.3 * rng.next() > 0.5 {
            2.0
        } else if row[1] + 0.3 * rng.next() > 0.0 {
            1.0
        } else {
            0.0
        };
        x.extend_from_slice(&row);
        y.push(class);
    }
    (x, y)
}

fn softmax_config(d: usize, optimizer: OptimizerConfig) -> TrainerConfig {
    TrainerConfig {
        hidden: Vec::new(),
        objective: Objective::CrossEntropy,
        n_features: d,
        n_outputs: 3,
        l2: 0.001,
        l1: 0.0,
        fit_intercept: true,
        clip_value: 0.0,
        clip_norm: 5.0,
        optimizer,
    }
}

/// Runs `epochs` epochs of batches of 16 with seeded orders, continuing `rng`.
fn epochs(t: &mut Trainer, rng: &mut Rng, epochs: usize) {
    for e in 0..epochs {
        let mut order: Vec<u32> = (0..t.rows() as u32).collect();
        rng.shuffle(&mut order);
        t.set_order(order).unwrap();
        let lrs = vec![0.05 / (1.0 + e as f32); 100];
        assert!(t.run_batches(16, 0, &lrs, false).unwrap().finite);
    }
}

#[test]
fn saving_and_restoring_optimizer_state_continues_bit_identically() {
    let (x, y) = classes(150, 1, 7);
    for optimizer in all_optimizers() {
        let cfg = softmax_config(3, optimizer);
        let mut straight = Trainer::new(cfg.clone(), x.clone(), y.clone(), None).unwrap();
        let mut rng = Rng(99);
        epochs(&mut straight, &mut rng, 3);
        let (params, steps, state) = (
            straight.params().to_vec(),
            straight.optimizer_steps(),
            straight.optimizer_state().to_vec(),
        );
        let rng_state = rng.0;
        epochs(&mut straight, &mut rng, 3);

        let mut resumed = Trainer::new(cfg, x.clone(), y.clone(), None).unwrap();
        resumed.set_params(&params).unwrap();
        resumed.set_optimizer_state(steps, &state).unwrap();
        let mut rng = Rng(rng_state);
        epochs(&mut resumed, &mut rng, 3);
        let bits = |p: &[f32]| p.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(
            bits(resumed.params()),
            bits(straight.params()),
            "{optimizer:?}"
        );
        assert_eq!(
            bits(resumed.optimizer_state()),
            bits(straight.optimizer_state())
        );
        assert_eq!(resumed.optimizer_steps(), 6 * 10);
    }
}

#[test]
fn the_state_layout_has_one_buffer_of_length_p_per_quantity_the_settings_use() {
    let p = 3 * 4;
    for (optimizer, buffers) in [
        (sgd(0.0, 0.0, false, 0.1), 0),
        (sgd(0.5, 0.0, false, 0.0), 1),
        (adagrad(0.0, 0.25, 1e-10, 0.0), 1),
        (rmsprop(0.99, 1e-8, 0.0, false, 0.0), 1),
        (rmsprop(0.99, 1e-8, 0.0, true, 0.0), 2),
        (rmsprop(0.99, 1e-8, 0.9, false, 0.0), 2),
        (rmsprop(0.99, 1e-8, 0.9, true, 0.0), 3),
        (adam(0.9, 0.999, 1e-8, false, 0.0, false), 2),
        (adam(0.9, 0.999, 1e-8, true, 0.0, true), 3),
    ] {
        let (x, y) = classes(20, 1, 3);
        let t = Trainer::new(softmax_config(3, optimizer), x, y, None).unwrap();
        assert_eq!(t.optimizer_state().len(), buffers * p, "{optimizer:?}");
        assert_eq!(t.optimizer_steps(), 0);
        if let OptimizerConfig::Adagrad(_) = optimizer {
            assert!(
                t.optimizer_state().iter().all(|&v| v == 0.25),
                "sum starts at initialAccumulator"
            );
        }
    }
}

#[test]
fn rejects_optimizer_state_of_the_wrong_length_or_with_bad_values() {
    let (x, y) = classes(20, 1, 3);
    for optimizer in all_optimizers() {
        let mut t = Trainer::new(softmax_config(3, optimizer), x.clone(), y.clone(), None).unwrap();
        let n = t.optimizer_state().len();
        for wrong in [n + 1, n + 12, n.saturating_sub(1)] {
            if wrong == n {
                continue;
            }
            assert_eq!(
                t.set_optimizer_state(5, &vec![0.0; wrong]),
                Err(CoreError::StateLength {
                    got: wrong,
                    expected: n
                }),
                "{optimizer:?}"
            );
        }
        if n > 0 {
            let mut bad = vec![0.0; n];
            bad[n - 1] = f32::NAN;
            assert!(matches!(
                t.set_optimizer_state(5, &bad),
                Err(CoreError::InvalidState { .. })
            ));
        }
        assert_eq!(t.optimizer_steps(), 0, "a rejected state changes nothing");
    }
    // squared averages cannot be negative: adam's v (the second buffer)
    let mut t = Trainer::new(
        softmax_config(3, adam(0.9, 0.999, 1e-8, false, 0.0, false)),
        x,
        y,
        None,
    )
    .unwrap();
    let mut state = vec![0.0; 24];
    state[0] = -1.0; // m may be negative
    t.set_optimizer_state(1, &state).unwrap();
    state[12] = -1.0;
    assert!(matches!(
        t.set_optimizer_state(1, &state),
        Err(CoreError::InvalidState { index: 12, .. })
    ));
}

#[test]
fn the_l1_proximal_step_zeroes_irrelevant_features_exactly() {
    // y depends on x0 and x1 only; x2..x9 are noise
    let mut rng = Rng(12345);
    let (rows, d) = (400, 10);
    let mut x = Vec::new();
    let mut y = Vec::new();
    for _ in 0..rows {
        let row: Vec<f32> = (0..d).map(|_| rng.next()).collect();
        y.push(3.0 * row[0] - 2.0 * row[1] + 0.5 + 0.05 * rng.next());
        x.extend_from_slice(&row);
    }
    for optimizer in [
        sgd(0.9, 0.0, false, 0.0),
        adam(0.9, 0.999, 1e-8, false, 0.0, false),
    ] {
        let cfg = TrainerConfig {
            hidden: Vec::new(),
            objective: Objective::SquaredError,
            n_features: d,
            n_outputs: 1,
            l2: 0.0,
            l1: 0.05,
            fit_intercept: true,
            clip_value: 0.0,
            clip_norm: 0.0,
            optimizer,
        };
        let mut t = Trainer::new(cfg, x.clone(), y.clone(), None).unwrap();
        let mut order: Vec<u32> = (0..rows as u32).collect();
        for _ in 0..60 {
            rng.shuffle(&mut order);
            t.set_order(order.clone()).unwrap();
            t.run_batches(20, 0, &[0.02; 20], false).unwrap();
        }
        let w = t.params();
        assert!(w[0] > 2.0 && w[1] < -1.5, "{optimizer:?}: {w:?}");
        assert!(
            w[2..d].iter().all(|&v| v == 0.0),
            "{optimizer:?}: exact zeros, got {w:?}"
        );
    }
}

#[test]
fn softmax_regression_reaches_the_optimum_where_the_float64_gradient_vanishes() {
    let (x, y) = classes(120, 1, 21);
    let d = 3;
    let l2 = 0.05;
    let cfg = TrainerConfig {
        l2,
        clip_norm: 0.0,
        ..softmax_config(d, sgd(0.9, 0.0, true, 0.0))
    };
    let mut t = Trainer::new(cfg, x.clone(), y.clone(), None).unwrap();
    t.set_order((0..120).collect()).unwrap();
    for _ in 0..3000 {
        assert!(t.run_batches(120, 0, &[0.5], false).unwrap().finite);
    }
    // ∇J(θ) in float64 from the definition: (1/n)·Σ (softmax(z) − e_y)·[x, 1] + l2·(W, 0)
    let theta: Vec<f64> = t.params().iter().map(|&v| v as f64).collect();
    let mut grad = vec![0.0f64; theta.len()];
    for (r, row) in x.chunks(d).enumerate() {
        let z: Vec<f64> = (0..3)
            .map(|c| {
                theta[9 + c]
                    + (0..d)
                        .map(|j| theta[c * d + j] * row[j] as f64)
                        .sum::<f64>()
            })
            .collect();
        let m = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let total: f64 = z.iter().map(|v| (v - m).exp()).sum();
        for c in 0..3 {
            let dz = (z[c] - m).exp() / total - if c == y[r] as usize { 1.0 } else { 0.0 };
            for j in 0..d {
                grad[c * d + j] += dz * row[j] as f64 / 120.0;
            }
            grad[9 + c] += dz / 120.0;
        }
    }
    for i in 0..9 {
        grad[i] += l2 * theta[i];
    }
    let norm = grad.iter().map(|g| g * g).sum::<f64>().sqrt();
    assert!(norm < 1e-5, "‖∇J‖ = {norm:e} at {theta:?}");
}

fn rejects(optimizer: OptimizerConfig, name: &str) {
    let (x, y) = classes(10, 1, 5);
    match Trainer::new(softmax_config(3, optimizer), x, y, None) {
        Err(CoreError::InvalidOption { name: n, .. }) => assert_eq!(n, name, "{optimizer:?}"),
        other => panic!(
            "{optimizer:?} should be rejected for {name}, got {:?}",
            other.err()
        ),
    }
}

#[test]
fn rejects_a_negative_or_non_finite_momentum() {
    rejects(sgd(-0.1, 0.0, false, 0.0), "momentum");
    rejects(sgd(f64::NAN, 0.0, false, 0.0), "momentum");
    rejects(rmsprop(0.99, 1e-8, -0.5, false, 0.0), "momentum");
}

#[test]
fn rejects_a_dampening_outside_0_1() {
    rejects(sgd(0.9, -0.1, false, 0.0), "dampening");
    rejects(sgd(0.9, 1.5, false, 0.0), "dampening");
}

#[test]
fn rejects_nesterov_without_momentum_or_with_dampening() {
    rejects(sgd(0.0, 0.0, true, 0.0), "nesterov");
    rejects(sgd(0.9, 0.1, true, 0.0), "nesterov");
}

#[test]
fn rejects_a_negative_weight_decay_for_every_optimizer() {
    rejects(sgd(0.0, 0.0, false, -1e-3), "weightDecay");
    rejects(adagrad(0.0, 0.0, 1e-10, -1e-3), "weightDecay");
    rejects(rmsprop(0.99, 1e-8, 0.0, false, -1e-3), "weightDecay");
    rejects(adam(0.9, 0.999, 1e-8, false, -1e-3, false), "weightDecay");
    rejects(
        adam(0.9, 0.999, 1e-8, false, f64::INFINITY, true),
        "weightDecay",
    );
}

#[test]
fn rejects_a_negative_lr_decay_or_initial_accumulator() {
    rejects(adagrad(-0.1, 0.0, 1e-10, 0.0), "lrDecay");
    rejects(adagrad(0.0, -0.1, 1e-10, 0.0), "initialAccumulator");
}

#[test]
fn rejects_an_eps_that_is_not_positive() {
    rejects(adagrad(0.0, 0.0, 0.0, 0.0), "eps");
    rejects(rmsprop(0.99, -1e-8, 0.0, false, 0.0), "eps");
    rejects(adam(0.9, 0.999, f64::NAN, false, 0.0, false), "eps");
}

#[test]
fn rejects_an_alpha_outside_0_1() {
    rejects(rmsprop(1.0, 1e-8, 0.0, false, 0.0), "alpha");
    rejects(rmsprop(-0.1, 1e-8, 0.0, false, 0.0), "alpha");
}

#[test]
fn rejects_betas_outside_0_1() {
    rejects(adam(1.0, 0.999, 1e-8, false, 0.0, false), "beta1");
    rejects(adam(-0.1, 0.999, 1e-8, false, 0.0, true), "beta1");
    rejects(adam(0.9, 1.0, 1e-8, false, 0.0, false), "beta2");
    rejects(adam(0.9, f64::NAN, 1e-8, true, 0.0, false), "beta2");
}

#[test]
fn rejects_labels_that_are_not_class_indices_naming_the_row() {
    let x = vec![0.0; 9];
    for bad in [3.0, 1.5, -1.0, f32::NAN] {
        let e = Trainer::new(
            softmax_config(3, sgd(0.0, 0.0, false, 0.0)),
            x.clone(),
            vec![0.0, bad, 2.0],
            None,
        )
        .err()
        .unwrap();
        assert!(
            matches!(
                e,
                CoreError::InvalidLabel {
                    row: 1,
                    classes: 3,
                    ..
                }
            ),
            "{bad}: {e:?}"
        );
        assert!(e.to_string().contains("row 1"), "{e}");
    }
}

#[test]
fn every_error_message_names_what_to_change() {
    let e = Trainer::new(
        softmax_config(3, sgd(0.0, 0.0, true, 0.0)),
        vec![0.0; 3],
        vec![0.0],
        None,
    )
    .err()
    .unwrap();
    assert_eq!(
        e.to_string(),
        "option nesterov = 1 is invalid: nesterov requires momentum > 0 and dampening = 0 (as in PyTorch)"
    );
    let e = Trainer::new(
        softmax_config(3, adam(1.0, 0.999, 1e-8, false, 0.0, false)),
        vec![0.0; 3],
        vec![0.0],
        None,
    )
    .err()
    .unwrap();
    assert_eq!(
        e.to_string(),
        "option beta1 = 1 is invalid: a number in [0, 1)"
    );
}
