//! Per-row losses and their derivative with respect to the linear score z = w·x + b.

/// The data term of the objective; the penalty is added by the trainer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Objective {
    /// ½(z − y)²: linear regression (the mean over rows is ½·MSE).
    SquaredError,
    /// −y·log σ(z) − (1 − y)·log(1 − σ(z)): binary logistic regression, y ∈ {0, 1}.
    LogLoss,
}

/// σ(z) without overflow for either sign of z.
#[inline(always)]
pub fn sigmoid(z: f32) -> f32 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

impl Objective {
    /// (loss, ∂loss/∂z) for one row.
    #[inline(always)]
    pub fn loss_and_derivative(self, z: f32, y: f32) -> (f32, f32) {
        match self {
            Objective::SquaredError => {
                let r = z - y;
                (0.5 * r * r, r)
            }
            Objective::LogLoss => {
                // log(1 + e^z) − y·z, written as max(z, 0) − y·z + log1p(e^−|z|): no overflow,
                // no cancellation for large |z|. σ(z) reuses the same e^−|z|.
                let e = (-z.abs()).exp();
                let loss = z.max(0.0) - y * z + e.ln_1p();
                let p = if z >= 0.0 {
                    1.0 / (1.0 + e)
                } else {
                    e / (1.0 + e)
                };
                (loss, p - y)
            }
        }
    }

    /// The prediction on the scale of y: z itself, or the probability σ(z).
    #[inline]
    pub fn link(self, z: f32) -> f32 {
        match self {
            Objective::SquaredError => z,
            Objective::LogLoss => sigmoid(z),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logloss_f64(z: f64, y: f64) -> f64 {
        let p = 1.0 / (1.0 + (-z).exp());
        -(y * p.ln() + (1.0 - y) * (1.0 - p).ln())
    }

    #[test]
    fn logloss_matches_the_textbook_form_where_that_is_accurate() {
        for &z in &[-8.0f32, -2.5, -0.1, 0.0, 0.3, 4.0, 9.0] {
            for &y in &[0.0f32, 1.0] {
                let (l, g) = Objective::LogLoss.loss_and_derivative(z, y);
                let want = logloss_f64(z as f64, y as f64);
                assert!(
                    ((l as f64) - want).abs() <= 1e-6 * want.max(1.0),
                    "z={z} y={y}"
                );
                let p = 1.0 / (1.0 + (-(z as f64)).exp());
                assert!(((g as f64) - (p - y as f64)).abs() < 1e-6);
            }
        }
    }

    #[test]
    fn logloss_is_finite_and_asymptotically_linear_for_huge_scores() {
        let (l, g) = Objective::LogLoss.loss_and_derivative(-1.0e4, 1.0);
        assert_eq!(l, 1.0e4);
        assert_eq!(g, -1.0);
        let (l, g) = Objective::LogLoss.loss_and_derivative(1.0e4, 1.0);
        assert_eq!(l, 0.0);
        assert_eq!(g, 0.0);
        assert_eq!(sigmoid(-200.0), 0.0);
        assert_eq!(sigmoid(200.0), 1.0);
    }

    #[test]
    fn squared_error_is_half_the_square() {
        assert_eq!(
            Objective::SquaredError.loss_and_derivative(3.0, 1.0),
            (2.0, 2.0)
        );
    }
}
