//! adam and adamw (torch.optim.Adam, torch.optim.AdamW):
//!   adam:  if λ: g ← g + λθ (L2 through the gradient).
//!   adamw: if λ: θ ← θ·(1 − γλ) (decoupled), before the rest.
//!   both:  m ← β1·m + (1 − β1)·g; v ← β2·v + (1 − β2)·g²; if amsgrad: v̂ ← max(v̂, v), used for
//!          v below. c1 = 1 − β1^t, c2 = 1 − β2^t; θ ← θ − (γ / c1)·m / (√v / √c2 + ε).

use super::{sweep, Elementwise, Update};
use crate::error::{non_negative, positive, unit_interval, CoreError};
use crate::lanes::Lane;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamConfig {
    /// β1 ∈ [0, 1).
    pub beta1: f64,
    /// β2 ∈ [0, 1).
    pub beta2: f64,
    /// > 0 (PyTorch allows 0, which divides 0 by 0 for a zero gradient entry).
    pub eps: f64,
    pub amsgrad: bool,
    /// λ ≥ 0, on W only.
    pub weight_decay: f64,
    /// adamw: weight decay multiplies θ instead of entering the gradient.
    pub decoupled: bool,
}

impl AdamConfig {
    pub fn validate(&self) -> Result<(), CoreError> {
        unit_interval("beta1", self.beta1)?;
        unit_interval("beta2", self.beta2)?;
        positive("eps", self.eps)?;
        non_negative("weightDecay", self.weight_decay)
    }

    pub fn buffers(&self) -> usize {
        2 + usize::from(self.amsgrad)
    }
}

#[derive(Clone, Debug)]
pub struct Adam {
    beta1: f64,
    beta2: f64,
    eps: f32,
    amsgrad: bool,
    weight_decay: f64,
    decoupled: bool,
}

impl Adam {
    pub fn new(c: &AdamConfig) -> Result<Self, CoreError> {
        c.validate()?;
        Ok(Adam {
            beta1: c.beta1,
            beta2: c.beta2,
            eps: c.eps as f32,
            amsgrad: c.amsgrad,
            weight_decay: c.weight_decay,
            decoupled: c.decoupled,
        })
    }
}

impl Update for Adam {
    fn squared_buffers(&self) -> &'static [usize] {
        if self.amsgrad {
            &[1, 2]
        } else {
            &[1]
        }
    }

    /// `state`: [m, v, v̂ when amsgrad].
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
        let (m, rest) = state.split_at_mut(n);
        let (v, v_max) = rest.split_at_mut(n);
        let t = t as f64;
        let c1 = 1.0 - self.beta1.powf(t);
        let c2 = 1.0 - self.beta2.powf(t);
        let lr64 = lr as f64;
        let mut k = Kernel {
            p: params,
            g: grad,
            m,
            v,
            v_max,
            beta1: self.beta1 as f32,
            one_minus_beta1: (1.0 - self.beta1) as f32,
            beta2: self.beta2 as f32,
            one_minus_beta2: (1.0 - self.beta2) as f32,
            step_size: (lr64 / c1) as f32,
            sqrt_c2: c2.sqrt() as f32,
            eps: self.eps,
            coupled_decay: if self.decoupled {
                0.0
            } else {
                self.weight_decay as f32
            },
            decoupled_factor: if self.decoupled {
                (1.0 - lr64 * self.weight_decay) as f32
            } else {
                1.0
            },
            decoupled: self.decoupled,
        };
        sweep(&mut k, n, n_weights, self.weight_decay != 0.0);
    }
}

struct Kernel<'a> {
    p: &'a mut [f32],
    g: &'a [f32],
    m: &'a mut [f32],
    v: &'a mut [f32],
    /// Empty unless amsgrad.
    v_max: &'a mut [f32],
    beta1: f32,
    one_minus_beta1: f32,
    beta2: f32,
    one_minus_beta2: f32,
    step_size: f32,
    sqrt_c2: f32,
    eps: f32,
    coupled_decay: f32,
    decoupled_factor: f32,
    decoupled: bool,
}

impl Elementwise for Kernel<'_> {
    #[inline(always)]
    fn at<L: Lane>(&mut self, i: usize, decay: bool) {
        let mut p = L::load(self.p, i);
        let mut g = L::load(self.g, i);
        if decay {
            if self.decoupled {
                p = p * L::splat(self.decoupled_factor);
            } else {
                g = g + L::splat(self.coupled_decay) * p;
            }
        }
        let m = L::splat(self.beta1) * L::load(self.m, i) + L::splat(self.one_minus_beta1) * g;
        m.store(self.m, i);
        let mut v =
            L::splat(self.beta2) * L::load(self.v, i) + L::splat(self.one_minus_beta2) * (g * g);
        v.store(self.v, i);
        if !self.v_max.is_empty() {
            v = L::load(self.v_max, i).pmax(v);
            v.store(self.v_max, i);
        }
        let denom = v.sqrt() / L::splat(self.sqrt_c2) + L::splat(self.eps);
        (p - L::splat(self.step_size) * (m / denom)).store(self.p, i);
    }
}
