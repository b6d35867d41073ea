// Curated comparisons (docs/experiments.md, "Scenarios"): each a comparison config with the data
// and seeds it is measured on, and what to watch, what the IRE paper claims and what this
// project measured. `npm run train -- --scenario NAME --seeds S` runs one headless and writes
// its results table (src/train/results.ts).
import type { ComparisonConfig, RunConfig } from './config';
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

const adamw = (lr: number, warmupSteps: number): RunConfig => ({ id: 'A', name: 'AdamW', optimizer: { ...DEFAULT_ADAMW, lr, minLr: lr / 10, warmupSteps } });
const admire = (lr: number, warmupSteps: number, ire: Partial<RunConfig['optimizer']['ire']>): RunConfig => ({
  id: 'B',
  name: 'AdmIRE',
  optimizer: { ...DEFAULT_ADAMW, lr, minLr: lr / 10, warmupSteps, ire: { ...DEFAULT_IRE, ...ire, enabled: true } },
});

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
      runs: [adamw(1e-3, 20), admire(1e-3, 20, { kappa: 4, gamma: 0.8, refreshEvery: 10, startStep: 'warmup-end' })],
    },
    cli: { trainSubset: 512, hidden: [64], finalEvalBatches: 20 },
    seeds: 5,
  },
];

export const SCENARIO_NAMES = SCENARIOS.map((s) => s.name);

export function scenarioByName(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
