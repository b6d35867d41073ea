// The data of a comparison and its batch buffers on the GPU. One batch per step, written once
// and read by every run (same batch, same order: a pure function of (seed, step)).
import { AllocatedTable, BufferTable, type BufferDecl } from '../gpu/bufferTable';
import { writeBuffer } from '../gpu/buffers';
import { ImageBatcher, TextBatcher } from '../data/batch';
import { withTrainSubset, type ImageDataset } from '../data/imageDataset';
import type { TextDataset } from '../data/textDataset';
import type { BatchBuffers } from '../nn/model';
import type { ComparisonConfig } from './config';
import type { ModelData } from './models';

export type TrainingData = { kind: 'text'; dataset: TextDataset } | { kind: 'image'; dataset: ImageDataset } | { kind: 'toy' };

export function modelDataOf(data: TrainingData): ModelData {
  if (data.kind === 'text') return { vocab: data.dataset.tokenizer.vocabSize };
  if (data.kind === 'image') return { image: { C: data.dataset.channels, H: data.dataset.height, W: data.dataset.width } };
  return {};
}

/**
 * What a comparison trains on: the dataset as loaded or, with `trainSubset` N > 0, a view of its
 * first N training images (the test split whole). The loaded data stay as they are, so a host
 * keeps them for the next comparison of the same dataset.
 */
export function trainingDataFor(loaded: TrainingData, config: Pick<ComparisonConfig, 'trainSubset' | 'dataset'>): TrainingData {
  if (config.trainSubset === 0) return loaded;
  if (loaded.kind !== 'image') throw new Error(`trainSubset = ${config.trainSubset}: is for image datasets, not "${config.dataset}"`);
  return { kind: 'image', dataset: withTrainSubset(loaded.dataset, config.trainSubset) };
}

/** What one step's batch holds: B sequences of T tokens, B images of C×H×W, or nothing (the toy). */
export type BatchLayout = { kind: 'text'; B: number; T: number } | { kind: 'image'; B: number; C: number; H: number; W: number } | { kind: 'toy' };

/** The batch buffers, labelled `Batch.<name>`: the step's inputs, then its targets. */
export function batchBuffers(b: BatchLayout): BufferDecl[] {
  const t = new BufferTable({ role: 'batch', perBatch: true });
  switch (b.kind) {
    case 'text':
      return t.add('tokens', [b.B, b.T], { dtype: 'u32' }).add('targets', [b.B, b.T], { dtype: 'u32' }).decls;
    case 'image':
      return t.add('images', [b.B, b.C, b.H, b.W]).add('labels', [b.B], { dtype: 'u32' }).decls;
    case 'toy':
      return t.add('none', [1], { perBatch: false }).add('noTargets', [1], { perBatch: false }).decls;
  }
}

function allocateBatch(device: GPUDevice, layout: BatchLayout): BatchBuffers {
  const decls = batchBuffers(layout);
  const t = new AllocatedTable(device, 'Batch', decls);
  return { inputs: t.get(decls[0].name), targets: t.get(decls[1].name) };
}

/** Batches of one comparison: training batches by step, evaluation batches by index. */
export class BatchFeeder {
  readonly buffers: BatchBuffers;
  private readonly train: TextBatcher | ImageBatcher | undefined;
  private readonly evaluation: TextBatcher | ImageBatcher | undefined;
  private readonly ignoredLabel: number;

  constructor(
    private readonly device: GPUDevice,
    readonly data: TrainingData,
    readonly batchSize: number,
    context: number,
    seed: number,
  ) {
    const B = batchSize;
    if (data.kind === 'text') {
      const T = context;
      this.train = new TextBatcher(data.dataset.train, B, T, seed);
      this.evaluation = new TextBatcher(data.dataset.val, B, T, seed);
      this.buffers = allocateBatch(device, { kind: 'text', B, T });
      this.ignoredLabel = data.dataset.tokenizer.vocabSize;
    } else if (data.kind === 'image') {
      const d = data.dataset;
      this.train = new ImageBatcher(d, 'train', B, seed);
      this.evaluation = new ImageBatcher(d, 'test', B, seed);
      this.buffers = allocateBatch(device, { kind: 'image', B, C: d.channels, H: d.height, W: d.width });
      this.ignoredLabel = 0xffffffff;
    } else {
      this.buffers = allocateBatch(device, { kind: 'toy' });
      this.ignoredLabel = 0;
    }
  }

  /** Writes the training batch of `step` into the batch buffers (queued before the next submit). */
  writeTrain(step: number): void {
    const b = this.train;
    if (!b) return;
    b.fill(step);
    this.upload(b);
  }

  /** Evaluation batches available (a fixed pass over the validation/test split). */
  evalBatches(maxBatches: number): number {
    const b = this.evaluation;
    if (!b) return 0;
    const items = b instanceof TextBatcher ? Math.floor(b.tokens.length / b.context) : b.count;
    return Math.max(1, Math.min(maxBatches, Math.ceil(items / this.batchSize)));
  }

  /** Writes evaluation batch k; returns the number of real rows (the rest are ignored labels). */
  writeEval(k: number): number {
    const b = this.evaluation;
    if (!b) return 0;
    if (b instanceof TextBatcher) {
      b.fillEval(k);
      this.upload(b);
      return b.inputs.length;
    }
    const valid = b.fillEval(k);
    b.labels.fill(this.ignoredLabel, valid);
    this.upload(b);
    return valid;
  }

  private upload(b: TextBatcher | ImageBatcher): void {
    if (b instanceof TextBatcher) {
      writeBuffer(this.device, this.buffers.inputs, b.inputs);
      writeBuffer(this.device, this.buffers.targets, b.targets);
    } else {
      writeBuffer(this.device, this.buffers.inputs, b.images);
      writeBuffer(this.device, this.buffers.targets, b.labels);
    }
  }

  destroy(): void {
    this.buffers.inputs.destroy();
    this.buffers.targets.destroy();
  }
}
