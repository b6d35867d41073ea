// The bias gradient's per-adapter choice (docs/performance.md, "Kernel variants"): both variants
// timed on the widest bias of a gpt-tiny step, the fc layer's, B·T = 1024 rows of 4C = 512.
import { createStorageBuffer } from '../gpu/buffers';
import type { GpuContext, Kernel } from '../gpu/context';
import { timeVariants, type FamilyTuning, type VariantTimingOptions } from '../gpu/variantTiming';
import { BIAS_BACKWARD_VARIANTS, biasBackward, type BiasBackwardVariant } from './bias';

export const BIAS_TUNING_SHAPE = { N: 1024, OC: 512 } as const;

/** Times every variant; does not change ctx.choices. */
export async function tuneBiasBackward(ctx: GpuContext, opts: VariantTimingOptions = {}): Promise<FamilyTuning<BiasBackwardVariant>> {
  const { N, OC } = BIAS_TUNING_SHAPE;
  const dout = createStorageBuffer(ctx.device, 'BiasTuning.dout', N * OC * 4);
  const dbias = createStorageBuffer(ctx.device, 'BiasTuning.dbias', OC * 4);
  const kernels: Kernel[] = [];
  try {
    const runs = BIAS_BACKWARD_VARIANTS.map((variant) => {
      const k = biasBackward(ctx, `BiasTuning.${variant}`, { dout, dbias }, { N, OC }, variant);
      kernels.push(k);
      return { variant, dispatches: [k] };
    });
    const t = await timeVariants(ctx.device, runs, opts);
    return { choice: t.fastest, basis: 'measured', timings: t.timings, repeats: t.repeats, workload: `column sums, N = ${N} rows, OC = ${OC}` };
  } finally {
    for (const k of kernels) k.params?.destroy();
    dout.destroy();
    dbias.destroy();
  }
}
