//! The batch loop: one call runs one epoch over a row order chosen by the caller.
//!
//! For each batch B of the order: g = (1/|B|)·Σ_{i∈B} ∂ℓ(w·x_i + b, y_i)/∂θ + λ·(w, 0), then the
//! optimizer steps θ against g. The caller (TypeScript) owns the schedule: shuffling, how many
//! batches may still run, the learning rate and when to stop.

use crate::error::CoreError;
use crate::kernels::{self, BLOCK_ROWS};
use crate::objective::Objective;
use crate::optimizer::Sgd;

/// What does not change during a fit.
#[derive(Clone, Copy, Debug)]
pub struct TrainerConfig {
    pub objective: Objective,
    pub n_features: usize,
    /// λ of the (λ/2)‖w‖² penalty; the intercept is never penalized.
    pub l2: f32,
    pub fit_intercept: bool,
}

/// What one epoch did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpochSummary {
    /// Σ over the rows seen of the row's loss at the parameters its batch used, plus the
    /// penalty at those parameters once per row (so loss_sum / rows is the running objective).
    pub loss_sum: f64,
    pub rows: u32,
    pub iterations: u32,
    /// False when the loss or the parameters stopped being finite; the parameters were then
    /// put back to what they were at the start of the epoch.
    pub finite: bool,
}

pub struct Trainer {
    cfg: TrainerConfig,
    x: Vec<f32>,
    y: Vec<f32>,
    rows: usize,
    /// n_features weights, then the intercept.
    params: Vec<f32>,
    grad: Vec<f32>,
    snapshot: Vec<f32>,
    optimizer: Sgd,
}

