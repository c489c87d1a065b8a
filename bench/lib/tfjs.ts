/**
 * TF.js as the peer (issue 5), with its wasm backend (the SIMD build; in Node TF.js never takes
 * its threaded build, so it runs on one thread like minibatch does today) and its cpu backend
 * (plain JavaScript). Loaded on first use only: a run without TF.js systems does not pay for it.
 *
 *   fit   what a TF.js user writes: tf.sequential with one dense layer (identity, sigmoid or
 *         softmax activation, zero-initialized), model.compile with the optimizer and the loss
 *         (½·MSE as a custom loss, 'binaryCrossentropy', 'categoricalCrossentropy' on one-hot
 *         targets), model.fit with shuffle: true. Epoch times from onEpochBegin/onEpochEnd.
 *   loop  the fastest hand-written loop we found: a seeded shuffle per epoch; per batch the rows
 *         gathered in JavaScript into reused buffers, uploaded as two tensors, and a tf.tidy with
 *         the forward pass, the gradient written out (∂J/∂z = (p − y)/b for all three models: their losses are the
 *         canonical ones of their links; ∂J/∂W = Xᵀ·∂J/∂z) and optimizer.applyGradients — no
 *         tape, no loss computation, no per-batch reads back to JavaScript.
 */
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import type * as TF from '@tensorflow/tfjs';
import { mulberry32, type Problem } from './data.js';
import { ADAM, MOMENTUM, type OptimizerKind, type RunResult, type RunSpec, type System, type SystemId } from './systems.js';

type Tf = typeof TF;
export type TfBackend = 'wasm' | 'cpu';

let loading: Promise<Tf> | null = null;

/** Imports TF.js and registers the wasm backend, its .wasm files read from node_modules. */
export function tfjs(): Promise<Tf> {
  loading ??= (async () => {
    const tf = await import('@tensorflow/tfjs');
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const require = createRequire(import.meta.url);
    const dir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
    wasm.setWasmPaths(join(dir, 'dist') + '/');
    return tf;
  })();
  return loading;
}

