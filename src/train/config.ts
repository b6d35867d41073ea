// The one serialisable object a user sets: model, data, optimizer per run, schedule, IRE and
// measurement settings. It round-trips through the URL, exported bundles and CLI config files,
// and is validated by one schema (configSchema.ts) before the engine sees it.
// Defaults carry a one-line comment each; presets override only what they change.

export type ModelPreset = 'gpt-tiny' | 'gpt-small' | 'mlp-mnist' | 'cnn-mnist' | 'cnn-cifar10' | 'toy-2d';
export type DatasetName = 'moby-dick' | 'user-text' | 'mnist' | 'cifar10' | 'toy';
export type BaseOptimizer = 'adamw' | 'sgd' | 'sam';

/**
 * Every base optimizer, in the order the page offers them: its display name and its gradient
 * evaluations per step (SAM's ascent step takes a second one; IRE adds one per mask refresh).
 */
export const BASE_OPTIMIZER_INFO: Record<BaseOptimizer, { name: string; gradientsPerStep: number }> = {
  adamw: { name: 'AdamW', gradientsPerStep: 1 },
  sgd: { name: 'SGD', gradientsPerStep: 1 },
  sam: { name: 'SAM', gradientsPerStep: 2 },
};
export const BASE_OPTIMIZERS = Object.keys(BASE_OPTIMIZER_INFO) as BaseOptimizer[];

export interface GptConfig {
  kind: 'gpt';
  layers: number; // transformer blocks
  heads: number; // attention heads per block
  width: number; // channels C (head size = C / heads)
  context: number; // maximum sequence length T
  vocab: number; // set from the tokenizer of the dataset
  tiedHead: boolean; // the output head reuses the token embedding
}

/** Loss of an image classifier: softmax cross-entropy, or the square loss against one-hot targets. */
export type ClassifierLossName = 'cross-entropy' | 'mse';

export interface MlpConfig {
  kind: 'mlp';
  inputs: number; // features per example (784 for MNIST)
  hidden: number[]; // widths of the hidden layers (ReLU)
  classes: number; // output classes
  loss?: ClassifierLossName; // default 'cross-entropy'
}

export interface CnnConfig {
  kind: 'cnn';
  channels: number; // input channels (1 MNIST, 3 CIFAR-10)
  height: number; // input height
  width: number; // input width
  filters: [number, number]; // output channels of the two conv(3×3) → ReLU → pool stages
  pool: 'max' | 'avg'; // 2×2 pooling after each conv
  classes: number; // output classes
}

export interface ToyConfig {
  kind: 'toy'; // L(u, v) = (1 + u²) v² / 2, two parameters (docs/algorithm.md "The toy problem")
  start: [number, number]; // (u, v) at step 0
}

export type ModelConfig = GptConfig | MlpConfig | CnnConfig | ToyConfig;

export interface IreConfig {
  enabled: boolean; // wrap the base optimizer with IRE
  kappa: number; // κ ≥ 0: the flat coordinates' step is multiplied by (1 + κ)
  gamma: number; // γ in [0, 1]: fraction of coordinates boosted (flattest first)
  refreshEvery: number; // K ≥ 1: steps between Hessian-diagonal estimates
  startStep: number | 'warmup-end'; // step at which IRE becomes active
  kappaFollowsLr: boolean; // κ_t = κ · lr_t / lr_max
  hessianForm: 'square' | 'abs'; // h = g⊙g or |g|
  ema: number; // β in [0, 1): h ← β h + (1 − β) h_new
}

export interface OptimizerConfig {
  base: BaseOptimizer;
  lr: number; // peak learning rate, > 0
  minLr: number; // floor of the cosine schedule, ≥ 0
  warmupSteps: number; // linear warm-up length
  beta1: number; // AdamW β1 / SGD momentum
  beta2: number; // AdamW β2
  eps: number; // AdamW ε (inside the square root's denominator, as PyTorch)
  weightDecay: number; // decoupled weight decay
  decayNormsBiasesEmbeddings: boolean; // false: nanoGPT grouping (no decay on biases, norms, embeddings)
  nesterov: boolean; // SGD only
  rho: number; // SAM radius ρ
  gradClip: number; // global gradient-norm clip, 0 = off
  ire: IreConfig;
}

export interface RunConfig {
  id: string; // stable id within a comparison ("A", "B", …)
  name: string; // user-visible name (plain text, never HTML)
  optimizer: OptimizerConfig;
}

export interface ComparisonConfig {
  version: 1;
  model: ModelPreset;
  dataset: DatasetName;
  seed: number; // u32: initial parameters and data order
  batchSize: number; // examples (sequences or images) per step
  totalSteps: number; // schedule length (cosine reaches minLr here)
  evalEvery: number; // steps between validation evaluations, 0 = never
  sharpnessEvery: number | 'auto'; // steps between sharpness measurements, 0 = never; 'auto': within a time budget (sharpnessSchedule.ts)
  sharpnessProbes: number; // Rademacher probes per trace estimate
  checkpointEvery: number; // steps between in-memory checkpoints (device-loss recovery)
  runs: RunConfig[];
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
  batchSize: 16,
  totalSteps: 2000,
  evalEvery: 100,
  sharpnessEvery: 0,
  sharpnessProbes: 8,
  checkpointEvery: 50,
  runs: [
    { id: 'A', name: 'AdamW', optimizer: DEFAULT_ADAMW },
    // κ = 2, γ = 0.8: of the pairs tried on gpt-tiny (docs/experiments.md), the one closest to
    // AdamW's loss while flattening the Hessian 2.6× (trace) and 5× (top eigenvalue).
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

/** The first 0-based step at which IRE acts for a run ('warmup-end': the first step after warm-up). */
export function ireStartStep(o: Pick<OptimizerConfig, 'warmupSteps' | 'ire'>): number {
  return o.ire.startStep === 'warmup-end' ? o.warmupSteps : o.ire.startStep;
}
