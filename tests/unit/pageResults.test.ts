// The page's results table from the store's series: the curves with their gradient evaluations,
// the last evaluation and sharpness points, runs without data left out, the first trained run as
// the reference.
import { describe, expect, it } from 'vitest';
import { appendEval, appendSharpness, appendTrain, emptyRunSeries } from '../../src/store/series';
import { pageResults, recordOf } from '../../src/store/results';
import { DEFAULT_ADAMW, type RunConfig } from '../../src/train/config';

const run = (id: string): RunConfig => ({ id, name: id, optimizer: DEFAULT_ADAMW });

function series(losses: number[], evalsPerStep: number) {
  const s = emptyRunSeries();
  losses.forEach((loss, i) => appendTrain(s.train, { runId: '', step: i + 1, wallMs: i, loss, gradNorm: 1, lr: 1e-3, gradEvals: (i + 1) * evalsPerStep }));
  return s;
}

describe('the page results table', () => {
  it('reads the last evaluation and sharpness, and the curve with its costs', () => {
    const s = series([3, 2, 1], 2);
    appendEval(s.eval, { runId: 'A', step: 2, wallMs: 0, valLoss: 2.5, valAcc: 0.5 });
    appendEval(s.eval, { runId: 'A', step: 3, wallMs: 0, valLoss: 2.25, valAcc: 0.75 });
    appendSharpness(s.sharpness, { runId: 'A', step: 3, wallMs: 0, trace: 40, traceStderr: 1, topEig: 7 });
    const r = recordOf('A', s);
    expect(r.curve).toEqual([
      { step: 1, gradEvals: 2, loss: 3 },
      { step: 2, gradEvals: 4, loss: 2 },
      { step: 3, gradEvals: 6, loss: 1 },
    ]);
    expect(r).toMatchObject({ valLoss: 2.25, valAcc: 0.75, trace: 40, topEig: 7 });
    expect(recordOf('B', series([1], 1)).valLoss).toBeUndefined();
  });

  it('compares the trained runs with the first of them, one seed', () => {
    expect(pageResults([run('A'), run('B')], {}, { seed: 1, seeds: 1 })).toBeNull();
    const t = pageResults([run('A'), run('B'), run('C')], { B: series([4, 3, 2], 1), C: series([4, 2, 1], 1) }, { seed: 9, seeds: 1 })!;
    expect(t.seeds).toEqual([9]);
    expect(t.reference).toBe('B'); // A has not trained
    const c = t.rows.find((r) => r.runId === 'C' && r.metric === 'final_train_loss')!;
    expect(c.difference?.mean).toBe(-1);
    expect(c.summary.se).toBe(0); // one seed: no spread
  });

  it('summarises every seed of each run (seriesKey), leaving out a seed whose metrics have not arrived', () => {
    // Final losses (one-point curves): A 4, 6, 5 and B 3, 4, 5 over seeds 20, 21, 22; paired B − A: −1, −2, 0.
    const all = { A: series([4], 1), 'A#1': series([6], 1), 'A#2': series([5], 1), B: series([3], 1), 'B#1': series([4], 1), 'B#2': series([5], 1) };
    const t = pageResults([run('A'), run('B')], all, { seed: 20, seeds: 3 })!;
    expect(t.seeds).toEqual([20, 21, 22]);
    const a = t.rows.find((r) => r.runId === 'A' && r.metric === 'final_train_loss')!;
    expect(a.summary.mean).toBe(5);
    expect(a.summary.se).toBeCloseTo(Math.sqrt(1 / 3), 12); // sd 1 over √3
    const b = t.rows.find((r) => r.runId === 'B' && r.metric === 'final_train_loss')!;
    expect(b.difference?.mean).toBe(-1);
    expect(b.difference?.se).toBeCloseTo(Math.sqrt(1 / 3), 12); // paired differences −1, −2, 0: sd 1
    const { 'B#2': _late, ...partial } = all;
    expect(pageResults([run('A'), run('B')], partial, { seed: 20, seeds: 3 })!.seeds).toEqual([20, 21]);
  });
});
