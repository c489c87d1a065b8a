// Node worker_threads: a worker trains with threads (its own thread workers nested in it) and is
// never terminated: it must end by itself, and then the process.
import { Worker } from 'node:worker_threads';

const worker = new Worker(new URL('./worker-thread.js', import.meta.url));
let result;
worker.on('message', (m) => (result = m));
worker.on('error', (e) => console.error(e));
worker.on('exit', (code) => console.log(JSON.stringify({ ...result, exitCode: code })));
