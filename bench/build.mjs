// Bundles the benchmark's own code (suite.ts, memory-fit.ts, whole-fit.ts, memory-net.ts, nets.ts) into bench/out/ for plain Node, with
// every import of the package's sources (ts/...) pointing at the published build (dist/, made by
// `rollup -c`) instead. Two reasons:
//   - the suite measures what users run: the built package in plain Node;
//   - a process that has ever detached an ArrayBuffer (tsx's module loader does, while it loads
//     .ts files) makes V8 check "was this buffer detached" on every typed-array access for the
//     rest of its life, which slows the js engine by 10–20 % at d ≥ 256 (bench/ABLATION.md,
//     "js engine"). Bundled and run with `node`, nothing is detached.
// The dependencies (TF.js, resvg, wabt) stay external, loaded from node_modules.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
if (!existsSync(join(dist, 'index.js'))) {
  console.error('bench/build.mjs: dist/ is not built: run `npx rollup -c` first (npm run bench does)');
  process.exit(1);
}

/** ts/<path>.js → the same module of dist/, external (loaded at run time, one instance). */
const toDist = {
  name: 'package-from-dist',
  setup(b) {
    b.onResolve({ filter: /\/ts\// }, (args) => {
      const file = resolve(args.resolveDir, args.path);
      const rel = relative(join(root, 'ts'), file);
      if (rel.startsWith('..')) return undefined;
      const target = join(dist, rel.replace(/\.ts$/, '.js'));
      if (!existsSync(target)) return { errors: [{ text: `${args.path}: dist/${rel} does not exist (rebuild with rollup -c)` }] };
      return { path: pathToFileURL(target).href, external: true };
    });
  },
};

const common = { outdir: join(root, 'bench/out'), outExtension: { '.js': '.mjs' }, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' };
await build({ ...common, entryPoints: [join(root, 'bench/suite.ts'), join(root, 'bench/memory-fit.ts'), join(root, 'bench/whole-fit.ts'), join(root, 'bench/memory-net.ts'), join(root, 'bench/nets.ts')], plugins: [toDist] });
// data-in.ts measures internal steps (the staging of features), which dist/ does not expose:
// it is bundled with the sources, in a process of its own (one wasm instance, its own).
await build({ ...common, entryPoints: [join(root, 'bench/data-in.ts')] });
