// Each kernel family reads its own field of ctx.choices (docs/performance.md, "Kernel
// variants"): its own default while the field is unset, the chosen variant once set, whatever
// the other families chose. Checked on the KernelSpecs the real builders declare, without a GPU.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GpuContext, type KernelChoices, type KernelSpec } from '../../src/gpu/context';
import { fsShaderSource } from '../../src/gpu/shaderSourceFs';
import { BIAS_BACKWARD_VARIANTS, biasBackward, DEFAULT_BIAS_BACKWARD_VARIANT } from '../../src/nn/bias';
import { DEFAULT_LAYERNORM_COLUMNS, LAYERNORM_COLUMN_VARIANTS, layernormBackward } from '../../src/nn/layernorm';
import { DEFAULT_MATMUL_VARIANT, matmul, MATMUL_VARIANTS, MATMUL_WORKGROUP } from '../../src/nn/matmul';
import { applyKernelChoices, describeKernelChoices, KERNEL_FAMILIES, resumeKernelVariants, TIMED_FAMILIES, type KernelTuning } from '../../src/optim/kernelTuning';
import { DEFAULT_SELECT_VARIANT, RadixSelect, SELECT_CONFIGS, SELECT_VARIANTS } from '../../src/optim/radixSelect';
import { DEFAULT_REDUCE_VARIANT, reduce, REDUCE_CONFIGS, REDUCE_VARIANTS } from '../../src/optim/reduce';
import { fakeDevice, installFakeGpuGlobals, RecordingContext } from '../helpers/recordingGpu';

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

describe('recorded kernel choices (a checkpoint\'s kernel_choices)', () => {
  /** A context on the fake device, without the `subgroups` feature when asked. */
  const context = (subgroups: boolean, choices: Partial<KernelChoices> = {}) =>
    new GpuContext(subgroups ? fakeDevice() : Object.assign(fakeDevice(), { features: new Set<string>() }), fsShaderSource(), choices);
  const RECORDED = { matmul: 'quadShared', layernorm: 'serial', bias: 'serial', reduce: 'narrow', radixSelect: 'narrow' };

  it('sets every family to its recorded variant, and unsets a family the record lacks (it ran its default)', () => {
    expect([...KERNEL_FAMILIES].sort()).toEqual(Object.keys(RECORDED).sort());
    const ctx = context(true, { matmul: 'registerBlocked', reduce: 'wide' });
    expect(applyKernelChoices(ctx, RECORDED)).toEqual([]);
    expect(ctx.choices).toEqual(RECORDED);
    expect(applyKernelChoices(ctx, { layernorm: 'tree' })).toEqual([]);
    expect(ctx.choices).toEqual({ layernorm: 'tree' });
    expect(describeKernelChoices(ctx)).toBe('matmul sharedTiles (default), layernorm tree, bias tree (default), reduce wide (default), radixSelect wide (default)');
  });

  it('refuses an unknown family, an unknown variant and quadShared on a device without subgroups, saying why', () => {
    const ctx = context(false, { matmul: 'registerBlocked', bias: 'tree' });
    const issues = applyKernelChoices(ctx, { ...RECORDED, bias: 'diagonal', warp: 'fast' });
    expect(issues).toEqual([
      { family: 'warp', variant: 'fast', why: 'no such kernel family in this build' },
      { family: 'matmul', variant: 'quadShared', why: "needs the device feature 'subgroups', which this device lacks" },
      { family: 'bias', variant: 'diagonal', why: 'not a bias variant (tree, serial)' },
    ]);
    // The refused families keep their choice; the others follow the record.
    expect(ctx.choices).toEqual({ matmul: 'registerBlocked', layernorm: 'serial', bias: 'tree', reduce: 'narrow', radixSelect: 'narrow' });
    expect(applyKernelChoices(ctx, { matmul: 'fastest' })).toEqual([{ family: 'matmul', variant: 'fastest', why: 'not a matmul variant (registerBlocked, sharedTiles, quadShared)' }]);
  });

  it('on resume tunes only when a recorded choice cannot be applied, and keeps the record for the rest', async () => {
    let measured = 0;
    const family = <V extends string>(choice: V) => ({ choice, basis: 'measured' as const, timings: { [choice]: 1 } as Partial<Record<V, number>>, workload: '-' });
    const measure = (): Promise<KernelTuning> => {
      measured++;
      const tuning: KernelTuning = {
        matmul: { choice: 'registerBlocked', timings: { registerBlocked: 1 }, perShape: [], adapterKey: 'k', shapeDivisor: 1, measuredAt: '' },
        layernorm: family('tree'),
        bias: family('tree'),
        reduce: family('wide'),
        radixSelect: family('wide'),
        adapterKey: 'k',
        measuredAt: '',
        elapsedMs: { matmul: 0, layernorm: 0, bias: 0, reduce: 0, radixSelect: 0 },
      };
      return Promise.resolve(tuning);
    };
    const same = context(true);
    expect(await resumeKernelVariants(same, RECORDED, undefined, { measure, adapterKey: 'k' })).toEqual({ issues: [], tuned: [] });
    expect(measured).toBe(0);
    expect(same.choices).toEqual(RECORDED);
    // A family this build does not have is reported, not tuned.
    const unknown = await resumeKernelVariants(same, { ...RECORDED, warp: 'fast' }, undefined, { measure, adapterKey: 'k' });
    expect(unknown).toEqual({ issues: [{ family: 'warp', variant: 'fast', why: 'no such kernel family in this build' }], tuned: [] });
    expect(measured).toBe(0);

    const other = context(false);
    const { issues, tuned, tuning } = await resumeKernelVariants(other, RECORDED, undefined, { measure, adapterKey: 'k' });
    expect(measured).toBe(1);
    expect(issues.map((i) => i.family)).toEqual(['matmul']);
    expect(tuned).toEqual(['matmul']);
    expect(tuning?.matmul.choice).toBe('registerBlocked');
    expect(other.choices).toEqual({ ...RECORDED, matmul: 'registerBlocked' });
  });
});
