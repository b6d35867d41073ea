// The memory plan of a comparison: every GPU buffer the engine allocates for it, computed from
// the config alone, before anything is allocated. It mirrors the constructors it describes
// (src/nn/gpt.ts, mlp.ts, cnn.ts, classifier.ts, toyModel.ts, src/train/run.ts,
// trainingData.ts, comparison.ts, src/optim/*), buffer by buffer, label by label; a GPU test
// (tests/gpu/memoryPlan.test.ts) records what those constructors really allocate and compares.
//
// `checkMemoryPlan` refuses a plan whose largest buffer exceeds the device's
// maxStorageBufferBindingSize or maxBufferSize (naming the buffer and by how much) or whose
// total exceeds a budget; `memoryPlanCheck` packages that as a ConfigCheck for validateConfig.
// Uniform buffers (one small Params struct per kernel, a few KiB in all) are not listed.
import { IMAGE_SHAPE } from '../data/datasets';
import { conv2dDims, conv2dWeightGradScratchFloats, type Conv2dShape } from '../nn/conv2d';
import { cnnLayout } from '../nn/cnn';
import { gptLayout } from '../nn/gpt';
import { mlpLayout } from '../nn/mlp';
import type { ParamLayout } from '../nn/paramLayout';
import { poolDims } from '../nn/pool';
import { toyLayout } from '../nn/toyModel';
import { reduceGroups } from '../optim/reduce';
import type { CnnConfig, ComparisonConfig, GptConfig, MlpConfig, ModelConfig, RunConfig } from './config';
import { MODEL_PRESETS } from './config';
import type { ModelData } from './models';
import { METRIC_FLOATS } from './run';

/** Runs a comparison can hold (comparison.ts MAX_RUNS; its metrics ring is sized for this many). */
const RING_RUNS = 8;
/** Depth of the comparison's metrics ring (ComparisonOptions.ringDepth default). */
const RING_DEPTH = 3;
/** Vocabulary assumed for a text dataset whose tokenizer is not known yet (character level). */
export const ASSUMED_VOCAB = 256;
/** Default total budget: what a browser tab can reasonably ask of a GPU. */
export const DEFAULT_MEMORY_BUDGET_BYTES = 2 * 1024 ** 3;

export type BufferRole = 'params' | 'grads' | 'optimizer' | 'ire' | 'activation' | 'scratch' | 'batch' | 'metrics' | 'staging';

export interface PlannedBuffer {
  label: string; // the GPUBuffer's label ('RunA.model.h0.att')
  bytes: number; // its size in bytes, as allocated (rounded up to 4, at least 16)
  role: BufferRole;
  /** Bound as a storage buffer (everything but the mappable staging buffers). */
  storage: boolean;
  /** The size grows with the batch size (activations, batch buffers). */
  perBatch: boolean;
}

export interface MemoryPlan {
  buffers: PlannedBuffer[];
  totalBytes: number;
  largest: PlannedBuffer;
}

export interface MemoryLimits {
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
  /** Total bytes the plan may use; default DEFAULT_MEMORY_BUDGET_BYTES. */
  budgetBytes?: number;
}

/** The byte size buffers.ts gives a request (4-byte multiple, at least 16). */
export const allocatedBytes = (bytes: number): number => Math.max(16, Math.ceil(bytes / 4) * 4);

class PlanBuilder {
  readonly buffers: PlannedBuffer[] = [];
  add(label: string, floats: number, role: BufferRole, perBatch: boolean, storage = true): void {
    this.buffers.push({ label, bytes: allocatedBytes(floats * 4), role, storage, perBatch });
  }
}

// ---------------------------------------------------------------------------------------------
// Models (labels as the model constructors give them: `${label}.${name}`)

/** The flat parameter layout of a model config. */
export function layoutOf(cfg: ModelConfig): ParamLayout {
  switch (cfg.kind) {
    case 'gpt':
      return gptLayout(cfg);
    case 'mlp':
      return mlpLayout(cfg);
    case 'cnn':
      return cnnLayout(cfg);
    case 'toy':
      return toyLayout(cfg);
  }
}

