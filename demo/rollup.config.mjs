// Builds the demo page (demo/build/): the page's script (Vega draws the figures) and the Web
// Worker that trains on the wasm engine, each one bundle, with the wasm module copied beside
// them. `npm run demo` builds and serves it; the root rollup.config.mjs (the package) is apart.
import { readFileSync } from 'node:fs';
import typescript from '@rollup/plugin-typescript';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import commonjs from '@rollup/plugin-commonjs';

/** index.html, the bundled CSVs and the wasm module, beside the bundles. */
function assets() {
  return {
    name: 'demo-assets',
    generateBundle() {
      const files = {
        'index.html': 'demo/index.html',
        'minibatch_wasm_bg.wasm': 'ts/wasm/minibatch_wasm_bg.wasm',
        'data/diabetes.csv': 'data/diabetes.csv',
        'data/breast-cancer.csv': 'data/breast-cancer.csv',
      };
      for (const [fileName, from] of Object.entries(files)) this.emitFile({ type: 'asset', fileName, source: readFileSync(from) });
    },
  };
}

const plugins = () => [
  typescript({ tsconfig: './demo/tsconfig.json', noEmitOnError: true }),
  nodeResolve({ browser: true, preferBuiltins: false }),
  commonjs(),
];

// the library's Node-only paths (reading the module from disk, worker_threads) are behind
// dynamic imports that a browser never takes
const external = [/^node:/];

export default [
  { input: 'demo/app.ts', output: { file: 'demo/build/app.js', format: 'es', sourcemap: true }, external, plugins: [...plugins(), assets()] },
  { input: 'demo/worker.ts', output: { file: 'demo/build/worker.js', format: 'es', sourcemap: true, inlineDynamicImports: true }, external, plugins: plugins() },
];
