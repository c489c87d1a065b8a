/** The subcommands' work: train, predict, evaluate, compare, paths. */
import { mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type CSVStream, type ClassValue, Dataset, LinearRegression, LogisticRegression, MLPClassifier, MLPRegressor, SoftmaxRegression } from '../index.js';
import type { EpochInfo, FitOptions, History } from '../index.js';
import {
  CliError,
  DEFAULT_DATA,
  EXIT,
  type FitFlags,
  type Loaded,
  type Model,
  type ModelOptionFlags,
  type Streamed,
  fitOptions,
  isClassifierKind,
  loadModel,
  loadTraining,
  makeModel,
  modelFile,
  openStream,
  targetType,
  writeAtomic,
} from './common.js';
import { progress } from './progress.js';
import type { Series, Spec } from '../plot/figures.js';

/** Output for people (stdout) unless --json, where stdout is one JSON document. */
export interface Output {
  json: boolean;
  quiet: boolean;
}

function say(out: Output, text: string): void {
  if (!out.json) process.stdout.write(`${text}\n`);
}

function emit(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Plotting is loaded only when a figure is written (Vega is large; `import 'minibatch'` never loads it). */
async function plot(spec: Spec, file: string): Promise<void> {
  let render: typeof import('../plot/render.js');
  try {
    render = await import('../plot/render.js');
  } catch (e) {
    // vega and vega-lite are optional peer dependencies: an install of the package does not bring them
    if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') {
      throw new CliError(`writing ${file} needs vega and vega-lite (optional peer dependencies of minibatch): npm install vega vega-lite`, EXIT.input);
    }
    throw e;
  }
  await writeAtomic(file, await render.renderFigure(spec, file));
}

