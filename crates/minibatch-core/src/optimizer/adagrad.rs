//! adagrad (torch.optim.Adagrad): if λ: g ← g + λθ. γ' = γ / (1 + (t − 1)·lrDecay);
//! sum ← sum + g² (sum starts at initialAccumulator); θ ← θ − γ'·g / (√sum + ε).

use super::{sweep, Elementwise, Update};
use crate::error::{non_negative, positive, CoreError};
use crate::lanes::Lane;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdagradConfig {
    /// ≥ 0.
    pub lr_decay: f64,
    /// The initial value of every sum, ≥ 0.
    pub initial_accumulator: f64,
    /// > 0 (PyTorch allows 0, which divides 0 by 0 for a zero gradient entry).
    pub eps: f64,
    /// λ ≥ 0, on W only.
    pub weight_decay: f64,
}

impl AdagradConfig {
    pub fn validate(&self) -> Result<(), CoreError> {
        non_negative("lrDecay", self.lr_decay)?;
        non_negative("initialAccumulator", self.initial_accumulator)?;
        positive("eps", self.eps)?;
        non_negative("weightDecay", self.weight_decay)
    }
}

#[derive(Clone, Debug)]
pub struct Adagrad {
    lr_decay: f64,
    eps: f32,
    weight_decay: f32,
    /// The value every sum starts at.
    initial_accumulator: f32,
}

impl Adagrad {
    pub fn new(c: &AdagradConfig) -> Result<Self, CoreError> {
        c.validate()?;
        Ok(Adagrad {
            lr_decay: c.lr_decay,
            eps: c.eps as f32,
            weight_decay: c.weight_decay as f32,
            initial_accumulator: c.initial_accumulator as f32,
        })
    }
}

impl Update for Adagrad {
    fn squared_buffers(&self) -> &'static [usize] {
        &[0]
    }

    fn initial_state(&self) -> f32 {
        self.initial_accumulator
    }

    #[inline]
    fn step(
        &mut self,
        state: &mut [f32],
        params: &mut [f32],
        grad: &[f32],
        lr: f32,
        t: u64,
        n_weights: usize,
    ) {
        let n = params.len();
        let clr = (lr as f64 / (1.0 + t.saturating_sub(1) as f64 * self.lr_decay)) as f32;
        let mut k = Kernel {
            p: params,
            g: grad,
            sum: state,
            clr,
            wd: self.weight_decay,
            eps: self.eps,
        };
        sweep(&mut k, n, n_weights, self.weight_decay != 0.0);
    }
}

struct Kernel<'a> {
    p: &'a mut [f32],
    g: &'a [f32],
    sum: &'a mut [f32],
    clr: f32,
    wd: f32,
    eps: f32,
}

impl Elementwise for Kernel<'_> {
    #[inline(always)]
    fn at<L: Lane>(&mut self, i: usize, decay: bool) {
        let p = L::load(self.p, i);
        let mut g = L::load(self.g, i);
        if decay {
            g = g + L::splat(self.wd) * p;
        }
        let sum = L::load(self.sum, i) + g * g;
        sum.store(self.sum, i);
        (p - L::splat(self.clr) * (g / (sum.sqrt() + L::splat(self.eps)))).store(self.p, i);
    }
}
