/**
 * The systems the suite compares, behind one interface: each trains a model from zero
 * parameters on a Problem for a number of epochs (rows reshuffled every epoch, the mean gradient
 * of each batch, the last short batch kept) and hands back its per-epoch wall times and its final
 * parameters. The loss is computed afterwards by the suite (lib/loss.ts), the same way for all.
 *
 *   minibatch-wasm, minibatch-js   this package, through its public API (`engine` option)
 *   tfjs-*-fit                     TF.js Layers: tf.sequential + dense + model.fit (lib/tfjs.ts)
 *   tfjs-*-loop                    TF.js ops: a hand-written loop with the gradient written out
 */
import { availableParallelism } from 'node:os';
import { LinearRegression, LogisticRegression, SoftmaxRegression, type History, type OptimizerOption } from '../../ts/index.js';
import type { Problem } from './data.js';
import type { Params } from './loss.js';

export type OptimizerKind = 'sgd' | 'momentum' | 'adam';

/** PyTorch-style settings, which every system below is configured to match. */
export const MOMENTUM = 0.9;
export const ADAM = { beta1: 0.9, beta2: 0.999, eps: 1e-8 } as const;

/**
 * Threads: minibatch wasm runs twice in every configuration, on one thread ('minibatch-wasm')
 * and with one thread per core ('minibatch-wasm-threads', the fit option `threads`), so that the
 * speed-up is a ratio of the same run. TF.js's wasm backend has no threads in Node; the js
 * engine runs on one thread.
 */
export const CORES = availableParallelism();

export interface RunSpec {
  readonly problem: Problem;
  readonly batchSize: number;
  readonly epochs: number;
  readonly learningRate: number;
  readonly optimizer: OptimizerKind;
  /** Seeds the shuffles, where the system takes a seed (initialization is zeros everywhere). */
  readonly seed: number;
}

export interface RunResult {
  /** Wall time of each epoch, in milliseconds. */
  readonly epochMs: number[];
  readonly params: Params;
}

export type SystemId = 'minibatch-wasm' | 'minibatch-wasm-threads' | 'minibatch-js' | 'tfjs-wasm-fit' | 'tfjs-wasm-loop' | 'tfjs-cpu-fit' | 'tfjs-cpu-loop';

export interface System {
  readonly id: SystemId;
  /** How the report names it. */
  readonly label: string;
  run(spec: RunSpec): Promise<RunResult>;
}

function minibatchOptimizer(o: OptimizerKind): OptimizerOption {
  switch (o) {
    case 'sgd':
      return 'sgd';
    case 'momentum':
      return { type: 'sgd', momentum: MOMENTUM };
    case 'adam':
      return { type: 'adam', beta1: ADAM.beta1, beta2: ADAM.beta2, eps: ADAM.eps };
  }
}

class MinibatchSystem implements System {
  readonly id: SystemId;
  readonly label: string;

  constructor(
    private readonly engine: 'wasm' | 'js',
    private readonly threads = 1,
  ) {
    this.id = threads > 1 ? `minibatch-wasm-threads` : `minibatch-${engine}`;
    this.label = threads > 1 ? `minibatch wasm, ${threads} threads` : `minibatch ${engine}`;
  }

  async run(spec: RunSpec): Promise<RunResult> {
    const { problem: p } = spec;
    const model = p.kind === 'linear' ? new LinearRegression() : p.kind === 'logistic' ? new LogisticRegression() : new SoftmaxRegression();
    // Defaults everywhere else (yieldEveryMs, shuffle, dropLast): the fit a user gets.
    const h: History = await model.fit(p.X, p.y, {
      engine: this.engine,
      threads: this.threads,
      batchSize: spec.batchSize,
      maxEpochs: spec.epochs,
      tolerance: null,
      learningRate: spec.learningRate,
      optimizer: minibatchOptimizer(spec.optimizer),
      seed: spec.seed,
      init: 'zeros',
      nFeatures: p.d,
    });
    if (h.engine !== this.engine) throw new Error(`asked for the ${this.engine} engine but the fit ran on ${h.engine}`);
    if (h.threads !== this.threads) throw new Error(`asked for ${this.threads} threads but the fit ran on ${h.threads}`);
    if (h.epochs !== spec.epochs || h.stopReason !== 'maxEpochs') {
      throw new Error(`expected ${spec.epochs} epochs to maxEpochs, got ${h.epochs} (${h.stopReason})`);
    }
    let W: Float32Array;
    let b: Float32Array;
    if (model instanceof SoftmaxRegression) {
      if (model.classes.some((c, i) => c !== i)) throw new Error('softmax: the model\'s classes are not 0..k−1 in order');
      const rows = model.weights;
      W = new Float32Array(p.k * p.d);
      rows.forEach((r, c) => W.set(r, c * p.d));
      b = model.bias;
    } else {
      W = model.weights;
      b = Float32Array.of(model.bias);
    }
    return { epochMs: h.epochTimeMs.slice(), params: { W, b } };
  }
}

export const minibatchWasm: System = new MinibatchSystem('wasm');
export const minibatchJs: System = new MinibatchSystem('js');
/** Null on a machine with one core. */
export const minibatchWasmThreads: System | null = CORES > 1 ? new MinibatchSystem('wasm', CORES) : null;
