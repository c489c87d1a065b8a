// Two builds of the package in one Node process, interleaved (A, B, A, B, … per configuration),
// so that whatever else the machine does hits both alike: the "no slower" check of issue 11 on a
// shared machine, where whole suite runs minutes apart drift by ±50 %.
//
//   node bench/ab.mjs BEFORE_DIST AFTER_DIST [ROUNDS] [FILTER]   (each a built dist/ folder: npx rollup -c;
//                                                               FILTER: only the configurations whose label contains it)
//
// bench/compare.sh builds two commits and runs this after the suite (or alone: see there). Each
// configuration trains the same data with the same seed on each build, ROUNDS times (default 7)
// alternately, and the figure is the rows per second of the timed epochs (history.epochTimeMs
// without the first epoch; with AB_STAT=best, of the fastest of them); the report is the median over rounds of after/before, with the range of
// the per-round ratios, and the final losses must be equal to the bit (both builds do the same math).
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const [beforeDir, afterDir, roundsArg, filter] = process.argv.slice(2);
if (!beforeDir || !afterDir) {
  console.error('usage: node bench/ab.mjs BEFORE_DIST AFTER_DIST [ROUNDS]');
  process.exit(2);
}
const ROUNDS = Number(roundsArg ?? 7);
const before = await import(pathToFileURL(resolve(beforeDir, 'index.js')).href);
const after = await import(pathToFileURL(resolve(afterDir, 'index.js')).href);

/** Seeded data: x uniform in [−1, 1), labels from a fixed linear rule with noise. */
function data(n, d, k) {
  let s = 0x9e3779b9;
  const next = () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32);
  const x = new Float32Array(n * d);
  for (let i = 0; i < x.length; i++) x[i] = 2 * next() - 1;
  const y = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let z = 0;
    for (let j = 0; j < d; j += 7) z += x[r * d + j] * ((j % 3) - 1);
    z += 0.5 * (next() - 0.5);
    y[r] = k === 0 ? z : k === 2 ? (z > 0 ? 1 : 0) : Math.min(k - 1, Math.max(0, Math.floor((z + 1.5) * (k / 3))));
  }
  return { x, y };
}

// [label, model, n, d, classes (0: regression), batch, optimizer, engine, epochs, more fit options]
const CONFIGS = [
  ['logistic sgd 100000×256 b1', 'LogisticRegression', 100_000, 256, 2, 1, 'sgd', 'wasm', 10],
  ['logistic sgd 100000×256 b32', 'LogisticRegression', 100_000, 256, 2, 32, 'sgd', 'wasm', 10],
  ['logistic sgd 100000×256 b256', 'LogisticRegression', 100_000, 256, 2, 256, 'sgd', 'wasm', 10],
  ['logistic sgd 100000×32 b32', 'LogisticRegression', 100_000, 32, 2, 32, 'sgd', 'wasm', 10],
  ['logistic sgd 20000×1024 b256', 'LogisticRegression', 20_000, 1024, 2, 256, 'sgd', 'wasm', 10],
  ['logistic momentum 100000×256 b32', 'LogisticRegression', 100_000, 256, 2, 32, { type: 'sgd', momentum: 0.9 }, 'wasm', 10],
  ['linear adam 100000×256 b256', 'LinearRegression', 100_000, 256, 0, 256, 'adam', 'wasm', 10],
  ['softmax sgd 100000×256 k10 b256', 'SoftmaxRegression', 100_000, 256, 10, 256, 'sgd', 'wasm', 10],
  ['js: logistic sgd 100000×256 b1', 'LogisticRegression', 100_000, 256, 2, 1, 'sgd', 'js', 3],
  ['js: logistic sgd 100000×256 b32', 'LogisticRegression', 100_000, 256, 2, 32, 'sgd', 'js', 3],
  ['js: logistic sgd 100000×32 b256', 'LogisticRegression', 100_000, 32, 2, 256, 'sgd', 'js', 4],
  ['js: linear adam 100000×256 b256', 'LinearRegression', 100_000, 256, 0, 256, 'adam', 'js', 3],
  ['js: softmax sgd 100000×256 k10 b256', 'SoftmaxRegression', 50_000, 256, 10, 256, 'sgd', 'js', 3],
  // the fit loop's own cost: onBatchEnd after every batch makes every batch an engine call of its own
  ['loop: logistic sgd 20000×32 b1 onBatchEnd', 'LogisticRegression', 20_000, 32, 2, 1, 'sgd', 'wasm', 6, { onBatchEnd: () => {} }],
  ['loop js: logistic sgd 20000×32 b1 onBatchEnd', 'LogisticRegression', 20_000, 32, 2, 1, 'sgd', 'js', 6, { onBatchEnd: () => {} }],
];

async function rate(pkg, cfg, x, y) {
  const [, model, n, d, , batchSize, optimizer, engine, maxEpochs, more] = cfg;
  const m = new pkg[model]();
  const h = await m.fit(x, y, { nFeatures: d, batchSize, optimizer, engine, maxEpochs, learningRate: 0.01, seed: 7, tolerance: null, yieldEveryMs: 0, init: 'zeros', ...more });
  const timed = h.epochTimeMs.slice(1);
  // AB_STAT=best: the fastest timed epoch, which a burst of other work on the machine cannot slow
  const ms = process.env.AB_STAT === 'best' ? Math.min(...timed) : timed.reduce((a, b) => a + b, 0) / timed.length;
  return { rate: n / (ms / 1000), loss: h.loss.at(-1) };
}

const median = (a) => {
  const s = [...a].sort((p, q) => p - q);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const rows = [];
for (const cfg of CONFIGS.filter((c) => filter === undefined || c[0].includes(filter))) {
  const { x, y } = data(cfg[2], cfg[3], cfg[4]);
  const ratios = [];
  const rb = [];
  const ra = [];
  for (let r = 0; r < ROUNDS; r++) {
    // alternate which build goes first, so that a trend within a round favours neither
    const first = r % 2 === 0 ? [before, after] : [after, before];
    const out = [];
    for (const pkg of first) out.push(await rate(pkg, cfg, x, y));
    const [b, a] = r % 2 === 0 ? out : [out[1], out[0]];
    if (a.loss !== b.loss) throw new Error(`${cfg[0]}: final loss ${a.loss} after, ${b.loss} before: not the same math`);
    rb.push(b.rate);
    ra.push(a.rate);
    ratios.push(a.rate / b.rate);
  }
  const row = { config: cfg[0], before: median(rb), after: median(ra), ratio: median(ratios), low: Math.min(...ratios), high: Math.max(...ratios) };
  rows.push(row);
  console.error(`${row.config}: ${row.ratio.toFixed(3)} (${row.low.toFixed(3)}–${row.high.toFixed(3)})`);
}
const lines = [
  `| configuration | before M rows/s | after M rows/s | after/before (median of ${ROUNDS} interleaved rounds) | range of the rounds |`,
  '|---|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${r.config} | ${(r.before / 1e6).toFixed(3)} | ${(r.after / 1e6).toFixed(3)} | ${r.ratio.toFixed(3)} | ${r.low.toFixed(3)}–${r.high.toFixed(3)} |`),
];
console.log(lines.join('\n'));
