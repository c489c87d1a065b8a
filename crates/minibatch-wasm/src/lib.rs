//! The boundary between JavaScript and the core: wasm-bindgen exports that own the training
//! state (data, parameters, optimizer state) inside wasm memory. No math lives here.
//!
//! Calls are coarse: the datasets cross once per fit (by value, so each is copied exactly
//! once), the row order once per epoch, and a run of batches returns its summary. Every error
//! is returned as a JavaScript `Error`; nothing here panics on input.
//!
//! Counts (nFeatures, nOutputs, batchSize, startBatch, the optimizer step) cross as f64 and
//! are checked here: wasm-bindgen would wrap a negative or fractional number passed for a u32
//! silently (`>>> 0`), and the core could not see the mistake.

#[cfg(feature = "probe")]
mod probe;

use minibatch_core::dataset::Features;
use minibatch_core::model::{Activation, HiddenLayer};
use minibatch_core::{
    AdagradConfig, AdamConfig, CoreError, Objective, OptimizerConfig, Pool, RmsPropConfig,
    SgdConfig, Trainer, TrainerConfig,
};
use wasm_bindgen::prelude::*;

/// Which objective the trainer minimizes (exported once, used by TypeScript as is).
#[wasm_bindgen]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RawObjective {
    SquaredError = 0,
    LogLoss = 1,
    CrossEntropy = 2,
}

/// Which optimizer steps the parameters (exported once, used by TypeScript as is).
#[wasm_bindgen]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RawOptimizer {
    Sgd = 0,
    Adagrad = 1,
    Rmsprop = 2,
    Adam = 3,
    AdamW = 4,
}

/// The fit's fixed configuration (ts/engine/types.ts `SessionSpec` without the data), built
/// once on the JavaScript side: the constructor takes what fixes the shapes, then every other
/// field is set by name. Fields with an "off" value start there (0, false; fitIntercept true);
/// eps, alpha, beta1 and beta2 start at PyTorch's defaults for Adam and RMSprop (1e-8, 0.99,
/// 0.9, 0.999), so that a hand-built config (the binding's own tests) is usable; the engine
/// (ts/engine/wasm/engine.ts) sets every field of a fully resolved `OptimizerSpec` by its name
/// (each hyperparameter of the contract has a field of the same name here), and the optimizer
/// reads only its own fields.
#[wasm_bindgen]
#[derive(Clone, Debug)]
pub struct RawConfig {
    pub objective: RawObjective,
    #[wasm_bindgen(js_name = nFeatures)]
    pub n_features: f64,
    #[wasm_bindgen(js_name = nOutputs)]
    pub n_outputs: f64,
    pub l2: f64,
    pub l1: f64,
    #[wasm_bindgen(js_name = fitIntercept)]
    pub fit_intercept: bool,
    #[wasm_bindgen(js_name = clipValue)]
    pub clip_value: f64,
    #[wasm_bindgen(js_name = clipNorm)]
    pub clip_norm: f64,
    pub optimizer: RawOptimizer,
    /// sgd, rmsprop.
    pub momentum: f64,
    /// sgd.
    pub dampening: f64,
    /// sgd.
    pub nesterov: bool,
    /// every optimizer.
    #[wasm_bindgen(js_name = weightDecay)]
    pub weight_decay: f64,
    /// adagrad.
    #[wasm_bindgen(js_name = lrDecay)]
    pub lr_decay: f64,
    /// adagrad.
    #[wasm_bindgen(js_name = initialAccumulator)]
    pub initial_accumulator: f64,
    /// adagrad, rmsprop, adam, adamw.
    pub eps: f64,
    /// rmsprop.
    pub alpha: f64,
    /// rmsprop.
    pub centered: bool,
    /// adam, adamw.
    pub beta1: f64,
    /// adam, adamw.
    pub beta2: f64,
    /// adam, adamw.
    pub amsgrad: bool,
    /// The hidden layers added by `addHidden`, in order: units as JavaScript gave them (checked
    /// by `to_core`) and the activation.
    hidden: Vec<(f64, Activation)>,
}

