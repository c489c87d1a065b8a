#!/usr/bin/env node
/**
 * The `minibatch` command: train, predict, evaluate, compare, paths (commander parses the flags).
 * Every failure is one line on stderr and an exit code (common.ts, EXIT); plotting code (Vega)
 * is loaded only by the subcommands that write a figure.
 */
import { Command, CommanderError, Option } from 'commander';
import { EXIT, describeError, integer, nameOrJSON, number } from './common.js';
import { compare, evaluate, paths, predict, train, type Output } from './commands.js';
import { FIT_DEFAULTS } from '../index.js';

const EXIT_CODES_HELP = `
Exit codes:
  0    success
  1    unexpected error (a bug; MINIBATCH_DEBUG=1 prints the stack trace)
  2    bad usage: an unknown or malformed flag, a missing argument, an unknown column
  3    bad input: a missing or unreadable file, data that cannot be trained on, a model file of the wrong kind
  4    training diverged (lower the learning rate, or standardize the features)
  130  interrupted by Ctrl-C (training stops after the current batch; --save still writes the model)`;

/** The flags of the model and of every fit option, shared by train and compare. */
function fitFlags(cmd: Command, defaults: { epochs: number; tolerance: string; lr: number }): Command {
  return cmd
    .option('--target <column>', 'the column to learn (default for the bundled data: malignant)')
    .option('--features <columns>', 'the feature columns, comma-separated (default: all but the target)')
    .addOption(
      new Option('--model <kind>', 'the model (auto: logistic for 0/1 targets, linear for other numbers, softmax for labels; mlp-classifier and mlp-regressor are networks)')
        .choices(['auto', 'linear', 'logistic', 'softmax', 'mlp-classifier', 'mlp-regressor'])
        .default('auto'),
    )
    .option('--hidden-layers <units>', 'networks: units of each hidden layer, comma-separated (default 100; none for no hidden layer)')
    .addOption(new Option('--activation <name>', 'networks: the hidden layers\' activation (default relu)').choices(['relu', 'leakyRelu', 'tanh', 'logistic', 'identity']))
    .option('--l2 <x>', 'L2 penalty λ', number('--l2', 0), 1e-4)
    .option('--l1 <x>', 'L1 penalty λ₁', number('--l1', 0), 0)
    .option('--no-intercept', 'fit no intercept')
    .option('--no-standardize', 'train on the raw feature values (default: standardized)')
    .option('--batch-size <n>', 'rows per update (1: stochastic, n: batch gradient descent)', integer('--batch-size'), FIT_DEFAULTS.batchSize)
    .option('--epochs <n>', 'most passes over the data (maxEpochs)', integer('--epochs'), defaults.epochs)
    .option('--max-iterations <n>', 'most updates (maxIterations)', integer('--max-iterations'))
    .option('--lr <x>', 'learning rate (the initial one with --schedule)', number('--lr', 0), defaults.lr)
    .option('--schedule <name|json>', "learning-rate schedule: step, exponential, invscaling, cosine, plateau, or JSON such as '{\"type\":\"step\",\"stepSize\":10}'", nameOrJSON('--schedule'))
    .option('--optimizer <name|json>', "sgd, adagrad, rmsprop, adam, adamw, or JSON such as '{\"type\":\"sgd\",\"momentum\":0.9}'", nameOrJSON('--optimizer'), 'sgd')
    .option('--tolerance <x|none>', 'stop when the loss improves by less than this for --patience epochs', defaults.tolerance)
    .option('--patience <n>', 'epochs without improvement before stopping', integer('--patience'), FIT_DEFAULTS.patience)
    .option('--seed <n>', 'seed of initialization, shuffles and splits', integer('--seed', 0), 42)
    .option('--no-shuffle', 'keep the rows in file order')
    .option('--drop-last', 'skip the last, short batch of each epoch')
    .addOption(new Option('--init <kind>', 'initial parameters (auto: uniform for linear models, He or Glorot per layer for networks)').choices(['auto', 'uniform', 'zeros', 'glorot', 'he']).default('auto'))
    .addOption(new Option('--engine <name>', 'wasm (default, js where SIMD is missing) or js').choices(['wasm', 'js']))
    .option('--threads <n|auto>', 'threads sharing each large batch (wasm engine)', '1')
    .option('--class-weight <balanced|json>', "classifiers: 'balanced' or JSON {\"label\": weight}")
    .option('--validation-split <f>', 'hold out this fraction for validation (stratified for classifiers)', number('--validation-split', 0))
    .option('--early-stopping [json]', 'stop on the validation loss (needs --validation-split); or JSON options')
    .option('--max-time <s>', 'stop after this many seconds', number('--max-time', 0))
    .option('--json', 'print one JSON document on stdout instead of text')
    .option('--quiet', 'no progress on stderr');
}

