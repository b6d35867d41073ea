import { describe, expect, it } from 'vitest';
import { fillTokenBatch, ImageBatcher, TextBatcher } from '../../src/data/batch';
import type { ImageDataset } from '../../src/data/imageDataset';
import { MNIST_NORM } from '../../src/data/imageDataset';
import { batchIndices, batchOffsets, evalIndices, evalOffsets, IndexPermutation } from '../../src/data/sampler';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('seeded batch sampler: images', () => {
  it('is a pure function of (seed, step): a resumed run sees the batches it would have seen', () => {
    const out = new Uint32Array(7);
    const sequential: number[][] = [];
    for (let step = 0; step < 30; step++) sequential.push(Array.from(batchIndices(99, step, 7, 53, out)));
    for (const step of [0, 13, 29]) expect(Array.from(batchIndices(99, step, 7, 53))).toEqual(sequential[step]);
    expect(Array.from(batchIndices(100, 13, 7, 53))).not.toEqual(sequential[13]);
  });

  it('visits every example exactly once per epoch, across batches that straddle epochs', () => {
    const N = 37;
    const B = 5; // 37 is not a multiple of 5: batches straddle epoch boundaries
    const stream: number[] = [];
    for (let step = 0; stream.length < 3 * N; step++) stream.push(...batchIndices(7, step, B, N));
    const epochs = [stream.slice(0, N), stream.slice(N, 2 * N), stream.slice(2 * N, 3 * N)];
    for (const e of epochs) expect([...e].sort((a, b) => a - b)).toEqual(range(N));
    expect(epochs[0]).not.toEqual(epochs[1]); // a fresh order each epoch
    expect(epochs[0]).not.toEqual(range(N)); // and not the stored order
  });

  it('permutes domains that are and are not powers of four, including size 1', () => {
    for (const n of [1, 2, 3, 4, 16, 17, 1000, 4097]) {
      const p = new IndexPermutation(n, 3, 0);
      const seen = range(n).map((i) => p.at(i));
      expect([...seen].sort((a, b) => a - b)).toEqual(range(n));
    }
  });

  it('keeps the documented order (golden values: a change here breaks replay of dumped batches)', () => {
    expect(Array.from(batchIndices(1337, 0, 6, 8000))).toEqual([1771, 7485, 2188, 5957, 4875, 6665]);
    expect(Array.from(batchIndices(1337, 5, 6, 8000))).toEqual([6468, 64, 4739, 6817, 2085, 2517]);
    expect(Array.from(batchOffsets(1337, 0, 4, 1095657, 64))).toEqual([58647, 1022968, 330207, 778476]);
    expect(Array.from(batchOffsets(42, 3, 4, 1000, 64))).toEqual([574, 263, 315, 525]);
  });

  it('rejects sizes that cannot be sampled, naming the quantity', () => {
    expect(() => batchIndices(1, 0, 0, 10)).toThrow(/batch size = 0/);
    expect(() => batchIndices(1, -1, 4, 10)).toThrow(/step = -1/);
    expect(() => batchIndices(1, 0, 4, 0)).toThrow(/dataset size = 0/);
    expect(() => batchOffsets(1, 0, 4, 64, 64)).toThrow(/64 tokens cannot hold a window of context 64/);
  });
});

describe('seeded batch sampler: text windows', () => {
  it('keeps every window of T + 1 tokens inside the split and reaches both ends', () => {
    const N = 50;
    const T = 8;
    const hits = new Array<number>(N - T).fill(0);
    for (let step = 0; step < 200; step++) {
      for (const o of batchOffsets(5, step, 4, N, T)) {
        expect(o + T).toBeLessThan(N);
        hits[o]++;
      }
    }
    expect(hits.every((h) => h > 0)).toBe(true); // 800 draws over 42 starts: all reached
    expect(Array.from(batchOffsets(5, 17, 4, N, T))).toEqual(Array.from(batchOffsets(5, 17, 4, N, T)));
  });

  it('fills inputs and next-token targets in place', () => {
    const tokens = Uint16Array.from(range(30), (i) => (i * 3) % 17);
    const b = new TextBatcher(tokens, 3, 5, 11);
    const inputs = b.inputs;
    b.fill(4);
    expect(b.inputs).toBe(inputs); // no reallocation
    for (let r = 0; r < 3; r++) {
      const o = b.offsets[r];
      expect(Array.from(b.inputs.subarray(r * 5, r * 5 + 5))).toEqual(Array.from(tokens.subarray(o, o + 5)));
      expect(Array.from(b.targets.subarray(r * 5, r * 5 + 5))).toEqual(Array.from(tokens.subarray(o + 1, o + 6)));
    }
    expect(() => fillTokenBatch(tokens, Uint32Array.of(25), 5, new Uint32Array(5), new Uint32Array(5))).toThrow(/runs past 30 tokens/);
  });

  it('tiles evaluation windows without overlap', () => {
    const out = new Uint32Array(4);
    expect(Array.from(evalOffsets(0, 4, 100, 10, out))).toEqual([0, 10, 20, 30]);
    expect(Array.from(evalOffsets(2, 4, 100, 10, out))).toEqual([80, 0, 10, 20]); // wraps mod 90
  });
});

describe('image batches', () => {
  const dataset: ImageDataset = {
    name: 'mnist',
    channels: 1,
    height: 2,
    width: 2,
    classes: 10,
    train: { count: 5, pixels: Uint8Array.from(range(20), (i) => i * 13), labels: Uint8Array.of(4, 1, 9, 0, 7) },
    test: { count: 3, pixels: Uint8Array.from(range(12), (i) => 255 - i), labels: Uint8Array.of(2, 3, 5) },
  };

  it('normalises with the documented mean/std and copies labels', () => {
    const b = new ImageBatcher(dataset, 'train', 3, 1);
    const images = b.images;
    b.fill(2);
    expect(b.images).toBe(images);
    for (let r = 0; r < 3; r++) {
      const i = b.indices[r];
      expect(b.labels[r]).toBe(dataset.train.labels[i]);
      for (let k = 0; k < 4; k++) {
        const p = dataset.train.pixels[i * 4 + k];
        expect(b.images[r * 4 + k]).toBe(Math.fround((p / 255 - MNIST_NORM.mean[0]) / MNIST_NORM.std[0]));
      }
    }
  });

  it('normalises each channel plane with its own statistics', () => {
    const rgb: ImageDataset = {
      name: 'rgb',
      channels: 3,
      height: 1,
      width: 2,
      classes: 2,
      train: { count: 1, pixels: Uint8Array.of(0, 255, 51, 102, 153, 204), labels: Uint8Array.of(1) },
      test: { count: 1, pixels: new Uint8Array(6), labels: Uint8Array.of(0) },
    };
    const b = new ImageBatcher(rgb, 'train', 1, 0, { mean: [0, 0.2, 0.5], std: [1, 2, 0.5] });
    b.fill(0);
    expect(Array.from(b.images)).toEqual([0, 1, (0.2 - 0.2) / 2, (0.4 - 0.2) / 2, (0.6 - 0.5) / 0.5, (0.8 - 0.5) / 0.5].map(Math.fround));
  });

  it('evaluates the test split in stored order and reports the padding of the last batch', () => {
    const b = new ImageBatcher(dataset, 'test', 2, 0);
    expect(b.fillEval(0)).toBe(2);
    expect(Array.from(b.labels)).toEqual([2, 3]);
    expect(b.fillEval(1)).toBe(1);
    expect(Array.from(b.indices)).toEqual([2, 0]);
    const out = new Uint32Array(2);
    expect(evalIndices(5, 2, 3, out)).toBe(0);
  });
});
