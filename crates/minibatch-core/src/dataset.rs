//! A dataset as the trainer holds it: checked once when it arrives, so the batch loop never
//! meets a value it cannot use.

use crate::error::CoreError;
use crate::objective::Objective;

/// Row-major `x` (rows × n_features), one target per row, optional non-negative row weights.
#[derive(Clone, Debug)]
pub struct Dataset {
    x: Vec<f32>,
    y: Vec<f32>,
    sample_weight: Option<Vec<f32>>,
    n_features: usize,
}

impl Dataset {
    /// Takes ownership of the arrays and checks them for `objective` with `n_outputs` outputs:
    /// shapes, finite features, labels of the objective, finite weights ≥ 0. `data` names the
    /// set in errors ("train" or "validation").
    pub fn new(
        data: &'static str,
        objective: Objective,
        n_features: usize,
        n_outputs: usize,
        x: Vec<f32>,
        y: Vec<f32>,
        sample_weight: Option<Vec<f32>>,
    ) -> Result<Self, CoreError> {
        let rows = y.len();
        if n_features == 0 || rows == 0 {
            return Err(CoreError::Empty {
                data,
                rows,
                n_features,
            });
        }
        if rows.checked_mul(n_features) != Some(x.len()) {
            return Err(CoreError::ShapeMismatch {
                data,
                x_len: x.len(),
                y_len: rows,
                n_features,
            });
        }
        if let Some(i) = x.iter().position(|v| !v.is_finite()) {
            return Err(CoreError::InvalidValue {
                data,
                argument: "x",
                row: i / n_features,
                column: Some(i % n_features),
                value: x[i] as f64,
                expected: "a finite number",
            });
        }
        if let Some(row) = y
            .iter()
            .position(|&v| !objective.accepts_label(v, n_outputs))
        {
            let value = y[row] as f64;
            return Err(match objective {
                Objective::SquaredError => CoreError::InvalidValue {
                    data,
                    argument: "y",
                    row,
                    column: None,
                    value,
                    expected: "a finite number",
                },
                Objective::LogLoss | Objective::CrossEntropy => CoreError::InvalidLabel {
                    data,
                    row,
                    value,
                    classes: n_outputs,
                },
            });
        }
        if let Some(w) = &sample_weight {
            if w.len() != rows {
                return Err(CoreError::SampleWeightLength {
                    data,
                    got: w.len(),
                    expected: rows,
                });
            }
            if let Some(row) = w.iter().position(|&v| !(v.is_finite() && v >= 0.0)) {
                return Err(CoreError::InvalidValue {
                    data,
                    argument: "sampleWeight",
                    row,
                    column: None,
                    value: w[row] as f64,
                    expected: "a finite number ≥ 0",
                });
            }
        }
        Ok(Dataset {
            x,
            y,
            sample_weight,
            n_features,
        })
    }

    pub fn rows(&self) -> usize {
        self.y.len()
    }

    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// The features of row `r`.
    #[inline(always)]
    pub fn row(&self, r: usize) -> &[f32] {
        &self.x[r * self.n_features..(r + 1) * self.n_features]
    }

    #[inline(always)]
    pub fn target(&self, r: usize) -> f32 {
        self.y[r]
    }

    /// s_r: the row's weight, 1 when none were given.
    #[inline(always)]
    pub fn weight(&self, r: usize) -> f32 {
        match &self.sample_weight {
            Some(w) => w[r],
            None => 1.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn make(
        objective: Objective,
        k: usize,
        x: Vec<f32>,
        y: Vec<f32>,
        w: Option<Vec<f32>>,
    ) -> Result<Dataset, CoreError> {
        Dataset::new("train", objective, 2, k, x, y, w)
    }

    #[test]
    fn accepts_good_data_and_reads_rows_targets_and_weights() {
        let d = make(
            Objective::CrossEntropy,
            3,
            vec![1.0, 2.0, 3.0, 4.0],
            vec![2.0, 0.0],
            Some(vec![0.5, 0.0]),
        )
        .unwrap();
        assert_eq!((d.rows(), d.n_features()), (2, 2));
        assert_eq!(d.row(1), &[3.0, 4.0]);
        assert_eq!((d.target(0), d.weight(0), d.weight(1)), (2.0, 0.5, 0.0));
        let d = make(Objective::SquaredError, 1, vec![0.0; 2], vec![1.5], None).unwrap();
        assert_eq!(d.weight(0), 1.0);
    }

    #[test]
    fn rejects_shapes_and_empty_data() {
        assert!(matches!(
            make(Objective::SquaredError, 1, vec![1.0; 5], vec![1.0; 3], None),
            Err(CoreError::ShapeMismatch { data: "train", .. })
        ));
        assert!(matches!(
            make(Objective::SquaredError, 1, vec![], vec![], None),
            Err(CoreError::Empty { .. })
        ));
        assert!(matches!(
            Dataset::new(
                "validation",
                Objective::SquaredError,
                0,
                1,
                vec![],
                vec![1.0],
                None
            ),
            Err(CoreError::Empty {
                data: "validation",
                ..
            })
        ));
    }

    #[test]
    fn rejects_non_finite_features_naming_row_and_column() {
        let e = make(
            Objective::SquaredError,
            1,
            vec![1.0, 2.0, 3.0, f32::NAN],
            vec![1.0, 2.0],
            None,
        )
        .unwrap_err();
        assert!(matches!(
            e,
            CoreError::InvalidValue {
                argument: "x",
                row: 1,
                column: Some(1),
                ..
            }
        ));
        assert!(e.to_string().contains("row 1, column 1"), "{e}");
    }

    #[test]
    fn rejects_bad_labels() {
        for (objective, k, y) in [
            (Objective::CrossEntropy, 3, 3.0),
            (Objective::CrossEntropy, 3, 1.5),
            (Objective::CrossEntropy, 3, -1.0),
            (Objective::CrossEntropy, 3, f32::NAN),
            (Objective::LogLoss, 1, 0.5),
            (Objective::LogLoss, 1, 2.0),
        ] {
            let e = make(objective, k, vec![0.0; 4], vec![0.0, y], None).unwrap_err();
            assert!(
                matches!(e, CoreError::InvalidLabel { row: 1, .. }),
                "{objective:?} {y}: {e:?}"
            );
        }
        assert!(matches!(
            make(
                Objective::SquaredError,
                1,
                vec![0.0; 2],
                vec![f32::INFINITY],
                None
            ),
            Err(CoreError::InvalidValue { argument: "y", .. })
        ));
    }

    #[test]
    fn rejects_bad_sample_weights() {
        let m = |w: Vec<f32>| {
            make(
                Objective::SquaredError,
                1,
                vec![0.0; 4],
                vec![0.0; 2],
                Some(w),
            )
        };
        assert!(matches!(
            m(vec![1.0]),
            Err(CoreError::SampleWeightLength {
                got: 1,
                expected: 2,
                ..
            })
        ));
        assert!(matches!(
            m(vec![1.0, -0.5]),
            Err(CoreError::InvalidValue {
                argument: "sampleWeight",
                row: 1,
                ..
            })
        ));
        assert!(matches!(
            m(vec![f32::NAN, 1.0]),
            Err(CoreError::InvalidValue {
                argument: "sampleWeight",
                row: 0,
                ..
            })
        ));
    }
}