#[wasm_bindgen]
impl RawConfig {
    #[wasm_bindgen(constructor)]
    pub fn new(
        objective: RawObjective,
        #[wasm_bindgen(js_name = nFeatures)] n_features: f64,
        #[wasm_bindgen(js_name = nOutputs)] n_outputs: f64,
        optimizer: RawOptimizer,
    ) -> RawConfig {
        RawConfig {
            objective,
            n_features,
            n_outputs,
            l2: 0.0,
            l1: 0.0,
            fit_intercept: true,
            clip_value: 0.0,
            clip_norm: 0.0,
            optimizer,
            momentum: 0.0,
            dampening: 0.0,
            nesterov: false,
            weight_decay: 0.0,
            lr_decay: 0.0,
            initial_accumulator: 0.0,
            eps: 1e-8,
            alpha: 0.99,
            centered: false,
            beta1: 0.9,
            beta2: 0.999,
            amsgrad: false,
            hidden: Vec::new(),
        }
    }

    /// Appends a hidden layer (ts/engine/types.ts `HiddenLayer`): `units` outputs (an integer
    /// ≥ 1, checked with the rest of the config), then the activation named as in TypeScript
    /// (`Activation::NAMES`); an unknown name is an Error here.
    #[wasm_bindgen(js_name = addHidden)]
    pub fn add_hidden(&mut self, units: f64, activation: &str) -> Result<(), JsError> {
        let a = Activation::from_name(activation)
            .ok_or_else(|| JsError::new(&format!("unknown activation {activation}")))?;
        self.hidden.push((units, a));
        Ok(())
    }
}

impl RawConfig {
    /// The core's configuration; the core validates every value.
    fn to_core(&self) -> Result<TrainerConfig, CoreError> {
        let optimizer = match self.optimizer {
            RawOptimizer::Sgd => OptimizerConfig::Sgd(SgdConfig {
                momentum: self.momentum,
                dampening: self.dampening,
                nesterov: self.nesterov,
                weight_decay: self.weight_decay,
            }),
            RawOptimizer::Adagrad => OptimizerConfig::Adagrad(AdagradConfig {
                lr_decay: self.lr_decay,
                initial_accumulator: self.initial_accumulator,
                eps: self.eps,
                weight_decay: self.weight_decay,
            }),
            RawOptimizer::Rmsprop => OptimizerConfig::RmsProp(RmsPropConfig {
                alpha: self.alpha,
                eps: self.eps,
                momentum: self.momentum,
                centered: self.centered,
                weight_decay: self.weight_decay,
            }),
            RawOptimizer::Adam | RawOptimizer::AdamW => OptimizerConfig::Adam(AdamConfig {
                beta1: self.beta1,
                beta2: self.beta2,
                eps: self.eps,
                amsgrad: self.amsgrad,
                weight_decay: self.weight_decay,
                decoupled: self.optimizer == RawOptimizer::AdamW,
            }),
        };
        Ok(TrainerConfig {
            objective: match self.objective {
                RawObjective::SquaredError => Objective::SquaredError,
                RawObjective::LogLoss => Objective::LogLoss,
                RawObjective::CrossEntropy => Objective::CrossEntropy,
            },
            n_features: count("nFeatures", self.n_features, true, u32::MAX as f64)?,
            n_outputs: count("nOutputs", self.n_outputs, true, u32::MAX as f64)?,
            hidden: self
                .hidden
                .iter()
                .map(|&(units, activation)| {
                    // the core's refusal of a units value, for any JavaScript number
                    if units >= 1.0 && units <= u32::MAX as f64 && units.fract() == 0.0 {
                        Ok(HiddenLayer {
                            units: units as usize,
                            activation,
                        })
                    } else {
                        Err(CoreError::InvalidOption {
                            name: "hidden",
                            value: units,
                            expected: "units: an integer ≥ 1",
                        })
                    }
                })
                .collect::<Result<_, _>>()?,
            l2: self.l2,
            l1: self.l1,
            fit_intercept: self.fit_intercept,
            clip_value: self.clip_value,
            clip_norm: self.clip_norm,
            optimizer,
        })
    }
}

