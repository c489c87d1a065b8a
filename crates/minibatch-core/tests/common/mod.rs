//! A float64 reference of one update, written from the equations of ts/engine/types.ts and
//! independent of the crate's code (it only reads the crate's config structs as plain data).
// Index loops mirror the equations, which index several vectors by the same i.
#![allow(dead_code, clippy::needless_range_loop)]

use std::thread::JoinHandle;

use minibatch_core::{Objective, OptimizerConfig, Pool, SgdConfig, TrainerConfig};

pub struct Reference {
    cfg: TrainerConfig,
    x: Vec<Vec<f64>>,
    y: Vec<f64>,
    s: Vec<f64>,
    pub theta: Vec<f64>,
    pub t: u64,
    /// Optimizer buffers by name, each of length p, created on first use.
    buf: Vec<f64>,
    sum: Vec<f64>,
    v: Vec<f64>,
    g_avg: Vec<f64>,
    m: Vec<f64>,
    v_max: Vec<f64>,
}

impl Reference {
    pub fn new(cfg: TrainerConfig, x: &[f32], y: &[f32], s: Option<&[f32]>, theta: &[f32]) -> Self {
        let d = cfg.n_features;
        let p = theta.len();
        let init = match cfg.optimizer {
            OptimizerConfig::Adagrad(c) => c.initial_accumulator,
            _ => 0.0,
        };
        Reference {
            cfg,
            x: x.chunks(d)
                .map(|r| r.iter().map(|&v| v as f64).collect())
                .collect(),
            y: y.iter().map(|&v| v as f64).collect(),
            s: match s {
                Some(s) => s.iter().map(|&v| v as f64).collect(),
                None => vec![1.0; y.len()],
            },
            theta: theta.iter().map(|&v| v as f64).collect(),
            t: 0,
            buf: vec![0.0; p],
            sum: vec![init; p],
            v: vec![0.0; p],
            g_avg: vec![0.0; p],
            m: vec![0.0; p],
            v_max: vec![0.0; p],
        }
    }

    fn k(&self) -> usize {
        self.cfg.n_outputs
    }

    fn d(&self) -> usize {
        self.cfg.n_features
    }

    /// z_c = W_c·x + b_c.
    fn scores(&self, x: &[f64]) -> Vec<f64> {
        let (k, d) = (self.k(), self.d());
        (0..k)
            .map(|c| {
                self.theta[k * d + c] + (0..d).map(|j| self.theta[c * d + j] * x[j]).sum::<f64>()
            })
            .collect()
    }

    /// (ℓ, ∂ℓ/∂z) of one row.
    fn loss(&self, z: &[f64], y: f64) -> (f64, Vec<f64>) {
        match self.cfg.objective {
            Objective::SquaredError => (0.5 * (z[0] - y).powi(2), vec![z[0] - y]),
            Objective::LogLoss => {
                let p = 1.0 / (1.0 + (-z[0]).exp());
                let l = -(y * p.ln() + (1.0 - y) * (1.0 - p).ln());
                (l, vec![p - y])
            }
            Objective::CrossEntropy => {
                let m = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let e: Vec<f64> = z.iter().map(|v| (v - m).exp()).collect();
                let total: f64 = e.iter().sum();
                let yi = y as usize;
                let dz = (0..z.len())
                    .map(|c| e[c] / total - if c == yi { 1.0 } else { 0.0 })
                    .collect();
                (m + total.ln() - z[yi], dz)
            }
        }
    }

    /// Steps 1 and 2: the clipped gradient on `batch`, and the batch's reported loss.
    pub fn gradient(&self, batch: &[usize]) -> (Vec<f64>, f64) {
        let (k, d) = (self.k(), self.d());
        let b = batch.len() as f64;
        let mut g = vec![0.0; self.theta.len()];
        let mut loss = 0.0;
        for &r in batch {
            let (l, dz) = self.loss(&self.scores(&self.x[r]), self.y[r]);
            loss += self.s[r] * l;
            for c in 0..k {
                for j in 0..d {
                    g[c * d + j] += self.s[r] * dz[c] * self.x[r][j] / b;
                }
                if self.cfg.fit_intercept {
                    g[k * d + c] += self.s[r] * dz[c] / b;
                }
            }
        }
        let w = &self.theta[..k * d];
        for (gi, wi) in g.iter_mut().zip(w) {
            *gi += self.cfg.l2 * wi;
        }
        let penalty = 0.5 * self.cfg.l2 * w.iter().map(|v| v * v).sum::<f64>()
            + self.cfg.l1 * w.iter().map(|v| v.abs()).sum::<f64>();
        loss += b * penalty;
        if self.cfg.clip_value > 0.0 {
            for gi in g.iter_mut() {
                *gi = gi.clamp(-self.cfg.clip_value, self.cfg.clip_value);
            }
        }
        if self.cfg.clip_norm > 0.0 {
            let norm = g.iter().map(|v| v * v).sum::<f64>().sqrt();
            if norm > self.cfg.clip_norm {
                for gi in g.iter_mut() {
                    *gi *= self.cfg.clip_norm / norm;
                }
            }
        }
        (g, loss)
    }

