// Curated comparisons (docs/experiments.md, "Scenarios"): each a comparison config with the data
// subset, model widths and seeds it is measured on, and what to watch, what the IRE paper claims
// and what this project measured. The page opens one from its Scenarios menu (the store's
// `openScenario`); `npm run train -- --scenario NAME --seeds S` runs one headless and writes its
// results table (src/train/results.ts). Both train the same comparison: everything but the
// CLI's final evaluation is in the config.
import type { ComparisonConfig, IreConfig, OptimizerConfig, RunConfig } from './config';
import { DEFAULT_ADAMW, DEFAULT_IRE } from './config';
import { validatePartialConfig } from './configSchema';

export interface Scenario {
  name: string;
  title: string;
  /** What to watch on the charts and in the table. */
  watch: string;
  /** What the paper (Wang et al., NeurIPS 2024) claims for it. */
  claim: string;
  /** What this project measured with it (docs/experiments.md), or why it has not yet. */
  measured: string;
  /**
   * The comparison, merged over the defaults as a --config file is (scenarioConfig). Every field
   * the CLI would otherwise fill from its preset budget (batch, steps, evaluation) is set here,
   * so the page and the CLI build the same config.
   */
  config: Partial<Omit<ComparisonConfig, 'runs'>> & { runs: RunConfig[] };
  /** Options of the CLI that the page has no use for. */
  cli: { finalEvalBatches?: number };
}

/** Run A (AdamW) or B (AdmIRE, with `ire`) over the default AdamW settings. */
const run = (optimizer: Partial<OptimizerConfig>, ire?: Partial<IreConfig>): RunConfig => ({
  id: ire ? 'B' : 'A',
  name: ire ? 'AdmIRE' : 'AdamW',
  optimizer: { ...DEFAULT_ADAMW, ...optimizer, ire: ire ? { ...DEFAULT_IRE, ...ire, enabled: true } : DEFAULT_ADAMW.ire },
});

