#!/usr/bin/env node
/**
 * The `minibatch` command. `minibatch train` with no options trains logistic regression on the
 * bundled breast-cancer data (standardized), showing progress and the result.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import { LinearRegression, LogisticRegression, MinibatchError, StandardScaler, parseCSV } from '../index.js';
import type { EngineName, FitOptions, History } from '../index.js';

const USAGE = `Usage: minibatch train [options]

Trains a model by mini-batch gradient descent on a CSV file with a header row
(default: the bundled breast-cancer data, target column "malignant").

Options:
  --data <file>        CSV file (default: data/breast-cancer.csv in the package)
  --target <column>    target column (default: malignant)
  --model <name>       logistic | linear (default: logistic)
  --batch-size <n>     rows per update (default: 32)
  --epochs <n>         maximum epochs (default: 100)
  --lr <x>             learning rate (default: 0.1)
  --l2 <x>             L2 penalty λ (default: 0.0001)
  --tolerance <x>      stop when the loss stops improving by this much (default: 0.0001)
  --patience <n>       epochs without improvement before stopping (default: 5)
  --engine <name>      wasm | js (default: wasm, falling back to js without SIMD)
  --seed <n>           seed for initialization and shuffling (default: 42)
  --no-standardize     train on the raw feature values
  --compare            also train with batch sizes 1 (SGD) and n (batch GD) and compare
  --help               show this help`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    data: { type: 'string' },
    target: { type: 'string', default: 'malignant' },
    model: { type: 'string', default: 'logistic' },
    'batch-size': { type: 'string', default: '32' },
    epochs: { type: 'string', default: '100' },
    lr: { type: 'string', default: '0.1' },
    l2: { type: 'string', default: '0.0001' },
    tolerance: { type: 'string', default: '0.0001' },
    patience: { type: 'string', default: '5' },
    engine: { type: 'string' },
    seed: { type: 'string', default: '42' },
    'no-standardize': { type: 'boolean', default: false },
    compare: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

async function main(): Promise<void> {
  if (values.help || (positionals[0] ?? 'train') !== 'train') {
    console.log(USAGE);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const file = values.data ?? new URL('../../data/breast-cancer.csv', import.meta.url);
  const name = typeof file === 'string' ? file : 'breast-cancer.csv (bundled)';
  const table = parseCSV(await readFile(file, 'utf8'), { target: values.target, source: name });
  const x = values['no-standardize'] ? table.x : new StandardScaler().fitTransform(table.x);
  const num = (flag: string, v: string) => {
    const n = Number(v);
    if (v.trim() === '' || Number.isNaN(n)) throw new MinibatchError('INVALID_OPTION', `--${flag} takes a number, got ${JSON.stringify(v)}`);
    return n;
  };
  const model = values.model;
  if (model !== 'logistic' && model !== 'linear') throw new MinibatchError('INVALID_OPTION', `--model must be logistic or linear, got ${JSON.stringify(model)}`);
  const make = () => (model === 'logistic' ? new LogisticRegression({ l2: num('l2', values.l2) }) : new LinearRegression({ l2: num('l2', values.l2) }));
  const base: FitOptions = {
    nFeatures: x.cols,
    maxEpochs: num('epochs', values.epochs),
    learningRate: num('lr', values.lr),
    tolerance: num('tolerance', values.tolerance),
    patience: num('patience', values.patience),
    seed: num('seed', values.seed),
    ...(values.engine ? { engine: values.engine as EngineName } : {}),
  };
  console.log(`${name}: ${x.rows} rows × ${x.cols} features, target "${table.targetName}"; ${model} regression${values['no-standardize'] ? '' : ', standardized features'}`);

  const batchSize = num('batch-size', values['batch-size']);
  const bar = new SingleBar({ format: 'epoch {value}/{total} [{bar}] loss {loss}', hideCursor: true }, Presets.shades_classic);
  bar.start(base.maxEpochs ?? 100, 0, { loss: '-' });
  const m = make();
  let history: History;
  try {
    history = await m.fit(x.data, table.y, { ...base, batchSize, onEpochEnd: (e) => bar.update(e.epoch, { loss: e.loss.toFixed(6) }) });
  } finally {
    bar.stop();
  }
  const metric = model === 'logistic' ? 'accuracy' : 'R²';
  console.log(
    `stopped after ${history.epochs} epochs (${history.iterations} updates, ${history.stopReason}) in ${history.timeMs.toFixed(1)} ms on the ${history.engine} engine`,
  );
  console.log(`final loss ${history.loss.at(-1)!.toFixed(6)}, training ${metric} ${m.score(x.data, table.y).toFixed(4)}`);

  if (values.compare) {
    console.log('\nbatch size   kind                    epochs   updates   final loss   ms');
    for (const [b, kind] of [
      [1, 'stochastic GD'],
      [batchSize, 'mini-batch GD'],
      [x.rows, 'batch GD'],
    ] as const) {
      const h = await make().fit(x.data, table.y, { ...base, batchSize: b });
      console.log(
        `${String(b).padStart(10)}   ${kind.padEnd(22)}  ${String(h.epochs).padStart(6)}  ${String(h.iterations).padStart(8)}   ${h.loss.at(-1)!.toFixed(6)}  ${h.timeMs.toFixed(1).padStart(6)}`,
      );
    }
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof MinibatchError ? `error: ${e.message}` : e);
  process.exitCode = 1;
});
