/** The public API of minibatch; nothing else is public. */
export { LinearRegression } from './models/linear-regression.js';
export { LogisticRegression } from './models/logistic-regression.js';
export { SoftmaxRegression, type SoftmaxRegressionOptions } from './models/softmax-regression.js';
export type { LinearModelOptions, ModelJSON, Targets, Features, PartialFitOptions } from './models/linear-model.js';
export { crossValidate, type CrossValidateOptions, type CrossValidateResult } from './models/cross-validate.js';
export type { FitOptions, EpochInfo, BatchInfo } from './train/options.js';
export { FIT_DEFAULTS } from './train/options.js';
export { OPTIMIZER_DEFAULTS, type OptimizerOption, type OptimizerName, type ClipOptions } from './train/optimizers.js';
export type { LearningRateOption, ScheduleOption } from './train/schedules.js';
export type { EarlyStoppingOption } from './train/early-stopping.js';
export type { History, StopReason, TrainingState, ParameterPath } from './train/loop.js';
export type { FeaturesInput, Matrix } from './data/matrix.js';
export { Dataset, type FromArraysOptions, type FromObjectsOptions } from './data/dataset.js';
export { CSVStream, shuffleBuffer, type Chunk, type StreamCSVOptions, type ShuffleBufferOptions } from './data/stream.js';
export type { CSVOptions } from './data/csv.js';
export type { CSVSource } from './data/source.js';
export { StandardScaler, MinMaxScaler } from './data/scaler.js';
export { LabelEncoder, OneHotEncoder, type ClassValue } from './data/encoders.js';
export { trainTestSplit, kFold, type Fold, type TrainTestSplitOptions, type KFoldOptions } from './data/split.js';
export { parseCSV, type Table } from './data/csv.js';
export { initWasm, wasmSimdSupported, wasmMemoryBytes, stopThreads, threadsUnavailableReason, type WasmSource, type EngineName } from './engine/index.js';
export {
  MinibatchError,
  InvalidOptionError,
  InvalidDataError,
  DivergenceError,
  NotFittedError,
  InvalidModelError,
  type ErrorCode,
} from './errors.js';
