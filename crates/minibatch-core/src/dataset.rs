//! A dataset as the trainer holds it: checked once when it arrives, so the batch loop never
//! meets a value it cannot use.
//!
//! Features arrive either as a `Vec<f32>` (checked whole by `Dataset::new`) or as a
//! [`Features`] buffer filled block by block by the boundary, each block checked (or converted
//! from f64 and checked) while it is still in the cache: one pass over the data, not a copy
//! followed by a second pass that checks it.

use crate::error::CoreError;
use crate::objective::Objective;

/// Values checked per step of [`first_non_finite`]: a non-finite value is looked for with one
/// OR-reduction per block (which the compiler turns into SIMD), and located only in a block
/// that has one.
const CHECK_BLOCK: usize = 64;

/// An f32 whose exponent bits are all ones is ±Infinity or NaN.
const EXPONENT: u32 = 0x7f80_0000;

/// The index of the first value of `x` that is NaN or ±Infinity.
pub fn first_non_finite(x: &[f32]) -> Option<usize> {
    let mut chunks = x.chunks_exact(CHECK_BLOCK);
    let mut base = 0;
    for chunk in &mut chunks {
        // min over "exponent bits that are not set": 0 exactly when some value has all of them
        let missing = chunk
            .iter()
            .fold(EXPONENT, |m, v| m.min(!v.to_bits() & EXPONENT));
        if missing == 0 {
            return chunk.iter().position(|v| !v.is_finite()).map(|i| base + i);
        }
        base += CHECK_BLOCK;
    }
    chunks
        .remainder()
        .iter()
        .position(|v| !v.is_finite())
        .map(|i| base + i)
}

/// `dst[i] = src[i] as f32` (round to nearest), and the index of the first value that is not
/// finite in f32: NaN or ±Infinity in `src`, or a finite f64 beyond f32's range (≈ 3.4e38).
/// `dst` and `src` have the same length.
pub fn demote_checked(src: &[f64], dst: &mut [f32]) -> Option<usize> {
    for (d, s) in dst.iter_mut().zip(src) {
        *d = *s as f32;
    }
    first_non_finite(&dst[..src.len().min(dst.len())])
}

/// Row-major feature values in the trainer's memory, filled block by block and checked as they
/// arrive. `checked` counts the leading values known finite, so a dataset made from a fully
/// checked buffer does not read it again.
#[derive(Clone, Debug, Default)]
pub struct Features {
    values: Vec<f32>,
    checked: usize,
}

impl From<Vec<f32>> for Features {
    fn from(values: Vec<f32>) -> Self {
        Features { values, checked: 0 }
    }
}

