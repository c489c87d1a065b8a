//! The model: a stack of dense layers under an objective (ts/engine/types.ts), its batch
//! gradient (step 1 of an update) and its evaluation over a whole dataset.
//!
//! Every model is described the same way ([`Model::layers`]): dense layers z = W·a + b, each with
//! an activation, from the features to the outputs, and the objective on the last layer's z.
//! Linear, logistic and softmax regression are the stack with no hidden layer: one dense layer
//! with the identity activation (the objective applies the link: sigmoid, softmax).
//!
//! The one parameter layout ([`Model::weights`], [`Model::intercepts`]): every layer's W
//! (outputs × inputs, row-major), layer after layer, then every layer's b, layer after layer.
//! The penalized parameters (weights, never intercepts) are thus the prefix
//! [`Model::penalized`], which is all that penalties, weight decay and the L1 step need to know.
//! With one layer, θ = [W, b]: W is n_outputs × n_features, then the n_outputs intercepts.
//!
//! The linear layer's kernels: rows go in blocks of BLOCK_ROWS that share every load of W and
//! of the gradient (kernels::dot_rows/axpy_rows): per block, the dot products of every output on
//! the same rows (which stay in L1 across the outputs; two outputs per pass when there are
//! several), the per-row losses, then the gradient terms of every output (two per pass, likewise).
//! Those are the paths of the linear models (no hidden layer; squaredError with one output), and
//! keep their results to the bit. A network (a hidden layer, or squaredError with several
//! outputs) takes the general stack path at the end of this file: blocks of NET_BLOCK rows,
//! forward through the layers with dense.rs and activation.rs, backward down to the first.

use crate::activation;
pub use crate::activation::Activation;
use crate::dataset::Dataset;
use crate::dense;
use crate::error::{try_filled, CoreError};
use crate::kernels::{self, BLOCK_ROWS};
use crate::objective::{
    cross_entropy_rows, output_loss, LogLoss, Objective, OneOutput, SquaredErrorLoss,
};
use crate::regularization;

/// The shape and the data-independent settings of the model.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    pub objective: Objective,
    pub n_features: usize,
    pub n_outputs: usize,
    /// The hidden layers, from the features' side (empty for a linear model).
    pub hidden: Vec<HiddenLayer>,
    /// λ of (λ/2)‖W‖²; enters the gradient as λ·W.
    pub l2: f32,
    pub fit_intercept: bool,
}

/// A hidden layer of the stack (ts/engine/types.ts `HiddenLayer`): `units` outputs (≥ 1), then
/// the activation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HiddenLayer {
    pub units: usize,
    pub activation: Activation,
}

/// One dense layer of the stack: z = W·a + b (W is outputs × inputs), then the activation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dense {
    pub inputs: usize,
    pub outputs: usize,
    pub activation: Activation,
}

impl Model {
    /// The stack from the features to the objective: the hidden layers, then the output layer
    /// (identity). Linear models: the one output layer, no hidden layer.
    pub fn layers(&self) -> Vec<Dense> {
        self.dense_layers().collect()
    }

    /// [`Model::layers`] without allocating.
    fn dense_layers(&self) -> impl Iterator<Item = Dense> + '_ {
        let inputs = std::iter::once(self.n_features).chain(self.hidden.iter().map(|h| h.units));
        let outputs = self
            .hidden
            .iter()
            .map(|h| (h.units, h.activation))
            .chain(std::iter::once((self.n_outputs, Activation::Identity)));
        inputs
            .zip(outputs)
            .map(|(inputs, (outputs, activation))| Dense {
                inputs,
                outputs,
                activation,
            })
    }

    /// Whether the model takes the general stack path (a hidden layer, or squaredError with
    /// several outputs) rather than the linear models' own kernels.
    pub fn is_network(&self) -> bool {
        !self.hidden.is_empty() || (self.objective == Objective::SquaredError && self.n_outputs > 1)
    }

    /// Where layer `l`'s W lies in θ (the layout of the module's doc).
    pub fn weights(&self, l: usize) -> std::ops::Range<usize> {
        let start = self
            .dense_layers()
            .take(l)
            .map(|d| d.inputs * d.outputs)
            .sum::<usize>();
        let d = self.dense_layers().nth(l).expect("a layer of the stack");
        start..start + d.inputs * d.outputs
    }

    /// Where layer `l`'s b lies in θ.
    pub fn intercepts(&self, l: usize) -> std::ops::Range<usize> {
        let start = self.n_weights()
            + self
                .dense_layers()
                .take(l)
                .map(|d| d.outputs)
                .sum::<usize>();
        let d = self.dense_layers().nth(l).expect("a layer of the stack");
        start..start + d.outputs
    }

    /// The parameters the penalties and weight decay apply to: every weight, no intercept.
    pub fn penalized(&self) -> std::ops::Range<usize> {
        0..self.n_weights()
    }

    /// Σ of the layers' inputs × outputs: the length of the weights, where the intercepts start.
    pub fn n_weights(&self) -> usize {
        self.dense_layers().map(|d| d.inputs * d.outputs).sum()
    }

    /// Every weight and intercept: Σ outputs·(inputs + 1), k·(d + 1) for the one-layer stack.
    pub fn n_params(&self) -> usize {
        self.dense_layers()
            .map(|d| (d.inputs + 1) * d.outputs)
            .sum()
    }

    /// [`Model::n_params`], or None when it overflows usize (checked before anything is
    /// allocated, TrainerConfig::validate).
    pub fn checked_n_params(&self) -> Option<usize> {
        self.dense_layers().try_fold(0usize, |n, d| {
            d.inputs
                .checked_add(1)
                .and_then(|i| i.checked_mul(d.outputs))
                .and_then(|p| n.checked_add(p))
        })
    }

    /// The widest layer's outputs (the features excluded).
    fn widest(&self) -> usize {
        self.dense_layers().map(|d| d.outputs).max().unwrap_or(0)
    }
}

