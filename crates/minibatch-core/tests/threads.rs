//! Data-parallel training (team.rs) with native threads standing in for wasm workers: the
//! batch's parts are added in a fixed order, so a threaded fit is the same bits every time, and
//! it agrees with a single thread's fit to float32 rounding.

mod common;

use common::{close, pool_with, sgd};
use minibatch_core::dataset::Dataset;
use minibatch_core::model::{self, Model, Scratch};
use minibatch_core::team::{part_range, planned_parts};
use minibatch_core::{Objective, OptimizerConfig, Pool, SgdConfig, Trainer, TrainerConfig};

/// Deterministic pseudo-random data (an LCG), rows × d, targets for the objective.
fn problem(objective: Objective, k: usize, rows: usize, d: usize) -> (Vec<f32>, Vec<f32>) {
    let mut s = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    };
    let x: Vec<f32> = (0..rows * d).map(|_| next()).collect();
    let y = (0..rows)
        .map(|r| {
            let z: f32 = x[r * d..(r + 1) * d].iter().take(8).sum::<f32>() + 0.3 * next();
            match objective {
                Objective::SquaredError => z,
                Objective::LogLoss => f32::from(z > 0.0),
                Objective::CrossEntropy => ((z + 4.0).max(0.0) as usize % k) as f32,
            }
        })
        .collect();
    (x, y)
}

fn config(objective: Objective, k: usize, d: usize, optimizer: OptimizerConfig) -> TrainerConfig {
    TrainerConfig {
        hidden: Vec::new(),
        objective,
        n_features: d,
        n_outputs: k,
        l2: 1e-3,
        l1: 0.0,
        fit_intercept: true,
        clip_value: 0.0,
        clip_norm: 0.0,
        optimizer,
    }
}

fn momentum() -> OptimizerConfig {
    OptimizerConfig::Sgd(SgdConfig {
        momentum: 0.9,
        dampening: 0.0,
        nesterov: false,
        weight_decay: 0.0,
    })
}

/// `epochs` epochs over a fixed permutation; returns θ and the loss sums.
fn fit(
    cfg: TrainerConfig,
    (x, y): (Vec<f32>, Vec<f32>),
    batch: usize,
    epochs: usize,
    team: Option<(&'static Pool, usize)>,
) -> (Vec<f32>, Vec<f64>) {
    let rows = y.len();
    let mut t = Trainer::new(cfg, x, y, None).unwrap();
    if let Some((pool, threads)) = team {
        t.set_threads(pool, threads).unwrap();
        assert_eq!(t.threads(), threads);
    }
    let mut losses = Vec::new();
    for e in 0..epochs {
        let order: Vec<u32> = (0..rows as u32)
            .map(|i| (i * 7919 + e as u32 * 13) % rows as u32)
            .collect();
        t.set_order(order).unwrap();
        let lrs = vec![0.05f32; rows.div_ceil(batch)];
        let s = t.run_batches(batch, 0, &lrs, false).unwrap();
        assert!(s.finite);
        losses.push(s.loss_sum);
    }
    (t.params().to_vec(), losses)
}

fn max_rel_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(p, q)| (p - q).abs() / p.abs().max(q.abs()).max(1e-3))
        .fold(0.0, f32::max)
}

#[test]
fn threaded_fits_repeat_bit_for_bit_and_agree_with_one_thread() {
    let (pool, handles) = pool_with(3);
    for (objective, k) in [
        (Objective::SquaredError, 1),
        (Objective::LogLoss, 1),
        (Objective::CrossEntropy, 4),
    ] {
        for optimizer in [sgd(), momentum()] {
            let cfg = config(objective, k, 64, optimizer);
            let data = problem(objective, k, 1003, 64);
            let (one, one_loss) = fit(cfg.clone(), data.clone(), 256, 3, None);
            for threads in [2, 3, 4, 8] {
                let (a, a_loss) = fit(cfg.clone(), data.clone(), 256, 3, Some((pool, threads)));
                let (b, b_loss) = fit(cfg.clone(), data.clone(), 256, 3, Some((pool, threads)));
                assert_eq!(a, b, "{objective:?} threads {threads}: not repeatable");
                assert_eq!(a_loss, b_loss);
                let diff = max_rel_diff(&a, &one);
                assert!(diff < 1e-4, "{objective:?} threads {threads}: {diff}");
                for (p, q) in a_loss.iter().zip(&one_loss) {
                    assert!((p - q).abs() <= 1e-6 * q.abs(), "{p} vs {q}");
                }
                // the parts really were summed apart: not the single-thread bits
                if threads == 2 {
                    assert_ne!(a, one, "{objective:?}: the team did not run");
                }
            }
        }
    }
    close(pool, handles);
}

