// The per-adapter kernel tuning (docs/performance.md, "Kernel variants"): every kernel family's
// variant chosen on its own, each by timing its variants at a representative training shape
// (the family's tuning module says which), then set in ctx.choices. Hosts call
// chooseKernelVariants once at start-up (the worker, the CLI, the bench, the GPU tests). It lives
// here, the lowest layer that sees every family (src/nn and src/optim).
import type { GpuContext, KernelChoices } from '../gpu/context';
import { tuningKey, type TuningCache } from '../gpu/tuningCache';
import type { FamilyTuning, VariantTimingOptions } from '../gpu/variantTiming';
import { BIAS_BACKWARD_VARIANTS, DEFAULT_BIAS_BACKWARD_VARIANT } from '../nn/bias';
import { BIAS_TUNING_SHAPE, tuneBiasBackward } from '../nn/biasTuning';
import { DEFAULT_LAYERNORM_COLUMNS, LAYERNORM_COLUMN_VARIANTS } from '../nn/layernorm';
import { LAYERNORM_TUNING_SHAPE, tuneLayernorm } from '../nn/layernormTuning';
import { availableMatmulVariants, MATMUL_WORKGROUP } from '../nn/matmul';
import { checkMatmulTuning, describeTimings, measureMatmulVariants, type MatmulTuning, type MatmulTuningOptions } from '../nn/matmulTuning';
import { DEFAULT_SELECT_VARIANT, SELECT_CONFIGS, SELECT_VARIANTS } from './radixSelect';
import { SELECT_TUNING_COUNT, tuneRadixSelect } from './radixSelectTuning';
import { DEFAULT_REDUCE_VARIANT, REDUCE_CONFIGS, REDUCE_VARIANTS } from './reduce';
import { REDUCE_TUNING_COUNT, tuneReduce } from './reduceTuning';

/** The families chosen by timeVariants (the matmul has its own, verified measurement). */
export type TimedFamily = Exclude<keyof KernelChoices, 'matmul'>;

interface FamilyTuner<V extends string> {
  variants: readonly V[];
  /** What the family uses when its measurement fails. */
  fallback: V;
  tune(ctx: GpuContext, opts: VariantTimingOptions): Promise<FamilyTuning<V>>;
}

/** One tuner per family; the mapped type makes a family added to KernelChoices a compile error here until it has one. */
const TUNERS: { [F in TimedFamily]: FamilyTuner<KernelChoices[F]> } = {
  layernorm: { variants: LAYERNORM_COLUMN_VARIANTS, fallback: DEFAULT_LAYERNORM_COLUMNS, tune: tuneLayernorm },
  bias: { variants: BIAS_BACKWARD_VARIANTS, fallback: DEFAULT_BIAS_BACKWARD_VARIANT, tune: tuneBiasBackward },
  reduce: { variants: REDUCE_VARIANTS, fallback: DEFAULT_REDUCE_VARIANT, tune: tuneReduce },
  radixSelect: { variants: SELECT_VARIANTS, fallback: DEFAULT_SELECT_VARIANT, tune: tuneRadixSelect },
};

export const TIMED_FAMILIES = Object.keys(TUNERS) as TimedFamily[];

export type FamilyTunings = { [F in TimedFamily]: FamilyTuning<KernelChoices[F]> };

/** Every family's choice, how it was made and the times it was made from. */
export interface KernelTuning extends FamilyTunings {
  matmul: MatmulTuning;
  adapterKey: string;
  /** ISO time of the measurement. */
  measuredAt: string;
  /** Wall ms each family's tuning took, pipeline compilation included. */
  elapsedMs: Record<keyof KernelChoices, number>;
}

export interface KernelTuningOptions {
  /** The matmul's measurement (shapes, trials, budget). */
  matmul?: MatmulTuningOptions;
  /** The other families' timing (trials, budget per family). */
  families?: VariantTimingOptions;
  /** Overrides the key derived from the device's adapter info. */
  adapterKey?: string;
}

/** "kernels|vendor|architecture|device|description|code-hash": the adapter, every family's shaders, configurations and workloads. */
export function kernelTuningKey(ctx: GpuContext): string {
  const shaders = ['nn/matmul', 'nn/layernorm', 'nn/bias', 'util/reduce', 'util/nancheck', 'optim/select'];
  const extra = { MATMUL_WORKGROUP, REDUCE_CONFIGS, SELECT_CONFIGS, LAYERNORM_TUNING_SHAPE, BIAS_TUNING_SHAPE, REDUCE_TUNING_COUNT, SELECT_TUNING_COUNT };
  return tuningKey(ctx, 'kernels', shaders, JSON.stringify(extra));
}

async function tuneFamily<F extends TimedFamily>(ctx: GpuContext, family: F, opts: VariantTimingOptions): Promise<FamilyTuning<KernelChoices[F]>> {
  const tuner: FamilyTuner<KernelChoices[F]> = TUNERS[family];
  try {
    return await tuner.tune(ctx, opts);
  } catch (e) {
    return { choice: tuner.fallback, basis: 'default', timings: {}, workload: '-', reason: e instanceof Error ? e.message : String(e) };
  }
}

