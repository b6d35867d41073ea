// The one serialisable object a user sets: model, data, optimizer per run, schedule, IRE and
// measurement settings. It round-trips through the URL, exported bundles and CLI config files,
// and is validated by one schema (configSchema.ts) before the engine sees it.
// Defaults carry a one-line comment each; presets override only what they change.

import type { DatasetName } from '../data/datasets';
import type { ModelConfig } from '../nn/modelConfig';
import type { IreConfig, OptimizerConfig } from '../optim/optimizerConfig';

// The parts each layer of the engine owns (model shapes in src/nn, optimizer settings in
// src/optim, dataset names in src/data), re-exported as the one configuration a user sets.
export type { ClassifierLossName, CnnConfig, GptConfig, MlpActivationName, MlpConfig, ModelConfig, ToyConfig } from '../nn/modelConfig';
export { BASE_OPTIMIZER_INFO, BASE_OPTIMIZERS, ireStartStep, type BaseOptimizer, type IreConfig, type OptimizerConfig } from '../optim/optimizerConfig';
export type { DatasetName } from '../data/datasets';

export type ModelPreset = 'gpt-tiny' | 'gpt-small' | 'mlp-mnist' | 'cnn-mnist' | 'cnn-cifar10' | 'toy-2d';

export interface RunConfig {
  id: string; // stable id within a comparison ("A", "B", …)
  name: string; // user-visible name (plain text, never HTML)
  optimizer: OptimizerConfig;
}

export interface ComparisonConfig {
  version: 1;
  model: ModelPreset;
  dataset: DatasetName;
  seed: number; // u32: initial parameters and data order (of the first seed; seed s trains with seed + s)
  seeds: number; // 1..LIMITS.maxSeeds: independent repetitions of every run (docs/experiments.md, "Seeds and intervals")
  batchSize: number; // examples (sequences or images) per step
  totalSteps: number; // schedule length (cosine reaches minLr here)
  evalEvery: number; // steps between validation evaluations, 0 = never
  sharpnessEvery: number | 'auto'; // steps between sharpness measurements, 0 = never; 'auto': within a time budget (sharpnessSchedule.ts)
  sharpnessProbes: number; // Rademacher probes per trace estimate
  checkpointEvery: number; // steps between in-memory checkpoints (device-loss recovery)
  trainSubset: number; // image datasets: train on the first N training images only; 0 = the whole training split
  mlpHidden: number[]; // MLP models: hidden widths replacing the preset's; [] = the preset's
  runs: RunConfig[];
}

/** The seed that seed index s of a comparison trains with: `seed + s` (u32; docs/experiments.md, "Seeds in the page"). */
export function seedOf(config: Pick<ComparisonConfig, 'seed'>, s: number): number {
  return (config.seed + s) >>> 0;
}

export const DEFAULT_IRE: IreConfig = {
  enabled: false,
  kappa: 4,
  gamma: 0.6,
  refreshEvery: 10,
  startStep: 'warmup-end',
  kappaFollowsLr: true,
  hessianForm: 'square',
  ema: 0,
};

export const DEFAULT_ADAMW: OptimizerConfig = {
  base: 'adamw',
  lr: 3e-3,
  minLr: 3e-4,
  warmupSteps: 50,
  beta1: 0.9,
  beta2: 0.95,
  eps: 1e-8,
  weightDecay: 0.1,
  decayNormsBiasesEmbeddings: false,
  nesterov: false,
  rho: 0.05,
  gradClip: 1.0,
  ire: DEFAULT_IRE,
};

export const DEFAULT_COMPARISON: ComparisonConfig = {
  version: 1,
  model: 'gpt-tiny',
  dataset: 'moby-dick',
  seed: 1337,
  seeds: 1,
  batchSize: 16,
  totalSteps: 2000,
  evalEvery: 100,
  sharpnessEvery: 0,
  sharpnessProbes: 8,
  checkpointEvery: 50,
  trainSubset: 0, // the whole training split
  mlpHidden: [], // the preset's widths
  runs: [
    { id: 'A', name: 'AdamW', optimizer: DEFAULT_ADAMW },
    // κ = 2, γ = 0.8: of the pairs tried on gpt-tiny (docs/experiments.md), the one closest to
    // AdamW's loss while flattening the Hessian: 2.2× lower trace over 3 seeds (the flatness scenario).
    { id: 'B', name: 'AdmIRE', optimizer: { ...DEFAULT_ADAMW, ire: { ...DEFAULT_IRE, enabled: true, kappa: 2, gamma: 0.8 } } },
  ],
};

/** Model presets: name → architecture (vocab of text models is set from the tokenizer). */
export const MODEL_PRESETS: Record<ModelPreset, ModelConfig> = {
  'gpt-tiny': { kind: 'gpt', layers: 2, heads: 4, width: 128, context: 64, vocab: 0, tiedHead: true },
  'gpt-small': { kind: 'gpt', layers: 4, heads: 4, width: 256, context: 128, vocab: 0, tiedHead: true },
  'mlp-mnist': { kind: 'mlp', inputs: 784, hidden: [256, 256], classes: 10 },
  'cnn-mnist': { kind: 'cnn', channels: 1, height: 28, width: 28, filters: [8, 16], pool: 'max', classes: 10 },
  'cnn-cifar10': { kind: 'cnn', channels: 3, height: 32, width: 32, filters: [16, 32], pool: 'max', classes: 10 },
  'toy-2d': { kind: 'toy', start: [1, 0.01] },
};

/** The dataset each model preset trains on by default. */
export const DEFAULT_DATASET: Record<ModelPreset, DatasetName> = {
  'gpt-tiny': 'moby-dick',
  'gpt-small': 'moby-dick',
  'mlp-mnist': 'mnist',
  'cnn-mnist': 'mnist',
  'cnn-cifar10': 'cifar10',
  'toy-2d': 'toy',
};

