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
    expect(pageResults([run('A'), run('B')], {}, 1)).toBeNull();
    const t = pageResults([run('A'), run('B'), run('C')], { B: series([4, 3, 2], 1), C: series([4, 2, 1], 1) }, 9)!;
    expect(t.seeds).toEqual([9]);
    expect(t.reference).toBe('B'); // A has not trained
    const c = t.rows.find((r) => r.runId === 'C' && r.metric === 'final_train_loss')!;
    expect(c.difference?.mean).toBe(-1);
    expect(c.summary.se).toBe(0); // one seed: no spread
  });
});
