/**
 * What a run of the suite records (bench/results.json), read back by the report
 * (bench/report.ts), so that RESULTS.md and the plot can be redrawn without measuring again.
 */
import type { ModelKind } from './data.js';
import type { Limits } from './limits.js';
import type { MemoryResult } from '../memory-fit.js';
import type { FitResult } from '../whole-fit.js';
import type { DataInResult } from '../data-in.js';
import type { OptimizerKind, SystemId } from './systems.js';
import type { NetConfigResult } from './nets-run.js';
import type { NetMemoryResult } from '../memory-net.js';

/** The networks section (issue 14): throughput per size and system, and the peak memory of a fit. */
export interface NetsSection {
  readonly results: NetConfigResult[];
  readonly memory: NetMemoryResult[];
}

export type Section = 'sweep' | 'models';

export type Status =
  /** Measured, and the final loss is within the tolerance of minibatch wasm's. */
  | 'ok'
  /** Measured, but the final loss is not within the tolerance: reported, never compared. */
  | 'loss-mismatch'
  /** Not run, on purpose (the note says why). */
  | 'not-run'
  /** The run threw (the note has the message). */
  | 'error';

export interface SystemResult {
  readonly system: SystemId;
  readonly status: Status;
  readonly note?: string;
  /** Samples per second of each run (the timed epochs only). */
  readonly runs: number[];
  /** Median of `runs`; null when not measured. */
  readonly rate: number | null;
  /** Final training loss of each run on the full data, in float64, from its parameters. */
  readonly losses: number[];
  /** Largest |loss − reference| / reference over the runs. */
  readonly lossRelDiff: number | null;
  /** Every run's epoch times in milliseconds (the first epoch of each is not timed). */
  readonly epochMs: number[][];
}

export interface ConfigResult {
  readonly section: Section;
  readonly kind: ModelKind;
  readonly optimizer: OptimizerKind;
  readonly n: number;
  readonly d: number;
  readonly k: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** Samples per second that no single-core implementation can beat here (lib/limits.ts). */
  readonly limitRate: number;
  /** The same with the bandwidth of rows read in a shuffled order (what a reshuffled epoch reads). */
  readonly limitShuffledRate: number;
  /** Minibatch wasm's final loss, which every system is held to. */
  readonly referenceLoss: number | null;
  readonly results: SystemResult[];
}

export interface MemoryRow extends MemoryResult {
  readonly kind: ModelKind;
  readonly n: number;
  readonly d: number;
  readonly batchSize: number;
  readonly epochs: number;
}

export interface Machine {
  readonly cpu: string;
  readonly nproc: string;
  readonly caches: string;
  readonly memory: string;
  readonly node: string;
  readonly v8: string;
  readonly commit: string;
  /** sha256 (first 12 hex digits) of the minibatch .wasm module measured. */
  readonly wasmModule: string;
  readonly tfjs: string;
  /** 1, 5 and 15-minute load averages at the start and the end (other work on the machine slows the figures). */
  readonly loadAverage: string;
  readonly loadAverageEnd?: string;
}

export interface Settings {
  readonly epochs: number;
  readonly timedEpochs: number;
  /** Runs per configuration at least ... */
  readonly reps: number;
  /** ... and more, up to maxReps, while the timed epochs add up to less than minTimedSeconds. */
  readonly maxReps: number;
  readonly minTimedSeconds: number;
  /** A system whose runs of one configuration took longer than this stops after fewer runs. */
  readonly slowSeconds: number;
  readonly lossTolerance: number;
  readonly dataSeed: number;
  readonly fitSeed: number;
}

export interface Results {
  readonly version: 1;
  readonly quick: boolean;
  readonly date: string;
  readonly command: string;
  readonly totalSeconds: number;
  readonly machine: Machine;
  readonly settings: Settings;
  readonly limits: Limits;
  readonly configs: ConfigResult[];
  readonly memory: MemoryRow[];
  /** Whole fits (issue 12); absent in results recorded before it. */
  readonly fits?: FitResult[];
  readonly dataIn?: DataInResult | null;
  /** Networks (issue 14); absent in results recorded before it. */
  readonly nets?: NetsSection;
  /** Sections measured by a later run on their own (`--section … --record`) and put into these results. */
  readonly sectionRuns?: { section: string; date: string; command: string; commit: string; loadAverage: string; loadAverageEnd: string }[];
}