/// Per-block scores and ∂ℓ/∂z, one array of BLOCK_ROWS per output (linear models), or the
/// stack path's buffers (networks); allocated once per trainer (and per part of a team).
#[derive(Clone, Debug)]
pub struct Scratch {
    z: Vec<[f32; BLOCK_ROWS]>,
    dz: Vec<[f32; BLOCK_ROWS]>,
    net: Option<Box<NetScratch>>,
}

impl Scratch {
    /// `OutOfMemory` rather than the allocator's abort for an absurd number of outputs.
    pub fn new(model: &Model) -> Result<Self, CoreError> {
        if model.is_network() {
            return Ok(Scratch {
                z: Vec::new(),
                dz: Vec::new(),
                net: Some(Box::new(NetScratch::new(model)?)),
            });
        }
        let block = || -> Result<Vec<[f32; BLOCK_ROWS]>, CoreError> {
            let mut v = Vec::new();
            v.try_reserve_exact(model.n_outputs)
                .map_err(|_| CoreError::OutOfMemory {
                    values: model.n_outputs.saturating_mul(BLOCK_ROWS),
                })?;
            v.resize(model.n_outputs, [0.0; BLOCK_ROWS]);
            Ok(v)
        };
        Ok(Scratch {
            z: block()?,
            dz: block()?,
            net: None,
        })
    }
}

/// z[c][j] = W_c·x_j + b_c for the R ≤ BLOCK_ROWS rows of a block. A full block of 8 takes the
/// outputs two at a time on each half of the block (`kernels::dot_rows_2`: each row load serves
/// two outputs; softmax k = 10: 1.1×, same bits). A single row uses the four-accumulator `dot`
/// (batch size 1 runs only single rows).
#[inline(always)]
fn scores<const R: usize>(
    model: &Model,
    params: &[f32],
    rows: &[&[f32]; R],
    z: &mut [[f32; BLOCK_ROWS]],
) {
    let d = model.n_features;
    let (w, b) = params.split_at(model.n_weights());
    let mut first = 0;
    if R == 8 {
        // register tiles of 2 outputs × 4 rows
        let halves: [[&[f32]; 4]; 2] = [
            std::array::from_fn(|k| rows[k]),
            std::array::from_fn(|k| rows[k + 4]),
        ];
        while first + 2 <= z.len() {
            let (w0, w1) = (
                &w[first * d..(first + 1) * d],
                &w[(first + 1) * d..(first + 2) * d],
            );
            for (h, half) in halves.iter().enumerate() {
                let (s0, s1) = kernels::dot_rows_2(w0, w1, half);
                for j in 0..4 {
                    z[first][4 * h + j] = s0[j] + b[first];
                    z[first + 1][4 * h + j] = s1[j] + b[first + 1];
                }
            }
            first += 2;
        }
    }
    for (c, zc) in z.iter_mut().enumerate().skip(first) {
        let wc = &w[c * d..(c + 1) * d];
        let s: [f32; R] = if R == 1 {
            std::array::from_fn(|_| kernels::dot(wc, rows[0]))
        } else {
            kernels::dot_rows(wc, rows)
        };
        for j in 0..R {
            zc[j] = s[j] + b[c];
        }
    }
}

/// The losses ℓ(z_j, y_j) (not weighted) of the first R rows of a block, with ∂ℓ/∂z_c written to
/// dz[c][j].
#[inline(always)]
fn block_losses<const R: usize>(
    objective: Objective,
    z: &[[f32; BLOCK_ROWS]],
    y: &[f32; R],
    dz: &mut [[f32; BLOCK_ROWS]],
) -> [f32; R] {
    match objective {
        Objective::CrossEntropy => cross_entropy_rows(z, y, dz),
        _ => {
            let z0: [f32; R] = std::array::from_fn(|j| z[0][j]);
            let (loss, g) = objective.loss_and_derivative_rows(&z0, y);
            dz[0][..R].copy_from_slice(&g);
            loss
        }
    }
}

/// Adds one block's Σ s_j·∂ℓ_j/∂z_j·x_jᵀ to g_W and Σ s_j·∂ℓ_j/∂z_j to g_b; returns Σ s_j·ℓ_j.
/// Any number of outputs: scores and derivatives go through `scratch`, one array per output.
#[inline(always)]
fn gradient_block<const R: usize>(
    model: &Model,
    data: &Dataset,
    ids: [usize; R],
    params: &[f32],
    grad: &mut [f32],
    scratch: &mut Scratch,
) -> f64 {
    let d = model.n_features;
    let rows: [&[f32]; R] = std::array::from_fn(|j| data.row(ids[j]));
    let Scratch { z, dz, .. } = scratch;
    scores(model, params, &rows, z);
    let (gw, gb) = grad.split_at_mut(model.n_weights());
    let y: [f32; R] = std::array::from_fn(|j| data.target(ids[j]));
    let losses = block_losses(model.objective, z, &y, dz);
    let mut loss = 0.0f64;
    for (j, &r) in ids.iter().enumerate() {
        let s = data.weight(r);
        loss += s as f64 * losses[j] as f64;
        for (dc, gbc) in dz.iter_mut().zip(gb.iter_mut()) {
            dc[j] *= s;
            *gbc += dc[j];
        }
    }
    // outputs two at a time (`kernels::axpy_rows_2`: each row load serves two outputs; softmax
    // k = 10: 1.1× on top of the tiles in `scores`, same bits), the odd one out alone
    let mut first = 0;
    if R > 1 {
        while first + 2 <= dz.len() {
            let a0: [f32; R] = std::array::from_fn(|j| dz[first][j]);
            let a1: [f32; R] = std::array::from_fn(|j| dz[first + 1][j]);
            let (g0, g1) = gw[first * d..(first + 2) * d].split_at_mut(d);
            kernels::axpy_rows_2(&a0, &a1, &rows, g0, g1);
            first += 2;
        }
    }
    for (c, dc) in dz.iter().enumerate().skip(first) {
        let a: [f32; R] = std::array::from_fn(|j| dc[j]);
        let gwc = &mut gw[c * d..(c + 1) * d];
        if R == 1 {
            kernels::axpy(a[0], rows[0], gwc);
        } else {
            kernels::axpy_rows(&a, &rows, gwc);
        }
    }
    loss
}

