// Host-side batch buffers, allocated once per run and refilled in place every step (no
// allocation in the step loop). The trainer uploads them with queue.writeBuffer.
import { DataError } from './errors';
import type { ImageDataset, ImageSplit, PixelNorm } from './imageDataset';
import { defaultNorm, normTable } from './imageDataset';
import { batchIndices, batchOffsets, evalIndices, evalOffsets } from './sampler';

/** inputs[b,t] = tokens[o_b + t], targets[b,t] = tokens[o_b + t + 1]. */
export function fillTokenBatch(
  tokens: Uint16Array, // (N)
  offsets: Uint32Array, // (B)
  context: number, // T
  inputs: Uint32Array, // (B,T) out
  targets: Uint32Array, // (B,T) out
): void {
  const B = offsets.length;
  if (inputs.length < B * context || targets.length < B * context) throw new DataError(`Token batch arrays hold fewer than ${B}×${context} entries.`);
  for (let b = 0; b < B; b++) {
    const o = offsets[b];
    if (o + context >= tokens.length) throw new DataError(`Window at ${o} of length ${context + 1} runs past ${tokens.length} tokens.`);
    for (let t = 0; t < context; t++) {
      inputs[b * context + t] = tokens[o + t];
      targets[b * context + t] = tokens[o + t + 1];
    }
  }
}

/** images[b] = table[c, pixels[indices[b]]] per channel plane; labels[b] = label of that image. */
export function fillImageBatch(
  split: ImageSplit,
  channels: number, // C
  planeSize: number, // H·W
  table: Float32Array, // (C, 256) from normTable
  indices: Uint32Array, // (B)
  images: Float32Array, // (B, C·H·W) out
  labels: Uint32Array, // (B) out
): void {
  const size = channels * planeSize;
  for (let b = 0; b < indices.length; b++) {
    const i = indices[b];
    if (i >= split.count) throw new DataError(`Image index ${i} is outside a split of ${split.count}.`);
    const src = i * size;
    const dst = b * size;
    for (let c = 0; c < channels; c++) {
      const base = c * planeSize;
      const lut = c * 256;
      for (let k = 0; k < planeSize; k++) images[dst + base + k] = table[lut + split.pixels[src + base + k]];
    }
    labels[b] = split.labels[i];
  }
}

/** A text run's batch buffers; fill(step) writes the training batch of that step in place. */
export class TextBatcher {
  readonly offsets: Uint32Array; // (B) window starts of the last fill
  readonly inputs: Uint32Array; // (B,T) token ids
  readonly targets: Uint32Array; // (B,T) next-token ids

  constructor(
    readonly tokens: Uint16Array, // (N) the split sampled from
    readonly batchSize: number, // B
    readonly context: number, // T
    readonly seed: number,
  ) {
    if (tokens.length < context + 1) throw new DataError(`A split of ${tokens.length} tokens cannot hold a window of context ${context} + 1 target.`);
    this.offsets = new Uint32Array(batchSize);
    this.inputs = new Uint32Array(batchSize * context);
    this.targets = new Uint32Array(batchSize * context);
  }

  /** The training batch of `step` (random windows from (seed, step)). */
  fill(step: number): this {
    batchOffsets(this.seed, step, this.batchSize, this.tokens.length, this.context, this.offsets);
    fillTokenBatch(this.tokens, this.offsets, this.context, this.inputs, this.targets);
    return this;
  }

  /** Evaluation batch k (fixed tiling windows, independent of the seed). */
  fillEval(batch: number): this {
    evalOffsets(batch, this.batchSize, this.tokens.length, this.context, this.offsets);
    fillTokenBatch(this.tokens, this.offsets, this.context, this.inputs, this.targets);
    return this;
  }
}

/** An image run's batch buffers over one split; fill(step) writes the training batch in place. */
export class ImageBatcher {
  readonly indices: Uint32Array; // (B) example indices of the last fill
  readonly images: Float32Array; // (B, C·H·W) normalised pixels
  readonly labels: Uint32Array; // (B) class ids
  private readonly table: Float32Array; // (C, 256)
  private readonly split: ImageSplit;

  constructor(
    readonly dataset: ImageDataset,
    splitName: 'train' | 'test',
    readonly batchSize: number, // B
    readonly seed: number,
    readonly norm: PixelNorm = defaultNorm(dataset),
  ) {
    this.split = dataset[splitName];
    if (this.split.count < 1) throw new DataError(`${dataset.name} ${splitName} split is empty.`);
    this.table = normTable(norm, dataset.channels);
    this.indices = new Uint32Array(batchSize);
    this.images = new Float32Array(batchSize * dataset.channels * dataset.height * dataset.width);
    this.labels = new Uint32Array(batchSize);
  }

  get count(): number {
    return this.split.count;
  }

  /** The training batch of `step` (epoch-wise permutation from (seed, step)). */
  fill(step: number): this {
    batchIndices(this.seed, step, this.batchSize, this.split.count, this.indices);
    this.write();
    return this;
  }

  /** Evaluation batch k in stored order; returns how many entries are real (the rest wrap). */
  fillEval(batch: number): number {
    const valid = evalIndices(batch, this.batchSize, this.split.count, this.indices);
    this.write();
    return valid;
  }

  private write(): void {
    const d = this.dataset;
    fillImageBatch(this.split, d.channels, d.height * d.width, this.table, this.indices, this.images, this.labels);
  }
}
