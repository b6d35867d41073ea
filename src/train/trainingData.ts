// The data of a comparison and its batch buffers on the GPU. One batch per step, written once
// and read by every run (same batch, same order: a pure function of (seed, step)).
import { createStorageBuffer, writeBuffer } from '../gpu/buffers';
import { ImageBatcher, TextBatcher } from '../data/batch';
import type { ImageDataset } from '../data/imageDataset';
import type { TextDataset } from '../data/textDataset';
import type { BatchBuffers } from '../nn/model';
import type { ModelData } from './models';

export type TrainingData = { kind: 'text'; dataset: TextDataset } | { kind: 'image'; dataset: ImageDataset } | { kind: 'toy' };

export function modelDataOf(data: TrainingData): ModelData {
  if (data.kind === 'text') return { vocab: data.dataset.tokenizer.vocabSize };
  if (data.kind === 'image') return { image: { C: data.dataset.channels, H: data.dataset.height, W: data.dataset.width } };
  return {};
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
      this.buffers = {
        inputs: createStorageBuffer(device, 'Batch.tokens', B * T * 4), // (B,T) u32
        targets: createStorageBuffer(device, 'Batch.targets', B * T * 4), // (B,T) u32
      };
      this.ignoredLabel = data.dataset.tokenizer.vocabSize;
    } else if (data.kind === 'image') {
      const d = data.dataset;
      this.train = new ImageBatcher(d, 'train', B, seed);
      this.evaluation = new ImageBatcher(d, 'test', B, seed);
      this.buffers = {
        inputs: createStorageBuffer(device, 'Batch.images', B * d.channels * d.height * d.width * 4), // (B,C,H,W) f32
        targets: createStorageBuffer(device, 'Batch.labels', B * 4), // (B) u32
      };
      this.ignoredLabel = 0xffffffff;
    } else {
      this.buffers = { inputs: createStorageBuffer(device, 'Batch.none', 16), targets: createStorageBuffer(device, 'Batch.none', 16) };
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
