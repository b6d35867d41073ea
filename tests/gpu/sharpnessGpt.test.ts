import { describe, expect, it } from 'vitest';
import { buildTextDataset } from '../../src/data/textDataset';
import { readFloat32 } from '../../src/gpu/readback';
import { Sharpness } from '../../src/optim/sharpness';
import { Comparison } from '../../src/train/comparison';
import { DEFAULT_ADAMW, DEFAULT_COMPARISON, DEFAULT_IRE, type ComparisonConfig, type GptConfig, type RunConfig } from '../../src/train/config';
import type { TrainingData } from '../../src/train/trainingData';
import { useGpu } from '../helpers/gpu';

// The tiny GPT of tests/gpu/comparison.test.ts.
const TEXT = 'the quick brown fox jumps over the lazy dog. '.repeat(40) + 'pack my box with five dozen liquor jugs! '.repeat(40);
const DATA: TrainingData = { kind: 'text', dataset: buildTextDataset('test', TEXT) };
const MODEL: GptConfig = { kind: 'gpt', layers: 1, heads: 2, width: 16, context: 8, vocab: DATA.dataset.tokenizer.vocabSize, tiedHead: true };
const adamw: RunConfig = { id: 'A', name: 'AdamW', optimizer: { ...DEFAULT_ADAMW, lr: 1e-2, minLr: 1e-3, warmupSteps: 2 } };
const admire: RunConfig = {
  id: 'B',
  name: 'AdmIRE',
  optimizer: { ...adamw.optimizer, ire: { ...DEFAULT_IRE, enabled: true, kappa: 4, gamma: 0.6, refreshEvery: 3, startStep: 2 } },
};
const config = (): ComparisonConfig => ({ ...DEFAULT_COMPARISON, seed: 7, batchSize: 4, totalSteps: 40, runs: [adamw, admire] });

async function train(c: Comparison, steps: number): Promise<void> {
  for (let i = 0; i < steps; i++) await c.step();
  await c.drain();
}

const paramsOf = (device: GPUDevice, c: Comparison) => Promise.all(c.runs.map((r) => readFloat32(device, r.model.params)));
const sameBits = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer).equals(Buffer.from(b.buffer));

describe('sharpness on a tiny GPT inside a comparison', () => {
  const gpu = useGpu();

  it('gives a finite trace and top eigenvalue between steps without disturbing training', async () => {
    const { ctx, device } = gpu();
    const measured = new Comparison(ctx, config(), DATA, {}, { model: MODEL });
    const sharp = measured.runs.map((r) => new Sharpness(ctx, `Test.sharpness${r.id}`, r.model, { maxProbes: 8 }));
    for (const s of sharp) expect(s.method).toBe('exact');
    await train(measured, 3);
    const before = await paramsOf(device, measured);
    measured.feeder.writeEval(0); // the fixed evaluation batch
    for (const s of sharp) {
      const m = await s.measure({ probes: 4, lanczosSteps: 8 });
      expect(Number.isFinite(m.trace) && Number.isFinite(m.stderr) && Number.isFinite(m.topEig ?? NaN)).toBe(true);
      expect(m.trace).toBeGreaterThan(2 * m.stderr); // positive beyond the probe noise
      expect(m.topEig).toBeGreaterThan(0);
      // λ_max bounds every probe's Rayleigh quotient vᵀHv/‖v‖² from above (up to power-iteration error).
      const P = s.direction.size / 4;
      expect(Math.max(...m.samples) / P).toBeLessThan(m.topEig ?? NaN);
    }
    const after = await paramsOf(device, measured);
    after.forEach((p, i) => expect(sameBits(p, before[i]), `run ${i} params changed by the measurement`).toBe(true));
    await train(measured, 3);

    const plain = new Comparison(ctx, config(), DATA, {}, { model: MODEL });
    await train(plain, 6);
    const [m6, p6] = [await paramsOf(device, measured), await paramsOf(device, plain)];
    m6.forEach((p, i) => expect(sameBits(p, p6[i]), `run ${i} trained differently after a measurement`).toBe(true));
    for (const s of sharp) s.destroy();
    measured.destroy();
    plain.destroy();
  });

  it('the central difference is stable in f32: relative steps 3e-4, 1e-3 and 3e-3 give the same vᵀHv within 1%', async () => {
    const { ctx } = gpu();
    const c = new Comparison(ctx, { ...config(), runs: [adamw] }, DATA, {}, { model: MODEL });
    await train(c, 3);
    c.feeder.writeEval(0);
    const model = c.runs[0].model;
    const samples: Float32Array[] = [];
    for (const relativeStep of [3e-4, 1e-3, 3e-3]) {
      const s = new Sharpness(ctx, 'Test.sharpness', model, { maxProbes: 4, relativeStep, method: 'difference' }); // the GPT's default is the exact product
      samples.push((await s.measure({ probes: 4, lanczosSteps: 0 })).samples);
      s.destroy();
    }
    const [small, chosen, large] = samples;
    for (let k = 0; k < 4; k++) {
      expect(Math.abs(chosen[k])).toBeGreaterThan(1);
      expect(Math.abs(small[k] - chosen[k])).toBeLessThan(0.01 * Math.abs(chosen[k]));
      expect(Math.abs(large[k] - chosen[k])).toBeLessThan(0.01 * Math.abs(chosen[k]));
    }
    c.destroy();
  });
});
