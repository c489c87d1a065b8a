//! The batch loop: one fit's data, parameters and optimizer state, driven by the caller.
//!
//! The caller (TypeScript) owns the schedule: it hands over each epoch's row order
//! (`set_order`), then runs the order's batches in one or more calls (`run_batches`), with one
//! learning rate per batch. `set_order` is also the restore point: a run of batches that stops
//! being finite puts the parameters and the optimizer state (buffers and step count) back to
//! what they were at the last `set_order`.
//!
//! One update on a batch B of b rows with learning rate γ (ts/engine/types.ts):
//!   1. g = the mean gradient of the data term over B (denominator b), plus l2·W (model.rs);
//!   2. clipping by value, then by global norm (regularization.rs);
//!   3. the optimizer's step (optimizer/);
//!   4. when l1 > 0, the proximal step W ← sign(W)·max(|W| − γ·l1, 0).
//!
//! The batch's reported loss is Σ s_i·ℓ_i plus b times the penalty, both at the parameters
//! before the update.

use crate::dataset::{Dataset, Features};
use crate::error::{non_negative, try_filled, CoreError};
use crate::kernels;
use crate::model::{self, Evaluation, HiddenLayer, Model, Scratch};
use crate::objective::Objective;
use crate::optimizer::{Optimizer, OptimizerConfig};
use crate::regularization;
use crate::team::{self, Pool, Team};

/// What does not change during a fit (ts/engine/types.ts `SessionSpec` without the data).
#[derive(Clone, Debug, PartialEq)]
pub struct TrainerConfig {
    pub objective: Objective,
    pub n_features: usize,
    /// The targets per row for squaredError, 1 for logLoss, the number of classes k ≥ 2 for
    /// crossEntropy.
    pub n_outputs: usize,
    /// The hidden layers, from the features' side; empty for a linear model.
    pub hidden: Vec<HiddenLayer>,
    /// (l2/2)‖W‖²; the intercepts are never penalized.
    pub l2: f64,
    /// l1‖W‖₁, by a proximal step after the optimizer's.
    pub l1: f64,
    pub fit_intercept: bool,
    /// 0 turns clipping by value off.
    pub clip_value: f64,
    /// 0 turns clipping by global norm off.
    pub clip_norm: f64,
    pub optimizer: OptimizerConfig,
}

impl TrainerConfig {
    /// A linear model of this shape with an intercept and every other option off (no hidden
    /// layer, no penalty, no clipping): a base for `TrainerConfig { hidden, ..plain }`.
    pub fn plain(
        objective: Objective,
        n_features: usize,
        n_outputs: usize,
        optimizer: OptimizerConfig,
    ) -> Self {
        TrainerConfig {
            objective,
            n_features,
            n_outputs,
            hidden: Vec::new(),
            l2: 0.0,
            l1: 0.0,
            fit_intercept: true,
            clip_value: 0.0,
            clip_norm: 0.0,
            optimizer,
        }
    }

    /// Checks every option and returns the model's shape.
    pub fn validate(&self) -> Result<Model, CoreError> {
        if self.n_features == 0 {
            return Err(CoreError::InvalidOption {
                name: "nFeatures",
                value: 0.0,
                expected: "an integer ≥ 1",
            });
        }
        // the hidden layers' units before the outputs, as the boundary checks them (lib.rs)
        for h in &self.hidden {
            if h.units == 0 || h.units > u32::MAX as usize {
                return Err(CoreError::InvalidOption {
                    name: "hidden",
                    value: h.units as f64,
                    expected: "units: an integer ≥ 1",
                });
            }
        }
        self.objective.check_outputs(self.n_outputs)?;
        let model = Model {
            objective: self.objective,
            n_features: self.n_features,
            n_outputs: self.n_outputs,
            hidden: self.hidden.clone(),
            l2: self.l2 as f32,
            fit_intercept: self.fit_intercept,
        };
        // θ, the gradient, the restore point and the optimizer's buffers must be addressable
        let fits = model
            .checked_n_params()
            .and_then(|p| p.checked_mul(self.optimizer.buffers() + 3));
        if fits.is_none() {
            return Err(if self.hidden.is_empty() {
                CoreError::InvalidOption {
                    name: "nOutputs",
                    value: self.n_outputs as f64,
                    expected: "nOutputs·(nFeatures + 1) parameters that fit in memory",
                }
            } else {
                CoreError::InvalidOption {
                    name: "hidden",
                    value: self.hidden.iter().map(|h| h.units as f64).sum(),
                    expected: "a parameter count that fits in memory",
                }
            });
        }
        non_negative("l2", self.l2)?;
        non_negative("l1", self.l1)?;
        non_negative("clipValue", self.clip_value)?;
        non_negative("clipNorm", self.clip_norm)?;
        self.optimizer.validate()?;
        Ok(model)
    }
}

