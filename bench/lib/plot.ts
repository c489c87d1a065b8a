/**
 * The throughput plot: samples per second against batch size, one line per system, one panel
 * per problem size, both axes logarithmic, with the machine's limit as a dashed line. Drawn as
 * SVG here (no plotting library needed for lines and labels) and rendered to PNG by resvg, which
 * needs no browser and no native build.
 */
import { Resvg } from '@resvg/resvg-js';
import type { ConfigResult } from './results.js';
import type { SystemId } from './systems.js';

export const SYSTEM_LABELS: Record<SystemId, string> = {
  'minibatch-wasm': 'minibatch wasm',
  'minibatch-wasm-threads': 'minibatch wasm, threads (one per core)',
  'minibatch-js': 'minibatch js',
  'tfjs-wasm-fit': 'TF.js wasm, model.fit',
  'tfjs-wasm-loop': 'TF.js wasm, hand-written loop',
  'tfjs-cpu-fit': 'TF.js cpu, model.fit',
  'tfjs-cpu-loop': 'TF.js cpu, hand-written loop',
};

const COLORS: Record<SystemId, string> = {
  'minibatch-wasm': '#d62728',
  'minibatch-wasm-threads': '#9467bd',
  'minibatch-js': '#ff7f0e',
  'tfjs-wasm-fit': '#1f77b4',
  'tfjs-wasm-loop': '#17becf',
  'tfjs-cpu-fit': '#2ca02c',
  'tfjs-cpu-loop': '#98df8a',
};

const DASH: Partial<Record<SystemId, string>> = { 'minibatch-wasm-threads': '3 3', 'tfjs-wasm-loop': '7 4', 'tfjs-cpu-loop': '7 4' };

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function fmtRate(v: number): string {
  if (v >= 1e9) return `${v / 1e9}G`;
  if (v >= 1e6) return `${v / 1e6}M`;
  if (v >= 1e3) return `${v / 1e3}k`;
  return String(v);
}

