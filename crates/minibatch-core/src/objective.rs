//! Per-row losses and their derivative with respect to the linear scores z = W·x + b.

use crate::error::CoreError;
use crate::kernels::BLOCK_ROWS;
use crate::lanes::{F32x4, Lane};
use crate::math;

/// The data term of the objective; the penalties are added by the trainer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Objective {
    /// ½(z − y)²: linear regression (the mean over rows is ½·MSE). One output.
    SquaredError,
    /// −y·log σ(z) − (1 − y)·log(1 − σ(z)): binary logistic regression, y ∈ {0, 1}. One output.
    LogLoss,
    /// logsumexp(z) − z_y: multinomial (softmax) regression over k ≥ 2 outputs, y ∈ {0, …, k−1}
    /// stored as f32.
    CrossEntropy,
}

/// A one-output objective as a type, for code compiled once per objective.
pub trait OneOutput {
    const OBJECTIVE: Objective;
}

pub struct SquaredErrorLoss;
impl OneOutput for SquaredErrorLoss {
    const OBJECTIVE: Objective = Objective::SquaredError;
}

pub struct LogLoss;
impl OneOutput for LogLoss {
    const OBJECTIVE: Objective = Objective::LogLoss;
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
    /// Checks the number of outputs: the targets per row (≥ 1) for squaredError, 1 for logLoss,
    /// the number of classes k ≥ 2 for crossEntropy.
    pub fn check_outputs(self, n_outputs: usize) -> Result<(), CoreError> {
        let ok = match self {
            Objective::SquaredError => n_outputs >= 1,
            Objective::LogLoss => n_outputs == 1,
            Objective::CrossEntropy => n_outputs >= 2,
        };
        if ok {
            Ok(())
        } else {
            Err(CoreError::InvalidOption {
                name: "nOutputs",
                value: n_outputs as f64,
                expected: match self {
                    Objective::CrossEntropy => "the number of classes, at least 2",
                    // the message of the linear models' days, kept word for word: the js
                    // engine's rules (ts/engine/js/rules.ts) say the same
                    Objective::LogLoss => "1 for squaredError and logLoss",
                    Objective::SquaredError => "the number of targets per row, at least 1",
                },
            })
        }
    }

    /// Whether `y` is a target this objective accepts with `n_outputs` outputs (y is finite).
    pub fn accepts_label(self, y: f32, n_outputs: usize) -> bool {
        match self {
            Objective::SquaredError => y.is_finite(),
            Objective::LogLoss => y == 0.0 || y == 1.0,
            Objective::CrossEntropy => {
                y >= 0.0 && y.fract() == 0.0 && (y as f64) < n_outputs as f64
            }
        }
    }

    /// (loss, ∂loss/∂z) for one row of a one-output objective (crossEntropy uses
    /// [`cross_entropy`]).
    #[inline(always)]
    pub fn loss_and_derivative(self, z: f32, y: f32) -> (f32, f32) {
        self.lanes_loss_and_derivative(z, y)
    }

    /// [`Objective::loss_and_derivative`] of R rows at once: four rows at a time in SIMD lanes,
    /// then one at a time, with the same operations, so each row gets the same bits either way.
    #[inline(always)]
    pub fn loss_and_derivative_rows<const R: usize>(
        self,
        z: &[f32; R],
        y: &[f32; R],
    ) -> ([f32; R], [f32; R]) {
        let (mut loss, mut g) = ([0.0f32; R], [0.0f32; R]);
        let mut j = 0;
        while j + 4 <= R {
            let (l, d) = self.lanes_loss_and_derivative(F32x4::load(z, j), F32x4::load(y, j));
            l.store(&mut loss, j);
            d.store(&mut g, j);
            j += 4;
        }
        while j < R {
            (loss[j], g[j]) = self.lanes_loss_and_derivative(z[j], y[j]);
            j += 1;
        }
        (loss, g)
    }

    #[inline(always)]
    fn lanes_loss_and_derivative<L: Lane>(self, z: L, y: L) -> (L, L) {
        match self {
            Objective::SquaredError => {
                let r = z - y;
                (L::splat(0.5) * r * r, r)
            }
            Objective::LogLoss => {
                // log(1 + e^z) − y·z, written as max(z, 0) − y·z + log1p(e^−|z|): no overflow,
                // no cancellation for large |z|. σ(z) reuses the same e^−|z|.
                let (zero, one) = (L::splat(0.0), L::splat(1.0));
                let e = math::exp(zero - z.abs());
                let loss = (z.pmax(zero) - y * z) + math::ln_1p_unit(e);
                // σ(z) = 1/(1 + e) for z ≥ 0, e/(1 + e) for z < 0
                let p = L::select_lt(z, zero, e, one) / (one + e);
                (loss, p - y)
            }
            // Not reached: the trainer routes crossEntropy to `cross_entropy`. A NaN rather
            // than a panic keeps every path trap-free.
            Objective::CrossEntropy => (L::splat(f32::NAN), L::splat(f32::NAN)),
        }
    }
}

