/**
 * The fit loop: the one place that decides the batch order, the learning rates, the budget and
 * when to stop. It drives an engine through the `Session` interface and never knows which one.
 *
 *   initialise θ (seeded), or take θ and the training state of a previous run (resume)
 *   for each epoch: shuffle the rows (seeded Fisher–Yates from the identity order, so that the
 *   generator's state at the epoch's start is all a snapshot needs), run the epoch's batches in
 *   chunks (one engine call per chunk, each batch with its scheduled learning rate), validate,
 *   and stop on the budget, the tolerance rule, early stopping, an abort or the time limit.
 *
 * Training state is plain JSON-safe data (TrainingState), so a model snapshot can carry it and
 * a resumed run continues bit-identically.
 */
import { type Shape, intercepts, layers, nParams, nWeights, penalized, weights } from '../engine/layout.js';
import type { Engine, EngineData, EngineName, FeatureSource, ObjectiveName, OptimizerState, Session, SessionSpec, StagedFeatures } from '../engine/types.js';
import { resolveEngine, resolveThreads } from '../engine/index.js';
import type { Matrix } from '../data/matrix.js';
import { type Chunk, shuffleBuffer } from '../data/stream.js';
import { Rng } from '../data/random.js';
import { DivergenceError, InvalidModelError, InvalidOptionError } from '../errors.js';
import { type EarlyStoppingState, earlyStoppingStep, initialEarlyStopping } from './early-stopping.js';
import { type BatchInfo, type EpochInfo, type FitConfig, checkAgainstData } from './options.js';
import type { PlateauState, Position, Schedule } from './schedules.js';

/** Why a fit stopped. */
export type StopReason = 'maxEpochs' | 'maxIterations' | 'tolerance' | 'earlyStopping' | 'aborted' | 'maxTime' | 'diverged';

/** What `fit` returns: per-epoch losses and scores, when and why training stopped, and on which engine and threads it ran. */
export interface History {
  /** Mean training objective of each epoch (weighted loss + penalty, each row at the parameters its batch used). */
  readonly loss: number[];
  /** Validation objective after each epoch (empty without validation data). */
  readonly valLoss: number[];
  /** Validation accuracy or R² after each epoch (empty without validation data). */
  readonly valScore: number[];
  /** Learning rate of each epoch's last update. */
  readonly learningRate: number[];
  /** Wall time of each epoch, in milliseconds. */
  readonly epochTimeMs: number[];
  /** Epochs run, all fits of a resumed training together (a last, partial epoch counts). */
  readonly epochs: number;
  /** Updates made, all epochs together. */
  readonly iterations: number;
  /** Wall time of this fit, in milliseconds. */
  readonly timeMs: number;
  readonly stopReason: StopReason;
  /** The lowest training loss of an epoch. */
  readonly bestLoss: number;
  /** With early stopping: the epoch (1-based) whose monitored value was best. */
  readonly bestEpoch: number | null;
  /** The seed that fixed initialization, shuffles and the validation split. */
  readonly seed: number;
  readonly engine: EngineName;
  /** Threads that shared each large batch (1 unless `threads` asked for more and they could run). */
  readonly threads: number;
  /** With the fit option `recordPath`: θ as training went; otherwise null. */
  readonly path: ParameterPath | null;
}

/**
 * The parameters recorded by `recordPath`: θ at the start of the fit, then after every k-th
 * update, in the layout of the engine contract (W row by row, nOutputs × nFeatures, then the
 * nOutputs intercepts b), in the feature space the model trains in (after `standardize`).
 */
export interface ParameterPath {
  /** Values per record: nOutputs · (nFeatures + 1). */
  readonly size: number;
  /** The update count of each record (the first is the fit's starting count, 0 unless resumed). */
  readonly iterations: number[];
  /** records × size, row-major: exactly the float32 values the model had. */
  readonly params: Float32Array;
}

export interface TrainData {
  readonly x: Matrix;
  /** One target per row, or, for squaredError with several outputs, rows × nOutputs (row-major). */
  readonly y: Float32Array;
  readonly sampleWeight: Float32Array | null;
  /** `x`, already copied into the engine's memory and checked there (stageForFit). */
  readonly staged?: StagedFeatures | null;
}

/**
 * Bytes of training features (float32) that the wasm engine holds whole; larger in-memory data
 * is trained block by block (as a stream is, with the same batches as whole: bit-identical), so
 * that wasm memory stays bounded (a wasm32 instance addresses 4 GiB at most, and one allocation
 * can be 2 GiB at most). Validation data larger than this is refused with a typed error.
 */
let residentLimitBytes = 1 << 30;

/** For tests: lowers the limit above, to train small data block by block. Returns the old value. */
export function setResidentLimitBytes(bytes: number): number {
  const old = residentLimitBytes;
  residentLimitBytes = bytes;
  return old;
}

/**
 * For an engine with memory of its own (wasm), copies flat features into it now, checking every
 * value in the same pass (engine/wasm/engine.ts), so that the session takes them without a second copy
 * or check; 'checked' for a Float32Array too large to hold whole (checked the same way, trained
 * block by block), null when the caller must check (the js engine, other large data). Called
 * where the features are checked, before anything of the model changes. `reuse`: an array this
 * package allocated, that never changes (a Dataset's), whose copy may be kept for the next fit.
 */
export async function stageForFit(
  x: FeatureSource,
  cols: number,
  config: FitConfig,
  argument: string,
  reuse: boolean,
): Promise<StagedFeatures | 'checked' | null> {
  const engine = await resolveEngine(config.engine);
  if (!engine.stageFeatures) return null;
  const threads = await resolveThreads(config.threads, engine);
  if (x.length * 4 <= residentLimitBytes) return engine.stageFeatures(x, cols, threads, argument, reuse);
  // trained block by block (run()): only checked here
  if (!(x instanceof Float32Array) || !engine.checkFeatures) return null;
  engine.checkFeatures(x, cols, threads, argument);
  return 'checked';
}

export interface TrainProblem {
  readonly objective: ObjectiveName;
  readonly nOutputs: number;
  /** The hidden layers of the stack, from the features' side; absent for a linear model. */
  readonly hidden?: SessionSpec['hidden'];
  readonly l2: number;
  readonly l1: number;
  readonly fitIntercept: boolean;
  /** The training rows in memory, or a stream read again every epoch. */
  readonly train: TrainData | TrainStream;
  readonly validation: TrainData | null;
  /** How valScore is computed from the engine's metric sum. */
  readonly score: 'accuracy' | 'r2';
}

