// The prediction pass of image models (src/train/predictions.ts) against the cross-entropy
// kernel's own per-row correctness on the same batch, for the CNN (the MLP is covered through the
// session test).
import { describe, expect, it } from 'vitest';
import { readFloat32 } from '../../src/gpu/readback';
import { Comparison } from '../../src/train/comparison';
import { DEFAULT_ADAMW, DEFAULT_COMPARISON, type CnnConfig, type ComparisonConfig } from '../../src/train/config';
import { predictImages } from '../../src/train/predictions';
import type { TrainingData } from '../../src/train/trainingData';
import { useGpu } from '../helpers/gpu';
import { bandDataset } from '../helpers/syntheticData';

const B = 8;
// CIFAR-shaped (3×8×8 here), 8 test images: exactly one evaluation batch.
const DATA: TrainingData = { kind: 'image', dataset: { ...bandDataset(64, B, 3, 3, 8, 8), name: 'cifar10' } };
const MODEL: CnnConfig = { kind: 'cnn', channels: 3, height: 8, width: 8, filters: [2, 4], pool: 'max', classes: 10 };
const CONFIG: ComparisonConfig = {
  ...DEFAULT_COMPARISON,
  model: 'cnn-cifar10',
  dataset: 'cifar10',
  batchSize: B,
  totalSteps: 20,
  runs: [
    { id: 'A', name: 'AdamW', optimizer: { ...DEFAULT_ADAMW, lr: 1e-2, warmupSteps: 1 } },
    { id: 'B', name: 'AdamW slow', optimizer: { ...DEFAULT_ADAMW, lr: 1e-3, warmupSteps: 1 } },
  ],
};

describe('image predictions', () => {
  const gpu = useGpu();

  it('CNN: argmax of the forward-only logits marks right exactly the rows the loss kernel counts as correct', async () => {
    const { ctx, device } = gpu();
    const c = new Comparison(ctx, CONFIG, DATA, {}, { model: MODEL });
    for (let i = 0; i < 4; i++) await c.step();
    const p = await predictImages(device, c, 50); // more than the split holds: all 8
    expect(p.labels).toHaveLength(B);
    expect(p.pixels).toHaveLength(B * 3 * 8 * 8);
    expect(p.classNames[0]).toBe('airplane');
    // evaluate() runs forward and the loss on the same batch; the loss kernel marks each row
    // 1 where its own argmax equals the label.
    await c.evaluate(1);
    for (const r of p.byRun) {
      expect(r.step).toBe(4);
      expect(r.predicted.every((k) => k >= 0 && k < 10)).toBe(true);
      const correct = await readFloat32(device, c.runById(r.runId).model.correct); // (B)
      expect(Array.from(correct)).toEqual(r.predicted.map((k, i) => (k === p.labels[i] ? 1 : 0)));
    }
    expect(new Set(p.byRun.flatMap((r) => r.predicted)).size).toBeGreaterThan(1); // not a constant guess
    c.destroy();
  });

  it('refuses a text comparison', async () => {
    const { device } = gpu();
    const fake = { data: { kind: 'text' }, runs: [] } as unknown as Comparison;
    await expect(predictImages(device, fake, 4)).rejects.toThrow(/image model/);
  });
});
