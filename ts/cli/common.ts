/**
 * What the subcommands share: exit codes, one-line errors, atomic writes, reading a CSV into a
 * Dataset, choosing and building the model, and the fit options from flags.
 */
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import {
  type CSVStream,
  Dataset,
  DivergenceError,
  InvalidDataError,
  InvalidModelError,
  InvalidOptionError,
  LinearRegression,
  LogisticRegression,
  MLPClassifier,
  MLPRegressor,
  MinibatchError,
  SoftmaxRegression,
} from '../index.js';
import type { ActivationName, EngineName, FitOptions, InitName, ModelJSON } from '../index.js';

/** The command's exit codes (README, "The minibatch command"). */
export const EXIT = {
  ok: 0,
  /** an unexpected failure (a bug): please report it */
  internal: 1,
  /** a bad flag, a bad flag value, a missing argument, an unknown column */
  usage: 2,
  /** a file that is missing or unreadable, data that cannot be trained on, a model file of the wrong kind */
  input: 3,
  /** training diverged (the loss or the parameters stopped being finite) */
  diverged: 4,
  /** interrupted by Ctrl-C (what was learned so far is still saved with --save) */
  interrupted: 130,
} as const;

/** An error the command reports as one line and an exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** The exit code and the one line for any error. */
export function describeError(e: unknown): { code: number; line: string } {
  if (e instanceof CliError) return { code: e.exitCode, line: e.message };
  if (e instanceof DivergenceError) return { code: EXIT.diverged, line: e.message };
  if (e instanceof InvalidOptionError) return { code: EXIT.usage, line: e.message };
  if (e instanceof InvalidDataError || e instanceof InvalidModelError) return { code: EXIT.input, line: e.message };
  if (e instanceof MinibatchError) return { code: e.code === 'NOT_FITTED' ? EXIT.input : EXIT.internal, line: e.message };
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === 'string' && typeof err.path === 'string') {
    const what = err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied' : err.code === 'EISDIR' ? 'is a directory' : err.code;
    return { code: EXIT.input, line: `${err.path}: ${what}` };
  }
  return { code: EXIT.internal, line: `internal error: ${e instanceof Error ? e.message : String(e)} (set MINIBATCH_DEBUG=1 for the stack trace)` };
}

/**
 * Writes a file so that it is either the old one or the whole new one, never half: to a
 * temporary file in the same folder, then renamed over the target (atomic on POSIX and Windows).
 */
export async function writeAtomic(file: string, content: string | Uint8Array): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, content);
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
}

/** The bundled breast-cancer data, the default of train and compare. */
export const DEFAULT_DATA = { file: new URL('../../data/breast-cancer.csv', import.meta.url), target: 'malignant', name: 'breast-cancer.csv (bundled)' };

export type ModelKind = 'linear' | 'logistic' | 'softmax' | 'mlp-classifier' | 'mlp-regressor';
export type Model = LinearRegression | LogisticRegression | SoftmaxRegression | MLPClassifier | MLPRegressor;

/** How a model of this kind reads the target column: softmax labels are categories; a network classifier takes numbers or labels as they are. */
export function targetType(kind: ModelKind): 'auto' | 'number' | 'category' {
  return kind === 'softmax' ? 'category' : kind === 'mlp-classifier' ? 'auto' : 'number';
}

/** The classifiers' kinds (scored by accuracy; the others by R²). */
export function isClassifierKind(kind: ModelKind): boolean {
  return kind === 'logistic' || kind === 'softmax' || kind === 'mlp-classifier';
}

/** The CSV's header row, for checking column names before parsing the rest. */
async function header(file: string | URL): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  const line = text.slice(0, text.search(/\r?\n|$/)).replace(/^\uFEFF/, '');
  return line.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
}

export interface Loaded {
  readonly data: Dataset;
  readonly name: string;
  readonly kind: ModelKind;
  readonly features: string[];
  readonly target: string;
}

/**
 * Reads a CSV with a header row. The model is the one asked for, or chosen from the target:
 * 0/1 values → logistic, other numbers → linear, anything else → softmax.
 */
export async function loadTraining(
  file: string | undefined,
  target: string | undefined,
  model: string | undefined,
  features?: string[],
  exclude: string[] = [],
): Promise<Loaded> {
  const source = file ?? DEFAULT_DATA.file;
  if (file !== undefined && !existsSync(file)) throw new CliError(`${file}: no such file`, EXIT.input);
  const columns = await header(source);
  const t = target ?? (file === undefined ? DEFAULT_DATA.target : undefined);
  if (t === undefined) throw new CliError(`--target is required: the column to learn (one of: ${columns.join(', ')})`, EXIT.usage);
  if (!columns.includes(t)) throw new CliError(`unknown column ${JSON.stringify(t)} for --target; the columns are: ${columns.join(', ')}`, EXIT.usage);
  checkColumns(columns, [...(features ?? []), ...exclude]);
  // a column used otherwise (sample weights) is not a feature
  if (!features && exclude.length > 0) features = columns.filter((c) => c !== t && !exclude.includes(c));
  let kind = model as ModelKind | undefined;
  if (kind === undefined || (model as string) === 'auto') {
    const probe = await Dataset.fromCSV(source, { target: t, targetType: 'auto', ...(features ? { features } : {}) });
    kind = probe.labelEncoder ? 'softmax' : probe.y!.every((v) => v === 0 || v === 1) ? 'logistic' : 'linear';
  }
  const data = await Dataset.fromCSV(source, { target: t, targetType: targetType(kind), ...(features ? { features } : {}) });
  return { data, name: file ?? DEFAULT_DATA.name, kind, features: [...data.featureNames], target: t };
}

