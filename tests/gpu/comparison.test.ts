import { describe, expect, it } from 'vitest';
import { buildTextDataset } from '../../src/data/textDataset';
import { readFloat32 } from '../../src/gpu/readback';
import { Comparison } from '../../src/train/comparison';
import { DEFAULT_ADAMW, DEFAULT_COMPARISON, DEFAULT_IRE, type ComparisonConfig, type GptConfig, type RunConfig } from '../../src/train/config';
import type { StepMetrics } from '../../src/train/run';
import type { TrainingData } from '../../src/train/trainingData';
import { useGpu } from '../helpers/gpu';

const TEXT = 'the quick brown fox jumps over the lazy dog. '.repeat(40) + 'pack my box with five dozen liquor jugs! '.repeat(40);
const DATA: TrainingData = { kind: 'text', dataset: buildTextDataset('test', TEXT) };
const MODEL: GptConfig = { kind: 'gpt', layers: 1, heads: 2, width: 16, context: 8, vocab: DATA.dataset.tokenizer.vocabSize, tiedHead: true };

const adamw: RunConfig = { id: 'A', name: 'AdamW', optimizer: { ...DEFAULT_ADAMW, lr: 1e-2, minLr: 1e-3, warmupSteps: 2 } };
const admire = (kappa: number, id = 'B'): RunConfig => ({
  id,
  name: `AdmIRE κ=${kappa}`,
  optimizer: { ...adamw.optimizer, ire: { ...DEFAULT_IRE, enabled: true, kappa, gamma: 0.6, refreshEvery: 3, startStep: 2 } },
});

function config(runs: RunConfig[], seed = 7): ComparisonConfig {
  return { ...DEFAULT_COMPARISON, seed, batchSize: 4, totalSteps: 40, runs };
}

async function train(c: Comparison, steps: number): Promise<StepMetrics[]> {
  for (let i = 0; i < steps; i++) await c.step();
  await c.drain();
  return [];
}

function collect(): { hooks: { onStep: (m: StepMetrics[]) => void }; rows: StepMetrics[] } {
  const rows: StepMetrics[] = [];
  return { hooks: { onStep: (m) => rows.push(...m) }, rows };
}