/// A JavaScript number that must be an integer ≥ 1 (`positive`) or ≥ 0, and ≤ max.
fn count(name: &'static str, value: f64, positive: bool, max: f64) -> Result<usize, CoreError> {
    // saturating: max may exceed usize::MAX on wasm32 (a start batch past any order)
    whole(name, value, positive, max).map(|v| v as usize)
}

/// `count`'s check, the value kept whole (a step count up to 2⁵³ does not fit wasm32's usize).
fn whole(name: &'static str, value: f64, positive: bool, max: f64) -> Result<f64, CoreError> {
    let min = if positive { 1.0 } else { 0.0 };
    if value >= min && value <= max && value.fract() == 0.0 {
        Ok(value)
    } else {
        Err(CoreError::InvalidOption {
            name,
            value,
            expected: match (positive, max == f64::MAX) {
                (true, true) => "an integer ≥ 1",
                (false, true) => "an integer ≥ 0",
                (true, false) => "an integer from 1 to 2³² − 1",
                (false, false) => "an integer from 0 to 2⁵³",
            },
        })
    }
}

/// 2^53: the largest step count a JavaScript number holds exactly.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_992.0;

/// The core's error as a JavaScript `Error` with its message; its fields wait in `LAST_ERROR`
/// for `takeLastError`, so that the TypeScript error keeps them (ts/engine/wasm/raw.ts). A
/// side channel rather than a class of its own as the thrown value: every export keeps
/// returning a plain `Error`, whichever way it fails.
fn to_js(e: CoreError) -> JsError {
    let error = JsError::new(&e.to_string());
    LAST_ERROR.with(|last| *last.borrow_mut() = Some(e));
    error
}

thread_local! {
    /// The last error `to_js` made on this thread (each worker has its own).
    static LAST_ERROR: std::cell::RefCell<Option<CoreError>> = const { std::cell::RefCell::new(None) };
}

/// The fields of a core error (minibatch-core's `ErrorFields`), as JavaScript reads them.
#[wasm_bindgen(getter_with_clone)]
pub struct RawError {
    pub kind: String,
    /// The core's message (its `Display`), to match the `Error` this came with.
    pub message: String,
    pub data: Option<String>,
    pub argument: Option<String>,
    pub option: Option<String>,
    pub expected: Option<String>,
    pub row: Option<f64>,
    pub column: Option<f64>,
    pub index: Option<f64>,
    pub value: Option<f64>,
    pub got: Option<f64>,
    pub rows: Option<f64>,
    pub limit: Option<f64>,
}

/// The fields of the last error an export of this thread threw, once (None after that, or when
/// the error did not come from the core).
#[wasm_bindgen(js_name = takeLastError)]
pub fn take_last_error() -> Option<RawError> {
    let e = LAST_ERROR.with(|last| last.borrow_mut().take())?;
    let f = e.fields();
    let text = |t: Option<&'static str>| t.map(str::to_owned);
    Some(RawError {
        kind: f.kind.to_owned(),
        message: e.to_string(),
        data: text(f.data),
        argument: text(f.argument),
        option: text(f.option),
        expected: text(f.expected),
        row: f.row,
        column: f.column,
        index: f.index,
        value: f.value,
        got: f.got,
        rows: f.rows,
        limit: f.limit,
    })
}

/// Feature values in wasm memory, filled by JavaScript block by block and checked as they
/// arrive (one pass over the data: each block is checked, or converted from f64 and checked,
/// while it is still in the cache). JavaScript writes f32 blocks at `ptr()` and calls
/// `checkFilled`, or writes f64 blocks at `scratchPtr()` and calls `fillFromF64`. A trainer
/// made from it takes the buffer without copying or checking it again.
#[wasm_bindgen]
pub struct RawFeatures {
    inner: Features,
    scratch: Vec<f64>,
}

