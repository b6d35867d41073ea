// Everything `npm run train` does before it asks for a GPU: the comparison config from the
// flags (or a config file), validated by the one schema; the dataset, loaded and checked
// against the model (context longer than the corpus, empty or non-UTF-8 text, CIFAR files of
// the wrong length), cut to the config's training subset; a checkpoint to resume from, decoded
// and matched to the model. Every
// problem is a CliError (or the data layer's DataError) whose message names it.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DATASET_KIND } from '../data/datasets';
import { checkTextFitsContext } from '../data/textDataset';
import { loadDatasetByName } from '../data/node/load';
import { comparisonStateFromCheckpoints, decodeRunCheckpoint, type ComparisonState, type RunCheckpoint } from '../train/checkpoint';
import { layoutOf } from '../train/models';
import {
  DEFAULT_ADAMW,
  DEFAULT_COMPARISON,
  DEFAULT_DATASET,
  DEFAULT_IRE,
  MODEL_PRESETS,
  type BaseOptimizer,
  type ComparisonConfig,
  type DatasetName,
  type ModelConfig,
  type ModelPreset,
  type OptimizerConfig,
  type RunConfig,
} from '../train/config';
import { validatePartialConfig } from '../train/configSchema';
import { comparisonModelConfig, modelConfigFor } from '../train/models';
import { modelDataOf, trainingDataFor, type TrainingData } from '../train/trainingData';
import { CliError, type CliOptimizer, type TrainArgs } from './trainArgs';

/** The CLI's default budget per model preset: steps, batch and evaluation interval. */
export interface PresetBudget {
  steps: number;
  batch: number;
  evalEvery: number;
  /** IRE's κ and γ for this preset when the run uses IRE (default: DEFAULT_IRE's). */
  ire?: { kappa: number; gamma: number };
}

/** gpt presets: κ = 2, γ = 0.8, the pair closest to AdamW's loss in docs/experiments.md. */
const GPT_IRE = { kappa: 2, gamma: 0.8 };

export const PRESET_BUDGETS: Record<ModelPreset, PresetBudget> = {
  'gpt-tiny': { steps: 2000, batch: 16, evalEvery: 100, ire: GPT_IRE },
  'gpt-small': { steps: 2000, batch: 16, evalEvery: 100, ire: GPT_IRE },
  'mlp-mnist': { steps: 1500, batch: 64, evalEvery: 100 },
  'cnn-mnist': { steps: 800, batch: 32, evalEvery: 100 }, // the MNIST benchmark budget (docs/experiments.md)
  'cnn-cifar10': { steps: 4000, batch: 64, evalEvery: 200 },
  'toy-2d': { steps: 1000, batch: 1, evalEvery: 0 },
};

/** Base optimizer defaults of the CLI (AdamW: the playground's; SGD/SAM: the authors' CNN settings). */
function optimizerDefaults(base: BaseOptimizer): OptimizerConfig {
  if (base === 'adamw') return { ...DEFAULT_ADAMW, warmupSteps: 50 };
  return { ...DEFAULT_ADAMW, base, lr: 0.05, minLr: 0.0005, beta1: 0.9, weightDecay: 5e-4, warmupSteps: 50, rho: 0.05 };
}

