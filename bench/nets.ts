/**
 * Networks (issue 14): minibatch's MLPClassifier against TF.js 4.22 (wasm and cpu backends,
 * model.fit and a hand-written loop) and brain.js 1.6.1, on two sizes of a one-hidden-layer
 * network (lib/nets-run.ts: what runs, how it is timed and checked; lib/nets.ts: the systems).
 *
 *   npx tsx bench/nets.ts                 both sizes, 3 runs each (a few minutes on 2 cores)
 *   npx tsx bench/nets.ts --quick         tiny sizes, one run each: checks that every part runs
 *   options: --reps N, --config small|mid, --no-tfjs, --no-brain, --systems id,id (only those:
 *            minibatch-wasm, minibatch-wasm-2, minibatch-js, tfjs-wasm-fit, tfjs-wasm-loop,
 *            tfjs-cpu-fit, brainjs), --epochs N and --lr X (override the configurations', to tune them)
 *
 * minibatch runs from the built package (dist/, `npm run build`) and only if it has
 * MLPClassifier; otherwise its rows say "not run" and the competitors still run. The suite runs
 * the same as its `nets` section (npm run bench -- --section nets), in plain Node on dist/.
 * Prints one line per system and configuration, then the tables as Markdown (bench/NETS.md
 * records them).
 */
import { netsMarkdown, runNets } from './lib/nets-run.js';

const argv = process.argv.slice(2);
const known = new Set(['--quick', '--reps', '--config', '--no-tfjs', '--no-brain', '--systems', '--epochs', '--lr']);
for (let i = 0; i < argv.length; i++) {
  if (!known.has(argv[i])) throw new Error(`unknown option ${argv[i]}; the options are ${[...known].join(', ')}`);
  if (['--reps', '--config', '--systems', '--epochs', '--lr'].includes(argv[i])) i++;
}
const option = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i < 0 ? undefined : argv[i + 1];
};
const quick = argv.includes('--quick');
const reps = Number(option('--reps') ?? (quick ? 1 : 3));
if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps needs a positive integer`);
const config = option('--config');
if (config !== undefined && !['small', 'mid'].includes(config)) throw new Error('--config is small or mid');

const started = performance.now();
console.log(`networks${quick ? ' (--quick: a smoke test, the numbers mean nothing)' : ''}: node ${process.version}, median of ${reps} run${reps > 1 ? 's' : ''}`);
const { results, failures } = await runNets({
  quick,
  reps,
  slowSeconds: quick ? Infinity : 240,
  dataSeed: 20240601,
  fitSeed: 12345,
  only: config ? [config] : [],
  systems: option('--systems')?.split(',') ?? [],
  tfjs: !argv.includes('--no-tfjs'),
  brain: !argv.includes('--no-brain'),
  ...(option('--epochs') ? { epochs: Number(option('--epochs')) } : {}),
  ...(option('--lr') ? { learningRate: Number(option('--lr')) } : {}),
});
console.log(`\n${netsMarkdown(results)}`);
console.log(`total ${((performance.now() - started) / 1000).toFixed(0)} s`);
if (failures) {
  console.error(`FAILED: ${failures} system(s) threw; see above`);
  process.exitCode = 1;
}
