/**
 * Benchmark: CSV loading speed (MB/s) on a generated numeric CSV of about 200 MB.
 *
 *   npx tsx bench/csv-load.ts              full run (200 MB file), writes bench/CSV.md
 *   npx tsx bench/csv-load.ts --mb 20      a smaller file (does not write CSV.md unless --write)
 *   npx tsx bench/csv-load.ts --reps 5     more repetitions than the default 3
 *   npx tsx bench/csv-load.ts --keep       keep the generated file in /tmp
 *
 * Method. A seeded file of `cols` feature columns of uniform values written with 6 decimals
 * (like "-3.141593") and a 0/1 target column, with a header, is generated under the OS temp
 * directory (never committed) and deleted afterwards. MB are 10^6 bytes of the file. Each case runs
 * in its own child Node process (so that its peak resident memory, `maxRSS`, is its own) `reps`
 * times after one untimed warm-up read (the file is then in the OS page cache: the figures are
 * parsing speed, not disk speed); the median time is reported.
 *
 * Cases:
 * - `read+decode`: node:fs stream + TextDecoder only, the ceiling of any loader.
 * - `papaparse (Node stream) + Number`: papaparse's own streaming of a Node Readable with a step
 *   callback converting every field with Number(), no storage: the parser's own speed.
 * - `Dataset.fromCSV`: the loader (validation, flat Float32Array growing by doubling, trimmed).
 * - `Dataset.streamCSV` pass: one epoch of chunks of 8192 rows (the streaming path).
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Papa from 'papaparse';
import { Dataset } from '../ts/data/dataset.js';

const args = process.argv.slice(2);
const flag = (name: string): boolean => args.includes(`--${name}`);
const value = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};

const CASES = ['read+decode', 'papaparse (Node stream) + Number', 'Dataset.fromCSV', 'Dataset.streamCSV pass'] as const;
type CaseName = (typeof CASES)[number];

interface CaseResult {
  name: CaseName;
  seconds: number[];
  rows: number;
  /** Peak resident memory of the child process, over its 1 + reps reads of the file. */
  maxRSSMB: number;
  /** Peak resident memory after its first read only. */
  firstReadRSSMB: number;
}

async function runCase(name: CaseName, file: string): Promise<number> {
  if (name === 'read+decode') {
    const decoder = new TextDecoder();
    let chars = 0;
    for await (const b of createReadStream(file, { highWaterMark: 1 << 16 })) chars += decoder.decode(b as Buffer, { stream: true }).length;
    return chars > 0 ? -1 : 0;
  }
  if (name === 'papaparse (Node stream) + Number') {
    return new Promise((resolve, reject) => {
      let rows = 0;
      let sum = 0;
      Papa.parse<string[]>(createReadStream(file), {
        delimiter: ',',
        skipEmptyLines: true,
        step: (r) => {
          const f = r.data;
          for (let i = 0; i < f.length; i++) sum += Number(f[i]);
          rows++;
        },
        complete: () => resolve(sum === 0 ? rows : rows - 1),
        error: reject,
      });
    });
  }
  if (name === 'Dataset.fromCSV') {
    const d = await Dataset.fromCSV(file, { target: 'y' });
    return d.rows;
  }
  let rows = 0;
  for await (const chunk of Dataset.streamCSV(file, { target: 'y', chunkRows: 8192 })) rows += chunk.x.rows;
  return rows;
}

/** Child process: run one case `reps` times after a warm-up, print the times as JSON. */
async function child(name: CaseName, file: string, reps: number): Promise<void> {
  await runCase(name, file);
  const firstReadRSSMB = process.resourceUsage().maxRSS / 1024;
  const seconds: number[] = [];
  let rows = 0;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    rows = await runCase(name, file);
    seconds.push((performance.now() - t0) / 1000);
  }
  const maxRSSMB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ name, seconds, rows, maxRSSMB, firstReadRSSMB }));
}

/** A seeded numeric CSV of at least `mb` MB: `cols` features in [−10, 10) with 6 decimals, and a 0/1 target. */
async function generate(file: string, mb: number, cols: number): Promise<{ bytes: number; rows: number }> {
  let s = 12345;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const out = createWriteStream(file);
  const write = (text: string) => new Promise<void>((resolve) => (out.write(text) ? resolve() : out.once('drain', () => resolve())));
  let bytes = 0;
  let rows = 0;
  const header = `${Array.from({ length: cols }, (_, j) => `x${j}`).join(',')},y\n`;
  await write(header);
  bytes += header.length;
  while (bytes < mb * 1e6) {
    let block = '';
    for (let i = 0; i < 2000; i++) {
      let line = '';
      for (let j = 0; j < cols; j++) line += `${(u() * 20 - 10).toFixed(6)},`;
      block += line + (u() < 0.5 ? '1\n' : '0\n');
      rows++;
    }
    await write(block);
    bytes += block.length;
  }
  await new Promise<void>((resolve) => out.end(() => resolve()));
  return { bytes: statSync(file).size, rows };
}

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