const OPTIMIZER_RUNS: Record<CliOptimizer, { base: BaseOptimizer; ire: boolean; name: string }> = {
  adamw: { base: 'adamw', ire: false, name: 'AdamW' },
  sgd: { base: 'sgd', ire: false, name: 'SGD' },
  sam: { base: 'sam', ire: false, name: 'SAM' },
  admire: { base: 'adamw', ire: true, name: 'AdmIRE' },
  'sgd-ire': { base: 'sgd', ire: true, name: 'SGD-IRE' },
  'sam-ire': { base: 'sam', ire: true, name: 'SAM-IRE' },
};

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CliError(`${what} "${path}" cannot be read: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CliError(`${what} "${path}" is not valid JSON: ${(e as Error).message}`);
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The comparison config the flags ask for, validated by the schema (throws a CliError listing every problem). */
export function buildConfig(args: TrainArgs): ComparisonConfig {
  const fromFile = args.configValue ?? (args.config !== undefined ? readJson(args.config, 'Config file') : {});
  if (!isRecord(fromFile)) throw new CliError(`Config file "${args.config}" must hold a JSON object (a comparison config)`);
  const value: Record<string, unknown> = structuredClone(fromFile);
  const fileModel = typeof value.model === 'string' && value.model in MODEL_PRESETS ? (value.model as ModelPreset) : undefined;
  const preset: ModelPreset = args.preset ?? fileModel ?? 'gpt-tiny';
  const budget = PRESET_BUDGETS[preset];
  value.model = preset;
  if (args.dataset !== undefined) value.dataset = args.dataset;
  else if (args.preset !== undefined || value.dataset === undefined) value.dataset = DEFAULT_DATASET[preset];
  if (args.cifarDir !== undefined && value.dataset !== 'cifar10') throw new CliError(`--cifar-dir is for the cifar10 dataset, not "${String(value.dataset)}"`);
  if (args.trainSubset !== undefined) {
    const dataset = value.dataset;
    if (typeof dataset === 'string' && Object.prototype.hasOwnProperty.call(DATASET_KIND, dataset) && DATASET_KIND[dataset as DatasetName] !== 'image') throw new CliError(`--train-subset is for image datasets (mnist, cifar10), not "${dataset}"`);
    value.trainSubset = args.trainSubset;
  }
  if (args.hidden !== undefined) {
    if (MODEL_PRESETS[preset].kind !== 'mlp') throw new CliError(`--hidden is for MLP presets (mlp-mnist), not "${preset}"`);
    value.mlpHidden = [...args.hidden];
  }
  const put = (key: string, flag: number | undefined, fallback: number) => {
    if (flag !== undefined) value[key] = flag;
    else if (value[key] === undefined) value[key] = fallback;
  };
  put('seed', args.seed, DEFAULT_COMPARISON.seed);
  put('batchSize', args.batch ?? args.trainSubset, budget.batch); // --train-subset N: full batch
  put('totalSteps', args.steps, budget.steps);
  put('evalEvery', args.evalEvery, budget.evalEvery);
  put('sharpnessEvery', args.sharpnessEvery, 0); // off by default on the CLI: a measurement costs tens of steps
  put('sharpnessProbes', args.sharpnessProbes, DEFAULT_COMPARISON.sharpnessProbes);
  if (args.config === undefined && args.configValue === undefined) {
    const o = OPTIMIZER_RUNS[args.optimizer ?? 'adamw'];
    const optimizer: OptimizerConfig = { ...optimizerDefaults(o.base), ire: { ...DEFAULT_IRE, ...budget.ire, enabled: o.ire } };
    const steps = value.totalSteps as number;
    optimizer.warmupSteps = Math.min(optimizer.warmupSteps, Math.floor(steps / 10));
    const run: RunConfig = { id: 'A', name: o.name, optimizer };
    value.runs = [run];
  }
  if (args.lr !== undefined || args.kappa !== undefined || args.gamma !== undefined) {
    const runs = Array.isArray(value.runs) ? value.runs : structuredClone(DEFAULT_COMPARISON.runs);
    value.runs = runs.map((r: unknown, i: number) => {
      const run = isRecord(r) ? structuredClone(r) : {};
      const base = DEFAULT_COMPARISON.runs[Math.min(i, DEFAULT_COMPARISON.runs.length - 1)].optimizer;
      const opt = isRecord(run.optimizer) ? run.optimizer : {};
      if (args.lr !== undefined) {
        opt.lr = args.lr;
        const minLr = typeof opt.minLr === 'number' ? opt.minLr : base.minLr;
        if (minLr > args.lr) opt.minLr = args.lr / 10;
      }
      if (args.kappa !== undefined || args.gamma !== undefined) {
        const ire = isRecord(opt.ire) ? opt.ire : {};
        const enabled = typeof ire.enabled === 'boolean' ? ire.enabled : base.ire.enabled;
        if (!enabled) throw new CliError(`--kappa/--gamma apply to IRE runs; run ${i + 1} has IRE off (use --optimizer admire, sgd-ire or sam-ire)`);
        if (args.kappa !== undefined) ire.kappa = args.kappa;
        if (args.gamma !== undefined) ire.gamma = args.gamma;
        opt.ire = ire;
      }
      run.optimizer = opt;
      return run;
    });
  }
  const checked = validatePartialConfig(value);
  if (!checked.ok) throw new CliError(`invalid configuration:\n  ${checked.errors.join('\n  ')}`);
  return checked.config;
}

/**
 * The architecture when it is not the preset's (undefined: the preset as it is): the config's
 * `mlpHidden` (--hidden) in place of an MLP preset's hidden widths, and the CLI-only --loss and
 * --activation of the MLP. Checked against the data before any GPU work.
 */
export function modelOverride(args: TrainArgs, config: ComparisonConfig, data: TrainingData): ModelConfig | undefined {
  if (config.mlpHidden.length === 0 && args.loss === undefined && args.activation === undefined) return undefined;
  const model = comparisonModelConfig(config, modelDataOf(data));
  if (model.kind !== 'mlp') throw new CliError(`${args.loss !== undefined ? '--loss' : '--activation'} is for MLP presets (mlp-mnist), not "${config.model}"`);
  return { ...model, ...(args.loss ? { loss: args.loss } : {}), ...(args.activation ? { activation: args.activation } : {}) };
}

/** Where a dataset's files come from (text file, CIFAR folder), for messages and resumes. */
export interface DataPaths {
  text?: string;
  cifarDir?: string;
}

/**
 * Loads the config's dataset on the CPU, keeps the first `trainSubset` training images when the
 * config asks for a subset (trainingDataFor, as the page's worker does), and checks it fits the
 * model (before any GPU work).
 */
export function loadData(config: ComparisonConfig, paths: DataPaths): TrainingData {
  const model = MODEL_PRESETS[config.model];
  const context = model.kind === 'gpt' ? model.context : undefined;
  const loaded = loadDatasetByName(config.dataset, { context, textFile: paths.text, cifarDir: paths.cifarDir });
  const data = trainingDataFor(loaded as TrainingData, config);
  modelConfigFor(config.model, modelDataOf(data)); // throws if the model needs what the data lacks
  if (DATASET_KIND[config.dataset] === 'image' && data.kind === 'image' && (data.dataset.train.count < 1 || data.dataset.test.count < 1)) {
    throw new CliError(`Dataset "${config.dataset}" has an empty split (train ${data.dataset.train.count}, test ${data.dataset.test.count} images)`);
  }
  return data;
}

export { checkpointFileName } from '../train/pytorchReadme';

/**
 * --train-subset N given with --resume. A checkpoint's config holds its `trainSubset`, so the flag
 * is needed only for a checkpoint written before that field existed (trainSubset 0): it then
 * trained full-batch on the subset, so its batch must be N. A flag that contradicts the
 * checkpoint's own subset is refused.
 */
export function resumeWithTrainSubset(state: ComparisonState, trainSubset: number | undefined): ComparisonState {
  const c = state.config;
  if (trainSubset === undefined || c.trainSubset === trainSubset) return state;
  if (c.trainSubset !== 0) throw new CliError(`--train-subset ${trainSubset}: the checkpoint trained on the first ${c.trainSubset} training images (its config's trainSubset); leave --train-subset out to keep them`);
  if (DATASET_KIND[c.dataset] !== 'image') throw new CliError(`--train-subset is for image datasets (mnist, cifar10), not "${c.dataset}"`);
  if (c.batchSize !== trainSubset) throw new CliError(`--train-subset ${trainSubset} trains full-batch, but the run's batch is ${c.batchSize} (a resumed run keeps the batch of its checkpoint)`);
  return { ...state, config: { ...c, trainSubset } };
}

function readCheckpoint(path: string): RunCheckpoint {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new CliError(`Checkpoint "${path}" cannot be read: ${(e as Error).message}`);
  }
  return decodeRunCheckpoint(bytes, basename(path));
}

