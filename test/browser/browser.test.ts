/**
 * The published build (dist/, made by `rollup -c`) in a real browser: Debian's Chromium
 * (/usr/bin/chromium, installed by scripts/setup-browser.sh; MINIBATCH_CHROMIUM names another
 * binary) driven by playwright-core. A static server on 127.0.0.1 serves dist/, the bundled data/
 * CSVs, the package's runtime dependencies from node_modules (mapped by an import map, as a page
 * without a bundler does) and a test page that imports test/browser/checks.js, which runs the
 * checks in the page. What is compared with Node is computed here, from the same dist/.
 *
 * Checked: Dataset.fromCSV with a File (from a file input), a Blob, a Response, a string and a
 * URL, all giving the same bits as Node's read of the file path; the wasm module loaded the
 * default way (inlined: nothing fetched) and a LogisticRegression trained on it bit-for-bit
 * as in Node; the js engine bit-for-bit as in Node; a SoftmaxRegression fit with yieldEveryMs
 * leaving setTimeout and requestAnimationFrame loops ticking (and, as a control, blocking them
 * with yieldEveryMs: 0); a fit with threads on a cross-origin isolated page (COOP/COEP headers; the module with threads
 * loaded from its shipped .wasm file by initWasm({ threads: url })) giving the bits of Node's fit with threads, and on a page without isolation one thread with a
 * notice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

type Api = typeof import('../../ts/index.js');
type DatasetClass = Api['Dataset'];
type Dataset = InstanceType<DatasetClass>;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DIST = join(ROOT, 'dist');
const CHROMIUM = process.env.MINIBATCH_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-dev-shm-usage',
];
const CSV_FILE = join(ROOT, 'data/breast-cancer.csv');

// Full batches of 569 rows × 31 columns: large enough for the core to cut between two threads.
const THREADED = {
  model: { standardize: true },
  fit: { seed: 9, batchSize: 569, maxEpochs: 20, learningRate: 0.5, tolerance: null, threads: 2 },
} as const;

/** The headers that make a page cross-origin isolated (SharedArrayBuffer available). */
const ISOLATION = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

// The same fit in the browser and in Node; every option that matters is fixed, the seed too.
const LOGISTIC = {
  model: { standardize: true, l2: 1e-3 },
  fit: { seed: 20261127, batchSize: 16, maxEpochs: 25, learningRate: 0.01, optimizer: 'adam', tolerance: null },
} as const;

// ---------------------------------------------------------------------------------------------
// Bounded waits: nothing in this suite may hang.

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------------------------------------
// What the browser needs: the build, and an import map for the build's bare imports.

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

/** Fails with what to do when dist/ is missing or older than the sources it is built from. */
function checkBuild(): void {
  const entry = join(DIST, 'index.js');
  if (!existsSync(entry) || !existsSync(join(DIST, 'wasm/minibatch_wasm_bg.wasm'))) {
    throw new Error('dist/ is not built: run `npm run build` (or `npx rollup -c`) first; `npm test` does');
  }
  const built = statSync(entry).mtimeMs;
  // ts/wasm/ is rewritten by every wasm build: its module is compared by content, the sources by time
  const newer = walk(join(ROOT, 'ts')).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && statSync(f).mtimeMs > built);
  const wasm = join(ROOT, 'ts/wasm/minibatch_wasm_bg.wasm');
  if (existsSync(wasm) && !readFileSync(wasm).equals(readFileSync(join(DIST, 'wasm/minibatch_wasm_bg.wasm')))) newer.unshift(wasm);
  if (newer.length > 0) {
    throw new Error(
      `dist/ is older than ${relative(ROOT, newer[0])}${newer.length > 1 ? ` and ${newer.length - 1} more` : ''}: run \`npx rollup -c\` (the browser suite tests the build, not ts/)`,
    );
  }
}

