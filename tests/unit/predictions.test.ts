import { describe, expect, it } from 'vitest';
import { CIFAR10_CLASS_NAMES, classNames, type ImageDataset } from '../../src/data/imageDataset';
import { argmax } from '../../src/train/predictions';

const split = { count: 0, pixels: new Uint8Array(0), labels: new Uint8Array(0) };
const dataset = (name: string, classes: number): ImageDataset => ({ name, channels: 1, height: 1, width: 1, classes, train: split, test: split });

describe('image predictions on the CPU side', () => {
  it('argmax takes the largest finite logit of a row, the first on ties, −1 when none is finite', () => {
    const z = [0, 5, 1, /* row 2 */ 2, 2, -1, /* row 3 */ NaN, Infinity, -Infinity, /* row 4 */ NaN, -3, -2];
    expect(argmax(z, 0, 3)).toBe(1);
    expect(argmax(z, 3, 3)).toBe(0);
    expect(argmax(z, 6, 3)).toBe(-1);
    expect(argmax(z, 9, 3)).toBe(2);
  });

  it('names classes: CIFAR-10 by its words in label order, MNIST (and others) by number', () => {
    expect(classNames(dataset('cifar10', 10))).toEqual(['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']);
    expect(CIFAR10_CLASS_NAMES).toHaveLength(10);
    expect(classNames(dataset('mnist', 10))).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(classNames(dataset('other', 3))).toEqual(['0', '1', '2']);
  });
});
