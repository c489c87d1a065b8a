//! The stack path (model.rs): networks with hidden layers, and squaredError with several
//! outputs. The batch gradient against float64 central finite differences of the mean loss,
//! computed by a float64 forward pass written here from the equations of ts/engine/types.ts
//! (independently of the core's code); training (XOR), repeat, threads and divergence; the
//! refusals of bad hidden specs.

mod common;

use common::{close, pool_with, sgd};
use minibatch_core::dataset::Dataset;
use minibatch_core::model::{self, Activation, HiddenLayer, Model, Scratch};
use minibatch_core::team::planned_parts;
use minibatch_core::{
    AdamConfig, CoreError, Objective, OptimizerConfig, Pool, Trainer, TrainerConfig,
};

/// Deterministic numbers in [−1, 1) (an LCG).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }
}

/// f and f' of the contract (ts/engine/types.ts), in f64, by the activation's name.
fn f64_activation(name: &str, z: f64) -> f64 {
    match name {
        "identity" => z,
        "relu" => z.max(0.0),
        "leakyRelu" => {
            if z > 0.0 {
                z
            } else {
                0.01 * z
            }
        }
        "tanh" => z.tanh(),
        "logistic" => 1.0 / (1.0 + (-z).exp()),
        other => panic!("no float64 reference for the activation {other}"),
    }
}

/// The row loss ℓ(z, y) of the contract in f64.
fn f64_loss(objective: Objective, z: &[f64], y: &[f32]) -> f64 {
    match objective {
        Objective::SquaredError => z
            .iter()
            .zip(y)
            .map(|(&z, &y)| 0.5 * (z - y as f64).powi(2))
            .sum(),
        Objective::LogLoss => {
            let (z, y) = (z[0], y[0] as f64);
            z.max(0.0) - y * z + (-z.abs()).exp().ln_1p()
        }
        Objective::CrossEntropy => {
            let m = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let lse = m + z.iter().map(|v| (v - m).exp()).sum::<f64>().ln();
            lse - z[y[0] as usize]
        }
    }
}

/// The forward pass of one row in f64 (layout: every W, layer after layer, then every b);
/// returns the output layer's z and the smallest |z| of a hidden unit (to keep finite
/// differences away from the kinks of relu and leakyRelu).
fn f64_forward(model: &Model, theta: &[f64], x: &[f32]) -> (Vec<f64>, f64) {
    let layers = model.layers();
    let n_weights: usize = layers.iter().map(|l| l.inputs * l.outputs).sum();
    let (mut w, mut b) = (0, n_weights);
    let mut a: Vec<f64> = x.iter().map(|&v| v as f64).collect();
    let mut nearest = f64::INFINITY;
    for (l, layer) in layers.iter().enumerate() {
        let z: Vec<f64> = (0..layer.outputs)
            .map(|o| {
                theta[b + o]
                    + (0..layer.inputs)
                        .map(|i| theta[w + o * layer.inputs + i] * a[i])
                        .sum::<f64>()
            })
            .collect();
        w += layer.inputs * layer.outputs;
        b += layer.outputs;
        if l + 1 == layers.len() {
            return (z, nearest);
        }
        nearest = z.iter().fold(nearest, |m, v| m.min(v.abs()));
        a = z
            .iter()
            .map(|&v| f64_activation(layer.activation.name(), v))
            .collect();
    }
    unreachable!()
}

/// J(θ) = (1/b)·Σ s_i·ℓ_i + (l2/2)‖W‖² over `batch`, in f64, and the smallest hidden |z|.
fn f64_objective(model: &Model, data: &Dataset, batch: &[u32], theta: &[f64]) -> (f64, f64) {
    let mut total = 0.0;
    let mut nearest = f64::INFINITY;
    for &r in batch {
        let (z, near) = f64_forward(model, theta, data.row(r as usize));
        nearest = nearest.min(near);
        total += data.weight(r as usize) as f64
            * f64_loss(model.objective, &z, data.targets(r as usize));
    }
    let n_weights = model.n_weights();
    let penalty = 0.5 * model.l2 as f64 * theta[..n_weights].iter().map(|v| v * v).sum::<f64>();
    (total / batch.len() as f64 + penalty, nearest)
}

fn hidden(units: &[usize], activation: Activation) -> Vec<HiddenLayer> {
    units
        .iter()
        .map(|&units| HiddenLayer { units, activation })
        .collect()
}