/** Bare specifiers that the browser-side modules of dist/ import (the CLI and its plotting are Node-only). */
function bareImports(): { static: string[]; dynamic: string[] } {
  const found = { static: new Set<string>(), dynamic: new Set<string>() };
  const bare = (s: string) => !/^(\.|\/|[a-z][a-z0-9+.-]*:\/\/)/i.test(s);
  for (const file of walk(DIST)) {
    // cli/ and plot/ are the command's (Node-only; the library never imports them)
    if (!file.endsWith('.js') || relative(DIST, file).startsWith(`cli${sep}`) || relative(DIST, file).startsWith(`plot${sep}`)) continue;
    const code = readFileSync(file, 'utf8');
    for (const m of code.matchAll(/^\s*(?:import|export)\b[^'";]*?\bfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]/gm)) {
      const s = m[1] ?? m[2];
      if (bare(s)) found.static.add(s);
    }
    for (const m of code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) if (bare(m[1])) found.dynamic.add(m[1]);
  }
  return { static: [...found.static].sort(), dynamic: [...found.dynamic].sort() };
}

const CONDITIONS = ['browser', 'import', 'module', 'default'];

function pickExport(target: unknown): string | undefined {
  if (typeof target === 'string') return target;
  if (Array.isArray(target)) return target.map(pickExport).find((t) => t !== undefined);
  if (target && typeof target === 'object') {
    for (const c of CONDITIONS) if (c in target) return pickExport((target as Record<string, unknown>)[c]);
  }
  return undefined;
}

function isEsm(file: string, packageDir: string): boolean {
  if (file.endsWith('.mjs')) return true;
  if (file.endsWith('.cjs')) return false;
  for (let dir = dirname(file); dir.startsWith(packageDir); dir = dirname(dir)) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      const type = (JSON.parse(readFileSync(pj, 'utf8')) as { type?: string }).type;
      if (type !== undefined) return type === 'module';
    }
  }
  return false;
}

/**
 * Resolves a bare specifier from node_modules as a browser bundler would (package `exports` with
 * the browser/import conditions, else `browser`/`module`/`main`), to the URL the server serves it
 * at. CommonJS files get `?cjs`: the server wraps them as ES modules, as a bundler or an ESM CDN
 * does for a dependency that ships no ES module (papaparse ships UMD only).
 */
function resolveBare(spec: string): string {
  const parts = spec.split('/');
  const name = spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  const sub = `.${spec.slice(name.length)}`;
  const dir = join(ROOT, 'node_modules', name);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
  let target: string | undefined;
  if (pkg.exports !== undefined) {
    const exp = pkg.exports as Record<string, unknown>;
    const map = typeof exp === 'string' || Array.isArray(exp) || !Object.keys(exp).some((k) => k.startsWith('.')) ? { '.': exp } : exp;
    target = pickExport(map[sub]);
  } else if (sub === '.') {
    target = typeof pkg.browser === 'string' ? pkg.browser : ((pkg.module ?? pkg.main ?? 'index.js') as string);
  } else {
    target = extname(sub) ? sub : `${sub}.js`;
  }
  if (target === undefined) throw new Error(`cannot resolve ${spec} for the browser from ${relative(ROOT, dir)}/package.json`);
  const file = join(dir, target);
  if (!existsSync(file)) throw new Error(`${spec} resolves to ${relative(ROOT, file)}, which does not exist`);
  const url = `/${relative(ROOT, file).split(sep).join('/')}`;
  return isEsm(file, dir) ? url : `${url}?cjs`;
}

function testPage(importMap: Record<string, string>): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>minibatch in the browser</title>
<script type="importmap">${JSON.stringify({ imports: importMap })}</script>
</head><body>
<input type="file" id="csv-file" accept=".csv,text/csv">
<script type="module">
  import('/test/browser/checks.js').then(
    (m) => { window.checks = m; },
    (e) => { window.loadError = String((e && e.stack) || e); },
  );
