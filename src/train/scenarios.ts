// Curated comparisons (docs/experiments.md, "Scenarios"): each a comparison config with the data
// and seeds it is measured on, and what to watch, what the IRE paper claims and what this
// project measured. `npm run train -- --scenario NAME --seeds S` runs one headless and writes
// its results table (src/train/results.ts).
import type { ComparisonConfig, IreConfig, OptimizerConfig, RunConfig } from './config';
import { DEFAULT_ADAMW, DEFAULT_IRE } from './config';

export interface Scenario {
  name: string;
  title: string;
  /** What to watch on the charts and in the table. */
  watch: string;
  /** What the paper (Wang et al., NeurIPS 2024) claims for it. */
  claim: string;
  /** The comparison (merged over the defaults, as a --config file is). */
  config: Partial<Omit<ComparisonConfig, 'runs'>> & { runs: RunConfig[] };
  /** The data and model options of the CLI it is measured with. */
  cli: { trainSubset?: number; hidden?: number[]; finalEvalBatches?: number };
  /** Seeds the documented numbers use. */
  seeds: number;
}

/** Run A (AdamW) or B (AdmIRE, with `ire`) over the default AdamW settings. */
const run = (optimizer: Partial<OptimizerConfig>, ire?: Partial<IreConfig>): RunConfig => ({
  id: ire ? 'B' : 'A',
  name: ire ? 'AdmIRE' : 'AdamW',
  optimizer: { ...DEFAULT_ADAMW, ...optimizer, ire: ire ? { ...DEFAULT_IRE, ...ire, enabled: true } : DEFAULT_ADAMW.ire },
});

const LITTLE_DATA: Partial<OptimizerConfig> = { lr: 1e-3, minLr: 1e-4, warmupSteps: 20 };
/** The paper's 2-layer transformer (docs/algorithm.md, "The authors' settings"), warm-up scaled to 2,000 steps. */
const PAPER_TRANSFORMER: Partial<OptimizerConfig> = { lr: 6e-4, minLr: 3e-5, warmupSteps: 200, beta2: 0.95 };

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'little-data',
    title: 'Flatness and generalization with little data (MLP, 512 digits)',
    watch:
      'An MLP (784→64→10) trained full-batch on the first 512 MNIST training digits overfits them: the training loss goes to zero while the validation loss turns up. Watch the Hessian trace (flatness) and the validation loss and accuracy of A and B, and the results table’s paired differences over seeds.',
    claim: 'IRE drives the iterates towards flatter minima (smaller Hessian trace) at the same training loss, and flatter solutions are expected to generalise better.',
    config: {
      model: 'mlp-mnist',
      dataset: 'mnist',
      totalSteps: 300,
      evalEvery: 0,
      sharpnessEvery: 300,
      sharpnessProbes: 8,
      runs: [run(LITTLE_DATA), run(LITTLE_DATA, { kappa: 4, gamma: 0.8, refreshEvery: 10, startStep: 'warmup-end' })],
    },
    cli: { trainSubset: 512, hidden: [64], finalEvalBatches: 20 },
    seeds: 5,
  },
  {
    name: 'long-run',
    title: 'Convergence over a longer run (gpt-tiny, 2,000 steps, the paper’s transformer settings)',
    watch:
      'gpt-tiny on Moby Dick for 2,000 steps with the settings the paper used for its 2-layer transformer: AdamW β (0.9, 0.95), a peak learning rate of 6e-4 with a 200-step warm-up to a cosine floor of 3e-5, and AdmIRE with κ = 3 following the learning rate, γ = 0.8, a refresh every 10 steps. Watch the loss difference B − A and the results table’s steps (and gradient evaluations) to A’s final loss.',
    claim: 'On a 2-layer transformer on wikitext-2 the paper reports AdmIRE reaching AdamW’s final loss in 5.4× fewer steps over 100k steps.',
    config: {
      model: 'gpt-tiny',
      dataset: 'moby-dick',
      totalSteps: 2000,
      evalEvery: 200,
      sharpnessEvery: 0,
      runs: [run(PAPER_TRANSFORMER), run(PAPER_TRANSFORMER, { kappa: 3, gamma: 0.8, refreshEvery: 10, startStep: 'warmup-end', kappaFollowsLr: true })],
    },
    cli: { finalEvalBatches: 20 },
    seeds: 3,
  },
];

export const SCENARIO_NAMES = SCENARIOS.map((s) => s.name);

export function scenarioByName(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
