/** The public API of minibatch; nothing else is public. */
export { LinearRegression } from './models/linear-regression.js';
export { LogisticRegression } from './models/logistic-regression.js';
export type { LinearModelOptions, ModelJSON } from './models/linear-model.js';
export type { FitOptions, EpochInfo } from './train/options.js';
export { FIT_DEFAULTS } from './train/options.js';
export type { History, StopReason } from './train/fit.js';
export type { FeaturesInput, TargetInput, Matrix } from './data/matrix.js';
export { StandardScaler } from './data/scaler.js';
export { parseCSV, type Table } from './data/csv.js';
export { initWasm, wasmSimdSupported, type WasmSource, type EngineName } from './engine/index.js';
export {
  MinibatchError,
  InvalidOptionError,
  InvalidDataError,
  DivergenceError,
  NotFittedError,
  InvalidModelError,
  type ErrorCode,
} from './errors.js';