/** Training rows read from the file every epoch (Dataset.streamCSV): data larger than memory. */
export interface Streamed {
  readonly stream: CSVStream;
  readonly name: string;
  readonly kind: ModelKind;
  readonly features: string[];
  readonly target: string;
}

/**
 * A CSV to train on as a stream. The model is the one asked for, or chosen from the first chunk's
 * targets as loadTraining does (labels are classes; a first pass over the file learns them).
 */
export async function openStream(file: string | undefined, target: string | undefined, model: string | undefined, features: string[] | undefined, chunkRows?: number): Promise<Streamed> {
  if (file === undefined) throw new CliError('--stream needs a data file', EXIT.usage);
  if (!existsSync(file)) throw new CliError(`${file}: no such file`, EXIT.input);
  const columns = await header(file);
  if (target === undefined) throw new CliError(`--target is required: the column to learn (one of: ${columns.join(', ')})`, EXIT.usage);
  checkColumns(columns, [target, ...(features ?? [])]);
  const open = (targetType: 'auto' | 'number' | 'category') => Dataset.streamCSV(file, { target, targetType, ...(features ? { features } : {}), ...(chunkRows ? { chunkRows } : {}) });
  let kind = model as ModelKind | undefined;
  if (kind === undefined || (model as string) === 'auto') {
    const probe = open('auto');
    for await (const chunk of probe) {
      kind = probe.labelEncoder ? 'softmax' : chunk.y.every((v) => v === 0 || v === 1) ? 'logistic' : 'linear';
      break;
    }
  }
  const stream = open(targetType(kind ?? 'linear'));
  return { stream, name: file, kind: kind ?? 'linear', features: features ?? columns.filter((c) => c !== target), target };
}

/** An unknown column is a usage error that lists the file's columns. */
function checkColumns(columns: string[], wanted: string[]): void {
  for (const c of wanted) {
    if (!columns.includes(c)) throw new CliError(`unknown column ${JSON.stringify(c)}; the columns are: ${columns.join(', ')}`, EXIT.usage);
  }
}

/** The model flags: the penalties, preprocessing and, for the networks, the hidden layers. */
export interface ModelOptionFlags {
  l2: number;
  l1: number;
  standardize: boolean;
  intercept: boolean;
  /** --hidden-layers, units comma-separated ('' for none). */
  hiddenLayers?: string;
  activation?: ActivationName;
}

export function makeModel(kind: ModelKind, o: ModelOptionFlags): Model {
  const options = { l2: o.l2, l1: o.l1, standardize: o.standardize, fitIntercept: o.intercept };
  if (kind === 'mlp-classifier' || kind === 'mlp-regressor') {
    const net = { ...options, ...(o.hiddenLayers !== undefined ? { hiddenLayers: hiddenLayers(o.hiddenLayers) } : {}), ...(o.activation ? { activation: o.activation } : {}) };
    return kind === 'mlp-classifier' ? new MLPClassifier(net) : new MLPRegressor(net);
  }
  if (o.hiddenLayers !== undefined || o.activation !== undefined) {
    throw new CliError(`--hidden-layers and --activation are for --model mlp-classifier or mlp-regressor, not ${kind}`, EXIT.usage);
  }
  return kind === 'logistic' ? new LogisticRegression(options) : kind === 'softmax' ? new SoftmaxRegression(options) : new LinearRegression(options);
}

/** "64,32" → [64, 32] ('' or 'none' → no hidden layer); each a whole number ≥ 1. */
function hiddenLayers(list: string): number[] {
  const t = list.trim();
  if (t === '' || t === 'none') return [];
  return t.split(',').map((s) => integer('--hidden-layers')(s.trim()));
}

/** A saved model and the columns it was trained on (the command saves them beside the model's own JSON). */
export interface SavedModel {
  readonly model: Model;
  readonly kind: ModelKind;
  readonly features: string[] | null;
  readonly target: string | null;
}

