/**
 * The figures as declarative specs: Vega-Lite for the curves, Vega for the paths figure (Vega's
 * isocontour transform draws the contours; Vega-Lite has no contour mark). Plain JSON, no
 * plotting code: ./render.ts draws them headless in Node, the demo page draws the same specs
 * with Vega in the browser.
 */
import type { Domain, PathRun } from './descent.js';

/** A JSON spec (Vega-Lite when it has `mark` or `layer`, else Vega). */
export type Spec = Record<string, unknown>;

/** One descent's curve: y against x. */
export interface Series {
  readonly label: string;
  readonly x: readonly number[];
  readonly y: readonly number[];
}

/** Batch, mini-batch, stochastic (and more): a fixed, colour-blind-safe order (Tableau 10). */
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#9c755f'];

/** The same colour for the same descent in every figure: batch blue, stochastic red, mini-batches the others in turn. */
export function descentColors(labels: readonly string[]): string[] {
  const others = PALETTE.filter((_, i) => i !== 0 && i !== 2);
  let k = 0;
  return labels.map((l) => (l.startsWith('batch') ? PALETTE[0] : l.startsWith('stochastic') ? PALETTE[2] : others[k++ % others.length]));
}

const SCHEMA_VL = 'https://vega.github.io/schema/vega-lite/v6.json';
const SCHEMA_VEGA = 'https://vega.github.io/schema/vega/v6.json';

export interface CurveOptions {
  readonly title: string;
  /** Lines under the title (headless Vega estimates text widths generously: keep lines short). */
  readonly subtitle?: string | string[];
  readonly xTitle: string;
  readonly yTitle: string;
  readonly logX?: boolean;
  readonly logY?: boolean;
  readonly width?: number;
  readonly height?: number;
}

/** Lines of y against x, one per series, with a legend (Vega-Lite). */
export function curvesSpec(series: readonly Series[], o: CurveOptions): Spec {
  const values = series.flatMap((s) => s.x.map((x, i) => ({ series: s.label, x, y: s.y[i] })).filter((p) => Number.isFinite(p.y) && (!o.logX || p.x > 0) && (!o.logY || p.y > 0)));
  return {
    $schema: SCHEMA_VL,
    title: { text: o.title, ...(o.subtitle ? { subtitle: o.subtitle } : {}), anchor: 'start' },
    width: o.width ?? 560,
    height: o.height ?? 320,
    background: 'white',
    data: { values },
    mark: { type: 'line', strokeWidth: 1.6, clip: true },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: o.xTitle, scale: o.logX ? { type: 'log' } : { zero: false } },
      y: { field: 'y', type: 'quantitative', title: o.yTitle, scale: o.logY ? { type: 'log' } : { zero: false } },
      color: {
        field: 'series',
        type: 'nominal',
        title: null,
        sort: series.map((s) => s.label),
        scale: { domain: series.map((s) => s.label), range: descentColors(series.map((s) => s.label)) },
        legend: { orient: 'top-right', labelLimit: 400 },
      },
    },
  };
}

/** A point's position in a paths panel. */
const AT_THETA = { x: { scale: 'x', field: 't0' }, y: { scale: 'y', field: 't1' } };

/** A symbol at each (t0, t1) of a data set. */
function marker(data: string, look: Record<string, unknown>): Spec {
  return { type: 'symbol', from: { data }, encode: { update: { ...AT_THETA, ...look } } };
}

export interface PathsPanel {
  readonly title: string;
  readonly runs: readonly PathRun[];
}

export interface PathsFigure {
  readonly panels: readonly PathsPanel[];
  /** The frame; null: around the points (a figure whose points arrive later). */
  readonly domain: Domain | null;
  /** J on a grid over the domain, for the contours; null: no contours (more than two parameters). */
  readonly grid: { width: number; height: number; values: number[]; thresholds: number[] } | null;
  readonly optimum: { t0: number; t1: number } | null;
  /** The common start (default: each panel's first point). */
  readonly start?: { t0: number; t1: number };
  /** The axis titles (default θ₀ (intercept), θ₁ (slope)). */
  readonly axes?: readonly [string, string];
  readonly title: string;
  readonly subtitle?: string;
  /** Pixels of one panel. */
  readonly cell?: { width: number; height: number };
}

/**
 * The loss contours of the full objective over (θ₀, θ₁) with the descents' paths drawn over
 * them, one panel per optimizer (Vega: the isocontour transform maps the grid into each panel).
 */
