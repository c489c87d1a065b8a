/**
 * Draws the specs of ./figures.ts headless in Node, with Vega (and Vega-Lite's compiler): SVG
 * through `view.toSVG()` (no canvas needed), PNG through @resvg/resvg-js when it is installed.
 * Only the CLI loads this module, by a dynamic import: `import 'minibatch'` never loads Vega.
 */
import { extname } from 'node:path';
import * as vega from 'vega';
import { compile } from 'vega-lite';
import type { Spec } from './figures.js';

/** A Vega-Lite spec compiled to Vega; a Vega spec as is. */
function toVega(spec: Spec): vega.Spec {
  const isLite = 'mark' in spec || 'layer' in spec || 'hconcat' in spec || 'vconcat' in spec || 'facet' in spec;
  return isLite ? (compile(spec as never).spec as vega.Spec) : (spec as vega.Spec);
}

export async function toSVG(spec: Spec): Promise<string> {
  const view = new vega.View(vega.parse(toVega(spec)), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** PNG at twice the SVG's size; needs the optional @resvg/resvg-js. */
export async function toPNG(svg: string): Promise<Uint8Array> {
  let Resvg: typeof import('@resvg/resvg-js').Resvg;
  try {
    ({ Resvg } = await import('@resvg/resvg-js'));
  } catch {
    throw new Error('PNG output needs @resvg/resvg-js (npm install @resvg/resvg-js), or write .svg');
  }
  return new Resvg(svg, { background: 'white', fitTo: { mode: 'zoom', value: 2 }, font: { loadSystemFonts: true } }).render().asPng();
}

/** The figure as SVG text, or PNG bytes for a file name ending in .png. */
export async function renderFigure(spec: Spec, file: string): Promise<string | Uint8Array> {
  const svg = await toSVG(spec);
  return extname(file).toLowerCase() === '.png' ? toPNG(svg) : svg;
}