/// `gradient_block` for one output (squaredError, logLoss) with the scores and derivatives in
/// registers rather than in `scratch`: the same operations in the same order, so the same bits,
/// without the per-output loops (about 10% of the time per row at d = 32).
#[inline(always)]
fn one_output_block<const R: usize>(
    objective: Objective,
    model: &Model,
    data: &Dataset,
    ids: [usize; R],
    params: &[f32],
    grad: &mut [f32],
) -> f64 {
    let d = model.n_features;
    let rows: [&[f32]; R] = std::array::from_fn(|j| data.row(ids[j]));
    let (w, b) = params.split_at(d);
    let (gw, gb) = grad.split_at_mut(d);
    let z: [f32; R] = if R == 1 {
        std::array::from_fn(|_| kernels::dot(w, rows[0]))
    } else {
        kernels::dot_rows(w, &rows)
    };
    let z: [f32; R] = std::array::from_fn(|j| z[j] + b[0]);
    let y: [f32; R] = std::array::from_fn(|j| data.target(ids[j]));
    let (l, mut dz) = objective.loss_and_derivative_rows(&z, &y);
    let mut loss = 0.0f64;
    for j in 0..R {
        let s = data.weight(ids[j]);
        loss += s as f64 * l[j] as f64;
        dz[j] *= s;
        gb[0] += dz[j];
    }
    if R == 1 {
        kernels::axpy(dz[0], rows[0], gw);
    } else {
        kernels::axpy_rows(&dz, &rows, gw);
    }
    loss
}

/// The blocks of a batch for one one-output objective: a function of its own per objective, so
/// that the objective is a constant in the hot loops (compiled once per objective, and V8
/// allocates registers for a small function rather than for every objective's code at once).
#[inline(never)]
fn one_output_sums<O: OneOutput>(
    model: &Model,
    data: &Dataset,
    batch: &[u32],
    params: &[f32],
    grad: &mut [f32],
) -> f64 {
    let mut loss = 0.0f64;
    let mut blocks = batch.chunks_exact(BLOCK_ROWS);
    for ids in &mut blocks {
        let ids: [usize; BLOCK_ROWS] = std::array::from_fn(|j| ids[j] as usize);
        loss += one_output_block(O::OBJECTIVE, model, data, ids, params, grad);
    }
    for &r in blocks.remainder() {
        loss += one_output_block(O::OBJECTIVE, model, data, [r as usize], params, grad);
    }
    loss
}

/// What a run of single-row updates did (`sgd_single_rows`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SingleRowRun {
    /// Σ over the rows done of s_i·ℓ_i plus the penalty, as trainer.rs's `update` reports them.
    pub loss_sum: f64,
    /// Updates taken, counting the one whose loss was not finite.
    pub rows: usize,
    /// False when a row's loss was not finite (the run stopped after that row's update).
    pub finite: bool,
}

/// Batch size 1 with plain SGD (no momentum, no weight decay, no clipping, no l1): row j of
/// `rows` updates θ with learning rate `learning_rates[j]`, giving the bits of trainer.rs's
/// generic `update` on a batch of one, but in two passes over each output's weights instead of
/// five (dot; zero-fill, axpy, scale and SGD step): the gradient never goes through `grad`, and
/// each update pass also computes the next row's score (`kernels::sgd_step_dot`). Runs
/// min(rows, learning rates) rows; `rows` holds valid indices.
pub fn sgd_single_rows(
    model: &Model,
    data: &Dataset,
    rows: &[u32],
    learning_rates: &[f32],
    penalty: (f64, f64),
    params: &mut [f32],
    scratch: &mut Scratch,
) -> SingleRowRun {
    let count = rows.len().min(learning_rates.len());
    let (rows, rates) = (&rows[..count], &learning_rates[..count]);
    match (model.objective, model.l2 != 0.0) {
        (Objective::SquaredError, false) => {
            single_rows::<SquaredErrorLoss, false>(model, data, rows, rates, penalty, params)
        }
        (Objective::SquaredError, true) => {
            single_rows::<SquaredErrorLoss, true>(model, data, rows, rates, penalty, params)
        }
        (Objective::LogLoss, false) => {
            single_rows::<LogLoss, false>(model, data, rows, rates, penalty, params)
        }
        (Objective::LogLoss, true) => {
            single_rows::<LogLoss, true>(model, data, rows, rates, penalty, params)
        }
        (Objective::CrossEntropy, false) => {
            single_rows_outputs::<false>(model, data, rows, rates, penalty, params, scratch)
        }
        (Objective::CrossEntropy, true) => {
            single_rows_outputs::<true>(model, data, rows, rates, penalty, params, scratch)
        }
    }
}

/// Rows at least this long (8 cache lines) are touched ahead of their use in `single_rows`.
const TOUCH_MIN_FEATURES: usize = 128;

