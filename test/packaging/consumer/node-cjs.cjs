// Node, CommonJS: require() of the package; never calls stopThreads().
const minibatch = require('minibatch');

import('./check.js').then(async ({ check }) => console.log(JSON.stringify(await check(minibatch))));
