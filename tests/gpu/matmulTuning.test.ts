import { describe, expect, it } from 'vitest';
import { GpuContext } from '../../src/gpu/context';
import { availableMatmulVariants } from '../../src/nn/matmul';
import { MATMUL_VARIANTS, MemoryTuningCache, describeTimings, verifyMatmulVariants, chooseMatmulVariant, matmulAdapterKey, measureMatmulVariants, storageTuningCache, type MatmulTuning, type MatmulTuningOptions, type TuningCache } from '../../src/nn/matmulTuning';
import { useGpu } from '../helpers/gpu';

describe('per-adapter matmul variant choice', () => {
  const gpu = useGpu();

  /** A fresh context (its own choices) on the shared device. */
  const freshCtx = () => new GpuContext(gpu().device, gpu().ctx.shaders);

  it('the test adapter offers subgroups, so all three variants are measured', () => {
    expect(availableMatmulVariants(gpu().device)).toEqual(['registerBlocked', 'sharedTiles', 'quadShared']);
  });

  it('leaves out a variant that does not compile, with the reason, and no device error', async () => {
    // The quadShared block of the shader broken on purpose (a type error only that variant sees).
    const real = gpu().ctx.shaders;
    const broken = {
      text: (path: string) => {
        const t = real.text(path);
        return path === 'nn/matmul' ? t.replace('let quadLane = lane & 3u;', 'let quadLane = lane & 3u;\n  let broken: f32 = 1u;') : t;
      },
    };
    expect(broken.text('nn/matmul')).toContain('let broken: f32 = 1u;');
    const ctx = new GpuContext(gpu().device, broken);
    const errors: GPUError[] = [];
    const onError = (e: Event) => errors.push((e as GPUUncapturedErrorEvent).error);
    gpu().device.addEventListener('uncapturederror', onError);
    try {
      const rejected = await verifyMatmulVariants(ctx, availableMatmulVariants(gpu().device));
      expect(rejected.map((r) => r.variant)).toEqual(['quadShared']);
      expect(rejected[0].maxError).toBe(Infinity);
      expect(rejected[0].reason).toMatch(/f32|u32|type/i);
      expect(describeTimings({ timings: { registerBlocked: 1 }, rejected })).toMatch(/^registerBlocked 1\.00, quadShared rejected \(/);
    } finally {
      gpu().device.removeEventListener('uncapturederror', onError);
    }
    expect(errors).toEqual([]);
  });

  it('every variant reproduces the CPU product on this adapter (none rejected)', async () => {
    expect(await verifyMatmulVariants(gpu().ctx, availableMatmulVariants(gpu().device))).toEqual([]);
  });

  it('measures every available variant on the default shapes', async () => {
    const ctx = gpu().ctx;
    const before = ctx.choices.matmul;
    const t = await measureMatmulVariants(ctx);
    const variants = availableMatmulVariants(ctx.device);
    expect(variants).toContain(t.choice);
    expect(t.rejected).toEqual([]);
    for (const v of variants) {
      expect(t.timings[v]).toBeGreaterThan(0);
      expect(Number.isFinite(t.timings[v])).toBe(true);
    }
    expect(t.timings[t.choice]).toBe(Math.min(...variants.map((v) => t.timings[v] ?? Infinity)));
    // Full size on a fast adapter; every side divided by a power of two on a slow one.
    const d = t.shapeDivisor;
    expect(Math.log2(d) % 1).toBe(0);
    // K shrinks first (not below 16), so the workgroup grid stays that of the full shape.
    const shrunk = (M: number, N: number, K: number) => {
      const k = Math.max(Math.min(K, 16), Math.round(K / d));
      const rest = Math.min(1, Math.sqrt(K / k / d));
      return `${Math.round(M * rest)}x${Math.round(N * rest)}x${k}`;
    };
    expect(t.perShape.map((r) => `${r.shape} ${r.variant}`)).toEqual([
      ...variants.map((v) => `${shrunk(1024, 256, 128)} transB ${v}`),
      ...variants.map((v) => `${shrunk(128, 128, 1024)} transA ${v}`),
    ]);
    if (d <= 8) expect(t.perShape[0].shape).toBe(`1024x256x${128 / d} transB`);
    for (const r of t.perShape) expect(r.ms).toBeGreaterThan(0);
    expect(t.adapterKey).toBe(matmulAdapterKey(ctx));
    expect(t.adapterKey).toMatch(/^matmul\|google\|swiftshader\|/); // the test adapter of these machines
    expect(ctx.choices.matmul).toBe(before); // measuring alone changes nothing
  });

  it('applies the measured choice, caches it, and reuses it without measuring', async () => {
    let calls = 0;
    const fake = (choice: MatmulTuning['choice']) => async (ctx: GpuContext, opts: MatmulTuningOptions): Promise<MatmulTuning> => {
      calls++;
      return {
        choice,
        timings: { registerBlocked: choice === 'registerBlocked' ? 1 : 2, sharedTiles: choice === 'sharedTiles' ? 1 : 2 },
        perShape: [],
        shapeDivisor: 1,
        adapterKey: opts.adapterKey ?? matmulAdapterKey(ctx),
        measuredAt: new Date(0).toISOString(),
      };
    };
    const cache = new MemoryTuningCache();
    let gets = 0;
    const counting: TuningCache = { get: (k) => (gets++, cache.get(k)), set: (k, v) => cache.set(k, v) };

    const ctx1 = freshCtx();
    ctx1.choices.matmul = 'sharedTiles';
    const first = await chooseMatmulVariant(ctx1, counting, { measure: fake('registerBlocked') });
    expect(first.cached).toBe(false);
    expect(ctx1.choices.matmul).toBe('registerBlocked');
    expect(calls).toBe(1);
    expect(cache.entries.size).toBe(1);

    const ctx2 = freshCtx();
    ctx2.choices.matmul = 'sharedTiles';
    const second = await chooseMatmulVariant(ctx2, counting, { measure: fake('sharedTiles') });
    expect(second.cached).toBe(true);
    expect(ctx2.choices.matmul).toBe('registerBlocked');
    expect(calls).toBe(1); // not measured again
    expect(gets).toBe(2);

    // force re-measures and replaces the entry; another adapter key misses.
    await chooseMatmulVariant(ctx2, counting, { measure: fake('sharedTiles'), force: true });
    expect(calls).toBe(2);
    expect(ctx2.choices.matmul).toBe('sharedTiles');
    await chooseMatmulVariant(ctx2, counting, { measure: fake('registerBlocked'), adapterKey: 'matmul|other' });
    expect(calls).toBe(3);
    expect(cache.entries.size).toBe(2);
  });

  it('ignores a malformed or foreign cache entry', async () => {
    const ctx = freshCtx();
    const key = matmulAdapterKey(ctx);
    let calls = 0;
    const measure = async (): Promise<MatmulTuning> => {
      calls++;
      return { choice: 'sharedTiles', timings: { registerBlocked: 3, sharedTiles: 1 }, perShape: [], shapeDivisor: 1, adapterKey: key, measuredAt: '' };
    };
    const store = new Map<string, string>();
    const cache = storageTuningCache({ getItem: (k) => store.get(k) ?? null, setItem: (k, v) => void store.set(k, v) }, 'test.');
    for (const bad of ['{not json', JSON.stringify({ choice: 'naive', timings: { registerBlocked: 1, sharedTiles: 1 }, adapterKey: key }), JSON.stringify({ choice: 'sharedTiles', timings: { registerBlocked: 1, sharedTiles: 1 }, adapterKey: 'elsewhere' })]) {
      store.set(`test.${key}`, bad);
      const t = await chooseMatmulVariant(ctx, cache, { measure });
      expect(t.cached).toBe(false);
    }
    expect(calls).toBe(3);
    expect(JSON.parse(store.get(`test.${key}`) ?? '{}')).toMatchObject({ choice: 'sharedTiles', adapterKey: key });
  });

  it('measures for real on a cache miss and caches that answer', async () => {
    const ctx = gpu().ctx; // its pipelines are compiled already
    const saved = ctx.choices.matmul;
    const cache = new MemoryTuningCache();
    const shapes = [{ M: 33, N: 47, K: 29 }];
    const t = await chooseMatmulVariant(ctx, cache, { shapes, trials: 1 });
    expect(t.cached).toBe(false);
    expect(MATMUL_VARIANTS).toContain(t.choice);
    expect(ctx.choices.matmul).toBe(t.choice);
    expect(t.perShape).toHaveLength(availableMatmulVariants(ctx.device).length);
    const again = await chooseMatmulVariant(freshCtx(), cache, { shapes, trials: 1 });
    expect(again.cached).toBe(true);
    expect(again.choice).toBe(t.choice);
    ctx.choices.matmul = saved;
  });
});