describe('lockstep comparison of runs', () => {
  const gpu = useGpu();

  it('AdmIRE with κ = 0 gives bit-identical parameters to AdamW; κ > 0 does not', async () => {
    const { ctx, device } = gpu();
    const c = new Comparison(ctx, config([adamw, admire(0), admire(4, 'C')]), DATA, {}, { model: MODEL });
    await train(c, 8);
    const [a, b, k] = await Promise.all(c.runs.map((r) => readFloat32(device, r.model.params)));
    expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
    expect(Buffer.from(k.buffer).equals(Buffer.from(a.buffer))).toBe(false);
    c.destroy();
  });

  it('counts gradient evaluations: one a step, two for SAM, one more at each IRE refresh', async () => {
    const { ctx } = gpu();
    const { hooks, rows } = collect();
    const sam: RunConfig = { id: 'S', name: 'SAM', optimizer: { ...adamw.optimizer, base: 'sam' } };
    const c = new Comparison(ctx, config([adamw, admire(4), sam]), DATA, hooks, { model: MODEL });
    await train(c, 9);
    const evals = (id: string) => rows.filter((r) => r.runId === id).map((r) => r.gradEvals);
    expect(evals('A')).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(evals('S')).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18]);
    // IRE refreshes at steps 2, 5 and 8 (start 2, every 3): one more evaluation each.
    expect(evals('B')).toEqual([1, 2, 4, 5, 6, 8, 9, 10, 12]);
    expect(c.runById('B').refreshCount).toBe(3);
    c.destroy();
  });

  it('is deterministic: the same seed gives the same metrics, another seed differs', async () => {
    const { ctx } = gpu();
    const run = async (seed: number) => {
      const { hooks, rows } = collect();
      const c = new Comparison(ctx, config([adamw, admire(4)], seed), DATA, hooks, { model: MODEL });
      await train(c, 6);
      c.destroy();
      return rows.map((r) => [r.runId, r.step, r.loss, r.gradNorm, r.maskFraction]);
    };
    const first = await run(3);
    expect(first.length).toBe(12);
    expect(await run(3)).toEqual(first);
    expect(await run(4)).not.toEqual(first);
  });

  it('trains: the loss falls, IRE boosts about γ of the parameters after its first refresh', async () => {
    const { ctx } = gpu();
    const { hooks, rows } = collect();
    const c = new Comparison(ctx, config([adamw, admire(4)]), DATA, hooks, { model: MODEL });
    await train(c, 30);
    const lossOf = (id: string, step: number) => rows.find((r) => r.runId === id && r.step === step)!.loss;
    expect(lossOf('A', 0)).toBeGreaterThan(Math.log(MODEL.vocab) - 0.3);
    expect(lossOf('A', 29)).toBeLessThan(lossOf('A', 0) - 0.5);
    expect(lossOf('B', 29)).toBeLessThan(lossOf('B', 0) - 0.5);
    const b = rows.filter((r) => r.runId === 'B');
    expect(b[1].maskFraction).toBe(0); // before IRE starts
    expect(b[2].kappa).toBeGreaterThan(0);
    expect(b[5].maskFraction).toBeGreaterThan(0.55);
    expect(b[5].maskFraction).toBeLessThan(0.65);
    expect(rows.every((r) => r.finite)).toBe(true);
    const evals = await c.evaluate(2);
    expect(evals.map((e) => e.runId)).toEqual(['A', 'B']);
    expect(evals[0].loss).toBeGreaterThan(0);
    c.destroy();
  });

  it('stops a diverging run at the step it produced NaN/Inf and keeps training the others', async () => {
    const { ctx } = gpu();
    const { hooks, rows } = collect();
    const diverged: { id: string; step: number; last?: StepMetrics }[] = [];
    const huge: RunConfig = { id: 'X', name: 'huge lr', optimizer: { ...adamw.optimizer, lr: 1e30, minLr: 1e29, gradClip: 0, warmupSteps: 0 } };
    const c = new Comparison(ctx, config([adamw, huge]), DATA, { ...hooks, onDiverged: (id, step, last) => diverged.push({ id, step, last }) }, { model: MODEL });
    await train(c, 12);
    expect(diverged.map((d) => d.id)).toEqual(['X']);
    expect(c.isActive('X')).toBe(false);
    expect(c.isActive('A')).toBe(true);
    expect(rows.filter((r) => r.runId === 'A').length).toBe(12);
    expect(rows.filter((r) => r.runId === 'X' && r.step > diverged[0].step).length).toBe(0);
    c.destroy();
  });

  it('forks a run with its full state: an unchanged fork follows its parent exactly', async () => {
    const { ctx, device } = gpu();
    const c = new Comparison(ctx, config([admire(4)]), DATA, {}, { model: MODEL });
    await train(c, 5);
    await c.fork('B', { ...admire(4, 'F'), name: 'fork' });
    await train(c, 5);
    const [p, f] = await Promise.all(c.runs.map((r) => readFloat32(device, r.model.params)));
    expect(Buffer.from(f.buffer).equals(Buffer.from(p.buffer))).toBe(true);
    expect(c.events.at(-1)).toMatchObject({ step: 5, runId: 'F', field: 'fork' });
    c.destroy();
  });

  it('applies a live change at the next step and logs it as an event', async () => {
    const { ctx } = gpu();
    const { hooks, rows } = collect();
    const c = new Comparison(ctx, config([adamw, admire(4)]), DATA, hooks, { model: MODEL });
    await train(c, 4);
    const b = c.runById('B').settings;
    c.updateRun('B', { ...b, optimizer: { ...b.optimizer, ire: { ...b.optimizer.ire, kappa: 9, kappaFollowsLr: false } } });
    await train(c, 2);
    expect(c.events).toEqual([
      { step: 4, runId: 'B', field: 'optimizer.ire.kappa', old: 4, new: 9 },
      { step: 4, runId: 'B', field: 'optimizer.ire.kappaFollowsLr', old: true, new: false },
    ]);
    expect(rows.find((r) => r.runId === 'B' && r.step === 4)!.kappa).toBe(9);
    expect(rows.find((r) => r.runId === 'B' && r.step === 3)!.kappa).not.toBe(9);
    c.destroy();
  });
});