</script>
</body></html>
`;
}

// ---------------------------------------------------------------------------------------------
// The server: loopback only, a random port, a fixed set of directories.

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.csv': 'text/csv; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

/** The ES module form of a CommonJS/UMD file (module, exports and a throwing require in scope). */
function cjsAsEsm(source: string, path: string): string {
  return `const module = { exports: {} };
(function (module, exports, require) {
${source}
}).call(globalThis, module, module.exports, (id) => { throw new Error('require(' + JSON.stringify(id) + ') in ${path}: not available in a browser'); });
export default module.exports;
`;
}

interface Served {
  server: Server;
  origin: string;
  /** Every request: path and status, in order. */
  log: { path: string; status: number; type: string }[];
}

async function serve(importMap: Record<string, string>): Promise<Served> {
  const deps = Object.keys((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies);
  const roots: Record<string, string> = {
    '/dist/': DIST,
    '/data/': join(ROOT, 'data'),
    '/test/browser/': join(ROOT, 'test/browser'),
    ...Object.fromEntries(deps.map((d) => [`/node_modules/${d}/`, join(ROOT, 'node_modules', d)])),
  };
  const page = testPage(importMap);
  const log: Served['log'] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const path = decodeURIComponent(url.pathname);
      const send = (status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}) => {
        log.push({ path, status, type });
        res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers });
        res.end(body);
      };
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain', 'GET only');
      if (path === '/' || path === '/index.html') return send(200, TYPES['.html'], page);
      if (path === '/isolated.html') return send(200, TYPES['.html'], page, ISOLATION);
      if (path === '/favicon.ico') return send(204, 'text/plain', '');
      const prefix = Object.keys(roots).find((p) => path.startsWith(p));
      if (!prefix) return send(404, 'text/plain', `not served: ${path}`);
      const base = roots[prefix];
      const file = resolve(base, path.slice(prefix.length));
      if (!file.startsWith(base + sep)) return send(403, 'text/plain', 'outside the served directories');
      let body: Buffer;
      try {
        body = await readFile(file);
      } catch {
        return send(404, 'text/plain', `no such file: ${path}`);
      }
      if (url.searchParams.has('cjs')) return send(200, TYPES['.js'], cjsAsEsm(body.toString('utf8'), path));
      return send(200, TYPES[extname(file)] ?? 'application/octet-stream', body);
    })().catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(e));
    });
  });
  await within(
    new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(0, '127.0.0.1', () => ok());
    }),
    5_000,
    'starting the test server',
  );
  const { port } = server.address() as AddressInfo;
  return { server, origin: `http://127.0.0.1:${port}`, log };
}

// ---------------------------------------------------------------------------------------------
// Node's side, from the same build.

function sha256(view: ArrayBufferView): string {
  return createHash('sha256').update(new Uint8Array(view.buffer, view.byteOffset, view.byteLength)).digest('hex');
}

function hex(view: ArrayBufferView): string {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString('hex');
}

function summary(ds: Dataset) {
  return {
    rows: ds.rows,
    nFeatures: ds.nFeatures,
    featureNames: [...ds.featureNames],
    targetName: ds.targetName,
    skippedRows: ds.skippedRows,
    x: sha256(ds.x.data),
    y: sha256(ds.y!),
  };
}

async function nodeThreadedFit(api: Api, Dataset: DatasetClass) {
  const data = await Dataset.fromCSV(CSV_FILE, { target: 'malignant' });
  const model = new api.LogisticRegression(THREADED.model);
  const history = await model.fit(data, THREADED.fit);
  const j = model.toJSON();
  await api.stopThreads();
  return { threads: history.threads, weights: hex(Float32Array.from(j.weights!)), bias: hex(Float32Array.from(j.bias!)) };
}

