/** The public API of minibatch; nothing else is public. */
export { LinearRegression } from './models/linear-regression.js';
export { LogisticRegression } from './models/logistic-regression.js';
export { SoftmaxRegression, type SoftmaxRegressionOptions } from './models/softmax-regression.js';
export { MLPClassifier, MLPRegressor, type MLPOptions, type MLPClassifierOptions } from './models/mlp.js';
export type { Estimator, LinearModel, LinearModelOptions, ModelJSON, Targets, Features, PartialFitOptions, FitIterator, DisposeKey, AsyncDisposeKey } from './models/linear-model.js';
export { crossValidate, type CrossValidateOptions, type CrossValidateResult } from './models/cross-validate.js';
export type { FitOptions, EpochInfo, BatchInfo, InitName } from './train/options.js';
export { FIT_DEFAULTS } from './train/options.js';
export { OPTIMIZER_DEFAULTS, type OptimizerOption, type OptimizerName, type ClipOptions } from './train/optimizers.js';
export type { SgdOptions, AdagradOptions, RmspropOptions, AdamOptions } from './train/optimizers.js';
export type { LearningRateOption, ScheduleOption, StepPer, PlateauState } from './train/schedules.js';
export type { EarlyStoppingOption, Monitor } from './train/early-stopping.js';
export type { History, StopReason, TrainingState, HistoryKey, JsonFloat, ParameterPath } from './train/loop.js';
export type { FeaturesInput, Matrix } from './data/matrix.js';
export { Dataset, type DatasetInit, type FromArraysOptions, type FromObjectsOptions } from './data/dataset.js';
export { CSVStream, shuffleBuffer, type Chunk, type StreamCSVOptions, type ShuffleBufferOptions, type ScanResult } from './data/stream.js';
export type { CSVOptions, ColumnSelector } from './data/csv.js';
export type { CSVSource, CSVSourceOnce, OneShotSource } from './data/source.js';
export { StandardScaler, MinMaxScaler } from './data/scaler.js';
export type { ScalerInput, StandardScalerOptions, StandardScalerJSON, MinMaxScalerOptions, MinMaxScalerJSON } from './data/scaler.js';
export { LabelEncoder, OneHotEncoder, type ClassValue, type LabelEncoderJSON, type OneHotEncoderOptions, type OneHotEncoderJSON } from './data/encoders.js';
export { trainTestSplit, kFold, type Fold, type Folds, type TrainTestSplitOptions, type KFoldOptions } from './data/split.js';
export { parseCSV, type Table } from './data/csv.js';
export { initWasm, wasmSimdSupported, wasmMemoryBytes, stopThreads, threadsUnavailableReason, type WasmSource, type WasmSources, type CompiledWasmModule, type EngineName } from './engine/index.js';
export type { ActivationName } from './engine/types.js';
export {
  MinibatchError,
  InvalidOptionError,
  InvalidDataError,
  DivergenceError,
  NotFittedError,
  InvalidModelError,
  type ErrorCode,
} from './errors.js';