/// -1 for none, else the index of the first bad value (exact: indices stay below 2³²).
fn index_or_minus_one(i: Option<usize>) -> f64 {
    i.map_or(-1.0, |i| i as f64)
}

#[wasm_bindgen]
impl RawFeatures {
    /// `len` values (zeros until written), or an Error when wasm memory cannot hold them.
    #[wasm_bindgen(constructor)]
    pub fn new(len: f64) -> Result<RawFeatures, JsError> {
        let len = count("length", len, true, u32::MAX as f64).map_err(to_js)?;
        Ok(RawFeatures {
            inner: Features::new(len).map_err(to_js)?,
            scratch: Vec::new(),
        })
    }

    pub fn length(&self) -> f64 {
        self.inner.len() as f64
    }

    /// Byte offset of the values in wasm memory (valid until the next allocation grows it).
    pub fn ptr(&mut self) -> f64 {
        self.inner.as_mut_slice().as_mut_ptr() as usize as f64
    }

    /// Byte offset of an f64 scratch block of `len` values for `fillFromF64`.
    #[wasm_bindgen(js_name = scratchPtr)]
    pub fn scratch_ptr(&mut self, len: f64) -> Result<f64, JsError> {
        let len = count("length", len, true, u32::MAX as f64).map_err(to_js)?;
        if self.scratch.len() < len {
            self.scratch = Vec::new();
            self.scratch
                .try_reserve_exact(len)
                .map_err(|_| to_js(CoreError::OutOfMemory { values: len }))?;
            self.scratch.resize(len, 0.0);
        }
        Ok(self.scratch.as_mut_ptr() as usize as f64)
    }

    /// Checks values [from, to) just written; the index of the first non-finite one, or -1.
    #[wasm_bindgen(js_name = checkFilled)]
    pub fn check_filled(&mut self, from: f64, to: f64) -> Result<f64, JsError> {
        let from = count("from", from, false, u32::MAX as f64).map_err(to_js)?;
        let to = count("to", to, false, u32::MAX as f64).map_err(to_js)?;
        Ok(index_or_minus_one(self.inner.check_filled(from, to)))
    }

    /// Converts the first `len` scratch values to f32 at `at`, checking them; the index of the
    /// first value not finite in f32 (NaN, ±Infinity, beyond ±3.4e38), or -1.
    #[wasm_bindgen(js_name = fillFromF64)]
    pub fn fill_from_f64(&mut self, at: f64, len: f64) -> Result<f64, JsError> {
        let at = count("at", at, false, u32::MAX as f64).map_err(to_js)?;
        let len = count("length", len, false, self.scratch.len() as f64).map_err(to_js)?;
        Ok(index_or_minus_one(
            self.inner.fill_from_f64(at, &self.scratch[..len]),
        ))
    }

    /// Forgets what was checked, before the values are written again (a buffer reused).
    #[wasm_bindgen(js_name = forgetChecks)]
    pub fn forget_checks(&mut self) {
        self.inner.forget_checks();
    }

    /// Whether every value has been written and checked.
    #[wasm_bindgen(js_name = isChecked)]
    pub fn is_checked(&self) -> bool {
        self.inner.is_checked()
    }

    /// Frees the scratch block (the values stay).
    #[wasm_bindgen(js_name = dropScratch)]
    pub fn drop_scratch(&mut self) {
        self.scratch = Vec::new();
    }
}

/// Owns one fit's data and state in wasm memory.
#[wasm_bindgen]
pub struct RawTrainer {
    inner: Trainer,
}

#[wasm_bindgen]
impl RawTrainer {
    /// `x` is row-major rows × nFeatures; `y` the targets: nOutputs per row (row-major) for
    /// squaredError, else one per row (the class index as a float for crossEntropy);
    /// `sampleWeight` one weight per row, or null/undefined for all ones.
    /// The arrays are copied into wasm memory once.
    #[wasm_bindgen(constructor)]
    pub fn new(
        config: &RawConfig,
        x: Vec<f32>,
        y: Vec<f32>,
        #[wasm_bindgen(js_name = sampleWeight)] sample_weight: Option<Vec<f32>>,
    ) -> Result<RawTrainer, JsError> {
        let cfg = config.to_core().map_err(to_js)?;
        Trainer::new(cfg, x, y, sample_weight)
            .map(|inner| RawTrainer { inner })
            .map_err(to_js)
    }