impl Features {
    /// `len` zeros, or `OutOfMemory` when the memory cannot hold them (never an abort).
    ///
    /// Allocated zeroed rather than filled: memory the allocator takes fresh from the system
    /// (wasm's `memory.grow`) is zero already, so a large buffer is not written twice (once
    /// with zeros, once with the data) on a process's first fit.
    pub fn new(len: usize) -> Result<Self, CoreError> {
        if len == 0 {
            return Ok(Features::default());
        }
        let oom = CoreError::OutOfMemory { values: len };
        let layout = std::alloc::Layout::array::<f32>(len).map_err(|_| oom.clone())?;
        // SAFETY: the layout has a non-zero size; a null result is handled; the block is
        // `len` zeroed f32 values (0.0), allocated by the global allocator with Vec's layout for
        // that capacity, so Vec may own and free it.
        let values = unsafe {
            let ptr = std::alloc::alloc_zeroed(layout) as *mut f32;
            if ptr.is_null() {
                return Err(oom);
            }
            Vec::from_raw_parts(ptr, len, len)
        };
        Ok(Features { values, checked: 0 })
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Where the boundary writes the values (it then calls `check_filled` for each block).
    pub fn as_mut_slice(&mut self) -> &mut [f32] {
        &mut self.values
    }

    /// Checks `values[from..to]`, just written; returns the index of its first non-finite value.
    /// Blocks checked in order from the start count towards `checked`. Out-of-range bounds are
    /// clamped (nothing to check).
    pub fn check_filled(&mut self, from: usize, to: usize) -> Option<usize> {
        let to = to.min(self.values.len());
        let from = from.min(to);
        let bad = first_non_finite(&self.values[from..to]).map(|i| from + i);
        self.advance(from, to, bad);
        bad
    }

    /// Converts `src` into `values[at..at + src.len()]` (clamped to the buffer), checking it as
    /// [`demote_checked`] does; returns the index (in `values`) of the first bad value.
    pub fn fill_from_f64(&mut self, at: usize, src: &[f64]) -> Option<usize> {
        let to = at.saturating_add(src.len()).min(self.values.len());
        let from = at.min(to);
        let bad = demote_checked(&src[..to - from], &mut self.values[from..to]).map(|i| from + i);
        self.advance(from, to, bad);
        bad
    }

    fn advance(&mut self, from: usize, to: usize, bad: Option<usize>) {
        match bad {
            None if from <= self.checked => self.checked = self.checked.max(to),
            // a bad value, or values rewritten: what comes from `from` on is no longer known good
            _ => self.checked = self.checked.min(from),
        }
    }

    /// Forgets what was checked, before the buffer is filled again with other values.
    pub fn forget_checks(&mut self) {
        self.checked = 0;
    }

    /// Whether every value has been checked finite.
    pub fn is_checked(&self) -> bool {
        self.checked == self.values.len()
    }
}

/// Row-major `x` (rows × n_features), the targets (one per row, or n_outputs per row,
/// row-major, for squaredError with several outputs), optional non-negative row weights.
#[derive(Clone, Debug)]
pub struct Dataset {
    x: Features,
    y: Vec<f32>,
    sample_weight: Option<Vec<f32>>,
    n_features: usize,
    /// Targets per row: n_outputs for squaredError, 1 for the classifiers' labels.
    targets: usize,
}

impl Dataset {
    /// Takes ownership of the arrays and checks them for `objective` with `n_outputs` outputs:
    /// shapes, finite features (those a [`Features`] buffer has not checked already), labels of
    /// the objective, finite weights ≥ 0. `data` names the set in errors ("train" or "validation").
    pub fn new(
        data: &'static str,
        objective: Objective,
        n_features: usize,
        n_outputs: usize,
        x: impl Into<Features>,
        y: Vec<f32>,
        sample_weight: Option<Vec<f32>>,
    ) -> Result<Self, CoreError> {
        let x: Features = x.into();
        let targets = match objective {
            Objective::SquaredError => n_outputs.max(1),
            _ => 1,
        };
        let rows = y.len() / targets;
        if n_features == 0 || rows == 0 {
            return Err(CoreError::Empty {
                data,
                rows,
                n_features,
            });
        }
        if rows.checked_mul(n_features) != Some(x.len()) || rows * targets != y.len() {
            return Err(CoreError::ShapeMismatch {
                data,
                x_len: x.len(),
                y_len: rows,
                n_features,
            });
        }
        if let Some(i) = first_non_finite(&x.values[x.checked..]).map(|i| x.checked + i) {
            return Err(CoreError::InvalidValue {
                data,
                argument: "x",
                row: i / n_features,
                column: Some(i % n_features),
                value: x.values[i] as f64,
                expected: "a finite number",
            });
        }
        if let Some(i) = y
            .iter()
            .position(|&v| !objective.accepts_label(v, n_outputs))
        {
            let value = y[i] as f64;
            let row = i / targets;
            return Err(match objective {
                Objective::SquaredError => CoreError::InvalidValue {
                    data,
                    argument: "y",
                    row,
                    // the target's index when a row has several
                    column: (targets > 1).then_some(i % targets),
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
            targets,
        })
    }

    pub fn rows(&self) -> usize {
        self.y.len() / self.targets
    }

    /// Gives the feature buffer back (checked whole), so that it can be reused.
    pub fn into_features(self) -> Features {
        Features {
            checked: self.x.values.len(),
            values: self.x.values,
        }
    }

    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// The features of row `r`.
    #[inline(always)]
    pub fn row(&self, r: usize) -> &[f32] {
        &self.x.values[r * self.n_features..(r + 1) * self.n_features]
    }

    /// The target of row `r` of a dataset with one target per row (the linear models' paths).
    #[inline(always)]
    pub fn target(&self, r: usize) -> f32 {
        self.y[r]
    }

    /// Every target of row `r` (n_outputs values for squaredError, else the one label).
    #[inline(always)]
    pub fn targets(&self, r: usize) -> &[f32] {
        &self.y[r * self.targets..(r + 1) * self.targets]
    }

    /// The features of rows [from, to), row-major.
    #[inline(always)]
    pub fn rows_slice(&self, from: usize, to: usize) -> &[f32] {
        &self.x.values[from * self.n_features..to * self.n_features]
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

    #[test]
    fn first_non_finite_agrees_with_a_scalar_search_at_every_position() {
        for len in [0usize, 1, 63, 64, 65, 200, 1000] {
            assert_eq!(first_non_finite(&vec![1.5f32; len]), None, "{len}");
            for at in (0..len).step_by(7).chain(len.checked_sub(1)) {
                for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, -f32::NAN] {
                    let mut x: Vec<f32> = (0..len).map(|i| i as f32 * 0.5 - 3.0).collect();
                    x[at] = bad;
                    // a second bad value later must not hide the first
                    if at + 3 < len {
                        x[at + 3] = f32::NAN;
                    }
                    assert_eq!(first_non_finite(&x), Some(at), "len {len}, at {at}, {bad}");
                }
            }
        }
        // the extremes of f32 are finite
        let edge = [f32::MAX, f32::MIN, f32::MIN_POSITIVE, 1e-45, -0.0, 0.0];
        assert_eq!(first_non_finite(&edge.repeat(20)), None);
    }

    #[test]
    fn demote_checked_rounds_as_a_cast_and_finds_overflow_and_non_finite() {
        let src: Vec<f64> = (0..300)
            .map(|i| (i as f64).sin() * 1e30 + 1.0 / 3.0)
            .collect();
        let mut dst = vec![0f32; 300];
        assert_eq!(demote_checked(&src, &mut dst), None);
        for (d, s) in dst.iter().zip(&src) {
            assert_eq!(d.to_bits(), (*s as f32).to_bits());
        }
        for (bad, at) in [
            (1e39, 0usize),
            (-3.5e38, 70),
            (f64::NAN, 299),
            (f64::INFINITY, 128),
        ] {
            let mut s2 = src.clone();
            s2[at] = bad;
            assert_eq!(demote_checked(&s2, &mut dst), Some(at), "{bad}");
        }
        // the largest f64 that rounds to f32::MAX is kept
        let mut s3 = src.clone();
        s3[5] = f32::MAX as f64;
        assert_eq!(demote_checked(&s3, &mut dst), None);
    }

    #[test]
    fn features_filled_in_blocks_count_as_checked_only_in_order_and_when_finite() {
        let mut f = Features::new(10).unwrap();
        f.as_mut_slice().copy_from_slice(&[1.0; 10]);
        assert_eq!(f.check_filled(4, 10), None);
        assert!(!f.is_checked(), "a gap before the block");
        assert_eq!(f.check_filled(0, 4), None);
        assert_eq!(f.check_filled(4, 10), None);
        assert!(f.is_checked());
        f.as_mut_slice()[7] = f32::NAN;
        assert_eq!(f.check_filled(6, 10), Some(7));
        assert!(!f.is_checked(), "rewritten with a NaN");
        assert_eq!(f.fill_from_f64(6, &[2.0, 3.0, 4.0, 5.0]), None);
        assert!(f.is_checked());
        assert_eq!(f.as_mut_slice()[6..], [2.0, 3.0, 4.0, 5.0]);
        assert_eq!(
            f.fill_from_f64(8, &[1.0, 1e300, 1.0]),
            Some(9),
            "clamped, overflow found"
        );
        assert!(matches!(
            Features::new(usize::MAX / 2),
            Err(CoreError::OutOfMemory { .. })
        ));
    }

    #[test]
    fn a_dataset_from_checked_features_equals_one_from_a_vec_and_unchecked_ones_are_checked() {
        let values = vec![1.0, 2.0, 3.0, 4.0];
        let mut f = Features::new(4).unwrap();
        f.as_mut_slice().copy_from_slice(&values);
        f.check_filled(0, 4);
        let a = make(
            Objective::SquaredError,
            1,
            values.clone(),
            vec![0.0, 1.0],
            None,
        )
        .unwrap();
        let b = Dataset::new(
            "train",
            Objective::SquaredError,
            2,
            1,
            f,
            vec![0.0, 1.0],
            None,
        )
        .unwrap();
        assert_eq!((a.row(1), b.row(1)), (b.row(1), a.row(1)));
        let back = b.into_features();
        assert!(back.is_checked());
        // a buffer written but never checked is checked by the dataset
        let mut g = Features::new(4).unwrap();
        g.as_mut_slice()
            .copy_from_slice(&[1.0, f32::INFINITY, 0.0, 0.0]);
        let e = Dataset::new(
            "train",
            Objective::SquaredError,
            2,
            1,
            g,
            vec![0.0, 1.0],
            None,
        );
        assert!(matches!(
            e,
            Err(CoreError::InvalidValue {
                row: 0,
                column: Some(1),
                ..
            })
        ));
    }
}