/// Cross-entropy of the first R rows of a block whose scores are `z[c][j]` (one array per
/// class): returns logsumexp(z_j) − z_j,label for each row j and writes ∂ℓ/∂z_c =
/// softmax(z_j)_c − [c = label] into `dz[c][j]`. Four rows at a time in SIMD lanes, then one at a
/// time, with the same operations (each row gets the same bits either way). Log-sum-exp is taken
/// around the largest score, so no exp overflows; one exp per class serves both the loss and the
/// gradient. Labels are validated class indices.
#[inline(always)]
pub fn cross_entropy_rows<const R: usize>(
    z: &[[f32; BLOCK_ROWS]],
    labels: &[f32; R],
    dz: &mut [[f32; BLOCK_ROWS]],
) -> [f32; R] {
    let mut loss = [0.0f32; R];
    let mut j = 0;
    while j + 4 <= R {
        cross_entropy_lanes(z, j, F32x4::load(labels, j), dz).store(&mut loss, j);
        j += 4;
    }
    while j < R {
        loss[j] = cross_entropy_lanes(z, j, labels[j], dz);
        j += 1;
    }
    loss
}

/// [`cross_entropy_rows`] of rows j..j + L::WIDTH.
#[inline(always)]
fn cross_entropy_lanes<L: Lane>(
    z: &[[f32; BLOCK_ROWS]],
    j: usize,
    label: L,
    dz: &mut [[f32; BLOCK_ROWS]],
) -> L {
    let mut m = L::splat(f32::NEG_INFINITY);
    for zc in z {
        m = m.pmax(L::load(zc, j));
    }
    let mut sum = L::splat(0.0);
    let mut z_label = L::splat(f32::NAN);
    for (c, (zc, dc)) in z.iter().zip(dz.iter_mut()).enumerate() {
        let zc = L::load(zc, j);
        let e = math::exp(zc - m);
        e.store(dc, j);
        sum = sum + e;
        z_label = if_class(c, label, zc, z_label);
    }
    for (c, dc) in dz.iter_mut().enumerate() {
        let p = L::load(dc, j) / sum;
        if_class(c, label, p - L::splat(1.0), p).store(dc, j);
    }
    (m - z_label) + math::ln(sum)
}

/// `if label == c { x } else { y }` lane by lane.
#[inline(always)]
fn if_class<L: Lane>(c: usize, label: L, x: L, y: L) -> L {
    let c = L::splat(c as f32);
    L::select_lt(label, c, y, L::select_lt(c, label, y, x))
}

/// The cross-entropy of row `r` of a block alone (see [`cross_entropy_rows`]).
#[inline]
pub fn cross_entropy(
    z: &[[f32; BLOCK_ROWS]],
    r: usize,
    label: f32,
    dz: &mut [[f32; BLOCK_ROWS]],
) -> f32 {
    cross_entropy_lanes(z, r, label, dz)
}

