// Which datasets each model preset can train on: a fact about presets (config.ts) and datasets
// (src/data/datasets.ts) together, read by the schema and the page's dataset choices.
import { DATASET_KIND, IMAGE_SHAPE, type DatasetName } from '../data/datasets';
import { MODEL_PRESETS, type ModelPreset } from './config';

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