/// What a run of batches did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BatchSummary {
    /// Σ over the rows seen of s_i·ℓ_i at the parameters its batch used, plus the penalty at
    /// those parameters once per row.
    pub loss_sum: f64,
    pub rows: u64,
    pub iterations: u64,
    /// False when the loss or the parameters stopped being finite; the parameters and the
    /// optimizer state were then put back to what they were at the last `set_order`.
    pub finite: bool,
}

pub struct Trainer {
    cfg: TrainerConfig,
    model: Model,
    train: Dataset,
    validation: Option<Dataset>,
    /// θ in the layout of model.rs: every layer's W, then every layer's b ([W, b] for a linear
    /// model).
    params: Vec<f32>,
    grad: Vec<f32>,
    scratch: Scratch,
    optimizer: Optimizer,
    order: Option<Vec<u32>>,
    saved_params: Vec<f32>,
    saved_state: Vec<f32>,
    saved_steps: u64,
    /// Threads that share each batch's sums (team.rs); None: the caller's thread alone.
    team: Option<Team>,
}

impl Trainer {
    /// Takes ownership of row-major `x` (rows × n_features), `y` (rows, or rows × n_outputs for
    /// squaredError) and the optional per-row weights; parameters start at 0.
    pub fn new(
        cfg: TrainerConfig,
        x: impl Into<Features>,
        y: Vec<f32>,
        sample_weight: Option<Vec<f32>>,
    ) -> Result<Self, CoreError> {
        let model = cfg.validate()?;
        let train = Dataset::new(
            "train",
            cfg.objective,
            cfg.n_features,
            cfg.n_outputs,
            x,
            y,
            sample_weight,
        )?;
        let p = model.n_params();
        let optimizer = Optimizer::new(&cfg.optimizer, p)?;
        let saved_state = optimizer.state().to_vec();
        // allocated in this order (as before networks): a linear fit's wasm memory use, which
        // the soak test pins page for page, depends on it
        let params = try_filled(p, 0.0)?;
        let grad = try_filled(p, 0.0)?;
        let scratch = Scratch::new(&model)?;
        let saved_params = try_filled(p, 0.0)?;
        Ok(Trainer {
            cfg,
            model,
            train,
            validation: None,
            params,
            grad,
            scratch,
            optimizer,
            order: None,
            saved_params,
            saved_state,
            saved_steps: 0,
            team: None,
        })
    }

    /// Cuts each large enough batch into `threads` parts, summed by this thread and whichever
    /// helpers of `pool` are running (team.rs). 1 turns cutting off. The result depends on
    /// `threads`, never on timing or on the number of helpers.
    pub fn set_threads(&mut self, pool: &'static Pool, threads: usize) -> Result<(), CoreError> {
        if threads == 0 || threads > team::MAX_THREADS {
            return Err(CoreError::InvalidOption {
                name: "threads",
                value: threads as f64,
                expected: "an integer from 1 to 256",
            });
        }
        self.team = if threads == 1 {
            None
        } else {
            Some(Team::new(pool, threads, &self.model)?)
        };
        Ok(())
    }

    /// The parts a large batch is cut into (1 without a team).
    pub fn threads(&self) -> usize {
        self.team.as_ref().map_or(1, Team::threads)
    }

    /// A dataset of this trainer's shape and objective, checked (`data` names it in errors).
    fn checked(
        &self,
        data: &'static str,
        x: impl Into<Features>,
        y: Vec<f32>,
        sample_weight: Option<Vec<f32>>,
    ) -> Result<Dataset, CoreError> {
        let c = &self.cfg;
        Dataset::new(
            data,
            c.objective,
            c.n_features,
            c.n_outputs,
            x,
            y,
            sample_weight,
        )
    }

    /// Holds a validation set for `evaluate(true)`, checked like the training data.
    pub fn set_validation(
        &mut self,
        x: impl Into<Features>,
        y: Vec<f32>,
        sample_weight: Option<Vec<f32>>,
    ) -> Result<(), CoreError> {
        self.validation = Some(self.checked("validation", x, y, sample_weight)?);
        Ok(())
    }

    /// Replaces the training rows (checked like the first ones), keeping θ and the optimizer
    /// state: training on a stream loads one chunk at a time. The current order is dropped, so
    /// `set_order` must follow before `run_batches`. A rejected dataset changes nothing.
    pub fn set_training_data(
        &mut self,
        x: impl Into<Features>,
        y: Vec<f32>,
        sample_weight: Option<Vec<f32>>,
    ) -> Result<(), CoreError> {
        self.train = self.checked("train", x, y, sample_weight)?;
        self.order = None;
        Ok(())
    }

    /// Ends the trainer and gives its training features back (checked), for another fit.
    pub fn into_train_features(self) -> Features {
        self.train.into_features()
    }

    pub fn config(&self) -> &TrainerConfig {
        &self.cfg
    }

