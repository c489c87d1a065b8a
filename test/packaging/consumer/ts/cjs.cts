// CommonJS consumer (require): the package's `require` types, index.d.cts.
import minibatch = require('minibatch');

export async function train(X: number[][], y: number[]): Promise<'wasm' | 'js'> {
  const history: minibatch.History = await new minibatch.LinearRegression().fit(X, y, { batchSize: 4 });
  // @ts-expect-error: the engine is 'wasm' or 'js'
  const wrong: 'gpu' = history.engine;
  void wrong;
  return history.engine;
}