function output(o: { json?: boolean; quiet?: boolean }): Output {
  return { json: o.json === true, quiet: o.quiet === true };
}

function program(): Command {
  const p = new Command('minibatch')
    .description('Mini-batch gradient descent from the command line: train, predict, evaluate, compare batch sizes, draw descent paths.')
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride()
    .configureOutput({ outputError: (s, write) => write(`minibatch: ${s.replace(/^error: /, '')}`) });

  fitFlags(
    p
      .command('train')
      .description('train a model on a CSV file with a header row (default: the bundled breast-cancer data)')
      .argument('[data.csv]', 'the training data')
      .option('--save <model.json>', 'write the trained model (written to a temporary file, then renamed)')
      .option('--plot <loss.svg>', 'write the loss curve (.svg, or .png)')
      .option('--validation <file.csv>', 'validate on this file after every epoch (validationData)')
      .option('--sample-weight <column>', 'weigh each row by this column (not a feature then)')
      .option('--resume <model.json>', 'continue the training saved in this model (--epochs counts from its first epoch)')
      .option('--record-path <path.json>', 'write θ before the first update and after every update (recordPath)')
      .option('--stream', 'read the file again every epoch instead of holding it in memory (data larger than memory)')
      .option('--shuffle-buffer-rows <n>', 'with --stream: rows of the seeded shuffle buffer', integer('--shuffle-buffer-rows')),
    { epochs: FIT_DEFAULTS.maxEpochs, tolerance: String(FIT_DEFAULTS.tolerance), lr: 0.1 },
  ).action(async (file, o) => {
    process.exitCode = await train(file, o, output(o));
  });

  p.command('predict')
    .description('predict each row of a CSV file with a saved model (CSV on stdout, or --out)')
    .argument('<model.json>', 'a model saved by train --save')
    .argument('<data.csv>', 'rows with the columns the model was trained on')
    .option('--out <predictions.csv>', 'write the predictions to this file')
    .option('--json', 'print the predictions as JSON')
    .action(async (model, file, o) => {
      process.exitCode = await predict(model, file, o, output(o));
    });

  p.command('evaluate')
    .description('score a saved model on a CSV file: accuracy, log-loss and confusion matrix, or R², RMSE and MAE')
    .argument('<model.json>', 'a model saved by train --save')
    .argument('<data.csv>', 'rows with the features and the target')
    .option('--target <column>', 'the target column (default: the one the model learned)')
    .option('--json', 'print the metrics as JSON')
    .action(async (model, file, o) => {
      process.exitCode = await evaluate(model, file, o, output(o));
    });

  fitFlags(
    p
      .command('compare')
      .description('train with several batch sizes on the same seed and budget; a summary table and the loss plots')
      .argument('[data.csv]', 'the training data (default: the bundled breast-cancer data)')
      .option('--batch-sizes <list>', 'batch sizes, comma-separated; n is all rows', '1,32,n')
      .option('--plot-dir <dir>', 'write loss-epochs.svg, loss-updates.svg, loss-time.svg (and learning-rate.svg with --schedule) here')
      .option('--png', 'with --plot-dir: PNG files instead of SVG'),
    { epochs: 50, tolerance: 'none', lr: 0.1 },
  ).action(async (file, o) => {
    process.exitCode = await compare(file, o, output(o));
  });

  p.command('paths')
    .description('the descent paths of batch, mini-batch and stochastic gradient descent over the loss contours (1-feature linear regression)')
    .option('--optimizer <names>', 'one panel per optimizer, comma-separated: sgd, momentum, nesterov, adagrad, rmsprop, adam', 'sgd')
    .option('--lr <x>', 'learning rate (default: one that suits each optimizer)', number('--lr', 0))
    .option('--updates <n>', 'updates of each descent', integer('--updates'), 150)
    .option('--mini-batch <n>', 'batch size of the mini-batch descent', integer('--mini-batch'), 16)
    .option('--rows <n>', 'rows of the generated data', integer('--rows', 2), 200)
    .option('--seed <n>', 'seed of the data and the shuffles', integer('--seed', 0), 1)
    .addOption(new Option('--engine <name>', 'wasm or js').choices(['wasm', 'js']))
    .option('--out <paths.svg>', 'the figure (.svg or .png)', 'paths.svg')
    .option('--json', 'print the final points as JSON')
    .option('--quiet', 'accepted for symmetry (paths shows no progress)')
    .action(async (o) => {
      process.exitCode = await paths(o, output(o));
    });

  return p;
}

async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander printed its one line (or the help) already
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? EXIT.ok : EXIT.usage;
    }
    if (process.env.MINIBATCH_DEBUG) console.error(e);
    const { code, line } = describeError(e);
    process.stderr.write(`minibatch: ${line}\n`);
    return code;
  }
}

process.exitCode = await main(process.argv.slice(2));