async function main(): Promise<void> {
  const caseIndex = args.indexOf('--case');
  if (caseIndex >= 0) {
    await child(args[caseIndex + 1] as CaseName, args[args.indexOf('--file') + 1], value('reps', 3));
    return;
  }
  const mb = value('mb', 200);
  const reps = value('reps', 3);
  const cols = 20;
  const dir = join(tmpdir(), 'minibatch-bench');
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  const file = join(dir, `numeric-${mb}mb.csv`);
  console.log(`generating ${file} (${mb} MB, ${cols} features + target) …`);
  const { bytes, rows } = await generate(file, mb, cols);
  const load = loadavg()[0];
  console.log(`${(bytes / 1e6).toFixed(1)} MB, ${rows} rows`);
  const script = fileURLToPath(import.meta.url);
  const results: CaseResult[] = [];
  try {
    for (const name of CASES) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', script, '--case', name, '--file', file, '--reps', String(reps)], {
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      });
      if (r.status !== 0) throw new Error(`case ${name} failed:\n${r.stderr}`);
      const res = JSON.parse(r.stdout) as CaseResult;
      if (res.rows !== -1 && res.rows !== rows) throw new Error(`case ${name} read ${res.rows} rows, the file has ${rows}`);
      results.push(res);
      console.log(`${name.padEnd(34)} ${(bytes / 1e6 / median(res.seconds)).toFixed(1).padStart(7)} MB/s   peak RSS ${res.maxRSSMB.toFixed(0)} MB`);
    }
  } finally {
    if (!flag('keep')) rmSync(file, { force: true });
  }
  if (mb !== 200 && !flag('write')) return;
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const lines = [
    '# CSV loading speed',
    '',
    `Generated by \`npx tsx bench/csv-load.ts\` (method in its header comment). A seeded numeric CSV of`,
    `${(bytes / 1e6).toFixed(1)} MB (${rows.toLocaleString('en-US')} rows × ${cols} features + a 0/1 target, values like \`-3.141593\`), read from the`,
    'OS page cache; MB = 10^6 bytes of the file; median of ' + `${reps} timed reads after a warm-up, each case in its own process.`,
    '',
    `Machine: ${cpu}, ${cpus().length} logical CPUs, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM; Node ${process.version}; load average ${load.toFixed(1)} when the run started (other work on the machine slows the figures down).`,
    '',
    `| case | MB/s | seconds (median) | peak RSS after 1 read | peak RSS after ${reps + 1} reads |`,
    '|---|---:|---:|---:|---:|',
    ...results.map(
      (r) =>
        `| ${r.name} | ${(bytes / 1e6 / median(r.seconds)).toFixed(1)} | ${median(r.seconds).toFixed(2)} | ${r.firstReadRSSMB.toFixed(0)} MB | ${r.maxRSSMB.toFixed(0)} MB |`,
    ),
    '',
    '## Reading the numbers',
    '',
    ...notes(results, bytes, rows, cols),
    '',
  ];
  writeFileSync(new URL('./CSV.md', import.meta.url), lines.join('\n'));
  console.log('wrote bench/CSV.md');
}

function notes(results: CaseResult[], bytes: number, rows: number, cols: number): string[] {
  const speed = (name: CaseName) => bytes / 1e6 / median(results.find((r) => r.name === name)!.seconds);
  const rss = (name: CaseName) => results.find((r) => r.name === name)!.maxRSSMB;
  const rss1 = (name: CaseName) => results.find((r) => r.name === name)!.firstReadRSSMB;
  const floatMB = (rows * cols * 4 + rows * 4) / 1e6;
  return [
    `- \`Dataset.fromCSV\` loads at ${speed('Dataset.fromCSV').toFixed(0)} MB/s, ${((speed('Dataset.fromCSV') / speed('papaparse (Node stream) + Number')) * 100).toFixed(0)}% of the speed of papaparse's own streaming with`,
    '  nothing but `Number()` on each field: the checks, the column selection and the writes into the',
    '  Float32Array cost little next to splitting the text into field strings and converting them.',
    `- Reading and decoding alone runs at ${speed('read+decode').toFixed(0)} MB/s, so loading is bound by parsing, not I/O.`,
    `- The loaded data is ${floatMB.toFixed(0)} MB of float32 (features and targets). The peak RSS of one \`fromCSV\``,
    `  (${rss1('Dataset.fromCSV').toFixed(0)} MB) is Node itself, that data, and the buffer it grew in (doubled when full, so up to`,
    '  twice the data, then trimmed by a copy): the file is never held as one string. After several loads',
    `  the process holds more (${rss('Dataset.fromCSV').toFixed(0)} MB) only because the earlier datasets wait for the garbage collector.`,
    `- Streaming the same file in chunks of 8192 rows peaks at ${rss('Dataset.streamCSV pass').toFixed(0)} MB of RSS over ${results[0].seconds.length + 1} passes`,
    `  (${(((results[0].seconds.length + 1) * bytes) / 1e6).toFixed(0)} MB of CSV read), about what it reached after the first pass: memory does not grow with the`,
    '  data read. What it holds beyond Node itself is a chunk (8192 × 21 floats), 64 KiB pieces of text',
    '  and the chunks and strings already dropped that V8 has not collected yet (it collects lazily).',
  ];
}

await main();
