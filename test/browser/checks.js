// The browser side of test/browser/browser.test.ts: runs in Chromium, in the test page that the
// test's server serves. It imports the published build (dist/) the way a page does without a
// bundler: the bare specifier 'minibatch' and the package's dependencies are mapped by the page's
// import map. Plain JavaScript, served as is (no build step between this file and the browser).
// Every function returns plain data (hex strings for exact bits) for the test to compare with
// what Node computes from the same build.
import * as mb from 'minibatch';

const CSV = '/data/breast-cancer.csv';
const TARGET = { target: 'malignant' };

function need(condition, message) {
  if (!condition) throw new Error(message);
}

/** The Dataset class of the package's public entry (its absence is a failure, named as such). */
function datasetClass() {
  need(typeof mb.Dataset === 'function', `the package entry (dist/index.js) does not export Dataset; it exports: ${Object.keys(mb).sort().join(', ')}`);
  return mb.Dataset;
}

function hex(view) {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

async function sha256(view) {
  return hex(new Uint8Array(await crypto.subtle.digest('SHA-256', view)));
}

async function summary(ds) {
  return {
    rows: ds.rows,
    nFeatures: ds.nFeatures,
    featureNames: [...ds.featureNames],
    targetName: ds.targetName,
    skippedRows: ds.skippedRows,
    x: await sha256(ds.x.data),
    y: await sha256(ds.y),
  };
}

async function errorOf(promise) {
  try {
    await promise;
    return null;
  } catch (e) {
    return { name: e?.name, code: e?.code, message: String(e?.message ?? e) };
  }
}

async function fetchOk(url) {
  const r = await fetch(url);
  need(r.ok, `GET ${url}: HTTP ${r.status}`);
  return r;
}

/** (1) Dataset.fromCSV from each kind of source a browser has. */
export async function csvSources() {
  const Dataset = datasetClass();
  const input = document.querySelector('#csv-file');
  need(input.files.length === 1, 'the test did not set a file on the file input');
  const file = input.files[0];
  const url = new URL(CSV, location.href);
  const blob = await (await fetchOk(url)).blob();
  const text = await (await fetchOk(url)).text();
  return {
    file: { isFile: file instanceof File, name: file.name, size: file.size, data: await summary(await Dataset.fromCSV(file, TARGET)) },
    blob: { isBlob: blob instanceof Blob && !(blob instanceof File), data: await summary(await Dataset.fromCSV(blob, TARGET)) },
    response: await summary(await Dataset.fromCSV(await fetchOk(url), TARGET)),
    string: await summary(await Dataset.fromCSV(text, TARGET)),
    url: await summary(await Dataset.fromCSV(url, TARGET)),
    // a failed HTTP response, and a string with no line break (a file path, which a browser cannot read)
    notFound: await errorOf(Dataset.fromCSV(await fetch('/data/no-such-file.csv'), TARGET)),
    path: await errorOf(Dataset.fromCSV('data/breast-cancer.csv', TARGET)),
  };
}

/**
 * (2), (3) A LogisticRegression fit on the CSV read from a Response, on the given engine. The wasm
 * module is loaded the default way: nothing calls initWasm, the package fetches it from beside
 * its own module URL.
 */
export async function fitLogistic({ engine, model, fit }) {
  const Dataset = datasetClass();
  const data = await Dataset.fromCSV(await fetchOk(CSV), TARGET);
  const m = new mb.LogisticRegression(model);
  const history = await m.fit(data, { ...fit, engine });
  const j = m.toJSON();
  const wasmFetches = performance
    .getEntriesByType('resource')
    .map((e) => new URL(e.name).pathname)
    .filter((p) => p.endsWith('.wasm'));
  return {
    simd: mb.wasmSimdSupported(),
    engine: history.engine,
    stopReason: history.stopReason,
    epochs: history.epochs,
    iterations: history.iterations,
    loss: hex(Float64Array.from(history.loss)),
    weights: hex(Float32Array.from(j.weights)),
    bias: hex(Float32Array.from(j.bias)),
    accuracy: m.score(data),
    wasmFetches,
  };
}

/**
 * (4) A fit with threads: on a cross-origin isolated page the thread workers run (Web Workers on
 * the module's shared memory); elsewhere the fit runs on one thread after one notice.
 */
export async function fitThreads({ model, fit, threadsModule }) {
  // the module with threads from a URL (initWasm({ threads })) instead of the inlined copy
  if (threadsModule) await mb.initWasm({ threads: new URL(threadsModule, location.href) });
  const data = await datasetClass().fromCSV(await fetchOk(CSV), TARGET);
  const warnings = [];
  const warn = console.warn;
  console.warn = (...args) => warnings.push(args.map(String).join(' '));
  try {
    const m = new mb.LogisticRegression(model);
    const history = await m.fit(data, fit);
    const j = m.toJSON();
    await mb.stopThreads();
    return {
      isolated: globalThis.crossOriginIsolated === true,
      reason: mb.threadsUnavailableReason(),
      threads: history.threads,
      weights: hex(Float32Array.from(j.weights)),
      bias: hex(Float32Array.from(j.bias)),
      warnings,
    };
  } finally {
    console.warn = warn;
  }
}

/** Deterministic Gaussian-ish blobs: k classes in d dimensions (mulberry32 + Box-Muller). */
function blobs(n, d, k, seed) {
  let a = seed >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const centers = Array.from({ length: k }, () => Array.from({ length: d }, () => 3 * normal()));
  const X = new Float32Array(n * d);
  const y = new Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % k;
    y[i] = `class-${c}`;
    for (let j = 0; j < d; j++) X[i * d + j] = centers[c][j] + normal();
  }
  return { X, y };
}

