import { describe, expect, it } from 'vitest';
import { buildTextDataset } from '../../src/data/textDataset';
import { readRanges } from '../../src/gpu/readback';
import {
  captureComparison,
  comparisonStateFromCheckpoints,
  decodeRunCheckpoint,
  encodeRunCheckpoint,
  resumeComparison,
  type ComparisonState,
} from '../../src/train/checkpoint';
import { Comparison } from '../../src/train/comparison';
import { DEFAULT_ADAMW, DEFAULT_COMPARISON, DEFAULT_IRE, type ComparisonConfig, type GptConfig, type RunConfig } from '../../src/train/config';
import type { StepMetrics } from '../../src/train/run';
import type { TrainingData } from '../../src/train/trainingData';
import { useGpu } from '../helpers/gpu';

const TEXT = 'the quick brown fox jumps over the lazy dog. '.repeat(40) + 'pack my box with five dozen liquor jugs! '.repeat(40);
const DATA: TrainingData = { kind: 'text', dataset: buildTextDataset('test', TEXT) };
const MODEL: GptConfig = { kind: 'gpt', layers: 1, heads: 2, width: 16, context: 8, vocab: DATA.dataset.tokenizer.vocabSize, tiedHead: true };

const base = { ...DEFAULT_ADAMW, lr: 1e-2, minLr: 1e-3, warmupSteps: 2 };
// IRE from step 2, refreshing every 3 steps: refreshes at 2, 5, 8, so a checkpoint at step 4
// has one refresh behind it and one ahead.
const ire = { ...DEFAULT_IRE, enabled: true, kappa: 4, gamma: 0.6, refreshEvery: 3, startStep: 2 };
const adamw: RunConfig = { id: 'A', name: 'AdamW', optimizer: base };
const admire: RunConfig = { id: 'B', name: 'AdmIRE', optimizer: { ...base, ire } };
const sgd: RunConfig = { id: 'S', name: 'SGD', optimizer: { ...base, base: 'sgd', lr: 0.1, minLr: 0.01, nesterov: true, weightDecay: 5e-4 } };
const samIre: RunConfig = { id: 'M', name: 'SAM-IRE', optimizer: { ...base, base: 'sam', lr: 0.1, minLr: 0.01, rho: 0.05, ire } };

function config(runs: RunConfig[]): ComparisonConfig {
  return { ...DEFAULT_COMPARISON, seed: 11, batchSize: 3, totalSteps: 12, runs };
}

type Row = [string, number, number, number, number, number, number];
const row = (m: StepMetrics): Row => [m.runId, m.step, m.loss, m.gradNorm, m.lr, m.kappa, m.maskFraction];

async function train(c: Comparison, steps: number): Promise<void> {
  for (let i = 0; i < steps; i++) await c.step();
  await c.drain();
}

/** Every state buffer of every run, as bytes keyed "run/name". */
async function stateBytes(device: GPUDevice, c: Comparison): Promise<Map<string, Buffer>> {
  const entries = c.runs.flatMap((r) => Object.entries(r.stateBuffers()).map(([name, buffer]) => ({ key: `${r.id}/${name}`, buffer })));
  const bytes = await readRanges(device, entries.map((e) => ({ buffer: e.buffer })));
  return new Map(entries.map((e, i) => [e.key, Buffer.from(bytes[i])]));
}

/** Through the file format: one safetensors file per run, decoded and matched to the layout again. */
function throughFiles(state: ComparisonState): ComparisonState {
  const files = state.runs.map((r) => decodeRunCheckpoint(encodeRunCheckpoint(state, r.id), `ckpt-${state.step}-${r.id}.safetensors`));
  return comparisonStateFromCheckpoints(files.reverse());
}

