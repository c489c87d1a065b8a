// Run by test/runtimes/*.test.ts in Node and in Deno: the published build (dist/) loads its wasm
// the default way, trains, and prints what it learned as JSON.
import { Dataset, LogisticRegression, SoftmaxRegression, stopThreads } from '../../dist/index.js';

const csv = new URL('../../data/breast-cancer.csv', import.meta.url);
const data = await Dataset.fromCSV(csv, { target: 'malignant' });
const logistic = new LogisticRegression({ standardize: true, l2: 1e-3 });
const h = await logistic.fit(data, { seed: 7, maxEpochs: 8, learningRate: 0.1, optimizer: 'adam' });
const softmax = new SoftmaxRegression({ standardize: true });
await softmax.fit(data, { seed: 8, maxEpochs: 4, learningRate: 0.1, engine: 'js' });
// full batches of 569 rows × 31 columns are large enough to be cut between two threads
const threaded = new LogisticRegression({ standardize: true });
const ht = await threaded.fit(data, { seed: 9, maxEpochs: 20, batchSize: 569, learningRate: 0.5, threads: 2 });
await stopThreads();
console.log(
  JSON.stringify({
    engine: h.engine,
    epochs: h.epochs,
    weights: Array.from(logistic.weights),
    bias: logistic.bias,
    accuracy: logistic.score(data),
    softmax: softmax.weights.map((w) => Array.from(w)),
    threads: ht.threads,
    threadedWeights: Array.from(threaded.weights),
  }),
);
