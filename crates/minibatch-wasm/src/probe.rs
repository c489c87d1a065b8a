//! Benchmark probes (bench/kernels.ts), not used by the package: the machine's f32x4
//! multiply-add peak in registers, and the dense-layer products run in a loop on internal
//! buffers, so that JavaScript can time them with one call each.

use minibatch_core::dense;
use minibatch_core::lanes::F32x4;
use wasm_bindgen::prelude::*;

/// Independent accumulators of the peak loop: enough to hide the latency of a multiply then an
/// add, few enough to stay in x64's 16 vector registers with the two constants. (Measured on
/// the bench machine, Node 20: 6, 8, 12, 14 and 16 accumulators gave 26, 30, 39, 36 and 38
/// GFLOP/s; acc ← acc + x_i·y with one x_i per accumulator, 12–16 of them, spills: 10–24.)
const PEAK_ACCUMULATORS: usize = 12;

/// `iterations` × 12 f32x4 multiply-adds (acc ← acc·m + c: one multiply and one add, 8 flops)
/// on 12 independent accumulators held in registers; returns their sum (so nothing is left
/// out). Flops = iterations · 12 · 8.
#[wasm_bindgen(js_name = probePeak)]
pub fn probe_peak(iterations: u32) -> f32 {
    let m = F32x4::splat(core::hint::black_box(0.999));
    let c = F32x4::splat(core::hint::black_box(1.0e-3));
    let mut acc: [F32x4; PEAK_ACCUMULATORS] =
        std::array::from_fn(|i| F32x4::splat(core::hint::black_box(i as f32 * 0.01)));
    for _ in 0..iterations {
        for a in acc.iter_mut() {
            *a = *a * m + c;
        }
    }
    acc.iter().fold(F32x4::zero(), |s, &a| s + a).sum()
}

/// Deterministic values in [−1, 1).
fn fill(v: &mut [f32], seed: u32) {
    let mut s = seed.wrapping_mul(2_654_435_761).max(1);
    for x in v {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        *x = (s >> 8) as f32 / (1u32 << 23) as f32 - 1.0;
    }
}

/// The buffers of one layer, kept between calls (so that a call times the products only).
struct Layer {
    shape: (usize, usize, usize),
    a: Vec<f32>,
    w: Vec<f32>,
    b: Vec<f32>,
    d: Vec<f32>,
    z: Vec<f32>,
    gw: Vec<f32>,
    gb: Vec<f32>,
    da: Vec<f32>,
}

impl Layer {
    fn new(m: usize, kk: usize, n: usize) -> Layer {
        let mut l = Layer {
            shape: (m, kk, n),
            a: vec![0.0; m * kk],
            w: vec![0.0; n * kk],
            b: vec![0.0; n],
            d: vec![0.0; m * n],
            z: vec![0.0; m * n],
            gw: vec![0.0; n * kk],
            gb: vec![0.0; n],
            da: vec![0.0; m * kk],
        };
        fill(&mut l.a, 1);
        fill(&mut l.w, 2);
        fill(&mut l.b, 3);
        fill(&mut l.d, 4);
        for v in &mut l.d {
            *v *= 1e-3;
        }
        l
    }
}

thread_local! {
    /// The layers of the last few shapes asked for.
    static LAYERS: std::cell::RefCell<Vec<Layer>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Runs `reps` times the products picked by the bits of `which` (1 forward, 2 weight_gradient
/// with the intercepts, 4 input_gradient) of a layer kk → n on a batch of m rows, on buffers
/// kept from the previous call of the same shape; returns a checksum. Flops per rep: 2·m·kk·n
/// per product (plus m·n for the bias and the intercepts).
#[wasm_bindgen(js_name = probeProducts)]
pub fn probe_products(which: u32, m: u32, kk: u32, n: u32, reps: u32) -> f32 {
    let shape = (m as usize, kk as usize, n as usize);
    let (m, kk, n) = shape;
    LAYERS.with(|layers| {
        let mut layers = layers.borrow_mut();
        let at = match layers.iter().position(|l| l.shape == shape) {
            Some(at) => at,
            None => {
                if layers.len() >= 8 {
                    layers.remove(0);
                }
                layers.push(Layer::new(m, kk, n));
                layers.len() - 1
            }
        };
        let l = &mut layers[at];
        for _ in 0..reps {
            if which & 1 != 0 {
                dense::forward(&l.a, m, kk, &l.w, n, Some(&l.b), &mut l.z);
            }
            if which & 2 != 0 {
                dense::weight_gradient(&l.d, &l.a, m, n, kk, &mut l.gw, Some(&mut l.gb));
            }
            if which & 4 != 0 {
                dense::input_gradient(&l.d, m, n, &l.w, kk, &mut l.da);
            }
        }
        let sum = |v: &[f32]| v.iter().sum::<f32>();
        sum(&l.z) + sum(&l.gw) + sum(&l.gb) + sum(&l.da)
    })
}

/// forward + weight_gradient + input_gradient of a layer kk → n on m rows, `reps` times.
#[wasm_bindgen(js_name = probeDense)]
pub fn probe_dense(m: u32, kk: u32, n: u32, reps: u32) -> f32 {
    probe_products(7, m, kk, n, reps)
}

/// Runs `reps` times `activation::apply`, a fill of delta and `activation::backprop` of the
/// activation `Activation::NAMES[act]` over `len` values (z in [−4, 4)); returns a checksum. NaN
/// when `act` is out of range.
#[wasm_bindgen(js_name = probeActivation)]
pub fn probe_activation(act: u32, len: u32, reps: u32) -> f32 {
    use minibatch_core::activation::{apply, backprop, Activation};
    let Some(&(act, _)) = Activation::NAMES.get(act as usize) else {
        return f32::NAN;
    };
    let len = len as usize;
    let mut z = vec![0.0f32; len];
    fill(&mut z, 5);
    for v in &mut z {
        *v *= 4.0;
    }
    let mut a = vec![0.0f32; len];
    let mut delta = vec![0.0f32; len];
    let mut check = 0.0f32;
    for _ in 0..reps {
        apply(act, &z, &mut a);
        delta.fill(0.5);
        backprop(act, &z, &a, &mut delta);
        check += delta[len / 2];
    }
    check + a.iter().sum::<f32>()
}
