/** The messages between the demo page and its training worker. */
import type { Domain } from '../ts/plot/descent.js';

export type DemoData =
  /** y = 4 − 2x + noise, the data of `minibatch paths`. */
  | { readonly kind: 'synthetic' }
  /** A CSV's text: a bundled file or one dropped on the page. */
  | { readonly kind: 'csv'; readonly name: string; readonly text: string; readonly target: string; readonly features?: readonly string[] };

export interface StartMessage {
  readonly type: 'start';
  readonly id: number;
  readonly data: DemoData;
  readonly batchSize: number;
  readonly learningRate: number;
  /** A key of PATH_OPTIMIZERS. */
  readonly optimizer: string;
  readonly updates: number;
  /** Milliseconds between slices of training, so that the path can be watched. */
  readonly pauseMs: number;
  readonly seed: number;
}

export type ToWorker = StartMessage | { readonly type: 'stop' };

export interface ReadyMessage {
  readonly type: 'ready';
  readonly id: number;
  readonly name: string;
  readonly rows: number;
  readonly features: number;
  readonly model: string;
  /** The three descents, batch first. */
  readonly labels: string[];
  /** Two parameters (one feature, linear regression): the frame, the contours and the minimum. */
  readonly contours: { domain: Domain; grid: { width: number; height: number; values: number[]; thresholds: number[] }; optimum: { t0: number; t1: number } } | null;
  readonly axes: [string, string];
}

export interface ProgressMessage {
  readonly type: 'progress';
  readonly id: number;
  readonly run: number;
  /** New points of the path: (the two shown parameters) after each update. */
  readonly points: { i: number; t0: number; t1: number }[];
  /** The full training objective at the update counts given. */
  readonly loss: { update: number; loss: number }[];
}

export interface DoneMessage {
  readonly type: 'done';
  readonly id: number;
  /** The mini-batch model, as toJSON(). */
  readonly model: unknown;
  readonly engine: string;
  readonly timeMs: number;
  readonly stopped: boolean;
}

export type FromWorker = ReadyMessage | ProgressMessage | DoneMessage | { readonly type: 'error'; readonly id: number; readonly message: string };