    pub fn rows(&self) -> usize {
        self.train.rows()
    }

    pub fn params(&self) -> &[f32] {
        &self.params
    }

    /// Replaces θ (finite values, length `Model::n_params`). Without an intercept, the
    /// intercepts are set to 0.
    pub fn set_params(&mut self, params: &[f32]) -> Result<(), CoreError> {
        if params.len() != self.params.len() {
            return Err(CoreError::ParamsLength {
                got: params.len(),
                expected: self.params.len(),
            });
        }
        if let Some(index) = params.iter().position(|v| !v.is_finite()) {
            return Err(CoreError::NonFiniteParam {
                index,
                value: params[index] as f64,
            });
        }
        self.params.copy_from_slice(params);
        if !self.cfg.fit_intercept {
            self.params[self.model.penalized().end..].fill(0.0);
        }
        Ok(())
    }

    /// Starts an epoch: the rows in the order they are visited. Also the point that a
    /// non-finite run of batches goes back to (parameters and optimizer state are saved here).
    pub fn set_order(&mut self, order: Vec<u32>) -> Result<(), CoreError> {
        let rows = self.train.rows();
        if let Some(position) = order.iter().position(|&r| r as usize >= rows) {
            return Err(CoreError::RowOutOfRange {
                position,
                row: order[position],
                rows,
            });
        }
        self.order = Some(order);
        self.saved_params.copy_from_slice(&self.params);
        self.saved_state.copy_from_slice(self.optimizer.state());
        self.saved_steps = self.optimizer.steps();
        Ok(())
    }

    /// Runs the batches `start_batch, start_batch + 1, …` of the current order (batch i covers
    /// order[i·batch_size .. (i + 1)·batch_size], the last one shorter unless `drop_last`
    /// drops it): min(learning_rates.len(), batches left) of them, batch j of the run with
    /// learning rate `learning_rates[j]` (finite, ≥ 0; entries past the batches left are not
    /// read).
    pub fn run_batches(
        &mut self,
        batch_size: usize,
        start_batch: usize,
        learning_rates: &[f32],
        drop_last: bool,
    ) -> Result<BatchSummary, CoreError> {
        if batch_size == 0 {
            return Err(CoreError::InvalidOption {
                name: "batchSize",
                value: 0.0,
                expected: "an integer ≥ 1",
            });
        }
        let Trainer {
            cfg,
            model,
            train,
            params,
            grad,
            scratch,
            optimizer,
            order,
            saved_params,
            saved_state,
            saved_steps,
            team,
            ..
        } = self;
        let order = order.as_deref().ok_or(CoreError::NoOrder)?;
        let n = order.len();
        let batches = if drop_last {
            n / batch_size
        } else {
            n.div_ceil(batch_size)
        };
        let count = batches
            .saturating_sub(start_batch)
            .min(learning_rates.len());
        // checked before any step, so that a rejected run changes nothing
        if let Some(&lr) = learning_rates[..count]
            .iter()
            .find(|lr| !(lr.is_finite() && **lr >= 0.0))
        {
            return Err(CoreError::InvalidOption {
                name: "learningRate",
                value: lr as f64,
                expected: "a finite number ≥ 0",
            });
        }
        let mut summary = BatchSummary {
            loss_sum: 0.0,
            rows: 0,
            iterations: 0,
            finite: true,
        };
        if count > 0 && single_row_sgd(cfg, model, batch_size, optimizer) {
            // start_batch < batches = n here, so the slice is in range; a team would sum a
            // batch of one on this thread anyway (team::planned_parts)
            let run = model::sgd_single_rows(
                model,
                train,
                &order[start_batch..start_batch + count],
                &learning_rates[..count],
                (cfg.l2, cfg.l1),
                params,
                scratch,
            );
            optimizer.count_steps(run.rows as u64);
            summary.loss_sum = run.loss_sum;
            summary.rows = run.rows as u64;
            summary.iterations = run.rows as u64;
            summary.finite = run.finite;
        } else {
            for (j, &lr) in learning_rates[..count].iter().enumerate() {
                // start_batch + j < batches ≤ ⌈n / batch_size⌉, so `lo` < n: no overflow
                let lo = (start_batch + j) * batch_size;
                let batch = &order[lo..lo + batch_size.min(n - lo)];
                let loss = update(
                    cfg,
                    model,
                    train,
                    batch,
                    lr,
                    params,
                    grad,
                    scratch,
                    optimizer,
                    team.as_mut(),
                );
                summary.iterations += 1;
                summary.rows += batch.len() as u64;
                // judged in float32, as the js engine judges its float64 loss: a batch loss
                // past float32's range (an overflowing penalty, say) is divergence in both
                if !(loss as f32).is_finite() {
                    summary.finite = false;
                    break;
                }
                summary.loss_sum += loss;
            }
        }
        if summary.finite && !kernels::all_finite(params) {
            summary.finite = false;
        }
        if !summary.finite {
            params.copy_from_slice(saved_params);
            optimizer.restore(*saved_steps, saved_state);
        }
        Ok(summary)
    }