function planGpt(p: PlanBuilder, label: string, cfg: GptConfig, B: number): void {
  const { layers: L, heads: NH, width: C, context: T, vocab: V } = cfg;
  const N = B * T;
  const act = (name: string, floats: number) => p.add(`${label}.${name}`, floats, 'activation', true);
  act('encoded', N * C); // (B,T,C)
  for (let l = 0; l < L; l++) {
    const h = `h${l}`;
    act(`${h}.ln1`, N * C); // (B,T,C)
    act(`${h}.ln1Mean`, N); // (B,T)
    act(`${h}.ln1Rstd`, N); // (B,T)
    act(`${h}.qkv`, N * 3 * C); // (B,T,3C)
    act(`${h}.att`, B * NH * T * T); // (B,NH,T,T)
    act(`${h}.atty`, N * C); // (B,T,C)
    act(`${h}.attproj`, N * C); // (B,T,C)
    act(`${h}.res2`, N * C); // (B,T,C)
    act(`${h}.ln2`, N * C); // (B,T,C)
    act(`${h}.ln2Mean`, N); // (B,T)
    act(`${h}.ln2Rstd`, N); // (B,T)
    act(`${h}.fch`, N * 4 * C); // (B,T,4C)
    act(`${h}.fchGelu`, N * 4 * C); // (B,T,4C)
    act(`${h}.fcproj`, N * C); // (B,T,C)
    act(`${h}.res3`, N * C); // (B,T,C)
  }
  act('lnf', N * C); // (B,T,C)
  act('lnfMean', N); // (B,T)
  act('lnfRstd', N); // (B,T)
  act('logits', N * V); // (B,T,V)
  act('dlogits', N * V); // (B,T,V)
  act('losses', N); // (B,T)
  act('correct', N); // (B,T)
  act('sampledTargets', N); // (B,T) u32
  act('dres', N * C); // (B,T,C)
  act('dln', N * C); // (B,T,C)
  act('datty', N * C); // (B,T,C)
  act('dqkv', N * 3 * C); // (B,T,3C)
  act('datt', B * NH * T * T); // (B,NH,T,T)
  act('dfch', N * 4 * C); // (B,T,4C)
  p.add(`${label}.embedding.backward.order`, N, 'scratch', true); // (B·T) u32 positions by token
  p.add(`${label}.embedding.backward.bounds`, 2 * V, 'scratch', false); // (V,2) u32
}

function planClassifierLoss(p: PlanBuilder, label: string, B: number, classes: number): void {
  p.add(`${label}.logits`, B * classes, 'activation', true); // (B,classes)
  p.add(`${label}.dlogits`, B * classes, 'activation', true); // (B,classes)
  p.add(`${label}.losses`, B, 'activation', true); // (B)
  p.add(`${label}.correct`, B, 'activation', true); // (B)
  p.add(`${label}.sampledTargets`, B, 'activation', true); // (B) u32
}

function planMlp(p: PlanBuilder, label: string, cfg: MlpConfig, B: number, image: { C: number; H: number; W: number }): void {
  if (image.C * image.H * image.W !== cfg.inputs) throw new Error(`MLP config: inputs = ${cfg.inputs} but images are ${image.C}×${image.H}×${image.W}`);
  planClassifierLoss(p, label, B, cfg.classes);
  const widths = [cfg.inputs, ...cfg.hidden, cfg.classes];
  const layers = widths.length - 1;
  for (let i = 1; i < layers; i++) p.add(`${label}.act${i}`, B * widths[i], 'activation', true); // (B,width_i)
  for (let i = 1; i < layers; i++) p.add(`${label}.dact${i}`, B * widths[i], 'activation', true); // (B,width_i)
  // GELU: the pre-activation z_i of each hidden layer, kept for the backward.
  if (cfg.activation === 'gelu') for (let i = 1; i < layers; i++) p.add(`${label}.pre${i - 1}`, B * widths[i], 'activation', true); // (B,width_i)
}

