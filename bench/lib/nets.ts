/**
 * Networks (issue 14): one hidden layer of relu units and a softmax output trained with softmax
 * cross-entropy by plain SGD, on minibatch, TF.js and brain.js, behind one interface. Each system
 * trains from its own seeded Glorot-uniform initialization (zero biases) for the same epochs,
 * batch size and learning rate over the same data, rows reshuffled every epoch, and hands back
 * its per-epoch wall times and its class probabilities on the training rows, from which the
 * final training loss is computed the same way for all (in float64).
 *
 *   minibatch-*      this package's public MLPClassifier, loaded from the built package (dist/),
 *                    init 'glorot'; only when dist/ has MLPClassifier (the networks' branches
 *                    merged), else the row says "not run"
 *   tfjs-*-fit       tf.sequential of two dense layers (relu; softmax), glorotUniform kernels and
 *                    zero biases (Keras' and TF.js's defaults), model.compile(sgd,
 *                    'categoricalCrossentropy') and model.fit with shuffle: true
 *   tfjs-wasm-loop   the same two layers as tf.variables, a seeded shuffle per epoch, each
 *                    batch's rows gathered in JavaScript and optimizer.minimize over
 *                    tf.losses.softmaxCrossEntropy (the tape computes the gradients)
 *   brainjs          brain.js 1.6.1's NeuralNetwork, its nearest equivalent: its output layer has
 *                    the hidden layers' activation and it minimizes the squared error on one-hot
 *                    targets (it has no softmax cross-entropy); activation 'leaky-relu' (slope
 *                    0.01), because a relu output layer dies on one-hot targets (8.9 % accuracy
 *                    on the small problem at lr 0.05; leaky relu costs the same); updates
 *                    after every row (no mini-batches), rows in file order (no shuffle), weights
 *                    U(±0.2) from Math.random (unseeded); momentum 1e-10 (it refuses 0). Its loss is its own
 *                    objective, so it is left out of the 1 % check; its accuracy shows it learned.
 *                    It runs 3 epochs at most (2 timed): its speed does not depend on the epochs.
 */
import { createRequire } from 'node:module';
import type * as TF from '@tensorflow/tfjs';
import type { Problem } from './data.js';
import { loopEpochs, tfjs, timedFit, useBackend, type TfBackend } from './tfjs.js';

export type NetSystemId = 'minibatch-wasm' | 'minibatch-wasm-2' | 'minibatch-js' | 'tfjs-wasm-fit' | 'tfjs-wasm-loop' | 'tfjs-cpu-fit' | 'brainjs';

export interface NetRunSpec {
  /** A softmax problem (k classes, y the class indices). */
  readonly problem: Problem;
  readonly hidden: number;
  readonly batchSize: number;
  readonly epochs: number;
  readonly learningRate: number;
  readonly seed: number;
}

export interface NetRunResult {
  readonly epochMs: number[];
  /** Probabilities (or outputs, for brain.js) on the training rows: n × k, row-major. */
  readonly outputs: Float32Array;
  /** Set when the loss is the system's own objective rather than softmax cross-entropy. */
  readonly ownLoss?: { readonly name: string; readonly value: number };
}

export interface NetSystem {
  readonly id: NetSystemId;
  readonly label: string;
  /**
   * At most this many epochs a run, whatever the configuration says (brain.js: its rate does not
   * depend on the epochs, its loss is not compared, and an epoch of the mid network takes it
   * half a minute).
   */
  readonly maxEpochs?: number;
  run(spec: NetRunSpec): Promise<NetRunResult>;
}

/**
 * Floating-point operations per training row of a d → h → k network, counted as 2 × the
 * multiply-adds of the products a step needs: forward (d·h + h·k), the weight gradients
 * (d·h + h·k) and the hidden layer's input gradient (h·k); not the input gradient of the first
 * layer (nobody needs ∂J/∂X). Counting three products for every layer, as the issue's
 * "5.7 GFLOP/s" for TF.js at 784 → 256 → 10 does, gives 1.49× these figures at that size.
 */
