// A page: the fit on the page, then in the Web Worker `makeWorker()` starts; the result goes to
// window.result (or window.failure).
import { check } from '../check.js';

export function run(minibatch, makeWorker) {
  const inWorker = () =>
    new Promise((resolve, reject) => {
      const worker = makeWorker();
      worker.onmessage = (e) => resolve(e.data);
      worker.onerror = (e) => reject(new Error(`worker: ${e.message}`));
    });
  (async () => ({ page: await check(minibatch), worker: await inWorker() }))().then(
    (r) => (window.result = r),
    (e) => (window.failure = String((e && e.stack) || e)),
  );
}