/** Training rows from a source too large for memory: one pass over `chunks` per epoch. */
export interface TrainStream {
  readonly chunks: AsyncIterable<Chunk>;
  readonly nFeatures: number;
  /** Checks a chunk and turns it into what the engine trains on (targets encoded, features scaled). */
  readonly convert: (chunk: Chunk) => TrainData;
  /** Rows of the seeded shuffle buffer the chunks pass through when shuffling (bounded memory). */
  readonly shuffleBufferRows: number;
}

export function isStream(t: TrainData | TrainStream): t is TrainStream {
  return (t as TrainStream).chunks !== undefined;
}

/** A float of the training state as JSON can hold it: ±Infinity written as a string (an
 * adagrad/rmsprop/adam accumulator may overflow float32 while θ stays finite). */
export type JsonFloat = number | 'Infinity' | '-Infinity' | 'NaN';

export const toJsonFloat = (v: number): JsonFloat => (v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : Number.isNaN(v) ? 'NaN' : v);
export const fromJsonFloat = (v: JsonFloat): number => (v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v === 'NaN' ? NaN : v);

/** Everything a resumed run needs besides θ and the data; JSON-safe (±Infinity as null or as a string). */
export interface TrainingState {
  version: 1;
  seed: number;
  /** Completed epochs. */
  epoch: number;
  /** Completed updates. */
  iteration: number;
  /** Batches done in the current, unfinished epoch (0 at an epoch boundary). */
  batch: number;
  /** The generator's state at the start of the current epoch (before its shuffle). */
  rng: number[];
  /** Loss sums of the unfinished epoch. */
  partial: { lossSum: number; rows: number } | null;
  optimizer: { type: string; step: number; buffers: JsonFloat[] };
  /** `best` is null where it is still Infinity (no epoch ended yet). */
  plateau: (Omit<PlateauState, 'best'> & { best: number | null }) | null;
  /** `best` is null where it is still ±Infinity (JSON has no infinities). */
  earlyStopping: { best: number | null; bestEpoch: number; wait: number } | null;
  bestParams: number[] | null;
  /** θ where training stopped, when the model holds other parameters (the best ones, restored by
   * `restoreBestWeights`): a resumed run continues from here, not from the best epoch. */
  current: number[] | null;
  tolerance: { best: number | null; since: number };
  /** Each epoch's values; a validation loss may be ±Infinity or NaN (parameters finite but
   * huge), written as a string. */
  history: Record<HistoryKey, JsonFloat[]>;
}

/** The per-epoch series of a training history that a snapshot keeps. */
export type HistoryKey = 'loss' | 'valLoss' | 'valScore' | 'learningRate' | 'epochTimeMs';
const HISTORY_KEYS: readonly HistoryKey[] = ['loss', 'valLoss', 'valScore', 'learningRate', 'epochTimeMs'];
const mapHistory = <A, B>(h: Record<HistoryKey, A[]>, f: (v: A) => B): Record<HistoryKey, B[]> =>
  Object.fromEntries(HISTORY_KEYS.map((k) => [k, h[k].map(f)])) as Record<HistoryKey, B[]>;

/**
 * θ before the first update, for every layer of the model (../engine/layout.ts), drawn in the
 * layout's order (every W, then every b):
 *   'uniform': PyTorch's nn.Linear, W and b from U(−1/√inputs, 1/√inputs);
 *   'glorot': W from U(±√(6/(inputs + outputs))), b = 0 (Keras' Dense default);
 *   'he': W from U(±√(6/inputs)), b = 0 (PyTorch's kaiming_uniform for relu);
 *   'auto': per layer, 'he' when its activation is relu or leakyRelu, else 'glorot' (the output
 *   layer too); the models resolve the fit option 'auto' first (a linear model's is 'uniform');
 *   'zeros': all 0 (scikit-learn's linear models).
 * Without an intercept the intercepts stay 0.
 */
function initialParams(rng: Rng, shape: Shape, init: FitConfig['init'], fitIntercept: boolean): Float32Array {
  const p = new Float32Array(nParams(shape));
  const stack = layers(shape);
  const draw = ([start, end]: readonly [number, number], bound: number): void => {
    for (let j = start; j < end; j++) p[j] = (2 * rng.float() - 1) * bound;
  };
  if (init === 'uniform') {
    stack.forEach((layer, l) => draw(weights(shape, l), 1 / Math.sqrt(layer.inputs)));
    stack.forEach((layer, l) => draw(intercepts(shape, l), 1 / Math.sqrt(layer.inputs)));
  } else if (init !== 'zeros') {
    stack.forEach((layer, l) => {
      const he = init === 'he' || (init === 'auto' && (layer.activation === 'relu' || layer.activation === 'leakyRelu'));
      draw(weights(shape, l), he ? Math.sqrt(6 / layer.inputs) : Math.sqrt(6 / (layer.inputs + layer.outputs)));
    });
  }
  if (!fitIntercept) p.fill(0, penalized(shape)[1]);
  return p;
}

/** Gives the event loop a turn: setImmediate in Node and Deno (twice: a check-phase callback
 * would otherwise come back before the timers phase), a MessageChannel hop in browsers
 * (setTimeout(0) is clamped to 4 ms there once nested). */
function yieldToEventLoop(): Promise<void> {
  // Not scheduler.yield(): its continuation outranks queued timers, which then starve (seen in
  // Chromium 156 by test/browser).
  if (typeof setImmediate === 'function') return new Promise((r) => setImmediate(() => setImmediate(r)));
  if (typeof MessageChannel === 'function') {
    return new Promise((r) => {
      const c = new MessageChannel();
      c.port1.onmessage = () => {
        c.port1.close();
        r();
      };
      c.port2.postMessage(null);
    });
  }
  return new Promise((r) => setTimeout(r, 0));
}

