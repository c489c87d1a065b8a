//! Parameter updates, kept apart from the gradient so that other optimizers can follow.

use crate::kernels;

/// Plain stochastic gradient descent: θ ← θ − η·g.
#[derive(Clone, Debug, Default)]
pub struct Sgd;

impl Sgd {
    #[inline]
    pub fn step(&mut self, params: &mut [f32], grad: &[f32], learning_rate: f32) {
        kernels::axpy(-learning_rate, grad, params);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sgd_steps_against_the_gradient() {
        let mut p = vec![1.0f32, -2.0, 0.5, 0.0, 3.0];
        let g = vec![0.5f32, 1.0, -1.0, 2.0, 0.0];
        Sgd.step(&mut p, &g, 0.1);
        let want: Vec<f32> = [1.0f32 - 0.05, -2.1, 0.6, -0.2, 3.0].to_vec();
        for (a, b) in p.iter().zip(&want) {
            assert!((a - b).abs() < 1e-7);
        }
    }
}