    /// Loss, weight and metric sums over the training set, or the validation set.
    pub fn evaluate(&mut self, validation: bool) -> Result<Evaluation, CoreError> {
        let data = if validation {
            self.validation
                .as_ref()
                .ok_or(CoreError::NoValidationData)?
        } else {
            &self.train
        };
        Ok(model::evaluate(
            &self.model,
            data,
            &self.params,
            &mut self.scratch,
        ))
    }

    /// (l2/2)‖W‖² + l1‖W‖₁ at the current parameters.
    pub fn penalty(&self) -> f64 {
        regularization::penalty(
            &self.params[self.model.penalized()],
            self.cfg.l2,
            self.cfg.l1,
        )
    }

    /// t of the last optimizer step (0 before the first).
    pub fn optimizer_steps(&self) -> u64 {
        self.optimizer.steps()
    }

    /// The optimizer's state buffers, concatenated (layout in optimizer/mod.rs).
    pub fn optimizer_state(&self) -> &[f32] {
        self.optimizer.state()
    }

    /// Replaces the optimizer's step count and buffers (from `optimizer_state` of a trainer
    /// with the same settings).
    pub fn set_optimizer_state(&mut self, steps: u64, state: &[f32]) -> Result<(), CoreError> {
        self.optimizer.set_state(steps, state)
    }
}

/// Whether batches of `batch_size` rows take `model::sgd_single_rows`: single rows, plain SGD,
/// and no clipping or l1 step between the gradient and the update (the fused pass has no place
/// for them). Same bits as `update`, in two passes over the parameters instead of five.
fn single_row_sgd(
    cfg: &TrainerConfig,
    model: &Model,
    batch_size: usize,
    optimizer: &Optimizer,
) -> bool {
    batch_size == 1
        && !model.is_network()
        && optimizer.is_plain_sgd()
        && cfg.clip_value == 0.0
        && cfg.clip_norm == 0.0
        && cfg.l1 == 0.0
}

