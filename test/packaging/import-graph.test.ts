/**
 * The library's import graph (ts/index.ts and everything it reaches) stays the library's: it never
 * reaches the command-line tool (ts/cli), the figures (ts/plot) nor their dependencies (argument
 * parsing, progress bars, Vega), and no Node built-in is imported by it where a bundler would
 * follow (they are loaded through ts/runtime.ts). esbuild bundles the sources for the browser and
 * lists every file it read; the built dist/index.js is walked through its static and dynamic imports.
 */
import { build } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The only packages the library uses (both are bundled into dist/). */
const LIBRARY_PACKAGES = ['papaparse', 'pure-rand'];

describe('the import graph of ts/index.ts', () => {
  it('reaches no CLI file, no package but papaparse and pure-rand, and no Node built-in', async () => {
    const result = await build({ entryPoints: ['ts/index.ts'], absWorkingDir: ROOT, bundle: true, platform: 'browser', format: 'esm', write: false, metafile: true, logLevel: 'silent' });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs).toContain('ts/engine/wasm/raw.ts');
    expect(inputs.filter((f) => f.startsWith('ts/cli/') || f.startsWith('ts/plot/'))).toEqual([]);
    const packages = new Set(inputs.filter((f) => f.startsWith('node_modules/')).map((f) => f.split('/').slice(1, f.startsWith('node_modules/@') ? 3 : 2).join('/')));
    expect([...packages].sort()).toEqual(LIBRARY_PACKAGES);
    const imports = Object.values(result.metafile.inputs).flatMap((i) => i.imports.map((x) => x.path));
    expect(imports.filter((p) => p.startsWith('node:') || p === 'stream' || p === 'fs')).toEqual([]);
  });

  /** Every file reachable from dist/index.js through static and dynamic imports, and the packages they import. */
  function builtGraph(): { files: Set<string>; bare: Set<string> } {
    const files = new Set<string>();
    const bare = new Set<string>();
    const todo = [join(ROOT, 'dist/index.js')];
    while (todo.length > 0) {
      const f = todo.pop()!;
      if (files.has(f)) continue;
      files.add(f);
      for (const m of readFileSync(f, 'utf8').matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)) {
        const s = m[1];
        if (s.startsWith('.')) {
          const next = resolve(dirname(f), s);
          if (next.endsWith('.js') && existsSync(next)) todo.push(next);
        } else bare.add(s.split('/').slice(0, s.startsWith('@') ? 2 : 1).join('/'));
      }
    }
    return { files, bare };
  }

  it('built: dist/index.js reaches no file of dist/cli/ and imports no package (they are bundled)', () => {
    const { files, bare } = builtGraph();
    const relative = [...files].map((f) => f.slice(join(ROOT, 'dist').length + 1));
    expect(relative).toContain('chunks/minibatch_wasm_inline.js'); // the walk follows dynamic imports
    expect(relative.filter((f) => f.startsWith('cli/'))).toEqual([]);
    // (a `node:` name here is the thread worker's source text or runtime.ts' guarded import, which the source check above covers)
    expect([...bare].filter((b) => !b.startsWith('node:'))).toEqual([]);
    // the control: the command's figures do import Vega (an optional peer, external)
    expect(readFileSync(join(ROOT, 'dist/cli/render.js'), 'utf8')).toMatch(/from ['"]vega-lite['"]/);
  });
});
