// Command-line flags of `npm run train`, parsed into a plain object with every value checked.
// Each rejection names the flag, the value and what is allowed; nothing here touches a file
// or the GPU.
import type { ClassifierLossName, DatasetName, MlpActivationName, ModelPreset } from '../train/config';
import { MLP_ACTIVATIONS } from '../nn/modelConfig';
import { DATASET_NAMES, LIMITS, MODEL_NAMES } from '../train/configSchema';
import { scenarioByName, SCENARIO_NAMES } from '../train/scenarios';

export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

/** Losses of --loss (MLP presets). */
export const CLASSIFIER_LOSSES: readonly ClassifierLossName[] = ['cross-entropy', 'mse'];

/** Optimizer names of the CLI: a base optimizer, or one wrapped with IRE. */
export const CLI_OPTIMIZERS = ['adamw', 'sgd', 'sam', 'admire', 'sgd-ire', 'sam-ire'] as const;
export type CliOptimizer = (typeof CLI_OPTIMIZERS)[number];

export interface TrainArgs {
  help: boolean;
  preset?: ModelPreset;
  optimizer?: CliOptimizer;
  config?: string; // a ComparisonConfig JSON file (partial: merged over the defaults)
  dataset?: DatasetName;
  text?: string; // UTF-8 text file for --dataset user-text
  cifarDir?: string; // folder of CIFAR-10 binary batches
  steps?: number;
  seed?: number;
  batch?: number;
  trainSubset?: number; // the config's trainSubset: the first N training images, full batch (batch N every step)
  hidden?: number[]; // the config's mlpHidden: hidden widths of an MLP preset, replacing the preset's
  loss?: ClassifierLossName; // the MLP's loss (default cross-entropy)
  activation?: MlpActivationName; // the MLP's hidden activation (default relu)
  lr?: number;
  kappa?: number;
  gamma?: number;
  evalEvery?: number;
  evalBatches: number; // validation batches per periodic evaluation
  sharpnessEvery?: number; // steps between Hessian-trace measurements (0 = off, the CLI default)
  sharpnessProbes?: number; // Rademacher probes per measurement
  lanczosSteps?: number; // Lanczos steps per top-eigenvalue estimate (default DEFAULT_LANCZOS_STEPS)
  finalEvalBatches?: number; // batches of the final evaluation (default: the whole split)
  out?: string;
  checkpointSteps?: number[];
  resume?: string;
  dumpBatches?: string;
  exportPytorch?: string; // folder for the PyTorch side (src/cli/pytorchExport.ts, docs/pytorch.md)
  seeds?: number; // S seeds: seed, seed + 1, …, one comparison each, then the results table
  stopAt?: number; // a fresh run stops after this step, its schedule unchanged (a long run in parts)
  scenario?: string; // a curated comparison (src/train/scenarios.ts)
  /** The comparison config of --scenario (what a --config file would hold). */
  configValue?: Record<string, unknown>;
}

/** Most seeds of one CLI run. */
export const MAX_CLI_SEEDS = 20;

