// What the "Advanced settings" panel shows: every field of a ComparisonConfig that the model
// select and the run cards (the live settings, liveSettings.ts) do not, each with a label and a
// one-line help. Kinds, ranges and
// choices are the schema's (configSchema.ts `fieldSpec`); nothing here restates them. Pure
// functions, unit-tested without React.
import { DATASET_KIND } from '../data/datasets';
import { MODEL_PRESETS } from '../train/config';
import { datasetsForModel } from '../train/datasetFit';
import { parseNumberInput } from '../util/parseNumber';
import { describeSpec, parseFieldPath, type FieldSpec, type NumberSpec } from '../train/configSchema';
import type { ComparisonConfig, DatasetName, ModelPreset, OptimizerConfig } from '../train/config';

export interface FieldText {
  label: string; // next to the control
  help: string; // one line under it; the allowed range is appended from the schema
  choices?: Readonly<Record<string, string>>; // enum value → the text of its option
}

export const DATASET_LABELS: Record<DatasetName, string> = {
  'moby-dick': 'Moby Dick (text)',
  'user-text': 'your text file',
  mnist: 'MNIST (28×28 digits)',
  cifar10: 'CIFAR-10 (your binary batches)',
  toy: 'toy landscape',
};

/** Fields of the comparison as a whole, in the panel's order (keys are schema paths). */
export const COMPARISON_FIELDS = {
  dataset: { label: 'dataset', help: 'What every run trains on; only datasets that fit the model are offered.', choices: DATASET_LABELS },
  totalSteps: { label: 'total steps', help: 'Length of the schedule: the cosine decay reaches the minimum lr here.' },
  batchSize: { label: 'batch size', help: 'Examples (sequences or images) per step, the same batches for every run.' },
  seed: { label: 'seed', help: 'Initial parameters and data order, shared by every run (of the first seed: seed s trains with seed + s).' },
  seeds: { label: 'seeds', help: 'Repetitions of every run, each with its own seed: the charts show the mean with a band, the results table intervals. Each seed costs the time and memory of the whole comparison again.' },
  evalEvery: { label: 'evaluate every', help: 'Steps between validation-loss evaluations; 0 = never.' },
  sharpnessEvery: { label: 'sharpness every', help: 'Steps between sharpness measurements (Hessian trace and top eigenvalues); 0 = never; auto: at most 15 % of training time.', choices: { auto: 'auto (within a time budget)' } },
  sharpnessProbes: { label: 'sharpness probes', help: 'Random ±1 probes averaged per trace estimate: more is less noisy and slower.' },
  checkpointEvery: { label: 'checkpoint every', help: 'Steps between in-memory checkpoints, from which a lost GPU device resumes.' },
  trainSubset: { label: 'training subset', help: 'Train on the first N training images only (every step sees all of them when the batch size is N); 0 = the whole training split.' },
  mlpHidden: { label: 'MLP hidden widths', help: 'Widths of the hidden layers, replacing the preset’s: a list such as 64 or 128, 64; empty = the preset’s.' },
} as const satisfies Record<string, FieldText>;

export type ComparisonFieldKey = keyof typeof COMPARISON_FIELDS;

/** Whether a comparison field means anything for this model and dataset (the schema's cross-field rules refuse the others). */
export function comparisonFieldApplies(config: Pick<ComparisonConfig, 'model' | 'dataset'>, key: ComparisonFieldKey): boolean {
  if (key === 'trainSubset') return DATASET_KIND[config.dataset] === 'image';
  if (key === 'mlpHidden') return MODEL_PRESETS[config.model].kind === 'mlp';
  return true;
}

/** Fields of one run that its card does not show (keys are paths below `runs[i].`). */
export const RUN_FIELDS = {
  'optimizer.warmupSteps': { label: 'warm-up steps', help: 'Linear warm-up of the learning rate; at most the total steps.' },
  'optimizer.minLr': { label: 'minimum lr', help: 'Floor of the cosine schedule (the learning rate, when that is lower).' },
  'optimizer.decayNormsBiasesEmbeddings': { label: 'decay norms, biases, embeddings', help: 'Off: decay only the weight matrices (nanoGPT grouping).' },
  'optimizer.beta1': { label: 'β1 (momentum)', help: "AdamW's first-moment decay; the momentum of SGD and SAM." },
  'optimizer.beta2': { label: 'β2', help: "AdamW's second-moment decay." },
  'optimizer.eps': { label: 'ε', help: "AdamW's ε, which keeps the update's denominator away from 0." },
  'optimizer.nesterov': { label: 'Nesterov momentum', help: 'Nesterov form of the momentum (SGD, and the SGD step of SAM).' },
  'optimizer.gradClip': { label: 'gradient clip', help: 'The global gradient norm is clipped to this; 0 = off.' },
  'optimizer.ire.startStep': { label: 'IRE starts', help: 'At the end of the warm-up, or at a given step.', choices: { 'warmup-end': 'at the end of warm-up' } },
  'optimizer.ire.hessianForm': { label: 'Hessian estimate', help: 'The diagonal estimate h from the gradient g.', choices: { square: 'g⊙g (square)', abs: '|g| (abs)' } },
  'optimizer.ire.ema': { label: 'h average β', help: 'h ← β h + (1 − β) h_new at each refresh; 0 = the latest estimate only.' },
} as const satisfies Record<string, FieldText>;

