/**
 * What `recordPath` costs: the same fit with and without recording θ after every update (the
 * paths of `minibatch paths` and the demo page), as a ratio of wall times in one run, runs
 * interleaved, median of 7. Writes bench/RECORD_PATH.md.
 *
 *   npx tsx bench/record-path.ts
 */
import { writeFileSync } from 'node:fs';
import { LinearRegression, LogisticRegression, type FitOptions } from '../ts/index.js';
import { syntheticLine } from '../ts/plot/descent.js';

const REPS = 7;

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timeFit(make: () => LinearRegression | LogisticRegression, X: number[][], y: number[], options: FitOptions): Promise<number> {
  const t = performance.now();
  await make().fit(X, y, options);
  return performance.now() - t;
}

const rows: string[] = [];
const cases: { name: string; make: () => LinearRegression | LogisticRegression; X: number[][]; y: number[]; options: FitOptions }[] = [];
{
  const line = syntheticLine(1, 20_000);
  const X = line.x.map((v) => [v]);
  for (const batchSize of [1, 16, 20_000]) {
    cases.push({
      name: `linear, 1 feature (θ of 2), 20 000 rows, batch ${batchSize}, ${batchSize === 20_000 ? 2000 : 3} epochs`,
      make: () => new LinearRegression(),
      X,
      y: line.y as number[],
      options: { batchSize, maxEpochs: batchSize === 20_000 ? 2000 : 3, learningRate: 0.01, tolerance: null, seed: 1 },
    });
  }
}
{
  // 30 features: a row of 31 parameters per record
  const n = 20_000;
  const X: number[][] = [];
  const y: number[] = [];
  let s = 7;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
  for (let i = 0; i < n; i++) {
    const row = Array.from({ length: 30 }, () => u() * 2 - 1);
    X.push(row);
    y.push(row[0] + row[1] > 0 ? 1 : 0);
  }
  cases.push({ name: 'logistic, 30 features (θ of 31), 20 000 rows, batch 16, 3 epochs', make: () => new LogisticRegression(), X, y, options: { batchSize: 16, maxEpochs: 3, learningRate: 0.1, tolerance: null, seed: 1 } });
}

for (const c of cases) {
  await timeFit(c.make, c.X, c.y, c.options); // warm-up
  await timeFit(c.make, c.X, c.y, { ...c.options, recordPath: true });
  const plain: number[] = [];
  const recorded: number[] = [];
  for (let r = 0; r < REPS; r++) {
    plain.push(await timeFit(c.make, c.X, c.y, c.options));
    recorded.push(await timeFit(c.make, c.X, c.y, { ...c.options, recordPath: true }));
  }
  const a = median(plain);
  const b = median(recorded);
  const line = `| ${c.name} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(b / a).toFixed(2)}× |`;
  console.log(line);
  rows.push(line);
}

writeFileSync(
  new URL('./RECORD_PATH.md', import.meta.url),
  `# recordPath: the cost of recording θ after every update

\`npx tsx bench/record-path.ts\` on this project's machine (2 cores, Node ${process.version}, wasm engine,
one thread), median of ${REPS} interleaved runs, ms per fit. Recording costs one engine call and one
copy of θ per update (the engine otherwise runs a whole epoch's batches in one call), so the cost
is per update, not per row: large for batch 1 on a tiny model, small once a batch has work.
Recording never changes the parameters (test/path.test.ts: the same bits with and without).

| fit | without (ms) | with recordPath (ms) | ratio |
|---|---:|---:|---:|
${rows.join('\n')}
`,
);