export const USAGE = `Usage: npm run train -- [options]

Trains headless on this machine's WebGPU adapter (Dawn) and writes metrics.csv, config.json
and checkpoints (safetensors) into --out.

  --preset NAME            model preset: ${MODEL_NAMES.join(', ')} (default gpt-tiny)
  --optimizer NAME         ${CLI_OPTIMIZERS.join(', ')} (default adamw; admire = AdamW + IRE)
  --config FILE            a comparison config (JSON, partial: merged over the defaults); may hold several runs
  --dataset NAME           ${DATASET_NAMES.join(', ')} (default: the preset's)
  --text FILE              UTF-8 text for --dataset user-text (--text alone implies it)
  --cifar-dir DIR          folder with data_batch_*.bin and test_batch.bin (CIFAR-10 binary version)
  --steps N                training steps, also the schedule length (default: the preset's budget)
  --seed N                 initial parameters and data order (u32)
  --batch N                examples per step
  --hidden LIST            hidden widths of the MLP (mlp-mnist), e.g. 32 or 64,64 (default 256,256): the config's "mlpHidden"
  --loss NAME              the MLP's loss: ${CLASSIFIER_LOSSES.join(', ')} (default cross-entropy; mse: square loss on one-hot targets)
  --activation NAME        the MLP's hidden activation: ${MLP_ACTIVATIONS.join(', ')} (default relu; gelu: smooth, no kinks)
  --train-subset N         full-batch training on the first N training images (image datasets):
                           every step sees all N (batch N); the config's "trainSubset", which a
                           checkpoint keeps (--resume; give it again only for older checkpoints)
  --lr X                   peak learning rate of every run
  --kappa X                IRE κ (IRE optimizers)
  --gamma X                IRE γ, the fraction of coordinates boosted (IRE optimizers)
  --eval-every N           steps between validation evaluations (0 = only at the end)
  --eval-batches N         validation batches per evaluation (default 8)
  --final-eval-batches N   batches of the final evaluation (default: the whole split)
  --sharpness-every N      Hessian trace and top eigenvalue every N steps from step 0 and at the
                           end, into sharpness.csv (default 0: off); on the first validation
                           batch, or with --train-subset on the subset (the loss being minimised)
  --sharpness-probes N     Rademacher probes per trace estimate (default 8)
  --lanczos-steps N        Lanczos steps per top-eigenvalue estimate (default 12; more: closer from below)
  --out DIR                output folder (default runs/<preset>-<optimizer>-s<seed>)
  --checkpoint-steps LIST  steps to save, e.g. 0,100,500 (0 = initial state; default: the last step)
  --resume CKPT            continue from a checkpoint (its config; --steps may extend the run)
  --stop-at N              stop a fresh run after step N, its schedule still --steps long, with a
                           checkpoint there: a long run in parts, each continued by --resume CKPT
                           --steps M (bit for bit); with seeds, no table until every part is done
                           (then: npx tsx scripts/scenario-results.ts OUT)
  --dump-batches FILE      write each step's example indices / token window offsets (JSON lines)
  --export-pytorch DIR     after the last step, write DIR for PyTorch: config, checkpoints, data, the
                           python package and a README with the commands (docs/pytorch.md); with
                           --resume at the checkpoint's own step, export only
  --seeds S                S seeds (seed, seed + 1, …), one comparison each, into seed-<n>/ under
                           --out, then results.csv, results.json: each quantity as mean ± s.e.,
                           B − A paired over seeds with a 95 % interval (docs/experiments.md);
                           default: the config's "seeds" (1)
  --scenario NAME          a curated comparison: ${SCENARIO_NAMES.join(', ')} (its config with its
                           data subset, model widths and seeds; other flags may still change steps, seeds, out)
  --help                   this text`;

type Spec = { kind: 'string' } | { kind: 'int'; min: number; max: number } | { kind: 'number'; check: (x: number) => string | null };

const FLAGS: Record<string, { key: keyof TrainArgs; spec: Spec }> = {
  '--preset': { key: 'preset', spec: { kind: 'string' } },
  '--optimizer': { key: 'optimizer', spec: { kind: 'string' } },
  '--config': { key: 'config', spec: { kind: 'string' } },
  '--dataset': { key: 'dataset', spec: { kind: 'string' } },
  '--text': { key: 'text', spec: { kind: 'string' } },
  '--cifar-dir': { key: 'cifarDir', spec: { kind: 'string' } },
  '--steps': { key: 'steps', spec: { kind: 'int', min: 1, max: 10_000_000 } },
  '--seed': { key: 'seed', spec: { kind: 'int', min: 0, max: 0xffffffff } },
  '--batch': { key: 'batch', spec: { kind: 'int', min: 1, max: 4096 } },
  '--hidden': { key: 'hidden', spec: { kind: 'string' } },
  '--loss': { key: 'loss', spec: { kind: 'string' } },
  '--activation': { key: 'activation', spec: { kind: 'string' } },
  '--train-subset': { key: 'trainSubset', spec: { kind: 'int', min: 1, max: LIMITS.maxBatchSize } },
  '--lr': { key: 'lr', spec: { kind: 'number', check: (x) => (x > 0 && x <= 10 ? null : 'the learning rate must be a number in (0, 10]') } },
  '--kappa': { key: 'kappa', spec: { kind: 'number', check: (x) => (x >= 0 && x <= 1000 ? null : 'κ must be a number in [0, 1000]') } },
  '--gamma': { key: 'gamma', spec: { kind: 'number', check: (x) => (x >= 0 && x <= 1 ? null : 'γ must be a number in [0, 1]') } },
  '--eval-every': { key: 'evalEvery', spec: { kind: 'int', min: 0, max: 10_000_000 } },
  '--eval-batches': { key: 'evalBatches', spec: { kind: 'int', min: 1, max: 100_000 } },
  '--sharpness-every': { key: 'sharpnessEvery', spec: { kind: 'int', min: 0, max: 10_000_000 } },
  '--sharpness-probes': { key: 'sharpnessProbes', spec: { kind: 'int', min: 1, max: 1024 } },
  '--lanczos-steps': { key: 'lanczosSteps', spec: { kind: 'int', min: 1, max: 200 } },
  '--final-eval-batches': { key: 'finalEvalBatches', spec: { kind: 'int', min: 1, max: 100_000 } },
  '--out': { key: 'out', spec: { kind: 'string' } },
  '--checkpoint-steps': { key: 'checkpointSteps', spec: { kind: 'string' } },
  '--resume': { key: 'resume', spec: { kind: 'string' } },
  '--dump-batches': { key: 'dumpBatches', spec: { kind: 'string' } },
  '--export-pytorch': { key: 'exportPytorch', spec: { kind: 'string' } },
  '--seeds': { key: 'seeds', spec: { kind: 'int', min: 1, max: MAX_CLI_SEEDS } },
  '--stop-at': { key: 'stopAt', spec: { kind: 'int', min: 1, max: 10_000_000 } },
  '--scenario': { key: 'scenario', spec: { kind: 'string' } },
};

