// The fit every consumer runs, on whatever `minibatch` resolved to: one thread, then two (the
// module with threads). No engine is named, so a silent fallback to the js engine shows as
// engine 'js'. Full batches of 2000 rows × 64 columns are large enough to be cut between threads.
export async function check({ LinearRegression }) {
  const X = Array.from({ length: 2000 }, (_, i) => Array.from({ length: 64 }, (_, j) => Math.sin(i * 0.7 + j * 1.3)));
  const y = X.map((row) => row.reduce((s, v, j) => s + v * (j % 5 - 2), 0.5));
  const out = {};
  for (const threads of [1, 2]) {
    const model = new LinearRegression();
    const h = await model.fit(X, y, { batchSize: 2000, maxEpochs: 5, learningRate: 0.1, tolerance: null, seed: 3, threads });
    out[`threads${threads}`] = { engine: h.engine, threads: h.threads, weights: Array.from(model.weights), bias: model.bias };
  }
  return out;
}