export function pathsSpec(f: PathsFigure): Spec {
  const cellW = f.cell?.width ?? 380;
  const cellH = f.cell?.height ?? 320;
  const labels = f.panels[0]?.runs.map((r) => r.label) ?? [];
  const points = f.panels.flatMap((panel) =>
    panel.runs.flatMap((r) => r.theta0.map((t0, i) => ({ panel: panel.title, run: r.label, order: labels.indexOf(r.label), i, t0, t1: r.theta1[i] }))),
  );
  const start = f.start ? [f.start] : f.panels.flatMap((panel) => panel.runs.slice(0, 1).map((r) => ({ t0: r.theta0[0], t1: r.theta1[0] })));
  const grid = f.grid;
  const [xTitle, yTitle] = f.axes ?? ['θ₀ (intercept)', 'θ₁ (slope)'];
  // without a frame, the scales take the extent of the points and the start
  const extent = (field: string) => ({ fields: [{ data: 'points', field }, { data: 'start', field }] });
  return {
    $schema: SCHEMA_VEGA,
    title: { text: f.title, ...(f.subtitle ? { subtitle: f.subtitle } : {}), anchor: 'start', offset: 12 },
    background: 'white',
    padding: 10,
    autosize: 'pad',
    signals: [
      { name: 'cellW', value: cellW },
      { name: 'cellH', value: cellH },
    ],
    data: [
      {
        name: 'contours',
        // scale and translate map grid coordinates (cells, row 0 at the lowest θ₁) to the panel's pixels
        values: grid ? [{ width: grid.width, height: grid.height, values: grid.values, scale: [cellW / grid.width, -cellH / grid.height], translate: [0, cellH] }] : [],
        transform: grid ? [{ type: 'isocontour', thresholds: grid.thresholds, smooth: true }] : [],
      },
      { name: 'points', values: points },
      { name: 'start', values: start },
      { name: 'optimum', values: f.optimum ? [{ t0: f.optimum.t0, t1: f.optimum.t1 }] : [] },
      { name: 'panels', values: f.panels.map((p, index) => ({ panel: p.title, index })) },
    ],
    scales: [
      { name: 'x', type: 'linear', domain: f.domain ? [...f.domain.t0] : extent('t0'), range: [0, { signal: 'cellW' }], zero: false, nice: !f.domain },
      { name: 'y', type: 'linear', domain: f.domain ? [...f.domain.t1] : extent('t1'), range: [{ signal: 'cellH' }, 0], zero: false, nice: !f.domain },
      { name: 'color', type: 'ordinal', domain: labels, range: descentColors(labels) },
    ],
    layout: { columns: Math.min(3, f.panels.length), padding: 24, bounds: 'full', align: 'all' },
    legends: [{ stroke: 'color', title: null, orient: 'bottom', direction: 'horizontal', symbolType: 'stroke', symbolStrokeWidth: 2.5, labelLimit: 300 }],
    marks: [
      {
        type: 'group',
        // one panel per entry of 'panels', in their order, even before it has points
        from: { data: 'panels' },
        sort: { field: 'datum.index', order: 'ascending' },
        data: [{ name: 'panel', source: 'points', transform: [{ type: 'filter', expr: 'datum.panel === parent.panel' }] }],
        title: { text: { signal: 'parent.panel' }, anchor: 'start', fontSize: 13 },
        encode: { update: { width: { signal: 'cellW' }, height: { signal: 'cellH' }, stroke: { value: '#999' } } },
        axes: [
          { orient: 'bottom', scale: 'x', title: xTitle, grid: false, tickCount: 6 },
          { orient: 'left', scale: 'y', title: yTitle, grid: false, tickCount: 6 },
        ],
        // the drawing in a clipped group of its own (a clipped group would clip its axes too)
        marks: [
          {
            type: 'group',
            encode: { update: { width: { signal: 'cellW' }, height: { signal: 'cellH' }, clip: { value: true } } },
            marks: [
              {
                type: 'shape',
                from: { data: 'contours' },
                encode: { update: { strokeWidth: { value: 1 }, stroke: { value: '#9a9a9a' }, fill: { value: null } } },
                transform: [{ type: 'geoshape', field: 'datum.contour' }],
              },
              {
                type: 'group',
                from: { facet: { name: 'run', data: 'panel', groupby: ['run', 'order'] } },
                sort: { field: 'datum.order', order: 'descending' },
                marks: [
                  {
                    type: 'line',
                    from: { data: 'run' },
                    sort: { field: 'datum.i' },
                    encode: {
                      update: {
                        ...AT_THETA,
                        stroke: { scale: 'color', field: 'run' },
                        strokeWidth: { value: 1.6 },
                        strokeOpacity: { value: 0.9 },
                      },
                    },
                  },
                  marker('run', {
                    fill: { scale: 'color', field: 'run' },
                    size: { value: 9 },
                    opacity: { signal: "datum.run === 'stochastic (b = 1)' ? 0 : 0.8" },
                  }),
                ],
              },
              marker('optimum', { shape: { value: 'cross' }, size: { value: 140 }, fill: { value: 'black' }, tooltip: { value: 'least squares (minimum of J)' } }),
              marker('start', { shape: { value: 'circle' }, size: { value: 60 }, fill: { value: 'white' }, stroke: { value: 'black' }, strokeWidth: { value: 1.5 } }),
            ],
          },
        ],
      },
    ],
  };
}