/** Weighted Σ s·(y − ȳ)², summed over the outputs, the denominator of the validation R². */
function weightedTotalSquares(d: TrainData): number {
  const k = d.y.length / d.x.rows;
  let tot = 0;
  for (let j = 0; j < k; j++) {
    let sw = 0;
    let swy = 0;
    for (let i = 0; i < d.x.rows; i++) {
      const s = d.sampleWeight ? d.sampleWeight[i] : 1;
      sw += s;
      swy += s * d.y[i * k + j];
    }
    const mean = swy / sw;
    for (let i = 0; i < d.x.rows; i++) tot += (d.sampleWeight ? d.sampleWeight[i] : 1) * (d.y[i * k + j] - mean) ** 2;
  }
  return tot;
}

/** Multiply-adds per engine call when the loop must keep control (see `chunk` in run()). */
const CALL_WORK = 1 << 21;
/** Feature values per block when training on a stream (4 MB of float32). */
const STREAM_BLOCK_VALUES = 1 << 20;

const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);
const plateauJSON = (p: PlateauState | null): TrainingState['plateau'] => (p ? { ...p, best: finiteOrNull(p.best) } : null);

function badRate(rate: number, epoch: number, iteration: number): InvalidOptionError {
  return new InvalidOptionError(
    'learningRate',
    rate,
    `the learning rate of epoch ${epoch + 1}, iteration ${iteration + 1} is ${rate}: it must be a finite float32 ≥ 0 (at most about 3.4e38); ` +
      'check the learningRate schedule and its options',
  );
}

/**
 * Runs waiting at a yield (a fitIter between epochs) that still hold an engine session. Before a
 * session is opened, all but the newest MAX_SUSPENDED are parked (θ and the optimizer state
 * copied to JS, the session freed): however many iterators are abandoned, and whether or not the
 * event loop turns (a FinalizationRegistry needs it to), at most MAX_SUSPENDED sessions wait.
 */
const suspended = new Set<() => void>();
const MAX_SUSPENDED = 4;
function reclaimSuspended(): void {
  for (const park of suspended) {
    if (suspended.size < MAX_SUSPENDED) break;
    park();
  }
}
const fromNullable = (v: number | null, fallback: number): number => (v === null ? fallback : v);

/** The rows `rows` of the data, in that order, copied into the block's buffers: the block's training data. */
function gatherRows(block: { x: Float32Array; y: Float32Array; w: Float32Array | null }, train: TrainData, rows: Uint32Array, d: number): EngineData {
  const xd = train.x.data;
  const n = rows.length;
  // targets per row: several for squaredError with several outputs
  const k = train.y.length / train.x.rows;
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    block.x.set(xd.subarray(r * d, (r + 1) * d), i * d);
    if (k === 1) block.y[i] = train.y[r];
    else block.y.set(train.y.subarray(r * k, (r + 1) * k), i * k);
    if (block.w) block.w[i] = train.sampleWeight![r];
  }
  return { x: block.x.subarray(0, n * d), y: block.y.subarray(0, n * k), sampleWeight: block.w ? block.w.subarray(0, n) : null };
}

/**
 * scikit-learn's rule (sklearn/linear_model/_sgd_fast.pyx): an epoch whose loss is not below
 * best − tol counts as no improvement (`since` of them in a row; `patience` stop training).
 */
function toleranceStep(tol: { best: number; since: number }, loss: number, tolerance: number | null): void {
  if (tolerance !== null) tol.since = loss > tol.best - tolerance ? tol.since + 1 : 0;
  if (loss < tol.best) tol.best = loss;
}

/** A fresh start: θ drawn from the seed's first stream (initialParams); returns that stream's state, where the epochs' shuffles go on. */
function initializeSession(live: Session, seed: number, shape: Shape, init: FitConfig['init'], fitIntercept: boolean): number[] {
  const rng = Rng.stream(seed, 0);
  live.setParams(initialParams(rng, shape, init, fitIntercept));
  return rng.state();
}

/** A resumed start: θ (the current one, when the model holds its best instead) and the optimizer state of the snapshot. */
function resumeSession(live: Session, config: FitConfig, params: Float32Array, prior: TrainingState): void {
  if (prior.optimizer.type !== config.optimizer.spec.type) {
    throw new InvalidModelError(`cannot resume: the snapshot's optimizer is '${prior.optimizer.type}', this fit asks for '${config.optimizer.spec.type}'`);
  }
  live.setParams(prior.current ? new Float32Array(prior.current) : params);
  live.setOptimizerState({ step: prior.optimizer.step, buffers: Float32Array.from(prior.optimizer.buffers, fromJsonFloat) });
}

/** The shape of the problem's model for d features: its hidden layers (none for a linear model) and outputs. */
function problemShape(problem: TrainProblem, d: number): Shape {
  return { nFeatures: d, nOutputs: problem.nOutputs, ...(problem.hidden && problem.hidden.length > 0 ? { hidden: problem.hidden } : {}) };
}

/**
 * The session of a fit: the problem and the resolved options as the engine contract takes them
 * (ts/engine/types.ts). `rows` null: the rows come later, block by block (a stream, or rows too
 * large for wasm memory), and one zero row (label 0) stands in until then.
 */
function sessionSpec(problem: TrainProblem, config: FitConfig, d: number, threads: number, rows: SessionSpec['train'] | null): SessionSpec {
  const v = problem.validation;
  return {
    threads,
    objective: problem.objective,
    ...problemShape(problem, d),
    l2: problem.l2,
    l1: problem.l1,
    fitIntercept: problem.fitIntercept,
    optimizer: config.optimizer.spec,
    clipNorm: config.optimizer.clipNorm,
    clipValue: config.optimizer.clipValue,
    // (squaredError with several outputs: one row of nOutputs targets)
    train: rows ?? { x: new Float32Array(d), y: new Float32Array(problem.objective === 'squaredError' ? problem.nOutputs : 1), sampleWeight: null },
    validation: v ? { x: v.x.data, y: v.y, sampleWeight: v.sampleWeight } : null,
  };
}

/** The validation loss (mean weighted loss + penalty) and score (accuracy, or R² against `total`, Σ s·(y − ȳ)²) at the session's θ. */
function validationMetrics(live: Session, score: TrainProblem['score'], total: number): { valLoss: number; valScore: number } {
  const ev = live.evaluate('validation');
  return {
    valLoss: ev.lossSum / ev.weightSum + live.penalty(),
    valScore: score === 'accuracy' ? ev.metricSum / ev.weightSum : total > 0 ? 1 - ev.metricSum / total : 0,
  };
}

