// Model presets → models: the one name → implementation map shared by the UI, the URL, the
// CLI and the engine. Per family: its parameter layout, its buffer tables (what it allocates,
// for the memory plan) and its constructor.
import type { BufferDecl } from '../gpu/bufferTable';
import type { GpuContext } from '../gpu/context';
import { MNIST_SHAPE } from '../data/datasets';
import { Cnn, cnnActivations, cnnLayout, cnnTangents } from '../nn/cnn';
import { flatModelBuffers } from '../nn/flatModel';
import { Gpt, gptActivations, gptLayout, gptTangents } from '../nn/gpt';
import { checkMlpConfig, Mlp, mlpActivations, mlpLayout, mlpTangents } from '../nn/mlp';
import type { BatchBuffers, Model } from '../nn/model';
import type { ParamLayout } from '../nn/paramLayout';
import { ToyModel, toyActivations, toyLayout } from '../nn/toyModel';
import { MODEL_PRESETS, type ComparisonConfig, type ModelConfig, type ModelPreset } from './config';

export interface ModelData {
  /** Vocabulary size of the text dataset (text models). */
  vocab?: number;
  /** Image shape of the dataset (image models). */
  image?: { C: number; H: number; W: number };
}

/** The image shape of the data, MNIST's when the data do not say (an image model before its data load). */
export function imageOf(data: ModelData): { C: number; H: number; W: number } {
  if (data.image) return data.image;
  const [C, H, W] = MNIST_SHAPE;
  return { C, H, W };
}

/** Rows of the model's per-row loss and accuracy (Model.rows): one per token, per image, or one. */
export function modelRows(cfg: ModelConfig, B: number): number {
  return cfg.kind === 'gpt' ? B * cfg.context : cfg.kind === 'toy' ? 1 : B;
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

/**
 * The architecture a comparison config trains: its preset with the data filled in and, for an
 * MLP, `mlpHidden` (when set) in place of the preset's hidden widths. The one place the config's
 * model fields become a model, so the page, the CLI and the memory plan build the same one.
 */
export function comparisonModelConfig(config: Pick<ComparisonConfig, 'model' | 'mlpHidden'>, data: ModelData): ModelConfig {
  const cfg = modelConfigFor(config.model, data);
  if (cfg.kind === 'mlp' && config.mlpHidden.length > 0) cfg.hidden = [...config.mlpHidden];
  return cfg;
}

/** The parameter layout of an architecture (the same table the model builds), on the CPU. */
export function layoutOf(cfg: ModelConfig): ParamLayout {
  switch (cfg.kind) {
    case 'gpt':
      return gptLayout(cfg);
    case 'mlp':
      return mlpLayout(cfg);
    case 'cnn':
      return cnnLayout(cfg);
    case 'toy':
      return toyLayout(cfg);
  }
}

/**
 * Every buffer the model of `cfg` allocates at construction for batch size B, in allocation
 * order (names relative to the model's label): parameters, gradients, activations. Throws on a
 * shape the constructor would refuse.
 */
export function modelBuffers(cfg: ModelConfig, B: number, data: ModelData): BufferDecl[] {
  const flat = flatModelBuffers(layoutOf(cfg));
  switch (cfg.kind) {
    case 'gpt':
      return [...flat, ...gptActivations(cfg, B)];
    case 'mlp':
      checkMlpConfig(cfg, imageOf(data));
      return [...flat, ...mlpActivations(cfg, B)];
    case 'cnn':
      return [...flat, ...cnnActivations(cfg, B)];
    case 'toy':
      return [...flat, ...toyActivations()];
  }
}

/** What the model's Hessian-vector product allocates on its first call (sharpness measurements). */
export function modelTangentBuffers(cfg: ModelConfig, B: number): BufferDecl[] {
  switch (cfg.kind) {
    case 'gpt':
      return gptTangents(cfg, B);
    case 'mlp':
      return mlpTangents(cfg, B);
    case 'cnn':
      return cnnTangents(cfg, B);
    case 'toy':
      return [];
  }
}

export function buildModel(ctx: GpuContext, label: string, cfg: ModelConfig, B: number, batch: BatchBuffers, seed: number, data: ModelData): Model {
  switch (cfg.kind) {
    case 'gpt':
      return new Gpt(ctx, label, cfg, B, batch, seed);
    case 'mlp':
      return new Mlp(ctx, label, cfg, B, imageOf(data), batch, seed);
    case 'cnn':
      return new Cnn(ctx, label, cfg, B, batch, seed);
    case 'toy':
      return new ToyModel(ctx, label, cfg);
  }
}
