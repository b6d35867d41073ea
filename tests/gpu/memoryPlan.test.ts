// Every buffer comes from a table: build real comparisons (GPT tied and untied, MLP, CNN with
// max and average pooling, the toy; AdamW, SGD, SAM, with and without IRE) on a device whose
// createBuffer records every label and size, and compare with planComparison buffer by buffer,
// then the Hessian-vector product's allocations with the model's tangent table (the MLP's widths
// also from the config's mlpHidden, as the page sets them). The plan sums
// the tables the constructors allocate from, so what this catches is a buffer allocated outside
// any table (or a composition in comparisonBuffers that differs from the constructors').
import { describe, expect, it } from 'vitest';
import type { ImageDataset } from '../../src/data/imageDataset';
import { buildTextDataset } from '../../src/data/textDataset';
import { Comparison } from '../../src/train/comparison';
import { DEFAULT_ADAMW, DEFAULT_COMPARISON, DEFAULT_IRE, type ComparisonConfig, type ModelConfig, type ModelPreset, type RunConfig } from '../../src/train/config';
import { declBytes } from '../../src/gpu/bufferTable';
import { planComparison } from '../../src/train/memoryPlan';
import { modelTangentBuffers } from '../../src/train/models';
import { modelDataOf, type TrainingData } from '../../src/train/trainingData';
import { useGpu } from '../helpers/gpu';

interface Recorded {
  label: string;
  bytes: number;
  storage: boolean;
}

/** Buffers created by `build`, uniform buffers left out (the plan does not list them). */
function recordBuffers(device: GPUDevice, build: () => void): Recorded[] {
  const seen: Recorded[] = [];
  const original = device.createBuffer.bind(device);
  Object.defineProperty(device, 'createBuffer', {
    configurable: true,
    writable: true,
    value: (d: GPUBufferDescriptor) => {
      if ((d.usage & GPUBufferUsage.UNIFORM) === 0) seen.push({ label: d.label ?? '', bytes: d.size, storage: (d.usage & GPUBufferUsage.STORAGE) !== 0 });
      return original(d);
    },
  });
  try {
    build();
  } finally {
    Reflect.deleteProperty(device, 'createBuffer');
  }
  return seen;
}

const key = (b: Recorded) => `${b.label} ${b.bytes} ${b.storage ? 'storage' : 'staging'}`;

const TEXT = 'a small corpus, with punctuation; and digits 0123456789. '.repeat(30);
const TEXT_DATA: TrainingData = { kind: 'text', dataset: buildTextDataset('plan', TEXT) };

function images(C: number, H: number, W: number, classes: number, count: number): TrainingData {
  const split = (n: number) => ({ count: n, pixels: new Uint8Array(n * C * H * W).map((_, i) => (i * 37) % 256), labels: new Uint8Array(n).map((_, i) => i % classes) });
  const dataset: ImageDataset = { name: 'plan-images', channels: C, height: H, width: W, classes, train: split(count), test: split(Math.ceil(count / 2)) };
  return { kind: 'image', dataset };
}

const adamw: RunConfig = { id: 'A', name: 'AdamW', optimizer: DEFAULT_ADAMW };
const withIre = (r: RunConfig, id: string): RunConfig => ({ id, name: `${r.name}+IRE`, optimizer: { ...r.optimizer, ire: { ...DEFAULT_IRE, enabled: true } } });
const sgd: RunConfig = { id: 'S', name: 'SGD', optimizer: { ...DEFAULT_ADAMW, base: 'sgd' } };
const sam: RunConfig = { id: 'M', name: 'SAM', optimizer: { ...DEFAULT_ADAMW, base: 'sam' } };

function comparisonConfig(model: ModelPreset, batchSize: number, runs: RunConfig[]): ComparisonConfig {
  return { ...DEFAULT_COMPARISON, model, batchSize, totalSteps: 20, runs };
}

