/**
 * Seeded randomness: one generator (xoroshiro128+ from pure-rand) drives initialization and
 * every shuffle of a fit, so a seed fixes all of it. Its state is plain numbers, so that a
 * snapshot can carry it.
 */
import { xoroshiro128plus, xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';

export class Rng {
  private readonly gen: ReturnType<typeof xoroshiro128plus>;

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

  /** In-place Fisher–Yates (Durstenfeld) shuffle. */
  shuffle(a: Uint32Array): void {
    for (let i = a.length - 1; i > 0; i--) {
      const j = uniformInt(this.gen, 0, i);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }
}
