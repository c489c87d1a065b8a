/**
 * The demo page (demo/, built by `rollup -c demo/rollup.config.mjs`, which `npm test` runs) in
 * Debian's Chromium through playwright-core: the page loads, the three descents train in the
 * Web Worker on the wasm engine while the page keeps drawing frames, the paths and the loss
 * curves grow as points arrive, a dropped CSV trains with the model it fits, the model downloads
 * as JSON, and the drawn image holds each descent's colour. A screenshot is written to the
 * temporary folder (its path is printed) for a person to look at.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { LinearRegression, LogisticRegression } from '../../ts/index.js';
import { serve } from '../../demo/serve.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BUILD = join(ROOT, 'demo/build');
const CHROMIUM = process.env.MINIBATCH_CHROMIUM ?? '/usr/bin/chromium';

interface DemoState {
  running: boolean;
  ready: { model: string; labels: string[]; contours: unknown; rows: number; features: number } | null;
  points: number[];
  lossPoints: number[];
  done: { engine: string; stopped: boolean } | null;
  model: unknown;
  error: string | null;
  frames: number;
}

let server: Server;
let browser: Browser;
let page: Page;
const errors: string[] = [];

const state = (): Promise<DemoState> => page.evaluate(() => (window as unknown as { demo: { state: DemoState } }).demo.state);
const finished = () => page.waitForFunction(() => {
  const s = (window as unknown as { demo?: { state: DemoState } }).demo?.state;
  return s && (s.done !== null || s.error !== null);
}, null, { timeout: 60_000 });

beforeAll(async () => {
  if (!existsSync(join(BUILD, 'app.js')) || !existsSync(join(BUILD, 'worker.js'))) {
    throw new Error('demo/build is not built: run `npm run build:demo` first (`npm test` does)');
  }
  server = await serve(BUILD, 0);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
    timeout: 30_000,
  });
  const context = await browser.newContext({ viewport: { width: 1100, height: 860 }, acceptDownloads: true });
  page = await context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  server?.close();
});

describe('the demo page', () => {
  it('trains the three descents in the worker, drawing as it goes, and stays responsive', async () => {
    const port = (server.address() as AddressInfo).port;
    // count animation frames while the worker trains: a page whose main thread trained would freeze
    await page.addInitScript(() => {
      const w = window as unknown as { rafTicks: number };
      w.rafTicks = 0;
      const tick = () => {
        w.rafTicks++;
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    await page.goto(`http://127.0.0.1:${port}/?pause=20`);
    // while training runs, the figure has some points, not all, and grows
    await page.waitForFunction(() => ((window as unknown as { demo?: { state: DemoState } }).demo?.state.frames ?? 0) >= 5, null, { timeout: 30_000 });
    const during = await state();
    expect(during.done).toBeNull();
    expect(during.points[0]).toBeGreaterThan(0);
    expect(during.points[0]).toBeLessThan(151);
    const pathD = await page.locator('#paths svg path').evaluateAll((els) => els.reduce((s, e) => s + (e.getAttribute('d')?.length ?? 0), 0));
    await finished();
    const s = await state();
    expect(s.error).toBeNull();
    expect(s.done!.engine).toBe('wasm');
    expect(s.ready!.model).toBe('LinearRegression');
    expect(s.ready!.contours).not.toBeNull();
    // the start and one point per update, for each descent; a loss value at each
    expect(s.points).toEqual([151, 151, 151]);
    expect(s.lossPoints).toEqual([151, 151, 151]);
    expect(s.frames).toBeGreaterThan(40);
    const pathDAfter = await page.locator('#paths svg path').evaluateAll((els) => els.reduce((sum, e) => sum + (e.getAttribute('d')?.length ?? 0), 0));
    expect(pathDAfter).toBeGreaterThan(pathD);
    expect(await page.evaluate(() => (window as unknown as { rafTicks: number }).rafTicks)).toBeGreaterThan(20);
    // the contour lines and the legend were drawn, and the status says where it trained
    expect(await page.locator('#paths svg path[stroke="#9a9a9a"]').count()).toBeGreaterThan(5);
    expect(await page.textContent('#status')).toMatch(/done: 150, 150, 150 updates .* on the wasm engine/);
    // the drawn image: each descent's colour is on it
    const pixels = await page.evaluate(() => (window as unknown as { demo: { drawnPixels(): Promise<Record<string, number>> } }).demo.drawnPixels());
    for (const label of s.ready!.labels) expect(pixels[label]).toBeGreaterThan(100);
    const shot = join(tmpdir(), 'minibatch-demo.png');
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`demo screenshot: ${shot}`);
    expect(errors).toEqual([]);
  });

  it('downloads the mini-batch model as JSON, a model that predicts', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    expect(download.suggestedFilename()).toBe('model.json');
    const json = JSON.parse(readFileSync((await download.path())!, 'utf8'));
    const model = LinearRegression.fromJSON(json);
    // the synthetic line is y = 4 − 2x + noise: the model learned about that
    const [a, b] = Array.from(model.predict([[0], [1]]));
    expect(Math.abs(a - 4)).toBeLessThan(0.5);
    expect(Math.abs(b - a + 2)).toBeLessThan(0.5);
  });

  it('a dropped CSV trains with the model it fits (logistic for a 0/1 target)', async () => {
    // two features; the last column is the target: 1 when x1 + x2 > 1 (a few labels flipped)
    const lines = ['x1,x2,label'];
    for (let i = 0; i < 120; i++) {
      const x1 = ((i * 37) % 100) / 50;
      const x2 = ((i * 61) % 100) / 50;
      lines.push(`${x1},${x2},${(x1 + x2 > 2) !== (i % 17 === 0) ? 1 : 0}`);
    }
    await page.evaluate((text) => {
      const dt = new DataTransfer();
      dt.items.add(new File([text], 'dropped.csv', { type: 'text/csv' }));
      document.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, lines.join('\n'));
    await page.waitForFunction(() => (window as unknown as { demo: { state: DemoState } }).demo.state.ready?.model === 'LogisticRegression', null, { timeout: 30_000 });
    await finished();
    const s = await state();
    expect(s.error).toBeNull();
    expect(s.ready!.rows).toBe(120);
    expect(s.ready!.features).toBe(2);
    expect(s.ready!.contours).toBeNull();
    expect(s.points).toEqual([151, 151, 151]);
    expect(await page.inputValue('#target')).toBe('label');
    expect(await page.inputValue('#dataset')).toBe('dropped:dropped.csv');
    const m = LogisticRegression.fromJSON(s.model as never);
    expect(Array.from(m.predict([[0.1, 0.1], [1.9, 1.9]]))).toEqual([0, 1]);
    await page.screenshot({ path: join(tmpdir(), 'minibatch-demo-dropped.png'), fullPage: true });
    const pixels = await page.evaluate(() => (window as unknown as { demo: { drawnPixels(): Promise<Record<string, number>> } }).demo.drawnPixels());
    for (const label of s.ready!.labels) expect(pixels[label]).toBeGreaterThan(100);
    expect(errors).toEqual([]);
  });
});
