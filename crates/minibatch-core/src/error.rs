use std::fmt;

/// Every way the core can refuse work. The TypeScript layer validates user input first and
/// names rows, columns and options; these are the second line of defence, so that a bad call
/// becomes a JavaScript `Error` and never a trap of the wasm instance.
///
/// `data` names the dataset ("train" or "validation"); option names are the TypeScript ones.
#[derive(Debug, Clone, PartialEq)]
pub enum CoreError {
    /// `x.len()` is not `rows * n_features`, with `rows = y.len()` (`y.len() / n_outputs` for
    /// squaredError, whose rows have n_outputs targets; `y_len` is then that row count, and a
    /// `y.len()` that is not a multiple of n_outputs is a mismatch too).
    ShapeMismatch {
        data: &'static str,
        x_len: usize,
        y_len: usize,
        n_features: usize,
    },
    /// A dataset needs at least one row and one feature.
    Empty {
        data: &'static str,
        rows: usize,
        n_features: usize,
    },
    /// `sampleWeight` does not have one weight per row.
    SampleWeightLength {
        data: &'static str,
        got: usize,
        expected: usize,
    },
    /// A value of x, y or sampleWeight that training cannot use. `column` is set for x only.
    InvalidValue {
        data: &'static str,
        argument: &'static str,
        row: usize,
        column: Option<usize>,
        value: f64,
        expected: &'static str,
    },
    /// A target that is not a label of the objective: 0 or 1 for logLoss, an integer class
    /// index 0..k−1 for crossEntropy.
    InvalidLabel {
        data: &'static str,
        row: usize,
        value: f64,
        classes: usize,
    },
    /// A row index in the epoch's order is not a row of the dataset.
    RowOutOfRange {
        position: usize,
        row: u32,
        rows: usize,
    },
    /// A parameter vector of the wrong length.
    ParamsLength { got: usize, expected: usize },
    /// A parameter value that is not finite.
    NonFiniteParam { index: usize, value: f64 },
    /// Optimizer state buffers of the wrong total length for the optimizer's settings.
    StateLength { got: usize, expected: usize },
    /// An optimizer state value outside its domain (not finite, or a negative squared average).
    InvalidState {
        index: usize,
        value: f64,
        expected: &'static str,
    },
    /// An option outside its domain (the name is the TypeScript option's name).
    InvalidOption {
        name: &'static str,
        value: f64,
        expected: &'static str,
    },
    /// `run_batches` was called before any `set_order`.
    NoOrder,
    /// `evaluate(validation)` on a trainer that holds no validation data.
    NoValidationData,
    /// The parameters or optimizer state do not fit in memory (`values` f32 values asked for).
    OutOfMemory { values: usize },
}

