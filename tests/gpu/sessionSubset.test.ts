// A config's training subset and MLP widths in the worker (src/worker/session.ts, "Data"): the
// comparison of every seed trains on a view of the first `trainSubset` training images (the data
// as loaded stay whole and cached for the next comparison), its MLP has the config's `mlpHidden`
// widths, and sharpness is measured on the training batch, as `npm run train` does.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { chooseKernelVariants } from '../../src/optim/kernelTuning';
import { Comparison } from '../../src/train/comparison';
import { DEFAULT_ADAMW, DEFAULT_COMPARISON, DEFAULT_IRE, type ComparisonConfig } from '../../src/train/config';
import type { TrainingData } from '../../src/train/trainingData';
import { useGpu } from '../helpers/gpu';
import { sessionHarness } from '../helpers/sessionHarness';
import { bandDataset } from '../helpers/syntheticData';

const N = 16;
const CONFIG: ComparisonConfig = {
  ...DEFAULT_COMPARISON,
  model: 'mlp-mnist',
  dataset: 'mnist',
  seeds: 2,
  trainSubset: N,
  batchSize: N,
  mlpHidden: [16],
  totalSteps: 4,
  evalEvery: 0,
  sharpnessEvery: 2,
  sharpnessProbes: 1,
  runs: [
    { id: 'A', name: 'AdamW', optimizer: { ...DEFAULT_ADAMW, warmupSteps: 1 } },
    { id: 'B', name: 'AdmIRE', optimizer: { ...DEFAULT_ADAMW, warmupSteps: 1, ire: { ...DEFAULT_IRE, enabled: true, refreshEvery: 2 } } },
  ],
};

describe('training session: trainSubset and mlpHidden', () => {
  const gpu = useGpu();
  beforeAll(async () => {
    await chooseKernelVariants(gpu().ctx);
  });
  afterEach(() => vi.restoreAllMocks());

  /** A session whose data loads are counted (`loaded`): the whole dataset is loaded once and kept. */
  function session() {
    const loaded: TrainingData[] = [];
    const harness = sessionHarness(gpu, async () => {
      const d: TrainingData = { kind: 'image', dataset: bandDataset(64, 32) };
      loaded.push(d);
      return d;
    });
    return { ...harness, loaded };
  }

  const trainCount = (c: Comparison) => (c.data.kind === 'image' ? c.data.dataset.train.count : -1);

  it('trains every seed on the first N images with the config\'s widths, measures sharpness on the training batch, and keeps the loaded data whole', async () => {
    const batches: string[] = [];
    const measure = Comparison.prototype.measureSharpness;
    vi.spyOn(Comparison.prototype, 'measureSharpness').mockImplementation(function (this: Comparison, ...args: Parameters<Comparison['measureSharpness']>) {
      batches.push(args[3] ?? 'eval');
      return measure.apply(this, args);
    });
    const { s, of, configure, loaded } = session();
    await configure(CONFIG);
    expect(of('error')).toEqual([]);
    expect(s.seeds).toHaveLength(2);
    for (const c of s.seeds) {
      expect(trainCount(c)).toBe(N);
      expect(c.modelConfig).toEqual({ kind: 'mlp', inputs: 784, hidden: [16], classes: 10 });
    }
    // 784·16 + 16 + 16·10 + 10 parameters: the 16-wide MLP, not the preset's 256, 256.
    expect(of('configured')[0].runs.map((r) => r.parameters)).toEqual([12730, 12730]);
    const whole = loaded[0].kind === 'image' ? loaded[0].dataset : undefined;
    expect(whole?.train.count).toBe(64);
    const full = s.current!.data.kind === 'image' ? s.current!.data.dataset : undefined;
    expect(full?.train.pixels.buffer).toBe(whole?.train.pixels.buffer); // a view, not a copy
    await s.handle({ type: 'step', count: 4 });
    await s.idle();
    expect(of('error')).toEqual([]);
    const sharpness = of('metrics').flatMap((m) => m.sharpness);
    expect(sharpness.map((p) => `${p.runId}${p.step}/${p.seed ?? 0}`).sort()).toEqual(['A2/0', 'A2/1', 'A4/0', 'A4/1', 'B2/0', 'B2/1', 'B4/0', 'B4/1']);
    expect(batches.length).toBeGreaterThan(0);
    expect(new Set(batches)).toEqual(new Set(['train']));

    // Another comparison of the same dataset without a subset: the cached data, whole, the preset's widths.
    batches.length = 0;
    await configure({ ...CONFIG, trainSubset: 0, mlpHidden: [], seeds: 1 });
    expect(loaded).toHaveLength(1);
    expect(trainCount(s.current!)).toBe(64);
    expect(s.current!.modelConfig).toEqual({ kind: 'mlp', inputs: 784, hidden: [256, 256], classes: 10 });
    await s.handle({ type: 'step', count: 2 });
    await s.idle();
    expect(new Set(batches)).toEqual(new Set(['eval']));
    await s.dispose();
  });

  it('refuses a subset larger than the training split, and the fields where they do not apply, naming them', async () => {
    const { s, of, configure } = session();
    await configure({ ...CONFIG, trainSubset: 65, batchSize: 65 });
    expect(of('control').at(-1)).toMatchObject({ state: 'failed', message: expect.stringMatching(/a training subset of 65 images is larger than the training split \(64 images\)/) });
    await configure({ ...CONFIG, model: 'cnn-mnist' });
    expect(of('config-rejected').at(-1)!.issues[0].message).toMatch(/^mlpHidden = a list of 1: is for MLP models \(mlp-mnist\), not "cnn-mnist"/);
    await s.dispose();
  });
});