export type RunFieldKey = keyof typeof RUN_FIELDS;

export const runFieldPath = (runIndex: number, key: string) => `runs[${runIndex}].${key}`;

/** Whether a run field means anything for this optimizer (as the run card hides ρ outside SAM). */
export function runFieldApplies(o: OptimizerConfig, key: RunFieldKey): boolean {
  if (key === 'optimizer.beta2' || key === 'optimizer.eps') return o.base === 'adamw';
  if (key === 'optimizer.nesterov') return o.base === 'sgd' || o.base === 'sam';
  if (key.startsWith('optimizer.ire.')) return o.ire.enabled;
  return true;
}

/** The value at a schema path ("runs[1].optimizer.ire.ema"), or undefined. */
export function readConfigPath(config: ComparisonConfig, path: string): unknown {
  const parts = parseFieldPath(path);
  if (!parts) return undefined;
  let at: unknown = config;
  for (const part of parts) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<string | number, unknown>)[part];
  }
  return at;
}

/** The datasets offered for a model: those that fit it; 'user-text' once the user loaded text. The current one stays listed. */
export function datasetChoices(model: ModelPreset, current: DatasetName, hasUserText: boolean): DatasetName[] {
  const fits = datasetsForModel(model).filter((d) => d !== 'user-text' || hasUserText);
  return (Object.keys(DATASET_KIND) as DatasetName[]).filter((d) => fits.includes(d) || d === current);
}

/** The number option of a field's spec (itself, or the number member of a union), or null. */
export function numberOption(spec: FieldSpec | null): NumberSpec | null {
  if (spec?.kind === 'number') return spec;
  if (spec?.kind === 'union') return (spec.options.find((o) => o.kind === 'number') as NumberSpec | undefined) ?? null;
  return null;
}

/** The help line with the schema's range appended: "…; 0 = never. An integer in [0, 10000000]." */
export function helpLine(text: FieldText, spec: FieldSpec | null): string {
  const num = numberOption(spec);
  if (!num) return text.help;
  const range = describeSpec(num);
  return `${text.help} ${range[0].toUpperCase()}${range.slice(1)}.`;
}

/** A number input's text as a value for a number field, or the message that refuses it. */
export function parseNumberText(text: string, label: string, spec: NumberSpec): { ok: true; value: number } | { ok: false; message: string } {
  const value = parseNumberInput(text);
  return value === null ? { ok: false, message: `${label} must be ${describeSpec(spec)}` } : { ok: true, value };
}

/** A list of widths as typed ("64", "128, 64"; empty: none), or the message that refuses it; the ranges are the schema's, checked on commit. */
export function parseWidthListText(text: string, label: string): { ok: true; value: number[] } | { ok: false; message: string } {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: true, value: [] };
  const parts = trimmed.split(',').map((p) => p.trim());
  if (parts.some((p) => !/^\d{1,9}$/.test(p))) return { ok: false, message: `${label} must be a list of whole numbers such as 64 or 128, 64` };
  return { ok: true, value: parts.map(Number) };
}

/**
 * A refusal about `path` worded with the control's label: "runs[0].optimizer.warmupSteps = 500:
 * must be in [0, 300] (at most totalSteps)" → "warm-up steps must be in [0, 300] (at most
 * totalSteps)". Messages that do not start with the path are shown as they are.
 */
export function fieldMessage(path: string, label: string, message: string): string {
  const rest = message.startsWith(path) ? message.slice(path.length) : null;
  if (rest === null) return message;
  if (rest.startsWith(': ')) return `${label} ${rest.slice(2)}`;
  if (!rest.startsWith(' = ')) return message;
  const cut = rest.indexOf(': ');
  return cut < 0 ? message : `${label} ${rest.slice(cut + 2)}`;
}
