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
import type { EngineName, ObjectiveName, Session } from '../engine/types.js';
import { resolveEngine } from '../engine/index.js';
import type { Matrix } from '../data/matrix.js';
import { Rng } from '../data/random.js';
import { DivergenceError, InvalidModelError } from '../errors.js';
import { type EarlyStoppingConfig, type EarlyStoppingState, earlyStoppingStep, initialEarlyStopping, resolveEarlyStopping } from './early-stopping.js';
import { type BatchInfo, type EpochInfo, type FitConfig, checkAgainstData } from './options.js';
import { type PlateauState, type Schedule, resolveSchedule } from './schedules.js';

export type StopReason = 'maxEpochs' | 'maxIterations' | 'tolerance' | 'earlyStopping' | 'aborted' | 'maxTime' | 'diverged';

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
}

export interface TrainData {
  readonly x: Matrix;
  readonly y: Float32Array;
  readonly sampleWeight: Float32Array | null;
}

export interface TrainProblem {
  readonly objective: ObjectiveName;
  readonly nOutputs: number;
  readonly l2: number;
  readonly l1: number;
  readonly fitIntercept: boolean;
  readonly train: TrainData;
  readonly validation: TrainData | null;
  /** How valScore is computed from the engine's metric sum. */
  readonly score: 'accuracy' | 'r2';
}

/** Everything a resumed run needs besides θ and the data; JSON-safe (±Infinity as null). */
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
  optimizer: { type: string; step: number; buffers: number[] };
  plateau: PlateauState | null;
  /** `best` is null where it is still ±Infinity (JSON has no infinities). */
  earlyStopping: { best: number | null; bestEpoch: number; wait: number } | null;
  bestParams: number[] | null;
  tolerance: { best: number | null; since: number };
  history: {
    loss: number[];
    valLoss: number[];
    valScore: number[];
    learningRate: number[];
    epochTimeMs: number[];
  };
}

/** PyTorch's nn.Linear initialization, U(−1/√d, 1/√d), or zeros (scikit-learn's). */
function initialParams(rng: Rng, d: number, k: number, init: 'uniform' | 'zeros', fitIntercept: boolean): Float32Array {
  const p = new Float32Array(k * (d + 1));
  if (init === 'uniform') {
    const bound = 1 / Math.sqrt(d);
    for (let j = 0; j < p.length; j++) p[j] = (2 * rng.float() - 1) * bound;
  }
  if (!fitIntercept) p.fill(0, k * d);
  return p;
}

/** Gives the event loop a turn: setImmediate in Node and Deno, a MessageChannel hop in browsers
 * (setTimeout(0) is clamped to 4 ms there once nested). */
function yieldToEventLoop(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((r) => setImmediate(r));
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

/** Weighted Σ s·(y − ȳ)², the denominator of the validation R². */
function weightedTotalSquares(d: TrainData): number {
  let sw = 0;
  let swy = 0;
  for (let i = 0; i < d.y.length; i++) {
    const s = d.sampleWeight ? d.sampleWeight[i] : 1;
    sw += s;
    swy += s * d.y[i];
  }
  const mean = swy / sw;
  let tot = 0;
  for (let i = 0; i < d.y.length; i++) tot += (d.sampleWeight ? d.sampleWeight[i] : 1) * (d.y[i] - mean) ** 2;
  return tot;
}

/** Multiply-adds per engine call when the loop must keep control (see `chunk` in run()). */
const CALL_WORK = 1 << 21;

const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);
const fromNullable = (v: number | null, fallback: number): number => (v === null ? fallback : v);

/**
 * One training run. `run()` is an async generator of EpochInfo (what fitIter hands to users);
 * when it ends, however it ends, `params`, `state`, `history` and `error` hold the outcome.
 */
export class TrainingRun {
  params: Float32Array | null = null;
  state: TrainingState | null = null;
  history: History | null = null;
  error: unknown = null;

  private readonly earlyStopping: EarlyStoppingConfig | null;
  private readonly schedule: Schedule;

  /** Checks everything that can be checked before training, so that bad options fail fast. */
  constructor(
    private readonly problem: TrainProblem,
    private readonly config: FitConfig,
    private readonly resumeFrom: { params: Float32Array; state: TrainingState } | null,
  ) {
    checkAgainstData(config, problem.train.x.rows);
    this.earlyStopping = resolveEarlyStopping(config.earlyStopping, problem.validation !== null);
    this.schedule = resolveSchedule(config.learningRate, config.maxEpochs, resumeFrom?.state.plateau ?? null);
  }

