/**
 * Training on data larger than memory: a generated CSV of `--gb` gigabytes (default 2), streamed
 * with Dataset.streamCSV, scaled by a StandardScaler fitted in a first streaming pass, shuffled
 * through the seeded shuffle buffer, trained for `--epochs` epochs (default 2). Reports the
 * throughput and the peak resident memory of the process, and writes bench/STREAMING.md.
 *
 *   npx tsx bench/streaming.ts                 the full run (generates /tmp/minibatch-stream-2gb.csv once)
 *   npx tsx bench/streaming.ts --quick         20 MB, only checks that it runs (CI)
 *
 * The file is generated at run time under the system temp folder and never committed.
 */
import { createWriteStream, existsSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execSync } from 'node:child_process';
import { Dataset, LogisticRegression } from '../ts/index.js';

const QUICK = process.argv.includes('--quick');
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
};
const GB = QUICK ? 0.02 : arg('--gb', 2);
const EPOCHS = QUICK ? 1 : arg('--epochs', 2);
const FEATURES = 20;
const file = join(tmpdir(), `minibatch-stream-${GB}gb.csv`);

/** A seeded CSV of `bytes` bytes: 20 features ~ N(0, 1)·scale + offset, a 0/1 label from a logistic model. */
async function generate(path: string, bytes: number): Promise<number> {
  let s = 12345;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
  const g = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  const w = Array.from({ length: FEATURES }, (_, j) => (j % 3 === 0 ? 0 : g()));
  const out = createWriteStream(path);
  out.write(Array.from({ length: FEATURES }, (_, j) => `f${j}`).join(',') + ',label\n');
  let written = 0;
  let rows = 0;
  while (written < bytes) {
    let block = '';
    for (let i = 0; i < 2000; i++) {
      const x = Array.from({ length: FEATURES }, (_, j) => g() * (1 + j) + j);
      const z = x.reduce((a, v, j) => a + ((v - j) / (1 + j)) * w[j], 0);
      block += x.map((v) => v.toFixed(5)).join(',') + ',' + (u() < 1 / (1 + Math.exp(-z)) ? 1 : 0) + '\n';
      rows++;
    }
    written += Buffer.byteLength(block);
    if (!out.write(block)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return rows;
}

async function main(): Promise<void> {
  if (!existsSync(file) || statSync(file).size < GB * 1e9) {
    const t = performance.now();
    const rows = await generate(file, GB * 1e9);
    console.log(`generated ${file}: ${rows} rows, ${(statSync(file).size / 1e9).toFixed(2)} GB in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  const bytes = statSync(file).size;
  let peakSampled = 0;
  const sampler = setInterval(() => (peakSampled = Math.max(peakSampled, process.memoryUsage().rss)), 100);
  const t0 = performance.now();
  const model = new LogisticRegression({ standardize: true, l2: 1e-4 });
  const stream = Dataset.streamCSV(file, { target: 'label', chunkRows: 8192 });
  const history = await model.fit(stream, {
    batchSize: 256,
    maxEpochs: EPOCHS,
    learningRate: 0.05,
    tolerance: null,
    seed: 1,
    shuffleBufferRows: 65536,
    onEpochEnd: (e) => console.log(`epoch ${e.epoch}: loss ${e.loss.toFixed(5)}, ${((performance.now() - t0) / 1000).toFixed(1)} s`),
  });
  clearInterval(sampler);
  const epochRows = history.iterations;
  const seconds = (performance.now() - t0) / 1000;
  const rows = stream.lastPassStats?.rows ?? 0;
  const peakRss = process.resourceUsage().maxRSS * 1024;
  const passes = EPOCHS + 1; // the scaler's first pass, then one pass per epoch
  const cpu = execSync("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").toString().trim();
  const lines = [
    `| file | rows | epochs (+1 scaler pass) | time | read | peak RSS |`,
    `|---|---:|---:|---:|---:|---:|`,
    `| ${(bytes / 1e9).toFixed(2)} GB, ${FEATURES} features + label | ${rows.toLocaleString('en')} | ${EPOCHS} (+1) | ${seconds.toFixed(1)} s | ${((bytes * passes) / 1e6 / seconds).toFixed(0)} MB/s | ${(peakRss / 2 ** 20).toFixed(0)} MiB |`,
  ];
  console.log(lines.join('\n'));
  console.log(`final loss ${history.loss.at(-1)!.toFixed(5)}, engine ${history.engine}, ${epochRows} updates, peak RSS sampled ${(peakSampled / 2 ** 20).toFixed(0)} MiB`);
  if (!QUICK) {
    writeFileSync(
      new URL('./STREAMING.md', import.meta.url),
      [
        '# Training on data larger than memory',
        '',
        `Logistic regression (plain SGD, batch 256, learning rate 0.05, l2 1e-4, \`standardize: true\`) on a generated CSV streamed with`,
        '`Dataset.streamCSV` (chunks of 8192 rows) through the seeded shuffle buffer (65,536 rows). The StandardScaler is fitted in a',
        'first streaming pass; every epoch reads the file again. Peak RSS is the process maximum (`process.resourceUsage().maxRSS`),',
        'everything included (Node, the wasm module, the parser).',
        '',
        ...lines,
        '',
        `Final training loss ${history.loss.at(-1)!.toFixed(5)} on the ${history.engine} engine.`,
        '',
        `Machine: ${cpu}, ${execSync('nproc').toString().trim()} cores, Node ${process.version}; ${new Date().toISOString().slice(0, 10)}.`,
        '',
        'Command: `npx tsx bench/streaming.ts` (generates the 2 GB file under the temp folder once, then trains).',
        '',
      ].join('\n'),
    );
  }
}

await main();
