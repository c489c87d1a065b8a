//! The optimizers of ts/engine/types.ts, with PyTorch's equations (torch.optim, 2.x): each one
//! a file with its config (validated by PyTorch's rules, and saying how many state buffers it
//! keeps) and a struct that implements `Update`, whose `step(state, params, grad, lr, t,
//! n_weights)` updates its buffers and applies weight decay to the W part (`params[..n_weights]`)
//! only, never to the intercepts. A new optimizer is a file, a variant of `OptimizerConfig` (three
//! one-line arms below) and the boundary's fields.
//!
//! State layout: `Optimizer` keeps the buffers (each of length p) concatenated in one vector in
//! exactly the order they are exported (ts/engine/types.ts `OptimizerState`), so export, import
//! and the trainer's snapshots are plain copies, written once here for every optimizer:
//!   sgd: [buf] when momentum ≠ 0 · adagrad: [sum] · rmsprop: [v, ḡ when centered, buf when
//!   momentum > 0] · adam/adamw: [m, v, v̂ when amsgrad].
//!
//! Scalar coefficients (1 − β, bias corrections, lr / (1 + (t − 1)·lrDecay)) are computed in
//! f64 from the f64 hyperparameters and rounded once to f32, as PyTorch does with its Python
//! floats; the elementwise arithmetic is f32, written once against `Lane` and run four lanes at
//! a time (SIMD128 on wasm32) with a one-lane tail.

mod adagrad;
mod adam;
mod rmsprop;
mod sgd;

pub use adagrad::{Adagrad, AdagradConfig};
pub use adam::{Adam, AdamConfig};
pub use rmsprop::{RmsProp, RmsPropConfig};
pub use sgd::{Sgd, SgdConfig};

use crate::error::{try_filled, CoreError};
use crate::lanes::{F32x4, Lane};

/// The optimizer and its hyperparameters, all resolved by the caller (no defaults here).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OptimizerConfig {
    Sgd(SgdConfig),
    Adagrad(AdagradConfig),
    RmsProp(RmsPropConfig),
    /// adam, or adamw with `decoupled`.
    Adam(AdamConfig),
}

impl OptimizerConfig {
    /// Checks every hyperparameter (PyTorch's rules; the error names the TypeScript option).
    pub fn validate(&self) -> Result<(), CoreError> {
        match self {
            OptimizerConfig::Sgd(c) => c.validate(),
            OptimizerConfig::Adagrad(c) => c.validate(),
            OptimizerConfig::RmsProp(c) => c.validate(),
            OptimizerConfig::Adam(c) => c.validate(),
        }
    }

    /// How many state buffers of length p these settings keep.
    pub fn buffers(&self) -> usize {
        match self {
            OptimizerConfig::Sgd(c) => c.buffers(),
            OptimizerConfig::Adagrad(_) => 1,
            OptimizerConfig::RmsProp(c) => c.buffers(),
            OptimizerConfig::Adam(c) => c.buffers(),
        }
    }
}

/// What each optimizer's file implements: what its buffers mean (which hold squared averages,
/// where they start) and its step over them. `Optimizer` holds the buffers (as many as
/// `OptimizerConfig::buffers` says, concatenated in the exported order), the step count and the
/// checks of an imported state, the same for every optimizer.
pub trait Update: std::fmt::Debug + Send {
    /// Which buffers hold squared averages (≥ 0), by index in the exported order.
    fn squared_buffers(&self) -> &'static [usize];
    /// The value every state entry starts at.
    fn initial_state(&self) -> f32 {
        0.0
    }
    /// Whether a step is θ ← θ − γ·g and nothing else (see `Optimizer::is_plain_sgd`).
    fn is_plain_sgd(&self) -> bool {
        false
    }
    /// Step t on `params` with the gradient `grad` and learning rate `lr`, `state` holding the
    /// buffers (each of length `params.len()`) in the exported order; weight decay applies to
    /// `params[..n_weights]` only.
    fn step(
        &mut self,
        state: &mut [f32],
        params: &mut [f32],
        grad: &[f32],
        lr: f32,
        t: u64,
        n_weights: usize,
    );
}

/// An optimizer with its state and its step count t (0 before the first step).
#[derive(Debug)]
pub struct Optimizer {
    update: Box<dyn Update>,
    /// The state buffers, each of length `n_params`, concatenated in the exported order.
    state: Vec<f32>,
    n_params: usize,
    steps: u64,
}