/** recordPath: θ rows appended as training goes (grown by doubling), and their update counts. */
class PathRecorder {
  private rows = new Float32Array(0);
  private readonly iterations: number[] = [];
  private size = 0;

  record(p: Float32Array, iteration: number): void {
    this.size = p.length;
    const at = this.iterations.length * p.length;
    if (this.rows.length < at + p.length) {
      const grown = new Float32Array(Math.max(at + p.length, 2 * this.rows.length));
      grown.set(this.rows);
      this.rows = grown;
    }
    this.rows.set(p, at);
    this.iterations.push(iteration);
  }

  /** History's `path`, or null when nothing was recorded. */
  result(): ParameterPath | null {
    const n = this.iterations.length;
    return n > 0 ? { size: this.size, iterations: this.iterations, params: this.rows.slice(0, n * this.size) } : null;
  }
}

/** θ and the optimizer state of a session freed while its run waited at a yield (park). */
interface Parked {
  readonly params: Float32Array;
  readonly optimizer: OptimizerState;
}

/** A block's buffers (rows gathered in the epoch's order) and the identity order over them. */
interface Block {
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly w: Float32Array | null;
  readonly order: Uint32Array;
}

/** Where a run whose last engine call went non-finite puts its counts back to (restorePoint). */
interface RestorePoint {
  readonly batch: number;
  readonly iteration: number;
  readonly partial: TrainingState['partial'];
}

/**
 * What the steps of one run share. Fixed for the run: the problem, the options, the seed, and
 * what startRun learns of the engine (chunk and block sizes). Changing as it trains: the session
 * (or, while parked, θ and the optimizer state in JS), where training stands (the counts a
 * snapshot keeps), the epoch under way (its loss sums, the position the schedule reads), and the
 * outcome so far (history, tolerance and early-stopping states, best θ, why it stopped). Every
 * field is set in the constructor, so the object keeps one shape.
 */
class RunState {
  readonly started = performance.now();
  readonly streaming: boolean;
  /** Features per row. */
  readonly d: number;
  readonly seed: number;
  /** Σ s·(y − ȳ)² of the validation rows, the denominator of their R² (0 if unused). */
  readonly valTotal: number;
  /** The features already in the engine's memory (stageForFit); freed when the run ends. */
  readonly staged: StagedFeatures | null;
  readonly path = new PathRecorder();

  // the engine (startRun)
  engine: Engine | null = null;
  engineName: EngineName;
  threads = 1;
  spec: SessionSpec | null = null;
  /** In-memory rows too large to hold whole in wasm memory: trained block by block. */
  blocked = false;
  /** Batch index multiple at which engine calls start (Infinity: one call per block). */
  chunk = Infinity;
  /** Rows per block of a stream or of blocked rows (whole batches); 0 for rows held whole. */
  blockRows = 0;
  /** The epoch's order of the rows (all of them, or a block's). */
  order = new Uint32Array(0);
  block: Block | null = null;

  // the session: open, or parked while the run waits at a yield
  session: Session | null = null;
  /** The session the steps drive (the open one whenever a step runs). */
  live!: Session;
  parked: Parked | null = null;

  // where training stands (the counts of TrainingState)
  epoch: number;
  iteration: number;
  batch: number;
  partial: TrainingState['partial'];
  rngState: number[] | null;

  // the epoch under way
  epochStarted = 0;
  sums = { loss: 0, rows: 0 };
  sinceCallback = { loss: 0, rows: 0 };
  lastRate: number;
  /** Rows of the previous epoch: a stream's epoch length, for schedules stepped per iteration. */
  epochRows = 0;
  lastYield = 0;
  rateBuffer = new Float32Array(0);
  /** One position object, updated in place: no allocation per batch (100 000 a batch-1 epoch). */
  readonly position: { -readonly [K in keyof Position]: Position[K] } = { epoch: 0, batch: 0, batchesPerEpoch: 0, iteration: 0 };

  // the outcome so far
  readonly h: Record<HistoryKey, number[]>;
  readonly tol: { best: number; since: number };
  readonly es: EarlyStoppingState | null;
  bestParams: Float32Array | null;
  stopReason: StopReason = 'maxEpochs';
  error: unknown = null;

  constructor(
    readonly problem: TrainProblem,
    readonly config: FitConfig,
    readonly resumeFrom: { params: Float32Array; state: TrainingState } | null,
    readonly schedule: Schedule,
    /** Raised by TrainingRun.stop(). */
    readonly control: { readonly stopRequested: boolean },
  ) {
    const { train } = problem;
    const prior = resumeFrom?.state ?? null;
    this.streaming = isStream(train);
    this.d = isStream(train) ? train.nFeatures : train.x.cols;
    this.seed = prior ? prior.seed : (config.seed ?? Rng.freshSeed());
    this.valTotal = problem.validation && problem.score === 'r2' ? weightedTotalSquares(problem.validation) : 0;
    this.staged = isStream(train) ? null : (train.staged ?? null);
    this.engineName = config.engine ?? 'wasm';
    this.epoch = prior?.epoch ?? 0;
    this.iteration = prior?.iteration ?? 0;
    this.batch = prior?.batch ?? 0;
    this.partial = prior?.partial ?? null;
    this.rngState = prior?.rng ?? null;
    this.h = prior
      ? mapHistory(prior.history, fromJsonFloat)
      : { loss: [] as number[], valLoss: [] as number[], valScore: [] as number[], learningRate: [] as number[], epochTimeMs: [] as number[] };
    this.lastRate = this.h.learningRate.at(-1) ?? NaN;
    this.tol = prior ? { best: fromNullable(prior.tolerance.best, Infinity), since: prior.tolerance.since } : { best: Infinity, since: 0 };
    const stopping = config.earlyStopping;
    this.es = stopping
      ? prior?.earlyStopping
        ? { ...prior.earlyStopping, best: fromNullable(prior.earlyStopping.best, stopping.monitor === 'valScore' ? -Infinity : Infinity) }
        : initialEarlyStopping(stopping)
      : null;
    this.bestParams = prior?.bestParams ? new Float32Array(prior.bestParams) : null;
  }

  /**
   * Frees the session, keeping θ and the optimizer state in JS: while the caller holds an epoch
   * (stop(), or too many suspended runs: an abandoned fitIter must not hold wasm memory until it
   * is collected). The run reopens one after the yield (unpark).
   */
  readonly park = (): void => {
    if (!this.session) return;
    this.parked = { params: this.session.params(), optimizer: this.session.optimizerState() };
    this.session.dispose();
    this.session = null;
    suspended.delete(this.park);
  };
}

