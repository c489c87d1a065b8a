/**
 * The demo page: controls, the worker that trains, and two Vega views (the paths over the loss
 * contours, the loss curves) updated as the worker's points arrive. The specs are the same as
 * the `minibatch` command's (ts/plot/figures.ts).
 */
import * as vega from 'vega';
import { compile } from 'vega-lite';
import { curvesSpec, descentColors, pathsSpec, type Spec } from '../ts/plot/figures.js';
import { PATH_LEARNING_RATES } from '../ts/plot/descent.js';
import type { DemoData, FromWorker, ReadyMessage, StartMessage } from './protocol.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $<HTMLDivElement>('status');
const datasetSelect = $<HTMLSelectElement>('dataset');
const targetSelect = $<HTMLSelectElement>('target');
const trainButton = $<HTMLButtonElement>('train');
const stopButton = $<HTMLButtonElement>('stop');
const downloadButton = $<HTMLButtonElement>('download');

const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });

/** What the tests (and a curious user in the console) can read. */
const state = {
  id: 0,
  running: false,
  ready: null as ReadyMessage | null,
  points: [0, 0, 0],
  lossPoints: [0, 0, 0],
  done: null as null | { engine: string; timeMs: number; stopped: boolean },
  model: null as unknown,
  error: null as string | null,
  /** Frames drawn (view updates). */
  frames: 0,
};
const views: { paths: vega.View | null; loss: vega.View | null } = { paths: null, loss: null };
/** CSV texts by data-set key: the bundled ones when first needed, and the dropped ones. */
const csv = new Map<string, { name: string; text: string; columns: string[] }>();

function say(text: string, error = false): void {
  status.textContent = text;
  status.classList.toggle('error', error);
}

function columnsOf(text: string): string[] {
  const first = text.slice(0, text.search(/\r?\n|$/)).replace(/^\uFEFF/, '');
  return first.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
}

async function bundled(key: string): Promise<{ name: string; text: string; columns: string[] }> {
  const file = key.startsWith('diabetes') ? 'diabetes.csv' : 'breast-cancer.csv';
  if (!csv.has(file)) {
    const res = await fetch(`./data/${file}`);
    if (!res.ok) throw new Error(`${file}: HTTP ${res.status}`);
    const text = await res.text();
    csv.set(file, { name: file, text, columns: columnsOf(text) });
  }
  return csv.get(file)!;
}

/** The data set chosen in the controls, as the worker takes it. */
async function chosenData(): Promise<DemoData> {
  const key = datasetSelect.value;
  if (key === 'synthetic') return { kind: 'synthetic' };
  if (key === 'diabetes-bmi') return { kind: 'csv', ...(await bundled(key)), name: 'diabetes: progression ~ bmi', target: 'progression', features: ['bmi'] };
  if (key === 'diabetes') return { kind: 'csv', ...(await bundled(key)), target: 'progression' };
  if (key === 'breast-cancer') return { kind: 'csv', ...(await bundled(key)), target: 'malignant' };
  const dropped = csv.get(key)!;
  return { kind: 'csv', name: dropped.name, text: dropped.text, target: targetSelect.value };
}

function num(id: string, min: number): number {
  const v = Number($<HTMLInputElement>(id).value);
  if (!(v >= min) || !Number.isFinite(v)) throw new Error(`${id}: ${$<HTMLInputElement>(id).value} is not a number ≥ ${min}`);
  return v;
}

async function start(event?: Event): Promise<void> {
  event?.preventDefault();
  try {
    const msg: StartMessage = {
      type: 'start',
      id: ++state.id,
      data: await chosenData(),
      batchSize: Math.round(num('batch', 1)),
      learningRate: num('lr', 0),
      optimizer: $<HTMLSelectElement>('optimizer').value,
      updates: Math.round(num('updates', 1)),
      pauseMs: Number(new URLSearchParams(location.search).get('pause') ?? 30),
      seed: 1,
    };
    Object.assign(state, { running: true, ready: null, points: [0, 0, 0], lossPoints: [0, 0, 0], done: null, model: null, error: null });
    trainButton.disabled = true;
    stopButton.disabled = false;
    downloadButton.disabled = true;
    say('starting the worker…');
    worker.postMessage(msg);
  } catch (e) {
    say(e instanceof Error ? e.message : String(e), true);
  }
}

async function show(spec: Spec, container: string): Promise<vega.View> {
  const vg = 'mark' in spec ? (compile(spec as never).spec as vega.Spec) : (spec as vega.Spec);
  // the axes' labels change as points arrive: let the view grow to fit them
  (vg as { autosize?: unknown }).autosize = { type: 'pad', resize: true };
  const view = new vega.View(vega.parse(vg), { renderer: 'svg', container, hover: false });
  await view.runAsync();
  return view;
}

async function onReady(m: ReadyMessage): Promise<void> {
  state.ready = m;
  views.paths?.finalize();
  views.loss?.finalize();
  const runs = m.labels.map((label) => ({ label, batchSize: 0, theta0: [], theta1: [], loss: [] }));
  views.paths = await show(
    pathsSpec({
      panels: [{ title: `${m.name}: ${m.model}, ${$<HTMLSelectElement>('optimizer').selectedOptions[0].text}`, runs }],
      domain: m.contours?.domain ?? null,
      grid: m.contours?.grid ?? null,
      optimum: m.contours?.optimum ?? null,
      start: { t0: 0, t1: 0 },
      axes: m.axes,
      title: m.contours ? 'Descent paths over the loss contours' : 'Descent paths of the first two weights',
      cell: { width: 440, height: 360 },
    }),
    '#paths',
  );
  const loss = curvesSpec(
    m.labels.map((label) => ({ label, x: [], y: [] })),
    { title: 'Training loss (full objective)', subtitle: `${m.rows} rows × ${m.features} features`, xTitle: 'updates', yTitle: 'loss (log scale)', logY: true, width: 440, height: 360 },
  );
  // named, empty data: the points arrive from the worker; the colours are fixed by the labels
  (loss as { data: unknown }).data = { name: 'curves' };
  views.loss = await show(loss, '#loss');
  say(`training ${m.model} on ${m.name} (${m.rows} rows) in the worker…`);
}