async function nodeFit(api: Api, Dataset: DatasetClass, engine: 'wasm' | 'js') {
  const data = await Dataset.fromCSV(CSV_FILE, { target: 'malignant' });
  const model = new api.LogisticRegression(LOGISTIC.model);
  const history = await model.fit(data, { ...LOGISTIC.fit, engine });
  const j = model.toJSON();
  return {
    engine: history.engine,
    stopReason: history.stopReason,
    epochs: history.epochs,
    iterations: history.iterations,
    loss: hex(Float64Array.from(history.loss)),
    weights: hex(Float32Array.from(j.weights!)),
    bias: hex(Float32Array.from(j.bias!)),
    accuracy: model.score(data),
  };
}

// ---------------------------------------------------------------------------------------------

let api: Api;
let Dataset: DatasetClass;
let served: Served;
let browser: Browser;
let context: BrowserContext;

async function openPage(path = '/') {
  const page = await within(context.newPage(), 10_000, 'opening a page');
  page.setDefaultTimeout(20_000);
  const entry = { page, errors: [] as string[], console: [] as string[], firstRequest: served.log.length };
  page.on('pageerror', (e) => entry.errors.push(String(e.stack ?? e)));
  page.on('console', (m) => entry.console.push(`${m.type()}: ${m.text()}`));
  await page.goto(`${served.origin}${path}`, { timeout: 15_000 });
  await page.waitForFunction(() => 'checks' in window || 'loadError' in window, null, { timeout: 15_000 });
  const loadError = await page.evaluate(() => (window as unknown as { loadError?: string }).loadError);
  if (loadError) throw new Error(`the test page could not import the package: ${loadError}\nconsole:\n${entry.console.join('\n')}`);
  return entry;
}

/** Calls checks.<name>(arg) in the page, bounded in time. */
function run<T>(page: Page, name: string, arg: unknown, ms = 30_000): Promise<T> {
  return within(
    page.evaluate(([n, a]) => (window as unknown as { checks: Record<string, (x: unknown) => Promise<unknown>> }).checks[n as string](a), [name, arg] as const),
    ms,
    `checks.${name} in the browser`,
  ) as Promise<T>;
}

beforeAll(async () => {
  checkBuild();
  api = (await import(pathToFileURL(join(DIST, 'index.js')).href)) as Api;
  Dataset = api.Dataset;

  const imports = bareImports();
  const nodeOnly = imports.static.filter((s) => s.startsWith('node:'));
  if (nodeOnly.length > 0) throw new Error(`dist/ (outside cli/) imports ${nodeOnly.join(', ')} statically: that cannot load in a browser`);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
  const entry = pickExport(pkg.exports['.']);
  const importMap: Record<string, string> = { minibatch: `/${entry!.replace(/^\.\//, '')}` };
  // node: specifiers imported dynamically are the Node/Deno-only paths (files); the browser leaves them unresolved.
  for (const s of [...imports.static, ...imports.dynamic].filter((x) => !x.startsWith('node:'))) importMap[s] = resolveBare(s);
  served = await serve(importMap);

  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run \`bash scripts/setup-browser.sh\` (npm test does)`);
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
  context = await within(browser.newContext(), 10_000, 'opening a browser context');
}, 60_000);

afterAll(async () => {
  const closing: Promise<unknown>[] = [];
  if (browser) closing.push(within(browser.close(), 15_000, 'closing Chromium').catch((e: unknown) => console.error(e)));
  if (served) {
    served.server.closeAllConnections();
    closing.push(within(new Promise((ok) => served.server.close(ok)), 5_000, 'closing the test server').catch((e: unknown) => console.error(e)));
  }
  await Promise.all(closing);
}, 30_000);

