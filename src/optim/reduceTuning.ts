// The reductions' per-adapter choice (docs/performance.md, "Kernel variants"): both
// configurations timed on the gradient norm of a gpt-tiny step, a sum of squares over its
// P = 416,384 parameters, after screening on a sixteenth of it (a configuration that does not
// suit the adapter costs hundreds of ms per run on SwiftShader).
import { createStorageBuffer } from '../gpu/buffers';
import type { GpuContext } from '../gpu/context';
import { timeVariants, type FamilyTuning, type VariantTimingOptions } from '../gpu/variantTiming';
import { reduce, REDUCE_CONFIGS, REDUCE_VARIANTS, type Reduction, type ReduceVariant } from './reduce';

export const REDUCE_TUNING_COUNT = 416_384;
/** Elements of the screening run. */
const SCREEN_COUNT = Math.ceil(REDUCE_TUNING_COUNT / 16);

/** Times every configuration; does not change ctx.choices. */
export async function tuneReduce(ctx: GpuContext, opts: VariantTimingOptions = {}): Promise<FamilyTuning<ReduceVariant>> {
  const n = REDUCE_TUNING_COUNT;
  const input = createStorageBuffer(ctx.device, 'ReduceTuning.input', n * 4);
  const out = createStorageBuffer(ctx.device, 'ReduceTuning.out', 4);
  const reductions: Reduction[] = [];
  try {
    const sumsq = (variant: ReduceVariant, count: number) => {
      const r = reduce(ctx, `ReduceTuning.${variant}`, { input, out }, 'sumsq', { n: count }, REDUCE_CONFIGS[variant]);
      reductions.push(r);
      return r.dispatches;
    };
    const runs = REDUCE_VARIANTS.map((variant) => ({ variant, dispatches: sumsq(variant, n), screen: sumsq(variant, SCREEN_COUNT) }));
    const t = await timeVariants(ctx.device, runs, opts);
    return { choice: t.fastest, basis: 'measured', timings: t.timings, screened: t.screened, repeats: t.repeats, workload: `sum of squares over n = ${n} (screened on ${SCREEN_COUNT})` };
  } finally {
    for (const r of reductions) r.destroy();
    input.destroy();
    out.destroy();
  }
}