impl Optimizer {
    /// Validates `config` and allocates its state for `n_params` parameters.
    pub fn new(config: &OptimizerConfig, n_params: usize) -> Result<Self, CoreError> {
        config.validate()?;
        let update: Box<dyn Update> = match config {
            OptimizerConfig::Sgd(c) => Box::new(Sgd::new(c)?),
            OptimizerConfig::Adagrad(c) => Box::new(Adagrad::new(c)?),
            OptimizerConfig::RmsProp(c) => Box::new(RmsProp::new(c)?),
            OptimizerConfig::Adam(c) => Box::new(Adam::new(c)?),
        };
        let state = try_filled(config.buffers() * n_params, update.initial_state())?;
        Ok(Optimizer {
            update,
            state,
            n_params,
            steps: 0,
        })
    }

    /// Takes step t = steps + 1 on `params` with the gradient `grad` and learning rate `lr`;
    /// weight decay applies to `params[..n_weights]` only.
    #[inline]
    pub fn step(&mut self, params: &mut [f32], grad: &[f32], lr: f32, n_weights: usize) {
        self.steps = self.steps.saturating_add(1);
        self.update
            .step(&mut self.state, params, grad, lr, self.steps, n_weights);
    }

    /// Whether a step is θ ← θ − γ·g and nothing else (sgd without momentum or weight decay):
    /// the update that `model::sgd_single_rows` fuses with the gradient.
    pub fn is_plain_sgd(&self) -> bool {
        self.update.is_plain_sgd()
    }

    /// Counts `n` steps taken outside `step` (by `model::sgd_single_rows`, plain SGD only,
    /// which keeps no state besides t).
    pub(crate) fn count_steps(&mut self, n: u64) {
        self.steps = self.steps.saturating_add(n);
    }

    /// t of the last step (0 before the first).
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// The state buffers, concatenated in the exported order.
    pub fn state(&self) -> &[f32] {
        &self.state
    }

    /// Replaces the step count and the state (a snapshot): the length must be the one these
    /// settings use; no value may be NaN, and squared averages must be ≥ 0.
    pub fn set_state(&mut self, steps: u64, state: &[f32]) -> Result<(), CoreError> {
        let expected = self.state.len();
        if state.len() != expected {
            return Err(CoreError::StateLength {
                got: state.len(),
                expected,
            });
        }
        if let Some(index) = state.iter().position(|v| v.is_nan()) {
            return Err(CoreError::InvalidState {
                index,
                value: f64::NAN,
                expected: "a number",
            });
        }
        if expected > 0 {
            let p = self.n_params;
            for &b in self.update.squared_buffers() {
                let range = b * p..(b + 1) * p;
                if let Some(i) = state[range.clone()].iter().position(|&v| v < 0.0) {
                    return Err(CoreError::InvalidState {
                        index: range.start + i,
                        value: state[range.start + i] as f64,
                        expected: "a squared average ≥ 0",
                    });
                }
            }
        }
        self.restore(steps, state);
        Ok(())
    }

    /// Puts back a state taken from `state()` of this same optimizer (the trainer's snapshot);
    /// the lengths agree by construction.
    pub(crate) fn restore(&mut self, steps: u64, state: &[f32]) {
        self.steps = steps;
        self.state.copy_from_slice(state);
    }
}

/// An elementwise update written once for any lane width (see `lanes::Lane`).
pub(crate) trait Elementwise {
    /// Updates entries i..i + L::WIDTH; `decay` says whether weight decay applies there.
    fn at<L: Lane>(&mut self, i: usize, decay: bool);
}

/// Runs `kernel` over 0..n, four lanes at a time then one, with weight decay (when `decay`) on
/// 0..n_weights (W) and never on n_weights..n (the intercepts).
pub(crate) fn sweep<K: Elementwise>(kernel: &mut K, n: usize, n_weights: usize, decay: bool) {
    fn run<K: Elementwise>(kernel: &mut K, start: usize, end: usize, decay: bool) {
        let mut i = start;
        while i + F32x4::WIDTH <= end {
            kernel.at::<F32x4>(i, decay);
            i += F32x4::WIDTH;
        }
        while i < end {
            kernel.at::<f32>(i, decay);
            i += 1;
        }
    }
    let n_weights = n_weights.min(n);
    run(kernel, 0, n_weights, decay);
    run(kernel, n_weights, n, false);
}