function maxGap(times, from, to) {
  const inside = times.filter((t) => t >= from && t <= to);
  let prev = from;
  let gap = 0;
  for (const t of [...inside, to]) {
    gap = Math.max(gap, t - prev);
    prev = t;
  }
  return { ticks: inside.length, maxGap: gap };
}

/**
 * (4) A SoftmaxRegression fit on the main thread for about `maxTimeMs`, with the given
 * `yieldEveryMs`, while a setTimeout(0) loop and a requestAnimationFrame loop run: how often each
 * ticked during the fit, and the longest time each went without a tick.
 */
export async function responsiveness({ yieldEveryMs, maxTimeMs }) {
  const n = 20000;
  const d = 32;
  const { X, y } = blobs(n, d, 4, 12345);
  await mb.initWasm(); // loaded before the clock starts (its fetch would be a turn of the event loop)

  const timeouts = [];
  const frames = [];
  let running = true;
  const tick = () => {
    timeouts.push(performance.now());
    if (running) setTimeout(tick, 0);
  };
  const frame = () => {
    frames.push(performance.now());
    if (running) requestAnimationFrame(frame);
  };
  setTimeout(tick, 0);
  requestAnimationFrame(frame);
  // both loops are ticking before training starts
  const warm = performance.now();
  while (performance.now() - warm < 2000 && (frames.length < 3 || timeouts.length < 3)) await new Promise((r) => setTimeout(r, 10));
  need(frames.length >= 3, `requestAnimationFrame did not tick in this page (${frames.length} frames in 2 s)`);

  const model = new mb.SoftmaxRegression();
  const t0 = performance.now();
  const history = await model.fit(X, y, {
    nFeatures: d,
    engine: 'wasm',
    seed: 7,
    batchSize: 32,
    learningRate: 0.05,
    maxEpochs: 1_000_000,
    tolerance: null,
    maxTimeMs,
    yieldEveryMs,
  });
  const t1 = performance.now();
  running = false;
  return {
    engine: history.engine,
    stopReason: history.stopReason,
    epochs: history.epochs,
    iterations: history.iterations,
    accuracy: model.score(X, y),
    fitMs: t1 - t0,
    timeout: maxGap(timeouts, t0, t1),
    frame: maxGap(frames, t0, t1),
  };
}
