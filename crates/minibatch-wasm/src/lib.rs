//! The boundary between JavaScript and the core: wasm-bindgen exports that own the training
//! state (data, parameters, optimizer state) inside wasm memory. No math lives here.
//!
//! Calls are coarse: the dataset crosses once per fit (by value, so it is copied exactly once),
//! then one call per epoch hands over the row order and returns the epoch's summary. Every
//! error is returned as a JavaScript `Error`; nothing here panics on input.

use minibatch_core::{CoreError, Objective, Trainer, TrainerConfig};
use wasm_bindgen::prelude::*;

/// Which objective the trainer minimizes (exported once, used by TypeScript as is).
#[wasm_bindgen]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RawObjective {
    SquaredError = 0,
    LogLoss = 1,
}

/// The fit's fixed configuration, built once on the JavaScript side.
#[wasm_bindgen]
#[derive(Clone, Copy, Debug)]
pub struct RawConfig {
    pub objective: RawObjective,
    #[wasm_bindgen(js_name = nFeatures)]
    pub n_features: u32,
    pub l2: f32,
    #[wasm_bindgen(js_name = fitIntercept)]
    pub fit_intercept: bool,
}

#[wasm_bindgen]
impl RawConfig {
    #[wasm_bindgen(constructor)]
    pub fn new(
        objective: RawObjective,
        n_features: u32,
        l2: f32,
        fit_intercept: bool,
    ) -> RawConfig {
        RawConfig {
            objective,
            n_features,
            l2,
            fit_intercept,
        }
    }
}

fn to_js(e: CoreError) -> JsError {
    JsError::new(&e.to_string())
}

/// Owns one fit's data and state in wasm memory.
#[wasm_bindgen]
pub struct RawTrainer {
    inner: Trainer,
}

#[wasm_bindgen]
impl RawTrainer {
    /// `x` is row-major rows × nFeatures; both arrays are moved into wasm memory.
    #[wasm_bindgen(constructor)]
    pub fn new(config: &RawConfig, x: Vec<f32>, y: Vec<f32>) -> Result<RawTrainer, JsError> {
        let objective = match config.objective {
            RawObjective::SquaredError => Objective::SquaredError,
            RawObjective::LogLoss => Objective::LogLoss,
        };
        let cfg = TrainerConfig {
            objective,
            n_features: config.n_features as usize,
            l2: config.l2,
            fit_intercept: config.fit_intercept,
        };
        Trainer::new(cfg, x, y)
            .map(|inner| RawTrainer { inner })
            .map_err(to_js)
    }

    /// A copy of the parameters: nFeatures weights, then the intercept.
    pub fn params(&self) -> Vec<f32> {
        self.inner.params().to_vec()
    }

    #[wasm_bindgen(js_name = setParams)]
    pub fn set_params(&mut self, params: &[f32]) -> Result<(), JsError> {
        self.inner.set_params(params).map_err(to_js)
    }

    /// Runs one epoch over `order`; returns [lossSum, rows, iterations, finite (1 or 0)].
    #[wasm_bindgen(js_name = runEpoch)]
    pub fn run_epoch(
        &mut self,
        order: &[u32],
        batch_size: u32,
        max_batches: u32,
        learning_rate: f32,
        drop_last: bool,
    ) -> Result<Vec<f64>, JsError> {
        let s = self
            .inner
            .run_epoch(
                order,
                batch_size as usize,
                max_batches as usize,
                learning_rate,
                drop_last,
            )
            .map_err(to_js)?;
        Ok(vec![
            s.loss_sum,
            s.rows as f64,
            s.iterations as f64,
            if s.finite { 1.0 } else { 0.0 },
        ])
    }

    /// Mean loss + penalty over all rows at the current parameters (f64).
    #[wasm_bindgen(js_name = objectiveValue)]
    pub fn objective_value(&self) -> f64 {
        self.inner.objective_value()
    }
}

/// Whether this module was built with SIMD128 kernels.
#[wasm_bindgen(js_name = simdEnabled)]
pub fn simd_enabled() -> bool {
    minibatch_core::lanes::SIMD128
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_shape_is_an_error_not_a_panic() {
        // JsError can only be built on wasm32; natively check the core result the export maps.
        let cfg = TrainerConfig {
            objective: Objective::LogLoss,
            n_features: 3,
            l2: 0.0,
            fit_intercept: true,
        };
        assert!(Trainer::new(cfg, vec![0.0; 4], vec![0.0; 2]).is_err());
    }
}