export function flopsPerRow(d: number, h: number, k: number): number {
  return 2 * (2 * d * h + 3 * h * k);
}

/** Mean softmax cross-entropy of class-probability rows against the labels, in float64. */
export function crossEntropy(p: Problem, probs: Float32Array): number {
  let s = 0;
  for (let i = 0; i < p.n; i++) s -= Math.log(Math.max(probs[i * p.k + p.y[i]], 1e-12));
  return s / p.n;
}

/** Fraction of the rows whose largest output is their class. */
export function accuracy(p: Problem, outputs: Float32Array): number {
  let right = 0;
  for (let i = 0; i < p.n; i++) {
    let best = 0;
    for (let c = 1; c < p.k; c++) if (outputs[i * p.k + c] > outputs[i * p.k + best]) best = c;
    if (best === p.y[i]) right++;
  }
  return right / p.n;
}

function oneHotRows(p: Problem): Float32Array {
  const Y = new Float32Array(p.n * p.k);
  for (let i = 0; i < p.n; i++) Y[i * p.k + p.y[i]] = 1;
  return Y;
}

// ---------------------------------------------------------------------------------------------
// TF.js

function dense(tf: typeof TF, units: number, activation: 'relu' | 'softmax', seed: number, inputShape?: number[]): TF.layers.Layer {
  return tf.layers.dense({
    units,
    activation,
    ...(inputShape ? { inputShape } : {}),
    kernelInitializer: tf.initializers.glorotUniform({ seed }),
    biasInitializer: 'zeros',
  });
}

class TfNetFit implements NetSystem {
  readonly id: NetSystemId;
  readonly label: string;

  constructor(private readonly backend: TfBackend) {
    this.id = `tfjs-${backend}-fit`;
    this.label = `TF.js ${backend} model.fit`;
  }

  async run(spec: NetRunSpec): Promise<NetRunResult> {
    const tf = await tfjs();
    await useBackend(tf, this.backend);
    const { problem: p } = spec;
    const xs = tf.tensor2d(p.X, [p.n, p.d]);
    const ys = tf.tensor2d(oneHotRows(p), [p.n, p.k]);
    const model = tf.sequential({ layers: [dense(tf, spec.hidden, 'relu', spec.seed, [p.d]), dense(tf, p.k, 'softmax', spec.seed + 1)] });
    const opt = tf.train.sgd(spec.learningRate);
    model.compile({ optimizer: opt, loss: 'categoricalCrossentropy' });
    try {
      const epochMs = await timedFit(model, xs, ys, spec);
      const out = tf.tidy(() => model.predict(xs, { batchSize: 1024 }) as TF.Tensor);
      const outputs = out.dataSync() as Float32Array;
      out.dispose();
      return { epochMs, outputs };
    } finally {
      model.dispose();
      opt.dispose();
      xs.dispose();
      ys.dispose();
    }
  }
}

let variableCount = 0;

class TfNetLoop implements NetSystem {
  readonly id: NetSystemId;
  readonly label: string;

  constructor(private readonly backend: TfBackend) {
    this.id = 'tfjs-wasm-loop';
    this.label = `TF.js ${backend} hand-written loop`;
  }

  async run(spec: NetRunSpec): Promise<NetRunResult> {
    const tf = await tfjs();
    await useBackend(tf, this.backend);
    const { problem: p, hidden: h } = spec;
    const { n, d, k } = p;
    const id = ++variableCount;
    const W1 = tf.variable(tf.initializers.glorotUniform({ seed: spec.seed }).apply([d, h]), true, `W1_${id}`);
    const b1 = tf.variable(tf.zeros([h]), true, `b1_${id}`);
    const W2 = tf.variable(tf.initializers.glorotUniform({ seed: spec.seed + 1 }).apply([h, k]), true, `W2_${id}`);
    const b2 = tf.variable(tf.zeros([k]), true, `b2_${id}`);
    const vars = [W1, b1, W2, b2];
    const opt = tf.train.sgd(spec.learningRate);
    const forward = (x: TF.Tensor2D): TF.Tensor2D => tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, W1), b1)), W2), b2);
    const Y = oneHotRows(p);
    try {
      const epochMs = loopEpochs(tf, { ...spec, X: p.X, Y, n, d, k }, W1, (xb, yb) => {
        opt.minimize(() => tf.losses.softmaxCrossEntropy(yb, forward(xb)) as TF.Scalar, false, vars);
      });
      const out = tf.tidy(() => tf.softmax(forward(tf.tensor2d(p.X, [n, d]))));
      const outputs = out.dataSync() as Float32Array;
      out.dispose();
      return { epochMs, outputs };
    } finally {
      opt.dispose();
      for (const v of vars) v.dispose();
    }
  }
}