/** Times every family's variants (the matmul's verified first); does not change ctx.choices. */
export async function measureKernelVariants(ctx: GpuContext, opts: KernelTuningOptions = {}): Promise<KernelTuning> {
  const adapterKey = opts.adapterKey ?? kernelTuningKey(ctx);
  let t0 = performance.now();
  const matmul = await measureMatmulVariants(ctx, opts.matmul);
  const elapsedMs = { matmul: performance.now() - t0 } as Record<keyof KernelChoices, number>;
  const families = {} as FamilyTunings;
  for (const family of TIMED_FAMILIES) {
    t0 = performance.now();
    setFamily(families, family, await tuneFamily(ctx, family, opts.families ?? {}));
    elapsedMs[family] = performance.now() - t0;
  }
  return { ...families, matmul, adapterKey, measuredAt: new Date().toISOString(), elapsedMs };
}

function setFamily<F extends TimedFamily>(into: FamilyTunings, family: F, tuning: FamilyTunings[F]): void {
  into[family] = tuning;
}

function setChoice<F extends keyof KernelChoices>(ctx: GpuContext, family: F, choice: KernelChoices[F]): void {
  ctx.choices[family] = choice;
}

/** Sets every family's choice of `tuning` in ctx.choices. */
export function applyKernelTuning(ctx: GpuContext, tuning: KernelTuning): void {
  setChoice(ctx, 'matmul', tuning.matmul.choice);
  for (const family of TIMED_FAMILIES) setChoice(ctx, family, tuning[family].choice);
}

/** A cached KernelTuning, or undefined when the JSON is missing, malformed, stale or names a variant this device lacks. */
function parseKernelTuning(json: string | null | undefined, key: string, ctx: GpuContext): KernelTuning | undefined {
  if (!json) return undefined;
  try {
    const t = JSON.parse(json) as Partial<KernelTuning>;
    // The matmul part keeps its own key (src/nn/matmulTuning.ts); `key` covers its shader too.
    if (t.adapterKey !== key || !t.matmul || !checkMatmulTuning(t.matmul, t.matmul.adapterKey, availableMatmulVariants(ctx.device))) return undefined;
    for (const family of TIMED_FAMILIES) {
      const f: unknown = t[family];
      const choice = typeof f === 'object' && f !== null ? (f as { choice?: unknown }).choice : undefined;
      if (!(TUNERS[family].variants as readonly unknown[]).includes(choice)) return undefined;
    }
    return t as KernelTuning;
  } catch {
    return undefined;
  }
}

export interface ChooseKernelOptions extends KernelTuningOptions {
  /** Measures even when the cache has an answer (the answer is then replaced). */
  force?: boolean;
  /** The measurement to run on a cache miss (tests inject a counter); default measureKernelVariants. */
  measure?: (ctx: GpuContext, opts: KernelTuningOptions) => Promise<KernelTuning>;
}

/**
 * Sets every family's choice in ctx.choices to the faster variant on this adapter: the cached
 * answer for the adapter key when there is a valid one, else a fresh measurement, then cached.
 */
export async function chooseKernelVariants(ctx: GpuContext, cache?: TuningCache, opts: ChooseKernelOptions = {}): Promise<KernelTuning & { cached: boolean }> {
  const { force, measure = measureKernelVariants, ...measureOpts } = opts;
  const key = measureOpts.adapterKey ?? kernelTuningKey(ctx);
  if (cache && !force) {
    const hit = parseKernelTuning(await cache.get(key), key, ctx);
    if (hit) {
      applyKernelTuning(ctx, hit);
      return { ...hit, cached: true };
    }
  }
  const tuning = await measure(ctx, { ...measureOpts, adapterKey: key });
  applyKernelTuning(ctx, tuning);
  if (cache) await cache.set(key, JSON.stringify(tuning));
  return { ...tuning, cached: false };
}

const ms = (x: unknown) => (typeof x === 'number' ? x : NaN).toFixed(2);

/** "tree 1.20, serial 0.41" or "wide out at screening (31.20), narrow 6.09": a family's times, for logs. */
function describeFamily<V extends string>(t: FamilyTuning<V>): string {
  if (t.basis !== 'measured') return `${t.basis}${t.reason ? `: ${t.reason}` : ''}`;
  const timed = Object.entries(t.timings).map(([v, x]) => `${v} ${ms(x)}`);
  const out = Object.entries(t.screened ?? {})
    .filter(([v]) => !(v in t.timings))
    .map(([v, x]) => `${v} out at screening (${ms(x)})`);
  return [...out, ...timed].join(', ');
}

/** "matmul quadShared (registerBlocked 5.83, …); layernorm serial (tree 1.20, serial 0.41); …" (ms per run), for logs. */
export function describeKernelTuning(t: KernelTuning): string {
  const rows = [`matmul ${t.matmul.choice} (${describeTimings(t.matmul)})`];
  for (const family of TIMED_FAMILIES) rows.push(`${family} ${t[family].choice} (${describeFamily(t[family])})`);
  return rows.join('; ');
}