/// `sgd_single_rows` for one objective, with or without the l2 term (one function each, as
/// `one_output_sums`). `penalty` is (l2, l1) in f64, for the reported loss.
#[inline(never)]
fn single_rows<O: OneOutput, const L2: bool>(
    model: &Model,
    data: &Dataset,
    rows: &[u32],
    learning_rates: &[f32],
    (l2, l1): (f64, f64),
    params: &mut [f32],
) -> SingleRowRun {
    let mut run = SingleRowRun {
        loss_sum: 0.0,
        rows: 0,
        finite: true,
    };
    let Some(&first) = rows.first() else {
        return run;
    };
    let d = model.n_features;
    let (w, b) = params.split_at_mut(d);
    let mut dot = kernels::dot(w, data.row(first as usize));
    let touch = d >= TOUCH_MIN_FEATURES;
    for (j, (&r, &lr)) in rows.iter().zip(learning_rates).enumerate() {
        let r = r as usize;
        let x = data.row(r);
        let z = dot + b[0];
        let (l, dz) = O::OBJECTIVE.loss_and_derivative_rows(&[z], &[data.target(r)]);
        let s = data.weight(r);
        // the generic path's sums: loss and g_b start at 0, and g_b·(1/1) is exact
        let data_loss = 0.0f64 + s as f64 * l[0] as f64;
        let a = dz[0] * s;
        let gb = if model.fit_intercept { 0.0 + a } else { 0.0 };
        let penalty = regularization::penalty(w, l2, l1);
        let next = rows.get(j + 1).map_or(x, |&n| data.row(n as usize));
        // Row j + 1 is read in this row's update pass; row j + 3's misses are started here,
        // two rows' work ahead of its use (logistic 100 000 × 256 shuffled: 1.1–1.2×, × 1024:
        // 1.35×; a distance of 2 or 4 did as well). Not for short rows, whose few lines the
        // pass's own loads already have in flight together (d = 128: no gain; d = 32: 3–15 %
        // slower), and not for a row that follows the one before it in memory, which the
        // hardware's prefetcher brings (touching it cost 30 % in storage order).
        if let (true, Some(&far), Some(&before)) = (touch, rows.get(j + 3), rows.get(j + 2)) {
            if far != before.wrapping_add(1) {
                kernels::touch_lines(data.row(far as usize));
            }
        }
        dot = kernels::sgd_step_dot::<L2>(a, x, model.l2, -lr, w, next);
        b[0] += -lr * gb;
        let loss = data_loss + 1.0 * penalty;
        run.rows += 1;
        // judged in float32, as in Trainer::run_batches
        if !(loss as f32).is_finite() {
            run.finite = false;
            break;
        }
        run.loss_sum += loss;
    }
    run
}

/// `single_rows` for any number of outputs (softmax regression): the same two passes per
/// output, with the scores and derivatives in `scratch` (column 0) as in `gradient_block`.
#[inline(never)]
fn single_rows_outputs<const L2: bool>(
    model: &Model,
    data: &Dataset,
    rows: &[u32],
    learning_rates: &[f32],
    (l2, l1): (f64, f64),
    params: &mut [f32],
    scratch: &mut Scratch,
) -> SingleRowRun {
    let mut run = SingleRowRun {
        loss_sum: 0.0,
        rows: 0,
        finite: true,
    };
    let Some(&first) = rows.first() else {
        return run;
    };
    let d = model.n_features;
    let Scratch { z, dz, .. } = scratch;
    let (w, b) = params.split_at_mut(model.n_weights());
    // z[c][0] holds W_c·x of the row about to be used; its intercept is added at its turn
    let x0 = data.row(first as usize);
    for (zc, wc) in z.iter_mut().zip(w.chunks_exact(d)) {
        zc[0] = kernels::dot(wc, x0);
    }
    let touch = d >= TOUCH_MIN_FEATURES;
    for (j, (&r, &lr)) in rows.iter().zip(learning_rates).enumerate() {
        let r = r as usize;
        let x = data.row(r);
        for (zc, bc) in z.iter_mut().zip(b.iter()) {
            zc[0] += *bc;
        }
        let losses = block_losses::<1>(model.objective, z, &[data.target(r)], dz);
        let s = data.weight(r);
        let data_loss = 0.0f64 + s as f64 * losses[0] as f64;
        let penalty = regularization::penalty(w, l2, l1);
        let next = rows.get(j + 1).map_or(x, |&n| data.row(n as usize));
        // as in `single_rows`
        if let (true, Some(&far), Some(&before)) = (touch, rows.get(j + 3), rows.get(j + 2)) {
            if far != before.wrapping_add(1) {
                kernels::touch_lines(data.row(far as usize));
            }
        }
        for (((zc, dc), wc), bc) in z
            .iter_mut()
            .zip(dz.iter())
            .zip(w.chunks_exact_mut(d))
            .zip(b.iter_mut())
        {
            let a = dc[0] * s;
            let gb = if model.fit_intercept { 0.0 + a } else { 0.0 };
            zc[0] = kernels::sgd_step_dot::<L2>(a, x, model.l2, -lr, wc, next);
            *bc += -lr * gb;
        }
        let loss = data_loss + 1.0 * penalty;
        run.rows += 1;
        // judged in float32, as in Trainer::run_batches
        if !(loss as f32).is_finite() {
            run.finite = false;
            break;
        }
        run.loss_sum += loss;
    }
    run
}

/// Step 1 of an update: writes g_W = (1/b)·Σ s_i·∂ℓ_i/∂z_i·x_iᵀ + l2·W and
/// g_b = (1/b)·Σ s_i·∂ℓ_i/∂z_i (0 without an intercept) into `grad`, with b = batch.len();
/// returns Σ s_i·ℓ_i at `params` (no penalty). `batch` holds valid, non-empty row indices.
pub fn batch_gradient(
    model: &Model,
    data: &Dataset,
    batch: &[u32],
    params: &[f32],
    grad: &mut [f32],
    scratch: &mut Scratch,
) -> f64 {
    let loss = batch_sums(model, data, batch, params, grad, scratch);
    finish_gradient(model, batch.len(), params, grad);
    loss
}

/// The sums of step 1 over `rows` (any part of a batch): overwrites `grad` with
/// Σ s_i·∂ℓ_i/∂z_i·x_iᵀ and Σ s_i·∂ℓ_i/∂z_i, returns Σ s_i·ℓ_i. A batch split into parts
/// (team.rs) adds the parts' sums in a fixed order before `finish_gradient`.
pub fn batch_sums(
    model: &Model,
    data: &Dataset,
    rows: &[u32],
    params: &[f32],
    grad: &mut [f32],
    scratch: &mut Scratch,
) -> f64 {
    grad.fill(0.0);
    if let Some(net) = scratch.net.as_deref_mut() {
        return net_sums(model, data, rows, params, grad, net);
    }
    match (model.n_outputs, model.objective) {
        (1, Objective::SquaredError) => {
            one_output_sums::<SquaredErrorLoss>(model, data, rows, params, grad)
        }
        (1, Objective::LogLoss) => one_output_sums::<LogLoss>(model, data, rows, params, grad),
        _ => {
            let mut loss = 0.0f64;
            let mut blocks = rows.chunks_exact(BLOCK_ROWS);
            for ids in &mut blocks {
                let ids: [usize; BLOCK_ROWS] = std::array::from_fn(|j| ids[j] as usize);
                loss += gradient_block(model, data, ids, params, grad, scratch);
            }
            for &r in blocks.remainder() {
                loss += gradient_block(model, data, [r as usize], params, grad, scratch);
            }
            loss
        }
    }
}

