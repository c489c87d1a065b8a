// Node with initWasm({ module, threads }) pointing at the shipped .wasm files instead of the
// inlined copies (after a wrong path, which must fail with ENGINE_UNAVAILABLE and leave no state).
import * as minibatch from 'minibatch';
import { check } from './check.js';

// a path (relative to the current directory) for one, a file: URL for the other
const path = (file) => `node_modules/minibatch/dist/wasm/${file}`;
const missing = await minibatch.initWasm({ module: path('missing.wasm') }).then(() => 'loaded', (e) => e.code);
await minibatch.initWasm({ module: path('minibatch_wasm_bg.wasm'), threads: new URL(path('minibatch_wasm_threads_bg.wasm'), import.meta.url) });
console.log(JSON.stringify({ missing, ...(await check(minibatch)) }));