/** The two conv → ReLU → pool stages of cnn.ts. */
function cnnStages(cfg: CnnConfig, B: number): { conv: Conv2dShape; OH: number; OW: number }[] {
  const out: { conv: Conv2dShape; OH: number; OW: number }[] = [];
  let [C, H, W] = [cfg.channels, cfg.height, cfg.width];
  for (let s = 0; s < 2; s++) {
    const OC = cfg.filters[s];
    const conv = { N: B, IC: C, H, W, OC, K: 3, stride: 1, pad: 1 };
    conv2dDims(`CNN stage ${s}`, conv);
    const pd = poolDims(`CNN stage ${s} pool`, { N: B, C: OC, H, W, K: 2, stride: 2 });
    out.push({ conv, OH: pd.OH, OW: pd.OW });
    [C, H, W] = [OC, pd.OH, pd.OW];
  }
  return out;
}

function planCnn(p: PlanBuilder, label: string, cfg: CnnConfig, B: number): void {
  planClassifierLoss(p, label, B, cfg.classes);
  const stages = cnnStages(cfg, B);
  stages.forEach((s, i) => {
    const convFloats = B * s.conv.OC * s.conv.H * s.conv.W; // (B,OC,H,W)
    const pooledFloats = B * s.conv.OC * s.OH * s.OW; // (B,OC,H/2,W/2)
    p.add(`${label}.conv${i}.out`, convFloats, 'activation', true);
    p.add(`${label}.pool${i}.out`, pooledFloats, 'activation', true);
    if (cfg.pool === 'max') p.add(`${label}.pool${i}.argmax`, pooledFloats, 'activation', true); // u32
    p.add(`${label}.conv${i}.dout`, convFloats, 'activation', true);
    p.add(`${label}.pool${i}.dout`, pooledFloats, 'activation', true);
  });
  for (let i = stages.length - 1; i >= 0; i--) {
    // (chunks, OC, IC·K·K + 1) partial sums of the weight gradient
    p.add(`${label}.conv${i}.dweight.scratch`, conv2dWeightGradScratchFloats(stages[i].conv), 'scratch', true);
  }
}

function planModel(p: PlanBuilder, label: string, cfg: ModelConfig, B: number, data: ModelData): ParamLayout {
  const layout = layoutOf(cfg);
  p.add(`${label}.params`, layout.total, 'params', false); // (P)
  p.add(`${label}.grads`, layout.total, 'grads', false); // (P)
  switch (cfg.kind) {
    case 'gpt':
      planGpt(p, label, cfg, B);
      break;
    case 'mlp':
      planMlp(p, label, cfg, B, data.image ?? { C: 1, H: 28, W: 28 });
      break;
    case 'cnn':
      planCnn(p, label, cfg, B);
      break;
    case 'toy':
      p.add(`${label}.losses`, 1, 'activation', false); // (1)
      p.add(`${label}.correct`, 1, 'activation', false); // (1)
      break;
  }
  return layout;
}

/** Buffers of one model (params, grads, activations, scratch), labelled `${label}.…`, in allocation order. */
export function planModelBuffers(label: string, cfg: ModelConfig, B: number, data: ModelData): PlannedBuffer[] {
  const p = new PlanBuilder();
  planModel(p, label, cfg, B, data);
  return p.buffers;
}

// ---------------------------------------------------------------------------------------------
// Runs: model + metrics + decay + optimizer (+ IRE) + the step's reductions (run.ts, create.ts)

function planReduction(p: PlanBuilder, label: string, n: number, perBatch: boolean): void {
  p.add(`${label}.partials`, reduceGroups(n), 'scratch', perBatch);
}

