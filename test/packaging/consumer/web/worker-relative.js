import * as minibatch from '../node_modules/minibatch/dist/index.js';
import { check } from '../check.js';

check(minibatch).then((r) => postMessage(r));