/**
 * The run's start: the engine it asks for and its threads, a session holding the rows whole
 * (staged, or copied) or none yet (a stream, or rows too large for wasm memory: block by block),
 * θ drawn from the seed or resumed from the snapshot, and the sizes of engine calls and blocks.
 */
async function startRun(s: RunState): Promise<void> {
  const { problem, config, resumeFrom } = s;
  const { train } = problem;
  const engine = await resolveEngine(config.engine);
  s.engine = engine;
  s.engineName = engine.name;
  s.threads = await resolveThreads(config.threads, engine);
  s.blocked = !isStream(train) && !s.staged && engine.name === 'wasm' && train.x.rows * train.x.cols * 4 > residentLimitBytes;
  // a stream's chunks (and blocked rows) are loaded block by block: no rows yet
  s.spec = sessionSpec(problem, config, s.d, s.threads, isStream(train) || s.blocked ? null : { x: s.staged ?? train.x.data, y: train.y, sampleWeight: train.sampleWeight });
  reclaimSuspended();
  s.session = s.live = engine.createSession(s.spec);
  if (resumeFrom) resumeSession(s.live, config, resumeFrom.params, resumeFrom.state);
  else s.rngState = initializeSession(s.live, s.seed, problemShape(problem, s.d), config.init, problem.fitIntercept);
  if (config.recordPathEvery > 0) s.path.record(s.live.params(), s.iteration);

  // Batches per engine call: the whole block, unless yielding, the clock or an abort signal
  // want control back sooner; then about CALL_WORK multiply-adds a call (about a millisecond).
  // Calls start at multiples of `chunk` within the epoch, whatever the timing, so that the
  // loss sums group the same way in every run with the same options (resuming from a
  // snapshot reproduces the history to the bit, not only the parameters).
  const watched = config.yieldEveryMs > 0 || config.maxTimeMs < Infinity || config.signal !== undefined;
  s.chunk = watched ? Math.max(1, Math.floor(CALL_WORK / (config.batchSize * nWeights(problemShape(problem, s.d))))) : Infinity;
  // A stream is trained in blocks of whole batches (about STREAM_BLOCK_VALUES values), so that
  // only the epoch's last batch can be short, wherever the chunks of the source end.
  // (never more than the wasm engine holds whole)
  const blockValues = Math.min(STREAM_BLOCK_VALUES, Math.floor(residentLimitBytes / 4));
  const blockRows = s.streaming || s.blocked ? config.batchSize * Math.max(1, Math.floor(blockValues / (s.d * config.batchSize))) : 0;
  s.blockRows = blockRows;
  s.epochRows = isStream(train) ? 0 : train.x.rows;
  s.lastYield = performance.now();
  s.order = isStream(train) ? new Uint32Array(blockRows) : new Uint32Array(train.x.rows);
  if (s.blocked) {
    const w = (train as TrainData).sampleWeight ? new Float32Array(blockRows) : null;
    // targets per row: 1, or nOutputs for squaredError with several outputs
    const targets = (train as TrainData).y.length / (train as TrainData).x.rows;
    s.block = { x: new Float32Array(blockRows * s.d), y: new Float32Array(blockRows * targets), w, order: new Uint32Array(blockRows) };
    s.block.order.forEach((_, i, o) => (o[i] = i));
  }
}

/**
 * An epoch's start: its generator (from the state the previous epoch left) and its loss sums,
 * those of a resumed unfinished epoch if any (whose history entries are taken back, to be written
 * again when it ends).
 */
function beginEpoch(s: RunState): Rng {
  s.epochStarted = performance.now();
  const rng = new Rng(s.seed, s.rngState!);
  const { partial, h } = s;
  s.sums = { loss: partial?.lossSum ?? 0, rows: partial?.rows ?? 0 };
  if (partial) {
    h.loss.pop();
    h.learningRate.pop();
    h.epochTimeMs.pop();
  }
  s.partial = null;
  s.sinceCallback = { loss: 0, rows: 0 };
  return rng;
}

/** Batches of `rows` rows: whole ones only with dropLast. */
const batchCount = (rows: number, batchSize: number, dropLast: boolean): number => (dropLast ? Math.floor(rows / batchSize) : Math.ceil(rows / batchSize));

/** The epoch's order of the rows held in memory: the identity, shuffled by the epoch's generator (seeded Fisher–Yates). Returns the epoch's batches. */
function shuffleRows(s: RunState, rng: Rng, rows: number): number {
  const { order, config } = s;
  for (let i = 0; i < rows; i++) order[i] = i;
  if (config.shuffle) rng.shuffle(order);
  return batchCount(rows, config.batchSize, config.dropLast);
}

/** The counts to go back to if the next engine calls go non-finite (the session restores θ and the optimizer itself). */
function restorePoint(s: RunState): RestorePoint {
  const { sums } = s;
  return { batch: s.batch, iteration: s.iteration, partial: sums.rows > 0 ? { lossSum: sums.loss, rows: sums.rows } : null };
}

function rewind(s: RunState, to: RestorePoint): void {
  s.batch = to.batch;
  s.iteration = to.iteration;
  s.partial = to.partial;
}

/** An epoch on rows held whole by the session: its order handed over once, then its batches. False when training stops inside it. */
async function inMemoryEpoch(s: RunState, rng: Rng): Promise<boolean> {
  const batches = shuffleRows(s, rng, (s.problem.train as TrainData).x.rows);
  s.live.setOrder(s.order);
  const restore = restorePoint(s);
  const complete = await runBatches(s, s.batch, batches, 0, s.config.dropLast);
  if (s.stopReason === 'diverged') rewind(s, restore);
  return complete;
}

/**
 * An epoch on in-memory rows too large for wasm memory: the same batches in the same order, a
 * block of them at a time, the rows of each block gathered into wasm memory (bit-identical to
 * training on the rows held whole). A non-finite run goes back to the epoch's start, as there.
 */