#[test]
fn the_parts_are_added_in_order_after_the_leaders_part() {
    let (pool, handles) = pool_with(1);
    let d = 100;
    let cfg = config(Objective::LogLoss, 1, d, sgd());
    let (x, y) = problem(Objective::LogLoss, 1, 300, d);
    let order: Vec<u32> = (0..300).rev().collect();
    let batch = &order[..300];
    // the expected update, by hand: g = part 0's sums + part 1's sums, then mean and l2·W
    let m = Model {
        hidden: Vec::new(),
        objective: Objective::LogLoss,
        n_features: d,
        n_outputs: 1,
        l2: 1e-3,
        fit_intercept: true,
    };
    assert_eq!(planned_parts(&m, 300, 2), 2);
    let data = Dataset::new(
        "train",
        Objective::LogLoss,
        d,
        1,
        x.clone(),
        y.clone(),
        None,
    )
    .unwrap();
    let theta = vec![0.01f32; d + 1];
    let mut scratch = Scratch::new(&m).unwrap();
    let (lo, mid) = part_range(300, 2, 0);
    let (_, hi) = part_range(300, 2, 1);
    assert_eq!((lo, mid, hi), (0, 144, 300));
    let mut g0 = vec![0.0f32; d + 1];
    let mut g1 = vec![0.0f32; d + 1];
    let l0 = model::batch_sums(&m, &data, &batch[lo..mid], &theta, &mut g0, &mut scratch);
    let l1 = model::batch_sums(&m, &data, &batch[mid..hi], &theta, &mut g1, &mut scratch);
    for (a, b) in g0.iter_mut().zip(&g1) {
        *a += *b;
    }
    model::finish_gradient(&m, 300, &theta, &mut g0);
    let want: Vec<f32> = theta.iter().zip(&g0).map(|(p, g)| p + -0.5 * g).collect();

    let mut t = Trainer::new(cfg, x, y, None).unwrap();
    t.set_threads(pool, 2).unwrap();
    t.set_params(&theta).unwrap();
    t.set_order(order.clone()).unwrap();
    let s = t.run_batches(300, 0, &[0.5], false).unwrap();
    assert_eq!(t.params(), &want[..]);
    let penalty = 0.5e-3 * 0.01f64 * 0.01 * d as f64;
    assert!((s.loss_sum - (l0 + l1) - 300.0 * penalty).abs() < 1e-9 * s.loss_sum);
    close(pool, handles);
}

#[test]
fn small_batches_and_a_team_of_one_give_the_single_thread_bits() {
    let (pool, handles) = pool_with(1);
    let cfg = config(Objective::LogLoss, 1, 32, sgd());
    let data = problem(Objective::LogLoss, 1, 500, 32);
    // 32 rows × 33 columns is under MIN_PARALLEL_WORK: no split
    let one = fit(cfg.clone(), data.clone(), 32, 2, None);
    assert_eq!(fit(cfg.clone(), data.clone(), 32, 2, Some((pool, 2))), one);
    let one_big = fit(cfg.clone(), data.clone(), 500, 2, None);
    assert_eq!(fit(cfg, data.clone(), 500, 2, Some((pool, 1))), one_big);
    close(pool, handles);
}

#[test]
fn the_bits_do_not_depend_on_how_many_helpers_run() {
    let cfg = config(Objective::SquaredError, 1, 64, momentum());
    let data = problem(Objective::SquaredError, 1, 700, 64);
    // no helper at all: the leader sums all four parts itself
    let (idle, none) = pool_with(0);
    let alone = fit(cfg.clone(), data.clone(), 256, 2, Some((idle, 4)));
    close(idle, none);
    for helpers in [1, 3, 6] {
        let (pool, handles) = pool_with(helpers);
        assert_eq!(
            fit(cfg.clone(), data.clone(), 256, 2, Some((pool, 4))),
            alone,
            "{helpers} helpers"
        );
        close(pool, handles);
    }
    let mut t = Trainer::new(cfg, data.0, data.1, None).unwrap();
    for bad in [0, 257] {
        assert!(t.set_threads(idle, bad).is_err());
    }
    t.set_threads(idle, 256).unwrap();
    assert_eq!(t.threads(), 256);
}
