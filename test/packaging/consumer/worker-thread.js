import { parentPort } from 'node:worker_threads';
import * as minibatch from 'minibatch';
import { check } from './check.js';

parentPort.postMessage(await check(minibatch));