async function blockedEpoch(s: RunState, rng: Rng): Promise<boolean> {
  const train = s.problem.train as TrainData;
  const { config, live, order, block } = s;
  const rows = train.x.rows;
  const batches = shuffleRows(s, rng, rows);
  const restore = restorePoint(s);
  const saved = { params: live.params(), optimizer: live.optimizerState() };
  const perBlock = s.blockRows / config.batchSize;
  let complete = true;
  for (let first = Math.floor(s.batch / perBlock) * perBlock; first < batches && complete; first += perBlock) {
    const last = Math.min(batches, first + perBlock);
    const p0 = first * config.batchSize;
    const filled = Math.min(rows, last * config.batchSize) - p0;
    live.setTrainingData(gatherRows(block!, train, order.subarray(p0, p0 + filled), s.d));
    live.setOrder(block!.order.subarray(0, filled));
    complete = await runBatches(s, s.batch - first, last - first, first, false);
  }
  if (s.stopReason === 'diverged') {
    live.setParams(saved.params);
    live.setOptimizerState(saved.optimizer);
    rewind(s, restore);
  }
  return complete;
}

/**
 * An epoch on a stream: one pass over its chunks (through the seeded shuffle buffer when
 * shuffling), converted and copied into blocks of whole batches, each block trained in the
 * order it came (streamBlock). Sets the epoch's row count, which the next epoch's schedule reads.
 */
async function streamEpoch(s: RunState, rng: Rng): Promise<boolean> {
  const train = s.problem.train as TrainStream;
  const { config, blockRows, d } = s;
  // the shuffle buffer's seed comes from the epoch's generator, so a resumed run repeats it
  const source = config.shuffle ? shuffleBuffer(train.chunks, { bufferRows: train.shuffleBufferRows, seed: rng.int(0, 0x7fffffff) }) : train.chunks;
  const bx = new Float32Array(blockRows * d);
  const by = new Float32Array(blockRows);
  let bw: Float32Array | null = null;
  let filled = 0;
  let offset = 0;
  let rowsThisEpoch = 0;
  let complete = true;
  const flush = async (last: boolean): Promise<boolean> => {
    const x = filled === blockRows ? bx : bx.subarray(0, filled * d);
    const dropLast = last && config.dropLast;
    const ok = await streamBlock(s, { x, y: by.subarray(0, filled), sampleWeight: bw ? bw.subarray(0, filled) : null }, offset, dropLast);
    offset += batchCount(filled, config.batchSize, dropLast);
    filled = 0;
    return ok;
  };
  for await (const raw of source) {
    const c = train.convert(raw);
    if (c.sampleWeight && !bw) bw = new Float32Array(blockRows).fill(1);
    for (let r = 0; r < c.x.rows; r++) {
      bx.set(c.x.data.subarray(r * d, (r + 1) * d), filled * d);
      by[filled] = c.y[r];
      if (bw) bw[filled] = c.sampleWeight ? c.sampleWeight[r] : 1;
      filled++;
      rowsThisEpoch++;
      if (filled === blockRows && !(await flush(false))) {
        complete = false;
        break;
      }
    }
    if (!complete) break;
  }
  if (complete && filled > 0) complete = await flush(true);
  if (s.stopReason === 'diverged') return false;
  if (complete && rowsThisEpoch === 0) throw new InvalidOptionError('data', undefined, 'the stream gave no rows in this epoch');
  if (complete) s.epochRows = rowsThisEpoch;
  return complete;
}

/** One block of a stream's epoch, the epoch's batches `offset`…: its rows in the order they came. A non-finite run goes back to the block's start. */
async function streamBlock(s: RunState, rows: EngineData, offset: number, dropLast: boolean): Promise<boolean> {
  const { live, order } = s;
  const filled = rows.y.length;
  live.setTrainingData(rows);
  for (let i = 0; i < filled; i++) order[i] = i;
  live.setOrder(order.subarray(0, filled));
  const restore = restorePoint(s);
  const ok = await runBatches(s, 0, batchCount(filled, s.config.batchSize, dropLast), offset, dropLast);
  if (s.stopReason === 'diverged') rewind(s, restore);
  return ok;
}

/**
 * Runs the batches [from, to) of the session's current order, `offset` being the epoch's batch
 * index of the order's first batch: one engine call per chunk (runChunk), the event loop given a
 * turn between calls when yieldEveryMs asks. Returns false when training must stop (stopReason
 * says why).
 */
async function runBatches(s: RunState, from: number, to: number, offset: number, dropLast: boolean): Promise<boolean> {
  const { config } = s;
  const batchesPerEpoch = s.epochRows > 0 ? Math.ceil(s.epochRows / config.batchSize) : Infinity;
  let at = from;
  while (at < to) {
    if (mustStop(s)) return false;
    const n = chunkBatches(s, offset + at, to - at);
    const done = runChunk(s, at, offset + at, n, batchesPerEpoch, dropLast);
    if (done < 0) return false;
    at += done;
    if (config.yieldEveryMs > 0 && performance.now() - s.lastYield >= config.yieldEveryMs) {
      await yieldToEventLoop();
      s.lastYield = performance.now();
    }
    if (done < n) break; // the order ran out (dropLast)
  }
  return true;
}

/** The update budget, an abort (signal or stop()) and the clock, checked before each engine call: true, with stopReason set, when training must stop. */
function mustStop(s: RunState): boolean {
  const { config } = s;
  if (s.iteration >= config.maxIterations) s.stopReason = 'maxIterations';
  else if (config.signal?.aborted || s.control.stopRequested) s.stopReason = 'aborted';
  else if (performance.now() - s.started >= config.maxTimeMs) s.stopReason = 'maxTime';
  return s.stopReason !== 'maxEpochs';
}

/** Batches of the next engine call, starting at the epoch's batch `e` with `left` to go: up to the next multiple of `chunk`, the update budget, the next onBatchEnd and the next recorded θ. */
function chunkBatches(s: RunState, e: number, left: number): number {
  const { config, iteration, chunk } = s;
  let n = Math.min(left, config.maxIterations - iteration, chunk - (e % chunk));
  if (config.onBatchEnd) n = Math.min(n, config.onBatchEndEvery - (iteration % config.onBatchEndEvery));
  if (config.recordPathEvery > 0) n = Math.min(n, config.recordPathEvery - (iteration % config.recordPathEvery));
  return n;
}

/**
 * One engine call: `n` batches from the order's batch `at` (the epoch's batch `e`), each with its
 * scheduled rate; then the counts, the recorded path and onBatchEnd. Returns the updates made, or
 * −1 when they went non-finite (stopReason 'diverged', the error kept for the run).
 */
