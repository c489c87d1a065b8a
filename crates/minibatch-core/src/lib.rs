//! The numerical core of `minibatch`: SIMD kernels, objectives, optimizers and the batch loop.
//!
//! Pure Rust with no JavaScript in sight, so that everything here is unit-tested natively with
//! `cargo test`. On `wasm32` with `simd128` the kernels use 128-bit SIMD; elsewhere the same
//! source runs on a portable four-lane type that adds in exactly the same order, so the native
//! tests check the numerics the wasm module computes.
//!
//! The equations are the contract in ts/engine/types.ts, which the js engine implements too.
//! No function here panics on any input: every refusal is a [`CoreError`].
#![cfg_attr(
    all(target_arch = "wasm32", target_feature = "atomics"),
    feature(stdarch_wasm_atomic_wait)
)]

pub mod activation;
pub mod dataset;
pub mod dense;
pub mod error;
pub mod kernels;
pub mod lanes;
pub mod math;
pub mod model;
pub mod objective;
pub mod optimizer;
pub mod regularization;
pub mod team;
pub mod trainer;

pub use error::{CoreError, ErrorFields};
pub use model::Evaluation;
pub use objective::Objective;
pub use optimizer::{
    AdagradConfig, AdamConfig, Optimizer, OptimizerConfig, RmsPropConfig, SgdConfig,
};
pub use team::Pool;
pub use trainer::{BatchSummary, Trainer, TrainerConfig};