/// Turns the sums of a batch of `b` rows into the mean gradient plus l2·W (the intercepts' part
/// is 0 without an intercept).
pub fn finish_gradient(model: &Model, b: usize, params: &[f32], grad: &mut [f32]) {
    let inv_b = 1.0 / b as f32;
    let n_weights = model.n_weights();
    let (gw, gb) = grad.split_at_mut(n_weights);
    kernels::scale_add(inv_b, gw, model.l2, &params[..n_weights]);
    for g in gb {
        *g = if model.fit_intercept { *g * inv_b } else { 0.0 };
    }
}

/// Sums over a dataset at the current parameters, in f64 (ts/engine/types.ts `Evaluation`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Evaluation {
    /// Σ s_i·ℓ_i (no penalty).
    pub loss_sum: f64,
    /// Σ s_i.
    pub weight_sum: f64,
    /// Classifiers: Σ s_i over rows predicted right; squaredError: Σ s_i·(z_i − y_i)².
    pub metric_sum: f64,
}

fn evaluate_block<const R: usize>(
    model: &Model,
    data: &Dataset,
    first: usize,
    params: &[f32],
    scratch: &mut Scratch,
    sums: &mut Evaluation,
) {
    let rows: [&[f32]; R] = std::array::from_fn(|j| data.row(first + j));
    let Scratch { z, dz, .. } = scratch;
    scores(model, params, &rows, z);
    let ys: [f32; R] = std::array::from_fn(|j| data.target(first + j));
    let losses = block_losses(model.objective, z, &ys, dz);
    for j in 0..R {
        let r = first + j;
        let (y, s) = (ys[j], data.weight(r) as f64);
        sums.loss_sum += s * losses[j] as f64;
        sums.weight_sum += s;
        sums.metric_sum += match model.objective {
            Objective::SquaredError => {
                let e = z[0][j] as f64 - y as f64;
                s * e * e
            }
            Objective::LogLoss => {
                if (z[0][j] > 0.0) == (y == 1.0) {
                    s
                } else {
                    0.0
                }
            }
            Objective::CrossEntropy => {
                // the first argmax, as numpy's and PyTorch's argmax
                let mut best = 0;
                for (c, zc) in z.iter().enumerate() {
                    if zc[j] > z[best][j] {
                        best = c;
                    }
                }
                if best as f32 == y {
                    s
                } else {
                    0.0
                }
            }
        };
    }
}

/// Loss, weight and metric sums over every row of `data` at `params`.
pub fn evaluate(
    model: &Model,
    data: &Dataset,
    params: &[f32],
    scratch: &mut Scratch,
) -> Evaluation {
    if let Some(net) = scratch.net.as_deref_mut() {
        return net_evaluate(model, data, params, net);
    }
    let mut sums = Evaluation::default();
    let rows = data.rows();
    let mut first = 0;
    while first + BLOCK_ROWS <= rows {
        evaluate_block::<BLOCK_ROWS>(model, data, first, params, scratch, &mut sums);
        first += BLOCK_ROWS;
    }
    while first < rows {
        evaluate_block::<1>(model, data, first, params, scratch, &mut sums);
        first += 1;
    }
    sums
}

// ---- the stack path (networks) ------------------------------------------------------------
//
// A hidden layer, or squaredError with several outputs, takes this path. The rows of a batch go
// in blocks of up to NET_BLOCK: the block's feature rows are gathered once into a contiguous
// matrix, then the forward pass runs layer by layer over the whole block (dense::forward, then
// the activation), the objective gives each row's loss and s·∂ℓ/∂z of the output layer, and the
// backward pass goes down the stack (dense::weight_gradient and the intercepts' sums into the
// gradient, dense::input_gradient and the activation's derivative into the layer below). Every
// matrix of the block is row-major, rows × units, as the features are. The blocks of a batch
// are taken in order, and each kernel adds in a fixed order, so the sums are the same on repeat.

/// Rows per block of the stack path: enough rows for the kernels' register tiles to reuse each
/// weight many times, few enough that the block's matrices stay small for any batch size.
pub const NET_BLOCK: usize = 64;

/// Where a layer of the stack lies in θ, with its shape.
#[derive(Clone, Copy, Debug)]
struct Placed {
    dense: Dense,
    /// Start of its W in θ.
    w: usize,
    /// Start of its b in θ.
    b: usize,
}

/// The stack path's buffers, for blocks of up to NET_BLOCK rows.
#[derive(Clone, Debug)]
pub struct NetScratch {
    layers: Vec<Placed>,
    /// The block's feature rows, gathered (rows × n_features).
    x: Vec<f32>,
    /// Each layer's output (rows × outputs): a = f(z) of a hidden layer (its activation applied
    /// in place; f' is computed from a, activation::backprop), z of the output layer.
    a: Vec<Vec<f32>>,
    /// δ of the layer being differentiated, and the one below it (rows × widest layer).
    delta: Vec<f32>,
    below: Vec<f32>,
}