/// One update on the rows `batch` (steps 1–4 above); returns the batch's reported loss.
#[allow(clippy::too_many_arguments)]
#[inline]
fn update(
    cfg: &TrainerConfig,
    model: &Model,
    train: &Dataset,
    batch: &[u32],
    lr: f32,
    params: &mut [f32],
    grad: &mut [f32],
    scratch: &mut Scratch,
    optimizer: &mut Optimizer,
    team: Option<&mut Team>,
) -> f64 {
    // weight decay, the penalties and the L1 step apply to θ[..n_weights] (model.rs's layout)
    let n_weights = model.penalized().end;
    let data_loss = match team {
        Some(team) => team.batch_sums(model, train, batch, params, grad, scratch),
        None => model::batch_sums(model, train, batch, params, grad, scratch),
    };
    model::finish_gradient(model, batch.len(), params, grad);
    let penalty = regularization::penalty(&params[..n_weights], cfg.l2, cfg.l1);
    if cfg.clip_value > 0.0 {
        regularization::clip_by_value(grad, cfg.clip_value as f32);
    }
    if cfg.clip_norm > 0.0 {
        regularization::clip_by_norm(grad, cfg.clip_norm);
    }
    optimizer.step(params, grad, lr, n_weights);
    if cfg.l1 > 0.0 {
        regularization::l1_proximal(&mut params[..n_weights], (lr as f64 * cfg.l1) as f32);
    }
    data_loss + batch.len() as f64 * penalty
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optimizer::{AdamConfig, SgdConfig};

    fn sgd() -> OptimizerConfig {
        OptimizerConfig::Sgd(SgdConfig {
            momentum: 0.0,
            dampening: 0.0,
            nesterov: false,
            weight_decay: 0.0,
        })
    }

    fn adam() -> OptimizerConfig {
        OptimizerConfig::Adam(AdamConfig {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            amsgrad: true,
            weight_decay: 0.0,
            decoupled: false,
        })
    }

    fn cfg(objective: Objective, d: usize, l2: f64, optimizer: OptimizerConfig) -> TrainerConfig {
        TrainerConfig {
            hidden: Vec::new(),
            objective,
            n_features: d,
            n_outputs: 1,
            l2,
            l1: 0.0,
            fit_intercept: true,
            clip_value: 0.0,
            clip_norm: 0.0,
            optimizer,
        }
    }

    /// y = 2·x0 − 3·x1 + 0.5 on a fixed grid: exactly representable, zero residual.
    fn line_data() -> (Vec<f32>, Vec<f32>) {
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..8 {
            for j in 0..8 {
                let (a, b) = (i as f32 / 4.0 - 1.0, j as f32 / 4.0 - 1.0);
                x.extend_from_slice(&[a, b]);
                y.push(2.0 * a - 3.0 * b + 0.5);
            }
        }
        (x, y)
    }

    fn line_trainer(optimizer: OptimizerConfig) -> Trainer {
        let (x, y) = line_data();
        Trainer::new(cfg(Objective::SquaredError, 2, 0.0, optimizer), x, y, None).unwrap()
    }

    #[test]
    fn full_batch_gradient_descent_recovers_an_exact_linear_model() {
        let mut t = line_trainer(sgd());
        t.set_order((0..64).collect()).unwrap();
        for _ in 0..2000 {
            let s = t.run_batches(64, 0, &[0.5], false).unwrap();
            assert!(s.finite);
        }
        let p = t.params();
        assert!(
            (p[0] - 2.0).abs() < 1e-5 && (p[1] + 3.0).abs() < 1e-5 && (p[2] - 0.5).abs() < 1e-5,
            "{p:?}"
        );
        let e = t.evaluate(false).unwrap();
        assert!(e.loss_sum / e.weight_sum < 1e-10);
    }

    #[test]
    fn one_step_is_the_mean_gradient_times_the_learning_rate() {
        // two rows, d = 1, logistic: at θ = 0, σ = 0.5, so g_w = mean((0.5 − y)·x) + λ·0.
        let mut t = Trainer::new(
            cfg(Objective::LogLoss, 1, 0.1, sgd()),
            vec![2.0, -4.0],
            vec![1.0, 0.0],
            None,
        )
        .unwrap();
        t.set_order(vec![0, 1]).unwrap();
        let s = t.run_batches(2, 0, &[1.0], false).unwrap();
        let gw = ((0.5 - 1.0) * 2.0 + (0.5 - 0.0) * -4.0) / 2.0;
        let gb = ((0.5 - 1.0) + 0.5) / 2.0;
        assert_eq!(t.params(), &[-gw, -gb]);
        assert_eq!((s.rows, s.iterations), (2, 1));
        assert!((s.loss_sum - 2.0 * std::f64::consts::LN_2).abs() < 1e-6);
        assert_eq!(t.optimizer_steps(), 1);
    }

    #[test]
    fn batches_are_cut_from_start_batch_as_many_as_learning_rates() {
        let mut t = line_trainer(sgd());
        t.set_order((0..64).rev().collect()).unwrap();
        let lrs = [0.01f32; 100];
        let s = t.run_batches(10, 0, &lrs, false).unwrap();
        assert_eq!((s.iterations, s.rows), (7, 64));
        let s = t.run_batches(10, 0, &lrs, true).unwrap();
        assert_eq!((s.iterations, s.rows), (6, 60));
        let s = t.run_batches(10, 0, &lrs[..3], false).unwrap();
        assert_eq!((s.iterations, s.rows), (3, 30));
        let s = t.run_batches(10, 5, &lrs, false).unwrap();
        assert_eq!((s.iterations, s.rows), (2, 14));
        let s = t.run_batches(10, 6, &lrs, true).unwrap();
        assert_eq!((s.iterations, s.rows), (0, 0));
        let s = t.run_batches(10, usize::MAX, &lrs, false).unwrap();
        assert_eq!((s.iterations, s.rows, s.loss_sum), (0, 0, 0.0));
        let s = t.run_batches(1, 0, &lrs, false).unwrap();
        assert_eq!((s.iterations, s.rows), (64, 64));
        let s = t.run_batches(1, 60, &lrs, false).unwrap();
        assert_eq!((s.iterations, s.rows), (4, 4));
        let s = t.run_batches(usize::MAX, 0, &lrs, false).unwrap();
        assert_eq!((s.iterations, s.rows), (1, 64));
    }

    #[test]
    fn a_run_split_in_chunks_equals_the_run_in_one_call() {
        let mut one = line_trainer(adam());
        let mut chunked = line_trainer(adam());
        let order: Vec<u32> = (0..64).map(|i| (i * 37) % 64).collect();
        let lrs: Vec<f32> = (0..7).map(|i| 0.1 / (1.0 + i as f32)).collect();
        one.set_order(order.clone()).unwrap();
        chunked.set_order(order).unwrap();
        let a = one.run_batches(10, 0, &lrs, false).unwrap();
        let b1 = chunked.run_batches(10, 0, &lrs[..3], false).unwrap();
        let b2 = chunked.run_batches(10, 3, &lrs[3..], false).unwrap();
        assert_eq!(one.params(), chunked.params());
        assert_eq!(one.optimizer_state(), chunked.optimizer_state());
        assert_eq!(a.iterations, b1.iterations + b2.iterations);
        assert_eq!(a.loss_sum, b1.loss_sum + b2.loss_sum);
    }

    #[test]
    fn divergence_puts_back_params_and_optimizer_state_of_the_last_set_order() {
        let mut t = line_trainer(adam());
        let order: Vec<u32> = (0..64).collect();
        t.set_order(order.clone()).unwrap();
        t.run_batches(8, 0, &[0.01; 8], false).unwrap();
        t.set_order(order).unwrap();
        let (good, state, steps) = (
            t.params().to_vec(),
            t.optimizer_state().to_vec(),
            t.optimizer_steps(),
        );
        assert_eq!(steps, 8);
        // a first chunk that stays finite, then one that does not: both are undone
        assert!(t.run_batches(8, 0, &[0.01; 2], false).unwrap().finite);
        let s = t.run_batches(8, 2, &[1.0e38; 6], false).unwrap();
        assert!(!s.finite);
        assert_eq!(t.params(), &good[..]);
        assert_eq!(t.optimizer_state(), &state[..]);
        assert_eq!(t.optimizer_steps(), steps);
    }

    #[test]
    fn the_intercept_is_not_penalized_and_can_be_switched_off() {
        // y = 5 constant, x = 0: only the intercept can fit it, whatever λ.
        let mut c = cfg(Objective::SquaredError, 1, 10.0, sgd());
        c.l1 = 1.0;
        let mut t = Trainer::new(c.clone(), vec![0.0; 4], vec![5.0; 4], None).unwrap();
        t.set_order(vec![0, 1, 2, 3]).unwrap();
        for _ in 0..200 {
            t.run_batches(4, 0, &[0.5], false).unwrap();
        }
        assert!((t.params()[1] - 5.0).abs() < 1e-5);
        assert_eq!(t.penalty(), 0.0);
        c.fit_intercept = false;
        let mut t = Trainer::new(c, vec![0.0; 4], vec![5.0; 4], None).unwrap();
        t.set_params(&[0.0, 3.0]).unwrap();
        assert_eq!(t.params(), &[0.0, 0.0]);
        t.set_order(vec![0, 1, 2, 3]).unwrap();
        t.run_batches(4, 0, &[0.5], false).unwrap();
        assert_eq!(t.params(), &[0.0, 0.0]);
    }

    #[test]
    fn the_reported_loss_adds_the_penalty_once_per_row_at_the_parameters_before_the_step() {
        let mut c = cfg(Objective::SquaredError, 2, 0.5, sgd());
        c.l1 = 0.25;
        let mut t = Trainer::new(
            c,
            vec![1.0, 2.0, -1.0, 0.5, 0.0, 1.0],
            vec![1.0, 0.0, 2.0],
            None,
        )
        .unwrap();
        t.set_params(&[0.5, -1.0, 0.25]).unwrap();
        let penalty = 0.5 * 0.5 * (0.25 + 1.0) + 0.25 * 1.5;
        assert_eq!(t.penalty(), penalty);
        let data = t.evaluate(false).unwrap().loss_sum;
        t.set_order(vec![0, 1, 2]).unwrap();
        let s = t.run_batches(3, 0, &[0.1], false).unwrap();
        assert!((s.loss_sum - (data + 3.0 * penalty)).abs() < 1e-12);
    }

    #[test]
    fn validation_data_is_evaluated_on_its_own_rows() {
        let mut t = line_trainer(sgd());
        assert_eq!(t.evaluate(true), Err(CoreError::NoValidationData));
        t.set_params(&[1.0, 1.0, 0.0]).unwrap();
        t.set_validation(
            vec![1.0, 1.0, 2.0, 0.0],
            vec![3.0, 0.0],
            Some(vec![1.0, 3.0]),
        )
        .unwrap();
        // z = [2, 2]; losses ½·1 and ½·4, weighted 1 and 3
        let e = t.evaluate(true).unwrap();
        assert_eq!((e.loss_sum, e.weight_sum, e.metric_sum), (6.5, 4.0, 13.0));
        assert!(matches!(
            t.set_validation(vec![1.0; 3], vec![0.0; 2], None),
            Err(CoreError::ShapeMismatch {
                data: "validation",
                ..
            })
        ));
    }

    #[test]
    fn new_training_rows_keep_params_and_optimizer_state_and_need_a_new_order() {
        let mut t = line_trainer(adam());
        t.set_order((0..64).collect()).unwrap();
        t.run_batches(16, 0, &[0.05; 4], false).unwrap();
        let (params, state) = (t.params().to_vec(), t.optimizer_state().to_vec());
        // a bad chunk is rejected and changes nothing: the order is still there
        assert!(matches!(
            t.set_training_data(vec![1.0; 3], vec![0.0; 2], None),
            Err(CoreError::ShapeMismatch { data: "train", .. })
        ));
        assert_eq!(t.run_batches(16, 4, &[0.05], false).unwrap().iterations, 0);
        t.set_training_data(
            vec![0.5, -0.5, 1.0, 0.25, -1.0, 0.0],
            vec![1.0, 2.0, -1.0],
            None,
        )
        .unwrap();
        assert_eq!(t.rows(), 3);
        assert_eq!((t.params(), t.optimizer_state()), (&params[..], &state[..]));
        assert_eq!(
            t.run_batches(16, 0, &[0.05], false),
            Err(CoreError::NoOrder)
        );
        assert!(matches!(
            t.set_order(vec![3]),
            Err(CoreError::RowOutOfRange { rows: 3, .. })
        ));
        t.set_order(vec![2, 0, 1]).unwrap();
        let s = t.run_batches(2, 0, &[0.05; 2], false).unwrap();
        assert_eq!((s.iterations, s.rows, t.optimizer_steps()), (2, 3, 6));
    }

    #[test]
    fn an_absurd_number_of_outputs_is_an_error_not_an_allocation_abort() {
        let c = TrainerConfig {
            objective: Objective::CrossEntropy,
            n_outputs: usize::MAX / 64,
            ..cfg(Objective::SquaredError, 1, 0.0, sgd())
        };
        assert!(matches!(
            Trainer::new(c, vec![1.0], vec![0.0], None),
            Err(CoreError::OutOfMemory { .. })
        ));
    }

    #[test]
    fn rejects_bad_shapes_rows_and_options_without_panicking() {
        let c = cfg(Objective::SquaredError, 2, 0.0, sgd());
        assert!(matches!(
            Trainer::new(c.clone(), vec![1.0; 5], vec![1.0; 3], None),
            Err(CoreError::ShapeMismatch { .. })
        ));
        assert!(matches!(
            Trainer::new(c.clone(), vec![], vec![], None),
            Err(CoreError::Empty { .. })
        ));
        for (name, bad) in [
            (
                "l2",
                TrainerConfig {
                    l2: f64::NAN,
                    ..c.clone()
                },
            ),
            (
                "l1",
                TrainerConfig {
                    l1: -1.0,
                    ..c.clone()
                },
            ),
            (
                "clipValue",
                TrainerConfig {
                    clip_value: -1.0,
                    ..c.clone()
                },
            ),
            (
                "clipNorm",
                TrainerConfig {
                    clip_norm: f64::INFINITY,
                    ..c.clone()
                },
            ),
            (
                "nFeatures",
                TrainerConfig {
                    n_features: 0,
                    ..c.clone()
                },
            ),
            (
                "nOutputs",
                TrainerConfig {
                    objective: Objective::LogLoss,
                    n_outputs: 2,
                    ..c.clone()
                },
            ),
            (
                "nOutputs",
                TrainerConfig {
                    objective: Objective::CrossEntropy,
                    ..c.clone()
                },
            ),
            (
                "nOutputs",
                TrainerConfig {
                    objective: Objective::CrossEntropy,
                    n_outputs: usize::MAX,
                    ..c.clone()
                }
                .clone(),
            ),
        ] {
            assert!(
                matches!(
                    Trainer::new(bad, vec![1.0; 2], vec![1.0], None),
                    Err(CoreError::InvalidOption { name: n, .. }) if n == name
                ),
                "{name}"
            );
        }
        let mut t = Trainer::new(c, vec![1.0; 4], vec![1.0; 2], None).unwrap();
        assert_eq!(t.run_batches(1, 0, &[0.1], false), Err(CoreError::NoOrder));
        assert_eq!(
            t.set_order(vec![0, 2]),
            Err(CoreError::RowOutOfRange {
                position: 1,
                row: 2,
                rows: 2
            })
        );
        t.set_order(vec![0, 1]).unwrap();
        assert!(matches!(
            t.run_batches(0, 0, &[0.1], false),
            Err(CoreError::InvalidOption {
                name: "batchSize",
                ..
            })
        ));
        for lr in [-1.0, f32::NAN, f32::INFINITY] {
            assert!(matches!(
                t.run_batches(1, 0, &[0.1, lr], false),
                Err(CoreError::InvalidOption {
                    name: "learningRate",
                    ..
                })
            ));
        }
        assert_eq!(t.optimizer_steps(), 0, "a rejected run takes no step");
        assert!(t.run_batches(1, 0, &[0.0], false).unwrap().finite);
        // past the batches left, entries are not read
        let s = t.run_batches(1, 1, &[0.1, f32::NAN], false).unwrap();
        assert_eq!((s.iterations, s.finite), (1, true));
        assert!(matches!(
            t.set_params(&[1.0]),
            Err(CoreError::ParamsLength {
                got: 1,
                expected: 3
            })
        ));
        assert!(matches!(
            t.set_params(&[1.0, f32::NAN, 0.0]),
            Err(CoreError::NonFiniteParam { index: 1, .. })
        ));
    }
}

