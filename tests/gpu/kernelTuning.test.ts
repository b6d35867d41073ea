// The per-adapter kernel tuning (src/optim/kernelTuning.ts): every family measured on its own
// representative workload, each choice applied to ctx.choices on its own, cached per adapter.
// Prints the choices and times (docs/performance.md, "Kernel variants" keeps one run's).
import { describe, expect, it } from 'vitest';
import { GpuContext, type KernelChoices } from '../../src/gpu/context';
import { MemoryTuningCache, type TuningCache } from '../../src/gpu/tuningCache';
import { BIAS_BACKWARD_VARIANTS } from '../../src/nn/bias';
import { LAYERNORM_COLUMN_VARIANTS } from '../../src/nn/layernorm';
import { availableMatmulVariants } from '../../src/nn/matmul';
import { matmulAdapterKey } from '../../src/nn/matmulTuning';
import { chooseKernelVariants, describeKernelTuning, kernelTuningKey, TIMED_FAMILIES, type KernelTuning, type KernelTuningOptions } from '../../src/optim/kernelTuning';
import { SELECT_VARIANTS } from '../../src/optim/radixSelect';
import { REDUCE_VARIANTS } from '../../src/optim/reduce';
import { useGpu } from '../helpers/gpu';

const VARIANTS: { [F in (typeof TIMED_FAMILIES)[number]]: readonly KernelChoices[F][] } = {
  layernorm: LAYERNORM_COLUMN_VARIANTS,
  bias: BIAS_BACKWARD_VARIANTS,
  reduce: REDUCE_VARIANTS,
  radixSelect: SELECT_VARIANTS,
};

/** A tuning with the given non-default choices and made-up times, as a measurement would return it. */
function fakeTuning(ctx: GpuContext, key: string, choices: Pick<KernelChoices, 'matmul' | 'reduce'>): KernelTuning {
  const measured = <V extends string>(choice: V, variants: readonly V[]) => ({
    choice,
    basis: 'measured' as const,
    timings: Object.fromEntries(variants.map((v) => [v, v === choice ? 1 : 2])) as Partial<Record<V, number>>,
    workload: 'fake',
  });
  return {
    matmul: { choice: choices.matmul, timings: { [choices.matmul]: 1 }, perShape: [], shapeDivisor: 1, adapterKey: matmulAdapterKey(ctx), measuredAt: '' },
    layernorm: measured('serial', LAYERNORM_COLUMN_VARIANTS),
    bias: measured('tree', BIAS_BACKWARD_VARIANTS),
    reduce: measured(choices.reduce, REDUCE_VARIANTS),
    radixSelect: measured('narrow', SELECT_VARIANTS),
    adapterKey: key,
    measuredAt: new Date(0).toISOString(),
    elapsedMs: { matmul: 0, layernorm: 0, bias: 0, reduce: 0, radixSelect: 0 },
  };
}