/**
 * Reads the checkpoint to resume from, and the files of the comparison's other runs beside it
 * (ckpt-<step>-<id>.safetensors), into one state; checks its tensors against the model's layout.
 */
export function loadResumeState(path: string): ComparisonState {
  const first = readCheckpoint(path);
  const files = [first];
  const ids = first.meta.runIds;
  if (ids.length > 1) {
    const own = `-${first.meta.runId}.safetensors`;
    const name = basename(path);
    if (!name.endsWith(own)) throw new CliError(`Checkpoint "${path}" is run ${first.meta.runId} of ${ids.length}; expected a name ending in "${own}" to find the others`);
    const prefix = name.slice(0, name.length - own.length);
    for (const id of ids) {
      if (id === first.meta.runId) continue;
      const sibling = join(dirname(path), `${prefix}-${id}.safetensors`);
      if (!existsSync(sibling)) throw new CliError(`Checkpoint of run ${id} ("${sibling}") is missing; a comparison resumes from the files of all its runs`);
      files.push(readCheckpoint(sibling));
    }
  }
  const state = comparisonStateFromCheckpoints(files);
  layoutOf(state.model); // the architecture must be buildable
  return state;
}

/**
 * Checks that the dataset fits the model the checkpoint was trained with. The architecture is
 * the checkpoint's own (`model_config`, built by resumeComparison): an MLP's --hidden, --loss and
 * --activation, and a GPT, MLP or CNN scaled in PyTorch (docs/pytorch.md) resume as they are.
 * Only what the data decide must agree: a GPT's vocabulary (and a corpus long enough for its
 * context), an image model's image shape and classes.
 */
