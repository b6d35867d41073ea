// Statistics across seeds against values computed by hand (docs/experiments.md, "Seeds and
// intervals"): mean, standard error, Student's t, the paired difference and its interval, the
// first arrival at a target (with a window, with runs that never arrive or diverge), and ratios.
import { describe, expect, it } from 'vitest';
import { firstReach, pairedDifference, pairedRatio, reachSummary, summarize, tQuantile975 } from '../../src/train/statistics';

const curve = (ys: number[]) => ys.map((y, x) => ({ x: x * 10, y }));

describe('statistics across seeds', () => {
  it('summarises with the sample standard deviation and s/√n', () => {
    const s = summarize([1, 2, 3, 4]); // mean 2.5, Σ(x − m)² = 5, s² = 5/3
    expect(s.n).toBe(4);
    expect(s.mean).toBe(2.5);
    expect(s.sd).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(s.se).toBeCloseTo(Math.sqrt(5 / 3) / 2, 12);
    expect([s.min, s.max]).toEqual([1, 4]);
    expect(summarize([5])).toMatchObject({ n: 1, mean: 5, sd: 0, se: 0 });
    const withNan = summarize([1, NaN, 3, Infinity]);
    expect(withNan).toMatchObject({ n: 2, nonFinite: 2, mean: 2 });
    expect(withNan.sd).toBeCloseTo(Math.SQRT2, 12);
    expect(withNan.se).toBeCloseTo(1, 12);
    expect(summarize([NaN]).n).toBe(0);
  });

  it('takes t quantiles from the table, and from the expansion beyond it', () => {
    expect(tQuantile975(1)).toBe(12.706);
    expect(tQuantile975(4)).toBe(2.776);
    expect(tQuantile975(30)).toBe(2.042);
    expect(tQuantile975(60)).toBeCloseTo(2.0003, 3);
    expect(tQuantile975(120)).toBeCloseTo(1.9799, 3);
    expect(() => tQuantile975(0)).toThrow(/degrees of freedom/);
  });

  it('pairs B with A seed by seed, with a 95 % t interval', () => {
    const d = pairedDifference([1, 2, 3], [1.5, 2.1, 3.4]); // d = (0.5, 0.1, 0.4)
    expect(d.n).toBe(3);
    d.perSeed.forEach((x, i) => expect(x).toBeCloseTo([0.5, 0.1, 0.4][i], 12));
    expect(d.mean).toBeCloseTo(1 / 3, 12);
    const se = Math.sqrt(0.086666666666667 / 2 / 3); // s_d² = Σ(d − d̄)²/2, se = s_d/√3
    expect(d.se).toBeCloseTo(se, 10);
    expect(d.low).toBeCloseTo(1 / 3 - 4.303 * se, 10);
    expect(d.high).toBeCloseTo(1 / 3 + 4.303 * se, 10);
    // A seed where either run diverged leaves the pairing; one pair has no interval.
    const one = pairedDifference([1, NaN], [2, 3]);
    expect(one.n).toBe(1);
    expect(one.mean).toBe(1);
    expect(Number.isNaN(one.low)).toBe(true);
    expect(() => pairedDifference([1], [1, 2])).toThrow(/paired/);
  });

  it('finds the first arrival at a target, raw or over a trailing window', () => {
    const c = curve([5, 4, 3, 2, 1]); // x = 0, 10, …, 40
    expect(firstReach(c, 2.5)).toBe(30);
    expect(firstReach(c, 2.5, 2)).toBe(30); // window means 4.5, 3.5, 2.5
    expect(firstReach(c, 2.5, 3)).toBe(40); // window means 4, 3, 2
    expect(firstReach(curve([5, 1, 5, 5]), 2, 2)).toBeNull(); // one lucky batch is not arrival
    expect(firstReach(c, 0.5)).toBeNull(); // never arrives
    expect(firstReach(curve([5, NaN, 1]), 2)).toBeNull(); // diverged first
    expect(() => firstReach(c, 1, 0)).toThrow(/window/);
  });

  it('counts seeds that never arrive and averages those that do', () => {
    const r = reachSummary([10, null, 30]);
    expect(r).toMatchObject({ seeds: 3, reached: 2 });
    expect(r.summary.mean).toBe(20);
    expect(r.summary.se).toBeCloseTo(10, 12); // s = √200, se = s/√2
    expect(reachSummary([null, null]).reached).toBe(0);
  });

  it('takes the ratio of costs seed by seed, its interval on the log scale', () => {
    const r = pairedRatio([100, 200, null], [50, 100, 80]);
    expect(r.n).toBe(2);
    expect(r.ratio).toBeCloseTo(0.5, 12);
    expect(r.low).toBeCloseTo(0.5, 12); // identical ratios: no spread
    expect(r.high).toBeCloseTo(0.5, 12);
    expect(Number.isNaN(r.perSeed[2])).toBe(true);
    const spread = pairedRatio([100, 100], [50, 200]); // log ratios ±ln 2: geometric mean 1
    expect(spread.ratio).toBeCloseTo(1, 12);
    expect(spread.high).toBeCloseTo(Math.exp(12.706 * Math.LN2), 6); // se of ±ln 2 is ln 2
    expect(spread.low).toBeCloseTo(Math.exp(-12.706 * Math.LN2), 12);
  });
});
