// Model presets → models: the one name → implementation map shared by the UI, the URL, the
// CLI and the engine.
import type { GpuContext } from '../gpu/context';
import { Cnn } from '../nn/cnn';
import { Gpt } from '../nn/gpt';
import { Mlp } from '../nn/mlp';
import type { BatchBuffers, Model } from '../nn/model';
import { ToyModel } from '../nn/toyModel';
import { MODEL_PRESETS, type ModelConfig, type ModelPreset } from './config';

export interface ModelData {
  /** Vocabulary size of the text dataset (text models). */
  vocab?: number;
  /** Image shape of the dataset (image models). */
  image?: { C: number; H: number; W: number };
}

/** The architecture of a preset with the data-dependent fields filled in. */
export function modelConfigFor(preset: ModelPreset, data: ModelData): ModelConfig {
  const cfg = structuredClone(MODEL_PRESETS[preset]);
  if (cfg.kind === 'gpt') {
    if (!data.vocab) throw new Error(`Model ${preset} needs a text dataset (vocabulary size)`);
    cfg.vocab = data.vocab;
  }
  return cfg;
}

export function buildModel(ctx: GpuContext, label: string, cfg: ModelConfig, B: number, batch: BatchBuffers, seed: number, data: ModelData): Model {
  switch (cfg.kind) {
    case 'gpt':
      return new Gpt(ctx, label, cfg, B, batch, seed);
    case 'mlp': {
      const image = data.image ?? { C: 1, H: 28, W: 28 };
      return new Mlp(ctx, label, cfg, B, image, batch, seed);
    }
    case 'cnn':
      return new Cnn(ctx, label, cfg, B, batch, seed);
    case 'toy':
      return new ToyModel(ctx, label, cfg);
  }
}