/// `rows` rows of 3 features, targets for the objective with k outputs, weights when asked.
fn dataset(objective: Objective, k: usize, rows: usize, weighted: bool) -> Dataset {
    let mut rng = Lcg(0x5eed_1234_abcd_0042);
    let x: Vec<f32> = (0..rows * 3).map(|_| rng.next()).collect();
    let y: Vec<f32> = match objective {
        Objective::SquaredError => (0..rows * k).map(|_| rng.next()).collect(),
        Objective::LogLoss => (0..rows).map(|_| f32::from(rng.next() > 0.0)).collect(),
        Objective::CrossEntropy => (0..rows)
            .map(|_| (((rng.next() + 1.0) * k as f32 / 2.0) as usize).min(k - 1) as f32)
            .collect(),
    };
    let w = weighted.then(|| (0..rows).map(|i| 0.25 + 0.5 * (i % 4) as f32).collect());
    Dataset::new("train", objective, 3, k, x, y, w).unwrap()
}

#[test]
fn the_batch_gradient_of_the_stack_matches_float64_finite_differences() {
    let objectives = [
        (Objective::SquaredError, 1),
        (Objective::SquaredError, 2),
        (Objective::LogLoss, 1),
        (Objective::CrossEntropy, 3),
    ];
    let mut checked = 0;
    for &(activation, name) in Activation::NAMES {
        for &(objective, k) in &objectives {
            for (units, l2, weighted, fit_intercept) in [
                (vec![4], 0.0f32, false, true),
                (vec![5, 3], 0.1, true, true),
                (vec![4], 0.05, true, false),
                // no hidden layer: the linear paths, and the stack path of 2-output squaredError
                (vec![], 0.05, true, true),
            ] {
                let model = Model {
                    objective,
                    n_features: 3,
                    n_outputs: k,
                    hidden: hidden(&units, activation),
                    l2,
                    fit_intercept,
                };
                // 70 rows: a block of NET_BLOCK and a shorter one, in a shuffled order
                let data = dataset(objective, k, 70, weighted);
                let batch: Vec<u32> = (0..70).map(|i| (i * 37 % 70) as u32).collect();
                // parameters whose hidden z all lie 100·h away from the kinks of relu and
                // leakyRelu (finite differences across a kink measure neither side): the first
                // seed that gives them
                let h = 1e-6;
                let kinked = matches!(name, "relu" | "leakyRelu");
                let (params, theta, j) = (0u64..)
                    .map(|seed| {
                        let mut rng = Lcg(0x1234 + 1000 * seed + checked as u64);
                        let params: Vec<f32> =
                            (0..model.n_params()).map(|_| 0.8 * rng.next()).collect();
                        let theta: Vec<f64> = params.iter().map(|&v| v as f64).collect();
                        let (j, nearest) = f64_objective(&model, &data, &batch, &theta);
                        (params, theta, j, nearest)
                    })
                    .find(|(.., nearest)| !kinked || *nearest > 100.0 * h)
                    .map(|(p, t, j, _)| (p, t, j))
                    .unwrap();
                let mut grad = vec![0.0f32; model.n_params()];
                let mut scratch = Scratch::new(&model).unwrap();
                let loss =
                    model::batch_gradient(&model, &data, &batch, &params, &mut grad, &mut scratch);
                let n_weights = model.n_weights();
                let penalty =
                    0.5 * l2 as f64 * theta[..n_weights].iter().map(|v| v * v).sum::<f64>();
                let want_loss = (j - penalty) * batch.len() as f64;
                assert!(
                    (loss - want_loss).abs() < 1e-5 * want_loss.abs().max(1.0),
                    "{name} {objective:?} {units:?}: loss {loss} vs {want_loss}"
                );
                for i in 0..theta.len() {
                    let (mut up, mut down) = (theta.clone(), theta.clone());
                    up[i] += h;
                    down[i] -= h;
                    let fd = (f64_objective(&model, &data, &batch, &up).0
                        - f64_objective(&model, &data, &batch, &down).0)
                        / (2.0 * h);
                    let want = if i >= n_weights && !fit_intercept {
                        0.0
                    } else {
                        fd
                    };
                    assert!(
                        (grad[i] as f64 - want).abs() < 2e-5 * want.abs().max(1.0),
                        "{name} {objective:?} {units:?} l2 {l2} weighted {weighted} intercept {fit_intercept}: θ[{i}] {} vs {want}",
                        grad[i]
                    );
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, Activation::NAMES.len() * objectives.len() * 4);
}

fn adam() -> OptimizerConfig {
    OptimizerConfig::Adam(AdamConfig {
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        amsgrad: false,
        weight_decay: 0.0,
        decoupled: false,
    })
}

fn net_config(
    objective: Objective,
    d: usize,
    k: usize,
    hidden: Vec<HiddenLayer>,
    optimizer: OptimizerConfig,
) -> TrainerConfig {
    TrainerConfig {
        hidden,
        ..TrainerConfig::plain(objective, d, k, optimizer)
    }
}

/// Initial parameters as the fit loop makes them for a network (Glorot uniform, intercepts 0),
/// from a fixed seed.
fn glorot(model: &Model, seed: u64) -> Vec<f32> {
    let mut rng = Lcg(seed);
    let mut theta = vec![0.0f32; model.n_params()];
    for (l, layer) in model.layers().iter().enumerate() {
        let limit = (6.0 / (layer.inputs + layer.outputs) as f32).sqrt();
        for v in &mut theta[model.weights(l)] {
            *v = limit * rng.next();
        }
    }
    theta
}

fn an_activation(name: &str) -> Activation {
    Activation::from_name(name).unwrap()
}

#[test]
fn a_tiny_network_learns_xor() {
    let activation = an_activation("tanh");
    let cfg = net_config(Objective::LogLoss, 2, 1, hidden(&[8], activation), adam());
    let model = cfg.validate().unwrap();
    let x = vec![0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0];
    let y = vec![0.0, 1.0, 1.0, 0.0];
    let mut t = Trainer::new(cfg, x, y, None).unwrap();
    t.set_params(&glorot(&model, 7)).unwrap();
    t.set_order(vec![0, 1, 2, 3]).unwrap();
    for _ in 0..2000 {
        assert!(t.run_batches(4, 0, &[0.05], false).unwrap().finite);
    }
    let e = t.evaluate(false).unwrap();
    assert_eq!(e.metric_sum, 4.0, "XOR not learned: {e:?}");
    assert!(e.loss_sum / 4.0 < 0.05, "{e:?}");
}

/// A fit of a 2-layer network on 300 rows, `epochs` epochs of shuffled batches of `batch`.
fn fit_network(
    cfg: &TrainerConfig,
    batch: usize,
    epochs: usize,
    threads: Option<(&'static Pool, usize)>,
) -> (Vec<f32>, f64) {
    let model = cfg.validate().unwrap();
    let mut rng = Lcg(99);
    let rows = 300;
    let x: Vec<f32> = (0..rows * cfg.n_features).map(|_| rng.next()).collect();
    let y: Vec<f32> = (0..rows)
        .map(|r| (((x[r * cfg.n_features] + 1.0) * 1.5) as usize).min(2) as f32)
        .collect();
    let mut t = Trainer::new(cfg.clone(), x, y, None).unwrap();
    if let Some((pool, n)) = threads {
        t.set_threads(pool, n).unwrap();
    }
    t.set_params(&glorot(&model, 3)).unwrap();
    let mut loss = 0.0;
    for e in 0..epochs {
        let order: Vec<u32> = (0..rows as u32)
            .map(|i| (i * 7 + e as u32 * 13) % rows as u32)
            .collect();
        t.set_order(order).unwrap();
        let s = t.run_batches(batch, 0, &[0.01; 1000], false).unwrap();
        assert!(s.finite);
        loss = s.loss_sum;
    }
    (t.params().to_vec(), loss)
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn classifier(units: &[usize], optimizer: OptimizerConfig) -> TrainerConfig {
    net_config(
        Objective::CrossEntropy,
        12,
        3,
        hidden(units, an_activation("relu")),
        optimizer,
    )
}

#[test]
fn a_network_fit_repeats_to_the_bit() {
    let cfg = classifier(&[16, 8], adam());
    let (a, la) = fit_network(&cfg, 32, 3, None);
    let (b, lb) = fit_network(&cfg, 32, 3, None);
    assert_eq!(bits(&a), bits(&b));
    assert_eq!(la.to_bits(), lb.to_bits());
}

#[test]
fn threads_share_a_network_batch_deterministically_and_agree_with_one_thread() {
    let cfg = classifier(&[64], sgd());
    let model = cfg.validate().unwrap();
    // batch 96: 3 parts of 32 rows with 3 threads, 2 of 48 with 2
    assert_eq!(planned_parts(&model, 96, 2), 2);
    assert_eq!(planned_parts(&model, 96, 3), 3);
    assert_eq!(planned_parts(&model, 8, 2), 1);
    // 64 → 64 → 10 (10 112 multiply-adds a row): from batch 32, parts of 16 rows at least
    let small = net_config(
        Objective::CrossEntropy,
        64,
        10,
        hidden(&[64], an_activation("relu")),
        sgd(),
    )
    .validate()
    .unwrap();
    assert_eq!(planned_parts(&small, 16, 2), 1);
    assert_eq!(planned_parts(&small, 32, 2), 2);
    assert_eq!(planned_parts(&small, 32, 4), 2);
    // 2 → 8 → 1 (56 a row): from 16 384 multiply-adds a batch, batch 293
    let tiny = net_config(
        Objective::LogLoss,
        2,
        1,
        hidden(&[8], an_activation("tanh")),
        sgd(),
    )
    .validate()
    .unwrap();
    assert_eq!(planned_parts(&tiny, 292, 2), 1);
    assert_eq!(planned_parts(&tiny, 293, 2), 2);
    let (one, one_loss) = fit_network(&cfg, 96, 3, None);
    let (pool, handles) = pool_with(2);
    for threads in [1, 2, 3] {
        let (a, la) = fit_network(&cfg, 96, 3, Some((pool, threads)));
        let (b, lb) = fit_network(&cfg, 96, 3, Some((pool, threads)));
        assert_eq!(bits(&a), bits(&b), "{threads} threads");
        assert_eq!(la.to_bits(), lb.to_bits());
        if threads == 1 {
            assert_eq!(bits(&a), bits(&one));
        }
        for (p, q) in a.iter().zip(&one) {
            assert!(
                (p - q).abs() <= 1e-5 * q.abs().max(1.0),
                "{threads}: {p} vs {q}"
            );
        }
        assert!((la - one_loss).abs() <= 1e-5 * one_loss.abs());
    }
    // a pool whose helpers are all busy elsewhere (none here) gives the same bits
    let (idle, none) = pool_with(0);
    let (alone, _) = fit_network(&cfg, 96, 3, Some((idle, 3)));
    let (shared, _) = fit_network(&cfg, 96, 3, Some((pool, 3)));
    assert_eq!(bits(&alone), bits(&shared));
    close(pool, handles);
    close(idle, none);
}

#[test]
fn a_diverging_network_goes_back_to_the_last_order() {
    let cfg = net_config(
        Objective::SquaredError,
        3,
        2,
        hidden(&[6], an_activation("relu")),
        sgd(),
    );
    let model = cfg.validate().unwrap();
    let mut rng = Lcg(5);
    let x: Vec<f32> = (0..40 * 3).map(|_| 100.0 * rng.next()).collect();
    let y: Vec<f32> = (0..40 * 2).map(|_| 1e3 * rng.next()).collect();
    let mut t = Trainer::new(cfg, x, y, None).unwrap();
    let start = glorot(&model, 11);
    t.set_params(&start).unwrap();
    t.set_order((0..40).collect()).unwrap();
    let s = t.run_batches(8, 0, &[1e6; 5], false).unwrap();
    assert!(!s.finite);
    assert_eq!(bits(t.params()), bits(&start));
    assert_eq!(t.optimizer_steps(), 0);
}

#[test]
fn multi_output_squared_error_data_has_n_outputs_targets_per_row() {
    let cfg = net_config(Objective::SquaredError, 2, 3, Vec::new(), sgd());
    // 2 rows: 4 features, 6 targets
    assert!(Trainer::new(cfg.clone(), vec![0.0; 4], vec![0.0; 6], None).is_ok());
    assert!(matches!(
        Trainer::new(cfg.clone(), vec![0.0; 4], vec![0.0; 5], None),
        Err(CoreError::ShapeMismatch { .. })
    ));
    let mut y = vec![0.0; 6];
    y[4] = f32::INFINITY;
    assert_eq!(
        Trainer::new(cfg.clone(), vec![0.0; 4], y, None).err(),
        Some(CoreError::InvalidValue {
            data: "train",
            argument: "y",
            row: 1,
            column: Some(1),
            value: f64::INFINITY,
            expected: "a finite number",
        })
    );
    assert!(matches!(
        Trainer::new(cfg, vec![0.0; 4], vec![0.0; 6], Some(vec![1.0; 3])),
        Err(CoreError::SampleWeightLength {
            got: 3,
            expected: 2,
            ..
        })
    ));
}

#[test]
fn bad_hidden_specs_are_refused_with_the_option_named() {
    let identity = Activation::NAMES[0].0;
    let refused = |hidden: Vec<HiddenLayer>, d: usize| {
        net_config(Objective::LogLoss, d, 1, hidden, sgd())
            .validate()
            .unwrap_err()
    };
    assert_eq!(
        refused(
            vec![
                HiddenLayer {
                    units: 4,
                    activation: identity
                },
                HiddenLayer {
                    units: 0,
                    activation: identity
                }
            ],
            2
        ),
        CoreError::InvalidOption {
            name: "hidden",
            value: 0.0,
            expected: "units: an integer ≥ 1",
        }
    );
    if usize::BITS > 32 {
        assert_eq!(
            refused(hidden(&[1 << 32], identity), 2),
            CoreError::InvalidOption {
                name: "hidden",
                value: 4294967296.0,
                expected: "units: an integer ≥ 1",
            }
        );
    }
    // (d + 1)·units·(buffers + 3) past usize: 2^31 × 2^31 × 3
    let big = (u32::MAX >> 1) as usize;
    assert_eq!(
        refused(hidden(&[big, big, big], identity), big),
        CoreError::InvalidOption {
            name: "hidden",
            value: 3.0 * big as f64,
            expected: "a parameter count that fits in memory",
        }
    );
}
