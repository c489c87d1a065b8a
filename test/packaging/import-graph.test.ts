/**
 * The library's import graph (ts/index.ts and everything it reaches) stays the library's: it never
 * reaches the command-line tool (ts/cli) nor its dependencies (progress bars, charts, plotting),
 * and no Node built-in is imported by it where a bundler would follow (they are loaded through
 * ts/runtime.ts). esbuild bundles it for the browser and lists every file it read.
 */
import { build } from 'esbuild';
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
    expect(inputs.filter((f) => f.startsWith('ts/cli/'))).toEqual([]);
    const packages = new Set(inputs.filter((f) => f.startsWith('node_modules/')).map((f) => f.split('/').slice(1, f.startsWith('node_modules/@') ? 3 : 2).join('/')));
    expect([...packages].sort()).toEqual(LIBRARY_PACKAGES);
    const imports = Object.values(result.metafile.inputs).flatMap((i) => i.imports.map((x) => x.path));
    expect(imports.filter((p) => p.startsWith('node:') || p === 'stream' || p === 'fs')).toEqual([]);
  });
});
