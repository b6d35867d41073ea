// A run's mean and band over seeds (src/store/seedBands.ts) against values computed by hand: the
// merge that aligns the seeds' steps, one seed (no band width), a seed that stopped early (the
// steps past its end use the others), s.e. with three seeds, min–max, and missing values.
import { describe, expect, it } from 'vitest';
import { alignmentAt, alignSeeds, bandOf, lastBandIndex, meanOf, seedBand } from '../../src/store/seedBands';

describe('aligning seeds by step', () => {
  it('merges the steps of every seed and says where each seed has each step', () => {
    const a = alignSeeds([
      [1, 2, 3],
      [1, 2],
      [1, 2, 3],
    ]);
    expect(a.step).toEqual([1, 2, 3]);
    expect(a.index.map((i) => [...i])).toEqual([
      [0, 1, 2],
      [0, 1, -1],
      [0, 1, 2],
    ]);
  });

  it('keeps steps that only some seeds have, in order', () => {
    const a = alignSeeds([
      [2, 4, 10],
      [1, 2, 3, 4],
    ]);
    expect(a.step).toEqual([1, 2, 3, 4, 10]);
    expect(a.index.map((i) => [...i])).toEqual([
      [-1, 0, -1, 1, 2],
      [0, 1, 2, 3, -1],
    ]);
    expect(alignSeeds([]).step).toEqual([]);
    expect(alignSeeds([[], []]).step).toEqual([]);
  });
});

describe('mean and band over seeds', () => {
  it('is the curve itself with no width for one seed', () => {
    const b = seedBand([{ step: [1, 2], y: [0.7, 0.4] }], 'stderr');
    expect(b).toEqual({ step: [1, 2], n: [1, 1], mean: [0.7, 0.4], low: [0.7, 0.4], high: [0.7, 0.4] });
    expect(seedBand([{ step: [1, 2], y: [0.7, 0.4] }], 'minmax').low).toEqual([0.7, 0.4]);
  });

  it('takes ± s/√n with three seeds', () => {
    // 0.5, 0.8, 1.4: mean 0.9, deviations −0.4, −0.1, 0.5, Σd² = 0.42, s² = 0.21, s.e. = √(0.21/3) = √0.07.
    const b = seedBand(
      [
        { step: [1], y: [0.5] },
        { step: [1], y: [0.8] },
        { step: [1], y: [1.4] },
      ],
      'stderr',
    );
    expect(b.n).toEqual([3]);
    expect(b.mean[0]).toBeCloseTo(0.9, 12);
    expect(b.high[0]! - b.mean[0]!).toBeCloseTo(Math.sqrt(0.07), 12);
    expect(b.mean[0]! - b.low[0]!).toBeCloseTo(Math.sqrt(0.07), 12);
    const m = seedBand(
      [
        { step: [1], y: [0.5] },
        { step: [1], y: [0.8] },
        { step: [1], y: [1.4] },
      ],
      'minmax',
    );
    expect([m.low[0], m.high[0]]).toEqual([0.5, 1.4]);
  });

  it('uses the seeds that have a step once one has stopped', () => {
    // Seed 1 stopped (diverged) after step 2; at step 3 seeds 0 and 2 remain: 4 and 6, mean 5,
    // s = √2, s.e. = √2/√2 = 1. At step 4 only seed 2: mean 8, no width.
    const curves = [
      { step: [1, 2, 3], y: [1, 2, 4] },
      { step: [1, 2], y: [2, 3] },
      { step: [1, 2, 3, 4], y: [3, 4, 6, 8] },
    ];
    const b = seedBand(curves, 'stderr');
    expect(b.step).toEqual([1, 2, 3, 4]);
    expect(b.n).toEqual([3, 3, 2, 1]);
    expect(b.mean).toEqual([2, 3, 5, 8]);
    // Steps 1 and 2: 1, 2, 3 (and 2, 3, 4): s = 1, s.e. = 1/√3.
    expect(b.high[0]! - 2).toBeCloseTo(1 / Math.sqrt(3), 12);
    expect(b.low[1]! - 3).toBeCloseTo(-1 / Math.sqrt(3), 12);
    expect([b.low[2], b.high[2]]).toEqual([4, 6]);
    expect([b.low[3], b.high[3]]).toEqual([8, 8]);
    const m = seedBand(curves, 'minmax');
    expect(m.low).toEqual([1, 2, 4, 8]);
    expect(m.high).toEqual([3, 4, 6, 8]);
  });

  it('leaves out null and non-finite values, and has no mean where no seed has one', () => {
    const b = seedBand(
      [
        { step: [1, 2, 3], y: [null, 1, null] },
        { step: [1, 2, 3], y: [NaN, 3, null] },
        { step: [1, 2, 3], y: [null, Infinity, 5] },
      ],
      'stderr',
    );
    expect(b.n).toEqual([0, 2, 1]);
    expect(b.mean).toEqual([null, 2, 5]);
    expect([b.low[0], b.high[0]]).toEqual([null, null]);
    expect(b.high[1]).toBeCloseTo(3, 12); // 1 and 3: s = √2, s.e. = 1
    expect(lastBandIndex(b)).toBe(2);
    expect(lastBandIndex(seedBand([{ step: [1], y: [null] }], 'stderr'))).toBeNull();
  });

  it('aggregates any column over one alignment', () => {
    const steps = [
      [1, 2],
      [2, 3],
    ];
    const a = alignSeeds(steps);
    const wall = bandOf(
      a,
      [
        [100, 200],
        [210, 300],
      ],
      'stderr',
    );
    expect(wall.mean).toEqual([100, 205, 300]);
    expect(meanOf(a, [[100, 200], [210, null]])).toEqual([100, 205, null]); // seed 1 has step 3 with no value
  });

  it('aggregates only the steps a chart draws', () => {
    const a = alignmentAt(alignSeeds([[1, 2, 3, 4], [2, 3, 4, 5]]), [0, 2, 4]);
    expect(a.step).toEqual([1, 3, 5]);
    expect(a.index.map((i) => [...i])).toEqual([
      [0, 2, -1],
      [-1, 1, 3],
    ]);
  });
});
