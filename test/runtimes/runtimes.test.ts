/**
 * The published build (dist/, made by `npm test` before vitest) in Node and Deno, on the bundled
 * breast-cancer data: both must learn bit-identical parameters from the same data and seed, on the
 * wasm engine. The packed tarball in every runtime and bundler is test/packaging's.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const script = fileURLToPath(new URL('./fit-script.mjs', import.meta.url));
const run = (cmd: string, args: string[], cwd = root) => execFileSync(cmd, args, { cwd, encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] });
const parse = (out: string) => JSON.parse(out.trim().split('\n').at(-1)!);

describe('the published build in each runtime', () => {
  let node: { engine: string; weights: number[] };

  beforeAll(() => {
    node = parse(run(process.execPath, [script]));
  });

  it('Node (ES module) trains on the wasm engine, with the module inlined in the package', () => {
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
});
