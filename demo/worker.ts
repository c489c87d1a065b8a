/**
 * The demo's training, in a Web Worker on the wasm engine, so that the page never freezes. The
 * three descents (batch, mini-batch, stochastic) train in turns, a few updates at a time: each
 * slice is a fit with `resume: true` (which continues bit-identically) and `recordPath: true`,
 * and its new points and losses go to the page as they come.
 */
import { Dataset, LinearRegression, LogisticRegression, SoftmaxRegression, StandardScaler, initWasm } from '../ts/index.js';
import type { FitOptions } from '../ts/index.js';
import { descents, domainAround, leastSquares, lossGrid, objective, resolvePathOptimizer, syntheticLine, type Line } from '../ts/plot/descent.js';
import type { DemoData, FromWorker, StartMessage, ToWorker } from './protocol.js';

const ctx = self as unknown as {
  postMessage(m: FromWorker): void;
  addEventListener(type: 'message', f: (e: MessageEvent<ToWorker>) => void): void;
};

type Model = LinearRegression | LogisticRegression | SoftmaxRegression;

let current = 0;

const ready = initWasm(new URL('./minibatch_wasm_bg.wasm', import.meta.url));

interface Problem {
  name: string;
  data: Dataset;
  kind: 'linear' | 'logistic' | 'softmax';
  standardize: boolean;
  /** One feature and linear regression: the (standardized) line whose J the contours draw. */
  line: Line | null;
}

async function load(d: DemoData): Promise<Problem> {
  if (d.kind === 'synthetic') {
    const line = syntheticLine(1, 200);
    return { name: 'y = 4 − 2x + noise (200 rows)', data: Dataset.fromArrays(line.x.map((v) => [v]), line.y), kind: 'linear', standardize: false, line };
  }
  const data = await Dataset.fromCSV(d.text, { target: d.target, ...(d.features ? { features: d.features } : {}) });
  const kind = data.labelEncoder ? 'softmax' : data.y!.every((v) => v === 0 || v === 1) ? 'logistic' : 'linear';
  let line: Line | null = null;
  if (kind === 'linear' && data.nFeatures === 1) {
    // the model standardizes its feature: J over its parameters is J of the standardized line
    const x = new StandardScaler().fit(data.x).transform(data.x);
    line = { x: Array.from(x.data), y: Array.from(data.y!) };
  }
  return { name: d.name, data, kind, standardize: true, line };
}

function makeModel(p: Problem): Model {
  const o = { standardize: p.standardize };
  return p.kind === 'linear' ? new LinearRegression(o) : p.kind === 'logistic' ? new LogisticRegression(o) : new SoftmaxRegression(o);
}

/** The full training objective (no penalty: the demo trains without one), from the model's predictions. */
function fullLoss(m: Model, p: Problem): number {
  const { data } = p;
  const y = data.y!;
  const n = data.rows;
  let s = 0;
  if (m instanceof LinearRegression) {
    const z = m.predict(data);
    for (let i = 0; i < n; i++) s += 0.5 * (z[i] - y[i]) ** 2;
  } else if (m instanceof LogisticRegression) {
    const q = m.predictProba(data);
    for (let i = 0; i < n; i++) s -= Math.log(Math.max(1e-15, y[i] === 1 ? q[i] : 1 - q[i]));
  } else {
    const q = m.predictProba(data);
    for (let i = 0; i < n; i++) s -= Math.log(Math.max(1e-15, q[i][y[i]]));
  }
  return s / n;
}

/** The objective at θ = 0 (init 'zeros'): every prediction 0, every class equally likely. */
function startLoss(p: Problem, k: number): number {
  if (p.kind !== 'linear') return Math.log(p.kind === 'logistic' ? 2 : k);
  const y = p.data.y!;
  let s = 0;
  for (let i = 0; i < y.length; i++) s += 0.5 * y[i] * y[i];
  return s / y.length;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function train(msg: StartMessage): Promise<void> {
  const { id } = msg;
  await ready;
  const p = await load(msg.data);
  const n = p.data.rows;
  const runs = descents(n, Math.min(msg.batchSize, n));
  const J = p.line ? objective(p.line) : null;
  const d = p.data.nFeatures;
  const k = p.kind === 'softmax' ? p.data.labelEncoder!.nClasses : 1;
  // the two parameters shown: (intercept, slope) with one feature, else the first two weights
  const pick = (row: Float32Array): [number, number] => (d === 1 ? [row[k], row[0]] : [row[0], row[1]]);
  const names = p.data.featureNames;
  let contours = null;
  if (p.line) {
    const opt = leastSquares(p.line);
    // the frame: the start, the minimum, and room around them for the stochastic path
    const domain = domainAround([[0, 0], [opt.t0, opt.t1]], 0.35);
    contours = { domain, grid: lossGrid(p.line, domain), optimum: { t0: opt.t0, t1: opt.t1 } };
  }
  ctx.postMessage({
    type: 'ready',
    id,
    name: p.name,
    rows: n,
    features: d,
    model: makeModel(p).constructor.name,
    labels: runs.map((r) => r.label),
    contours,
    axes: d === 1 ? ['θ₀ (intercept)', 'θ₁ (slope)'] : [`w₁ (${names[0]})`, `w₂ (${names[1]})`],
  });

  const models = runs.map(() => makeModel(p));
  const slice = Math.max(1, Math.ceil(msg.updates / 60));
  const started = performance.now();
  const base: FitOptions = {
    learningRate: msg.learningRate,
    optimizer: resolvePathOptimizer(msg.optimizer),
    tolerance: null,
    init: 'zeros',
    seed: msg.seed,
    engine: 'wasm',
    recordPath: true,
    maxEpochs: msg.updates,
  };
  let engine = 'wasm';
  for (let done = 0; done < msg.updates && id === current; ) {
    const to = Math.min(msg.updates, done + slice);
    for (let r = 0; r < runs.length; r++) {
      const h = await models[r].fit(p.data, { ...base, batchSize: runs[r].batchSize, maxIterations: to, resume: done > 0 });
      engine = h.engine;
      const path = h.path!;
      const points: { i: number; t0: number; t1: number }[] = [];
      const loss: { update: number; loss: number }[] = [];
      // a resumed fit records its starting point again: the page has it already
      for (let j = done > 0 ? 1 : 0; j < path.iterations.length; j++) {
        const [t0, t1] = pick(path.params.subarray(j * path.size, (j + 1) * path.size));
        points.push({ i: path.iterations[j], t0, t1 });
        if (J) loss.push({ update: path.iterations[j], loss: J(t0, t1) });
      }
      if (!J) {
        if (done === 0) loss.push({ update: 0, loss: startLoss(p, k) });
        loss.push({ update: h.iterations, loss: fullLoss(models[r], p) });
      }
      ctx.postMessage({ type: 'progress', id, run: r, points, loss });
    }
    done = to;
    if (msg.pauseMs > 0) await pause(msg.pauseMs);
  }
  ctx.postMessage({ type: 'done', id, model: models[1].toJSON(), engine, timeMs: performance.now() - started, stopped: id !== current });
}

ctx.addEventListener('message', (e) => {
  const msg = e.data;
  current++;
  if (msg.type !== 'start') return;
  const id = msg.id;
  current = id;
  train(msg).catch((err: unknown) => ctx.postMessage({ type: 'error', id, message: err instanceof Error ? err.message : String(err) }));
});