impl NetScratch {
    fn new(model: &Model) -> Result<Self, CoreError> {
        let layers: Vec<Placed> = model
            .dense_layers()
            .enumerate()
            .map(|(l, dense)| Placed {
                dense,
                w: model.weights(l).start,
                b: model.intercepts(l).start,
            })
            .collect();
        let block = |units: usize| try_filled(NET_BLOCK.saturating_mul(units), 0.0);
        let a = layers
            .iter()
            .map(|p| block(p.dense.outputs))
            .collect::<Result<_, _>>()?;
        Ok(NetScratch {
            x: block(model.n_features)?,
            a,
            delta: block(model.widest())?,
            below: block(model.widest())?,
            layers,
        })
    }

    /// The forward pass of `r` rows (row-major in `x`, r × n_features): each layer's output.
    #[inline(never)]
    fn forward(&mut self, params: &[f32], x: &[f32], r: usize) {
        let NetScratch { layers, a, .. } = self;
        let last = layers.len() - 1;
        for (l, p) in layers.iter().enumerate() {
            let Dense {
                inputs,
                outputs,
                activation,
            } = p.dense;
            let w = &params[p.w..p.w + inputs * outputs];
            let b = &params[p.b..p.b + outputs];
            let (below, here) = a.split_at_mut(l);
            let input = if l == 0 {
                &x[..r * inputs]
            } else {
                &below[l - 1][..r * inputs]
            };
            let za = &mut here[0][..r * outputs];
            dense::forward(input, r, inputs, w, outputs, Some(b), za);
            if l < last {
                activation::apply_in_place(activation, za);
            }
        }
    }

    /// The backward pass of the `r` rows of the last forward pass, with `delta` holding
    /// s·∂ℓ/∂z of the output layer: adds ∂/∂Wˡ and (with an intercept) ∂/∂bˡ of every layer to
    /// `grad`.
    fn backward(
        &mut self,
        params: &[f32],
        x: &[f32],
        r: usize,
        fit_intercept: bool,
        grad: &mut [f32],
    ) {
        let NetScratch {
            layers,
            a,
            delta,
            below,
            ..
        } = self;
        let (gw, gb) = grad.split_at_mut(layers[0].b);
        for (l, p) in layers.iter().enumerate().rev() {
            let Dense {
                inputs, outputs, ..
            } = p.dense;
            let d = &delta[..r * outputs];
            let input = if l == 0 {
                &x[..r * inputs]
            } else {
                &a[l - 1][..r * inputs]
            };
            let b = p.b - layers[0].b;
            dense::weight_gradient(
                d,
                input,
                r,
                outputs,
                inputs,
                &mut gw[p.w..p.w + inputs * outputs],
                fit_intercept.then(|| &mut gb[b..b + outputs]),
            );
            if l > 0 {
                let w = &params[p.w..p.w + inputs * outputs];
                let back = &mut below[..r * inputs];
                dense::input_gradient(d, r, outputs, w, inputs, back);
                // f' from a alone (relu and leakyRelu: a > 0 ⇔ z > 0)
                let act = layers[l - 1].dense.activation;
                let a = &a[l - 1][..r * inputs];
                activation::backprop(act, a, a, back);
                std::mem::swap(delta, below);
            }
        }
    }
}

/// `batch_sums` of a network: the sums of step 1 over `rows`, block by block (see above).
fn net_sums(
    model: &Model,
    data: &Dataset,
    rows: &[u32],
    params: &[f32],
    grad: &mut [f32],
    net: &mut NetScratch,
) -> f64 {
    let d = model.n_features;
    let mut loss = 0.0f64;
    let mut x = std::mem::take(&mut net.x);
    for ids in rows.chunks(NET_BLOCK) {
        let r = ids.len();
        for (dst, &id) in x.chunks_exact_mut(d).zip(ids) {
            dst.copy_from_slice(data.row(id as usize));
        }
        net.forward(params, &x, r);
        loss += net.output_losses(model.objective, data, Some(ids), 0, r, true);
        net.backward(params, &x, r, model.fit_intercept, grad);
    }
    net.x = x;
    loss
}

impl NetScratch {
    /// Σ s_j·ℓ_j over the `r` rows of the last forward pass: rows `ids` of `data` in order, or,
    /// without `ids`, the rows from `first` on. With `weighted_derivative`, s_j·∂ℓ_j/∂z of the
    /// output layer goes to `delta` (without, ∂ℓ_j/∂z is left there unweighted and unused).
    #[inline(never)]
    fn output_losses(
        &mut self,
        objective: Objective,
        data: &Dataset,
        ids: Option<&[u32]>,
        first: usize,
        r: usize,
        weighted_derivative: bool,
    ) -> f64 {
        let NetScratch {
            layers, a, delta, ..
        } = self;
        let k = layers[layers.len() - 1].dense.outputs;
        let z = &a[layers.len() - 1];
        let mut loss = 0.0f64;
        for j in 0..r {
            let id = ids.map_or(first + j, |ids| ids[j] as usize);
            let s = data.weight(id);
            let dz = &mut delta[j * k..(j + 1) * k];
            let l = output_loss(objective, &z[j * k..(j + 1) * k], data.targets(id), dz);
            loss += s as f64 * l as f64;
            if weighted_derivative {
                for v in dz.iter_mut() {
                    *v *= s;
                }
            }
        }
        loss
    }
}

/// `evaluate` of a network: blocks of NET_BLOCK consecutive rows, read in place.
fn net_evaluate(model: &Model, data: &Dataset, params: &[f32], net: &mut NetScratch) -> Evaluation {
    let k = model.n_outputs;
    let last = net.layers.len() - 1;
    let mut sums = Evaluation::default();
    let rows = data.rows();
    let mut first = 0;
    while first < rows {
        let r = NET_BLOCK.min(rows - first);
        net.forward(params, data.rows_slice(first, first + r), r);
        sums.loss_sum += net.output_losses(model.objective, data, None, first, r, false);
        for j in 0..r {
            let id = first + j;
            let s = data.weight(id) as f64;
            sums.weight_sum += s;
            sums.metric_sum += s * metric(
                model.objective,
                &net.a[last][j * k..(j + 1) * k],
                data.targets(id),
            );
        }
        first += r;
    }
    sums
}

