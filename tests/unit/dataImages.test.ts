import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cifar10Dataset, parseCifar10Batch, sortCifar10Files } from '../../src/data/cifar10';
import { mnistFromDigitArrays, seededPermutation } from '../../src/data/mnist';
import { loadCifar10Dir } from '../../src/data/node/load';
import { readMnistDigits } from '../../src/data/node/mnist';
import { cifarFile } from '../helpers/syntheticData';

describe('CIFAR-10 binary batches', () => {
  it('parses records into (N,3,32,32) pixels and labels', () => {
    const s = parseCifar10Batch({ name: 'data_batch_1.bin', bytes: cifarFile([9, 0, 4]) });
    expect(s.count).toBe(3);
    expect(Array.from(s.labels)).toEqual([9, 0, 4]);
    expect(s.pixels.length).toBe(3 * 3072);
    // image 2, green plane (c = 1), row 5, column 7 → k = 1·1024 + 5·32 + 7
    const k = 1024 + 5 * 32 + 7;
    expect(s.pixels[2 * 3072 + k]).toBe((2 * 31 + k) % 256);
  });

  it('names the file and the problem for wrong length, bad label and empty files', () => {
    expect(() => parseCifar10Batch({ name: 'a.bin', bytes: new Uint8Array(0) })).toThrow(/"a.bin" is empty/);
    expect(() => parseCifar10Batch({ name: 'b.bin', bytes: new Uint8Array(3073 * 2 + 5) })).toThrow(/"b.bin" is 6151 bytes, not a multiple of 3073/);
    const bad = cifarFile([1, 2, 3]);
    bad[2 * 3073] = 10;
    expect(() => parseCifar10Batch({ name: 'c.bin', bytes: bad })).toThrow(/"c.bin": record 2 \(byte 6146\) has label 10; labels are 0..9/);
    expect(() => sortCifar10Files([{ name: 'readme.txt', bytes: new Uint8Array(1) }])).toThrow(/not a CIFAR-10 binary batch/);
    expect(() => cifar10Dataset([], [{ name: 'test_batch.bin', bytes: cifarFile([1]) }])).toThrow(/no training batch/);
  });

  it('loads a folder in numeric batch order', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cifar-'));
    try {
      writeFileSync(join(dir, 'data_batch_10.bin'), cifarFile([7]));
      writeFileSync(join(dir, 'data_batch_2.bin'), cifarFile([2, 3]));
      writeFileSync(join(dir, 'test_batch.bin'), cifarFile([5]));
      writeFileSync(join(dir, 'batches.meta.txt'), 'airplane\n');
      const d = loadCifar10Dir(dir);
      expect(Array.from(d.train.labels)).toEqual([2, 3, 7]);
      expect(Array.from(d.test.labels)).toEqual([5]);
      writeFileSync(join(dir, 'test_batch.bin'), new Uint8Array(100));
      expect(() => loadCifar10Dir(dir)).toThrow(/"test_batch.bin" is 100 bytes, not a multiple of 3073/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('MNIST conversion', () => {
  it('recovers bytes exactly and splits 80/20 by the fixed shuffle (small slice of the package)', () => {
    const digits = readMnistDigits(20); // 20 images per class = 200
    const d = mnistFromDigitArrays(digits);
    expect([d.train.count, d.test.count]).toEqual([160, 40]);
    const perm = seededPermutation(200, 0x6d6e6973);
    // position 0 of train is source image perm[0] = class ⌊perm[0] / 20⌋, index perm[0] mod 20
    for (const pos of [0, 77, 159]) {
      const src = perm[pos];
      const cls = Math.floor(src / 20);
      const i = src % 20;
      expect(d.train.labels[pos]).toBe(cls);
      for (const k of [0, 300, 407, 783]) {
        const v = digits[cls][i * 784 + k];
        expect(d.train.pixels[pos * 784 + k]).toBe(Math.round(v * 255));
        expect(Math.abs(d.train.pixels[pos * 784 + k] / 255 - v)).toBeLessThan(6e-4);
      }
    }
    expect(new Set(d.test.labels).size).toBe(10);
  });

  it('is a permutation, and refuses values outside [0, 1]', () => {
    const perm = seededPermutation(1000, 5);
    expect([...perm].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    const digits = Array.from({ length: 10 }, () => new Array<number>(784).fill(0.5));
    digits[3][10] = 1.5;
    expect(() => mnistFromDigitArrays(digits)).toThrow(/class 3, value 10 is 1.5/);
  });
});
