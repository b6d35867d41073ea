// The comparison the page opens with when no link names one, chosen per adapter so that the
// first answer (run B, AdmIRE, leaving run A, AdamW, once IRE starts at the end of warm-up)
// comes within about 30 s of pressing Start: gpt-tiny where a gpt-tiny training step is
// predicted to take at most GPT_TINY_STEP_LIMIT_MS, the MLP on MNIST elsewhere (SwiftShader).
//
// The prediction costs no GPU work of its own: it reads the matmul throughput that the start-up
// tuning measured on GPT-shaped products (src/nn/matmulTuning.ts) and scales it by the matmul
// FLOPs of one gpt-tiny step and by the measured share of the matmuls in a step
// (docs/performance.md, "Where the time goes"). DEFAULT_COMPARISON (config.ts) stays the default
// of the CLI and of links; the page's default is what recommendedComparison returns.
import type { MatmulTuning } from '../nn/matmulTuning';
import { DEFAULT_COMPARISON, MODEL_PRESETS, type ComparisonConfig, type GptConfig, type ModelPreset } from './config';
import { LIMITS } from './configSchema';

/** The presets the page may open with. */
export type DefaultPreset = Extract<ModelPreset, 'gpt-tiny' | 'mlp-mnist'>;

/** Above this predicted gpt-tiny AdamW step (ms, one run) the page opens with the MLP. */
export const GPT_TINY_STEP_LIMIT_MS = 200;

/** Share of a gpt-tiny AdamW step spent in matmul dispatches (74 %, docs/performance.md profile). */
export const GPT_TINY_MATMUL_SHARE = 0.74;

/** The Moby Dick character vocabulary (CharTokenizer), the V of gpt-tiny in docs/performance.md. */
export const GPT_TINY_VOCAB = 89;

/** What the worker reports with the adapter: the preset to open with and the prediction behind it. */
export interface DefaultRecommendation {
  preset: DefaultPreset;
  /** Predicted ms of one gpt-tiny AdamW step (one run) on this adapter; null: not measured. */
  gptTinyStepMs: number | null;
  /** Seeds of the comparison to open with (defaultSeeds). */
  seeds: number;
}

/**
 * Seeds the page opens gpt-tiny with: as many (up to LIMITS.maxSeeds) as fit the step time that
 * qualifies an adapter for gpt-tiny at all, floor(GPT_TINY_STEP_LIMIT_MS / predicted step). A
 * lockstep step of S seeds then takes no longer than one seed's on the slowest adapter that gets
 * gpt-tiny, so B still leaves A within the first half-minute. The MLP default, opened where a
 * gpt-tiny step is predicted over the limit or unknown (SwiftShader), trains one seed.
 */
export function defaultSeeds(gptTinyStepMs: number | null): number {
  if (gptTinyStepMs === null || !Number.isFinite(gptTinyStepMs) || gptTinyStepMs < 0 || gptTinyStepMs > GPT_TINY_STEP_LIMIT_MS) return 1;
  return Math.max(1, Math.min(LIMITS.maxSeeds, Math.floor(GPT_TINY_STEP_LIMIT_MS / Math.max(gptTinyStepMs, 1e-3))));
}

/**
 * Matmul FLOPs of one gpt-tiny training step at batch B: per block the qkv (C→3C), attention
 * projection (C→C), fc (C→4C) and fcproj (4C→C) products, then the head (C→V); each is run
 * forward and twice backward (input and weight gradient), 2·rows·in·out FLOPs each. Attention's
 * own products run in the attention kernels and are not counted (nor in GPT_TINY_MATMUL_SHARE).
 */
export function gptTinyMatmulFlops(batch = DEFAULT_COMPARISON.batchSize, vocab = GPT_TINY_VOCAB): number {
  const { layers: L, width: C, context: T } = MODEL_PRESETS['gpt-tiny'] as GptConfig;
  const rows = batch * T; // B·T
  const perBlock = 2 * rows * C * (3 * C + C + 4 * C + 4 * C);
  const head = 2 * rows * C * vocab;
  return 3 * (L * perBlock + head);
}

/** "1024x256x64 transB" (MatmulTuning.perShape) → its FLOPs, 2·M·N·K; null if it does not parse. */
function flopsOfShapeName(name: string): number | null {
  const m = /^(\d+)x(\d+)x(\d+)\b/.exec(name);
  return m ? 2 * Number(m[1]) * Number(m[2]) * Number(m[3]) : null;
}

