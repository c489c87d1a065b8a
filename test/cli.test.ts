/**
 * The `minibatch` command as users run it: the built bin (dist/cli/main.js, made by `rollup -c`,
 * which `npm test` runs first) in a child process. Results are checked against the library run
 * in this process and against first principles (metrics computed here from the predictions, the
 * normal equations); errors are one line and an exit code. (That the library's import graph never reaches the
 * command is test/packaging/import-graph.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Dataset, LinearRegression, LogisticRegression } from '../ts/index.js';
import { leastSquares, syntheticLine } from '../ts/plot/descent.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'dist/cli/main.js');
const DIABETES = join(ROOT, 'data/diabetes.csv');
const CANCER = join(ROOT, 'data/breast-cancer.csv');

function run(...args: string[]): { code: number; stdout: string; stderr: string } {
  if (!existsSync(BIN)) throw new Error('dist/ is not built: run `npx rollup -c` first (`npm test` does)');
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const tmp = () => mkdtempSync(join(tmpdir(), 'minibatch-cli-'));

describe('minibatch train / predict / evaluate', () => {
  it('trains, saves atomically, and predict/evaluate give what the library gives', async () => {
    const dir = tmp();
    const model = join(dir, 'model.json');
    writeFileSync(model, 'an old file that must be replaced whole');
    const t = run('train', CANCER, '--target', 'malignant', '--epochs', '15', '--seed', '3', '--save', model, '--json');
    expect(t.code).toBe(0);
    const out = JSON.parse(t.stdout);
    expect(out.model).toBe('LogisticRegression');
    expect(out.epochs).toBe(15);
    expect(readdirSync(dir)).toEqual(['model.json']); // no temporary file left
    const saved = JSON.parse(readFileSync(model, 'utf8'));
    expect(saved.columns.target).toBe('malignant');
    const m = LogisticRegression.fromJSON(saved);
    const data = await Dataset.fromCSV(CANCER, { target: 'malignant' });
    expect(out.trainingScore.accuracy).toBe(m.score(data));
    expect(out.finalLoss).toBe(out.loss.at(-1));

    const p = run('predict', model, CANCER);
    expect(p.code).toBe(0);
    const lines = p.stdout.trim().split('\n');
    expect(lines[0]).toBe('prediction,probability');
    const proba = m.predictProba(data);
    expect(lines.length).toBe(data.rows + 1);
    lines.slice(1).forEach((l, i) => {
      const [label, prob] = l.split(',').map(Number);
      expect(prob).toBe(proba[i]);
      expect(label).toBe(proba[i] > 0.5 ? 1 : 0);
    });

    const e = run('evaluate', model, CANCER, '--json');
    expect(e.code).toBe(0);
    const ev = JSON.parse(e.stdout);
    const cm: number[][] = ev.confusionMatrix;
    expect(cm.flat().reduce((a, b) => a + b, 0)).toBe(data.rows);
    expect((cm[0][0] + cm[1][1]) / data.rows).toBe(ev.accuracy);
    expect(ev.accuracy).toBe(m.score(data));
    let ll = 0;
    for (let i = 0; i < data.rows; i++) ll -= Math.log(data.y![i] === 1 ? proba[i] : 1 - proba[i]);
    expect(ev.logLoss).toBeCloseTo(ll / data.rows, 12);
    // the people's form of the same
    const text = run('evaluate', model, CANCER);
    expect(text.stdout).toMatch(/accuracy\s+0\.\d{4}\nlog-loss/);
    expect(text.stdout).toContain('confusion matrix');
  });

  it('linear regression: evaluate reports R², RMSE and MAE of the predictions', async () => {
    const dir = tmp();
    const model = join(dir, 'm.json');
    const t = run('train', DIABETES, '--target', 'progression', '--features', 'bmi,bp,s5', '--epochs', '30', '--lr', '0.05', '--save', model, '--quiet');
    expect(t.code).toBe(0);
    expect(t.stdout).toContain('linear regression');
    const m = LinearRegression.fromJSON(readFileSync(model, 'utf8'));
    const data = await Dataset.fromCSV(DIABETES, { target: 'progression', features: ['bmi', 'bp', 's5'] });
    const pred = m.predict(data);
    let se = 0;
    let ae = 0;
    for (let i = 0; i < data.rows; i++) {
      se += (pred[i] - data.y![i]) ** 2;
      ae += Math.abs(pred[i] - data.y![i]);
    }
    const ev = JSON.parse(run('evaluate', model, DIABETES, '--json').stdout);
    expect(ev.r2).toBe(m.score(data));
    expect(ev.rmse).toBeCloseTo(Math.sqrt(se / data.rows), 9);
    expect(ev.mae).toBeCloseTo(ae / data.rows, 9);
    // the file's other columns are ignored: the model reads its own three by name
    const out = join(dir, 'p.csv');
    expect(run('predict', model, DIABETES, '--out', out).code).toBe(0);
    expect(readFileSync(out, 'utf8').trim().split('\n').slice(1).map(Number)).toEqual(Array.from(pred));
  });

  it('--resume continues a saved training bit-identically; --record-path, --validation and --sample-weight reach the fit', () => {
    const dir = tmp();
    const flags = ['--target', 'progression', '--lr', '0.05', '--seed', '4', '--tolerance', 'none', '--quiet'];
    expect(run('train', DIABETES, ...flags, '--epochs', '6', '--save', join(dir, 'whole.json')).code).toBe(0);
    expect(run('train', DIABETES, ...flags, '--epochs', '3', '--save', join(dir, 'half.json')).code).toBe(0);
    const r = run('train', DIABETES, ...flags, '--epochs', '6', '--resume', join(dir, 'half.json'), '--save', join(dir, 'resumed.json'), '--record-path', join(dir, 'path.json'), '--json');
    expect(r.code).toBe(0);
    const whole = LinearRegression.fromJSON(readFileSync(join(dir, 'whole.json'), 'utf8'));
    const resumed = LinearRegression.fromJSON(readFileSync(join(dir, 'resumed.json'), 'utf8'));
    expect(resumed.weights).toEqual(whole.weights);
    expect(resumed.bias).toBe(whole.bias);
    // the resumed fit recorded from update 3 · ⌈442 / 32⌉ = 42 to 84, its last record the saved θ
    const path = JSON.parse(readFileSync(join(dir, 'path.json'), 'utf8'));
    expect(path.iterations[0]).toBe(42);
    expect(path.iterations.at(-1)).toBe(84);
    expect(path.params.slice(-11)).toEqual([...resumed.weights, resumed.bias]);

    const v = JSON.parse(run('train', DIABETES, ...flags, '--epochs', '3', '--validation', DIABETES, '--json').stdout);
    expect(v.validationScore).toBeGreaterThan(0.3);
    // weights of 0 and 2 by row: not the unweighted fit, and no weight column among the features
    const lines = readFileSync(DIABETES, 'utf8').trim().split('\n');
    writeFileSync(join(dir, 'w.csv'), lines.map((l, i) => `${l},${i === 0 ? 'w' : (i % 2) * 2}`).join('\n'));
    const w = JSON.parse(run('train', join(dir, 'w.csv'), ...flags, '--epochs', '3', '--sample-weight', 'w', '--json').stdout);
    expect(w.data.features).not.toContain('w');
    expect(w.data.features).toHaveLength(10);
    expect(w.finalLoss).not.toBe(v.finalLoss);
  });

  it('--stream trains from the file read every epoch: the bits of the library stream fit', async () => {
    const dir = tmp();
    const r = run('train', DIABETES, '--target', 'progression', '--stream', '--shuffle-buffer-rows', '100', '--epochs', '3', '--lr', '0.05', '--seed', '8', '--tolerance', 'none', '--save', join(dir, 's.json'), '--json', '--quiet');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.data.rows).toBeNull();
    expect(out.trainingScore).toBeNull();
    const cli = LinearRegression.fromJSON(readFileSync(join(dir, 's.json'), 'utf8'));
    const lib = new LinearRegression({ l2: 1e-4, standardize: true });
    await lib.fit(Dataset.streamCSV(DIABETES, { target: 'progression', targetType: 'number' }), {
      batchSize: 32, maxEpochs: 3, learningRate: 0.05, seed: 8, tolerance: null, shuffleBufferRows: 100,
    });
    expect(cli.weights).toEqual(lib.weights);
    expect(cli.bias).toBe(lib.bias);
  });

  it('progress is plain lines on stderr when piped', () => {
    const t = run('train', '--epochs', '3', '--tolerance', 'none');
    expect(t.code).toBe(0);
    expect(t.stderr).toMatch(/^train epoch \d+\/3 loss [\d.e-]+ [\d.]+ s$/m);
    expect(t.stderr).toContain('epoch 3/3');
  });
});

describe('minibatch compare and paths', () => {
  it('compare: same seed and budget for each batch size, a table and the plots', () => {
    const dir = tmp();
    const r = run('compare', '--batch-sizes', '1,32,n', '--epochs', '4', '--plot-dir', dir, '--schedule', 'cosine', '--json', '--quiet');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.runs.map((x: { batchSize: number }) => x.batchSize)).toEqual([1, 32, 569]);
    expect(out.runs.map((x: { updates: number }) => x.updates)).toEqual([4 * 569, 4 * 18, 4]);
    expect(out.bestLoss).toBe(Math.min(...out.runs.map((x: { finalLoss: number }) => x.finalLoss)));
    const names = ['loss-epochs.svg', 'loss-updates.svg', 'loss-time.svg', 'learning-rate.svg'];
    expect(out.plots.map((p: { file: string }) => p.file)).toEqual(names.map((n) => join(dir, n)));
    for (const n of names) {
      const svg = readFileSync(join(dir, n), 'utf8');
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg).toContain('stochastic (b = 1)');
      expect(svg).toContain('batch (b = n = 569)');
    }
  });

  it('paths: the figure, and the minimum of the normal equations', () => {
    const dir = tmp();
    const file = join(dir, 'paths.svg');
    const r = run('paths', '--optimizer', 'sgd,adam', '--updates', '40', '--out', file, '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const ls = leastSquares(syntheticLine(1, 200));
    expect(out.optimum.t0).toBeCloseTo(ls.t0, 12);
    expect(out.panels.map((p: { optimizer: string }) => p.optimizer)).toEqual(['sgd', 'adam']);
    // every descent lowered the objective from θ = (0, 0)
    const j0 = out.optimum.loss;
    for (const p of out.panels) for (const run of p.runs) expect(run.final.loss).toBeGreaterThan(j0 - 1e-9);
    const svg = readFileSync(file, 'utf8');
    for (const s of ['sgd, learning rate 0.1', 'adam, learning rate 0.1', 'θ₀ (intercept)', 'mini-batch (b = 16)']) expect(svg).toContain(s);
    // PNG by the file's extension (through @resvg/resvg-js)
    const png = join(dir, 'paths.png');
    expect(run('paths', '--updates', '5', '--out', png, '--quiet').code).toBe(0);
    expect([...readFileSync(png).subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  });
});

describe('minibatch errors: one line on stderr and the documented exit code', () => {
  const dir = tmp();
  const notModel = join(dir, 'x.json');
  writeFileSync(notModel, JSON.stringify({ hello: 1 }));
  const cases: [string, string[], number, RegExp][] = [
    ['an unknown flag', ['train', '--bogus'], 2, /unknown option '--bogus'/],
    ['a malformed value', ['train', '--batch-size', 'ten'], 2, /--batch-size takes a number/],
    ['an unknown subcommand', ['fly'], 2, /unknown command 'fly'/],
    ['a missing argument', ['predict'], 2, /missing required argument/],
    ['a missing file', ['train', 'no-such.csv', '--target', 'y'], 3, /no-such\.csv: no such file/],
    ['an unknown column', ['train', DIABETES, '--target', 'nope'], 2, /unknown column "nope" for --target; the columns are: age, sex/],
    ['a model file of the wrong kind', ['evaluate', notModel, DIABETES], 3, /is not a minibatch model/],
    ['a CSV as the model', ['predict', DIABETES, DIABETES], 3, /is not a minibatch model: not JSON/],
    ['a bad option value for the library', ['train', '--optimizer', 'adamm', '--epochs', '1'], 2, /optimizer/],
    ['divergence', ['train', DIABETES, '--target', 'progression', '--no-standardize', '--lr', '10', '--epochs', '5', '--quiet'], 4, /diverge/i],
  ];
  it.each(cases)('%s', (_, args, code, message) => {
    const r = run(...args);
    expect(r.code).toBe(code);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^minibatch: /);
    expect(lines[0]).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
