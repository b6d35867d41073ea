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
import { availableMatmulVariants, DEFAULT_MATMUL_VARIANT, MATMUL_VARIANTS, MATMUL_WORKGROUP } from '../nn/matmul';
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

/** Every kernel family, the matmul first. */
export const KERNEL_FAMILIES: readonly (keyof KernelChoices)[] = ['matmul', ...TIMED_FAMILIES];

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
  const shaders = ['nn/matmul', 'nn/layernorm', 'util/rows', 'nn/bias', 'util/reduce', 'util/nancheck', 'optim/select'];
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

/** A recorded family choice that applyKernelChoices could not apply, and why. */
export interface KernelChoiceIssue {
  family: string;
  variant: string;
  why: string;
}

function isKernelFamily(family: string): family is keyof KernelChoices {
  return (KERNEL_FAMILIES as readonly string[]).includes(family);
}

/** Why this device cannot run `variant` of `family`, or undefined when it can. */
function variantProblem(ctx: GpuContext, family: keyof KernelChoices, variant: string): string | undefined {
  if (family === 'matmul') {
    if (!(MATMUL_VARIANTS as readonly string[]).includes(variant)) return `not a matmul variant (${MATMUL_VARIANTS.join(', ')})`;
    // The same check as a cached tuning's (parseKernelTuning): quadShared needs `subgroups`.
    if (!(availableMatmulVariants(ctx.device) as readonly string[]).includes(variant)) return "needs the device feature 'subgroups', which this device lacks";
    return undefined;
  }
  const variants: readonly string[] = TUNERS[family].variants;
  return variants.includes(variant) ? undefined : `not a ${family} variant (${variants.join(', ')})`;
}

/**
 * Sets ctx.choices to choices recorded by another run (a checkpoint's `kernel_choices`,
 * docs/checkpoints.md), so that a resumed run sums in the same order as the run that wrote it. A
 * family the record lacks ran its default, so its choice is unset here; a family whose variant
 * this build or this device cannot run keeps its current choice and is returned, with why.
 */
export function applyKernelChoices(ctx: GpuContext, recorded: Readonly<Record<string, string>>): KernelChoiceIssue[] {
  const issues: KernelChoiceIssue[] = [];
  for (const [family, variant] of Object.entries(recorded)) {
    if (!isKernelFamily(family)) issues.push({ family, variant, why: 'no such kernel family in this build' });
  }
  for (const family of KERNEL_FAMILIES) {
    const variant = recorded[family];
    if (variant === undefined) {
      delete ctx.choices[family];
      continue;
    }
    const why = variantProblem(ctx, family, variant);
    // No problem means `variant` is one of the family's variants.
    if (why === undefined) setChoice(ctx, family, variant as KernelChoices[typeof family]);
    else issues.push({ family, variant, why });
  }
  return issues;
}

/**
 * A resumed run's kernels: the recorded choices (applyKernelChoices); when a family's cannot be
 * applied, every family is tuned (chooseKernelVariants) and the recorded ones that can be are
 * set again, so only the refused families (`tuned`) differ from the record. A family unknown to
 * this build is only reported: there is nothing of it to tune.
 */
export async function resumeKernelVariants(
  ctx: GpuContext,
  recorded: Readonly<Record<string, string>>,
  cache?: TuningCache,
  opts: ChooseKernelOptions = {},
): Promise<{ issues: KernelChoiceIssue[]; tuned: (keyof KernelChoices)[]; tuning?: KernelTuning & { cached: boolean } }> {
  const issues = applyKernelChoices(ctx, recorded);
  const tuned = issues.map((i) => i.family).filter(isKernelFamily);
  if (tuned.length === 0) return { issues, tuned };
  const tuning = await chooseKernelVariants(ctx, cache, opts);
  applyKernelChoices(ctx, recorded);
  return { issues, tuned, tuning };
}

/** "matmul quadShared, layernorm serial, bias tree (default), …": ctx's choice of every family, for logs. */
export function describeKernelChoices(ctx: GpuContext): string {
  const defaultOf = (f: keyof KernelChoices): string => (f === 'matmul' ? DEFAULT_MATMUL_VARIANT : TUNERS[f].fallback);
  return KERNEL_FAMILIES.map((f) => `${f} ${ctx.choices[f] ?? `${defaultOf(f)} (default)`}`).join(', ');
}

/** "matmul quadShared: needs the device feature …; foo bar: no such kernel family in this build", for messages. */
export function describeKernelChoiceIssues(issues: readonly KernelChoiceIssue[]): string {
  return issues.map((i) => `${i.family} ${i.variant}: ${i.why}`).join('; ');
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