/// The loss ℓ(z, y) of one row of a network's output layer (row-major scores `z` of the
/// n_outputs units, `y` the row's targets: n_outputs values for squaredError, the label
/// otherwise), with ∂ℓ/∂z written to `dz`. squaredError: ½ Σ_j (z_j − y_j)², its terms added in
/// order of j; logLoss: as [`Objective::loss_and_derivative`]; crossEntropy: log-sum-exp around
/// the largest score, as [`cross_entropy_rows`] does for one row.
#[inline]
pub fn output_loss(objective: Objective, z: &[f32], y: &[f32], dz: &mut [f32]) -> f32 {
    match objective {
        Objective::SquaredError => {
            let mut loss = 0.0f32;
            for ((&zj, &yj), g) in z.iter().zip(y).zip(dz.iter_mut()) {
                let (l, d) = objective.lanes_loss_and_derivative(zj, yj);
                loss += l;
                *g = d;
            }
            loss
        }
        Objective::LogLoss => {
            let (l, d) = objective.lanes_loss_and_derivative(z[0], y[0]);
            dz[0] = d;
            l
        }
        Objective::CrossEntropy => {
            let label = y[0];
            let m = z.iter().fold(f32::NEG_INFINITY, |m, &v| m.pmax(v));
            let mut sum = 0.0f32;
            let mut z_label = f32::NAN;
            for (c, (&zc, g)) in z.iter().zip(dz.iter_mut()).enumerate() {
                let e = math::exp(zc - m);
                *g = e;
                sum += e;
                z_label = if_class(c, label, zc, z_label);
            }
            for (c, g) in dz.iter_mut().enumerate() {
                let p = *g / sum;
                *g = if_class(c, label, p - 1.0, p);
            }
            (m - z_label) + math::ln(sum)
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

    /// Scores of one row, put in column 0 of a block.
    fn block(z: &[f32]) -> Vec<[f32; BLOCK_ROWS]> {
        z.iter()
            .map(|&v| {
                let mut a = [0.0f32; BLOCK_ROWS];
                a[0] = v;
                a
            })
            .collect()
    }

    fn cross_entropy_f64(z: &[f64], y: usize) -> f64 {
        let m = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        m + z.iter().map(|v| (v - m).exp()).sum::<f64>().ln() - z[y]
    }

    #[test]
    fn cross_entropy_gradient_matches_central_finite_differences() {
        let z = [0.3f32, -1.2, 2.0, 0.7];
        for y in 0..z.len() {
            let zb = block(&z);
            let mut dz = block(&[0.0; 4]);
            let loss = cross_entropy(&zb, 0, y as f32, &mut dz);
            let z64: Vec<f64> = z.iter().map(|&v| v as f64).collect();
            let want = cross_entropy_f64(&z64, y);
            assert!(((loss as f64) - want).abs() < 1e-6, "loss {loss} vs {want}");
            let h = 1e-5;
            for c in 0..z.len() {
                let (mut up, mut down) = (z64.clone(), z64.clone());
                up[c] += h;
                down[c] -= h;
                let fd = (cross_entropy_f64(&up, y) - cross_entropy_f64(&down, y)) / (2.0 * h);
                assert!(
                    ((dz[c][0] as f64) - fd).abs() < 1e-6,
                    "y={y} c={c}: {} vs {fd}",
                    dz[c][0]
                );
            }
            let total: f32 = dz.iter().map(|d| d[0]).sum();
            assert!(total.abs() < 1e-6, "the gradient sums to 0 over classes");
        }
    }

    #[test]
    fn cross_entropy_of_a_block_in_lanes_gives_the_bits_of_one_row_at_a_time() {
        let k = 5;
        let z: Vec<[f32; BLOCK_ROWS]> = (0..k)
            .map(|c| std::array::from_fn(|j| ((c * 7 + j * 3) % 11) as f32 * 0.9 - 4.0))
            .collect();
        let labels: [f32; BLOCK_ROWS] = std::array::from_fn(|j| (j % k) as f32);
        let mut dz_block = vec![[0.0f32; BLOCK_ROWS]; k];
        let block = cross_entropy_rows(&z, &labels, &mut dz_block);
        let mut dz_row = vec![[0.0f32; BLOCK_ROWS]; k];
        for j in 0..BLOCK_ROWS {
            let one = cross_entropy(&z, j, labels[j], &mut dz_row);
            assert_eq!(one.to_bits(), block[j].to_bits(), "row {j}");
            for c in 0..k {
                assert_eq!(
                    dz_row[c][j].to_bits(),
                    dz_block[c][j].to_bits(),
                    "row {j} class {c}"
                );
            }
        }
    }

    #[test]
    fn cross_entropy_is_stable_for_huge_scores() {
        let zb = block(&[1.0e4, -1.0e4, 0.0]);
        let mut dz = block(&[0.0; 3]);
        assert_eq!(cross_entropy(&zb, 0, 0.0, &mut dz), 0.0);
        assert_eq!((dz[0][0], dz[1][0], dz[2][0]), (0.0, 0.0, 0.0));
        let loss = cross_entropy(&zb, 0, 1.0, &mut dz);
        assert_eq!(loss, 2.0e4);
        assert_eq!((dz[0][0], dz[1][0]), (1.0, -1.0));
    }

    #[test]
    fn labels_are_checked_per_objective() {
        assert!(Objective::CrossEntropy.accepts_label(2.0, 3));
        assert!(!Objective::CrossEntropy.accepts_label(3.0, 3));
        assert!(!Objective::CrossEntropy.accepts_label(1.5, 3));
        assert!(!Objective::CrossEntropy.accepts_label(-1.0, 3));
        assert!(!Objective::CrossEntropy.accepts_label(f32::NAN, 3));
        assert!(!Objective::CrossEntropy.accepts_label(f32::INFINITY, 3));
        assert!(Objective::LogLoss.accepts_label(1.0, 1));
        assert!(!Objective::LogLoss.accepts_label(0.5, 1));
        assert!(Objective::SquaredError.accepts_label(-7.25, 1));
        assert!(!Objective::SquaredError.accepts_label(f32::NAN, 1));
        assert!(Objective::CrossEntropy.check_outputs(1).is_err());
        assert!(Objective::LogLoss.check_outputs(2).is_err());
        assert!(Objective::SquaredError.check_outputs(1).is_ok());
    }

    #[test]
    fn squared_error_is_half_the_square() {
        assert_eq!(
            Objective::SquaredError.loss_and_derivative(3.0, 1.0),
            (2.0, 2.0)
        );
    }
}
