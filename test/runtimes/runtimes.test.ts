/**
 * The published build (dist/, made by `npm test` before vitest) in the runtimes the package is
 * for, besides browsers (test/browser): Node as an ES module and from CommonJS, installed from the
 * packed tarball into a throw-away project, and Deno. Every runtime must learn bit-identical
 * parameters from the same data and seed, on the wasm engine.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const script = fileURLToPath(new URL('./fit-script.mjs', import.meta.url));
const run = (cmd: string, args: string[], cwd = root) => execFileSync(cmd, args, { cwd, encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] });
const parse = (out: string) => JSON.parse(out.trim().split('\n').at(-1)!);

describe('the published build in each runtime', () => {
  let node: { engine: string; weights: number[] };
  let project = '';

  beforeAll(() => {
    node = parse(run(process.execPath, [script]));
    project = mkdtempSync(join(tmpdir(), 'minibatch-pack-'));
  });
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it('Node (ES module) trains on the wasm engine, loading the module from the package', () => {
    expect(node.engine).toBe('wasm');
    expect(node.weights).toHaveLength(30);
    expect((node as unknown as { accuracy: number }).accuracy).toBeGreaterThan(0.95);
  });

  it('Node trains with 2 threads (worker_threads on shared memory) from the package', () => {
    expect((node as unknown as { threads: number }).threads).toBe(2);
    expect((node as unknown as { threadedWeights: number[] }).threadedWeights).toHaveLength(30);
  });

  it('Deno gives bit-identical results, with threads (Web Workers) too', () => {
    const deno = parse(run(join(root, 'node_modules/.bin/deno'), ['run', '--allow-read', '--allow-env', script]));
    expect(deno).toEqual(node);
  });

  it('the packed tarball installs into a new project and works from ESM and CommonJS', () => {
    const tgz = run('npm', ['pack', '--silent', '--pack-destination', project]).trim().split('\n').at(-1)!;
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(project, tgz)], project);
    writeFileSync(
      join(project, 'esm.mjs'),
      "import { LinearRegression } from 'minibatch';\n" +
        'const m = new LinearRegression();\n' +
        "const h = await m.fit([[1], [2], [3], [4]], [3, 5, 7, 9], { batchSize: 4, learningRate: 0.1, maxEpochs: 3000, tolerance: null, seed: 1 });\n" +
        'console.log(JSON.stringify({ engine: h.engine, w: m.weights[0], b: m.bias }));\n',
    );
    writeFileSync(
      join(project, 'cjs.cjs'),
      "import('minibatch').then(async ({ LinearRegression }) => {\n" +
        '  const m = new LinearRegression();\n' +
        "  const h = await m.fit([[1], [2], [3], [4]], [3, 5, 7, 9], { batchSize: 4, learningRate: 0.1, maxEpochs: 3000, tolerance: null, seed: 1 });\n" +
        '  console.log(JSON.stringify({ engine: h.engine, w: m.weights[0], b: m.bias }));\n' +
        '});\n',
    );
    const esm = parse(run(process.execPath, ['esm.mjs'], project));
    const cjs = parse(run(process.execPath, ['cjs.cjs'], project));
    expect(esm.engine).toBe('wasm');
    expect(esm.w).toBeCloseTo(2, 4); // y = 2x + 1
    expect(esm.b).toBeCloseTo(1, 4);
    expect(cjs).toEqual(esm);
    const cli = run(join(project, 'node_modules/.bin/minibatch'), ['train', '--epochs', '3'], project);
    expect(cli).toMatch(/training accuracy 0\.9\d/);
  });
});
