/** Shared by the data-layer tests: catching typed errors, seeded test data, CSV text builders. */
import { MinibatchError } from '../../ts/errors.js';

/** The error `fn` throws (failing the test if it does not throw a MinibatchError). */
export function caught<E = MinibatchError & Record<string, unknown>>(fn: () => unknown): E {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof MinibatchError)) throw new Error(`expected a MinibatchError, got ${String(e)}`, { cause: e });
    return e as E;
  }
  throw new Error('expected an error, none was thrown');
}

/** The error a promise rejects with (failing the test if it resolves or rejects with something untyped). */
export async function rejected<E = MinibatchError & Record<string, unknown>>(p: Promise<unknown> | (() => Promise<unknown>)): Promise<E> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (!(e instanceof MinibatchError)) throw new Error(`expected a MinibatchError, got ${String(e)}`, { cause: e });
    return e as E;
  }
  throw new Error('expected a rejection, the promise resolved');
}

/** A small LCG in [0, 1): test data only. */
export function uniform(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
}

/** Collects every chunk of an async iterable. */
export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of it) out.push(v);
  return out;
}

/** A web ReadableStream that gives `pieces` one by one, then fails if `failAfter` is reached. */
export function streamOf(pieces: (string | Uint8Array)[], failAfter?: number): ReadableStream<Uint8Array | string> {
  let i = 0;
  return new ReadableStream<Uint8Array | string>({
    pull(controller) {
      if (failAfter !== undefined && i === failAfter) {
        controller.error(new Error('connection reset'));
        return;
      }
      if (i < pieces.length) controller.enqueue(pieces[i++]);
      else controller.close();
    },
  });
}
