// The memory plan of a comparison: every GPU buffer the engine allocates for it, computed from
// the config alone, before anything is allocated. It sums the buffer tables the constructors
// allocate from (src/gpu/bufferTable.ts; composed by comparison.ts `comparisonBuffers`), so it
// cannot drift from them.
//
// `checkMemoryPlan` refuses a plan whose largest buffer exceeds the device's
// maxStorageBufferBindingSize or maxBufferSize (naming the buffer and by how much) or whose
// total exceeds a budget; `memoryPlanCheck` packages that as a ConfigCheck for validateConfig.
// Not listed: uniform buffers (one small Params struct per kernel, a few KiB in all) and what a
// sharpness measurement allocates when it first runs (models.ts `modelTangentBuffers` and the
// estimator's vectors).
import { IMAGE_SHAPE } from '../data/datasets';
import { declBytes, type BufferDecl, type BufferRole } from '../gpu/bufferTable';
import { comparisonBuffers } from './comparison';
import type { ComparisonConfig, ModelConfig } from './config';
import { comparisonModelConfig, type ModelData } from './models';

/** Vocabulary assumed for a text dataset whose tokenizer is not known yet (character level). */
export const ASSUMED_VOCAB = 256;
/** Default total budget: what a browser tab can reasonably ask of a GPU. */
export const DEFAULT_MEMORY_BUDGET_BYTES = 2 * 1024 ** 3;

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

/** The model a comparison builds: `override` (tests, benchmarks) or the config's (its preset, `mlpHidden`) with its data filled in. */
export function plannedModelConfig(config: ComparisonConfig, data: ModelData, override?: ModelConfig): ModelConfig {
  return override ?? comparisonModelConfig(config, { ...data, vocab: data.vocab ?? ASSUMED_VOCAB });
}

/** What a dataset tells the model before it is loaded: its image shape, or an assumed vocabulary. */
export function modelDataFor(config: ComparisonConfig, vocab?: number): ModelData {
  const shape = IMAGE_SHAPE[config.dataset];
  if (shape) return { image: { C: shape[0], H: shape[1], W: shape[2] } };
  return { vocab: vocab ?? ASSUMED_VOCAB };
}

const planned = (d: BufferDecl): PlannedBuffer => ({ label: d.name, bytes: declBytes(d), role: d.role, storage: d.storage, perBatch: d.perBatch });

/**
 * Every buffer the Comparisons of `config` allocate (per seed: batch buffers, metrics ring, then
 * each run), in allocation order. Throws on a model shape the layers would refuse (as the constructors do).
 */
export function planComparison(config: ComparisonConfig, data: ModelData, options: { model?: ModelConfig; ringDepth?: number } = {}): MemoryPlan {
  const one = comparisonBuffers(config, plannedModelConfig(config, data, options.model), data, options.ringDepth).map(planned);
  // Each seed is a Comparison of its own (src/worker/session.ts): its buffers again.
  const buffers = Array.from({ length: config.seeds }, () => one).flat();
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