describe(`the published build in Chromium (${CHROMIUM})`, () => {
  it('Dataset.fromCSV reads a File, a Blob, a Response, a string and a URL to the same bits as Node reads the file', async () => {
    const { page, errors } = await openPage();
    await page.setInputFiles('#csv-file', CSV_FILE, { timeout: 10_000 });
    const got = await run<{
      file: { isFile: boolean; name: string; size: number; data: unknown };
      blob: { isBlob: boolean; data: unknown };
      response: unknown;
      string: unknown;
      url: unknown;
      notFound: { name: string; code: string; message: string } | null;
      path: { name: string; code: string; message: string } | null;
    }>(page, 'csvSources', null);
    const node = summary(await Dataset.fromCSV(CSV_FILE, { target: 'malignant' }));
    expect(node.rows).toBe(569);
    expect(node.nFeatures).toBe(30);

    expect(got.file.isFile).toBe(true);
    expect(got.file.name).toBe('breast-cancer.csv');
    expect(got.file.size).toBe(statSync(CSV_FILE).size);
    expect(got.file.data, 'File').toEqual(node);
    expect(got.blob.isBlob).toBe(true);
    expect(got.blob.data, 'Blob').toEqual(node);
    expect(got.response, 'Response').toEqual(node);
    expect(got.string, 'string').toEqual(node);
    expect(got.url, 'URL').toEqual(node);

    expect(got.notFound, 'a 404 Response').toMatchObject({ name: 'InvalidDataError', code: 'READ_FAILED', message: expect.stringContaining('404') });
    expect(got.path, 'a file path in a browser').toMatchObject({ name: 'InvalidDataError', code: 'READ_FAILED', message: expect.stringContaining('in a browser') });
    expect(errors).toEqual([]);
  });

  it('loads the wasm module the default way and trains a LogisticRegression bit-for-bit as Node does on wasm', async () => {
    const { page, errors, console: logs, firstRequest } = await openPage();
    const [browserFit, nodeSide] = await Promise.all([
      run<Awaited<ReturnType<typeof nodeFit>> & { simd: boolean; wasmFetches: string[] }>(page, 'fitLogistic', { engine: 'wasm', ...LOGISTIC }),
      nodeFit(api, Dataset, 'wasm'),
    ]);
    expect(browserFit.simd).toBe(true);
    expect(browserFit.engine).toBe('wasm');
    expect(nodeSide.engine).toBe('wasm');
    // inlined in the JavaScript: nothing fetched
    expect(browserFit.wasmFetches).toEqual([]);
    expect(served.log.slice(firstRequest).filter((r) => r.path.endsWith('.wasm'))).toEqual([]);
    expect(logs.filter((l) => /minibatch|wasm/i.test(l)), 'no engine notice or wasm warning in the console').toEqual([]);

    expect(nodeSide.stopReason).toBe('maxEpochs');
    expect(nodeSide.accuracy).toBeGreaterThan(0.95);
    const { simd: _, wasmFetches: __, ...comparable } = browserFit;
    expect(comparable).toEqual(nodeSide);
    expect(errors).toEqual([]);
  });

  it('the js engine trains bit-for-bit as in Node', async () => {
    const { page, errors } = await openPage();
    const [browserFit, nodeSide] = await Promise.all([
      run<Awaited<ReturnType<typeof nodeFit>> & { simd: boolean; wasmFetches: string[] }>(page, 'fitLogistic', { engine: 'js', ...LOGISTIC }),
      nodeFit(api, Dataset, 'js'),
    ]);
    expect(nodeSide.engine).toBe('js');
    expect(nodeSide.stopReason).toBe('maxEpochs');
    expect(nodeSide.accuracy).toBeGreaterThan(0.95);
    const { simd: _, wasmFetches: __, loss, ...comparable } = browserFit;
    const { loss: nodeLoss, ...nodeComparable } = nodeSide;
    expect(comparable).toEqual(nodeComparable);
    // The parameters are float32 and equal to the bit. The epoch losses are float64 sums of
    // Math.exp/Math.log, which ECMAScript leaves implementation-approximated: Node 20's V8 and
    // Chromium's round ~10% of them differently in the last bit, so the losses agree to a few ulps.
    const a = new Float64Array(Uint8Array.from(Buffer.from(loss, 'hex')).buffer);
    const b = new Float64Array(Uint8Array.from(Buffer.from(nodeLoss, 'hex')).buffer);
    expect(a.length).toBe(LOGISTIC.fit.maxEpochs);
    expect(a.length).toBe(b.length);
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i]), `epoch ${i + 1} loss`).toBeLessThanOrEqual(1e-14 * Math.abs(b[i]));
    expect(errors).toEqual([]);
  });

  it('a SoftmaxRegression fit with yieldEveryMs keeps setTimeout and requestAnimationFrame ticking on the main thread', async () => {
    const { page, errors } = await openPage();
    type Result = {
      engine: string;
      stopReason: string;
      epochs: number;
      iterations: number;
      accuracy: number;
      fitMs: number;
      timeout: { ticks: number; maxGap: number };
      frame: { ticks: number; maxGap: number };
    };
    const yielding = await run<Result>(page, 'responsiveness', { yieldEveryMs: 16, maxTimeMs: 1500 });
    const blocking = await run<Result>(page, 'responsiveness', { yieldEveryMs: 0, maxTimeMs: 1000 });
    const report = JSON.stringify({ yielding, blocking });

    for (const r of [yielding, blocking]) {
      expect(r.engine, report).toBe('wasm');
      expect(r.stopReason, report).toBe('maxTime');
      expect(r.epochs, report).toBeGreaterThan(1);
      expect(r.accuracy, report).toBeGreaterThan(0.95);
    }
    // yielding every 16 ms: both loops keep going, never stalled for long
    expect(yielding.timeout.ticks, report).toBeGreaterThanOrEqual(yielding.fitMs / 100);
    expect(yielding.timeout.maxGap, report).toBeLessThan(250);
    expect(yielding.frame.ticks, report).toBeGreaterThanOrEqual(yielding.fitMs / 200);
    expect(yielding.frame.maxGap, report).toBeLessThan(250);
    // the control: without yielding, the same fit holds the main thread until it is done
    expect(blocking.timeout.ticks, report).toBe(0);
    expect(blocking.frame.ticks, report).toBe(0);
    expect(blocking.timeout.maxGap, report).toBeGreaterThanOrEqual(0.9 * blocking.fitMs);
    expect(errors).toEqual([]);
  });

  it('with threads on a cross-origin isolated page: Web Workers on shared memory, the bits of Node with threads', async () => {
    const { page, errors } = await openPage('/isolated.html');
    type Result = { isolated: boolean; reason: string | null; threads: number; weights: string; bias: string; warnings: string[] };
    const threadsModule = '/dist/wasm/minibatch_wasm_threads_bg.wasm';
    const [got, node] = await Promise.all([run<Result>(page, 'fitThreads', { ...THREADED, threadsModule }), nodeThreadedFit(api, Dataset)]);
    expect(got.isolated).toBe(true);
    expect(got.reason).toBeNull();
    expect(got.warnings).toEqual([]);
    expect(node.threads).toBe(2);
    expect(got.threads).toBe(2);
    expect({ weights: got.weights, bias: got.bias }).toEqual({ weights: node.weights, bias: node.bias });
    // initWasm({ threads: url }) was followed: the module came from the shipped file
    expect(served.log.some((r) => r.path === threadsModule && r.status === 200 && r.type === 'application/wasm')).toBe(true);
    expect(errors).toEqual([]);
  });

  it('with threads on a page without isolation: one thread, one notice saying why', async () => {
    const { page, errors } = await openPage('/');
    type Result = { isolated: boolean; reason: string | null; threads: number; warnings: string[] };
    const got = await run<Result>(page, 'fitThreads', THREADED);
    expect(got.isolated).toBe(false);
    expect(got.threads).toBe(1);
    expect(got.warnings).toHaveLength(1);
    expect(got.warnings[0]).toMatch(/one thread \(the page is not cross-origin isolated/);
    expect(errors).toEqual([]);
  });
});