describe('per-adapter kernel tuning, one choice per family', () => {
  const gpu = useGpu();
  const freshCtx = () => new GpuContext(gpu().device, gpu().ctx.shaders);

  it('measures every variant of every family at its workload, picks the fastest, applies and caches each choice', async () => {
    const ctx = freshCtx();
    const cache = new MemoryTuningCache();
    const started = performance.now();
    // The matmul's own measurement is tested in matmulTuning.test.ts: small shapes here.
    const t = await chooseKernelVariants(ctx, cache, { matmul: { shapes: [{ M: 33, N: 47, K: 29 }], trials: 1 } });
    const wallMs = performance.now() - started;
    console.log(`kernel tuning: ${describeKernelTuning(t)}; ms per family ${JSON.stringify(t.elapsedMs, (_, v: unknown) => (typeof v === 'number' ? Math.round(v) : v))}, ${wallMs.toFixed(0)} ms in all`);
    expect(t.cached).toBe(false);
    expect(t.adapterKey).toBe(kernelTuningKey(ctx));
    expect(t.adapterKey).toMatch(/^kernels\|google\|swiftshader\|/); // the test adapter of these machines
    expect(availableMatmulVariants(ctx.device)).toContain(t.matmul.choice);
    expect(ctx.choices.matmul).toBe(t.matmul.choice);
    const positive = (ms: number | undefined) => ms !== undefined && ms > 0 && Number.isFinite(ms);
    for (const family of TIMED_FAMILIES) {
      const f = t[family];
      const timings: Partial<Record<string, number>> = f.timings;
      const screened: Partial<Record<string, number>> | undefined = f.screened;
      expect(f.basis, family).toBe('measured');
      expect(f.reason, family).toBeUndefined();
      // Every variant timed at full size, or left out by its screening run (3× the fastest's).
      for (const v of VARIANTS[family]) {
        if (v in timings) expect(positive(timings[v]), `${family} ${v} ${JSON.stringify(f)}`).toBe(true);
        else expect(screened?.[v], `${family} ${v} ${JSON.stringify(f)}`).toBeGreaterThan(3 * Math.min(...Object.values(screened ?? {}).map((x) => x ?? Infinity)));
        if (screened) expect(positive(screened[v]), `${family} ${v} screened`).toBe(true);
      }
      expect(timings[f.choice], family).toBe(Math.min(...Object.values(timings).map((x) => x ?? Infinity)));
      expect(ctx.choices[family], family).toBe(f.choice);
      expect(t.elapsedMs[family], family).toBeGreaterThan(0);
    }
    const again = freshCtx();
    const hit = await chooseKernelVariants(again, cache);
    expect(hit.cached).toBe(true);
    expect(again.choices).toEqual(ctx.choices);
  });

  it('applies each family from a cached answer, re-measures on force, a foreign key or an entry naming an unknown variant', async () => {
    let calls = 0;
    const measure = (choices: Pick<KernelChoices, 'matmul' | 'reduce'>) => async (ctx: GpuContext, opts: KernelTuningOptions) => {
      calls++;
      return fakeTuning(ctx, opts.adapterKey ?? kernelTuningKey(ctx), choices);
    };
    const cache = new MemoryTuningCache();
    let gets = 0;
    const counting: TuningCache = { get: (k) => (gets++, cache.get(k)), set: (k, v) => cache.set(k, v) };

    const ctx1 = freshCtx();
    const first = await chooseKernelVariants(ctx1, counting, { measure: measure({ matmul: 'registerBlocked', reduce: 'narrow' }) });
    expect(first.cached).toBe(false);
    // Each family its own choice: the matmul's says nothing about the others.
    expect(ctx1.choices).toEqual({ matmul: 'registerBlocked', layernorm: 'serial', bias: 'tree', reduce: 'narrow', radixSelect: 'narrow' });

    const ctx2 = freshCtx();
    const second = await chooseKernelVariants(ctx2, counting, { measure: measure({ matmul: 'sharedTiles', reduce: 'wide' }) });
    expect(second.cached).toBe(true);
    expect(ctx2.choices).toEqual(ctx1.choices);
    expect([calls, gets]).toEqual([1, 2]);

    await chooseKernelVariants(ctx2, counting, { measure: measure({ matmul: 'sharedTiles', reduce: 'wide' }), force: true });
    expect(calls).toBe(2);
    expect(ctx2.choices).toMatchObject({ matmul: 'sharedTiles', reduce: 'wide', layernorm: 'serial' });
    await chooseKernelVariants(ctx2, counting, { measure: measure({ matmul: 'sharedTiles', reduce: 'wide' }), adapterKey: 'kernels|other' });
    expect(calls).toBe(3);
    expect(cache.entries.size).toBe(2);

    const key = kernelTuningKey(ctx2);
    const stored = JSON.parse(cache.entries.get(key) ?? '{}') as KernelTuning;
    for (const bad of ['{not json', JSON.stringify({ ...stored, bias: { ...stored.bias, choice: 'bogus' } }), JSON.stringify({ ...stored, radixSelect: undefined })]) {
      cache.set(key, bad);
      expect((await chooseKernelVariants(freshCtx(), cache, { measure: measure({ matmul: 'registerBlocked', reduce: 'narrow' }) })).cached).toBe(false);
    }
    expect(calls).toBe(6);
  });
});
