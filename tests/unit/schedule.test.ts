import { describe, expect, it } from 'vitest';
import { checkSchedule, learningRate, type LrSchedule } from '../../src/optim/schedule';

const S: LrSchedule = { lr: 6e-4, minLr: 3e-5, warmupSteps: 10, totalSteps: 110 };

describe('learning-rate schedule', () => {
  it('1. warms up linearly from lr/warmup to lr', () => {
    expect(learningRate(0, S)).toBeCloseTo(6e-5, 15);
    expect(learningRate(4, S)).toBeCloseTo(3e-4, 15);
    expect(learningRate(9, S)).toBeCloseTo(6e-4, 15);
    for (let t = 1; t < 10; t++) expect(learningRate(t, S)).toBeGreaterThan(learningRate(t - 1, S));
  });

  it('3. follows the cosine from lr to minLr between warm-up and total', () => {
    expect(learningRate(10, S)).toBe(6e-4);
    expect(learningRate(60, S)).toBeCloseTo((6e-4 + 3e-5) / 2, 15);
    expect(learningRate(35, S)).toBeCloseTo(3e-5 + (6e-4 - 3e-5) * 0.5 * (1 + Math.cos(Math.PI / 4)), 15);
    for (let t = 11; t <= 110; t++) expect(learningRate(t, S)).toBeLessThan(learningRate(t - 1, S));
  });

  it('2. holds the floor after the total', () => {
    expect(learningRate(110, S)).toBe(3e-5);
    expect(learningRate(10_000, S)).toBe(3e-5);
  });

  it('works without warm-up and when warm-up covers the whole run', () => {
    expect(learningRate(0, { ...S, warmupSteps: 0 })).toBe(6e-4);
    expect(learningRate(5, { ...S, warmupSteps: 200 })).toBeCloseTo(6e-4 * 6 / 200, 15);
  });

  it('rejects bad settings with a message naming them', () => {
    expect(() => checkSchedule({ ...S, lr: -1 })).toThrow(/learning rate -1/);
    expect(() => checkSchedule({ ...S, minLr: 1 })).toThrow(/minimum learning rate/);
    expect(() => checkSchedule({ ...S, warmupSteps: 1.5 })).toThrow(/warm-up/);
    expect(() => checkSchedule({ ...S, totalSteps: 0 })).toThrow(/total steps/);
    expect(() => checkSchedule(S)).not.toThrow();
  });
});
