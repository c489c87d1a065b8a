// Builds dist/ for npm: ES modules that mirror ts/ (preserveModules), so that the loader's
// relative URL to the .wasm (engine/ → ../wasm/) holds in the package too.
import { existsSync, readFileSync } from 'node:fs';
import typescript from '@rollup/plugin-typescript';

/**
 * Ships the wasm binary and the glue's types beside the bundled glue, and the module with
 * threads with its glue as is (engine/raw.ts and the thread workers import that glue by URL at
 * run time, so it is not bundled). A build without the threaded module ships without it.
 */
function copyWasm() {
  return {
    name: 'copy-wasm',
    generateBundle() {
      const threaded = ['minibatch_wasm_threads.js', 'minibatch_wasm_threads_bg.wasm'];
      const files = ['minibatch_wasm_bg.wasm', 'minibatch_wasm.d.ts', ...threaded.filter((f) => existsSync(`ts/wasm/${f}`))];
      for (const file of files) {
        this.emitFile({ type: 'asset', fileName: `wasm/${file}`, source: readFileSync(`ts/wasm/${file}`) });
      }
    },
  };
}

export default {
  input: { index: 'ts/index.ts', 'cli/main': 'ts/cli/main.ts' },
  output: { dir: 'dist', format: 'es', preserveModules: true, preserveModulesRoot: 'ts', sourcemap: true },
  external: [/^node:/, 'pure-rand', /^pure-rand\//, 'papaparse', 'cli-progress', 'asciichart'],
  plugins: [typescript({ tsconfig: './tsconfig.build.json', declaration: false, noEmit: false, outDir: 'dist' }), copyWasm()],
};
