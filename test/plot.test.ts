/**
 * The paths figure's numbers and geometry: J from the data's sums against the direct mean, the
 * least-squares minimum where the gradient vanishes, and the drawn contours registered with the
 * axes (the innermost ring of the SVG, drawn by Vega's isocontour transform, is centred on the
 * minimum's pixel; half a grid cell off would be 1.6 px).
 */
import { describe, expect, it } from 'vitest';
import { leastSquares, lossGrid, objective, syntheticLine } from '../ts/plot/descent.js';
import { curvesSpec, pathsSpec } from '../ts/plot/figures.js';
import { toSVG } from '../ts/plot/render.js';

const line = syntheticLine(1, 200);

describe('the descent problem', () => {
  it('J from the sums equals ½·mean of the squared residuals, and is least at the normal equations', () => {
    const J = objective(line);
    for (const [t0, t1] of [[0, 0], [1, -3], [4.2, -1.1]]) {
      let s = 0;
      for (let i = 0; i < line.x.length; i++) s += 0.5 * (t0 + t1 * line.x[i] - line.y[i]) ** 2;
      expect(J(t0, t1)).toBeCloseTo(s / line.x.length, 10);
    }
    const opt = leastSquares(line);
    const h = 1e-5;
    expect(Math.abs((J(opt.t0 + h, opt.t1) - J(opt.t0 - h, opt.t1)) / (2 * h))).toBeLessThan(1e-6);
    expect(Math.abs((J(opt.t0, opt.t1 + h) - J(opt.t0, opt.t1 - h)) / (2 * h))).toBeLessThan(1e-6);
    // the data is y = 4 − 2x + noise
    expect(opt.t0).toBeCloseTo(4, 0);
    expect(opt.t1).toBeCloseTo(-2, 0);
  });
});

describe('the figures, drawn by Vega', () => {
  it('the innermost contour is centred on the minimum', async () => {
    const opt = leastSquares(line);
    const domain = { t0: [0, 6] as [number, number], t1: [-4, 0] as [number, number] };
    const cell = { width: 380, height: 320 };
    const svg = await toSVG(pathsSpec({ panels: [{ title: 'p', runs: [] }], domain, grid: lossGrid(line, domain), optimum: opt, title: 't', start: { t0: 0, t1: 0 }, cell }));
    const contours = [...svg.matchAll(/<path[^>]*\bd="([^"]+)"[^>]*stroke="#9a9a9a"/g)].map((m) => m[1]);
    expect(contours.length).toBe(12);
    // the lowest level's region (J ≥ t) is the frame with the smallest ellipse as its hole
    const rings = contours[0]
      .split('M')
      .filter(Boolean)
      .map((r) => [...r.matchAll(/(-?[\d.]+),(-?[\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]));
    const width = (r: number[][]) => Math.max(...r.map((p) => p[0])) - Math.min(...r.map((p) => p[0]));
    const inner = rings.sort((a, b) => width(a) - width(b))[0];
    const cx = inner.reduce((s, p) => s + p[0], 0) / inner.length;
    const cy = inner.reduce((s, p) => s + p[1], 0) / inner.length;
    const px = ((opt.t0 - domain.t0[0]) / (domain.t0[1] - domain.t0[0])) * cell.width;
    const py = cell.height - ((opt.t1 - domain.t1[0]) / (domain.t1[1] - domain.t1[0])) * cell.height;
    expect(Math.abs(cx - px)).toBeLessThan(0.5);
    expect(Math.abs(cy - py)).toBeLessThan(0.5);
    // and the cross marking the minimum is drawn there
    const cross = svg.match(/<path transform="translate\(([\d.]+),([\d.]+)\)"[^>]*fill="black"/)!;
    expect(Number(cross[1])).toBeCloseTo(px, 6);
    expect(Number(cross[2])).toBeCloseTo(py, 6);
  });

  it('a curve figure draws every series, in the legend and as a line, on a log axis', async () => {
    const svg = await toSVG(
      curvesSpec(
        [
          { label: 'batch (b = n = 10)', x: [1, 2, 3], y: [1, 0.5, 0.25] },
          { label: 'stochastic (b = 1)', x: [1, 2, 3], y: [0.8, 0.1, 0.01] },
        ],
        { title: 'T', xTitle: 'epoch', yTitle: 'loss', logY: true },
      ),
    );
    for (const s of ['batch (b = n = 10)', 'stochastic (b = 1)', 'epoch', 'loss', '0.01']) expect(svg).toContain(s);
    // batch blue, stochastic red, as in the paths figure
    expect(svg).toMatch(/<path[^>]*stroke="#4e79a7"/);
    expect(svg).toMatch(/<path[^>]*stroke="#e15759"/);
  });
});