function planRun(p: PlanBuilder, rc: RunConfig, modelCfg: ModelConfig, B: number, data: ModelData): void {
  const label = `Run${rc.id}`;
  const layout = planModel(p, `${label}.model`, modelCfg, B, data);
  const P = layout.total;
  const rows = modelCfg.kind === 'gpt' ? B * modelCfg.context : modelCfg.kind === 'toy' ? 1 : B;
  const perBatchRows = modelCfg.kind !== 'toy';
  p.add(`${label}.metrics`, METRIC_FLOATS, 'metrics', false);
  p.add(`${label}.decay`, P, 'optimizer', false); // (P) u32
  const o = rc.optimizer;
  if (o.ire.enabled) {
    p.add(`${label}.ire.mask`, P, 'ire', false); // (P) u32
    p.add(`${label}.ire.h`, P, 'ire', false); // (P)
    p.add(`${label}.ire.select.state`, 8, 'ire', false);
    p.add(`${label}.ire.select.hist`, 256, 'ire', false); // (256) u32
  }
  const sgdBase = (name: string) => {
    planReduction(p, `${label}.${name}.gradNorm`, P, false);
    p.add(`${label}.${name}.momentum`, P, 'optimizer', false); // (P)
  };
  switch (o.base) {
    case 'adamw':
      planReduction(p, `${label}.adamw.gradNorm`, P, false);
      p.add(`${label}.adamw.m`, P, 'optimizer', false); // (P)
      p.add(`${label}.adamw.v`, P, 'optimizer', false); // (P)
      break;
    case 'sgd':
      sgdBase('sgd');
      break;
    case 'sam':
      sgdBase('samBase');
      p.add(`${label}.sam.saved`, P, 'optimizer', false); // (P) θ before the ascent
      p.add(`${label}.sam.stats`, 4, 'metrics', false);
      planReduction(p, `${label}.sam.ascentNorm`, P, false);
      break;
  }
  planReduction(p, `${label}.lossSum`, rows, perBatchRows);
  planReduction(p, `${label}.correctSum`, rows, perBatchRows);
  planReduction(p, `${label}.lossNonFinite`, rows, perBatchRows);
  planReduction(p, `${label}.gradNonFinite`, P, false);
}

// ---------------------------------------------------------------------------------------------
// Comparisons

/** The model a comparison builds: `override` (tests, benchmarks) or the preset with its data filled in. */
export function plannedModelConfig(config: ComparisonConfig, data: ModelData, override?: ModelConfig): ModelConfig {
  if (override) return override;
  const cfg = structuredClone(MODEL_PRESETS[config.model]);
  if (cfg.kind === 'gpt') cfg.vocab = data.vocab ?? ASSUMED_VOCAB;
  return cfg;
}

/** What a dataset tells the model before it is loaded: its image shape, or an assumed vocabulary. */
export function modelDataFor(config: ComparisonConfig, vocab?: number): ModelData {
  const shape = IMAGE_SHAPE[config.dataset];
  if (shape) return { image: { C: shape[0], H: shape[1], W: shape[2] } };
  return { vocab: vocab ?? ASSUMED_VOCAB };
}

/**
 * Every buffer a Comparison allocates for `config` (batch buffers, metrics ring, then each run),
 * in allocation order. Throws on a model shape the layers would refuse (as the constructors do).
 */
export function planComparison(config: ComparisonConfig, data: ModelData, options: { model?: ModelConfig; ringDepth?: number } = {}): MemoryPlan {
  const p = new PlanBuilder();
  const modelCfg = plannedModelConfig(config, data, options.model);
  const B = config.batchSize;
  if (modelCfg.kind === 'gpt') {
    const T = modelCfg.context;
    p.add('Batch.tokens', B * T, 'batch', true); // (B,T) u32
    p.add('Batch.targets', B * T, 'batch', true); // (B,T) u32
  } else if (modelCfg.kind === 'toy') {
    p.add('Batch.none', 4, 'batch', false);
    p.add('Batch.none', 4, 'batch', false);
  } else {
    const image = data.image ?? { C: 1, H: 28, W: 28 };
    p.add('Batch.images', B * image.C * image.H * image.W, 'batch', true); // (B,C,H,W)
    p.add('Batch.labels', B, 'batch', true); // (B) u32
  }
  const depth = options.ringDepth ?? RING_DEPTH;
  for (let i = 0; i < depth; i++) p.add(`Comparison.metrics.staging${i}`, RING_RUNS * METRIC_FLOATS, 'staging', false, false);
  for (const rc of config.runs) planRun(p, rc, modelCfg, B, data);
  return summarize(p.buffers);
}

