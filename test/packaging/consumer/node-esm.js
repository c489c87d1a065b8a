// Node and Deno, ES module; never calls stopThreads(): the process must end by itself.
import * as minibatch from 'minibatch';
import { check } from './check.js';

console.log(JSON.stringify(await check(minibatch)));
