/**
 * Seeded randomness: one generator (xoroshiro128+ from pure-rand) drives initialization and
 * every shuffle of a fit, so a seed fixes all of it. Its state is plain numbers, so that a
 * snapshot can carry it.
 */
import { xoroshiro128plus, xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';

export class Rng {
  private gen: ReturnType<typeof xoroshiro128plus>;

  constructor(seed: number, state?: readonly number[]) {
    this.gen = state ? xoroshiro128plusFromState(state) : xoroshiro128plus(seed);
  }

  /**
   * Generator number `index` of the seed: the first is `new Rng(seed)`, each further one starts
   * 2^64 draws later (xoroshiro128+'s jump), so the streams never overlap. The fit loop uses
   * stream 0 for initialization and shuffles, stream 1 for the validation split.
   */
  static stream(seed: number, index: number): Rng {
    const r = new Rng(seed);
    for (let i = 0; i < index; i++) r.gen.jump();
    return r;
  }

  /** A seed for a run that was given none (recorded in the history so the run can be repeated). */
  static freshSeed(): number {
    const buf = new Uint32Array(1);
    globalThis.crypto.getRandomValues(buf);
    return buf[0] >>> 1;
  }

  /** Uniform integer in [from, to], both included. */
  int(from: number, to: number): number {
    return uniformInt(this.gen, from, to);
  }

  /** Uniform in [0, 1). */
  float(): number {
    return uniformFloat64(this.gen);
  }

  state(): number[] {
    return [...this.gen.getState()];
  }

  /**
   * In-place Fisher–Yates (Durstenfeld) shuffle, j = uniformInt(0, i) for i = n − 1 … 1.
   *
   * The fit loop shuffles every epoch on the calling thread, so this is on the critical path
   * (1 ms for 100 000 rows through pure-rand's calls, as long as a whole threaded epoch at
   * d = 32). It is pure-rand's xoroshiro128+ step and its uniformInt (rejection sampling of
   * next() + 2³¹ below ⌊2³² / range⌋·range, then the remainder) written out in one loop on local
   * state: the same draws, the same order and the same final state as calling them (tested),
   * about 3× faster.
   */
  shuffle(a: Uint32Array): void {
    let [s01, s00, s11, s10] = this.gen.getState();
    for (let i = a.length - 1; i > 0; i--) {
      const range = i + 1;
      // ⌊2³² / range⌋·range > 2³² − range: only a draw above that needs the exact bound
      let maxAllowed = 4294967296 - range;
      let delta: number;
      do {
        const out = (s00 + s10) | 0;
        const a0 = s10 ^ s00;
        const a1 = s11 ^ s01;
        const t00 = s00;
        const t01 = s01;
        s00 = (t00 << 24) ^ (t01 >>> 8) ^ a0 ^ (a0 << 16);
        s01 = (t01 << 24) ^ (t00 >>> 8) ^ a1 ^ ((a1 << 16) | (a0 >>> 16));
        s10 = (a1 << 5) ^ (a0 >>> 27);
        s11 = (a0 << 5) ^ (a1 >>> 27);
        delta = out + 2147483648;
        if (delta >= maxAllowed) maxAllowed = range > 2 ? Math.floor(4294967296 / range) * range : 4294967296;
      } while (delta >= maxAllowed);
      // delta < 2³² and range ≤ 2³²: the double quotient's floor is exact, so this is delta % range
      const j = delta - Math.floor(delta / range) * range;
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    this.gen = xoroshiro128plusFromState([s01, s00, s11, s10]);
  }
}