impl fmt::Display for CoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CoreError::ShapeMismatch {
                data,
                x_len,
                y_len,
                n_features,
            } => write!(
                f,
                "shape mismatch in the {data} data: {x_len} feature values with nFeatures = {n_features} do not make {y_len} rows"
            ),
            CoreError::Empty {
                data,
                rows,
                n_features,
            } => write!(
                f,
                "empty dataset: the {data} data has {rows} rows and {n_features} features"
            ),
            CoreError::SampleWeightLength {
                data,
                got,
                expected,
            } => write!(
                f,
                "the {data} sampleWeight has {got} values, expected one per row ({expected})"
            ),
            CoreError::InvalidValue {
                data,
                argument,
                row,
                column,
                value,
                expected,
            } => {
                write!(f, "{data} {argument} at row {row}")?;
                if let Some(c) = column {
                    write!(f, ", column {c}")?;
                }
                write!(f, " is {value}; expected {expected}")
            }
            CoreError::InvalidLabel {
                data,
                row,
                value,
                classes,
            } => {
                if *classes <= 1 {
                    write!(
                        f,
                        "{data} y at row {row} is {value}; logLoss labels must be 0 or 1"
                    )
                } else {
                    write!(
                        f,
                        "{data} y at row {row} is {value}; crossEntropy labels must be class indices 0..{} (nOutputs = {classes})",
                        classes - 1
                    )
                }
            }
            CoreError::RowOutOfRange {
                position,
                row,
                rows,
            } => write!(
                f,
                "row order entry {position} is {row}, but the dataset has {rows} rows"
            ),
            CoreError::ParamsLength { got, expected } => {
                write!(f, "parameter vector has length {got}, expected {expected}")
            }
            CoreError::NonFiniteParam { index, value } => {
                write!(f, "parameter {index} is {value}; parameters must be finite")
            }
            CoreError::StateLength { got, expected } => write!(
                f,
                "optimizer state has {got} values, expected {expected} for this optimizer's settings"
            ),
            CoreError::InvalidState {
                index,
                value,
                expected,
            } => write!(
                f,
                "optimizer state value {index} is {value}; expected {expected}"
            ),
            CoreError::InvalidOption {
                name,
                value,
                expected,
            } => write!(f, "option {name} = {value} is invalid: {expected}"),
            CoreError::NoOrder => write!(f, "runBatches needs a row order: call setOrder first"),
            CoreError::NoValidationData => {
                write!(f, "no validation data: call setValidation first")
            }
            CoreError::OutOfMemory { values } => write!(
                f,
                "out of memory: could not allocate {values} float32 values for the parameters and optimizer state"
            ),
        }
    }
}

impl std::error::Error for CoreError {}

/// A `CoreError` as flat fields, for the boundary: the TypeScript error the user sees keeps
/// which data, argument, option, row, column and index the core named (ts/engine/fault.ts
/// turns these into a `MinibatchError`; the js engine's ts/engine/js/rules.ts makes the same
/// fields for the same refusals). A field that the variant does not have is `None`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ErrorFields {
    /// The variant's name: "ShapeMismatch", "InvalidValue", ….
    pub kind: &'static str,
    /// "train" or "validation".
    pub data: Option<&'static str>,
    /// "x", "y", "sampleWeight".
    pub argument: Option<&'static str>,
    /// The TypeScript option's name (InvalidOption).
    pub option: Option<&'static str>,
    /// What a value should have been (InvalidValue, InvalidState, InvalidOption).
    pub expected: Option<&'static str>,
    /// A row of a dataset (InvalidValue, InvalidLabel), or the row an order entry names.
    pub row: Option<f64>,
    pub column: Option<f64>,
    /// A position in a flat vector: the row order, the parameters, the optimizer state.
    pub index: Option<f64>,
    /// The offending value.
    pub value: Option<f64>,
    /// A length or count found (x values, weights, parameters, state values, values to allocate).
    pub got: Option<f64>,
    /// The rows of the dataset (ShapeMismatch: the rows y makes; Empty; RowOutOfRange).
    pub rows: Option<f64>,
    /// The length or count it should have been, or the bound it broke (classes, nFeatures).
    pub limit: Option<f64>,
}

