/**
 * Mirror of crates/minibatch-core/src/dataset.rs: a dataset as the session holds it, checked
 * once when it arrives (rules.ts `checkDataset`), so that the batch loop never meets a value it
 * cannot use.
 */
import type { EngineData } from '../types.js';
import { MinibatchError } from '../../errors.js';
import { CROSS_ENTROPY } from './objective.js';
import { checkDataset } from './rules.js';

/** A dataset as the session reads it: y has k targets per row for squaredError with k outputs
 * (row-major), one label per row otherwise; `labels` are the class indices for crossEntropy. */
export interface Rows {
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly weights: Float32Array | null;
  readonly labels: Int32Array;
  readonly rows: number;
}

/** The rows of `data` for an objective of kind `kind` with d features and k outputs, checked. */
export function checkedRows(name: 'train' | 'validation', data: EngineData, kind: number, d: number, k: number): Rows {
  const { x, y, sampleWeight } = data;
  if (!(x instanceof Float32Array)) throw new MinibatchError('ENGINE_FAILURE', `${name}: features staged by the ${x.engine} engine`);
  const rows = checkDataset(name, kind, d, k, x, y, sampleWeight);
  let labels = new Int32Array(0);
  if (kind === CROSS_ENTROPY) {
    labels = new Int32Array(rows);
    for (let r = 0; r < rows; r++) labels[r] = y[r];
  }
  return { x, y, weights: sampleWeight, labels, rows };
}