export async function loadModel(file: string): Promise<SavedModel> {
  if (!existsSync(file)) throw new CliError(`${file}: no such file`, EXIT.input);
  const text = await readFile(file, 'utf8');
  let json: ModelJSON & { columns?: { features?: string[]; target?: string } };
  try {
    json = JSON.parse(text);
  } catch {
    throw new CliError(`${file} is not a minibatch model: not JSON`, EXIT.input);
  }
  if (json === null || typeof json !== 'object' || json.format !== 'minibatch.model') {
    throw new CliError(`${file} is not a minibatch model (no "format": "minibatch.model"); save one with \`minibatch train … --save ${file}\``, EXIT.input);
  }
  const kinds: Record<string, [ModelKind, { fromJSON(j: ModelJSON): Model }]> = {
    LinearRegression: ['linear', LinearRegression],
    LogisticRegression: ['logistic', LogisticRegression],
    SoftmaxRegression: ['softmax', SoftmaxRegression],
    MLPClassifier: ['mlp-classifier', MLPClassifier],
    MLPRegressor: ['mlp-regressor', MLPRegressor],
  };
  if (!Object.hasOwn(kinds, json.model)) throw new CliError(`${file}: unknown model ${JSON.stringify(json.model)}`, EXIT.input);
  const [kind, ctor] = kinds[json.model];
  const model = ctor.fromJSON(json);
  if (!model.isFitted) throw new CliError(`${file}: the model was never trained`, EXIT.input);
  const cols = json.columns;
  return { model, kind, features: Array.isArray(cols?.features) ? cols.features : null, target: typeof cols?.target === 'string' ? cols.target : null };
}

/** The model's JSON with the columns it was trained on. */
export function modelFile(model: Model, features: string[], target: string): string {
  return JSON.stringify({ ...model.toJSON(), columns: { features, target } });
}

// ---------------------------------------------------------------------------------------------
// Flags → values

export function number(flag: string, min = -Infinity): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < min) throw new CliError(`${flag} takes a number${min > -Infinity ? ` ≥ ${min}` : ''}, got ${JSON.stringify(v)}`, EXIT.usage);
    return n;
  };
}

export function integer(flag: string, min = 1): (v: string) => number {
  return (v) => {
    const n = number(flag, min)(v);
    if (!Number.isInteger(n)) throw new CliError(`${flag} takes a whole number ≥ ${min}, got ${JSON.stringify(v)}`, EXIT.usage);
    return n;
  };
}

/** A name, or a JSON object for options with hyperparameters (--optimizer '{"type":"sgd","momentum":0.9}'). */
export function nameOrJSON(flag: string): (v: string) => unknown {
  return (v) => {
    if (!v.trim().startsWith('{')) return v;
    try {
      return JSON.parse(v);
    } catch {
      throw new CliError(`${flag}: not valid JSON: ${v}`, EXIT.usage);
    }
  };
}

/** The flags every training subcommand takes, as commander leaves them. */
export interface FitFlags {
  batchSize: number;
  epochs: number;
  maxIterations?: number;
  lr: number;
  schedule?: unknown;
  optimizer: unknown;
  tolerance: string;
  patience: number;
  seed: number;
  shuffle: boolean;
  dropLast?: boolean;
  engine?: EngineName;
  threads: string;
  init: InitName;
  classWeight?: string;
  validationSplit?: number;
  earlyStopping?: string | boolean;
  maxTime?: number;
}

/** FitOptions from the flags (validated again, with the option's name, by the library). */
export function fitOptions(f: FitFlags): FitOptions {
  const schedule = f.schedule;
  const learningRate =
    schedule === undefined ? f.lr : typeof schedule === 'string' ? ({ type: schedule, initial: f.lr } as FitOptions['learningRate']) : ({ initial: f.lr, ...(schedule as object) } as FitOptions['learningRate']);
  const tolerance = f.tolerance === 'none' ? null : number('--tolerance', 0)(f.tolerance);
  let earlyStopping: FitOptions['earlyStopping'];
  if (f.earlyStopping === true) earlyStopping = true;
  else if (typeof f.earlyStopping === 'string') earlyStopping = nameOrJSON('--early-stopping')(f.earlyStopping) as FitOptions['earlyStopping'];
  let classWeight: FitOptions['classWeight'];
  if (f.classWeight !== undefined) classWeight = f.classWeight === 'balanced' ? 'balanced' : (nameOrJSON('--class-weight')(f.classWeight) as Record<string, number>);
  return {
    batchSize: f.batchSize,
    maxEpochs: f.epochs,
    ...(f.maxIterations !== undefined ? { maxIterations: f.maxIterations } : {}),
    learningRate,
    optimizer: f.optimizer as FitOptions['optimizer'],
    tolerance,
    patience: f.patience,
    seed: f.seed,
    shuffle: f.shuffle,
    dropLast: f.dropLast ?? false,
    ...(f.engine ? { engine: f.engine } : {}),
    threads: f.threads === 'auto' ? 'auto' : integer('--threads')(f.threads),
    init: f.init,
    ...(classWeight !== undefined ? { classWeight } : {}),
    ...(f.validationSplit !== undefined ? { validationSplit: f.validationSplit } : {}),
    ...(earlyStopping !== undefined ? { earlyStopping } : {}),
    ...(f.maxTime !== undefined ? { maxTimeMs: f.maxTime * 1000 } : {}),
  };
}