impl CoreError {
    /// The error as flat fields (see `ErrorFields`).
    pub fn fields(&self) -> ErrorFields {
        let n = |v: usize| Some(v as f64);
        let none = ErrorFields::default();
        match *self {
            CoreError::ShapeMismatch {
                data,
                x_len,
                y_len,
                n_features,
            } => ErrorFields {
                kind: "ShapeMismatch",
                data: Some(data),
                argument: Some("x"),
                got: n(x_len),
                rows: n(y_len),
                limit: n(n_features),
                ..none
            },
            CoreError::Empty {
                data,
                rows,
                n_features,
            } => ErrorFields {
                kind: "Empty",
                data: Some(data),
                argument: Some(if rows == 0 { "y" } else { "x" }),
                rows: n(rows),
                limit: n(n_features),
                ..none
            },
            CoreError::SampleWeightLength {
                data,
                got,
                expected,
            } => ErrorFields {
                kind: "SampleWeightLength",
                data: Some(data),
                argument: Some("sampleWeight"),
                got: n(got),
                limit: n(expected),
                ..none
            },
            CoreError::InvalidValue {
                data,
                argument,
                row,
                column,
                value,
                expected,
            } => ErrorFields {
                kind: "InvalidValue",
                data: Some(data),
                argument: Some(argument),
                row: n(row),
                column: column.map(|c| c as f64),
                value: Some(value),
                expected: Some(expected),
                ..none
            },
            CoreError::InvalidLabel {
                data,
                row,
                value,
                classes,
            } => ErrorFields {
                kind: "InvalidLabel",
                data: Some(data),
                argument: Some("y"),
                row: n(row),
                value: Some(value),
                limit: n(classes),
                ..none
            },
            CoreError::RowOutOfRange {
                position,
                row,
                rows,
            } => ErrorFields {
                kind: "RowOutOfRange",
                argument: Some("order"),
                index: n(position),
                value: Some(row as f64),
                rows: n(rows),
                ..none
            },
            CoreError::ParamsLength { got, expected } => ErrorFields {
                kind: "ParamsLength",
                argument: Some("params"),
                got: n(got),
                limit: n(expected),
                ..none
            },
            CoreError::NonFiniteParam { index, value } => ErrorFields {
                kind: "NonFiniteParam",
                argument: Some("params"),
                index: n(index),
                value: Some(value),
                ..none
            },
            CoreError::StateLength { got, expected } => ErrorFields {
                kind: "StateLength",
                argument: Some("optimizerState"),
                got: n(got),
                limit: n(expected),
                ..none
            },
            CoreError::InvalidState {
                index,
                value,
                expected,
            } => ErrorFields {
                kind: "InvalidState",
                argument: Some("optimizerState"),
                index: n(index),
                value: Some(value),
                expected: Some(expected),
                ..none
            },
            CoreError::InvalidOption {
                name,
                value,
                expected,
            } => ErrorFields {
                kind: "InvalidOption",
                option: Some(name),
                value: Some(value),
                expected: Some(expected),
                ..none
            },
            CoreError::NoOrder => ErrorFields {
                kind: "NoOrder",
                ..none
            },
            CoreError::NoValidationData => ErrorFields {
                kind: "NoValidationData",
                ..none
            },
            CoreError::OutOfMemory { values } => ErrorFields {
                kind: "OutOfMemory",
                got: n(values),
                ..none
            },
        }
    }
}

/// A zeroed f32 vector, or `OutOfMemory` instead of the allocator's abort (which would be a trap
/// on wasm32).
pub(crate) fn try_filled(n: usize, value: f32) -> Result<Vec<f32>, CoreError> {
    let mut v = Vec::new();
    v.try_reserve_exact(n)
        .map_err(|_| CoreError::OutOfMemory { values: n })?;
    v.resize(n, value);
    Ok(v)
}

/// Checks `value` is finite and ≥ 0; the name is the TypeScript option's name.
pub(crate) fn non_negative(name: &'static str, value: f64) -> Result<(), CoreError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(CoreError::InvalidOption {
            name,
            value,
            expected: "a finite number ≥ 0",
        })
    }
}

/// Checks `value` is finite and > 0.
pub(crate) fn positive(name: &'static str, value: f64) -> Result<(), CoreError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(CoreError::InvalidOption {
            name,
            value,
            expected: "a finite number > 0",
        })
    }
}

