//! rmsprop (torch.optim.RMSprop): if λ: g ← g + λθ. v ← α·v + (1 − α)·g²; if centered:
//! ḡ ← α·ḡ + (1 − α)·g and v' = v − ḡ², else v' = v. If μ > 0: buf ← μ·buf + g / (√v' + ε),
//! θ ← θ − γ·buf; else θ ← θ − γ·g / (√v' + ε).

use super::{sweep, Elementwise, Update};
use crate::error::{non_negative, positive, unit_interval, CoreError};
use crate::lanes::Lane;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RmsPropConfig {
    /// α ∈ [0, 1) (PyTorch allows α ≥ 1, where the average never moves off 0).
    pub alpha: f64,
    /// > 0.
    pub eps: f64,
    /// μ ≥ 0; 0 keeps no buffer.
    pub momentum: f64,
    pub centered: bool,
    /// λ ≥ 0, on W only.
    pub weight_decay: f64,
}

impl RmsPropConfig {
    pub fn validate(&self) -> Result<(), CoreError> {
        unit_interval("alpha", self.alpha)?;
        positive("eps", self.eps)?;
        non_negative("momentum", self.momentum)?;
        non_negative("weightDecay", self.weight_decay)
    }

    pub fn buffers(&self) -> usize {
        1 + usize::from(self.centered) + usize::from(self.momentum > 0.0)
    }
}

#[derive(Clone, Debug)]
pub struct RmsProp {
    alpha: f32,
    one_minus_alpha: f32,
    eps: f32,
    momentum: f32,
    centered: bool,
    weight_decay: f32,
}

impl RmsProp {
    pub fn new(c: &RmsPropConfig) -> Result<Self, CoreError> {
        c.validate()?;
        Ok(RmsProp {
            alpha: c.alpha as f32,
            one_minus_alpha: (1.0 - c.alpha) as f32,
            eps: c.eps as f32,
            momentum: c.momentum as f32,
            centered: c.centered,
            weight_decay: c.weight_decay as f32,
        })
    }
}

impl Update for RmsProp {
    fn squared_buffers(&self) -> &'static [usize] {
        // v first; ḡ and buf (when present) may be negative
        &[0]
    }

    /// `state`: [v, ḡ when centered, buf when μ > 0].
    #[inline]
    fn step(
        &mut self,
        state: &mut [f32],
        params: &mut [f32],
        grad: &[f32],
        lr: f32,
        _t: u64,
        n_weights: usize,
    ) {
        let n = params.len();
        let (v, rest) = state.split_at_mut(n);
        let (g_avg, buf) = rest.split_at_mut(if self.centered { n } else { 0 });
        let mut k = Kernel {
            p: params,
            g: grad,
            v,
            g_avg,
            buf,
            lr,
            wd: self.weight_decay,
            alpha: self.alpha,
            one_minus_alpha: self.one_minus_alpha,
            eps: self.eps,
            momentum: self.momentum,
        };
        sweep(&mut k, n, n_weights, self.weight_decay != 0.0);
    }
}

struct Kernel<'a> {
    p: &'a mut [f32],
    g: &'a [f32],
    v: &'a mut [f32],
    /// Empty unless centered.
    g_avg: &'a mut [f32],
    /// Empty unless μ > 0.
    buf: &'a mut [f32],
    lr: f32,
    wd: f32,
    alpha: f32,
    one_minus_alpha: f32,
    eps: f32,
    momentum: f32,
}

impl Elementwise for Kernel<'_> {
    #[inline(always)]
    fn at<L: Lane>(&mut self, i: usize, decay: bool) {
        let p = L::load(self.p, i);
        let mut g = L::load(self.g, i);
        if decay {
            g = g + L::splat(self.wd) * p;
        }
        let (alpha, one_minus_alpha) = (L::splat(self.alpha), L::splat(self.one_minus_alpha));
        let v = alpha * L::load(self.v, i) + one_minus_alpha * (g * g);
        v.store(self.v, i);
        let v_centered = if self.g_avg.is_empty() {
            v
        } else {
            let g_avg = alpha * L::load(self.g_avg, i) + one_minus_alpha * g;
            g_avg.store(self.g_avg, i);
            v - g_avg * g_avg
        };
        let denom = v_centered.sqrt() + L::splat(self.eps);
        let lr = L::splat(self.lr);
        if self.buf.is_empty() {
            (p - lr * (g / denom)).store(self.p, i);
        } else {
            let buf = L::splat(self.momentum) * L::load(self.buf, i) + g / denom;
            buf.store(self.buf, i);
            (p - lr * buf).store(self.p, i);
        }
    }
}