/**
 * Predicted ms of one gpt-tiny AdamW step from a matmul tuning: the step's matmul FLOPs at the
 * chosen variant's measured throughput (FLOPs over ms, summed over the tuning shapes), divided by
 * the matmul share of a step. Null when the tuning has no usable timing of its choice.
 * On SwiftShader here it predicts ≈ 540 ms against 482 ms measured (docs/performance.md); on a
 * GPU, where dispatch overhead dominates, it is a lower bound, far below the limit either way.
 */
export function estimateGptTinyStepMs(tuning: Pick<MatmulTuning, 'choice' | 'perShape'>): number | null {
  let flops = 0;
  let ms = 0;
  for (const row of tuning.perShape) {
    const f = flopsOfShapeName(row.shape);
    if (row.variant !== tuning.choice || f === null || !(row.ms > 0) || !Number.isFinite(row.ms)) continue;
    flops += f;
    ms += row.ms;
  }
  if (!(flops > 0 && ms > 0)) return null;
  return gptTinyMatmulFlops() / (flops / ms) / GPT_TINY_MATMUL_SHARE;
}

/** The preset for a predicted gpt-tiny step: the MLP when it is over the limit or unknown. */
export function recommendDefault(gptTinyStepMs: number | null): DefaultRecommendation {
  const known = gptTinyStepMs !== null && Number.isFinite(gptTinyStepMs) && gptTinyStepMs >= 0;
  return {
    preset: known && gptTinyStepMs <= GPT_TINY_STEP_LIMIT_MS ? 'gpt-tiny' : 'mlp-mnist',
    gptTinyStepMs: known ? gptTinyStepMs : null,
    seeds: defaultSeeds(gptTinyStepMs),
  };
}

/** The recommendation from the start-up tuning the worker already ran (no GPU work); MLP without one. */
export function recommendFromTuning(tuning: Pick<MatmulTuning, 'choice' | 'perShape'> | undefined): DefaultRecommendation {
  return recommendDefault(tuning ? estimateGptTinyStepMs(tuning) : null);
}

/** Warm-up of both runs of the MLP default; IRE (run B) starts when it ends. */
export const MLP_DEFAULT_WARMUP = 20;

/**
 * The page's MLP default: DEFAULT_COMPARISON's two runs (AdamW; AdmIRE κ = 2, γ = 0.8, K = 10)
 * on mlp-mnist, batch 64, 1000 steps (8 epochs of the 8,000 training digits), a 20-step warm-up,
 * sharpness measured within its time budget ('auto', src/train/sharpnessSchedule.ts).
 * B leaves A (departureStep, src/store/departure.ts) a few steps after warm-up: at step 22–23 of
 * 1000, about 5 s after Start on SwiftShader (docs/performance.md, "The page's default comparison").
 */
export const MLP_DEFAULT_COMPARISON: ComparisonConfig = {
  ...DEFAULT_COMPARISON,
  sharpnessEvery: 'auto',
  model: 'mlp-mnist',
  dataset: 'mnist',
  batchSize: 64,
  totalSteps: 1000,
  evalEvery: 50,
  runs: DEFAULT_COMPARISON.runs.map((r) => ({ ...r, optimizer: { ...r.optimizer, warmupSteps: MLP_DEFAULT_WARMUP } })),
};

/** Warm-up of both runs of the gpt-tiny default; IRE (run B) starts when it ends. */
export const GPT_TINY_DEFAULT_WARMUP = 10;

/**
 * The page's gpt-tiny default: DEFAULT_COMPARISON (2000 steps; AdamW against AdmIRE κ = 2,
 * γ = 0.8, K = 10) with a 10-step warm-up instead of 50, and sharpness 'auto' like the MLP's. IRE then starts while the loss still
 * falls steeply, and B leaves A at step 16 (departureStep); with the 50-step warm-up, or 20, the
 * smoothed gap stays near 1 % through the first tenth (docs/performance.md, "The page's default
 * comparison"; tests/gpu/defaultComparison.test.ts checks it).
 */
export const GPT_TINY_DEFAULT_COMPARISON: ComparisonConfig = {
  ...DEFAULT_COMPARISON,
  sharpnessEvery: 'auto',
  runs: DEFAULT_COMPARISON.runs.map((r) => ({ ...r, optimizer: { ...r.optimizer, warmupSteps: GPT_TINY_DEFAULT_WARMUP } })),
};

/** The comparison the page opens with (a fresh copy) for a predicted gpt-tiny step (null: unknown). */
export function recommendedComparison(gptTinyStepMs: number | null): ComparisonConfig {
  const { preset, seeds } = recommendDefault(gptTinyStepMs);
  return { ...structuredClone(preset === 'gpt-tiny' ? GPT_TINY_DEFAULT_COMPARISON : MLP_DEFAULT_COMPARISON), seeds };
}
