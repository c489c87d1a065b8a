// Type-checked (strict, skipLibCheck off) against the installed package under each tsconfig of
// test/packaging: the types must be exact (each @ts-expect-error must meet an error).
import { Dataset, LinearRegression, LogisticRegression, initWasm, MinibatchError, type FitOptions, type History, type WasmSource } from 'minibatch';

export async function train(X: number[][], y: number[]): Promise<'wasm' | 'js'> {
  const options: FitOptions = { batchSize: 32, maxEpochs: 10, threads: 2 };
  const model = new LogisticRegression({ l2: 1e-4 });
  const history: History = await model.fit(X, y, options);
  // @ts-expect-error: not an option
  await new LinearRegression().fit(X, y, { batchsize: 32 });
  // @ts-expect-error: the engine is 'wasm' or 'js'
  const wrong: 'gpu' = history.engine;
  const source: WasmSource = new Uint8Array(8);
  await initWasm({ module: source, threads: source });
  const data = await Dataset.fromCSV({ text: 'a,b\n1,0\n' }, { target: 'b' });
  if (!(data.rows > 0)) throw new MinibatchError('INVALID_DATA', `${wrong}`);
  return history.engine;
}
