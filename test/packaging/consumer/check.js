// What every consumer runs, on whatever `minibatch` resolved to: a CSV parse (papaparse, bundled
// in the package), then the fit with one thread and with two (the module with threads). No engine is named, so a silent fallback to the js engine shows as
// engine 'js'. Full batches of 2000 rows × 64 columns are large enough to be cut between threads.
export async function check({ Dataset, LinearRegression }) {
  const table = await Dataset.fromCSV({ text: 'a,"b, quoted",y\n1,2,0\n3,"4",1\n' }, { target: 'y' });
  const X = Array.from({ length: 2000 }, (_, i) => Array.from({ length: 64 }, (_, j) => Math.sin(i * 0.7 + j * 1.3)));
  const y = X.map((row) => row.reduce((s, v, j) => s + v * (j % 5 - 2), 0.5));
  const out = { csv: { rows: table.rows, featureNames: table.featureNames, x: Array.from(table.x.data) } };
  for (const threads of [1, 2]) {
    const model = new LinearRegression();
    const h = await model.fit(X, y, { batchSize: 2000, maxEpochs: 5, learningRate: 0.1, tolerance: null, seed: 3, threads });
    out[`threads${threads}`] = { engine: h.engine, threads: h.threads, weights: Array.from(model.weights), bias: model.bias };
  }
  return out;
}