export const tfjsNetSystems: readonly NetSystem[] = [new TfNetFit('wasm'), new TfNetLoop('wasm'), new TfNetFit('cpu')];

// ---------------------------------------------------------------------------------------------
// brain.js

interface BrainNet {
  train(data: { input: number[]; output: number[] }[], options: object): { error: number; iterations: number };
  run(input: number[]): ArrayLike<number>;
}

class BrainJs implements NetSystem {
  readonly id: NetSystemId = 'brainjs';
  readonly label = 'brain.js 1.6.1 NeuralNetwork (row by row)';
  readonly maxEpochs = 3;

  async run(spec: NetRunSpec): Promise<NetRunResult> {
    const require = createRequire(import.meta.url);
    const brain = require('brain.js') as { NeuralNetwork: new (o: object) => BrainNet };
    const { problem: p } = spec;
    const Y = oneHotRows(p);
    // brain.js takes plain arrays (a typed array would be read as an object of named inputs)
    const data = Array.from({ length: p.n }, (_, i) => ({
      input: Array.from(p.X.subarray(i * p.d, (i + 1) * p.d)),
      output: Array.from(Y.subarray(i * p.k, (i + 1) * p.k)),
    }));
    const net = new brain.NeuralNetwork({ hiddenLayers: [spec.hidden], activation: 'leaky-relu' });
    const stamps: number[] = [performance.now()];
    const r = net.train(data, {
      iterations: spec.epochs,
      learningRate: spec.learningRate,
      momentum: 1e-10, // it refuses 0; a normal number (no subnormal slow path) whose term is negligible
      errorThresh: 1e-12,
      timeout: Infinity,
      log: false,
      callbackPeriod: 1,
      callback: () => void stamps.push(performance.now()),
    });
    if (r.iterations !== spec.epochs) throw new Error(`brain.js ran ${r.iterations} iterations, not ${spec.epochs}`);
    const epochMs = stamps.slice(1).map((t, i) => t - stamps[i]);
    const outputs = new Float32Array(p.n * p.k);
    for (let i = 0; i < p.n; i++) outputs.set(net.run(data[i].input), i * p.k);
    return { epochMs, outputs, ownLoss: { name: 'brain.js mean squared error', value: r.error } };
  }
}

export const brainJs: NetSystem = new BrainJs();

// ---------------------------------------------------------------------------------------------
// minibatch, through the public API of the built package

interface MLPLike {
  fit(X: Float32Array, y: Float32Array, options: object): Promise<{ engine: string; threads: number; epochs: number; stopReason: string; epochTimeMs: number[] }>;
  predictProba(X: Float32Array): ArrayLike<ArrayLike<number>> | Float32Array | Float64Array;
  readonly classes: readonly unknown[];
}
type MLPCtor = new (options: object) => MLPLike;

/** The built package (dist/, two folders up from bench/lib/ and from bench/out/ alike). */
export const DIST = new URL('../../dist/index.js', import.meta.url);

/** MLPClassifier of the built package, or why it cannot be had. */
export async function loadMLPClassifier(): Promise<MLPCtor | string> {
  try {
    const mod = (await import(DIST.href)) as { MLPClassifier?: MLPCtor };
    return mod.MLPClassifier ?? 'dist/ has no MLPClassifier (build after merging the networks: npx rollup -c)';
  } catch (e) {
    return `dist/ did not load (${e instanceof Error ? e.message : String(e)}): run npm run build`;
  }
}

