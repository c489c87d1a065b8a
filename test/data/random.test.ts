/**
 * The seeded generator's shuffle is pure-rand's xoroshiro128+ and uniformInt written out in one
 * loop (ts/data/random.ts): it must make exactly the draws that calling pure-rand makes — the
 * same order, and the same generator state afterwards — or every seed's result would change.
 */
import { describe, expect, it } from 'vitest';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { Rng } from '../../ts/data/random.js';

/** The textbook loop through pure-rand's own calls. */
function reference(seed: number, n: number, warmup: number) {
  const gen = xoroshiro128plus(seed);
  for (let k = 0; k < warmup; k++) gen.next();
  const a = Uint32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = uniformInt(gen, 0, i);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return { order: a, state: gen.getState(), after: uniformInt(gen, 0, 1_000_000) };
}

describe('Rng.shuffle', () => {
  it.each([
    [1, 0],
    [2, 1],
    [3, 17],
    [1000, 5],
    [100_003, 0],
  ])('n = %i: the same order and final state as pure-rand (several seeds)', (n, warmup) => {
    for (const seed of [0, 1, 42, 20261127, 2 ** 31 - 1, -7]) {
      const want = reference(seed, n, warmup);
      const pre = xoroshiro128plus(seed);
      for (let k = 0; k < warmup; k++) pre.next();
      const rng = new Rng(seed, pre.getState());
      const a = Uint32Array.from({ length: n }, (_, i) => i);
      rng.shuffle(a);
      expect(a).toEqual(want.order);
      expect(rng.state()).toEqual(want.state);
      expect(rng.int(0, 1_000_000)).toBe(want.after);
    }
  });

  it('the large shuffles above include rejected draws (the branch that recomputes the bound)', () => {
    // uniformInt rejects next() + 2³¹ ≥ ⌊2³² / range⌋·range: rare, so count the draws of the
    // reference over the same seeds; more draws than swaps means some were rejected
    let rejected = 0;
    for (const seed of [0, 1, 42, 20261127, 2 ** 31 - 1, -7]) {
      const gen = xoroshiro128plus(seed);
      let draws = 0;
      const counting = { next: () => (draws++, gen.next()), getState: () => gen.getState() } as unknown as typeof gen;
      for (let i = 100_002; i > 0; i--) uniformInt(counting, 0, i);
      rejected += draws - 100_002;
    }
    expect(rejected).toBeGreaterThan(0);
  });
});
