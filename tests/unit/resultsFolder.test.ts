// The results table read back from seed folders (src/cli/resultsFolder.ts): gradient evaluations
// derived from a run's settings, and each seed's records from metrics.csv and sharpness.csv. The
// GPU test tests/gpu/seedsCli.test.ts checks the whole table against the one the CLI builds.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gradientEvaluationCurve, resultsOfFolder, seedRecordsOf } from '../../src/cli/resultsFolder';
import { DEFAULT_ADAMW, DEFAULT_COMPARISON, DEFAULT_IRE, type ComparisonConfig } from '../../src/train/config';
import type { OptimizerConfig } from '../../src/optim/optimizerConfig';

const dir = mkdtempSync(join(tmpdir(), 'results-folder-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const optimizer = (o: Partial<OptimizerConfig>, ire?: Partial<OptimizerConfig['ire']>): OptimizerConfig => ({ ...DEFAULT_ADAMW, ...o, ire: { ...DEFAULT_IRE, enabled: ire !== undefined, ...ire } });

describe('gradientEvaluationCurve', () => {
  it('counts one a step, two for SAM, and one more at each IRE refresh', () => {
    expect(gradientEvaluationCurve(optimizer({}), 4)).toEqual([1, 2, 3, 4]);
    expect(gradientEvaluationCurve(optimizer({ base: 'sam' }), 3)).toEqual([2, 4, 6]);
    // Refreshes at steps 3 and 5 (start 3, every 2): after step t (0-based), t + 1 + refreshes so far.
    expect(gradientEvaluationCurve(optimizer({}, { startStep: 3, refreshEvery: 2, kappa: 1 }), 6)).toEqual([1, 2, 3, 5, 6, 8]);
    // 'warmup-end' starts at the warm-up's length; κ = 0 or IRE off never refreshes.
    expect(gradientEvaluationCurve(optimizer({ warmupSteps: 2 }, { startStep: 'warmup-end', refreshEvery: 3, kappa: 1 }), 6)).toEqual([1, 2, 4, 5, 6, 8]);
    expect(gradientEvaluationCurve(optimizer({}, { startStep: 0, refreshEvery: 1, kappa: 0 }), 3)).toEqual([1, 2, 3]);
    expect(gradientEvaluationCurve(optimizer({}, undefined), 2)).toEqual([1, 2]);
  });
});

describe('seed folders', () => {
  const config: ComparisonConfig = {
    ...DEFAULT_COMPARISON,
    model: 'mlp-mnist',
    dataset: 'mnist',
    totalSteps: 4,
    runs: [
      { id: 'A', name: 'AdamW', optimizer: optimizer({ warmupSteps: 0 }) },
      { id: 'B', name: 'AdmIRE', optimizer: optimizer({ warmupSteps: 0 }, { startStep: 1, refreshEvery: 2, kappa: 2 }) },
    ],
  };
  const head = 'run,step,wall_s,lr,kappa,train_loss,grad_norm,mask_fraction,val_loss,train_acc,val_acc';
  const seed = (n: number, rows: string[], sharpness?: string[]) => {
    const sub = join(dir, `seed-${n}`);
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, 'config.json'), JSON.stringify({ ...config, seed: n }));
    writeFileSync(join(sub, 'metrics.csv'), [head, ...rows].join('\n') + '\n');
    if (sharpness) writeFileSync(join(sub, 'sharpness.csv'), ['run,step,trace,trace_stderr,top_eig,precond_top_eig,eos_threshold', ...sharpness].join('\n') + '\n');
  };
  const steps = (run: string, losses: string[], grad = '1') => losses.map((l, t) => `${run},${t},${(t + 1).toFixed(3)},0.001,0,${l},${grad},0,,0.5,`);
  seed(7, [...steps('A', ['2', '1.5', '1.2', '1']), ...steps('B', ['2', '1.4', '1', '0.8']), 'A,4,5.000,,,,,,0.9,,0.8', 'B,4,5.500,,,,,,0.95,,0.75'], ['A,0,10,1,3,,', 'B,0,10,1,3,,', 'A,4,8,1,2.5,,', 'B,4,4,1,,,']);
  // Seed 8: B diverges at step 2 (a NaN loss); only A is evaluated at the end.
  seed(8, [...steps('A', ['2.1', '1.6', '1.3', '1.1']), ...steps('B', ['2.1', '1.5']), 'B,2,3.000,0.001,0,nan,nan,0,,nan,', 'A,4,6.000,,,,,,0.91,,0.79']);

  it('reads each run’s curve, final evaluation, last sharpness and divergence', () => {
    const { records, wallSeconds } = seedRecordsOf(join(dir, 'seed-7'), config);
    expect(wallSeconds).toBe(5.5);
    expect(records.map((r) => r.runId)).toEqual(['A', 'B']);
    expect(records[0]).toEqual({ runId: 'A', curve: [1, 2, 3, 4].map((s, i) => ({ step: s, gradEvals: s, loss: [2, 1.5, 1.2, 1][i] })), valLoss: 0.9, valAcc: 0.8, trace: 8, topEig: 2.5 });
    // B refreshes at steps 1 and 3.
    expect(records[1].curve.map((p) => p.gradEvals)).toEqual([1, 3, 4, 6]);
    expect([records[1].trace, records[1].topEig, records[1].valAcc]).toEqual([4, undefined, 0.75]);
    const diverged = seedRecordsOf(join(dir, 'seed-8'), config).records[1];
    expect(diverged.divergedAt).toBe(2);
    expect(diverged.curve).toHaveLength(2);
    expect(diverged.valLoss).toBeUndefined();
  });

  it('builds the table over the seeds in seed order, the diverged seed counted as not arriving', () => {
    const { table, config: stated, wallSeconds } = resultsOfFolder(dir);
    expect(table.seeds).toEqual([7, 8]);
    expect(stated.seeds).toBe(2);
    expect(stated.seed).toBe(7);
    expect(wallSeconds).toBe(5.5 + 6);
    const reach = table.rows.find((r) => r.runId === 'B' && r.metric === 'steps_to_target')!;
    expect(reach.reach).toMatchObject({ reached: 1, seeds: 2 });
    // Window 1 (a tenth of the shortest curve, at least 1): seed 7's target is A's last loss, 1, which B reaches after step 3.
    expect(reach.perSeed).toEqual([3, null]);
  });

  it('names a run that the config does not hold', () => {
    const bad = join(dir, 'bad');
    mkdirSync(join(bad, 'seed-1'), { recursive: true });
    writeFileSync(join(bad, 'seed-1', 'config.json'), JSON.stringify(config));
    writeFileSync(join(bad, 'seed-1', 'metrics.csv'), `${head}\nC,0,1.000,0.001,0,2,1,0,,0.5,\n`);
    expect(() => resultsOfFolder(bad)).toThrow(/run "C" is not in config.json \(runs A, B\)/);
  });
});
