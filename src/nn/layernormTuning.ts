// The layernorm's per-adapter choice (docs/performance.md, "Kernel variants"): both variants of
// the dweight/dbias column sums timed on those of a gpt-tiny step, B·T = 1024 rows of C = 128.
import { createStorageBuffer } from '../gpu/buffers';
import type { GpuContext, Kernel } from '../gpu/context';
import { timeVariants, type FamilyTuning, type VariantTimingOptions } from '../gpu/variantTiming';
import { LAYERNORM_COLUMN_VARIANTS, layernormBackward, type ColumnVariant } from './layernorm';

export const LAYERNORM_TUNING_SHAPE = { N: 1024, C: 128 } as const;

/** Times every column variant; does not change ctx.choices. */
export async function tuneLayernorm(ctx: GpuContext, opts: VariantTimingOptions = {}): Promise<FamilyTuning<ColumnVariant>> {
  const { N, C } = LAYERNORM_TUNING_SHAPE;
  const owned: GPUBuffer[] = [];
  const kernels: Kernel[] = [];
  const buf = (name: string, floats: number) => {
    const b = createStorageBuffer(ctx.device, `LayernormTuning.${name}`, floats * 4);
    owned.push(b);
    return b;
  };
  try {
    const b = {
      inp: buf('inp', N * C),
      weight: buf('weight', C),
      mean: buf('mean', N),
      rstd: buf('rstd', N),
      dout: buf('dout', N * C),
      dinp: buf('dinp', N * C),
      dweight: buf('dweight', C),
      dbias: buf('dbias', C),
    };
    const runs = LAYERNORM_COLUMN_VARIANTS.map((columns) => {
      const backward = layernormBackward(ctx, `LayernormTuning.${columns}`, b, { N, C, columns });
      kernels.push(...backward.kernels);
      return { variant: columns, dispatches: [backward.dparams] };
    });
    const t = await timeVariants(ctx.device, runs, opts);
    return { choice: t.fastest, basis: 'measured', timings: t.timings, repeats: t.repeats, workload: `dweight/dbias column sums, N = ${N} rows, C = ${C}` };
  } finally {
    for (const k of kernels) k.params?.destroy();
    for (const b of owned) b.destroy();
  }
}
