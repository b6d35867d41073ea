// What an optimizer run is told: the base optimizer with its hyper-parameters and schedule, and
// IRE around it (docs/algorithm.md "IRE"). Defaults and presets live in src/train/config.ts.

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

/** The first 0-based step at which IRE acts for a run ('warmup-end': the first step after warm-up). */
export function ireStartStep(o: Pick<OptimizerConfig, 'warmupSteps' | 'ire'>): number {
  return o.ire.startStep === 'warmup-end' ? o.warmupSteps : o.ire.startStep;
}