/** One panel per (n, d) of `configs` (the sweep), systems as lines. */
export function throughputSvg(configs: readonly ConfigResult[], title: string): string {
  const shapes: { n: number; d: number }[] = [];
  for (const c of configs) if (!shapes.some((s) => s.n === c.n && s.d === c.d)) shapes.push({ n: c.n, d: c.d });
  const systems = [...new Set(configs.flatMap((c) => c.results.filter((r) => r.rate !== null).map((r) => r.system)))];
  const batches = [...new Set(configs.map((c) => c.batchSize))].sort((a, b) => a - b);
  const rates = configs.flatMap((c) => [c.limitRate, ...c.results.map((r) => r.rate ?? NaN)]).filter((v) => Number.isFinite(v) && v > 0);
  const yMin = 10 ** Math.floor(Math.log10(Math.min(...rates)));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...rates)));

  const panelW = 440;
  const panelH = 380;
  const left = 80;
  const top = 70;
  const gap = 60;
  const width = left + shapes.length * panelW + (shapes.length - 1) * gap + 30;
  const legendTop = top + panelH + 60;
  const legendRows = Math.ceil((systems.length + 3) / 3);
  const height = legendTop + legendRows * 26 + 20;
  const xMin = Math.log2(batches[0]);
  const xMax = Math.log2(batches[batches.length - 1]);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Arial, sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="32" font-size="20" text-anchor="middle" font-weight="bold">${esc(title)}</text>`,
  );
  shapes.forEach((shape, i) => {
    const x0 = left + i * (panelW + gap);
    const X = (b: number): number => x0 + ((Math.log2(b) - xMin) / (xMax - xMin || 1)) * panelW;
    const Y = (v: number): number => top + panelH - ((Math.log10(v) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * panelH;
    out.push(`<rect x="${x0}" y="${top}" width="${panelW}" height="${panelH}" fill="none" stroke="#444"/>`);
    out.push(
      `<text x="${x0 + panelW / 2}" y="${top - 10}" font-size="16" text-anchor="middle">n = ${shape.n.toLocaleString('en-US')}, d = ${shape.d}</text>`,
    );
    for (let e = Math.log10(yMin); e <= Math.log10(yMax) + 1e-9; e++) {
      const v = 10 ** e;
      out.push(`<line x1="${x0}" x2="${x0 + panelW}" y1="${Y(v)}" y2="${Y(v)}" stroke="#ddd"/>`);
      if (i === 0) out.push(`<text x="${x0 - 8}" y="${Y(v) + 5}" font-size="13" text-anchor="end">${fmtRate(v)}</text>`);
    }
    for (const b of batches) {
      out.push(`<line x1="${X(b)}" x2="${X(b)}" y1="${top}" y2="${top + panelH}" stroke="#eee"/>`);
      out.push(`<text x="${X(b)}" y="${top + panelH + 20}" font-size="13" text-anchor="middle">${b}</text>`);
    }
    out.push(`<text x="${x0 + panelW / 2}" y="${top + panelH + 42}" font-size="14" text-anchor="middle">batch size</text>`);
    const mine = configs.filter((c) => c.n === shape.n && c.d === shape.d).sort((a, b) => a.batchSize - b.batchSize);
    const limit = mine[0]?.limitRate;
    if (limit) {
      out.push(`<line x1="${x0}" x2="${x0 + panelW}" y1="${Y(limit)}" y2="${Y(limit)}" stroke="#555" stroke-dasharray="3 4" stroke-width="1.5"/>`);
    }
    const shuffled = mine[0]?.limitShuffledRate;
    if (shuffled) {
      out.push(`<line x1="${x0}" x2="${x0 + panelW}" y1="${Y(shuffled)}" y2="${Y(shuffled)}" stroke="#999" stroke-dasharray="10 4 2 4" stroke-width="1.5"/>`);
    }
    for (const s of systems) {
      const pts = mine
        .map((c) => ({ b: c.batchSize, r: c.results.find((r) => r.system === s) }))
        .filter((p) => p.r && p.r.rate !== null && p.r.rate > 0);
      if (pts.length === 0) continue;
      const d = pts.map((p, j) => `${j ? 'L' : 'M'}${X(p.b).toFixed(1)},${Y(p.r!.rate!).toFixed(1)}`).join(' ');
      out.push(
        `<path d="${d}" fill="none" stroke="${COLORS[s]}" stroke-width="2.5"${DASH[s] ? ` stroke-dasharray="${DASH[s]}"` : ''}/>`,
      );
      for (const p of pts) {
        const bad = p.r!.status !== 'ok';
        out.push(
          `<circle cx="${X(p.b).toFixed(1)}" cy="${Y(p.r!.rate!).toFixed(1)}" r="4.5" fill="${bad ? 'white' : COLORS[s]}" stroke="${COLORS[s]}" stroke-width="2"/>`,
        );
      }
    }
  });
  out.push(
    `<text transform="translate(22 ${top + panelH / 2}) rotate(-90)" font-size="14" text-anchor="middle">training samples per second (log scale)</text>`,
  );
  const entries: { label: string; color: string; dash?: string; hollow?: boolean }[] = systems.map((s) => ({
    label: SYSTEM_LABELS[s],
    color: COLORS[s],
    dash: DASH[s],
  }));
  entries.push({ label: 'single-core limit (measured)', color: '#555', dash: '3 4' });
  entries.push({ label: 'the same, rows read in shuffled order', color: '#999', dash: '10 4 2 4' });
  entries.push({ label: "final loss not within 1 % of minibatch wasm's", color: '#555', hollow: true });
  entries.forEach((e, j) => {
    const col = j % 3;
    const row = Math.floor(j / 3);
    const x = left + col * 460;
    const y = legendTop + row * 26;
    out.push(
      e.hollow
        ? `<circle cx="${x + 18}" cy="${y}" r="4.5" fill="white" stroke="${e.color}" stroke-width="2"/>`
        : `<line x1="${x}" x2="${x + 36}" y1="${y}" y2="${y}" stroke="${e.color}" stroke-width="2.5"${e.dash ? ` stroke-dasharray="${e.dash}"` : ''}/>`,
      `<text x="${x + 46}" y="${y + 5}" font-size="14">${esc(e.label)}</text>`,
    );
  });
  out.push('</svg>');
  return out.join('\n');
}

export function svgToPng(svg: string): Buffer {
  const r = new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' }, fitTo: { mode: 'original' } });
  return r.render().asPng();
}
