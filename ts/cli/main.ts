#!/usr/bin/env node
/**
 * The `minibatch` command. `minibatch train` with no options trains logistic regression on the
 * bundled breast-cancer data (standardized), showing progress and the result; `--compare` also
 * trains with batch sizes 1 (SGD) and n (batch GD) and draws the three loss curves on one chart.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import * as asciichart from 'asciichart';
import { Presets, SingleBar } from 'cli-progress';
import { Dataset, LinearRegression, LogisticRegression, MinibatchError, SoftmaxRegression } from '../index.js';
import type { EngineName, FitOptions, History, OptimizerName } from '../index.js';

const USAGE = `Usage: minibatch train [options]

Trains a model by mini-batch gradient descent on a CSV file with a header row
(default: the bundled breast-cancer data, target column "malignant").

Options:
  --data <file>          CSV file (default: data/breast-cancer.csv in the package)
  --target <column>      target column (default: malignant)
  --model <name>         logistic | softmax | linear (default: logistic)
  --batch-size <n>       rows per update (default: 32)
  --epochs <n>           maximum epochs (default: 100)
  --lr <x>               learning rate (default: 0.1)
  --optimizer <name>     sgd | adagrad | rmsprop | adam | adamw (default: sgd)
  --l2 <x>               L2 penalty λ (default: 0.0001)
  --l1 <x>               L1 penalty λ₁ (default: 0)
  --tolerance <x>        stop when the loss stops improving by this much (default: 0.0001)
  --patience <n>         epochs without improvement before stopping (default: 5)
  --validation-split <f> hold out this fraction for validation (stratified for classifiers)
  --engine <name>        wasm | js (default: wasm, falling back to js without SIMD)
  --threads <n|auto>     threads sharing each large batch (wasm engine; default: 1)
  --seed <n>             seed for initialization, shuffling and splitting (default: 42)
  --no-standardize       train on the raw feature values
  --compare              also train with batch sizes 1 (SGD) and n (batch GD); plot the three loss curves
  --save <file>          write the trained model (toJSON) to this file
  --help                 show this help`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    data: { type: 'string' },
    target: { type: 'string', default: 'malignant' },
    model: { type: 'string', default: 'logistic' },
    'batch-size': { type: 'string', default: '32' },
    epochs: { type: 'string', default: '100' },
    lr: { type: 'string', default: '0.1' },
    optimizer: { type: 'string', default: 'sgd' },
    l2: { type: 'string', default: '0.0001' },
    l1: { type: 'string', default: '0' },
    tolerance: { type: 'string', default: '0.0001' },
    patience: { type: 'string', default: '5' },
    'validation-split': { type: 'string' },
    engine: { type: 'string' },
    threads: { type: 'string', default: '1' },
    seed: { type: 'string', default: '42' },
    'no-standardize': { type: 'boolean', default: false },
    compare: { type: 'boolean', default: false },
    save: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

function num(flag: string, v: string): number {
  const n = Number(v);
  if (v.trim() === '' || Number.isNaN(n)) throw new MinibatchError('INVALID_OPTION', `--${flag} takes a number, got ${JSON.stringify(v)}`);
  return n;
}

async function main(): Promise<void> {
  if (values.help || (positionals[0] ?? 'train') !== 'train') {
    console.log(USAGE);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const kind = values.model;
  if (kind !== 'logistic' && kind !== 'softmax' && kind !== 'linear') {
    throw new MinibatchError('INVALID_OPTION', `--model must be logistic, softmax or linear, got ${JSON.stringify(kind)}`);
  }
  const file = values.data ?? new URL('../../data/breast-cancer.csv', import.meta.url);
  const name = typeof file === 'string' ? file : 'breast-cancer.csv (bundled)';
  const data = await Dataset.fromCSV(file, { target: values.target, ...(kind === 'softmax' ? { targetType: 'category' as const } : {}) });
  const modelOptions = { l2: num('l2', values.l2), l1: num('l1', values.l1), standardize: !values['no-standardize'] };
  const make = () =>
    kind === 'logistic' ? new LogisticRegression(modelOptions) : kind === 'softmax' ? new SoftmaxRegression(modelOptions) : new LinearRegression(modelOptions);
  const base: FitOptions = {
    maxEpochs: num('epochs', values.epochs),
    learningRate: num('lr', values.lr),
    optimizer: values.optimizer as OptimizerName,
    tolerance: num('tolerance', values.tolerance),
    patience: num('patience', values.patience),
    seed: num('seed', values.seed),
    ...(values['validation-split'] ? { validationSplit: num('validation-split', values['validation-split']) } : {}),
    ...(values.engine ? { engine: values.engine as EngineName } : {}),
    threads: values.threads === 'auto' ? 'auto' : num('threads', values.threads),
  };
  console.log(
    `${name}: ${data.rows} rows × ${data.nFeatures} features, target "${data.targetName}"; ${kind} regression` +
      (values['no-standardize'] ? '' : ', standardized features'),
  );

  const batchSize = num('batch-size', values['batch-size']);
  const bar = new SingleBar({ format: 'epoch {value}/{total} [{bar}] loss {loss}', hideCursor: true }, Presets.shades_classic);
  bar.start(base.maxEpochs ?? 100, 0, { loss: '-' });
  const model = make();
  let history: History;
  try {
    history = await model.fit(data, { ...base, batchSize, onEpochEnd: (e) => bar.update(e.epoch, { loss: e.loss.toFixed(6) }) });
  } finally {
    bar.stop();
  }
  const metric = kind === 'linear' ? 'R²' : 'accuracy';
  console.log(
    `stopped after ${history.epochs} epochs (${history.iterations} updates, ${history.stopReason}) in ${history.timeMs.toFixed(1)} ms on the ${history.engine} engine` +
      (history.threads > 1 ? ` with ${history.threads} threads` : ''),
  );
  const val = history.valScore.length > 0 ? `, validation ${metric} ${history.valScore.at(-1)!.toFixed(4)}` : '';
  console.log(`final loss ${history.loss.at(-1)!.toFixed(6)}, training ${metric} ${model.score(data).toFixed(4)}${val}`);
  if (values.save) {
    await writeFile(values.save, JSON.stringify(model));
    console.log(`saved the model to ${values.save}`);
  }

  if (values.compare) {
    const runs: [string, number][] = [
      ['stochastic GD (batch 1)', 1],
      [`mini-batch GD (batch ${batchSize})`, batchSize],
      [`batch GD (batch ${data.rows})`, data.rows],
    ];
    const curves: number[][] = [];
    console.log('\nkind                            epochs   updates   final loss       ms');
    for (const [label, b] of runs) {
      const h = await make().fit(data, { ...base, batchSize: b, tolerance: null });
      curves.push(h.loss);
      console.log(
        `${label.padEnd(30)}  ${String(h.epochs).padStart(6)}  ${String(h.iterations).padStart(8)}   ${h.loss.at(-1)!.toFixed(6)}  ${h.timeMs.toFixed(1).padStart(7)}`,
      );
    }
    const colors = process.stdout.isTTY ? [asciichart.red, asciichart.green, asciichart.blue] : undefined;
    console.log(`\ntraining loss per epoch (red: batch 1, green: batch ${batchSize}, blue: batch ${data.rows}), ${curves[0].length} epochs`);
    // one point every few epochs so that the chart fits a terminal
    const step = Math.max(1, Math.ceil(Math.max(...curves.map((c) => c.length)) / 70));
    const thin = curves.map((c) => c.filter((_, i) => i % step === 0));
    console.log(asciichart.plot(thin, { height: 12, colors, format: (v: number) => v.toFixed(3).padStart(7) }));
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof MinibatchError ? `error: ${e.message}` : e);
  process.exitCode = 1;
});
