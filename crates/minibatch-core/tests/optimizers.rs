//! Three updates of every optimizer against the float64 reference of tests/common (the
//! equations of ts/engine/types.ts), within 1e-6 relative on every parameter.

mod common;

use common::{assert_close, Reference};
use minibatch_core::{
    AdagradConfig, AdamConfig, Objective, OptimizerConfig, RmsPropConfig, SgdConfig, Trainer,
    TrainerConfig,
};

const TOL: f64 = 1e-6;

/// Six rows, three features; a batch of 4 then a batch of 2 per epoch.
fn data() -> (Vec<f32>, Vec<f32>) {
    let x = vec![
        0.5, -1.0, 0.25, //
        1.5, 0.75, -0.5, //
        -0.25, 0.5, 1.0, //
        1.0, -1.5, 0.5, //
        -1.0, 0.25, -0.75, //
        0.75, 1.25, 0.25,
    ];
    let y = vec![1.0, -0.5, 2.0, 0.25, -1.5, 1.25];
    (x, y)
}

/// W = [0.6, −0.9, 1.1], b = 0.7: every entry stays far from 0 over three steps.
const THETA: [f32; 4] = [0.6, -0.9, 1.1, 0.7];
const ORDER: [u32; 6] = [4, 1, 5, 0, 3, 2];
const LRS: [f32; 3] = [0.05, 0.03, 0.02];

fn config(optimizer: OptimizerConfig) -> TrainerConfig {
    TrainerConfig {
        hidden: Vec::new(),
        objective: Objective::SquaredError,
        n_features: 3,
        n_outputs: 1,
        l2: 0.0,
        l1: 0.0,
        fit_intercept: true,
        clip_value: 0.0,
        clip_norm: 0.0,
        optimizer,
    }
}

/// Runs three updates (batches of 4, 2, then 4 of a new epoch) in the trainer and in the
/// reference; checks params and reported losses; returns the worst relative error seen.
fn three_steps(cfg: TrainerConfig, x: &[f32], y: &[f32], w: Option<&[f32]>, theta: &[f32]) -> f64 {
    let mut t = Trainer::new(cfg.clone(), x.to_vec(), y.to_vec(), w.map(|w| w.to_vec())).unwrap();
    t.set_params(theta).unwrap();
    let mut r = Reference::new(cfg, x, y, w, theta);
    let order: Vec<usize> = ORDER.iter().map(|&i| i as usize).collect();
    let mut worst = 0.0f64;
    t.set_order(ORDER.to_vec()).unwrap();
    let s = t.run_batches(4, 0, &LRS[..2], false).unwrap();
    let loss = r.step(&order[..4], LRS[0] as f64) + r.step(&order[4..], LRS[1] as f64);
    assert!(s.finite && s.iterations == 2);
    assert!(
        (s.loss_sum - loss).abs() <= TOL * loss.abs(),
        "loss {} vs {loss}",
        s.loss_sum
    );
    worst = worst.max(assert_close(t.params(), &r.theta, TOL, "after 2 steps"));
    t.set_order(ORDER.iter().rev().cloned().collect()).unwrap();
    t.run_batches(4, 0, &LRS[2..], false).unwrap();
    let reversed: Vec<usize> = order.iter().rev().cloned().collect();
    r.step(&reversed[..4], LRS[2] as f64);
    assert_eq!(t.optimizer_steps(), 3);
    worst.max(assert_close(t.params(), &r.theta, TOL, "after 3 steps"))
}

fn check(name: &str, optimizer: OptimizerConfig) {
    let (x, y) = data();
    let worst = three_steps(config(optimizer), &x, &y, None, &THETA);
    println!("{name}: worst relative error {worst:.2e}");
}

fn sgd(momentum: f64, dampening: f64, nesterov: bool, weight_decay: f64) -> OptimizerConfig {
    OptimizerConfig::Sgd(SgdConfig {
        momentum,
        dampening,
        nesterov,
        weight_decay,
    })
}

fn adam(amsgrad: bool, weight_decay: f64, decoupled: bool) -> OptimizerConfig {
    OptimizerConfig::Adam(AdamConfig {
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        amsgrad,
        weight_decay,
        decoupled,
    })
}

fn rmsprop(momentum: f64, centered: bool, weight_decay: f64) -> OptimizerConfig {
    OptimizerConfig::RmsProp(RmsPropConfig {
        alpha: 0.99,
        eps: 1e-8,
        momentum,
        centered,
        weight_decay,
    })
}

#[test]
fn sgd_plain_matches_the_float64_equations() {
    check("sgd", sgd(0.0, 0.0, false, 0.0));
}

#[test]
fn sgd_with_weight_decay_matches_the_float64_equations() {
    check("sgd weightDecay", sgd(0.0, 0.0, false, 0.1));
}

#[test]
fn sgd_momentum_with_dampening_matches_the_float64_equations() {
    check("sgd momentum", sgd(0.9, 0.3, false, 0.05));
}

