// The page's entry for the bundlers: the worker by the `new Worker(new URL(…, import.meta.url))`
// pattern that Vite and webpack bundle.
import * as minibatch from 'minibatch';
import { run } from './run.js';

run(minibatch, () => new Worker(new URL('./worker.js', import.meta.url), { type: 'module' }));