const LITTLE_DATA: Partial<OptimizerConfig> = { lr: 1e-3, minLr: 1e-4, warmupSteps: 20 };
/** docs/experiments.md, "Does AdmIRE beat AdamW on gpt-tiny here?": peak 3e-3, cosine to a twentieth, 3 % warm-up, weight decay 5e-4. */
const SHORT_GPT: Partial<OptimizerConfig> = { lr: 3e-3, minLr: 1.5e-4, warmupSteps: 6, weightDecay: 5e-4 };
/** The paper's 2-layer transformer (docs/algorithm.md, "The authors' settings"), warm-up scaled to 2,000 steps. */
const PAPER_TRANSFORMER: Partial<OptimizerConfig> = { lr: 6e-4, minLr: 3e-5, warmupSteps: 200, beta2: 0.95 };

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'little-data',
    title: 'Flatness and generalization with little data (MLP, 512 digits)',
    watch:
      'An MLP (784→64→10) trained full-batch on the first 512 MNIST training digits overfits them: the training loss goes to zero while the validation loss turns up. Watch the Hessian trace (flatness) and the validation loss and accuracy of A and B, and the results table’s paired differences over seeds.',
    claim: 'IRE drives the iterates towards flatter minima (smaller Hessian trace) at the same training loss, and flatter solutions are expected to generalise better.',
    measured:
      '5 seeds (1337–1341), 300 steps, 416 s on SwiftShader in Node: AdmIRE reached AdamW’s final training loss in 0.78× the steps [0.74, 0.83] (0.85× the gradient evaluations [0.80, 0.91]); validation loss +0.117 [+0.076, +0.158] (worse), accuracy −0.15 points [−0.43, +0.13], Hessian trace −0.04 [−0.21, +0.14] (no flatter), top eigenvalue +0.037 [+0.005, +0.068]. The paper’s flatness-generalization link did not appear here.',
    config: {
      model: 'mlp-mnist',
      dataset: 'mnist',
      seed: 1337,
      seeds: 5,
      trainSubset: 512,
      batchSize: 512, // full batch: every step sees the whole subset
      mlpHidden: [64],
      totalSteps: 300,
      evalEvery: 50, // the validation curve on the page's chart; training is the same without it
      sharpnessEvery: 300,
      sharpnessProbes: 8,
      runs: [run(LITTLE_DATA), run(LITTLE_DATA, { kappa: 4, gamma: 0.8, refreshEvery: 10, startStep: 'warmup-end' })],
    },
    cli: { finalEvalBatches: 20 },
  },
  {
    name: 'flatness',
    title: 'Flatness: a 2.2× lower Hessian trace at a slightly higher loss (gpt-tiny, 200 steps)',
    watch:
      'gpt-tiny on Moby Dick for 200 steps at a peak learning rate of 3e-3 (a 6-step warm-up, cosine to 1.5e-4), AdamW against AdmIRE with κ = 2 following the learning rate, γ = 0.8, a refresh every 10 steps (the page’s run B). Watch the sharpness chart (Hessian trace and top eigenvalue, at steps 100 and 200) and, in the results table, the trace and λ_max beside the training and validation loss: flatness is what IRE does most clearly here, and it costs a little loss this early in training.',
    claim: 'IRE speeds up the drift along the valley of minima towards flatter regions (a smaller Hessian trace) while the loss stays comparable.',
    measured:
      '3 seeds (1337–1339; npm run train -- --scenario flatness, 35–70 min a seed on SwiftShader, half of it the three sharpness measurements): at step 200 AdmIRE’s Hessian trace is 170 ± 5 against AdamW’s 379 ± 33, 2.2× lower (B − A −209 [−332, −86], lower in every seed; 171 against 246 at step 100), and its top eigenvalue 13.8 against 42.4, 3.1× lower on average (lower in every seed, but the interval [−71, +14] includes zero with AdamW’s spread). AdamW’s curvature grows from step 100 to 200 while AdmIRE’s stays put. The loss is not comparable: training loss +0.095 [+0.055, +0.136] (2.486 against 2.390), validation +0.098 [+0.072, +0.124], and AdmIRE does not reach AdamW’s final loss in 200 steps.',
    config: {
      model: 'gpt-tiny',
      dataset: 'moby-dick',
      seed: 1337,
      seeds: 3,
      batchSize: 16,
      totalSteps: 200,
      evalEvery: 50,
      sharpnessEvery: 100,
      sharpnessProbes: 8,
      runs: [run(SHORT_GPT), run(SHORT_GPT, { kappa: 2, gamma: 0.8, refreshEvery: 10, startStep: 'warmup-end', kappaFollowsLr: true })],
    },
    cli: { finalEvalBatches: 16 },
  },
  {
    name: 'long-run',
    title: 'Convergence over a longer run (gpt-tiny, 2,000 steps, the paper’s transformer settings)',
    watch:
      'gpt-tiny on Moby Dick for 2,000 steps with the settings the paper used for its 2-layer transformer: AdamW β (0.9, 0.95), a peak learning rate of 6e-4 with a 200-step warm-up to a cosine floor of 3e-5, and AdmIRE with κ = 3 following the learning rate, γ = 0.8, a refresh every 10 steps. Watch the loss difference B − A and the results table’s steps (and gradient evaluations) to A’s final loss.',
    claim: 'On a 2-layer transformer on wikitext-2 the paper reports AdmIRE reaching AdamW’s final loss in 5.4× fewer steps over 100k steps.',
    measured:
      '3 seeds (1337–1339) trained by the PyTorch port of the engine (scripts/scenario-pytorch.sh, 49 min on 2 CPU cores; the engine takes 2–3.3 h a seed on SwiftShader): AdmIRE reached AdamW’s final training loss in 0.63× the steps [0.57, 0.69] (0.68× the gradient evaluations [0.62, 0.74]) and ended lower, training loss −0.132 [−0.149, −0.115], validation loss −0.115 [−0.131, −0.099]. B leaves A between steps 300 and 400, after IRE starts at 200. The paper’s 5.4× (over 100k steps) did not reproduce at this budget: 1.6× here. The gain is at equal learning rate: AdamW at the page’s 3e-3 reaches 1.635 in the same steps, lower than both runs here (1.862, 1.730), and at 3e-3 AdmIRE is not faster (3 seeds). The engine’s own first 400 steps of seed 1337 match the port’s (AdamW within 2e-7 a step; B − A −0.046 in both at step 400).',
    config: {
      model: 'gpt-tiny',
      dataset: 'moby-dick',
      seed: 1337,
      seeds: 3,
      batchSize: 16,
      totalSteps: 2000,
      evalEvery: 200,
      sharpnessEvery: 0,
      runs: [run(PAPER_TRANSFORMER), run(PAPER_TRANSFORMER, { kappa: 3, gamma: 0.8, refreshEvery: 10, startStep: 'warmup-end', kappaFollowsLr: true })],
    },
    cli: { finalEvalBatches: 20 },
  },
];

export const SCENARIO_NAMES = SCENARIOS.map((s) => s.name);

export function scenarioByName(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}

/** The complete comparison config of a scenario (its config merged over the defaults and validated). */
export function scenarioConfig(s: Scenario): ComparisonConfig {
  const checked = validatePartialConfig(s.config);
  // Every scenario is checked by the unit tests (tests/unit/scenarios.test.ts): this is a defect here, not bad input.
  if (!checked.ok) throw new Error(`Scenario ${s.name} is not a valid configuration: ${checked.errors.join('; ')}`);
  return checked.config;
}