/** Ctrl-C stops training gracefully (the model keeps what it learned); a second one exits at once. */
function interruptible(): { signal: AbortSignal; interrupted: () => boolean; release: () => void } {
  const controller = new AbortController();
  const onSigint = () => {
    // the summary that follows says 'aborted' (a line written here would fight the progress bar)
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  return { signal: controller.signal, interrupted: () => controller.signal.aborted, release: () => process.off('SIGINT', onSigint) };
}

export interface ModelFlags extends ModelOptionFlags {
  target?: string;
  model?: string;
  features?: string;
}

function columns(list: string | undefined): string[] | undefined {
  return list === undefined ? undefined : list.split(',').map((s) => s.trim()).filter(Boolean);
}

interface EpochPoint {
  epoch: number;
  loss: number;
  iterations: number;
  timeMs: number;
  learningRate: number;
}

/** One fit with progress; the epochs as they came (for the plots) and the history. */
async function trainOne(model: Model, data: Dataset | CSVStream, options: FitOptions, label: string, out: Output): Promise<{ history: History; epochs: EpochPoint[]; interrupted: boolean }> {
  const epochs: EpochPoint[] = [];
  const bar = progress(options.maxEpochs ?? 100, label, out.quiet);
  const stop = interruptible();
  try {
    const history = await model.fit(data, {
      ...options,
      signal: stop.signal,
      onEpochEnd: (e: EpochInfo) => {
        epochs.push({ epoch: e.epoch, loss: e.loss, iterations: e.iterations, timeMs: e.timeMs, learningRate: e.learningRate });
        bar.epoch(e);
      },
    });
    return { history, epochs, interrupted: stop.interrupted() };
  } finally {
    bar.stop();
    stop.release();
  }
}

/** How the command names each kind of model. */
const kinds = { linear: 'linear regression', logistic: 'logistic regression', softmax: 'softmax regression', 'mlp-classifier': 'MLP classifier', 'mlp-regressor': 'MLP regressor' } as const;

function describeData(l: Loaded | Streamed, standardize: boolean): string {
  const size = 'stream' in l ? `streamed, ${l.features.length} features` : `${l.data.rows} rows × ${l.data.nFeatures} features`;
  return `${l.name}: ${size}, target "${l.target}"; ${kinds[l.kind]}${standardize ? ', standardized features' : ''}`;
}

/** How the figures and tables name a batch size (the figures colour by the name). */
const descentLabel = (b: number, rows: number) => (b === 1 ? 'stochastic (b = 1)' : b >= rows ? `batch (b = n = ${rows})` : `mini-batch (b = ${b})`);

const scoreName = (kind: Loaded['kind']) => (isClassifierKind(kind) ? 'accuracy' : 'R²');

export interface TrainFlags {
  save?: string;
  plot?: string;
  validation?: string;
  sampleWeight?: string;
  resume?: string;
  recordPath?: string;
  stream?: boolean;
  shuffleBufferRows?: number;
}

/** A column of the training file as numbers (sample weights); `other` is any numeric column (a Dataset needs a feature). */
async function column(file: string | undefined, name: string, other: string): Promise<Float32Array> {
  return (await Dataset.fromCSV(file ?? DEFAULT_DATA.file, { target: name, targetType: 'number', features: [other] })).y!;
}

export async function train(file: string | undefined, f: ModelFlags & FitFlags & TrainFlags, out: Output): Promise<number> {
  const loaded = f.stream
    ? await openStream(file, f.target, f.model, columns(f.features))
    : await loadTraining(file, f.target, f.model, columns(f.features), f.sampleWeight ? [f.sampleWeight] : []);
  const data = 'stream' in loaded ? loaded.stream : loaded.data;
  const rows = 'stream' in loaded ? null : loaded.data.rows;
  const options: FitOptions = {
    ...fitOptions(f),
    ...(f.recordPath ? { recordPath: true } : {}),
    ...(f.shuffleBufferRows !== undefined ? { shuffleBufferRows: f.shuffleBufferRows } : {}),
  };
  if (f.sampleWeight) options.sampleWeight = await column(file, f.sampleWeight, loaded.features[0]);
  if (f.validation) {
    const v = await modelRows(f.validation, { kind: loaded.kind, features: loaded.features }, loaded.target);
    const y = v.labelEncoder ? v.labelEncoder.inverseTransform(v.y!) : v.y!;
    options.validationData = [v.x.data, y];
  }
  say(out, describeData(loaded, f.standardize));
  let model: Model;
  if (f.resume) {
    const saved = await loadModel(f.resume);
    if (saved.kind !== loaded.kind) throw new CliError(`${f.resume} is a ${saved.model.constructor.name}; this data calls for ${kinds[loaded.kind]} (--model)`, EXIT.input);
    model = saved.model;
    options.resume = true;
  } else model = makeModel(loaded.kind, f);
  const { history, epochs, interrupted } = await trainOne(model, data, options, 'train', out);
  if (f.recordPath) await writeAtomic(f.recordPath, JSON.stringify({ size: history.path!.size, iterations: history.path!.iterations, params: Array.from(history.path!.params) }));
  // a stream is not read again for the score
  const score = 'stream' in loaded ? null : model.score(loaded.data);
  if (f.save) await writeAtomic(f.save, modelFile(model, loaded.features, loaded.target));
  if (f.plot) {
    const { curvesSpec } = await import('../plot/figures.js');
    await plot(
      curvesSpec([{ label: descentLabel(f.batchSize, rows ?? Infinity), x: epochs.map((e) => e.epoch), y: epochs.map((e) => e.loss) }], {
        title: `Training loss, ${loaded.name}`,
        subtitle: `${model.constructor.name}, batch size ${f.batchSize}, ${history.stopReason}`,
        xTitle: 'epoch',
        yTitle: 'training loss (mean over the epoch)',
        logY: true,
      }),
      f.plot,
    );
  }
  if (out.json) {
    emit({
      data: { file: loaded.name, rows, features: loaded.features, target: loaded.target },
      model: model.constructor.name,
      stopReason: history.stopReason,
      epochs: history.epochs,
      iterations: history.iterations,
      timeMs: history.timeMs,
      engine: history.engine,
      threads: history.threads,
      loss: history.loss,
      finalLoss: history.loss.at(-1) ?? null,
      trainingScore: score === null ? null : { [scoreName(loaded.kind)]: score },
      validationScore: history.valScore.at(-1) ?? null,
      saved: f.save ?? null,
      plot: f.plot ?? null,
    });
  } else {
    say(
      out,
      `stopped after ${history.epochs} epochs (${history.iterations} updates, ${history.stopReason}) in ${(history.timeMs / 1000).toFixed(2)} s on the ${history.engine} engine` +
        (history.threads > 1 ? ` with ${history.threads} threads` : ''),
    );
    const val = history.valScore.length > 0 ? `, validation ${scoreName(loaded.kind)} ${history.valScore.at(-1)!.toFixed(4)}` : '';
    const training = score === null ? '' : `, training ${scoreName(loaded.kind)} ${score.toFixed(4)}`;
    say(out, `final loss ${history.loss.at(-1)?.toPrecision(6) ?? '-'}${training}${val}`);
    if (f.save) say(out, `saved the model to ${f.save}`);
    if (f.recordPath) say(out, `wrote the ${history.path!.iterations.length} recorded parameter vectors to ${f.recordPath}`);
    if (f.plot) say(out, `wrote ${f.plot}: the training loss per epoch`);
  }
  return interrupted ? EXIT.interrupted : EXIT.ok;
}

/** The rows of a CSV as the saved model needs them: its feature columns, in its order. */
async function modelRows(file: string, saved: { kind: Loaded['kind']; features: string[] | null }, target: string | undefined): Promise<Dataset> {
  if (!existsSync(file)) throw new CliError(`${file}: no such file`, EXIT.input);
  const features = saved.features ?? undefined;
  try {
    return await Dataset.fromCSV(file, {
      ...(features ? { features } : {}),
      ...(target !== undefined ? { target, targetType: targetType(saved.kind) } : {}),
    });
  } catch (e) {
    // a column the model needs that the file lacks
    if (e instanceof Error && 'option' in e && (e as { option: string }).option !== 'target' && features) {
      throw new CliError(`${file} lacks a column the model was trained on (${features.join(', ')}): ${e.message}`, EXIT.input);
    }
    throw e;
  }
}

function checkWidth(data: Dataset, model: Model, file: string): void {
  if (data.nFeatures !== model.nFeatures) {
    throw new CliError(`${file} has ${data.nFeatures} feature columns, the model takes ${model.nFeatures}`, EXIT.input);
  }
}

export async function predict(modelPath: string, file: string, f: { out?: string }, out: Output): Promise<number> {
  const saved = await loadModel(modelPath);
  const data = await modelRows(file, saved, undefined);
  checkWidth(data, saved.model, file);
  const m = saved.model;
  let header: string[];
  let rows: (string | number | boolean)[][];
  if (m instanceof LogisticRegression) {
    const p = m.predictProba(data);
    header = ['prediction', 'probability'];
    rows = Array.from(p, (v) => [v > 0.5 ? 1 : 0, v]);
  } else if (m instanceof SoftmaxRegression || m instanceof MLPClassifier) {
    const p = m.predictProba(data);
    const labels = m.predict(data);
    header = ['prediction', ...m.classes.map((c) => `p_${String(c)}`)];
    rows = p.map((ps, i) => [labels[i], ...ps]);
  } else {
    const p = m.predict(data);
    // a regressor with several outputs: one column each
    const k = Array.isArray(p) ? (p[0]?.length ?? 1) : 1;
    header = k === 1 ? ['prediction'] : Array.from({ length: k }, (_, j) => `prediction_${j}`);
    rows = Array.isArray(p) ? p : Array.from(p, (v) => [v]);
  }
  if (out.json && !f.out) {
    emit(rows.map((r) => Object.fromEntries(header.map((h, j) => [h, r[j]]))));
    return EXIT.ok;
  }
  const quote = (v: string | number | boolean) => (typeof v === 'string' && /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : String(v));
  const csv = [header.join(','), ...rows.map((r) => r.map(quote).join(','))].join('\n') + '\n';
  if (f.out) {
    await writeAtomic(f.out, csv);
    if (out.json) emit({ predictions: rows.length, out: f.out });
    else say(out, `wrote ${rows.length} predictions to ${f.out}`);
  } else {
    process.stdout.write(csv);
  }
  return EXIT.ok;
}

export async function evaluate(modelPath: string, file: string, f: { target?: string }, out: Output): Promise<number> {
  const saved = await loadModel(modelPath);
  const target = f.target ?? saved.target ?? undefined;
  if (target === undefined) throw new CliError('--target is required: the model file does not say which column it learned', EXIT.usage);
  const data = await modelRows(file, saved, target);
  checkWidth(data, saved.model, file);
  const m = saved.model;
  const n = data.rows;
  let result: Record<string, unknown>;
  if (m instanceof LinearRegression || m instanceof MLPRegressor) {
    const p = m.predict(data);
    if (!(p instanceof Float64Array)) throw new CliError(`${modelPath} predicts ${p[0]?.length ?? 0} targets per row; evaluate scores one target column`, EXIT.input);
    let se = 0;
    let ae = 0;
    for (let i = 0; i < n; i++) {
      se += (p[i] - data.y![i]) ** 2;
      ae += Math.abs(p[i] - data.y![i]);
    }
    result = { rows: n, r2: m.score(data), rmse: Math.sqrt(se / n), mae: ae / n };
  } else {
    // probabilities of each row's true class, clipped as scikit-learn's log_loss (eps = 1e-15)
    const classes: ClassValue[] = m instanceof LogisticRegression ? [0, 1] : (m as SoftmaxRegression | MLPClassifier).classes;
    const truth: number[] = [];
    const pTrue: number[] = [];
    const predicted: number[] = [];
    if (m instanceof LogisticRegression) {
      const p = m.predictProba(data);
      for (let i = 0; i < n; i++) {
        const y = data.y![i];
        truth.push(y);
        predicted.push(p[i] > 0.5 ? 1 : 0);
        pTrue.push(y === 1 ? p[i] : 1 - p[i]);
      }
    } else {
      const s = m as SoftmaxRegression | MLPClassifier;
      const p = s.predictProba(data);
      // the file's classes, by label (numbers as they are, when the file's target is numeric), to the model's indices
      const fileClasses = data.labelEncoder?.classes;
      for (let i = 0; i < n; i++) {
        const label = fileClasses ? fileClasses[data.y![i]] : data.y![i];
        const k = classes.indexOf(label);
        if (k < 0) throw new CliError(`${file}: class ${JSON.stringify(label)} (row ${i + 1}) is not one the model knows (${classes.join(', ')})`, EXIT.input);
        truth.push(k);
        predicted.push(p[i].indexOf(Math.max(...p[i])));
        pTrue.push(p[i][k]);
      }
    }
    const eps = 1e-15;
    const logLoss = -pTrue.reduce((s, v) => s + Math.log(Math.min(1 - eps, Math.max(eps, v))), 0) / n;
    const confusion = classes.map(() => classes.map(() => 0));
    for (let i = 0; i < n; i++) confusion[truth[i]][predicted[i]]++;
    const accuracy = truth.filter((t, i) => t === predicted[i]).length / n;
    result = { rows: n, accuracy, logLoss, classes, confusionMatrix: confusion };
  }
  if (out.json) {
    emit({ model: m.constructor.name, file, target, ...result });
    return EXIT.ok;
  }
  say(out, `${m.constructor.name} on ${file} (${n} rows, target "${target}")`);
  if ('r2' in result) {
    say(out, `R²    ${(result.r2 as number).toFixed(4)}\nRMSE  ${(result.rmse as number).toPrecision(6)}\nMAE   ${(result.mae as number).toPrecision(6)}`);
  } else {
    say(out, `accuracy  ${(result.accuracy as number).toFixed(4)}\nlog-loss  ${(result.logLoss as number).toPrecision(6)}`);
    const classes = (result.classes as unknown[]).map(String);
    const w = Math.max(6, ...classes.map((c) => c.length + 1), ...(result.confusionMatrix as number[][]).flat().map((v) => String(v).length + 1));
    say(out, `confusion matrix (rows: true class, columns: predicted)\n${''.padStart(w)}${classes.map((c) => c.padStart(w)).join('')}`);
    (result.confusionMatrix as number[][]).forEach((row, i) => say(out, `${classes[i].padStart(w)}${row.map((v) => String(v).padStart(w)).join('')}`));
  }
  return EXIT.ok;
}

/** "1,32,n" → batch sizes, n being the row count. */
function batchSizes(list: string, rows: number): number[] {
  return list.split(',').map((s) => {
    const t = s.trim();
    if (t === 'n') return rows;
    const b = Number(t);
    if (!Number.isInteger(b) || b < 1) throw new CliError(`--batch-sizes takes whole numbers ≥ 1 or n, separated by commas; got ${JSON.stringify(list)}`, EXIT.usage);
    return Math.min(b, rows);
  });
}

export interface CompareRun {
  batchSize: number;
  label: string;
  epochs: EpochPoint[];
  history: History;
}

export async function compare(
  file: string | undefined,
  f: ModelFlags & FitFlags & { batchSizes: string; plotDir?: string; png?: boolean },
  out: Output,
): Promise<number> {
  const loaded = await loadTraining(file, f.target, f.model, columns(f.features));
  const options = fitOptions(f);
  const sizes = batchSizes(f.batchSizes, loaded.data.rows);
  say(out, describeData(loaded, f.standardize));
  say(out, `the same seed (${f.seed}), learning rate, optimizer and budget (${f.epochs} epochs${options.tolerance === null ? '' : ', or the tolerance rule'}) for batch sizes ${sizes.join(', ')}`);
  // warm-up, not measured: loads the wasm module and compiles the code paths of each batch size,
  // so that the first run's time is not the module's loading
  for (const b of sizes) await makeModel(loaded.kind, f).fit(loaded.data, { ...options, batchSize: b, maxEpochs: 1, maxIterations: 50 });
  const runs: CompareRun[] = [];
  let interrupted = false;
  for (const b of sizes) {
    const label = descentLabel(b, loaded.data.rows);
    const r = await trainOne(makeModel(loaded.kind, f), loaded.data, { ...options, batchSize: b }, `b=${b}`, out);
    runs.push({ batchSize: b, label, epochs: r.epochs, history: r.history });
    if (r.interrupted) {
      interrupted = true;
      break;
    }
  }
  // time to a loss within 1 % of the best epoch loss of all runs
  const best = Math.min(...runs.flatMap((r) => r.history.loss));
  const target = best + Math.abs(best) * 0.01;
  const summary = runs.map((r) => {
    const hit = r.epochs.find((e) => e.loss <= target);
    return {
      batchSize: r.batchSize,
      label: r.label,
      epochs: r.history.epochs,
      updates: r.history.iterations,
      finalLoss: r.history.loss.at(-1) ?? null,
      timeMs: r.history.timeMs,
      stopReason: r.history.stopReason,
      timeToWithin1PercentMs: hit ? hit.timeMs : null,
      updatesToWithin1Percent: hit ? hit.iterations : null,
    };
  });
  const files: { file: string; shows: string }[] = [];
  if (f.plotDir) {
    await mkdir(f.plotDir, { recursive: true });
    const { curvesSpec } = await import('../plot/figures.js');
    const series = (x: (e: EpochPoint) => number, y: (e: EpochPoint) => number): Series[] =>
      runs.map((r) => ({ label: r.label, x: r.epochs.map(x), y: r.epochs.map(y) }));
    const sub = [
      `${loaded.name}, ${kinds[loaded.kind]}`,
      `seed ${f.seed}, optimizer ${typeof f.optimizer === 'string' ? f.optimizer : JSON.stringify(f.optimizer)}, learning rate ${f.lr}${f.schedule === undefined ? '' : ` (${typeof f.schedule === 'string' ? f.schedule : JSON.stringify(f.schedule)})`}`,
    ];
    const lossTitle = 'training loss (mean over the epoch, log scale)';
    const figures: { name: string; spec: Spec; shows: string }[] = [
      {
        name: 'loss-epochs.svg',
        spec: curvesSpec(series((e) => e.epoch, (e) => e.loss), { title: 'Loss per epoch', subtitle: sub, xTitle: 'epoch', yTitle: lossTitle, logY: true }),
        shows: 'training loss against epochs: per pass over the data, small batches learn faster',
      },
      {
        name: 'loss-updates.svg',
        spec: curvesSpec(series((e) => e.iterations, (e) => e.loss), { title: 'Loss per update', subtitle: sub, xTitle: 'updates (log scale)', yTitle: lossTitle, logX: true, logY: true }),
        shows: 'training loss against updates: per step, larger batches take better steps',
      },
      {
        name: 'loss-time.svg',
        spec: curvesSpec(series((e) => e.timeMs / 1000, (e) => e.loss), { title: 'Loss against wall-clock time', subtitle: sub, xTitle: 'seconds (log scale)', yTitle: lossTitle, logX: true, logY: true }),
        shows: 'training loss against wall-clock time: what each batch size costs on this machine',
      },
    ];
    if (f.schedule !== undefined) {
      figures.push({
        name: 'learning-rate.svg',
        spec: curvesSpec(series((e) => e.epoch, (e) => e.learningRate), { title: 'Learning rate', subtitle: sub, xTitle: 'epoch', yTitle: "learning rate (the epoch's last update)" }),
        shows: 'the learning-rate schedule: the rate of each epoch’s last update',
      });
    }
    for (const fig of figures) {
      const path = join(f.plotDir, f.png ? fig.name.replace(/\.svg$/, '.png') : fig.name);
      await plot(fig.spec, path);
      files.push({ file: path, shows: fig.shows });
    }
  }
  if (out.json) {
    emit({ data: { file: loaded.name, rows: loaded.data.rows, target: loaded.target }, model: loaded.kind, seed: f.seed, bestLoss: best, runs: summary, plots: files });
  } else {
    say(out, '');
    say(out, 'descent                      epochs   updates   final loss    time s   to 1 % of best');
    for (const s of summary) {
      const to = s.timeToWithin1PercentMs === null ? 'not reached' : `${(s.timeToWithin1PercentMs / 1000).toFixed(3)} s (${s.updatesToWithin1Percent} updates)`;
      say(
        out,
        `${s.label.padEnd(26)} ${String(s.epochs).padStart(7)} ${String(s.updates).padStart(9)}   ${(s.finalLoss ?? NaN).toPrecision(6).padStart(10)} ${(s.timeMs / 1000).toFixed(3).padStart(9)}   ${to}`,
      );
    }
    say(out, `best epoch loss ${best.toPrecision(6)}; "to 1 % of best" is the first epoch whose loss is within 1 % of it`);
    if (files.length > 0) {
      say(out, `\nplots in ${resolve(f.plotDir!)}:`);
      for (const x of files) say(out, `  ${x.file}  ${x.shows}`);
    }
  }
  return interrupted ? EXIT.interrupted : EXIT.ok;
}

export async function paths(
  f: { optimizer: string; lr?: number; updates: number; miniBatch: number; seed: number; rows: number; engine?: 'wasm' | 'js'; out: string },
  out: Output,
): Promise<number> {
  const { descentPaths, domainAround, leastSquares, lossGrid, resolvePathOptimizer, syntheticLine } = await import('../plot/descent.js');
  const optimizers = f.optimizer.split(',').map((s) => s.trim()).filter(Boolean);
  for (const o of optimizers) resolvePathOptimizer(o);
  const line = syntheticLine(f.seed, f.rows);
  const opt = leastSquares(line);
  const panels = [];
  for (const optimizer of optimizers) {
    const runs = await descentPaths(line, { optimizer, ...(f.lr !== undefined ? { learningRate: f.lr } : {}), updates: f.updates, miniBatch: f.miniBatch, seed: f.seed, ...(f.engine ? { engine: f.engine } : {}) });
    panels.push({ optimizer, runs });
  }
  const { PATH_LEARNING_RATES } = await import('../plot/descent.js');
  const lrOf = (o: string) => f.lr ?? PATH_LEARNING_RATES[o];
  // the frame: the start, the minimum, and the batch and mini-batch paths (a wild stochastic path may leave it)
  const pts: [number, number][] = [[0, 0], [opt.t0, opt.t1]];
  for (const p of panels) for (const r of p.runs.slice(0, 2)) r.theta0.forEach((t, i) => pts.push([t, r.theta1[i]]));
  const domain = domainAround(pts);
  if (f.out) {
    const { pathsSpec } = await import('../plot/figures.js');
    await plot(
      pathsSpec({
        panels: panels.map((p) => ({ title: `${p.optimizer}, learning rate ${lrOf(p.optimizer)}`, runs: p.runs })),
        domain,
        grid: lossGrid(line, domain),
        optimum: opt,
        title: 'Gradient descent paths over the loss contours of J(θ₀, θ₁) = ½·mean((θ₀ + θ₁x − y)²)',
        subtitle: `${f.rows} rows of y = 4 − 2x + noise (seed ${f.seed}); each descent ${f.updates} updates from θ = (0, 0) (the circle); the cross is the least-squares minimum`,
      }),
      f.out,
    );
  }
  const result = panels.map((p) => ({
    optimizer: p.optimizer,
    learningRate: lrOf(p.optimizer),
    runs: p.runs.map((r) => ({ label: r.label, batchSize: r.batchSize, final: { theta0: r.theta0.at(-1), theta1: r.theta1.at(-1), loss: r.loss.at(-1) } })),
  }));
  if (out.json) {
    emit({ rows: f.rows, seed: f.seed, updates: f.updates, optimum: opt, panels: result, out: f.out || null });
    return EXIT.ok;
  }
  say(out, `least squares: θ₀ = ${opt.t0.toFixed(4)}, θ₁ = ${opt.t1.toFixed(4)}, J = ${opt.loss.toPrecision(6)}`);
  for (const p of result) {
    say(out, `${p.optimizer} (learning rate ${p.learningRate}), after ${f.updates} updates:`);
    for (const r of p.runs) say(out, `  ${r.label.padEnd(22)} θ = (${r.final.theta0!.toFixed(4)}, ${r.final.theta1!.toFixed(4)}), J = ${r.final.loss!.toPrecision(6)}`);
  }
  if (f.out) {
    say(out, `\nwrote ${f.out}: the loss contours of the full objective with the path of each descent over them;`);
    say(out, 'batch descent walks straight down the valley, stochastic descent staggers, mini-batch is in between');
  }
  return EXIT.ok;
}
