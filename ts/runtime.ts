/**
 * What the package asks of the runtime beyond the web platform: Node's built-in modules, loaded
 * only in Node and Deno and in a way that bundlers do not follow, so that no `node:` import is
 * reachable in a browser bundle (esbuild, Rollup and webpack would otherwise try to resolve it).
 */

interface ProcessWithBuiltins {
  versions?: { node?: string };
  getBuiltinModule?: (id: string) => unknown;
}

const proc = (globalThis as { process?: ProcessWithBuiltins }).process;

/** True in Node and in Deno (which sets process.versions.node and implements Node's built-in modules). */
export const hasNodeBuiltins = typeof proc === 'object' && proc !== null && typeof proc.versions?.node === 'string';

/**
 * A Node built-in module (`node:fs`, `node:os`, ...) in Node and Deno. `process.getBuiltinModule`
 * (Node ≥ 20.16, Deno 2) needs no import at all; older Node 20 releases get an `import()` of a
 * specifier held in a variable, which bundlers leave alone.
 */
export async function nodeBuiltin<T>(id: `node:${string}`): Promise<T> {
  if (!hasNodeBuiltins) throw new Error(`${id} is available in Node and Deno only`);
  const builtin = proc?.getBuiltinModule?.(id);
  if (builtin !== undefined) return builtin as T;
  const specifier: string = id;
  return (await import(/* webpackIgnore: true */ /* @vite-ignore */ specifier)) as T;
}
