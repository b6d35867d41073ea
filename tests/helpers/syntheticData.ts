// Small synthetic datasets for engine tests: learnable (the label is visible in the pixels),
// generated from a seed, no files.
import { CIFAR10_RECORD_BYTES } from '../../src/data/cifar10';
import type { ImageDataset, ImageSplit } from '../../src/data/imageDataset';
import { Rng } from '../../src/util/rng';

/** Images whose class k lights up the k-th horizontal band, plus noise. */
export function bandImages(count: number, seed: number, C = 1, H = 28, W = 28, classes = 10): ImageSplit {
  const rng = new Rng(seed);
  const pixels = new Uint8Array(count * C * H * W);
  const labels = new Uint8Array(count);
  const band = Math.max(1, Math.floor(H / classes));
  for (let n = 0; n < count; n++) {
    const k = rng.int(classes);
    labels[n] = k;
    for (let c = 0; c < C; c++) {
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const lit = Math.floor(y / band) === k;
          pixels[((n * C + c) * H + y) * W + x] = Math.min(255, (lit ? 180 : 20) + rng.int(60));
        }
      }
    }
  }
  return { count, pixels, labels };
}

export function bandDataset(train = 64, test = 32, seed = 1, C = 1, H = 28, W = 28): ImageDataset {
  return { name: 'mnist', channels: C, height: H, width: W, classes: 10, train: bandImages(train, seed, C, H, W), test: bandImages(test, seed + 1, C, H, W) };
}

/** A CIFAR-10 binary batch: record i has label labels[i], pixel k = (i·31 + k) mod 256. */
export function cifarFile(labels: number[]): Uint8Array {
  const out = new Uint8Array(labels.length * CIFAR10_RECORD_BYTES);
  labels.forEach((l, i) => {
    out[i * CIFAR10_RECORD_BYTES] = l;
    for (let k = 0; k < 3072; k++) out[i * CIFAR10_RECORD_BYTES + 1 + k] = (i * 31 + k) % 256;
  });
  return out;
}