function parseNumber(flag: string, text: string, spec: Spec): number {
  const x = text.trim() === '' ? NaN : Number(text);
  if (spec.kind === 'int') {
    if (!Number.isInteger(x) || x < spec.min || x > spec.max) throw new CliError(`${flag} ${text}: must be an integer in [${spec.min}, ${spec.max}]`);
    return x;
  }
  if (spec.kind === 'number') {
    if (!Number.isFinite(x)) throw new CliError(`${flag} ${text}: not a number`);
    const why = spec.check(x);
    if (why) throw new CliError(`${flag} ${text}: ${why}`);
    return x;
  }
  throw new CliError(`${flag}: internal error (not a number flag)`);
}

/** Most hidden layers, and the widest, that --hidden accepts: the schema's for `mlpHidden`. */
export const MAX_HIDDEN_LAYERS = LIMITS.maxHiddenLayers;
export const MAX_HIDDEN_WIDTH = LIMITS.maxHiddenWidth;

function parseWidthList(text: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  const widths = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : NaN));
  const bad = parts.find((p, i) => !(widths[i] >= 1 && widths[i] <= MAX_HIDDEN_WIDTH));
  if (bad !== undefined) throw new CliError(`--hidden ${text}: "${bad}" is not a width in [1, ${MAX_HIDDEN_WIDTH}] (use a list such as 64,64)`);
  if (widths.length > MAX_HIDDEN_LAYERS) throw new CliError(`--hidden ${text}: at most ${MAX_HIDDEN_LAYERS} hidden layers`);
  return widths;
}

function parseStepList(text: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  const steps = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : NaN));
  const bad = parts.find((p, i) => !Number.isSafeInteger(steps[i]));
  if (bad !== undefined) throw new CliError(`--checkpoint-steps ${text}: "${bad}" is not a step number (use a list such as 0,100,500)`);
  return [...new Set(steps)].sort((a, b) => a - b);
}

