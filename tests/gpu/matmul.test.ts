import { describe, expect, it } from 'vitest';
import { createStorageBuffer, createStorageBufferWith } from '../../src/gpu/buffers';
import { GpuContext } from '../../src/gpu/context';
import { submitDispatches } from '../../src/gpu/dispatch';
import { readFloat32 } from '../../src/gpu/readback';
import { matmul, type MatmulShape, type MatmulVariant } from '../../src/nn/matmul';
import { matmulRef } from '../../src/ref/matmul';
import { matmulNaive } from '../../src/nn/matmulNaive';
import { Rng } from '../../src/util/rng';
import { expectClose } from '../helpers/compare';
import { useGpu } from '../helpers/gpu';

const VARIANTS: MatmulVariant[] = ['registerBlocked', 'sharedTiles', 'quadShared'];
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [7, 13, 5],
  [64, 64, 64],
  [129, 257, 65],
];

describe('matmul kernel against the CPU reference', () => {
  const gpu = useGpu();

  async function runCase(shape: MatmulShape, variant: MatmulVariant, withBias: boolean, seed: number) {
    const { ctx, device } = gpu();
    const rng = new Rng(seed);
    const batch = shape.batch ?? 1;
    const a = rng.uniformArray(batch * shape.M * shape.K);
    const b = rng.uniformArray((shape.strideB === 0 ? 1 : batch) * shape.K * shape.N);
    const c0 = rng.uniformArray(batch * shape.M * shape.N);
    const bias = withBias ? rng.uniformArray(shape.N) : undefined;
    const bufs = {
      a: createStorageBufferWith(device, 'Test.a', a),
      b: createStorageBufferWith(device, 'Test.b', b),
      c: createStorageBufferWith(device, 'Test.c', c0),
      bias: bias ? createStorageBufferWith(device, 'Test.bias', bias) : undefined,
    };
    submitDispatches(device, [matmul(ctx, 'Test.matmul', bufs, shape, variant)]);
    const got = await readFloat32(device, bufs.c, c0.length);
    const want = matmulRef(a, b, c0, shape, bias);
    const tol = { atol: 1e-5 * Math.sqrt(shape.K), rtol: 1e-4 };
    expectClose(got, want, tol, `${variant} ${JSON.stringify(shape)}`);
    for (const buf of Object.values(bufs)) buf?.destroy();
  }

  for (const variant of VARIANTS) {
    for (const [M, N, K] of SHAPES) {
      it(`${variant} C = A·B at ${M}×${N}×${K}`, () => runCase({ M, N, K }, variant, false, M * 31 + N));
    }
    it(`${variant} transposed layouts and bias at 37×29×41`, async () => {
      await runCase({ M: 37, N: 29, K: 41, transA: true }, variant, false, 1);
      await runCase({ M: 37, N: 29, K: 41, transB: true }, variant, true, 2);
      await runCase({ M: 37, N: 29, K: 41, transA: true, transB: true }, variant, false, 3);
      // Several workgroup tiles in both directions (registerBlocked covers 64×64 per workgroup).
      await runCase({ M: 71, N: 133, K: 19, transA: true, transB: true }, variant, true, 7);
    });
    it(`${variant} alpha, beta accumulation and batches with a shared B`, async () => {
      await runCase({ M: 19, N: 23, K: 17, batch: 3, alpha: 0.5, beta: 1 }, variant, false, 4);
      await runCase({ M: 19, N: 23, K: 17, batch: 3, strideB: 0, transB: true }, variant, true, 5);
    });
  }

  it('the naive benchmark baseline matches the reference on awkward shapes', async () => {
    const { ctx, device } = gpu();
    for (const [M, N, K] of [[1, 1, 1], [37, 29, 41], [129, 65, 17]] as const) {
      const rng = new Rng(M + N + K);
      const a = rng.uniformArray(M * K);
      const b = rng.uniformArray(K * N);
      const bufs = { a: createStorageBufferWith(device, 'Test.a', a), b: createStorageBufferWith(device, 'Test.b', b), c: createStorageBuffer(device, 'Test.c', M * N * 4) };
      submitDispatches(device, [matmulNaive(ctx, 'Test.naive', bufs, { M, N, K })]);
      const got = await readFloat32(device, bufs.c, M * N);
      expectClose(got, matmulRef(a, b, new Float32Array(M * N), { M, N, K }), { atol: 1e-5 * Math.sqrt(K), rtol: 1e-4 }, `naive ${M}×${N}×${K}`);
      for (const x of Object.values(bufs)) x.destroy();
    }
  });

  it('K = 0 leaves alpha·0 + beta·C + bias', async () => {
    for (const v of VARIANTS) await runCase({ M: 5, N: 6, K: 0, beta: 1 }, v, true, 6);
  });

  it('quadShared sums in the same order as registerBlocked: the same bits, on every layout', async () => {
    const { ctx, device } = gpu();
    // Several row tiles (quadShared covers 128 rows per workgroup), K mod 4 = 3, K < 4.
    for (const shape of [
      { M: 300, N: 70, K: 131, transB: true },
      { M: 150, N: 67, K: 3 },
      { M: 61, N: 129, K: 42, transA: true, beta: 1, alpha: 0.5 },
      { M: 33, N: 21, K: 9, batch: 2, transA: true, transB: true },
    ] satisfies MatmulShape[]) {
      const rng = new Rng(shape.M + shape.K);
      const batch = shape.batch ?? 1;
      const a = createStorageBufferWith(device, 'Test.a', rng.uniformArray(batch * shape.M * shape.K));
      const b = createStorageBufferWith(device, 'Test.b', rng.uniformArray(batch * shape.K * shape.N));
      const c0 = rng.uniformArray(batch * shape.M * shape.N);
      const outs: Float32Array[] = [];
      for (const v of ['registerBlocked', 'quadShared'] as const) {
        const c = createStorageBufferWith(device, 'Test.c', c0);
        submitDispatches(device, [matmul(ctx, `Test.${v}`, { a, b, c }, shape, v)]);
        outs.push(await readFloat32(device, c));
        c.destroy();
      }
      expect(Array.from(outs[1]), JSON.stringify(shape)).toEqual(Array.from(outs[0]));
      a.destroy();
      b.destroy();
    }
  });

  it('refuses a buffer too small for the shape', () => {
    const { ctx, device } = gpu();
    const small = createStorageBuffer(device, 'Test.small', 16);
    expect(() => matmul(ctx, 'Test.bad', { a: small, b: small, c: small }, { M: 8, N: 8, K: 8 })).toThrow(/holds 4 elements, needs 64/);
    small.destroy();
  });

  it('caches pipelines by code-changing parameters, not by shape', () => {
    const { device, ctx: shared } = gpu();
    const ctx = new GpuContext(device, shared.shaders);
    const buf = createStorageBuffer(device, 'Test.buf', 4 * 64 * 64);
    const before = ctx.pipelines.size;
    matmul(ctx, 'Test.k1', { a: buf, b: buf, c: buf }, { M: 3, N: 3, K: 3 }, 'registerBlocked');
    matmul(ctx, 'Test.k2', { a: buf, b: buf, c: buf }, { M: 9, N: 5, K: 7 }, 'registerBlocked');
    const afterSameCode = ctx.pipelines.size;
    matmul(ctx, 'Test.k3', { a: buf, b: buf, c: buf }, { M: 9, N: 5, K: 7, transA: true }, 'registerBlocked');
    expect(afterSameCode - before).toBe(1);
    expect(ctx.pipelines.size).toBe(afterSameCode + 1);
    buf.destroy();
  });
});
