// Node with initWasm({ module, threads }) pointing at the shipped .wasm files instead of the
// inlined copies (after a wrong path, which must fail with ENGINE_UNAVAILABLE and leave no state).
import * as minibatch from 'minibatch';
import { check } from './check.js';

const wasm = (file) => new URL(`./node_modules/minibatch/dist/wasm/${file}`, import.meta.url);
const missing = await minibatch.initWasm({ module: wasm('missing.wasm') }).then(() => 'loaded', (e) => e.code);
await minibatch.initWasm({ module: wasm('minibatch_wasm_bg.wasm'), threads: wasm('minibatch_wasm_threads_bg.wasm') });
console.log(JSON.stringify({ missing, ...(await check(minibatch)) }));