    /// As the constructor, with features already in wasm memory (taken, not copied; checked
    /// again only where `RawFeatures` did not check them).
    #[wasm_bindgen(js_name = withFeatures)]
    pub fn with_features(
        config: &RawConfig,
        x: RawFeatures,
        y: Vec<f32>,
        #[wasm_bindgen(js_name = sampleWeight)] sample_weight: Option<Vec<f32>>,
    ) -> Result<RawTrainer, JsError> {
        let cfg = config.to_core().map_err(to_js)?;
        Trainer::new(cfg, x.inner, y, sample_weight)
            .map(|inner| RawTrainer { inner })
            .map_err(to_js)
    }

    /// `setValidation` with features already in wasm memory (taken, not copied).
    #[wasm_bindgen(js_name = setValidationFeatures)]
    pub fn set_validation_features(
        &mut self,
        x: RawFeatures,
        y: Vec<f32>,
        #[wasm_bindgen(js_name = sampleWeight)] sample_weight: Option<Vec<f32>>,
    ) -> Result<(), JsError> {
        self.inner
            .set_validation(x.inner, y, sample_weight)
            .map_err(to_js)
    }

    /// Ends this trainer (it is freed) and hands its training features back, checked, so that
    /// another fit on the same rows needs no copy.
    #[wasm_bindgen(js_name = intoFeatures)]
    pub fn into_features(self) -> RawFeatures {
        RawFeatures {
            inner: self.inner.into_train_features(),
            scratch: Vec::new(),
        }
    }

    /// Holds the validation set in wasm memory, for `evaluate(true)`.
    #[wasm_bindgen(js_name = setValidation)]
    pub fn set_validation(
        &mut self,
        x: Vec<f32>,
        y: Vec<f32>,
        #[wasm_bindgen(js_name = sampleWeight)] sample_weight: Option<Vec<f32>>,
    ) -> Result<(), JsError> {
        self.inner
            .set_validation(x, y, sample_weight)
            .map_err(to_js)
    }

    /// Replaces the training rows (copied into wasm memory once), keeping θ and the optimizer
    /// state; setOrder must follow before runBatches.
    #[wasm_bindgen(js_name = setTrainingData)]
    pub fn set_training_data(
        &mut self,
        x: Vec<f32>,
        y: Vec<f32>,
        #[wasm_bindgen(js_name = sampleWeight)] sample_weight: Option<Vec<f32>>,
    ) -> Result<(), JsError> {
        self.inner
            .set_training_data(x, y, sample_weight)
            .map_err(to_js)
    }

    /// A copy of θ: every layer's W, then every layer's b (ts/engine/types.ts, "Parameters").
    pub fn params(&self) -> Vec<f32> {
        self.inner.params().to_vec()
    }

    #[wasm_bindgen(js_name = setParams)]
    pub fn set_params(&mut self, params: &[f32]) -> Result<(), JsError> {
        self.inner.set_params(params).map_err(to_js)
    }

    /// Starts an epoch with this row order (copied once), and saves the restore point.
    #[wasm_bindgen(js_name = setOrder)]
    pub fn set_order(&mut self, order: Vec<u32>) -> Result<(), JsError> {
        self.inner.set_order(order).map_err(to_js)
    }

