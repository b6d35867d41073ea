// When sharpness is measured: every N steps, or 'auto' within SHARPNESS_BUDGET of training time.
import { describe, expect, it } from 'vitest';
import { AUTO_FIRST_MEASUREMENT, SHARPNESS_BUDGET, SharpnessSchedule, sharpnessInterval } from '../../src/train/sharpnessSchedule';
import { sharpnessNote } from '../../src/ui/plots/figures';

describe('sharpness schedule', () => {
  it('chooses the smallest interval whose measurements take at most the budget', () => {
    // 400 ms per measurement, 100 ms per step, 15 %: 400·0.85/(0.15·100) = 22.67 → 23 steps.
    expect(sharpnessInterval(400, 100)).toBe(23);
    const share = (n: number) => 400 / (n * 100 + 400);
    expect(share(23)).toBeLessThanOrEqual(SHARPNESS_BUDGET);
    expect(share(22)).toBeGreaterThan(SHARPNESS_BUDGET);
    expect(sharpnessInterval(1, 1000)).toBe(1); // cheap: every step
    expect(sharpnessInterval(400, NaN)).toBe(AUTO_FIRST_MEASUREMENT); // no step time yet
    expect(sharpnessInterval(400, 100, 0.5)).toBe(4);
  });

  it('fixed N: due at multiples of N; 0: never', () => {
    const every5 = new SharpnessSchedule(5);
    expect([1, 4, 5, 9, 10, 15].map((d) => every5.due(d))).toEqual([false, false, true, false, true, true]);
    expect(every5.cost(1000)).toBeNull(); // nothing measured yet
    const never = new SharpnessSchedule(0);
    expect([0, 1, 10, 100].some((d) => never.due(d))).toBe(false);
    every5.measured(5, 200, 10);
    expect(every5.cost(1000)).toEqual({ every: 5, auto: false, measureMs: 200, share: 0.2, steadyShare: 0.8 });
  });

  it("'auto': first after AUTO_FIRST_MEASUREMENT steps (from where training starts), then at the measured interval", () => {
    const s = new SharpnessSchedule('auto', 30);
    expect(s.due(30 + AUTO_FIRST_MEASUREMENT - 1)).toBe(false);
    expect(s.due(30 + AUTO_FIRST_MEASUREMENT)).toBe(true);
    s.measured(40, 400, 100); // → every 23
    expect(s.due(62)).toBe(false);
    expect(s.due(63)).toBe(true);
    s.measured(63, 100, 100); // cheaper now → every 6
    expect(s.due(68)).toBe(false);
    expect(s.due(69)).toBe(true);
    expect(s.cost(5000)).toEqual({ every: 6, auto: true, measureMs: 100, share: 0.1, steadyShare: 100 / 700 });
    expect(s.cost(5000)!.steadyShare).toBeLessThanOrEqual(SHARPNESS_BUDGET);
  });

  it('says under the chart how often and at what cost', () => {
    expect(sharpnessNote(0, null, false)).toMatch(/off/);
    expect(sharpnessNote('auto', null, false)).toMatch(/automatically \(at most 15 % of training time\), first after 30 steps/);
    expect(sharpnessNote(50, null, false)).toBe('Measured every 50 steps.');
    expect(sharpnessNote('auto', { every: 23, auto: true, measureMs: 812, share: 0.118, steadyShare: 0.149 }, true)).toBe(
      'Lanczos top eigenvalue and Hutchinson trace ± s.e., every 23 steps (auto: at most 15 % of training time) · 11.8 % of training time so far (14.9 % from here on) · 0.81 s per measurement.',
    );
  });
});