/** Parses argv (without node and the script). Throws a CliError naming the flag and the problem. */
export function parseTrainArgs(argv: readonly string[]): TrainArgs {
  const args: TrainArgs = { help: false, evalBatches: 8 };
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i];
    if (raw === '--help' || raw === '-h') {
      args.help = true;
      continue;
    }
    if (!raw.startsWith('--')) throw new CliError(`unexpected argument "${raw}" (options start with --; see --help)`);
    const eq = raw.indexOf('=');
    const flag = eq >= 0 ? raw.slice(0, eq) : raw;
    const entry = FLAGS[flag];
    if (!Object.prototype.hasOwnProperty.call(FLAGS, flag) || !entry) throw new CliError(`unknown option "${flag}" (see --help for the list)`);
    if (seen.has(flag)) throw new CliError(`${flag} is given twice`);
    seen.add(flag);
    let value: string | undefined;
    if (eq >= 0) value = raw.slice(eq + 1);
    else {
      value = argv[i + 1];
      if (value === undefined || (value.startsWith('--') && value.length > 2)) throw new CliError(`${flag} needs a value`);
      i++;
    }
    const { key, spec } = entry;
    if (key === 'preset') {
      if (!(MODEL_NAMES as string[]).includes(value)) throw new CliError(`unknown preset "${value}" (known: ${MODEL_NAMES.join(', ')})`);
      args.preset = value as ModelPreset;
    } else if (key === 'optimizer') {
      if (!(CLI_OPTIMIZERS as readonly string[]).includes(value)) throw new CliError(`unknown optimizer "${value}" (known: ${CLI_OPTIMIZERS.join(', ')})`);
      args.optimizer = value as CliOptimizer;
    } else if (key === 'dataset') {
      if (!(DATASET_NAMES as string[]).includes(value)) throw new CliError(`unknown dataset "${value}" (known: ${DATASET_NAMES.join(', ')})`);
      args.dataset = value as DatasetName;
    } else if (key === 'checkpointSteps') {
      args.checkpointSteps = parseStepList(value);
    } else if (key === 'loss') {
      if (!(CLASSIFIER_LOSSES as readonly string[]).includes(value)) throw new CliError(`unknown loss "${value}" (known: ${CLASSIFIER_LOSSES.join(', ')})`);
      args.loss = value as ClassifierLossName;
    } else if (key === 'activation') {
      if (!(MLP_ACTIVATIONS as readonly string[]).includes(value)) throw new CliError(`unknown activation "${value}" (known: ${MLP_ACTIVATIONS.join(', ')})`);
      args.activation = value as MlpActivationName;
    } else if (key === 'hidden') {
      args.hidden = parseWidthList(value);
    } else if (spec.kind === 'string') {
      if (value === '') throw new CliError(`${flag} needs a non-empty value`);
      (args as unknown as Record<string, unknown>)[key] = value;
    } else {
      (args as unknown as Record<string, unknown>)[key] = parseNumber(flag, value, spec);
    }
  }
  const datasetImplied = args.text !== undefined && args.dataset === undefined; // --text alone: the text is data, not a config change
  if (datasetImplied) args.dataset = 'user-text';
  if (args.text !== undefined && args.dataset !== 'user-text') throw new CliError(`--text is for --dataset user-text, not "${args.dataset}"`);
  if (args.cifarDir !== undefined && args.dataset !== undefined && args.dataset !== 'cifar10') throw new CliError(`--cifar-dir is for --dataset cifar10, not "${args.dataset}"`);
  if (args.resume !== undefined) {
    const fixed = (['preset', 'optimizer', 'config', 'dataset', 'seed', 'batch', 'lr', 'kappa', 'gamma', 'evalEvery', 'hidden', 'loss', 'activation'] as const).filter(
      (k) => args[k] !== undefined && !(k === 'dataset' && datasetImplied),
    );
    if (fixed.length > 0) {
      const names = fixed.map((k) => Object.keys(FLAGS).find((f) => FLAGS[f].key === k)).join(', ');
      throw new CliError(`${names} cannot be combined with --resume: the checkpoint holds the config (only --steps, --out, data paths, --train-subset and outputs may be given)`);
    }
  }
  if (args.trainSubset !== undefined && args.batch !== undefined && args.batch !== args.trainSubset) {
    throw new CliError(`--batch ${args.batch} cannot be combined with --train-subset ${args.trainSubset}: a subset trains full-batch (leave --batch out, or give --batch ${args.trainSubset})`);
  }
  if (args.config !== undefined && args.optimizer !== undefined) throw new CliError('--optimizer cannot be combined with --config (the config file lists the runs)');
  if (args.stopAt !== undefined && args.resume !== undefined) throw new CliError('--stop-at is for a fresh run: with --resume, --steps N is the step to stop at');
  if (args.seeds !== undefined && args.resume !== undefined) throw new CliError('--seeds cannot be combined with --resume: resume each seed-<n>/ checkpoint on its own');
  if (args.scenario !== undefined) applyScenario(args, args.scenario);
  return args;
}

/** --scenario NAME: its config (data subset, model widths and seeds included) and CLI options, under the flags given. */
function applyScenario(args: TrainArgs, name: string): void {
  const s = scenarioByName(name);
  if (!s) throw new CliError(`unknown scenario "${name}" (known: ${SCENARIO_NAMES.join(', ')})`);
  const clash = (['preset', 'optimizer', 'config', 'dataset', 'resume', 'text'] as const).filter((k) => args[k] !== undefined);
  if (clash.length > 0) throw new CliError(`--scenario cannot be combined with ${clash.map((k) => Object.keys(FLAGS).find((f) => FLAGS[f].key === k)).join(', ')}: the scenario sets them`);
  args.configValue = structuredClone(s.config) as unknown as Record<string, unknown>;
  args.finalEvalBatches ??= s.cli.finalEvalBatches;
}
