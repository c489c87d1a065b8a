//! The optimizers of ts/engine/types.ts, with PyTorch's equations (torch.optim, 2.x): each one
//! a small struct holding its state buffers and a `step(params, grad, lr, t, n_weights)` that
//! applies weight decay to the W part (`params[..n_weights]`) only, never to the intercepts.
//!
//! State layout: each optimizer keeps its buffers (each of length p) concatenated in one vector
//! in exactly the order they are exported (ts/engine/types.ts `OptimizerState`), so export,
//! import and the trainer's snapshots are plain copies:
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

use crate::error::CoreError;
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

#[derive(Clone, Debug)]
enum Update {
    Sgd(Sgd),
    Adagrad(Adagrad),
    RmsProp(RmsProp),
    Adam(Adam),
}

/// An optimizer with its state and its step count t (0 before the first step).
#[derive(Clone, Debug)]
pub struct Optimizer {
    update: Update,
    steps: u64,
}

impl Optimizer {
    /// Validates `config` and allocates its state for `n_params` parameters.
    pub fn new(config: &OptimizerConfig, n_params: usize) -> Result<Self, CoreError> {
        config.validate()?;
        let update = match config {
            OptimizerConfig::Sgd(c) => Update::Sgd(Sgd::new(c, n_params)?),
            OptimizerConfig::Adagrad(c) => Update::Adagrad(Adagrad::new(c, n_params)?),
            OptimizerConfig::RmsProp(c) => Update::RmsProp(RmsProp::new(c, n_params)?),
            OptimizerConfig::Adam(c) => Update::Adam(Adam::new(c, n_params)?),
        };
        Ok(Optimizer { update, steps: 0 })
    }

    /// Takes step t = steps + 1 on `params` with the gradient `grad` and learning rate `lr`;
    /// weight decay applies to `params[..n_weights]` only.
    #[inline]
    pub fn step(&mut self, params: &mut [f32], grad: &[f32], lr: f32, n_weights: usize) {
        self.steps = self.steps.saturating_add(1);
        let t = self.steps;
        match &mut self.update {
            Update::Sgd(o) => o.step(params, grad, lr, t, n_weights),
            Update::Adagrad(o) => o.step(params, grad, lr, t, n_weights),
            Update::RmsProp(o) => o.step(params, grad, lr, t, n_weights),
            Update::Adam(o) => o.step(params, grad, lr, t, n_weights),
        }
    }

    /// Whether a step is θ ← θ − γ·g and nothing else (sgd without momentum or weight decay):
    /// the update that `model::sgd_single_rows` fuses with the gradient.
    pub fn is_plain_sgd(&self) -> bool {
        matches!(&self.update, Update::Sgd(o) if o.is_plain())
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
        match &self.update {
            Update::Sgd(o) => &o.state,
            Update::Adagrad(o) => &o.state,
            Update::RmsProp(o) => &o.state,
            Update::Adam(o) => &o.state,
        }
    }

    fn state_mut(&mut self) -> &mut [f32] {
        match &mut self.update {
            Update::Sgd(o) => &mut o.state,
            Update::Adagrad(o) => &mut o.state,
            Update::RmsProp(o) => &mut o.state,
            Update::Adam(o) => &mut o.state,
        }
    }

    /// Which buffers hold squared averages (≥ 0), by index in the exported order.
    fn squared_buffers(&self) -> &'static [usize] {
        match &self.update {
            Update::Sgd(_) => &[],
            Update::Adagrad(_) => &[0],
            // v first; ḡ and buf (when present) may be negative
            Update::RmsProp(_) => &[0],
            Update::Adam(o) if o.amsgrad() => &[1, 2],
            Update::Adam(_) => &[1],
        }
    }

    /// Replaces the step count and the state (a snapshot): the length must be the one these
    /// settings use; no value may be NaN, and squared averages must be ≥ 0.
    pub fn set_state(&mut self, steps: u64, state: &[f32]) -> Result<(), CoreError> {
        let expected = self.state().len();
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
        if expected > 0 && !self.squared_buffers().is_empty() {
            let p = expected / self.buffer_count();
            for &b in self.squared_buffers() {
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

    fn buffer_count(&self) -> usize {
        match &self.update {
            Update::Sgd(o) => o.buffers(),
            Update::Adagrad(_) => 1,
            Update::RmsProp(o) => o.buffers(),
            Update::Adam(o) => o.buffers(),
        }
    }

    /// Puts back a state taken from `state()` of this same optimizer (the trainer's snapshot);
    /// the lengths agree by construction.
    pub(crate) fn restore(&mut self, steps: u64, state: &[f32]) {
        self.steps = steps;
        self.state_mut().copy_from_slice(state);
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