    /// Runs min(learningRates.length, batches left) batches of the current order from
    /// `startBatch`; returns [lossSum, rows, iterations, finite (1 or 0)].
    #[wasm_bindgen(js_name = runBatches)]
    pub fn run_batches(
        &mut self,
        #[wasm_bindgen(js_name = batchSize)] batch_size: f64,
        #[wasm_bindgen(js_name = startBatch)] start_batch: f64,
        #[wasm_bindgen(js_name = learningRates)] learning_rates: &[f32],
        #[wasm_bindgen(js_name = dropLast)] drop_last: bool,
    ) -> Result<Vec<f64>, JsError> {
        let batch_size = count("batchSize", batch_size, true, f64::MAX).map_err(to_js)?;
        let start_batch = count("startBatch", start_batch, false, f64::MAX).map_err(to_js)?;
        let s = self
            .inner
            .run_batches(batch_size, start_batch, learning_rates, drop_last)
            .map_err(to_js)?;
        Ok(vec![
            s.loss_sum,
            s.rows as f64,
            s.iterations as f64,
            if s.finite { 1.0 } else { 0.0 },
        ])
    }

    /// [lossSum, weightSum, metricSum] over the training set, or the validation set.
    pub fn evaluate(&mut self, validation: bool) -> Result<Vec<f64>, JsError> {
        let e = self.inner.evaluate(validation).map_err(to_js)?;
        Ok(vec![e.loss_sum, e.weight_sum, e.metric_sum])
    }

    /// (l2/2)‖W‖² + l1‖W‖₁ at the current parameters.
    pub fn penalty(&self) -> f64 {
        self.inner.penalty()
    }

    /// t of the last optimizer step (0 before the first).
    #[wasm_bindgen(js_name = optimizerStep)]
    pub fn optimizer_step(&self) -> f64 {
        self.inner.optimizer_steps() as f64
    }

    /// A copy of the optimizer's buffers, concatenated in the order of ts/engine/types.ts.
    #[wasm_bindgen(js_name = optimizerState)]
    pub fn optimizer_state(&self) -> Vec<f32> {
        self.inner.optimizer_state().to_vec()
    }

    #[wasm_bindgen(js_name = setOptimizerState)]
    pub fn set_optimizer_state(&mut self, step: f64, buffers: &[f32]) -> Result<(), JsError> {
        let step = whole("step", step, false, MAX_SAFE_INTEGER).map_err(to_js)?;
        self.inner
            .set_optimizer_state(step as u64, buffers)
            .map_err(to_js)
    }

    /// Cuts each large enough batch into `threads` parts (1 to 256; 1 turns cutting off),
    /// summed by this thread and the workers that run `helpTrain`, whichever are free. The
    /// bits depend on `threads` only: the same with any number of workers, or in a module
    /// built without threads (where this thread sums every part).
    #[wasm_bindgen(js_name = setThreads)]
    pub fn set_threads(&mut self, threads: f64) -> Result<(), JsError> {
        let threads = count("threads", threads, true, 256.0).map_err(to_js)?;
        self.inner.set_threads(&POOL, threads).map_err(to_js)
    }

    /// The parts a large batch is cut into.
    pub fn threads(&self) -> f64 {
        self.inner.threads() as f64
    }
}

/// The helpers of this module's memory: one pool, shared by every instance that a worker
/// creates on the same shared memory (team.rs in the core).
static POOL: Pool = Pool::new();

/// Whether this module was built for threads (shared memory, atomics).
#[wasm_bindgen(js_name = threadsEnabled)]
pub fn threads_enabled() -> bool {
    cfg!(target_feature = "atomics")
}

/// Makes the calling worker a helper of every trainer's batches until `closeHelpers`; blocks
/// (sleeping when idle). An error in a module built without threads, where it would spin.
#[wasm_bindgen(js_name = helpTrain)]
pub fn help_train() -> Result<(), JsError> {
    if !threads_enabled() {
        return Err(JsError::new(
            "this minibatch module was built without threads",
        ));
    }
    POOL.help();
    Ok(())
}

/// Helpers that have joined.
#[wasm_bindgen(js_name = helperCount)]
pub fn helper_count() -> f64 {
    POOL.helpers() as f64
}

/// Sends every helper back from `helpTrain` and waits until they have left.
#[wasm_bindgen(js_name = closeHelpers)]
pub fn close_helpers() {
    POOL.close();
}