describe('checkpoints: resume is bit-identical to an uninterrupted run', () => {
  const gpu = useGpu();

  async function checkResume(runs: RunConfig[], total: number, at: number): Promise<void> {
    const { ctx, device } = gpu();
    const straightRows: Row[] = [];
    const straight = new Comparison(ctx, config(runs), DATA, { onStep: (m) => straightRows.push(...m.map(row)) }, { model: MODEL });
    await train(straight, total);
    const expected = await stateBytes(device, straight);
    straight.destroy();

    const firstRows: Row[] = [];
    const first = new Comparison(ctx, config(runs), DATA, { onStep: (m) => firstRows.push(...m.map(row)) }, { model: MODEL });
    await train(first, at);
    const saved = throughFiles(await captureComparison(device, first));
    first.destroy();
    expect(saved.step).toBe(at);

    const resumedRows: Row[] = [];
    const resumed = resumeComparison(ctx, saved, DATA, { onStep: (m) => resumedRows.push(...m.map(row)) });
    expect(resumed.nextStep).toBe(at);
    await train(resumed, total - at);
    const got = await stateBytes(device, resumed);
    resumed.destroy();

    expect([...firstRows, ...resumedRows]).toEqual(straightRows);
    expect([...got.keys()]).toEqual([...expected.keys()]);
    for (const [key, bytes] of expected) expect(got.get(key)!.equals(bytes), `${key} differs`).toBe(true);
  }

  it('AdamW and AdmIRE, with IRE refreshes before and after the checkpoint', async () => {
    await checkResume([adamw, admire], 9, 4);
  });

  it('SGD (Nesterov) and SAM-IRE', async () => {
    await checkResume([sgd, samIre], 7, 4);
  });

  it('a checkpoint at step 0 is the initial state', async () => {
    await checkResume([admire], 4, 0);
  });

  it('keeps live edits, a pending refresh request, the event log and IRE bookkeeping', async () => {
    const { ctx, device } = gpu();
    const edited: RunConfig = { ...admire, optimizer: { ...admire.optimizer, ire: { ...ire, gamma: 0.3 } } };
    const rows: Row[][] = [[], []];
    const run = async (k: number, split: boolean) => {
      const c = new Comparison(ctx, config([adamw, admire]), DATA, { onStep: (m) => rows[k].push(...m.map(row)) }, { model: MODEL });
      await train(c, 3);
      c.updateRun('B', edited, true);
      await train(c, 1); // step 3 applies the edit and refreshes at once (the last was at 2)
      c.updateRun('B', { ...edited, optimizer: { ...edited.optimizer, ire: { ...edited.optimizer.ire, kappa: 0 } } }, true);
      await train(c, 1); // step 4, κ = 0: IRE inactive, the requested refresh stays pending
      let cur = c;
      if (split) {
        const state = throughFiles(await captureComparison(device, c));
        expect(state.runs[1].ireRefreshPending).toBe(true);
        expect(state.runs[1].settings.optimizer.ire.gamma).toBe(0.3);
        expect(state.runs[1].ireLastRefresh).toBe(3);
        expect(state.runs[1].refreshCount).toBe(2);
        c.destroy();
        cur = resumeComparison(ctx, state, DATA, { onStep: (m) => rows[k].push(...m.map(row)) });
      }
      const b = cur.runById('B').settings;
      cur.updateRun('B', { ...b, optimizer: { ...b.optimizer, ire: { ...b.optimizer.ire, kappa: 4 } } });
      await train(cur, 3); // κ back at step 5: the pending refresh runs then, not at 6 as scheduled
      const events = structuredClone(cur.events);
      const bytes = await stateBytes(device, cur);
      cur.destroy();
      return { events, bytes };
    };
    const a = await run(0, false);
    const b = await run(1, true);
    expect(rows[1]).toEqual(rows[0]);
    expect(b.events).toEqual(a.events);
    expect(a.events.map((e) => `${e.step}:${e.field}`)).toEqual(['3:optimizer.ire.gamma', '4:optimizer.ire.kappa', '5:optimizer.ire.kappa']);
    for (const [key, bytes] of a.bytes) expect(b.bytes.get(key)!.equals(bytes), `${key} differs`).toBe(true);
  });
});