function summarize(buffers: PlannedBuffer[]): MemoryPlan {
  let largest = buffers[0];
  let totalBytes = 0;
  for (const b of buffers) {
    totalBytes += b.bytes;
    if (b.bytes > largest.bytes) largest = b;
  }
  return { buffers, totalBytes, largest };
}

// ---------------------------------------------------------------------------------------------
// Checks

/** "1.5 GiB", "12.0 MiB", "640 B". */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** The config field a user changes to shrink a buffer. */
function fieldFor(b: PlannedBuffer): string {
  return b.perBatch ? 'batchSize' : 'model';
}

/**
 * Why a plan does not fit (empty when it does): the first buffer over each per-buffer limit,
 * then the total over the budget. Each message names a config field, the buffer and the excess.
 */
export function checkMemoryPlan(plan: MemoryPlan, limits: MemoryLimits, config?: Pick<ComparisonConfig, 'batchSize' | 'model'>): string[] {
  const errors: string[] = [];
  const shown = (field: string) => {
    if (!config) return field;
    return `${field} = ${JSON.stringify(field === 'batchSize' ? config.batchSize : config.model)}`;
  };
  const perBuffer: [string, number, (b: PlannedBuffer) => boolean][] = [
    ['maxStorageBufferBindingSize', limits.maxStorageBufferBindingSize, (b) => b.storage],
    ['maxBufferSize', limits.maxBufferSize, () => true],
  ];
  for (const [name, limit, applies] of perBuffer) {
    const over = plan.buffers.filter((b) => applies(b) && b.bytes > limit);
    if (over.length === 0) continue;
    const worst = over.reduce((a, b) => (b.bytes > a.bytes ? b : a));
    errors.push(
      `${shown(fieldFor(worst))}: buffer ${worst.label} needs ${formatBytes(worst.bytes)}, over this GPU's ${name} ` +
        `(${formatBytes(limit)}) by ${formatBytes(worst.bytes - limit)}` +
        (over.length > 1 ? ` (${over.length} buffers are over)` : '') +
        `; use a smaller ${worst.perBatch ? 'batch size' : 'model'}`,
    );
  }
  const budget = limits.budgetBytes ?? DEFAULT_MEMORY_BUDGET_BYTES;
  if (plan.totalBytes > budget) {
    const batchBytes = plan.buffers.filter((b) => b.perBatch).reduce((s, b) => s + b.bytes, 0);
    const field = batchBytes * 2 >= plan.totalBytes ? 'batchSize' : 'model';
    errors.push(
      `${shown(field)}: the comparison needs ${formatBytes(plan.totalBytes)} of GPU memory in ${plan.buffers.length} buffers, ` +
        `over the budget of ${formatBytes(budget)} by ${formatBytes(plan.totalBytes - budget)} ` +
        `(largest: ${plan.largest.label}, ${formatBytes(plan.largest.bytes)}); use a smaller ${field === 'batchSize' ? 'batch size' : 'model'} or fewer runs`,
    );
  }
  return errors;
}

/**
 * The memory plan as a check for validateConfig(…, { checks }): never throws; a model shape
 * the layers refuse is reported against `model`. `vocab` is the text dataset's, when known.
 */
export function memoryPlanCheck(limits: MemoryLimits, data?: ModelData | ((config: ComparisonConfig) => ModelData)): (config: ComparisonConfig) => string[] {
  return (config) => {
    try {
      const d = typeof data === 'function' ? data(config) : (data ?? modelDataFor(config));
      return checkMemoryPlan(planComparison(config, d), limits, config);
    } catch (e) {
      return [`model = ${JSON.stringify(config.model)}: ${e instanceof Error ? e.message : String(e)}`];
    }
  };
}
