// The results table over seeds against values computed by hand: tail means, the default targets
// (A's own final loss per seed), a given target that a seed never reaches, paired differences and
// cost ratios, the CSV and text.
import { describe, expect, it } from 'vitest';
import { buildResults, resultsCsv, resultsText, type SeedRunRecord } from '../../src/train/results';

function record(runId: string, losses: number[], evalsPerStep: number, extra: Partial<SeedRunRecord> = {}): SeedRunRecord {
  return { runId, curve: losses.map((loss, i) => ({ step: i + 1, gradEvals: (i + 1) * evalsPerStep, loss })), ...extra };
}

// Seed 1 and seed 2 of A (AdamW-like, one evaluation a step) and B (two a step).
const RECORDS = [
  [record('A', [5, 4, 3, 2, 1], 1, { valLoss: 3 }), record('B', [4, 3, 2, 1, 0.5], 2, { valLoss: 2.9 })],
  [record('A', [6, 5, 4, 3, 2], 1, { valLoss: 3.2 }), record('B', [5, 4, 2, 1, 1], 2, { valLoss: 3.0 })],
];

describe('results table', () => {
  const t = buildResults([1, 2], RECORDS, { window: 1 });
  const row = (run: string, metric: string) => t.rows.find((r) => r.runId === run && r.metric === metric)!;

  it('summarises each run and pairs B with A seed by seed', () => {
    expect(t.targets).toEqual([1, 2]); // A's final loss in each seed
    expect(row('A', 'final_train_loss').summary.mean).toBe(1.5);
    const d = row('B', 'final_train_loss').difference!; // d = (−0.5, −1)
    expect(d.mean).toBe(-0.75);
    expect(d.se).toBeCloseTo(0.25, 12);
    expect(d.low).toBeCloseTo(-0.75 - 12.706 * 0.25, 10);
    expect(d.high).toBeCloseTo(-0.75 + 12.706 * 0.25, 10);
    const v = row('B', 'val_loss').difference!;
    expect(v.perSeed[0]).toBeCloseTo(-0.1, 12);
    expect(v.perSeed[1]).toBeCloseTo(-0.2, 12);
    expect(row('A', 'val_loss').difference).toBeUndefined(); // the reference
    expect(t.rows.some((r) => r.metric === 'trace' || r.metric === 'val_acc')).toBe(false); // not measured
  });

  it('asks B to reach what A reached in the same seed, and compares the costs as ratios', () => {
    expect(row('A', 'steps_to_target').perSeed).toEqual([5, 5]); // A reaches its own final loss at its end
    expect(row('B', 'steps_to_target').perSeed).toEqual([4, 3]); // ≤ 1 at step 4 in seed 1, ≤ 2 at step 3 in seed 2
    expect(row('B', 'steps_to_target').ratio!.ratio).toBeCloseTo(Math.sqrt(0.8 * 0.6), 12); // geometric mean
    expect(row('B', 'grad_evals_to_target').perSeed).toEqual([8, 6]);
    expect(row('B', 'grad_evals_to_target').ratio!.ratio).toBeCloseTo(Math.sqrt(1.6 * 1.2), 12); // fewer steps, more gradients
  });

  it('counts the seeds that reach a given target and takes ratios where both did', () => {
    const given = buildResults([1, 2], RECORDS, { window: 1, target: 1.5 });
    const at = (run: string, metric: string) => given.rows.find((r) => r.runId === run && r.metric === metric)!;
    expect(given.targets).toEqual([1.5, 1.5]);
    const a = at('A', 'steps_to_target');
    expect(a.perSeed).toEqual([5, null]); // seed 2 of A never gets to 1.5
    expect(a.reach).toMatchObject({ reached: 1, seeds: 2 });
    expect(at('B', 'steps_to_target').perSeed).toEqual([4, 4]);
    expect(at('B', 'steps_to_target').ratio).toMatchObject({ n: 1 });
    expect(at('B', 'steps_to_target').ratio!.ratio).toBeCloseTo(0.8, 12);
    expect(at('B', 'grad_evals_to_target').ratio!.ratio).toBeCloseTo(1.6, 12);
    expect(resultsText(given)).toContain('(1 of 2 seeds reached it)');
  });

  it('takes the final loss over a trailing window by default', () => {
    const w = buildResults([1, 2], RECORDS); // 5 steps: window max(1, floor(5/10)) = 1
    expect(w.window).toBe(1);
    const long = buildResults([7], [[record('A', Array.from({ length: 40 }, (_, i) => 40 - i), 1)]]);
    expect(long.window).toBe(4);
    expect(long.rows.find((r) => r.metric === 'final_train_loss')!.summary.mean).toBe(2.5); // mean of 4, 3, 2, 1
  });

  it('refuses seeds whose runs differ', () => {
    expect(() => buildResults([1, 2], [RECORDS[0], [RECORDS[1][1], RECORDS[1][0]]])).toThrow(/runs B, A/);
  });

  it('writes a CSV row per run and metric and a text table', () => {
    const csv = resultsCsv(t).trim().split('\n');
    expect(csv[0]).toBe('run,metric,seeds,n,mean,se,min,max,reached,vs,diff,diff_low,diff_high,ratio,ratio_low,ratio_high');
    expect(csv).toHaveLength(1 + t.rows.length);
    expect(csv.find((l) => l.startsWith('B,final_train_loss,'))).toMatch(/^B,final_train_loss,2,2,0\.75,0\.25,0\.5,1,,A,-0\.75,/);
    expect(csv.find((l) => l.startsWith('A,steps_to_target,'))).toBe('A,steps_to_target,2,2,5,0,5,5,2,,,,,,,');
    const text = resultsText(t);
    expect(text).toContain('target loss per seed 1, 2');
    expect(text).toContain('(2 of 2 seeds reached it)');
    expect(text).toContain('B/A 0.6928');
  });
});