#[cfg(test)]
mod single_row_tests {
    use super::*;
    use crate::optimizer::SgdConfig;

    /// A trainer for `objective` with plain SGD; clipping by value at f64::MAX (+∞ in f32) changes no gradient but
    /// sends batch size 1 through the generic `update` instead of `model::sgd_single_rows`.
    fn trainer(objective: Objective, d: usize, l2: f64, intercept: bool, generic: bool) -> Trainer {
        let rows = 41;
        let mut s = 0x9e37_79b9u32;
        let mut next = || {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            (s as f32 / u32::MAX as f32) * 4.0 - 2.0
        };
        let x: Vec<f32> = (0..rows * d).map(|_| next()).collect();
        let y: Vec<f32> = (0..rows)
            .map(|_| match objective {
                Objective::LogLoss => f32::from(next() > 0.0),
                Objective::CrossEntropy => ((next() + 2.0) * 0.74).floor(),
                Objective::SquaredError => next(),
            })
            .collect();
        let w: Vec<f32> = (0..rows).map(|_| next() + 2.0).collect();
        let cfg = TrainerConfig {
            hidden: Vec::new(),
            objective,
            n_features: d,
            n_outputs: if objective == Objective::CrossEntropy {
                3
            } else {
                1
            },
            l2,
            l1: 0.0,
            fit_intercept: intercept,
            clip_value: if generic { f64::MAX } else { 0.0 },
            clip_norm: 0.0,
            optimizer: OptimizerConfig::Sgd(SgdConfig {
                momentum: 0.0,
                dampening: 0.0,
                nesterov: false,
                weight_decay: 0.0,
            }),
        };
        Trainer::new(cfg, x, y, Some(w)).unwrap()
    }

