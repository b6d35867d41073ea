// Seeds in the worker (src/worker/session.ts, "Seeds"): a config with `seeds` S trains every run S
// times, seed s with `seed + s`. Within each seed the runs start bit-identical and see the same
// batches (lockstep); edits, forks and removals apply to every seed at the same boundary; seed 0
// of S seeds is the one-seed comparison bit for bit, and seed s is the one-seed comparison of
// `seed + s` with the same changes.
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ADAMW, DEFAULT_COMPARISON, DEFAULT_IRE, type ComparisonConfig } from '../../src/train/config';
import type { TrainPoint } from '../../src/worker/protocol';
import { chooseKernelVariants } from '../../src/optim/kernelTuning';
import { readFloat32 } from '../../src/gpu/readback';
import { useGpu } from '../helpers/gpu';
import { sessionHarness } from '../helpers/sessionHarness';
import { bandDataset } from '../helpers/syntheticData';

const CONFIG: ComparisonConfig = {
  ...DEFAULT_COMPARISON,
  model: 'mlp-mnist',
  dataset: 'mnist',
  seed: 40,
  batchSize: 8,
  totalSteps: 40,
  evalEvery: 4,
  runs: [
    { id: 'A', name: 'AdamW', optimizer: { ...DEFAULT_ADAMW, warmupSteps: 2 } },
    // IRE starts at the end of warm-up (step 2): A and B take the same first two steps.
    { id: 'B', name: 'AdmIRE', optimizer: { ...DEFAULT_ADAMW, warmupSteps: 2, ire: { ...DEFAULT_IRE, enabled: true, refreshEvery: 2 } } },
  ],
};

describe('training session with seeds', () => {
  const gpu = useGpu();
  beforeAll(async () => {
    await chooseKernelVariants(gpu().ctx);
  });

  const session = () => sessionHarness(gpu, async () => ({ kind: 'image', dataset: bandDataset() }));

  /** Trains 3 steps, edits B's κ and forks B into C, removes A, trains 3 more; returns every train point. */
  async function trainWithChanges(config: ComparisonConfig) {
    const { s, of, configure } = session();
    await configure(config);
    const initial = await Promise.all(s.seeds.map((c) => Promise.all(c.runs.map((r) => readFloat32(gpu().node.device, r.model.params)))));
    await s.handle({ type: 'step', count: 3 });
    await s.idle();
    await s.handle({ type: 'edit', runId: 'B', field: 'kappa', value: 7, requestId: 1 });
    await s.handle({ type: 'fork', runId: 'B', newRunId: 'C', name: 'B fork', requestId: 2 });
    await s.handle({ type: 'step', count: 1 });
    await s.idle();
    await s.handle({ type: 'remove-run', runId: 'A', requestId: 3 });
    await s.handle({ type: 'step', count: 2 });
    await s.idle();
    const result = {
      train: of('metrics').flatMap((m) => m.train),
      eval: of('metrics').flatMap((m) => m.eval),
      applied: of('applied'),
      added: of('run-added'),
      removed: of('run-removed'),
      errors: of('error'),
      runsPerSeed: s.seeds.map((c) => c.runs.map((r) => r.id)),
      initial,
    };
    await s.dispose();
    return result;
  }

  /** The points of seed `seed` (absent tag: seed 0), as [run, step, loss, gradEvals, kappaEff]. */
  const curve = (points: readonly TrainPoint[], seed: number) => points.filter((p) => (p.seed ?? 0) === seed).map((p) => [p.runId, p.step, p.loss, p.gradEvals, p.kappaEff]);

  it('runs A and B of every seed start bit-identical and see the same batches; seeds differ', async () => {
    const three = await trainWithChanges({ ...CONFIG, seeds: 3 });
    expect(three.errors).toEqual([]);
    expect(three.initial).toHaveLength(3);
    for (const [a, b] of three.initial) expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
    expect(Buffer.from(three.initial[1][0].buffer).equals(Buffer.from(three.initial[0][0].buffer))).toBe(false);
    for (let seed = 0; seed < 3; seed++) {
      const loss = (run: string, step: number) => three.train.find((p) => (p.seed ?? 0) === seed && p.runId === run && p.step === step)!.loss;
      // Same parameters and the same batch: the same loss to the bit until IRE starts (step 2).
      for (const step of [1, 2]) expect(loss('B', step)).toBe(loss('A', step));
      expect(loss('B', 4)).not.toBe(loss('A', 4)); // the loss of step 4 is the first after a boosted update
    }
    // Seed tags: absent for seed 0, 1 and 2 for the others; every seed trained every step of every live run.
    expect(new Set(three.train.map((p) => p.seed))).toEqual(new Set([undefined, 1, 2]));
    for (let seed = 0; seed < 3; seed++) expect(curve(three.train, seed).map(([run, step]) => `${run}${step}`)).toEqual(['A1', 'B1', 'A2', 'B2', 'A3', 'B3', 'A4', 'B4', 'C4', 'B5', 'C5', 'B6', 'C6']);
    expect(three.eval.filter((e) => e.step === 4).map((e) => [e.runId, e.seed])).toEqual([['A', undefined], ['B', undefined], ['C', undefined], ['A', 1], ['B', 1], ['C', 1], ['A', 2], ['B', 2], ['C', 2]]);
  });

  it('changes apply to every seed and are reported once; seed s equals the one-seed comparison of seed + s bit for bit', async () => {
    const three = await trainWithChanges({ ...CONFIG, seeds: 3 });
    expect(three.applied.flatMap((a) => a.requestIds).sort()).toEqual([1, 2, 3]);
    expect(three.added).toHaveLength(1);
    expect(three.removed).toHaveLength(1);
    expect(three.runsPerSeed).toEqual([['B', 'C'], ['B', 'C'], ['B', 'C']]);
    for (let seed = 0; seed < 3; seed++) {
      const one = await trainWithChanges({ ...CONFIG, seed: CONFIG.seed + seed, seeds: 1 });
      expect(one.train.every((p) => p.seed === undefined)).toBe(true);
      expect(curve(three.train, seed)).toEqual(curve(one.train, 0));
    }
  });

  it('refuses more than 5 seeds, naming the field', async () => {
    const { of, configure } = session();
    await configure({ ...CONFIG, seeds: 6 });
    expect(of('config-rejected')[0].issues[0].message).toMatch(/^seeds = 6: must be in \[1, 5\]/);
  });
});
