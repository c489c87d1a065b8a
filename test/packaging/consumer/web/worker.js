import * as minibatch from 'minibatch';
import { check } from '../check.js';

check(minibatch).then((r) => postMessage(r));