class MinibatchNet implements NetSystem {
  readonly id: NetSystemId;
  readonly label: string;

  constructor(
    private readonly MLP: MLPCtor,
    private readonly engine: 'wasm' | 'js',
    private readonly threads: number,
  ) {
    this.id = engine === 'js' ? 'minibatch-js' : threads > 1 ? 'minibatch-wasm-2' : 'minibatch-wasm';
    this.label = `minibatch ${engine}${engine === 'wasm' ? `, ${threads} thread${threads > 1 ? 's' : ''}` : ''}`;
  }

  async run(spec: NetRunSpec): Promise<NetRunResult> {
    const { problem: p } = spec;
    const model = new this.MLP({ hiddenLayers: [spec.hidden], activation: 'relu', l2: 0 });
    const h = await model.fit(p.X, p.y, {
      engine: this.engine,
      threads: this.threads,
      batchSize: spec.batchSize,
      maxEpochs: spec.epochs,
      tolerance: null,
      learningRate: spec.learningRate,
      optimizer: 'sgd',
      seed: spec.seed,
      init: 'glorot',
      nFeatures: p.d,
    });
    if (h.engine !== this.engine || h.threads !== this.threads) throw new Error(`asked for ${this.engine} on ${this.threads} threads, the fit ran ${h.engine} on ${h.threads}`);
    if (h.epochs !== spec.epochs || h.stopReason !== 'maxEpochs') throw new Error(`expected ${spec.epochs} epochs to maxEpochs, got ${h.epochs} (${h.stopReason})`);
    if (model.classes.some((c, i) => c !== i)) throw new Error("the model's classes are not 0..k−1 in order");
    const proba = model.predictProba(p.X);
    let outputs: Float32Array;
    if (proba instanceof Float32Array || proba instanceof Float64Array) outputs = Float32Array.from(proba);
    else {
      outputs = new Float32Array(p.n * p.k);
      for (let i = 0; i < p.n; i++) outputs.set(Array.from(proba[i]), i * p.k);
    }
    return { epochMs: h.epochTimeMs.slice(), outputs };
  }
}

/** A system that is not run, and why. */
export interface NotRun {
  readonly id: NetSystemId;
  readonly label: string;
  readonly notRun: string;
}

/**
 * minibatch wasm on 1 and 2 threads and the js engine; each "not run" (with the reason) when the
 * built package has no MLPClassifier, or when its engine does not train a tiny network (2 → 2 → 3,
 * one epoch): a build from before the networks were merged. A system that trains the tiny network
 * and then fails on the real ones is a failure.
 */
export async function minibatchNetSystems(): Promise<(NetSystem | NotRun)[]> {
  const MLP = await loadMLPClassifier();
  const all: [engine: 'wasm' | 'js', threads: number][] = [['wasm', 1], ['wasm', 2], ['js', 1]];
  const out: (NetSystem | NotRun)[] = [];
  for (const [engine, threads] of all) {
    if (typeof MLP === 'string') {
      const id: NetSystemId = engine === 'js' ? 'minibatch-js' : threads > 1 ? 'minibatch-wasm-2' : 'minibatch-wasm';
      out.push({ id, label: id, notRun: MLP });
      continue;
    }
    const sys = new MinibatchNet(MLP, engine, threads);
    try {
      const X = Float32Array.of(0, 0, 0, 1, 1, 0, 1, 1, 0.5, 0.5, 0.2, 0.8);
      const model = new MLP({ hiddenLayers: [2], activation: 'relu' });
      await model.fit(X, Float32Array.of(0, 1, 1, 0, 2, 2), { engine, threads, nFeatures: 2, maxEpochs: 1, batchSize: 2, seed: 1 });
    } catch (e) {
      out.push({ id: sys.id, label: sys.label, notRun: `this build's ${engine} engine did not train a tiny network (${e instanceof Error ? e.message : String(e)})` });
      continue;
    }
    out.push(sys);
  }
  return out;
}