export async function useBackend(tf: Tf, backend: TfBackend): Promise<void> {
  if (tf.getBackend() !== backend) {
    if (!(await tf.setBackend(backend))) throw new Error(`TF.js could not initialize its ${backend} backend`);
  }
  await tf.ready();
  if (backend === 'wasm') {
    // The threaded build is never chosen in Node (tfjs-backend-wasm flags_wasm.ts); say so if that changes.
    if (tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT')) throw new Error('TF.js wasm would run threaded; the comparison assumes one thread');
    if (!tf.env().getBool('WASM_HAS_SIMD_SUPPORT')) throw new Error('TF.js wasm would run without SIMD');
  }
}

/** The TF.js version and backends, for the report. */
export async function tfjsVersion(): Promise<string> {
  const tf = await tfjs();
  return tf.version.tfjs;
}

function optimizer(tf: Tf, kind: OptimizerKind, lr: number): TF.Optimizer {
  switch (kind) {
    case 'sgd':
      return tf.train.sgd(lr);
    case 'momentum':
      // TF's momentum (accum ← μ·accum + g; θ ← θ − lr·accum) is PyTorch's with dampening 0.
      return tf.train.momentum(lr, MOMENTUM, false);
    case 'adam':
      return tf.train.adam(lr, ADAM.beta1, ADAM.beta2, ADAM.eps);
  }
}

/** Targets as a [n, k] float tensor: the values, the 0/1 labels, or one-hot classes. */
function targets(tf: Tf, p: Problem): TF.Tensor2D {
  if (p.kind !== 'softmax') return tf.tensor2d(p.y, [p.n, 1]);
  return tf.tidy(() => tf.oneHot(tf.tensor1d(Int32Array.from(p.y), 'int32'), p.k).toFloat() as TF.Tensor2D);
}

/** Targets as n rows of k floats (one-hot classes for softmax), for a loop that gathers rows itself. */
function targetRows(p: Problem): Float32Array {
  if (p.kind !== 'softmax') return p.y;
  const Y = new Float32Array(p.n * p.k);
  for (let i = 0; i < p.n; i++) Y[i * p.k + p.y[i]] = 1;
  return Y;
}

/** Kernel [d, k] and bias [k] of TF.js into the suite's W (k × d, row-major) and b. */
function params(kernel: Float32Array, bias: Float32Array, d: number, k: number): RunResult['params'] {
  const W = new Float32Array(k * d);
  for (let j = 0; j < d; j++) for (let c = 0; c < k; c++) W[c * d + j] = kernel[j * k + c];
  return { W, b: Float32Array.from(bias) };
}

class TfFit implements System {
  readonly id: SystemId;
  readonly label: string;

  constructor(private readonly backend: TfBackend) {
    this.id = `tfjs-${backend}-fit`;
    this.label = `TF.js ${backend} model.fit`;
  }

  async run(spec: RunSpec): Promise<RunResult> {
    const tf = await tfjs();
    await useBackend(tf, this.backend);
    const { problem: p } = spec;
    const xs = tf.tensor2d(p.X, [p.n, p.d]);
    const ys = targets(tf, p);
    const model = tf.sequential({
      layers: [
        tf.layers.dense({
          units: p.k,
          inputShape: [p.d],
          activation: p.kind === 'linear' ? 'linear' : p.kind === 'logistic' ? 'sigmoid' : 'softmax',
          kernelInitializer: 'zeros',
          biasInitializer: 'zeros',
        }),
      ],
    });
    const opt = optimizer(tf, spec.optimizer, spec.learningRate);
    const halfMse = (yTrue: TF.Tensor, yPred: TF.Tensor): TF.Tensor => tf.mul(0.5, tf.mean(tf.square(tf.sub(yPred, yTrue)), -1));
    model.compile({
      optimizer: opt,
      loss: p.kind === 'linear' ? halfMse : p.kind === 'logistic' ? 'binaryCrossentropy' : 'categoricalCrossentropy',
    });
    try {
      const epochMs = await timedFit(model, xs, ys, spec);
      const [kernel, bias] = model.layers[0].getWeights();
      return { epochMs, params: params(kernel.dataSync() as Float32Array, bias.dataSync() as Float32Array, p.d, p.k) };
    } finally {
      model.dispose();
      opt.dispose();
      xs.dispose();
      ys.dispose();
    }
  }
}

let variableCount = 0;

class TfLoop implements System {
  readonly id: SystemId;
  readonly label: string;

  constructor(private readonly backend: TfBackend) {
    this.id = `tfjs-${backend}-loop`;
    this.label = `TF.js ${backend} hand-written loop`;
  }

  async run(spec: RunSpec): Promise<RunResult> {
    const tf = await tfjs();
    await useBackend(tf, this.backend);
    const { problem: p } = spec;
    const { n, d, k } = p;
    const id = ++variableCount;
    const W = tf.variable(tf.zeros([d, k]), true, `W${id}`);
    const b = tf.variable(tf.zeros([k]), true, `b${id}`);
    const opt = optimizer(tf, spec.optimizer, spec.learningRate);
    const Y = targetRows(p);
    try {
      const epochMs = loopEpochs(tf, { ...spec, X: p.X, Y, n, d, k }, W, (xb, yb, size) => {
        const z = tf.add(tf.matMul(xb, W), b);
        const prob = p.kind === 'linear' ? z : p.kind === 'logistic' ? tf.sigmoid(z) : tf.softmax(z);
        const dz = tf.div(tf.sub(prob, yb), size);
        opt.applyGradients({ [W.name]: tf.matMul(xb, dz, true, false), [b.name]: tf.sum(dz, 0) });
      });
      return { epochMs, params: params(W.dataSync() as Float32Array, b.dataSync() as Float32Array, d, k) };
    } finally {
      opt.dispose();
      W.dispose();
      b.dispose();
    }
  }
}

/** model.fit with shuffle: true, timed: each epoch's wall time (onEpochBegin to onEpochEnd) in milliseconds. */
export async function timedFit(model: TF.Sequential, xs: TF.Tensor, ys: TF.Tensor, spec: { batchSize: number; epochs: number }): Promise<number[]> {
  const epochMs: number[] = [];
  let t0 = 0;
  await model.fit(xs, ys, {
    batchSize: spec.batchSize,
    epochs: spec.epochs,
    shuffle: true,
    verbose: 0,
    callbacks: {
      onEpochBegin: async () => {
        t0 = performance.now();
      },
      onEpochEnd: async () => {
        epochMs.push(performance.now() - t0);
      },
    },
  });
  return epochMs;
}

/**
 * The epochs of a hand-written loop, timed: per epoch a seeded shuffle, then per batch its rows
 * gathered in JavaScript into reused buffers and uploaded as two tensors, and `step` on them, all
 * in one tf.tidy. `sync` is read at the end of every epoch (the wasm and cpu backends run
 * synchronously; this makes sure of it). Returns each epoch's wall time in milliseconds.
 */
export function loopEpochs(
  tf: Tf,
  spec: { epochs: number; batchSize: number; seed: number; X: Float32Array; Y: Float32Array; n: number; d: number; k: number },
  sync: TF.Tensor,
  step: (xb: TF.Tensor2D, yb: TF.Tensor2D, size: number) => void,
): number[] {
  const { n, d, k, X, Y, batchSize } = spec;
  const order = new Uint32Array(n);
  const xBuf = new Float32Array(batchSize * d);
  const yBuf = new Float32Array(batchSize * k);
  const rand = mulberry32(spec.seed);
  const epochMs: number[] = [];
  for (let e = 0; e < spec.epochs; e++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) order[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    for (let s = 0; s < n; s += batchSize) {
      const size = Math.min(batchSize, n - s);
      // The batch's rows gathered in JavaScript: tf.gather on the wasm backend took 1.6 ms
      // for 256 rows of 256 floats (and slicing a big tensor copies all of it), 20× more.
      for (let r = 0; r < size; r++) {
        const i = order[s + r];
        xBuf.set(X.subarray(i * d, (i + 1) * d), r * d);
        yBuf.set(Y.subarray(i * k, (i + 1) * k), r * k);
      }
      tf.tidy(() => {
        const xb = tf.tensor2d(size === batchSize ? xBuf : xBuf.subarray(0, size * d), [size, d]);
        const yb = tf.tensor2d(size === batchSize ? yBuf : yBuf.subarray(0, size * k), [size, k]);
        step(xb, yb, size);
      });
    }
    sync.dataSync();
    epochMs.push(performance.now() - t0);
  }
  return epochMs;
}

export const tfjsWasmFit: System = new TfFit('wasm');
export const tfjsWasmLoop: System = new TfLoop('wasm');
export const tfjsCpuFit: System = new TfFit('cpu');
export const tfjsCpuLoop: System = new TfLoop('cpu');