    #[test]
    fn the_fused_single_row_path_gives_the_bits_of_the_generic_update() {
        for objective in [
            Objective::SquaredError,
            Objective::LogLoss,
            Objective::CrossEntropy,
        ] {
            for d in [1, 3, 4, 7, 16, 19, 37] {
                for (l2, intercept) in [(0.0, true), (0.1, true), (0.0, false), (0.25, false)] {
                    let mut fused = trainer(objective, d, l2, intercept, false);
                    let mut generic = trainer(objective, d, l2, intercept, true);
                    let order: Vec<u32> = (0..41).map(|i| (i * 17 + 3) % 41).collect();
                    let lrs: Vec<f32> = (0..50).map(|i| 0.05 / (1.0 + i as f32)).collect();
                    for t in [&mut fused, &mut generic] {
                        t.set_order(order.clone()).unwrap();
                    }
                    let a = fused.run_batches(1, 2, &lrs[..30], false).unwrap();
                    let b = generic.run_batches(1, 2, &lrs[..30], false).unwrap();
                    assert_eq!(a, b, "{objective:?} d={d} l2={l2}");
                    let a = fused.run_batches(1, 32, &lrs, false).unwrap();
                    let b = generic.run_batches(1, 32, &lrs, false).unwrap();
                    assert_eq!(a, b, "{objective:?} d={d} l2={l2}");
                    let bits =
                        |t: &Trainer| t.params().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                    assert_eq!(bits(&fused), bits(&generic), "{objective:?} d={d} l2={l2}");
                    assert_eq!(fused.optimizer_steps(), generic.optimizer_steps());
                }
            }
        }
    }