function runChunk(s: RunState, at: number, e: number, n: number, batchesPerEpoch: number, dropLast: boolean): number {
  const { config, live, sums } = s;
  const rates = scheduledRates(s, e, n, batchesPerEpoch);
  const r = live.runBatches({ batchSize: config.batchSize, startBatch: at, learningRates: rates, dropLast });
  if (!r.finite) {
    s.error = new DivergenceError(s.epoch + 1, s.iteration + r.iterations, null);
    s.stopReason = 'diverged';
    return -1;
  }
  sums.loss += r.lossSum;
  sums.rows += r.rows;
  const iteration = (s.iteration += r.iterations);
  s.batch += r.iterations;
  s.lastRate = rates[r.iterations - 1];
  if (config.recordPathEvery > 0 && iteration % config.recordPathEvery === 0) s.path.record(live.params(), iteration);
  if (config.onBatchEnd) {
    const since = s.sinceCallback;
    since.loss += r.lossSum;
    since.rows += r.rows;
    if (iteration % config.onBatchEndEvery === 0) {
      const info: BatchInfo = { epoch: s.epoch + 1, batch: s.batch, iterations: iteration, loss: since.loss / since.rows };
      s.sinceCallback = { loss: 0, rows: 0 };
      config.onBatchEnd(info);
    }
  }
  return r.iterations;
}

/** The learning rates of the epoch's batches e … e + n − 1 (the schedule read at each batch's position), checked: a rate the engine cannot take is the option's fault. */
function scheduledRates(s: RunState, e: number, n: number, batchesPerEpoch: number): Float32Array {
  if (s.rateBuffer.length < n) s.rateBuffer = new Float32Array(Math.max(n, 2 * s.rateBuffer.length));
  const rates = s.rateBuffer.subarray(0, n);
  const { position, schedule, epoch, iteration } = s;
  position.epoch = epoch;
  position.batchesPerEpoch = Number.isFinite(batchesPerEpoch) ? batchesPerEpoch : e + n;
  for (let i = 0; i < n; i++) {
    position.batch = e + i;
    position.iteration = iteration + i;
    const r = schedule.rate(position);
    rates[i] = r;
    // NaN, negative, or beyond float32 such as 1e39: say so here, before it reaches the engine
    if (!(rates[i] >= 0 && rates[i] < Infinity)) throw badRate(r, epoch, iteration + i);
  }
  return rates;
}

/** Training stopped inside the epoch: its sums are kept, so that a resumed run completes it, and shown in the history so far. */
function keepPartialEpoch(s: RunState): void {
  const { sums, h } = s;
  if (sums.rows > 0) {
    s.partial = { lossSum: sums.loss, rows: sums.rows };
    h.loss.push(sums.loss / sums.rows);
    h.learningRate.push(s.lastRate);
    h.epochTimeMs.push(performance.now() - s.epochStarted);
  }
}

/**
 * The end of a complete epoch: the counts (and the generator's state, where the next epoch's
 * shuffle starts), its entries in the history (mean training loss, learning rate, validation
 * metrics, time), then the steps of the schedule (plateau), of scikit-learn's tolerance rule and of
 * early stopping (θ kept at a new best when restoreBestWeights asks). Returns what onEpochEnd and
 * the yield hand over, and whether early stopping ends training.
 */
function closeEpoch(s: RunState, rng: Rng): { info: EpochInfo; stopEarly: boolean } {
  const { h, sums, config, problem } = s;
  s.epoch++;
  s.batch = 0;
  s.rngState = rng.state();
  const loss = sums.loss / sums.rows;
  h.loss.push(loss);
  h.learningRate.push(s.lastRate);
  let valLoss: number | undefined;
  let valScore: number | undefined;
  if (problem.validation) {
    ({ valLoss, valScore } = validationMetrics(s.live, problem.score, s.valTotal));
    h.valLoss.push(valLoss);
    h.valScore.push(valScore);
  }
  h.epochTimeMs.push(performance.now() - s.epochStarted);
  s.schedule.epochEnd(valLoss ?? loss);
  toleranceStep(s.tol, loss, config.tolerance);
  const stopping = config.earlyStopping;
  let stopEarly = false;
  if (stopping && s.es) {
    const value = stopping.monitor === 'loss' ? loss : stopping.monitor === 'valLoss' ? valLoss! : valScore!;
    const step = earlyStoppingStep(stopping, s.es, value, s.epoch);
    if (step.improved && stopping.restoreBestWeights) s.bestParams = s.live.params();
    stopEarly = step.stop;
  }
  const info: EpochInfo = {
    epoch: s.epoch,
    loss,
    ...(valLoss === undefined ? {} : { valLoss, valScore }),
    learningRate: s.lastRate,
    iterations: s.iteration,
    timeMs: performance.now() - s.started,
  };
  return { info, stopEarly };
}

/** After the yield: a run parked meanwhile opens a new session from θ and the optimizer state kept in JS (staged features went with the freed session: the new one copies the rows again). */
function unpark(s: RunState): void {
  const parked = s.parked;
  if (!parked) return;
  reclaimSuspended();
  const spec = s.spec!;
  const reopen = s.staged ? { ...spec, train: { ...spec.train, x: (s.problem.train as TrainData).x.data } } : spec;
  s.session = s.live = s.engine!.createSession(reopen);
  s.live.setParams(parked.params);
  s.live.setOptimizerState(parked.optimizer);
  s.parked = null;
}

/** The stopping rules read between epochs (the budget of updates, the tolerance rule, early stopping): why training ends here, or null. */
function stopAfterEpoch(s: RunState, stopEarly: boolean): StopReason | null {
  const { config } = s;
  if (s.iteration >= config.maxIterations) return 'maxIterations';
  if (config.tolerance !== null && s.tol.since >= config.patience) return 'tolerance';
  if (stopEarly) return 'earlyStopping';
  return null;
}

/**
 * The run's outcome, however it ended: θ (the best one when restoreBestWeights kept it, unless
 * training diverged) and the training state a resumed run continues from, read from the session
 * (or from what parking kept), which is then freed. Null when no session was opened.
 */
