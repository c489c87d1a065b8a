/** Awaits a promise that must reject with a MinibatchError, and gives the error. */
import { expect } from 'vitest';
import { MinibatchError } from '../../ts/index.js';

export async function rejects(p: Promise<unknown>): Promise<MinibatchError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(MinibatchError);
    return e as MinibatchError;
  }
  throw new Error('expected a rejection');
}