impl Trainer {
    /// Takes ownership of row-major `x` (rows × n_features) and `y` (rows).
    pub fn new(cfg: TrainerConfig, x: Vec<f32>, y: Vec<f32>) -> Result<Self, CoreError> {
        let d = cfg.n_features;
        if d == 0 || y.is_empty() {
            return Err(CoreError::Empty {
                rows: y.len(),
                n_features: d,
            });
        }
        if x.len() != y.len() * d {
            return Err(CoreError::ShapeMismatch {
                x_len: x.len(),
                y_len: y.len(),
                n_features: d,
            });
        }
        if !(cfg.l2.is_finite() && cfg.l2 >= 0.0) {
            return Err(CoreError::InvalidOption {
                name: "l2",
                value: cfg.l2 as f64,
            });
        }
        let rows = y.len();
        Ok(Trainer {
            cfg,
            x,
            y,
            rows,
            params: vec![0.0; d + 1],
            grad: vec![0.0; d + 1],
            snapshot: vec![0.0; d + 1],
            optimizer: Sgd,
        })
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn params(&self) -> &[f32] {
        &self.params
    }

    pub fn set_params(&mut self, params: &[f32]) -> Result<(), CoreError> {
        if params.len() != self.params.len() {
            return Err(CoreError::ParamsLength {
                got: params.len(),
                expected: self.params.len(),
            });
        }
        self.params.copy_from_slice(params);
        if !self.cfg.fit_intercept {
            self.params[self.cfg.n_features] = 0.0;
        }
        Ok(())
    }

    /// Runs the batches of `order` (cut every `batch_size` rows; the last, shorter batch is
    /// kept unless `drop_last`), at most `max_batches` of them.
    pub fn run_epoch(
        &mut self,
        order: &[u32],
        batch_size: usize,
        max_batches: usize,
        learning_rate: f32,
        drop_last: bool,
    ) -> Result<EpochSummary, CoreError> {
        if batch_size == 0 {
            return Err(CoreError::InvalidOption {
                name: "batchSize",
                value: 0.0,
            });
        }
        if !(learning_rate.is_finite() && learning_rate > 0.0) {
            return Err(CoreError::InvalidOption {
                name: "learningRate",
                value: learning_rate as f64,
            });
        }
        if let Some(position) = order.iter().position(|&r| r as usize >= self.rows) {
            return Err(CoreError::RowOutOfRange {
                position,
                row: order[position],
                rows: self.rows,
            });
        }
        self.snapshot.copy_from_slice(&self.params);
        let mut summary = EpochSummary {
            loss_sum: 0.0,
            rows: 0,
            iterations: 0,
            finite: true,
        };
        for batch in order.chunks(batch_size) {
            if summary.iterations as usize >= max_batches || (drop_last && batch.len() < batch_size)
            {
                break;
            }
            let batch_loss = self.batch_step(batch, learning_rate);
            summary.iterations += 1;
            summary.rows += batch.len() as u32;
            if !batch_loss.is_finite() {
                summary.finite = false;
                break;
            }
            summary.loss_sum += batch_loss;
        }
        if summary.finite && !kernels::all_finite(&self.params) {
            summary.finite = false;
        }
        if !summary.finite {
            self.params.copy_from_slice(&self.snapshot);
        }
        Ok(summary)
    }

    /// One update on the rows `batch`; returns the batch's summed loss (penalty included).
    fn batch_step(&mut self, batch: &[u32], learning_rate: f32) -> f64 {
        let d = self.cfg.n_features;
        let objective = self.cfg.objective;
        let (w, bias) = (&self.params[..d], self.params[d]);
        let (grad_w, grad_b) = self.grad.split_at_mut(d);
        grad_w.fill(0.0);
        let (x, y) = (&self.x, &self.y);
        let row = |r: u32| &x[r as usize * d..(r as usize + 1) * d];
        let mut loss_sum = 0.0f64;
        let mut dz_sum = 0.0f32;
        // Blocks of rows share the loads of w and of the gradient (kernels::dot_rows/axpy_rows).
        let mut blocks = batch.chunks_exact(BLOCK_ROWS);
        for b in &mut blocks {
            let rows: [&[f32]; BLOCK_ROWS] = std::array::from_fn(|k| row(b[k]));
            let z = kernels::dot_rows(w, &rows);
            let mut dz = [0.0f32; BLOCK_ROWS];
            for k in 0..BLOCK_ROWS {
                let (loss, g) = objective.loss_and_derivative(z[k] + bias, y[b[k] as usize]);
                loss_sum += loss as f64;
                dz_sum += g;
                dz[k] = g;
            }
            kernels::axpy_rows(&dz, &rows, grad_w);
        }
        for &r in blocks.remainder() {
            let xr = row(r);
            let (loss, g) =
                objective.loss_and_derivative(kernels::dot(w, xr) + bias, y[r as usize]);
            loss_sum += loss as f64;
            dz_sum += g;
            kernels::axpy(g, xr, grad_w);
        }
        let inv_b = 1.0 / batch.len() as f32;
        // mean gradient of the data term, plus λ·w
        kernels::scale_add(inv_b, grad_w, self.cfg.l2, w);
        grad_b[0] = if self.cfg.fit_intercept {
            dz_sum * inv_b
        } else {
            0.0
        };
        if self.cfg.l2 > 0.0 {
            loss_sum += 0.5 * self.cfg.l2 as f64 * kernels::sum_squares_f64(w) * batch.len() as f64;
        }
        self.optimizer
            .step(&mut self.params, &self.grad, learning_rate);
        loss_sum
    }

    /// The objective at the current parameters over all rows: mean loss + (λ/2)‖w‖², in f64.
    pub fn objective_value(&self) -> f64 {
        let d = self.cfg.n_features;
        let (w, bias) = (&self.params[..d], self.params[d]);
        let data: f64 = (0..self.rows)
            .map(|r| {
                let z = kernels::dot(w, &self.x[r * d..(r + 1) * d]) + bias;
                self.cfg.objective.loss_and_derivative(z, self.y[r]).0 as f64
            })
            .sum();
        data / self.rows as f64 + 0.5 * self.cfg.l2 as f64 * kernels::sum_squares_f64(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(objective: Objective, d: usize, l2: f32) -> TrainerConfig {
        TrainerConfig {
            objective,
            n_features: d,
            l2,
            fit_intercept: true,
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

    #[test]
    fn full_batch_gradient_descent_recovers_an_exact_linear_model() {
        let (x, y) = line_data();
        let mut t = Trainer::new(cfg(Objective::SquaredError, 2, 0.0), x, y).unwrap();
        let order: Vec<u32> = (0..64).collect();
        for _ in 0..2000 {
            let s = t.run_epoch(&order, 64, usize::MAX, 0.5, false).unwrap();
            assert!(s.finite);
        }
        let p = t.params();
        assert!(
            (p[0] - 2.0).abs() < 1e-5 && (p[1] + 3.0).abs() < 1e-5 && (p[2] - 0.5).abs() < 1e-5,
            "{p:?}"
        );
        assert!(t.objective_value() < 1e-10);
    }

    #[test]
    fn one_step_is_the_mean_gradient_times_the_learning_rate() {
        // two rows, d = 1, logistic: at θ = 0, σ = 0.5, so g_w = mean((0.5 − y)·x) + λ·0.
        let mut t = Trainer::new(
            cfg(Objective::LogLoss, 1, 0.1),
            vec![2.0, -4.0],
            vec![1.0, 0.0],
        )
        .unwrap();
        let s = t.run_epoch(&[0, 1], 2, usize::MAX, 1.0, false).unwrap();
        let gw = ((0.5 - 1.0) * 2.0 + (0.5 - 0.0) * -4.0) / 2.0;
        let gb = ((0.5 - 1.0) + 0.5) / 2.0;
        assert_eq!(t.params(), &[-gw, -gb]);
        assert_eq!((s.rows, s.iterations), (2, 1));
        assert!((s.loss_sum - 2.0 * std::f64::consts::LN_2).abs() < 1e-6);
    }

    #[test]
    fn batches_are_cut_as_documented() {
        let (x, y) = line_data();
        let mut t = Trainer::new(cfg(Objective::SquaredError, 2, 0.0), x, y).unwrap();
        let order: Vec<u32> = (0..64).rev().collect();
        let s = t.run_epoch(&order, 10, usize::MAX, 0.01, false).unwrap();
        assert_eq!((s.iterations, s.rows), (7, 64));
        let s = t.run_epoch(&order, 10, usize::MAX, 0.01, true).unwrap();
        assert_eq!((s.iterations, s.rows), (6, 60));
        let s = t.run_epoch(&order, 10, 3, 0.01, false).unwrap();
        assert_eq!((s.iterations, s.rows), (3, 30));
        let s = t.run_epoch(&order, 1, usize::MAX, 0.01, false).unwrap();
        assert_eq!((s.iterations, s.rows), (64, 64));
    }

    #[test]
    fn divergence_puts_back_the_parameters_of_the_epoch_start() {
        let (x, y) = line_data();
        let mut t = Trainer::new(cfg(Objective::SquaredError, 2, 0.0), x, y).unwrap();
        let order: Vec<u32> = (0..64).collect();
        t.run_epoch(&order, 8, usize::MAX, 0.01, false).unwrap();
        let good = t.params().to_vec();
        let s = t.run_epoch(&order, 1, usize::MAX, 1.0e30, false).unwrap();
        assert!(!s.finite);
        assert_eq!(t.params(), &good[..]);
    }

    #[test]
    fn the_intercept_is_not_penalized_and_can_be_switched_off() {
        // y = 5 constant, x = 0: only the intercept can fit it, whatever λ.
        let mut c = cfg(Objective::SquaredError, 1, 10.0);
        let mut t = Trainer::new(c, vec![0.0; 4], vec![5.0; 4]).unwrap();
        for _ in 0..200 {
            t.run_epoch(&[0, 1, 2, 3], 4, usize::MAX, 0.5, false)
                .unwrap();
        }
        assert!((t.params()[1] - 5.0).abs() < 1e-5);
        c.fit_intercept = false;
        let mut t = Trainer::new(c, vec![0.0; 4], vec![5.0; 4]).unwrap();
        t.run_epoch(&[0, 1, 2, 3], 4, usize::MAX, 0.5, false)
            .unwrap();
        assert_eq!(t.params(), &[0.0, 0.0]);
    }

    #[test]
    fn rejects_bad_shapes_rows_and_options_without_panicking() {
        let c = cfg(Objective::SquaredError, 2, 0.0);
        assert!(matches!(
            Trainer::new(c, vec![1.0; 5], vec![1.0; 3]),
            Err(CoreError::ShapeMismatch { .. })
        ));
        assert!(matches!(
            Trainer::new(c, vec![], vec![]),
            Err(CoreError::Empty { .. })
        ));
        let bad_l2 = TrainerConfig { l2: f32::NAN, ..c };
        assert!(matches!(
            Trainer::new(bad_l2, vec![1.0; 2], vec![1.0]),
            Err(CoreError::InvalidOption { name: "l2", .. })
        ));
        let mut t = Trainer::new(c, vec![1.0; 4], vec![1.0; 2]).unwrap();
        assert_eq!(
            t.run_epoch(&[0, 2], 1, usize::MAX, 0.1, false),
            Err(CoreError::RowOutOfRange {
                position: 1,
                row: 2,
                rows: 2
            })
        );
        assert!(matches!(
            t.run_epoch(&[0], 0, 1, 0.1, false),
            Err(CoreError::InvalidOption {
                name: "batchSize",
                ..
            })
        ));
        assert!(matches!(
            t.run_epoch(&[0], 1, 1, -1.0, false),
            Err(CoreError::InvalidOption {
                name: "learningRate",
                ..
            })
        ));
        assert!(matches!(
            t.set_params(&[1.0]),
            Err(CoreError::ParamsLength {
                got: 1,
                expected: 3
            })
        ));
    }
}
