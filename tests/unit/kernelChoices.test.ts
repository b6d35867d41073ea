// Each kernel family reads its own field of ctx.choices (docs/performance.md, "Kernel
// variants"): its own default while the field is unset, the chosen variant once set, whatever
// the other families chose. Checked on the KernelSpecs the real builders declare, without a GPU.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { KernelChoices, KernelSpec } from '../../src/gpu/context';
import { BIAS_BACKWARD_VARIANTS, biasBackward, DEFAULT_BIAS_BACKWARD_VARIANT } from '../../src/nn/bias';
import { DEFAULT_LAYERNORM_COLUMNS, LAYERNORM_COLUMN_VARIANTS, layernormBackward } from '../../src/nn/layernorm';
import { DEFAULT_MATMUL_VARIANT, matmul, MATMUL_VARIANTS, MATMUL_WORKGROUP } from '../../src/nn/matmul';
import { TIMED_FAMILIES } from '../../src/optim/kernelTuning';
import { DEFAULT_SELECT_VARIANT, RadixSelect, SELECT_CONFIGS, SELECT_VARIANTS } from '../../src/optim/radixSelect';
import { DEFAULT_REDUCE_VARIANT, reduce, REDUCE_CONFIGS, REDUCE_VARIANTS } from '../../src/optim/reduce';
import { installFakeGpuGlobals, RecordingContext } from '../helpers/recordingGpu';

type Family = keyof KernelChoices;

interface FamilyProbe {
  variants: readonly string[];
  fallback: string;
  /** Builds the family's kernels on ctx with no variant passed, so ctx.choices decides. */
  build(ctx: RecordingContext): void;
  /** The variant the recorded specs of one build were made in. */
  variantOf(specs: readonly KernelSpec[]): string;
}

const buffer = (ctx: RecordingContext, floats: number) => ctx.device.createBuffer({ size: floats * 4, usage: GPUBufferUsage.STORAGE });
const only = <T>(values: readonly T[], what: string): T => {
  const distinct = [...new Set(values)];
  if (distinct.length !== 1) throw new Error(`${what}: ${JSON.stringify(distinct)}`);
  return distinct[0];
};
const byConfig = <V extends string>(configs: Readonly<Record<V, { wg: number }>>, wg: number): string =>
  Object.entries<{ wg: number }>(configs).find(([, c]) => c.wg === wg)?.[0] ?? `wg ${wg}`;

const PROBES: Record<Family, FamilyProbe> = {
  matmul: {
    variants: MATMUL_VARIANTS,
    fallback: DEFAULT_MATMUL_VARIANT,
    build: (ctx) => void matmul(ctx, 'm', { a: buffer(ctx, 64), b: buffer(ctx, 64), c: buffer(ctx, 64) }, { M: 8, N: 8, K: 8 }),
    variantOf: (specs) =>
      only(
        specs.map((s) => (s.defines?.SHARED_TILES ? 'sharedTiles' : s.defines?.QUAD_SHARED ? 'quadShared' : s.overrides?.WG_Y === MATMUL_WORKGROUP.registerBlocked.y ? 'registerBlocked' : '?')),
        'matmul',
      ),
  },
  layernorm: {
    variants: LAYERNORM_COLUMN_VARIANTS,
    fallback: DEFAULT_LAYERNORM_COLUMNS,
    build: (ctx) => {
      const n = (f: number) => buffer(ctx, f);
      layernormBackward(ctx, 'ln', { inp: n(64), weight: n(8), mean: n(8), rstd: n(8), dout: n(64), dinp: n(64), dweight: n(8), dbias: n(8) }, { N: 8, C: 8 });
    },
    variantOf: (specs) => only(specs.filter((s) => s.defines?.BACKWARD_PARAMS).map((s) => (s.defines?.SERIAL_COLUMNS ? 'serial' : 'tree')), 'layernorm'),
  },
  bias: {
    variants: BIAS_BACKWARD_VARIANTS,
    fallback: DEFAULT_BIAS_BACKWARD_VARIANT,
    build: (ctx) => void biasBackward(ctx, 'b', { dout: buffer(ctx, 64), dbias: buffer(ctx, 8) }, { N: 8, OC: 8 }),
    variantOf: (specs) => only(specs.map((s) => (s.defines?.SERIAL ? 'serial' : 'tree')), 'bias'),
  },
  reduce: {
    variants: REDUCE_VARIANTS,
    fallback: DEFAULT_REDUCE_VARIANT,
    build: (ctx) => void reduce(ctx, 'r', { input: buffer(ctx, 1000), out: buffer(ctx, 4) }, 'sum', { n: 1000 }),
    variantOf: (specs) => only(specs.map((s) => byConfig(REDUCE_CONFIGS, s.overrides?.WG ?? 0)), 'reduce'),
  },
  radixSelect: {
    variants: SELECT_VARIANTS,
    fallback: DEFAULT_SELECT_VARIANT,
    build: (ctx) => void new RadixSelect(ctx, 's', { h: buffer(ctx, 1000), mask: buffer(ctx, 1000), stats: buffer(ctx, 2) }, { count: 1000, padCount: 0, countIndex: 0, thresholdIndex: 1 }),
    variantOf: (specs) => only(specs.map((s) => byConfig(SELECT_CONFIGS, s.overrides?.WG ?? 0)), 'radixSelect'),
  },
};
const FAMILIES = Object.keys(PROBES) as Family[];

/** The variant `family`'s builders use on a context with these choices. */
function built(family: Family, choices: Partial<KernelChoices>): string {
  const ctx = new RecordingContext(choices);
  PROBES[family].build(ctx);
  return PROBES[family].variantOf(ctx.recorded.map((r) => r.spec));
}

describe('per-family kernel choices', () => {
  beforeAll(() => installFakeGpuGlobals());
  afterAll(() => vi.unstubAllGlobals());

  it('every family with a choice is probed here and tuned by the kernel tuning', () => {
    expect([...TIMED_FAMILIES, 'matmul'].sort()).toEqual([...FAMILIES].sort());
  });

  it('an unchosen family uses its own default, the GPU-shaped variant', () => {
    expect(Object.fromEntries(FAMILIES.map((f) => [f, built(f, {})]))).toEqual({ matmul: 'sharedTiles', layernorm: 'tree', bias: 'tree', reduce: 'wide', radixSelect: 'wide' });
    for (const f of FAMILIES) expect(built(f, {})).toBe(PROBES[f].fallback);
  });

  for (const family of FAMILIES) {
    it(`${family} follows its own choice, every variant, whatever the others chose`, () => {
      for (const variant of PROBES[family].variants) {
        expect(built(family, { [family]: variant })).toBe(variant);
        // Every other family set to the variant that is not its default: no effect on this one.
        const others = Object.fromEntries(FAMILIES.filter((f) => f !== family).map((f) => [f, PROBES[f].variants.find((v) => v !== PROBES[f].fallback)]));
        expect(built(family, { ...others, [family]: variant })).toBe(variant);
        expect(built(family, others)).toBe(PROBES[family].fallback);
      }
    });
  }
});
