use std::fmt;

/// Every way the core can refuse work. The TypeScript layer validates user input first and
/// names rows, columns and options; these are the second line of defence, so that a bad call
/// becomes a JavaScript `Error` and never a trap of the wasm instance.
#[derive(Debug, Clone, PartialEq)]
pub enum CoreError {
    /// `x.len()` is not `rows * n_features`, or `y.len()` is not `rows`.
    ShapeMismatch {
        x_len: usize,
        y_len: usize,
        n_features: usize,
    },
    /// A dataset needs at least one row and one feature.
    Empty { rows: usize, n_features: usize },
    /// A row index in the epoch's order is not a row of the dataset.
    RowOutOfRange {
        position: usize,
        row: u32,
        rows: usize,
    },
    /// A parameter vector of the wrong length.
    ParamsLength { got: usize, expected: usize },
    /// An option outside its domain (the name is the TypeScript option's name).
    InvalidOption { name: &'static str, value: f64 },
}

impl fmt::Display for CoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CoreError::ShapeMismatch { x_len, y_len, n_features } => write!(
                f,
                "shape mismatch: {x_len} feature values with nFeatures = {n_features} do not make {y_len} rows"
            ),
            CoreError::Empty { rows, n_features } => {
                write!(f, "empty dataset: {rows} rows and {n_features} features")
            }
            CoreError::RowOutOfRange { position, row, rows } => write!(
                f,
                "row order entry {position} is {row}, but the dataset has {rows} rows"
            ),
            CoreError::ParamsLength { got, expected } => {
                write!(f, "parameter vector has length {got}, expected {expected}")
            }
            CoreError::InvalidOption { name, value } => {
                write!(f, "option {name} = {value} is out of range")
            }
        }
    }
}

impl std::error::Error for CoreError {}
