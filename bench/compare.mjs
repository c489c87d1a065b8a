// Reads the runs bench/compare.sh kept (DIR/{before,after}-<round>-<section>.json) and prints a
// Markdown table: per configuration and minibatch system, the median rate of each build over its
// rounds, after/before, and the spread of each build's own rounds (max/min − 1: the noise).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
/** key → side → rates of the rounds */
const rates = new Map();
const loads = { before: [], after: [] };
for (const f of files) {
  const side = f.startsWith('before') ? 'before' : 'after';
  const r = JSON.parse(readFileSync(join(dir, f), 'utf8'));
  loads[side].push(`${r.machine.loadAverage.split(' ')[0]}→${(r.machine.loadAverageEnd ?? '?').split(' ')[0]}`);
  for (const c of r.configs) {
    for (const s of c.results) {
      if (s.rate === null) continue;
      const key = `${c.section} | ${c.kind} ${c.optimizer} | ${c.n.toLocaleString('en')} × ${c.d} | ${c.batchSize} | ${s.system}`;
      if (!rates.has(key)) rates.set(key, { before: [], after: [] });
      rates.get(key)[side].push(s.rate);
    }
  }
}
const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const spread = (a) => (a.length > 1 ? `${((Math.max(...a) / Math.min(...a) - 1) * 100).toFixed(1)} %` : '–');
const commit = (side) => {
  try {
    return readFileSync(join(dir, `${side}.commit`), 'utf8').trim();
  } catch {
    return '?';
  }
};
const lines = [
  `Before: ${commit('before')}, after: ${commit('after')}; rounds alternate before/after; M samples/s, the median of each build's rounds`,
  `(each round's figure is itself the suite's median of ≥ 3 runs). Load average (1 min) at start→end of each run: before ${loads.before.join(', ')}; after ${loads.after.join(', ')}.`,
  '',
  '| section | model | n × d | batch | system | before | after | after/before | spread before | spread after |',
  '|---|---|---|---:|---|---:|---:|---:|---:|---:|',
];
const ratios = [];
for (const [key, v] of rates) {
  if (!v.before.length || !v.after.length) continue;
  const b = median(v.before);
  const a = median(v.after);
  ratios.push({ key, ratio: a / b });
  lines.push(`| ${key} | ${(b / 1e6).toFixed(3)} | ${(a / 1e6).toFixed(3)} | ${(a / b).toFixed(3)} | ${spread(v.before)} | ${spread(v.after)} |`);
}
ratios.sort((x, y) => x.ratio - y.ratio);
const slower = ratios.filter((r) => r.ratio < 0.97);
lines.push(
  '',
  `${ratios.length} configurations; after/before from ${ratios[0]?.ratio.toFixed(3)} (${ratios[0]?.key}) to ${ratios.at(-1)?.ratio.toFixed(3)}; ` +
    `geometric mean ${Math.exp(ratios.reduce((s, r) => s + Math.log(r.ratio), 0) / ratios.length).toFixed(3)}; ` +
    `${slower.length} more than 3 % slower${slower.length ? `: ${slower.map((r) => `${r.key} ${r.ratio.toFixed(3)}`).join('; ')}` : ''}.`,
);
console.log(lines.join('\n'));