    /// One whole update (steps 1–4); returns the batch's reported loss.
    pub fn step(&mut self, batch: &[usize], lr: f64) -> f64 {
        let (mut g, loss) = self.gradient(batch);
        self.t += 1;
        let t = self.t as f64;
        let n_w = self.k() * self.d();
        let p = self.theta.len();
        match self.cfg.optimizer {
            OptimizerConfig::Sgd(c) => {
                for i in 0..p {
                    if i < n_w {
                        g[i] += c.weight_decay * self.theta[i];
                    }
                    if c.momentum != 0.0 {
                        self.buf[i] = if self.t == 1 {
                            g[i]
                        } else {
                            c.momentum * self.buf[i] + (1.0 - c.dampening) * g[i]
                        };
                        g[i] = if c.nesterov {
                            g[i] + c.momentum * self.buf[i]
                        } else {
                            self.buf[i]
                        };
                    }
                    self.theta[i] -= lr * g[i];
                }
            }
            OptimizerConfig::Adagrad(c) => {
                let clr = lr / (1.0 + (t - 1.0) * c.lr_decay);
                for i in 0..p {
                    if i < n_w {
                        g[i] += c.weight_decay * self.theta[i];
                    }
                    self.sum[i] += g[i] * g[i];
                    self.theta[i] -= clr * g[i] / (self.sum[i].sqrt() + c.eps);
                }
            }
            OptimizerConfig::RmsProp(c) => {
                for i in 0..p {
                    if i < n_w {
                        g[i] += c.weight_decay * self.theta[i];
                    }
                    self.v[i] = c.alpha * self.v[i] + (1.0 - c.alpha) * g[i] * g[i];
                    let mut v = self.v[i];
                    if c.centered {
                        self.g_avg[i] = c.alpha * self.g_avg[i] + (1.0 - c.alpha) * g[i];
                        v -= self.g_avg[i] * self.g_avg[i];
                    }
                    let step = g[i] / (v.sqrt() + c.eps);
                    if c.momentum > 0.0 {
                        self.buf[i] = c.momentum * self.buf[i] + step;
                        self.theta[i] -= lr * self.buf[i];
                    } else {
                        self.theta[i] -= lr * step;
                    }
                }
            }
            OptimizerConfig::Adam(c) => {
                let c1 = 1.0 - c.beta1.powf(t);
                let c2 = 1.0 - c.beta2.powf(t);
                for i in 0..p {
                    if i < n_w && c.weight_decay != 0.0 {
                        if c.decoupled {
                            self.theta[i] *= 1.0 - lr * c.weight_decay;
                        } else {
                            g[i] += c.weight_decay * self.theta[i];
                        }
                    }
                    self.m[i] = c.beta1 * self.m[i] + (1.0 - c.beta1) * g[i];
                    self.v[i] = c.beta2 * self.v[i] + (1.0 - c.beta2) * g[i] * g[i];
                    let mut v = self.v[i];
                    if c.amsgrad {
                        self.v_max[i] = self.v_max[i].max(self.v[i]);
                        v = self.v_max[i];
                    }
                    self.theta[i] -= lr / c1 * self.m[i] / (v.sqrt() / c2.sqrt() + c.eps);
                }
            }
        }
        if self.cfg.l1 > 0.0 {
            let threshold = lr * self.cfg.l1;
            for w in self.theta[..n_w].iter_mut() {
                *w = w.signum() * (w.abs() - threshold).max(0.0);
            }
        }
        loss
    }
}

/// Asserts |got − want| ≤ tol·|want| entry by entry; returns the largest relative error.
pub fn assert_close(got: &[f32], want: &[f64], tol: f64, what: &str) -> f64 {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    let mut worst = 0.0f64;
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        let err = (g as f64 - w).abs();
        let rel = if w == 0.0 { err } else { err / w.abs() };
        worst = worst.max(rel);
        assert!(
            err <= tol * w.abs() || (w == 0.0 && g == 0.0),
            "{what}: θ[{i}] = {g}, reference {w} (relative error {rel:.3e})"
        );
    }
    worst
}

/// Plain SGD: no momentum, no weight decay.
pub fn sgd() -> OptimizerConfig {
    OptimizerConfig::Sgd(SgdConfig {
        momentum: 0.0,
        dampening: 0.0,
        nesterov: false,
        weight_decay: 0.0,
    })
}

/// A pool of its own per test (tests run in parallel), with `helpers` threads that joined.
pub fn pool_with(helpers: usize) -> (&'static Pool, Vec<JoinHandle<()>>) {
    let pool: &'static Pool = Box::leak(Box::new(Pool::new()));
    let handles = (0..helpers)
        .map(|_| std::thread::spawn(move || pool.help()))
        .collect();
    while pool.helpers() < helpers {
        std::thread::yield_now();
    }
    (pool, handles)
}

/// Sends the helpers of `pool` back and joins them.
pub fn close(pool: &'static Pool, handles: Vec<JoinHandle<()>>) {
    pool.close();
    for h in handles {
        h.join().expect("a helper panicked");
    }
    assert_eq!(pool.helpers(), 0);
}
