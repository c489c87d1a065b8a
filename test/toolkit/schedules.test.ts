/** Learning-rate schedules against their formulas, evaluated here by hand. */
import { describe, expect, it } from 'vitest';
import { resolveSchedule } from '../../ts/train/schedules.js';
import { InvalidOptionError } from '../../ts/index.js';

const at = (epoch: number, batch = 0, batchesPerEpoch = 10, iteration = epoch * batchesPerEpoch + batch) => ({ epoch, batch, batchesPerEpoch, iteration });

describe('learning-rate schedules', () => {
  it('a number is constant', () => {
    const s = resolveSchedule(0.3, 10);
    expect([s.rate(at(0)), s.rate(at(7, 3))]).toEqual([0.3, 0.3]);
  });

  it('step: η₀·γ^⌊e/stepSize⌋, per epoch by default, per iteration on request', () => {
    const s = resolveSchedule({ type: 'step', initial: 1, stepSize: 3, gamma: 0.5 }, 20);
    expect([0, 2, 3, 5, 6, 9].map((e) => s.rate(at(e, 9)))).toEqual([1, 1, 0.5, 0.5, 0.25, 0.125]);
    const it2 = resolveSchedule({ type: 'step', initial: 1, stepSize: 0.5, gamma: 0.5, stepPer: 'iteration' }, 20);
    expect([it2.rate(at(0, 4)), it2.rate(at(0, 5)), it2.rate(at(1, 0))]).toEqual([1, 0.5, 0.25]);
  });

  it('exponential: η₀·γ^e', () => {
    const s = resolveSchedule({ type: 'exponential', initial: 2, gamma: 0.9 }, 20);
    expect(s.rate(at(4, 5))).toBeCloseTo(2 * 0.9 ** 4, 15);
    const i = resolveSchedule({ type: 'exponential', initial: 2, gamma: 0.9, stepPer: 'iteration' }, 20);
    expect(i.rate(at(4, 5))).toBeCloseTo(2 * 0.9 ** 4.5, 15);
  });

  it("invscaling: η₀ / (t + 1)^power per update (scikit-learn's)", () => {
    const s = resolveSchedule({ type: 'invscaling', initial: 0.5, power: 0.25 }, 20);
    expect(s.rate(at(0, 0))).toBe(0.5);
    expect(s.rate(at(1, 5))).toBeCloseTo(0.5 / 16 ** 0.25, 15);
  });

  it('cosine: linear warm-up, then half a cosine down to the minimum, with restarts', () => {
    const s = resolveSchedule({ type: 'cosine', initial: 1, minimum: 0.1, warmupEpochs: 2, periodEpochs: 4 }, 100);
    expect(s.rate(at(0, 0))).toBeCloseTo(1 / 20, 15); // one step of a 20-step ramp
    expect(s.rate(at(1, 9))).toBeCloseTo(1, 15);
    expect(s.rate(at(2, 0))).toBeCloseTo(1, 15);
    expect(s.rate(at(4, 0))).toBeCloseTo(0.1 + 0.9 * (1 + Math.cos(Math.PI / 2)) / 2, 15);
    expect(s.rate(at(5, 5))).toBeCloseTo(0.1 + 0.9 * (1 + Math.cos((Math.PI * 3.5) / 4)) / 2, 15);
    expect(s.rate(at(6, 0))).toBeCloseTo(1, 15); // restart
    // periods growing ×2: 4, 8, …; epoch 2 + 4 + 2 is 2 epochs into the 8-epoch cycle
    const m = resolveSchedule({ type: 'cosine', initial: 1, warmupEpochs: 2, periodEpochs: 4, periodMultiplier: 2, stepPer: 'epoch' }, 100);
    expect(m.rate(at(8))).toBeCloseTo((1 + Math.cos((Math.PI * 2) / 8)) / 2, 15);
    // the default period is the run after warm-up
    const d = resolveSchedule({ type: 'cosine', initial: 1, stepPer: 'epoch' }, 10);
    expect(d.rate(at(5))).toBeCloseTo(0.5, 15);
  });

  it("plateau: ×factor after more than `patience` epochs without a relative improvement (PyTorch's rule)", () => {
    const s = resolveSchedule({ type: 'plateau', initial: 1, factor: 0.5, patience: 2, threshold: 0.1 }, 100);
    const rates: number[] = [];
    for (const loss of [10, 9.5, 9.4, 9.3, 8, 8, 8, 8, 8]) {
      s.epochEnd(loss);
      rates.push(s.rate(at(0)));
    }
    // 10 is the best; 9.5, 9.4, 9.3 are not below 10·0.9 = 9: bad epochs 1, 2, 3 > 2 → halve.
    // 8 < 9 improves; then four bad epochs: the third of them halves again.
    expect(rates).toEqual([1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25]);
    expect(s.state()).toEqual({ rate: 0.25, best: 8, badEpochs: 1, cooldownLeft: 0 });
  });

  it('a function gets (completed epochs, completed updates)', () => {
    const seen: number[][] = [];
    const s = resolveSchedule((e: number, t: number) => (seen.push([e, t]), 1 / (1 + t)), 10);
    expect(s.rate(at(2, 3))).toBe(1 / 24);
    expect(seen).toEqual([[2, 23]]);
  });

  it.each([
    [{ type: 'cosine', initial: 0.1, warmup: 2 }, 'warmup'],
    [{ type: 'linear', initial: 0.1 }, 'learningRate.type'],
    [{ type: 'step', initial: 0.1 }, 'learningRate.stepSize'],
    [{ type: 'step', initial: -1, stepSize: 1 }, 'learningRate.initial'],
    [{ type: 'plateau', initial: 0.1, factor: 1.5 }, 'learningRate.factor'],
    [{ type: 'cosine', initial: 0.1, minimum: 0.2 }, 'learningRate.minimum'],
    [{ type: 'step', initial: 0.1, stepSize: 1, stepPer: 'batch' }, 'learningRate.stepPer'],
  ])('rejects %j naming %s', (option, name) => {
    try {
      resolveSchedule(option, 10);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidOptionError);
      expect((e as InvalidOptionError).option).toBe(name);
    }
  });

  it('a function that returns something other than a positive number is refused when called', () => {
    const s = resolveSchedule(() => NaN, 10);
    expect(() => s.rate(at(1, 2))).toThrow(/returned NaN at epoch 1, iteration 12/);
  });
});
