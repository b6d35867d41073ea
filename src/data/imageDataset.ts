// Image classification datasets held as compact u8 pixels, channel-major per image (C,H,W),
// and u8 labels. Batches are normalised to f32 at fill time through a 256-entry table per
// channel: x = (p / 255 − mean_c) / std_c.
import { DataError } from './errors';

export interface ImageSplit {
  count: number; // N images
  pixels: Uint8Array; // (N, C, H, W) raw bytes 0..255
  labels: Uint8Array; // (N) class ids < classes
}

export interface ImageDataset {
  name: string; // 'mnist' | 'cifar10'
  channels: number; // C
  height: number; // H
  width: number; // W
  classes: number; // number of labels
  train: ImageSplit;
  test: ImageSplit;
}

/** Per-channel normalisation applied when a batch is filled. */
export interface PixelNorm {
  mean: readonly number[]; // (C) in units of p / 255
  std: readonly number[]; // (C) in units of p / 255
}

/** MNIST: the customary mean and std of the training set (PyTorch examples). */
export const MNIST_NORM: PixelNorm = { mean: [0.1307], std: [0.3081] };
/** CIFAR-10: the customary per-channel (R, G, B) mean and std of the training set. */
export const CIFAR10_NORM: PixelNorm = { mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616] };
/** No centring: x = p / 255 in [0, 1]. */
export function unitNorm(channels: number): PixelNorm {
  return { mean: new Array<number>(channels).fill(0), std: new Array<number>(channels).fill(1) };
}

/** The default normalisation of a dataset by name. */
export function defaultNorm(dataset: ImageDataset): PixelNorm {
  if (dataset.name === 'mnist') return MNIST_NORM;
  if (dataset.name === 'cifar10') return CIFAR10_NORM;
  return unitNorm(dataset.channels);
}

/** CIFAR-10's class names in label order (batches.meta.txt of the official binary version). */
export const CIFAR10_CLASS_NAMES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'] as const;

/** The name of each class, by label: CIFAR-10's names; MNIST's digits (and any other set) by number. */
export function classNames(dataset: ImageDataset): string[] {
  if (dataset.name === 'cifar10' && dataset.classes === CIFAR10_CLASS_NAMES.length) return [...CIFAR10_CLASS_NAMES];
  return Array.from({ length: dataset.classes }, (_, k) => String(k));
}

/** Lookup table (C, 256): value of byte p in channel c, rounded once to f32. */
export function normTable(norm: PixelNorm, channels: number): Float32Array {
  if (norm.mean.length !== channels || norm.std.length !== channels) {
    throw new DataError(`Normalisation has ${norm.mean.length} means and ${norm.std.length} stds for ${channels} channels.`);
  }
  const table = new Float32Array(channels * 256); // (C, 256)
  for (let c = 0; c < channels; c++) {
    if (!(norm.std[c] > 0)) throw new DataError(`Normalisation std of channel ${c} must be > 0.`);
    for (let p = 0; p < 256; p++) table[c * 256 + p] = (p / 255 - norm.mean[c]) / norm.std[c];
  }
  return table;
}

/** Checks the shapes and labels of a dataset; throws a DataError naming the first problem. */
export function checkImageDataset(d: ImageDataset): void {
  const size = d.channels * d.height * d.width;
  for (const [splitName, s] of [['train', d.train], ['test', d.test]] as const) {
    if (s.pixels.length !== s.count * size) {
      throw new DataError(`${d.name} ${splitName}: ${s.pixels.length} pixel bytes for ${s.count} images of ${size} bytes.`);
    }
    if (s.labels.length !== s.count) throw new DataError(`${d.name} ${splitName}: ${s.labels.length} labels for ${s.count} images.`);
    for (let i = 0; i < s.count; i++) {
      if (s.labels[i] >= d.classes) {
        throw new DataError(`${d.name} ${splitName}: image ${i} has label ${s.labels[i]}; labels must be < ${d.classes}.`);
      }
    }
  }
}

/**
 * The dataset with its training split cut to the first `n` images (stored order; for MNIST a
 * seeded shuffle, so the first n are a random sample). The test split is kept whole. Views, no
 * copy. Full-batch training uses it with batch n (docs/experiments.md, "The edge of stability").
 */
export function withTrainSubset(d: ImageDataset, n: number): ImageDataset {
  if (!Number.isInteger(n) || n < 1) throw new DataError(`${d.name}: a training subset of ${n} images must be a positive integer.`);
  if (n > d.train.count) throw new DataError(`${d.name}: a training subset of ${n} images is larger than the training split (${d.train.count} images).`);
  const size = d.channels * d.height * d.width;
  const train: ImageSplit = { count: n, pixels: d.train.pixels.subarray(0, n * size), labels: d.train.labels.subarray(0, n) };
  return { ...d, train };
}