function snapshot(s: RunState): { params: Float32Array; state: TrainingState } | null {
  const open = s.session;
  const saved = s.parked;
  if (!open && !saved) return null;
  try {
    const current = open ? open.params() : saved!.params;
    const opt = open ? open.optimizerState() : saved!.optimizer;
    // the model ends with the best weights; a resumed run continues from where training stopped
    const best = s.bestParams && s.config.earlyStopping?.restoreBestWeights && s.stopReason !== 'diverged' ? s.bestParams : null;
    const { es, tol } = s;
    const state: TrainingState = {
      version: 1,
      seed: s.seed,
      epoch: s.epoch,
      iteration: s.iteration,
      batch: s.batch,
      rng: s.rngState ?? [],
      partial: s.partial,
      optimizer: { type: s.config.optimizer.spec.type, step: opt.step, buffers: Array.from(opt.buffers, toJsonFloat) },
      plateau: plateauJSON(s.schedule.state()),
      earlyStopping: es ? { ...es, best: finiteOrNull(es.best) } : null,
      bestParams: s.bestParams ? Array.from(s.bestParams) : null,
      current: best ? Array.from(current) : null,
      tolerance: { best: finiteOrNull(tol.best), since: tol.since },
      history: mapHistory(s.h, toJsonFloat),
    };
    return { params: best ?? current, state };
  } finally {
    open?.dispose();
    s.session = null;
    s.parked = null;
  }
}

/** What fit returns: the history, with when and why training stopped and where it ran. */
function historyOf(s: RunState): History {
  const { h, es } = s;
  return {
    ...h,
    epochs: h.loss.length,
    iterations: s.iteration,
    timeMs: performance.now() - s.started,
    stopReason: s.stopReason,
    bestLoss: Math.min(Infinity, ...h.loss),
    bestEpoch: es && es.bestEpoch > 0 ? es.bestEpoch : null,
    seed: s.seed,
    engine: s.engineName,
    threads: s.threads,
    path: s.path.result(),
  };
}

/**
 * One training run. `run()` is an async generator of EpochInfo (what fitIter hands to users);
 * when it ends, however it ends, `params`, `state`, `history` and `error` hold the outcome.
 */
export class TrainingRun {
  params: Float32Array | null = null;
  state: TrainingState | null = null;
  history: History | null = null;
  error: unknown = null;
  /** Set once a model has installed this run's outcome. */
  adopted = false;

  private readonly schedule: Schedule;

  /** Checks everything that can be checked before training, so that bad options fail fast. */
  constructor(
    private readonly problem: TrainProblem,
    private readonly config: FitConfig,
    private readonly resumeFrom: { params: Float32Array; state: TrainingState } | null,
  ) {
    if (!isStream(problem.train)) checkAgainstData(config, problem.train.x.rows);
    else if (resumeFrom && resumeFrom.state.batch > 0) {
      throw new InvalidOptionError(
        'resume',
        true,
        `a training on a stream resumes from an epoch boundary only, and this one stopped inside epoch ${resumeFrom.state.epoch + 1}; fit afresh, or resume on data in memory`,
      );
    }
    const v = problem.validation;
    if (v && config.engine !== 'js' && v.x.data.length * 4 > residentLimitBytes) {
      const option = config.validationSplit !== undefined ? 'validationSplit' : 'validationData';
      throw new InvalidOptionError(
        option,
        config[option],
        `the validation rows take ${v.x.data.length * 4} bytes as float32, more than the wasm engine holds (${residentLimitBytes}): ` +
          `validate on fewer rows (a smaller ${option}), or train with engine: 'js'`,
      );
    }
    const plateau = resumeFrom?.state.plateau ?? null;
    this.schedule = config.learningRate.start(plateau && { ...plateau, best: fromNullable(plateau.best, Infinity) });
  }

  /** Set by `stop()`: training ends at the next batch, as on an abort (stopReason 'aborted'). */
  private readonly control = { stopRequested: false };
  /** While the run waits at a `yield`, what frees its engine session (its state kept in JS). */
  private parkSession: (() => void) | null = null;

  /**
   * Asks the run to end as soon as it can, keeping what it learned (fitIter's `dispose()`). When
   * the run waits at an epoch's end, its engine session (the data and θ in wasm memory) is freed
   * at once, not when the run is next resumed or collected.
   */
  stop(): void {
    this.control.stopRequested = true;
    this.parkSession?.();
  }

  /**
   * The algorithm: open the session (θ initialized or resumed), then epoch after epoch: shuffle
   * and train the batches (rows held whole, in blocks, or streamed), close the epoch (history,
   * validation, schedule and stopping rules), hand it to the caller (the session parked if need
   * be), and stop on a rule. However it ends, the outcome is read from the session (finish).
   */
  async *run(): AsyncGenerator<EpochInfo, void, undefined> {
    const s = new RunState(this.problem, this.config, this.resumeFrom, this.schedule, this.control);
    try {
      await startRun(s);
      while (s.epoch < s.config.maxEpochs) {
        const rng = beginEpoch(s);
        const complete = s.streaming ? await streamEpoch(s, rng) : s.block ? await blockedEpoch(s, rng) : await inMemoryEpoch(s, rng);
        if (s.stopReason === 'diverged') break; // (the counts are back at the last restore point)
        if (!complete) {
          keepPartialEpoch(s);
          break;
        }
        const { info, stopEarly } = closeEpoch(s, rng);
        if (s.config.onEpochEnd) await s.config.onEpochEnd(info);
        // while the caller holds the epoch, the session may be parked (RunState.park)
        this.parkSession = s.park;
        suspended.add(s.park);
        try {
          yield info;
        } finally {
          suspended.delete(s.park);
          this.parkSession = null;
        }
        unpark(s);
        const reason = stopAfterEpoch(s, stopEarly);
        if (reason) {
          s.stopReason = reason;
          break;
        }
      }
    } catch (e) {
      s.error = e;
    } finally {
      this.finish(s);
    }
  }

  /** Installs the outcome (snapshot, history, error) and frees what the run held. */
  private finish(s: RunState): void {
    this.error = s.error;
    s.staged?.dispose();
    const outcome = snapshot(s);
    if (outcome) {
      this.params = outcome.params;
      this.state = outcome.state;
    }
    this.history = historyOf(s);
    if (this.error instanceof DivergenceError) {
      this.error = new DivergenceError(this.error.epoch, this.error.iteration, this.history);
    }
  }
}
