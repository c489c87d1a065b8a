// Builds dist/ for npm (run `npm run build:wasm` first: it generates ts/wasm/):
//   index.js (ES module) and index.cjs (CommonJS), each one file with the one-thread wasm module
//   inlined, plus chunks/ (the module with threads, imported on the first fit with threads);
//   index.d.ts and index.d.cts, the types in one file each; cli/main.js, the command-line tool;
//   wasm/*.wasm, the two modules as files, for initWasm({ module, threads }) from elsewhere.
// The runtime dependencies the library needs (papaparse, pure-rand) are bundled in, so that the
// package loads anywhere (a page with no bundler, a Web Worker) with nothing else to resolve;
// only node: built-ins and the packages listed in package.json `dependencies` and
// `peerDependencies` stay external (the plotting packages, optional peers of the command: a
// library user installs none of them).
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import typescript from '@rollup/plugin-typescript';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import commonjs from '@rollup/plugin-commonjs';
import { dts } from 'rollup-plugin-dts';

rmSync('dist', { recursive: true, force: true }); // no file of an older build survives

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const dependencies = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})];
const external = (id) => id.startsWith('node:') || dependencies.some((d) => id === d || id.startsWith(`${d}/`));

/** Ships the two modules as .wasm files too (a build without the module with threads ships without it). */
function copyWasm() {
  return {
    name: 'copy-wasm',
    generateBundle() {
      for (const file of ['minibatch_wasm_bg.wasm', 'minibatch_wasm_threads_bg.wasm'].filter((f) => existsSync(`ts/wasm/${f}`))) {
        this.emitFile({ type: 'asset', fileName: `wasm/${file}`, source: readFileSync(`ts/wasm/${file}`) });
      }
    },
  };
}

/**
 * papaparse's one `require('stream')` serves its Node duplex-stream mode (`Papa.parse(Papa.NODE_STREAM_INPUT)`),
 * which csv.ts does not use: it gets an empty module, so that no Node built-in reaches a browser bundle.
 */
function papaparseWithoutStream() {
  return {
    name: 'papaparse-without-stream',
    resolveId: (id, importer) => (id === 'stream' && importer?.includes('papaparse') ? '\0papaparse-stream' : null),
    load: (id) => (id === '\0papaparse-stream' ? 'export default {};' : null),
  };
}

/**
 * Collects the modules the library reaches from ts/index.ts (static and dynamic imports), so that
 * the chunks only the command reaches (its own code, the plots, commander) are written under
 * dist/cli/ and nothing outside it is Node-only or plotting code.
 */
function libraryModules() {
  const ids = new Set();
  const plugin = {
    name: 'library-modules',
    buildEnd() {
      const todo = [resolve('ts/index.ts')];
      while (todo.length > 0) {
        const id = todo.pop();
        if (ids.has(id)) continue;
        ids.add(id);
        const info = this.getModuleInfo(id);
        if (info) todo.push(...info.importedIds, ...info.dynamicallyImportedIds);
      }
    },
  };
  const chunkFileNames = (c) => (!c.moduleIds.some((id) => ids.has(id)) ? 'cli/[name].js' : c.isDynamicEntry ? 'chunks/[name].js' : 'chunks/minibatch.js');
  return { plugin, chunkFileNames };
}
const library = libraryModules();

const plugins = () => [
  papaparseWithoutStream(),
  typescript({ tsconfig: './tsconfig.build.json', declaration: false, noEmit: false, outDir: 'dist' }),
  nodeResolve({ browser: false, preferBuiltins: true }),
  commonjs(),
];

export default [
  {
    input: { index: 'ts/index.ts', 'cli/main': 'ts/cli/main.ts' },
    output: { dir: 'dist', format: 'es', chunkFileNames: library.chunkFileNames },
    external,
    plugins: [...plugins(), copyWasm(), library.plugin],
  },
  {
    input: { index: 'ts/index.ts' },
    output: { dir: 'dist', format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: 'chunks/[name].cjs', exports: 'named' },
    external,
    plugins: plugins(),
  },
  {
    input: 'ts/index.ts',
    output: [
      { file: 'dist/index.d.ts', format: 'es' },
      { file: 'dist/index.d.cts', format: 'es' },
    ],
    external,
    plugins: [dts({ tsconfig: './tsconfig.build.json' })],
  },
];