  async *run(): AsyncGenerator<EpochInfo, void, undefined> {
    const started = performance.now();
    const { problem, config } = this;
    const { train } = problem;
    const rows = train.x.rows;
    const { earlyStopping, schedule } = this;
    const prior = this.resumeFrom?.state ?? null;
    const seed = prior ? prior.seed : (config.seed ?? Rng.freshSeed());
    const h = prior
      ? structuredClone(prior.history)
      : { loss: [] as number[], valLoss: [] as number[], valScore: [] as number[], learningRate: [] as number[], epochTimeMs: [] as number[] };
    let epoch = prior?.epoch ?? 0;
    let iteration = prior?.iteration ?? 0;
    let batch = prior?.batch ?? 0;
    let partial = prior?.partial ?? null;
    let rngState = prior?.rng ?? null;
    const tol = prior ? { best: fromNullable(prior.tolerance.best, Infinity), since: prior.tolerance.since } : { best: Infinity, since: 0 };
    const es: EarlyStoppingState | null = earlyStopping
      ? prior?.earlyStopping
        ? { ...prior.earlyStopping, best: fromNullable(prior.earlyStopping.best, earlyStopping.monitor === 'valScore' ? -Infinity : Infinity) }
        : initialEarlyStopping(earlyStopping)
      : null;
    let bestParams: Float32Array | null = prior?.bestParams ? new Float32Array(prior.bestParams) : null;
    let stopReason: StopReason = 'maxEpochs';
    let lastRate = h.learningRate.at(-1) ?? NaN;
    let engineName: EngineName = config.engine ?? 'wasm';
    let session: Session | null = null;
    const valTotal = problem.validation && problem.score === 'r2' ? weightedTotalSquares(problem.validation) : 0;

    try {
      const engine = await resolveEngine(config.engine);
      engineName = engine.name;
      session = engine.createSession({
        objective: problem.objective,
        nFeatures: train.x.cols,
        nOutputs: problem.nOutputs,
        l2: problem.l2,
        l1: problem.l1,
        fitIntercept: problem.fitIntercept,
        optimizer: config.optimizer.spec,
        clipNorm: config.optimizer.clipNorm,
        clipValue: config.optimizer.clipValue,
        train: { x: train.x.data, y: train.y, sampleWeight: train.sampleWeight },
        validation: problem.validation
          ? { x: problem.validation.x.data, y: problem.validation.y, sampleWeight: problem.validation.sampleWeight }
          : null,
      });
      if (this.resumeFrom && prior) {
        if (prior.optimizer.type !== config.optimizer.spec.type) {
          throw new InvalidModelError(
            `cannot resume: the snapshot's optimizer is '${prior.optimizer.type}', this fit asks for '${config.optimizer.spec.type}'`,
          );
        }
        session.setParams(this.resumeFrom.params);
        session.setOptimizerState({ step: prior.optimizer.step, buffers: new Float32Array(prior.optimizer.buffers) });
      } else {
        const rng = Rng.stream(seed, 0);
        session.setParams(initialParams(rng, train.x.cols, problem.nOutputs, config.init, problem.fitIntercept));
        rngState = rng.state();
      }

      const batchesPerEpoch = config.dropLast ? Math.floor(rows / config.batchSize) : Math.ceil(rows / config.batchSize);
      const order = new Uint32Array(rows);
      const rateBuffer = new Float32Array(batchesPerEpoch);
      // Batches per engine call: the whole epoch, unless yielding, the clock or an abort signal
      // want control back sooner; then about CALL_WORK multiply-adds a call (about a millisecond).
      // Calls start at multiples of `chunk` within the epoch, whatever the timing, so that the
      // loss sums group the same way in every run with the same options (resuming from a
      // snapshot reproduces the history to the bit, not only the parameters).
      const watched = config.yieldEveryMs > 0 || config.maxTimeMs < Infinity || config.signal !== undefined;
      const work = config.batchSize * train.x.cols * problem.nOutputs;
      const chunk = watched ? Math.max(1, Math.floor(CALL_WORK / work)) : batchesPerEpoch;
      let lastYield = performance.now();

      training: while (epoch < config.maxEpochs) {
        const epochStarted = performance.now();
        const rng = new Rng(seed, rngState!);
        for (let i = 0; i < rows; i++) order[i] = i;
        if (config.shuffle) rng.shuffle(order);
        session.setOrder(order);
        // where a non-finite run puts everything back to (the session restores θ and the optimizer)
        const atOrder = { batch, iteration, partial };
        let lossSum = partial?.lossSum ?? 0;
        let seen = partial?.rows ?? 0;
        if (partial) {
          h.loss.pop();
          h.learningRate.pop();
          h.epochTimeMs.pop();
        }
        partial = null;
        let sinceCallback = { loss: 0, rows: 0 };

        while (batch < batchesPerEpoch) {
          if (iteration >= config.maxIterations) stopReason = 'maxIterations';
          else if (config.signal?.aborted) stopReason = 'aborted';
          else if (performance.now() - started >= config.maxTimeMs) stopReason = 'maxTime';
          if (stopReason !== 'maxEpochs') break;
          let n = Math.min(batchesPerEpoch - batch, config.maxIterations - iteration, chunk - (batch % chunk));
          if (config.onBatchEnd) n = Math.min(n, config.onBatchEndEvery - (iteration % config.onBatchEndEvery));
          const rates = rateBuffer.subarray(0, n);
          for (let i = 0; i < n; i++) {
            rates[i] = schedule.rate({ epoch, batch: batch + i, batchesPerEpoch, iteration: iteration + i });
          }
          const s = session.runBatches({ batchSize: config.batchSize, startBatch: batch, learningRates: rates, dropLast: config.dropLast });
          if (!s.finite) {
            // the session went back to the epoch's start; so does the count
            this.error = new DivergenceError(epoch + 1, iteration + s.iterations, null);
            ({ batch, iteration, partial } = atOrder);
            if (partial) {
              h.loss.push(partial.lossSum / partial.rows);
              h.learningRate.push(lastRate);
              h.epochTimeMs.push(0);
            }
            stopReason = 'diverged';
            break training;
          }
          lossSum += s.lossSum;
          seen += s.rows;
          iteration += s.iterations;
          batch += s.iterations;
          lastRate = rates[s.iterations - 1];
          if (config.onBatchEnd) {
            sinceCallback.loss += s.lossSum;
            sinceCallback.rows += s.rows;
            if (iteration % config.onBatchEndEvery === 0) {
              const info: BatchInfo = { epoch: epoch + 1, batch, iterations: iteration, loss: sinceCallback.loss / sinceCallback.rows };
              sinceCallback = { loss: 0, rows: 0 };
              config.onBatchEnd(info);
            }
          }
          if (config.yieldEveryMs > 0 && performance.now() - lastYield >= config.yieldEveryMs) {
            await yieldToEventLoop();
            lastYield = performance.now();
          }
        }

        if (batch < batchesPerEpoch) {
          // stopped inside the epoch: keep its sums so that a resumed run completes it
          if (seen > 0) {
            partial = { lossSum, rows: seen };
            h.loss.push(lossSum / seen);
            h.learningRate.push(lastRate);
            h.epochTimeMs.push(performance.now() - epochStarted);
          }
          break;
        }
        epoch++;
        batch = 0;
        rngState = rng.state();
        const loss = lossSum / seen;
        h.loss.push(loss);
        h.learningRate.push(lastRate);
        let valLoss: number | undefined;
        let valScore: number | undefined;
        if (problem.validation) {
          const ev = session.evaluate('validation');
          valLoss = ev.lossSum / ev.weightSum + session.penalty();
          valScore = problem.score === 'accuracy' ? ev.metricSum / ev.weightSum : valTotal > 0 ? 1 - ev.metricSum / valTotal : 0;
          h.valLoss.push(valLoss);
          h.valScore.push(valScore);
        }
        h.epochTimeMs.push(performance.now() - epochStarted);
        schedule.epochEnd(valLoss ?? loss);

        // scikit-learn's rule (sklearn/linear_model/_sgd_fast.pyx): an epoch whose loss is not
        // below best − tol counts as no improvement; `patience` of them in a row stop training.
        if (config.tolerance !== null) tol.since = loss > tol.best - config.tolerance ? tol.since + 1 : 0;
        if (loss < tol.best) tol.best = loss;
        let stopEarly = false;
        if (earlyStopping && es) {
          const value = earlyStopping.monitor === 'loss' ? loss : earlyStopping.monitor === 'valLoss' ? valLoss! : valScore!;
          const step = earlyStoppingStep(earlyStopping, es, value, epoch);
          if (step.improved && earlyStopping.restoreBestWeights) bestParams = session.params();
          stopEarly = step.stop;
        }

        const info: EpochInfo = {
          epoch,
          loss,
          ...(valLoss === undefined ? {} : { valLoss, valScore }),
          learningRate: lastRate,
          iterations: iteration,
          timeMs: performance.now() - started,
        };
        if (config.onEpochEnd) await config.onEpochEnd(info);
        yield info;

        if (iteration >= config.maxIterations) {
          stopReason = 'maxIterations';
          break;
        }
        if (config.tolerance !== null && tol.since >= config.patience) {
          stopReason = 'tolerance';
          break;
        }
        if (stopEarly) {
          stopReason = 'earlyStopping';
          break;
        }
      }
    } catch (e) {
      this.error = e;
    } finally {
      if (session) {
        try {
          if (bestParams && earlyStopping?.restoreBestWeights && stopReason !== 'diverged') session.setParams(bestParams);
          this.params = session.params();
          const opt = session.optimizerState();
          this.state = {
            version: 1,
            seed,
            epoch,
            iteration,
            batch,
            rng: rngState ?? [],
            partial,
            optimizer: { type: config.optimizer.spec.type, step: opt.step, buffers: Array.from(opt.buffers) },
            plateau: schedule.state(),
            earlyStopping: es ? { ...es, best: finiteOrNull(es.best) } : null,
            bestParams: bestParams ? Array.from(bestParams) : null,
            tolerance: { best: finiteOrNull(tol.best), since: tol.since },
            history: h,
          };
        } finally {
          session.dispose();
        }
      }
      this.history = {
        ...h,
        epochs: h.loss.length,
        iterations: iteration,
        timeMs: performance.now() - started,
        stopReason,
        bestLoss: Math.min(Infinity, ...h.loss),
        bestEpoch: es && es.bestEpoch > 0 ? es.bestEpoch : null,
        seed,
        engine: engineName,
      };
      if (this.error instanceof DivergenceError) {
        this.error = new DivergenceError(this.error.epoch, this.error.iteration, this.history);
      }
    }
  }
}
