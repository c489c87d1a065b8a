// Run by test/runtimes/*.test.ts in Node and in Deno: the published build (dist/) loads its wasm
// the default way, trains, and prints what it learned as JSON.
import { Dataset, LogisticRegression, SoftmaxRegression } from '../../dist/index.js';

const csv = new URL('../../data/breast-cancer.csv', import.meta.url);
const data = await Dataset.fromCSV(csv, { target: 'malignant' });
const logistic = new LogisticRegression({ standardize: true, l2: 1e-3 });
const h = await logistic.fit(data, { seed: 7, maxEpochs: 8, learningRate: 0.1, optimizer: 'adam' });
const softmax = new SoftmaxRegression({ standardize: true });
await softmax.fit(data, { seed: 8, maxEpochs: 4, learningRate: 0.1, engine: 'js' });
console.log(
  JSON.stringify({
    engine: h.engine,
    epochs: h.epochs,
    weights: Array.from(logistic.weights),
    bias: logistic.bias,
    accuracy: logistic.score(data),
    softmax: softmax.weights.map((w) => Array.from(w)),
  }),
);