/// A row's term of the evaluation metric (see `Evaluation`), before its weight: 1 or 0 when a
/// classifier predicts it right or wrong, Σ_j (z_j − y_j)² for squaredError.
fn metric(objective: Objective, z: &[f32], y: &[f32]) -> f64 {
    match objective {
        Objective::SquaredError => z
            .iter()
            .zip(y)
            .map(|(&z, &y)| {
                let e = z as f64 - y as f64;
                e * e
            })
            .sum(),
        Objective::LogLoss => ((z[0] > 0.0) == (y[0] == 1.0)) as u8 as f64,
        Objective::CrossEntropy => {
            // the first argmax, as numpy's and PyTorch's argmax
            let mut best = 0;
            for (c, &zc) in z.iter().enumerate() {
                if zc > z[best] {
                    best = c;
                }
            }
            (best as f32 == y[0]) as u8 as f64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three classes, two features, eleven rows (a block of 8 and a remainder of 3).
    fn softmax_problem(weights: Option<Vec<f32>>) -> (Model, Dataset, Vec<f32>) {
        let n = 11;
        let x: Vec<f32> = (0..n * 2)
            .map(|i| ((i * 7 % 13) as f32 - 6.0) / 4.0)
            .collect();
        let y: Vec<f32> = (0..n).map(|i| (i % 3) as f32).collect();
        let model = Model {
            hidden: Vec::new(),
            objective: Objective::CrossEntropy,
            n_features: 2,
            n_outputs: 3,
            l2: 0.0,
            fit_intercept: true,
        };
        let data = Dataset::new("train", model.objective, 2, 3, x, y, weights).unwrap();
        let params = vec![0.3, -0.2, 0.1, 0.4, -0.5, 0.25, 0.05, -0.1, 0.2];
        (model, data, params)
    }

    /// J(θ) = (1/b)·Σ s_i·ℓ_i in f64 at θ, straight from the definition.
    fn mean_loss_f64(data: &Dataset, batch: &[u32], theta: &[f64]) -> f64 {
        let (d, k) = (2, 3);
        let mut total = 0.0;
        for &r in batch {
            let x = data.row(r as usize);
            let z: Vec<f64> = (0..k)
                .map(|c| {
                    theta[k * d + c] + (0..d).map(|j| theta[c * d + j] * x[j] as f64).sum::<f64>()
                })
                .collect();
            let m = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let lse = m + z.iter().map(|v| (v - m).exp()).sum::<f64>().ln();
            let y = data.target(r as usize) as usize;
            total += data.weight(r as usize) as f64 * (lse - z[y]);
        }
        total / batch.len() as f64
    }

    #[test]
    fn a_linear_model_is_one_identity_layer_with_weights_then_intercepts() {
        let model = Model {
            hidden: Vec::new(),
            objective: Objective::CrossEntropy,
            n_features: 5,
            n_outputs: 3,
            l2: 0.0,
            fit_intercept: true,
        };
        let [layer] = model.layers()[..] else {
            panic!("one layer")
        };
        assert_eq!((layer.inputs, layer.outputs), (5, 3));
        assert_eq!(layer.activation.name(), "identity");
        assert_eq!(model.weights(0), 0..15);
        assert_eq!(model.intercepts(0), 15..18);
        assert_eq!(model.penalized(), 0..15);
        assert_eq!(model.n_params(), 18);
    }

    #[test]
    fn cross_entropy_batch_gradient_matches_finite_differences_of_the_mean_loss() {
        for weights in [None, Some((0..11).map(|i| 0.25 * (i % 4) as f32).collect())] {
            let (model, data, params) = softmax_problem(weights);
            let batch: Vec<u32> = vec![3, 0, 10, 7, 1, 9, 4, 2, 8, 6, 5];
            let mut grad = vec![0.0; model.n_params()];
            let mut scratch = Scratch::new(&model).unwrap();
            let loss = batch_gradient(&model, &data, &batch, &params, &mut grad, &mut scratch);
            let theta: Vec<f64> = params.iter().map(|&v| v as f64).collect();
            let want_loss = mean_loss_f64(&data, &batch, &theta) * batch.len() as f64;
            assert!((loss - want_loss).abs() < 1e-5, "{loss} vs {want_loss}");
            let h = 1e-6;
            for i in 0..theta.len() {
                let (mut up, mut down) = (theta.clone(), theta.clone());
                up[i] += h;
                down[i] -= h;
                let fd = (mean_loss_f64(&data, &batch, &up) - mean_loss_f64(&data, &batch, &down))
                    / (2.0 * h);
                assert!(
                    (grad[i] as f64 - fd).abs() < 2e-6,
                    "θ[{i}]: {} vs {fd}",
                    grad[i]
                );
            }
        }
    }

    #[test]
    fn the_one_output_path_gives_the_bits_of_the_general_path() {
        for objective in [Objective::SquaredError, Objective::LogLoss] {
            let model = Model {
                hidden: Vec::new(),
                objective,
                n_features: 5,
                n_outputs: 1,
                l2: 0.0,
                fit_intercept: true,
            };
            let x: Vec<f32> = (0..9 * 5)
                .map(|i| ((i * 11 % 17) as f32 - 8.0) / 5.0)
                .collect();
            let y: Vec<f32> = (0..9).map(|i| (i % 2) as f32).collect();
            let w: Vec<f32> = (0..9).map(|i| 0.5 + 0.25 * (i % 3) as f32).collect();
            let data = Dataset::new("train", objective, 5, 1, x, y, Some(w)).unwrap();
            let params = [0.3f32, -0.7, 0.2, 0.9, -0.1, 0.15];
            let mut scratch = Scratch::new(&model).unwrap();
            let ids: [usize; BLOCK_ROWS] = [8, 1, 6, 3, 0, 7, 2, 5];
            let (mut g1, mut g2) = (vec![0.0f32; 6], vec![0.0f32; 6]);
            let l1 = one_output_block(objective, &model, &data, ids, &params, &mut g1);
            let l2 = gradient_block(&model, &data, ids, &params, &mut g2, &mut scratch);
            let l1 = l1 + one_output_block(objective, &model, &data, [4], &params, &mut g1);
            let l2 = l2 + gradient_block(&model, &data, [4], &params, &mut g2, &mut scratch);
            assert_eq!(l1.to_bits(), l2.to_bits(), "{objective:?}");
            assert_eq!(
                g1.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                g2.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                "{objective:?}"
            );
        }
    }

    /// 11 rows of 2 features and 3 classes: with weight `w` on row `r` (1 elsewhere), and unweighted.
    fn weighted_and_plain(model: &Model, r: usize, w: f32) -> (Dataset, Dataset) {
        let x: Vec<f32> = (0..22).map(|i| ((i * 7 % 13) as f32 - 6.0) / 4.0).collect();
        let y: Vec<f32> = (0..11).map(|i| (i % 3) as f32).collect();
        let mut weights = vec![1.0f32; 11];
        weights[r] = w;
        let data = |weights| {
            Dataset::new(
                "train",
                model.objective,
                2,
                3,
                x.clone(),
                y.clone(),
                weights,
            )
        };
        (data(Some(weights)).unwrap(), data(None).unwrap())
    }

    #[test]
    fn a_weight_of_two_is_the_row_counted_twice_in_the_gradient_sum() {
        let (model, _, params) = softmax_problem(None);
        let (weighted, plain) = weighted_and_plain(&model, 4, 2.0);
        let mut scratch = Scratch::new(&model).unwrap();
        let batch: Vec<u32> = (0..11).collect();
        let mut dup = batch.clone();
        dup.push(4);
        let (mut g1, mut g2) = (vec![0.0; 9], vec![0.0; 9]);
        let l1 = batch_gradient(&model, &weighted, &batch, &params, &mut g1, &mut scratch);
        let l2 = batch_gradient(&model, &plain, &dup, &params, &mut g2, &mut scratch);
        assert!((l1 - l2).abs() < 1e-6 * l2.abs());
        for i in 0..9 {
            // the sums agree; the means differ by their denominators (11 rows vs 12)
            let (s1, s2) = (g1[i] as f64 * 11.0, g2[i] as f64 * 12.0);
            assert!(
                (s1 - s2).abs() <= 1e-6 * s2.abs().max(1e-3),
                "{i}: {s1} vs {s2}"
            );
        }
    }

    #[test]
    fn a_zero_weight_removes_the_row_from_the_gradient_sum() {
        let (model, _, params) = softmax_problem(None);
        let (weighted, plain) = weighted_and_plain(&model, 10, 0.0);
        let mut scratch = Scratch::new(&model).unwrap();
        let (mut g1, mut g2) = (vec![0.0; 9], vec![0.0; 9]);
        let all: Vec<u32> = (0..11).collect();
        batch_gradient(&model, &weighted, &all, &params, &mut g1, &mut scratch);
        batch_gradient(&model, &plain, &all[..10], &params, &mut g2, &mut scratch);
        for i in 0..9 {
            let (s1, s2) = (g1[i] as f64 * 11.0, g2[i] as f64 * 10.0);
            assert!(
                (s1 - s2).abs() <= 1e-6 * s2.abs().max(1e-3),
                "{i}: {s1} vs {s2}"
            );
        }
    }

    #[test]
    fn evaluation_sums_loss_weight_and_first_argmax_accuracy() {
        let w: Vec<f32> = (0..11).map(|i| 0.5 + (i % 2) as f32).collect();
        let (model, data, params) = softmax_problem(Some(w.clone()));
        let mut scratch = Scratch::new(&model).unwrap();
        let e = evaluate(&model, &data, &params, &mut scratch);
        let all: Vec<u32> = (0..11).collect();
        let theta: Vec<f64> = params.iter().map(|&v| v as f64).collect();
        let want_loss = mean_loss_f64(&data, &all, &theta) * 11.0;
        assert!((e.loss_sum - want_loss).abs() < 1e-5);
        assert_eq!(e.weight_sum, w.iter().map(|&v| v as f64).sum::<f64>());
        let mut right = 0.0;
        for (r, &wr) in w.iter().enumerate() {
            let x = data.row(r);
            let z: Vec<f32> = (0..3)
                .map(|c| params[6 + c] + params[2 * c] * x[0] + params[2 * c + 1] * x[1])
                .collect();
            let best = (0..3).fold(0, |b, c| if z[c] > z[b] { c } else { b });
            if best as f32 == data.target(r) {
                right += wr as f64;
            }
        }
        assert_eq!(e.metric_sum, right);
    }

    #[test]
    fn evaluation_metrics_of_the_one_output_objectives() {
        let x = vec![1.0f32, -1.0, 2.0];
        let model = |objective| Model {
            hidden: Vec::new(),
            objective,
            n_features: 1,
            n_outputs: 1,
            l2: 0.0,
            fit_intercept: true,
        };
        let params = [1.0f32, 0.5];
        // logLoss: z = [1.5, −0.5, 2.5] and y = [1, 1, 0]: only row 0 is predicted right
        let m = model(Objective::LogLoss);
        let data = Dataset::new(
            "train",
            m.objective,
            1,
            1,
            x.clone(),
            vec![1.0, 1.0, 0.0],
            None,
        )
        .unwrap();
        let e = evaluate(&m, &data, &params, &mut Scratch::new(&m).unwrap());
        assert_eq!((e.weight_sum, e.metric_sum), (3.0, 1.0));
        // squaredError: residuals z − y = [1.5 − 1, −0.5 − 0, 2.5 − 3]
        let m = model(Objective::SquaredError);
        let data = Dataset::new("train", m.objective, 1, 1, x, vec![1.0, 0.0, 3.0], None).unwrap();
        let e = evaluate(&m, &data, &params, &mut Scratch::new(&m).unwrap());
        assert_eq!(e.metric_sum, 0.25 + 0.25 + 0.25);
        assert_eq!(e.loss_sum, 0.375);
    }
}