#[test]
fn sgd_nesterov_matches_the_float64_equations() {
    check("sgd nesterov", sgd(0.9, 0.0, true, 0.05));
}

#[test]
fn adagrad_matches_the_float64_equations() {
    check(
        "adagrad",
        OptimizerConfig::Adagrad(AdagradConfig {
            lr_decay: 0.1,
            initial_accumulator: 0.2,
            eps: 1e-10,
            weight_decay: 0.05,
        }),
    );
}

#[test]
fn rmsprop_matches_the_float64_equations() {
    check("rmsprop", rmsprop(0.0, false, 0.0));
}

#[test]
fn rmsprop_centered_with_momentum_and_weight_decay_matches_the_float64_equations() {
    check("rmsprop centered momentum", rmsprop(0.8, true, 0.05));
}

#[test]
fn adam_matches_the_float64_equations() {
    check("adam", adam(false, 0.0, false));
}

#[test]
fn adam_amsgrad_with_l2_weight_decay_matches_the_float64_equations() {
    check("adam amsgrad weightDecay", adam(true, 0.1, false));
}

#[test]
fn adamw_decoupled_weight_decay_matches_the_float64_equations() {
    check("adamw", adam(false, 0.1, true));
}

#[test]
fn adamw_amsgrad_matches_the_float64_equations() {
    check("adamw amsgrad", adam(true, 0.2, true));
}

#[test]
fn weight_decay_never_touches_the_intercept() {
    // x = 0 everywhere and y = b: the intercept's gradient is 0, so only decay could move it.
    for optimizer in [
        sgd(0.9, 0.0, true, 0.5),
        OptimizerConfig::Adagrad(AdagradConfig {
            lr_decay: 0.0,
            initial_accumulator: 0.1,
            eps: 1e-10,
            weight_decay: 0.5,
        }),
        rmsprop(0.5, true, 0.5),
        adam(true, 0.5, false),
        adam(false, 0.5, true),
    ] {
        let mut t = Trainer::new(config(optimizer), vec![0.0; 6], vec![0.7, 0.7], None).unwrap();
        t.set_params(&THETA).unwrap();
        t.set_order(vec![0, 1]).unwrap();
        t.run_batches(2, 0, &[0.1], false).unwrap();
        t.set_order(vec![1, 0]).unwrap();
        t.run_batches(2, 0, &[0.1], false).unwrap();
        let p = t.params();
        assert_eq!(p[3], 0.7, "{optimizer:?}");
        assert!(p[0] < 0.6, "W decays: {optimizer:?}");
    }
}

#[test]
fn clipping_by_value_then_by_norm_and_the_l1_step_compose_as_the_contract_orders_them() {
    let (x, y) = data();
    for (clip_value, clip_norm) in [(0.5, 0.0), (0.0, 0.4), (0.5, 0.4)] {
        let cfg = TrainerConfig {
            l2: 0.1,
            l1: 0.05,
            clip_value,
            clip_norm,
            ..config(sgd(0.9, 0.0, false, 0.0))
        };
        three_steps(cfg, &x, &y, None, &THETA);
        let cfg = TrainerConfig {
            l2: 0.1,
            l1: 0.05,
            clip_value,
            clip_norm,
            ..config(adam(false, 0.0, false))
        };
        three_steps(cfg, &x, &y, None, &THETA);
    }
}

#[test]
fn sample_weights_enter_gradient_and_loss_as_the_contract_says() {
    let (x, y) = data();
    let w = [0.5, 2.0, 1.0, 0.0, 3.0, 1.5];
    three_steps(config(adam(false, 0.0, false)), &x, &y, Some(&w), &THETA);
    three_steps(config(sgd(0.5, 0.1, false, 0.0)), &x, &y, Some(&w), &THETA);
}

#[test]
fn logistic_regression_matches_the_float64_equations() {
    let (x, _) = data();
    let y = vec![1.0, 0.0, 1.0, 1.0, 0.0, 0.0];
    let cfg = TrainerConfig {
        objective: Objective::LogLoss,
        l2: 0.01,
        ..config(rmsprop(0.5, false, 0.0))
    };
    three_steps(cfg, &x, &y, None, &THETA);
}

#[test]
fn softmax_regression_matches_the_float64_equations() {
    let (x, _) = data();
    let y = vec![2.0, 0.0, 1.0, 2.0, 1.0, 0.0];
    // three classes: W is 3 × 3, then three intercepts
    let theta = [
        0.6, -0.9, 1.1, -0.4, 0.8, 0.5, 1.2, 0.3, -0.7, 0.7, -0.6, 0.45,
    ];
    for optimizer in [sgd(0.9, 0.0, true, 0.01), adam(true, 0.05, true)] {
        let cfg = TrainerConfig {
            objective: Objective::CrossEntropy,
            n_outputs: 3,
            l2: 0.02,
            clip_norm: 2.0,
            ..config(optimizer)
        };
        three_steps(cfg, &x, &y, None, &theta);
    }
}