/// Whether this module was built with SIMD128 kernels.
#[wasm_bindgen(js_name = simdEnabled)]
pub fn simd_enabled() -> bool {
    minibatch_core::lanes::SIMD128
}

#[cfg(test)]
mod tests {
    // JsError can only be built on wasm32; natively, check the conversions the exports make.
    use super::*;

    fn adamw() -> RawConfig {
        let mut c = RawConfig::new(RawObjective::CrossEntropy, 4.0, 3.0, RawOptimizer::AdamW);
        c.beta1 = 0.9;
        c.beta2 = 0.999;
        c.eps = 1e-8;
        c.weight_decay = 0.01;
        c
    }

    #[test]
    fn the_config_maps_every_field_to_the_core() {
        let mut c = adamw();
        c.l2 = 0.5;
        c.l1 = 0.25;
        c.clip_value = 2.0;
        c.clip_norm = 3.0;
        c.fit_intercept = false;
        c.amsgrad = true;
        let core = c.to_core().unwrap();
        assert_eq!(
            core,
            TrainerConfig {
                objective: Objective::CrossEntropy,
                n_features: 4,
                n_outputs: 3,
                hidden: Vec::new(),
                l2: 0.5,
                l1: 0.25,
                fit_intercept: false,
                clip_value: 2.0,
                clip_norm: 3.0,
                optimizer: OptimizerConfig::Adam(AdamConfig {
                    beta1: 0.9,
                    beta2: 0.999,
                    eps: 1e-8,
                    amsgrad: true,
                    weight_decay: 0.01,
                    decoupled: true,
                }),
            }
        );
        c.optimizer = RawOptimizer::Adam;
        assert!(matches!(
            c.to_core().unwrap().optimizer,
            OptimizerConfig::Adam(AdamConfig {
                decoupled: false,
                ..
            })
        ));
    }

    #[test]
    fn counts_that_a_u32_would_wrap_are_rejected() {
        for bad in [-1.0, 0.0, 2.5, f64::NAN, f64::INFINITY, 4294967296.0] {
            let mut c = adamw();
            c.n_features = bad;
            assert!(
                matches!(
                    c.to_core(),
                    Err(CoreError::InvalidOption {
                        name: "nFeatures",
                        ..
                    })
                ),
                "{bad}"
            );
        }
        assert_eq!(count("startBatch", 1e300, false, f64::MAX), Ok(usize::MAX));
        assert_eq!(count("startBatch", 0.0, false, f64::MAX), Ok(0));
        assert!(count("batchSize", 0.0, true, f64::MAX).is_err());
        assert!(count("step", MAX_SAFE_INTEGER * 2.0, false, MAX_SAFE_INTEGER).is_err());
    }

    #[test]
    fn a_hand_built_config_has_pytorch_defaults_and_the_core_checks_every_field() {
        for optimizer in [
            RawOptimizer::Sgd,
            RawOptimizer::Adagrad,
            RawOptimizer::Rmsprop,
            RawOptimizer::Adam,
            RawOptimizer::AdamW,
        ] {
            let c = RawConfig::new(RawObjective::LogLoss, 2.0, 1.0, optimizer);
            assert!(
                Trainer::new(c.to_core().unwrap(), vec![0.0; 2], vec![1.0], None).is_ok(),
                "{optimizer:?}"
            );
        }
        let mut c = adamw();
        c.beta2 = f64::NAN;
        assert!(matches!(
            Trainer::new(c.to_core().unwrap(), vec![0.0; 4], vec![1.0], None),
            Err(CoreError::InvalidOption { name: "beta2", .. })
        ));
    }

    #[test]
    fn a_bad_shape_is_an_error_not_a_panic() {
        let c = RawConfig::new(RawObjective::LogLoss, 3.0, 1.0, RawOptimizer::Sgd);
        assert!(Trainer::new(c.to_core().unwrap(), vec![0.0; 4], vec![0.0; 2], None).is_err());
    }
}