    #[test]
    fn a_diverging_single_row_run_stops_where_the_generic_one_does_and_is_undone() {
        for objective in [
            Objective::SquaredError,
            Objective::LogLoss,
            Objective::CrossEntropy,
        ] {
            let mut fused = trainer(objective, 5, 0.0, true, false);
            let mut generic = trainer(objective, 5, 0.0, true, true);
            let order: Vec<u32> = (0..41).collect();
            for t in [&mut fused, &mut generic] {
                t.set_order(order.clone()).unwrap();
            }
            let a = fused.run_batches(1, 0, &[3.0e38; 41], false).unwrap();
            let b = generic.run_batches(1, 0, &[3.0e38; 41], false).unwrap();
            assert!(!a.finite, "{objective:?}");
            assert_eq!(
                (a.rows, a.iterations),
                (b.rows, b.iterations),
                "{objective:?}"
            );
            assert_eq!(fused.params(), generic.params());
            assert_eq!(fused.optimizer_steps(), 0);
        }
    }

    #[test]
    fn a_batch_loss_past_the_float32_range_is_divergence_on_both_paths() {
        // w = 3e19 (finite in f32): (l2/2)‖W‖² = 2.25e39 is finite in f64 but not in f32, where
        // the js engine judges it; both engines must call it divergence
        for generic in [false, true] {
            let mut t = trainer(Objective::LogLoss, 5, 1.0, true, generic);
            let mut p = vec![3.0e19f32; 5];
            p.push(0.0);
            t.set_params(&p).unwrap();
            t.set_order((0..41).collect()).unwrap();
            let s = t.run_batches(1, 0, &[0.0; 3], false).unwrap();
            assert!(!s.finite, "generic = {generic}");
            assert_eq!(s.iterations, 1);
            assert_eq!(t.params(), &p[..]);
        }
    }
}
