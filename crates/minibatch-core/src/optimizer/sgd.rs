//! sgd (torch.optim.SGD): if λ: g ← g + λθ. If μ ≠ 0: buf ← g at t = 1, else
//! buf ← μ·buf + (1 − τ)·g; g ← g + μ·buf if nesterov, else g ← buf. θ ← θ − γ·g.

use super::{sweep, Elementwise, Update};
use crate::error::{non_negative, CoreError};
use crate::kernels;
use crate::lanes::Lane;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SgdConfig {
    /// μ ≥ 0; 0 keeps no momentum buffer.
    pub momentum: f64,
    /// τ ∈ [0, 1].
    pub dampening: f64,
    /// Requires μ > 0 and τ = 0 (PyTorch's rule).
    pub nesterov: bool,
    /// λ ≥ 0, on W only.
    pub weight_decay: f64,
}

impl SgdConfig {
    pub fn validate(&self) -> Result<(), CoreError> {
        non_negative("momentum", self.momentum)?;
        if !(0.0..=1.0).contains(&self.dampening) {
            return Err(CoreError::InvalidOption {
                name: "dampening",
                value: self.dampening,
                expected: "a number in [0, 1]",
            });
        }
        non_negative("weightDecay", self.weight_decay)?;
        if self.nesterov && !(self.momentum > 0.0 && self.dampening == 0.0) {
            return Err(CoreError::InvalidOption {
                name: "nesterov",
                value: 1.0,
                expected: "nesterov requires momentum > 0 and dampening = 0 (as in PyTorch)",
            });
        }
        Ok(())
    }

    pub fn buffers(&self) -> usize {
        usize::from(self.momentum != 0.0)
    }
}

#[derive(Clone, Debug)]
pub struct Sgd {
    momentum: f32,
    one_minus_dampening: f32,
    nesterov: bool,
    weight_decay: f32,
    /// μ ≠ 0: the state is [buf] (else empty).
    has_buf: bool,
}

impl Sgd {
    pub fn new(c: &SgdConfig) -> Result<Self, CoreError> {
        c.validate()?;
        Ok(Sgd {
            momentum: c.momentum as f32,
            one_minus_dampening: (1.0 - c.dampening) as f32,
            nesterov: c.nesterov,
            weight_decay: c.weight_decay as f32,
            has_buf: c.buffers() > 0,
        })
    }

    /// θ ← θ − γ·g: no momentum buffer, no weight decay.
    pub fn is_plain(&self) -> bool {
        !self.has_buf && self.weight_decay == 0.0
    }
}

impl Update for Sgd {
    fn squared_buffers(&self) -> &'static [usize] {
        &[]
    }

    fn is_plain_sgd(&self) -> bool {
        self.is_plain()
    }

    /// `state`: [buf] when μ ≠ 0, else empty.
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
        if self.is_plain() {
            // plain SGD, θ + (−γ)·g: bit-identical to θ − γ·g, and the cheapest update there is
            // (batch size 1 pays it every row)
            kernels::axpy(-lr, grad, params);
            return;
        }
        let n = params.len();
        let mut k = Kernel {
            p: params,
            g: grad,
            buf: state,
            lr,
            wd: self.weight_decay,
            mu: self.momentum,
            one_minus_dampening: self.one_minus_dampening,
            first: t == 1,
            nesterov: self.nesterov,
        };
        sweep(&mut k, n, n_weights, self.weight_decay != 0.0);
    }
}

struct Kernel<'a> {
    p: &'a mut [f32],
    g: &'a [f32],
    /// Empty without momentum.
    buf: &'a mut [f32],
    lr: f32,
    wd: f32,
    mu: f32,
    one_minus_dampening: f32,
    first: bool,
    nesterov: bool,
}

impl Elementwise for Kernel<'_> {
    #[inline(always)]
    fn at<L: Lane>(&mut self, i: usize, decay: bool) {
        let p = L::load(self.p, i);
        let mut g = L::load(self.g, i);
        if decay {
            g = g + L::splat(self.wd) * p;
        }
        if !self.buf.is_empty() {
            let buf = if self.first {
                g
            } else {
                L::splat(self.mu) * L::load(self.buf, i) + L::splat(self.one_minus_dampening) * g
            };
            buf.store(self.buf, i);
            g = if self.nesterov {
                g + L::splat(self.mu) * buf
            } else {
                buf
            };
        }
        (p - L::splat(self.lr) * g).store(self.p, i);
    }
}
