// The radix select's per-adapter choice (docs/performance.md, "Kernel variants"): both
// configurations timed on an IRE refresh's select over a gpt-tiny model's P = 416,384 entries
// (init, four histogram and pick passes, the mask), at rank ⌊0.6·P⌋ of values spread over many
// exponents, as Hessian-diagonal estimates are; screened first on a sixteenth of them.
import { createStorageBuffer, createStorageBufferWith } from '../gpu/buffers';
import type { GpuContext } from '../gpu/context';
import { timeVariants, type FamilyTuning, type VariantTimingOptions } from '../gpu/variantTiming';
import { Rng } from '../util/rng';
import { RadixSelect, SELECT_CONFIGS, SELECT_VARIANTS, type SelectVariant } from './radixSelect';

export const SELECT_TUNING_COUNT = 416_384;
/** Entries of the screening run. */
const SCREEN_COUNT = Math.ceil(SELECT_TUNING_COUNT / 16);

/** Times every configuration; does not change ctx.choices. */
export async function tuneRadixSelect(ctx: GpuContext, opts: VariantTimingOptions = {}): Promise<FamilyTuning<SelectVariant>> {
  const n = SELECT_TUNING_COUNT;
  const rng = new Rng(0x73656c);
  const h = createStorageBufferWith(ctx.device, 'SelectTuning.h', Float32Array.from({ length: n }, () => rng.uniform() * 10 ** rng.range(-12, 0)));
  const mask = createStorageBuffer(ctx.device, 'SelectTuning.mask', n * 4);
  const stats = createStorageBuffer(ctx.device, 'SelectTuning.stats', 2 * 4);
  const selects: RadixSelect[] = [];
  const select = (variant: SelectVariant, count: number) => {
    const s = new RadixSelect(ctx, `SelectTuning.${variant}`, { h, mask, stats }, { count, padCount: 0, countIndex: 0, thresholdIndex: 1 }, SELECT_CONFIGS[variant]);
    s.setRank(Math.floor(0.6 * count));
    selects.push(s);
    return s;
  };
  try {
    const runs = SELECT_VARIANTS.map((variant) => ({ variant, dispatches: select(variant, n).dispatches, screen: select(variant, SCREEN_COUNT).dispatches }));
    const t = await timeVariants(ctx.device, runs, opts);
    return { choice: t.fastest, basis: 'measured', timings: t.timings, screened: t.screened, repeats: t.repeats, workload: `select and mask over P = ${n} (screened on ${SCREEN_COUNT})` };
  } finally {
    for (const s of selects) s.destroy();
    for (const b of [h, mask, stats]) b.destroy();
  }
}