/// Checks 0 ≤ value < 1 (PyTorch's rule for β1, β2).
pub(crate) fn unit_interval(name: &'static str, value: f64) -> Result<(), CoreError> {
    if (0.0..1.0).contains(&value) {
        Ok(())
    } else {
        Err(CoreError::InvalidOption {
            name,
            value,
            expected: "a number in [0, 1)",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One error of every variant, with distinct numbers, so that a field copied from the wrong
    /// place shows.
    fn every_variant() -> Vec<CoreError> {
        vec![
            CoreError::ShapeMismatch {
                data: "train",
                x_len: 11,
                y_len: 3,
                n_features: 4,
            },
            CoreError::Empty {
                data: "validation",
                rows: 0,
                n_features: 5,
            },
            CoreError::SampleWeightLength {
                data: "train",
                got: 2,
                expected: 3,
            },
            CoreError::InvalidValue {
                data: "train",
                argument: "x",
                row: 7,
                column: Some(2),
                value: f64::NAN,
                expected: "a finite number",
            },
            CoreError::InvalidLabel {
                data: "validation",
                row: 4,
                value: 0.5,
                classes: 1,
            },
            CoreError::RowOutOfRange {
                position: 9,
                row: 12,
                rows: 10,
            },
            CoreError::ParamsLength {
                got: 3,
                expected: 6,
            },
            CoreError::NonFiniteParam {
                index: 5,
                value: f64::INFINITY,
            },
            CoreError::StateLength {
                got: 8,
                expected: 12,
            },
            CoreError::InvalidState {
                index: 6,
                value: -1.0,
                expected: "a squared average ≥ 0",
            },
            CoreError::InvalidOption {
                name: "beta1",
                value: 1.0,
                expected: "a number in [0, 1)",
            },
            CoreError::NoOrder,
            CoreError::NoValidationData,
            CoreError::OutOfMemory { values: 1 << 20 },
        ]
    }

    #[test]
    fn the_fields_name_the_variant_and_carry_every_number_of_the_message() {
        for e in every_variant() {
            let f = e.fields();
            let debug = format!("{e:?}");
            assert!(debug.starts_with(f.kind), "{debug} has kind {}", f.kind);
            // every number the message shows is in a field (so the TypeScript message, built from
            // the fields, can say the same)
            let numbers: Vec<f64> = [f.row, f.column, f.index, f.value, f.got, f.rows, f.limit]
                .into_iter()
                .flatten()
                .collect();
            // the message without the `expected` text (its own constants: "≥ 0", "[0, 1)")
            let message = e.to_string().replace(f.expected.unwrap_or("\u{0}"), "");
            for word in message.split(|c: char| c.is_whitespace() || ",;:()=".contains(c)) {
                let Ok(v) = word.trim_end_matches('.').parse::<f64>() else {
                    continue;
                };
                // a label message's constants: "0 or 1", "0..k − 1"
                let label_text = matches!(e, CoreError::InvalidLabel { .. })
                    && (v == 0.0 || v == 1.0 || f.limit == Some(v + 1.0));
                assert!(
                    label_text
                        || numbers
                            .iter()
                            .any(|&n| n == v || (n.is_nan() && v.is_nan())),
                    "{message}: {v} is in no field of {f:?}"
                );
            }
        }
    }

    #[test]
    fn data_errors_name_their_set_and_argument_and_option_errors_their_option() {
        let fields: Vec<ErrorFields> = every_variant().iter().map(CoreError::fields).collect();
        assert_eq!(fields[0].data, Some("train"));
        assert_eq!(
            (fields[3].argument, fields[3].row, fields[3].column),
            (Some("x"), Some(7.0), Some(2.0))
        );
        assert_eq!(
            (fields[4].data, fields[4].argument, fields[4].limit),
            (Some("validation"), Some("y"), Some(1.0))
        );
        assert_eq!(
            (fields[5].argument, fields[5].index, fields[5].rows),
            (Some("order"), Some(9.0), Some(10.0))
        );
        assert_eq!(
            (fields[9].argument, fields[9].index),
            (Some("optimizerState"), Some(6.0))
        );
        assert_eq!(
            (fields[10].option, fields[10].value),
            (Some("beta1"), Some(1.0))
        );
        assert_eq!(
            fields[11],
            ErrorFields {
                kind: "NoOrder",
                ..ErrorFields::default()
            }
        );
    }
}
