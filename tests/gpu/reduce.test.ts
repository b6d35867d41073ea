import { describe, expect, it } from 'vitest';
import { createStorageBuffer, createStorageBufferWith } from '../../src/gpu/buffers';
import { submitDispatches } from '../../src/gpu/dispatch';
import { readFloat32 } from '../../src/gpu/readback';
import { countNonFinite, reduce, REDUCE_CONFIGS, REDUCE_MAX_GROUPS, REDUCE_VARIANTS, REDUCE_WG, type ReduceConfig, type ReduceOp } from '../../src/optim/reduce';
import { countNonFiniteRef, reduceRef } from '../../src/ref/reduce';
import { Rng } from '../../src/util/rng';
import { useGpu } from '../helpers/gpu';

const OPS: ReduceOp[] = ['sum', 'sumsq', 'max', 'maxabs'];
// 1, primes, around one workgroup, and past REDUCE_MAX_GROUPS·WG (the grid-stride loop).
const SIZES = [1, 7, 255, 257, 4099, REDUCE_MAX_GROUPS * REDUCE_WG + 1013];
// Every workgroup configuration (each adapter uses the one its tuning chose; the order of the sum depends on it).
const CONFIGS: [string, ReduceConfig][] = REDUCE_VARIANTS.map((v) => [v, REDUCE_CONFIGS[v]]);

describe('two-pass reductions against the CPU reference', () => {
  const gpu = useGpu();

  for (const [name, config] of CONFIGS) it(`${name} configuration: sum, sumsq, max, maxabs on awkward sizes, packed into one output buffer`, async () => {
    const { ctx, device } = gpu();
    for (const n of SIZES) {
      const x = new Rng(n).uniformArray(n, -3, 1);
      const input = createStorageBufferWith(device, 'Test.x', x);
      const out = createStorageBuffer(device, 'Test.out', 4 * (OPS.length + 3));
      // Slot i + 2 for op i: results land at their offsets without touching the others.
      const reductions = OPS.map((op, i) => reduce(ctx, `Test.${op}`, { input, out }, op, { n, outIndex: i + 2 }, config));
      submitDispatches(device, reductions.flatMap((r) => r.dispatches));
      const got = await readFloat32(device, out);
      const absSum = reduceRef(x, 'maxabs') * n;
      OPS.forEach((op, i) => {
        const want = reduceRef(x, op);
        const tol = op === 'max' || op === 'maxabs' ? 0 : 1e-6 * (op === 'sumsq' ? absSum * 3 : absSum);
        expect(Math.abs(got[i + 2] - want), `${op} n=${n}: got ${got[i + 2]}, want ${want}`).toBeLessThanOrEqual(tol);
      });
      expect([got[0], got[1], got[OPS.length + 2]]).toEqual([0, 0, 0]);
      reductions.forEach((r) => r.destroy());
      input.destroy();
      out.destroy();
    }
  });

  it('reduces a prefix n of a larger buffer, and max of all-negative data is negative', async () => {
    const { ctx, device } = gpu();
    const x = new Float32Array(100).fill(-5);
    x.fill(-2, 0, 33);
    x[50] = 1000;
    const input = createStorageBufferWith(device, 'Test.x', x);
    const out = createStorageBuffer(device, 'Test.out', 8);
    const r1 = reduce(ctx, 'Test.max', { input, out }, 'max', { n: 40 });
    const r2 = reduce(ctx, 'Test.sum', { input, out }, 'sum', { n: 40, outIndex: 1 });
    submitDispatches(device, [...r1.dispatches, ...r2.dispatches]);
    expect(Array.from(await readFloat32(device, out, 2))).toEqual([-2, 33 * -2 + 7 * -5]);
    r1.destroy();
    r2.destroy();
  });

  it('is deterministic: the same inputs give the same bits', async () => {
    const { ctx, device } = gpu();
    const x = new Rng(3).uniformArray(100_003, -1, 1);
    const input = createStorageBufferWith(device, 'Test.x', x);
    const out = createStorageBuffer(device, 'Test.out', 8);
    const a = reduce(ctx, 'Test.a', { input, out }, 'sum', { n: x.length });
    const b = reduce(ctx, 'Test.b', { input, out }, 'sum', { n: x.length, outIndex: 1 });
    submitDispatches(device, [...a.dispatches, ...b.dispatches]);
    const got = new Uint32Array((await readFloat32(device, out, 2)).buffer);
    expect(got[0]).toBe(got[1]);
    a.destroy();
    b.destroy();
  });

  for (const [name, config] of CONFIGS) it(`${name} configuration: counts NaN, +Inf and −Inf by bit pattern, not subnormals or large finite values`, async () => {
    const { ctx, device } = gpu();
    const n = 70_001;
    const x = new Rng(9).uniformArray(n, -1, 1);
    const special = [NaN, Infinity, -Infinity, 1e-45, -1e-45, 1.1754942e-38, 3.4028235e38, -3.4028235e38, 0, -0];
    const bits = new Uint32Array(x.buffer);
    const rng = new Rng(10);
    for (let k = 0; k < 60; k++) x[rng.int(n)] = special[k % special.length];
    bits[n - 1] = 0xffc00001; // a negative NaN with payload
    bits[0] = 0x7f800001; // a signalling NaN pattern
    const want = countNonFiniteRef(x);
    expect(want).toBeGreaterThan(10);
    const input = createStorageBufferWith(device, 'Test.x', x);
    const out = createStorageBuffer(device, 'Test.out', 12);
    const all = countNonFinite(ctx, 'Test.nan', { input, out }, { n, outIndex: 1 }, config);
    const clean = countNonFinite(ctx, 'Test.nanClean', { input, out }, { n: 1, outIndex: 2 }, config);
    submitDispatches(device, [...all.dispatches, ...clean.dispatches]);
    expect(Array.from(await readFloat32(device, out, 3))).toEqual([0, want, 1]);
    const finite = createStorageBufferWith(device, 'Test.finite', new Float32Array([1e-45, 3.4028235e38, -0, 0, 1]));
    const none = countNonFinite(ctx, 'Test.none', { input: finite, out }, { n: 5 }, config);
    submitDispatches(device, none.dispatches);
    expect((await readFloat32(device, out, 1))[0]).toBe(0);
    [all, clean, none].forEach((r) => r.destroy());
  });

  it('refuses an output slot outside the buffer', () => {
    const { ctx, device } = gpu();
    const buf = createStorageBuffer(device, 'Test.small', 16);
    expect(() => reduce(ctx, 'Test.bad', { input: buf, out: buf }, 'sum', { n: 1, outIndex: 4 })).toThrow(/outIndex 4/);
    expect(() => reduce(ctx, 'Test.bad', { input: buf, out: buf }, 'sum', { n: 5 })).toThrow(/needs 5/);
    buf.destroy();
  });
});