describe('memory plan', () => {
  const gpu = useGpu();

  const cases: { name: string; config: ComparisonConfig; data: TrainingData; model?: ModelConfig }[] = [
    {
      name: 'GPT, tied head, AdamW and AdmIRE',
      config: comparisonConfig('gpt-tiny', 3, [adamw, withIre(adamw, 'B')]),
      data: TEXT_DATA,
      model: { kind: 'gpt', layers: 2, heads: 2, width: 8, context: 5, vocab: TEXT_DATA.kind === 'text' ? TEXT_DATA.dataset.tokenizer.vocabSize : 0, tiedHead: true },
    },
    {
      name: 'GPT, separate head, SGD and SAM-IRE',
      config: comparisonConfig('gpt-tiny', 2, [sgd, withIre(sam, 'N')]),
      data: TEXT_DATA,
      model: { kind: 'gpt', layers: 1, heads: 3, width: 12, context: 7, vocab: TEXT_DATA.kind === 'text' ? TEXT_DATA.dataset.tokenizer.vocabSize : 0, tiedHead: false },
    },
    {
      name: 'MLP, AdamW and SGD-IRE',
      config: comparisonConfig('mlp-mnist', 5, [adamw, withIre(sgd, 'T')]),
      data: images(1, 6, 6, 4, 12),
      model: { kind: 'mlp', inputs: 36, hidden: [7, 3], classes: 4 },
    },
    {
      name: 'MLP with GELU, square loss, SGD',
      config: comparisonConfig('mlp-mnist', 5, [sgd]),
      data: images(1, 6, 6, 4, 12),
      model: { kind: 'mlp', inputs: 36, hidden: [5, 3], classes: 4, loss: 'mse', activation: 'gelu' },
    },
    {
      name: 'MLP with the config\'s widths (mlpHidden, no override), AdamW and AdmIRE',
      config: { ...comparisonConfig('mlp-mnist', 5, [adamw, withIre(adamw, 'B')]), dataset: 'mnist', mlpHidden: [7, 3] },
      data: images(1, 28, 28, 10, 12),
    },
    {
      name: 'CNN with max pooling, SAM',
      config: comparisonConfig('cnn-cifar10', 3, [sam]),
      data: images(3, 7, 6, 5, 9),
      model: { kind: 'cnn', channels: 3, height: 7, width: 6, filters: [3, 5], pool: 'max', classes: 5 },
    },
    {
      name: 'CNN with average pooling, AdamW-IRE',
      config: comparisonConfig('cnn-mnist', 4, [withIre(adamw, 'B')]),
      data: images(1, 8, 8, 3, 9),
      model: { kind: 'cnn', channels: 1, height: 8, width: 8, filters: [2, 3], pool: 'avg', classes: 3 },
    },
    {
      name: 'the toy model (preset), SGD and SGD-IRE',
      config: { ...comparisonConfig('toy-2d', 1, [sgd, withIre(sgd, 'T')]), dataset: 'toy' },
      data: { kind: 'toy' },
    },
  ];

  for (const c of cases) {
    it(`lists exactly the buffers a comparison allocates: ${c.name}`, () => {
      const { ctx, device } = gpu();
      let built: Comparison | undefined;
      const seen = recordBuffers(device, () => {
        built = new Comparison(ctx, c.config, c.data, {}, { model: c.model });
      });
      built?.destroy();
      if (c.config.mlpHidden.length > 0) expect(built?.modelConfig).toMatchObject({ kind: 'mlp', hidden: c.config.mlpHidden });
      const plan = planComparison(c.config, modelDataOf(c.data), { model: c.model });
      expect(plan.buffers.map(key).sort()).toEqual(seen.map(key).sort());
      expect(plan.totalBytes).toBe(seen.reduce((s, b) => s + b.bytes, 0));
      expect(plan.largest.bytes).toBe(Math.max(...seen.map((b) => b.bytes)));
    });

    it(`lists exactly what the Hessian-vector product allocates: ${c.name}`, () => {
      const { ctx, device } = gpu();
      const comparison = new Comparison(ctx, c.config, c.data, {}, { model: c.model });
      const model = comparison.runs[0].model;
      const seen = recordBuffers(device, () => model.hessianVectorProduct?.(model.grads, model.grads));
      comparison.destroy();
      const tangents = modelTangentBuffers(comparison.modelConfig, c.config.batchSize).map((d) => `${model.name}.${d.name} ${declBytes(d)} storage`);
      expect(seen.map(key).sort()).toEqual(tangents.sort());
    });
  }
});