// Messages are handled one after the other: a view must exist before points are added to it.
let queue: Promise<void> = Promise.resolve();
worker.addEventListener('message', (e: MessageEvent<FromWorker>) => {
  const m = e.data;
  queue = queue
    .then(async () => {
      if (m.id !== state.id) return;
      if (m.type === 'ready') await onReady(m);
      else if (m.type === 'progress') {
        const label = state.ready!.labels[m.run];
        const panel = `${state.ready!.name}: ${state.ready!.model}, ${$<HTMLSelectElement>('optimizer').selectedOptions[0].text}`;
        state.points[m.run] += m.points.length;
        state.lossPoints[m.run] += m.loss.length;
        await views.paths!.change('points', vega.changeset().insert(m.points.map((p) => ({ panel, run: label, order: m.run, ...p })))).runAsync();
        await views.loss!.change('curves', vega.changeset().insert(m.loss.map((l) => ({ series: label, x: l.update, y: l.loss })))).runAsync();
        state.frames++;
      } else if (m.type === 'done') {
        Object.assign(state, { running: false, done: { engine: m.engine, timeMs: m.timeMs, stopped: m.stopped }, model: m.model });
        trainButton.disabled = false;
        stopButton.disabled = true;
        downloadButton.disabled = false;
        say(`${m.stopped ? 'stopped' : 'done'}: ${state.points.map((p) => p - 1).join(', ')} updates (batch, mini-batch, stochastic) on the ${m.engine} engine in ${(m.timeMs / 1000).toFixed(1)} s`);
      } else {
        Object.assign(state, { running: false, error: m.message });
        trainButton.disabled = false;
        stopButton.disabled = true;
        say(m.message, true);
      }
    })
    .catch((err: unknown) => say(String(err), true));
});
worker.addEventListener('error', (e) => say(`the worker failed: ${e.message}`, true));

function download(): void {
  const blob = new Blob([JSON.stringify(state.model, null, 2)], { type: 'application/json' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = 'model.json';
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

/** A CSV from the file input or dropped on the page: a new data set, its last column the target. */
async function addFile(file: File): Promise<void> {
  const text = await file.text();
  const columns = columnsOf(text);
  const key = `dropped:${file.name}`;
  csv.set(key, { name: file.name, text, columns });
  if (!Array.from(datasetSelect.options).some((o) => o.value === key)) datasetSelect.add(new Option(`${file.name} (dropped)`, key));
  datasetSelect.value = key;
  targetSelect.replaceChildren(...columns.map((c) => new Option(c, c)));
  targetSelect.value = columns.at(-1)!;
  targetSelect.disabled = false;
  say(`${file.name}: ${columns.length} columns; the target is "${targetSelect.value}" (choose another above). Training…`);
  await start();
}

$<HTMLFormElement>('controls').addEventListener('submit', (e) => void start(e));
stopButton.addEventListener('click', () => worker.postMessage({ type: 'stop' }));
downloadButton.addEventListener('click', download);
$<HTMLSelectElement>('optimizer').addEventListener('change', (e) => {
  $<HTMLInputElement>('lr').value = String(PATH_LEARNING_RATES[(e.target as HTMLSelectElement).value] ?? 0.1);
});
datasetSelect.addEventListener('change', () => {
  const dropped = csv.get(datasetSelect.value);
  targetSelect.disabled = !dropped;
  if (dropped) {
    targetSelect.replaceChildren(...dropped.columns.map((c) => new Option(c, c)));
    targetSelect.value = dropped.columns.at(-1)!;
  } else targetSelect.replaceChildren();
});
$<HTMLInputElement>('file').addEventListener('change', (e) => {
  const f = (e.target as HTMLInputElement).files?.[0];
  if (f) void addFile(f);
});
document.addEventListener('dragover', (e) => {
  e.preventDefault();
  document.body.classList.add('dragging');
});
document.addEventListener('dragleave', () => document.body.classList.remove('dragging'));
document.addEventListener('drop', (e) => {
  e.preventDefault();
  document.body.classList.remove('dragging');
  const f = e.dataTransfer?.files[0];
  if (f) void addFile(f);
});

/** For the tests: pixels of each descent's colour in the paths figure, drawn to a canvas by Vega. */
async function drawnPixels(): Promise<Record<string, number>> {
  const labels = state.ready?.labels ?? [];
  const colours = descentColors(labels).map((c) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)));
  const canvas = (await views.paths!.toCanvas(2)) as HTMLCanvasElement;
  const img = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
  const counts = labels.map(() => 0);
  for (let p = 0; p < img.length; p += 4) {
    colours.forEach((c, k) => {
      if (Math.abs(img[p] - c[0]) + Math.abs(img[p + 1] - c[1]) + Math.abs(img[p + 2] - c[2]) < 60) counts[k]++;
    });
  }
  return Object.fromEntries(labels.map((l, k) => [l, counts[k]]));
}

Object.assign(window, { demo: { state, views, drawnPixels, start } });
say('ready: choose a data set and press Train, or drop a CSV file on the page');
void start();