export function checkResumeData(state: ComparisonState, data: TrainingData): void {
  const fromData = modelConfigFor(state.config.model, modelDataOf(data)); // throws if the data lack what the preset needs
  const m = state.model;
  const again = 'pass the same data (--text / --cifar-dir) as the original run';
  if (fromData.kind !== m.kind) throw new CliError(`The checkpoint holds a ${m.kind} model, but its preset ${state.config.model} is a ${fromData.kind}`);
  if (m.kind === 'gpt' && fromData.kind === 'gpt') {
    if (m.vocab !== fromData.vocab) {
      throw new CliError(`The checkpoint's model has a vocabulary of ${m.vocab} characters, the text here gives ${fromData.vocab}; ${again}`);
    }
    if (data.kind === 'text') checkTextFitsContext(data.dataset, m.context);
    return;
  }
  if (data.kind !== 'image' || (m.kind !== 'mlp' && m.kind !== 'cnn')) return;
  const d = data.dataset;
  const want: Record<string, number> = m.kind === 'mlp' ? { inputs: d.channels * d.height * d.width, classes: d.classes } : { channels: d.channels, height: d.height, width: d.width, classes: d.classes };
  const have: Record<string, number> = m.kind === 'mlp' ? { inputs: m.inputs, classes: m.classes } : { channels: m.channels, height: m.height, width: m.width, classes: m.classes };
  const differ = Object.keys(want).filter((k) => want[k] !== have[k]);
  if (differ.length > 0) {
    throw new CliError(`The dataset does not fit the checkpoint's model (${differ.map((k) => `${k} ${want[k]} here, ${have[k]} in the checkpoint`).join(', ')}); ${again}`);
  }
}
