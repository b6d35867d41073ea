import { afterEach, describe, expect, it } from 'vitest';
import { LAYERNORM_COLUMN_VARIANTS, layernormBackward, layernormForward, type ColumnVariant } from '../../src/nn/layernorm';
import { layernormBackwardRef, layernormForwardRef } from '../../src/ref/layernorm';
import { Rng } from '../../src/util/rng';
import { expectClose } from '../helpers/compare';
import { useGpu } from '../helpers/gpu';
import { expectGradientMatches, sampleIndices, weightedSum } from '../helpers/gradcheck';
import type { RowVariant } from '../../src/nn/rowVariant';
import { layerHarness, sameBits } from './layerHarness';

const VARIANTS: RowVariant[] = ['threadPerRow', 'workgroupPerRow'];
// The dweight/dbias variant each row variant runs with here (CPU adapters pair threadPerRow with
// serial column sums, GPUs may pick either row variant with the tree), so both are tested.
const COLUMNS: Record<RowVariant, ColumnVariant> = { threadPerRow: 'serial', workgroupPerRow: 'tree' };

describe('layernorm', () => {
  const gpu = useGpu();
  const h = layerHarness(gpu);
  afterEach(() => h.release());

  it('pairs every column variant with a row variant, so each is tested below', () => {
    expect(new Set(Object.values(COLUMNS))).toEqual(new Set(LAYERNORM_COLUMN_VARIANTS));
  });

  function setup(N: number, C: number, seed: number) {
    const rng = new Rng(seed);
    const x = rng.uniformArray(N * C, -2, 3); // non-zero mean
    const weight = rng.uniformArray(C, 0.5, 1.5);
    const bias = rng.uniformArray(C);
    const dout = rng.uniformArray(N * C);
    const bufs = {
      inp: h.upload('x', x),
      weight: h.upload('w', weight),
      bias: h.upload('b', bias),
      out: h.zeros('out', N * C),
      mean: h.zeros('mean', N),
      rstd: h.zeros('rstd', N),
      dout: h.upload('dout', dout),
      dinp: h.zeros('dinp', N * C),
      dweight: h.zeros('dw', C),
      dbias: h.zeros('db', C),
    };
    return { x, weight, bias, dout, bufs };
  }

  const SHAPES: [number, number][] = [
    [1, 1],
    [7, 13],
    [5, 130],
    [1031, 3],
  ];
  for (const variant of VARIANTS) {
    for (const [N, C] of SHAPES) {
      it(`${variant}: forward and backward at N=${N}, C=${C}`, async () => {
        const { ctx } = gpu();
        const { x, weight, bias, dout, bufs } = setup(N, C, N * 13 + C);
        const shape = { N, C, variant, columns: COLUMNS[variant] };
        h.run([layernormForward(ctx, 'Test.ln', bufs, shape), ...layernormBackward(ctx, 'Test.lnBack', bufs, shape).kernels]);
        const f = layernormForwardRef(x, weight, bias, N, C);
        const tol = { atol: 2e-5, rtol: 1e-4 };
        expectClose(await h.f32(bufs.out, N * C), f.out, tol, 'out');
        expectClose(await h.f32(bufs.mean, N), f.mean, tol, 'mean');
        expectClose(await h.f32(bufs.rstd, N), f.rstd, { atol: 1e-5, rtol: 2e-4 }, 'rstd');
        const b = layernormBackwardRef(x, weight, dout, N, C);
        // C = 1 normalises every row to 0 with rstd = 1/√eps ≈ 316, which scales rounding noise.
        expectClose(await h.f32(bufs.dinp, N * C), b.dinp, C === 1 ? { atol: 2e-3, rtol: 0 } : { atol: 5e-5, rtol: 2e-4 }, 'dinp');
        const colTol = { atol: 2e-5 * Math.sqrt(N), rtol: 1e-4 };
        expectClose(await h.f32(bufs.dweight, C), b.dweight, colTol, 'dweight');
        expectClose(await h.f32(bufs.dbias, C), b.dbias, colTol, 'dbias');
      });
    }
  }

  it('accumulates into dinp, dweight and dbias on request, bit-identically on repeat', async () => {
    const { ctx } = gpu();
    const [N, C] = [40, 21];
    const { x, weight, dout, bufs } = setup(N, C, 4);
    const rng = new Rng(8);
    const dinp0 = rng.uniformArray(N * C);
    const dw0 = rng.uniformArray(C);
    const db0 = rng.uniformArray(C);
    const acc = { ...bufs, dinp: h.upload('dinp0', dinp0), dweight: h.upload('dw0', dw0), dbias: h.upload('db0', db0) };
    h.run([layernormForward(ctx, 'Test.ln', acc, { N, C }), ...layernormBackward(ctx, 'Test.lnBack', acc, { N, C }, { accumulate: true, accumulateInput: true }).kernels]);
    const b = layernormBackwardRef(x, weight, dout, N, C);
    const tol = { atol: 1e-4, rtol: 1e-4 };
    expectClose(await h.f32(acc.dinp, N * C), b.dinp.map((v, i) => v + dinp0[i]), tol, 'dinp');
    expectClose(await h.f32(acc.dweight, C), b.dweight.map((v, i) => v + dw0[i]), tol, 'dweight');
    expectClose(await h.f32(acc.dbias, C), b.dbias.map((v, i) => v + db0[i]), tol, 'dbias');

    const plain = layernormBackward(ctx, 'Test.lnBack2', bufs, { N, C });
    h.run([layernormForward(ctx, 'Test.ln', bufs, { N, C }), ...plain.kernels]);
    const first = [await h.f32(bufs.dinp, N * C), await h.f32(bufs.dweight, C)];
    h.run(plain.kernels);
    expect(sameBits(first[0], await h.f32(bufs.dinp, N * C))).toBe(true);
    expect(sameBits(first[1], await h.f32(bufs.dweight, C))).toBe(true);
  });

  for (const variant of VARIANTS) {
    it(`${variant}: backward matches central differences of a scalar loss`, async () => {
      const { ctx } = gpu();
      const [N, C] = [4, 11];
      const { x, weight, bias, bufs } = setup(N, C, 21);
      const w = new Rng(22).uniformArray(N * C); // L = Σ out·w
      const g = { ...bufs, dout: h.upload('w', w) };
      h.run([layernormForward(ctx, 'Test.ln', g, { N, C, variant }), ...layernormBackward(ctx, 'Test.lnBack', g, { N, C, variant, columns: COLUMNS[variant] }).kernels]);
      const loss = (xx: ArrayLike<number>, ww: ArrayLike<number>, bb: ArrayLike<number>) => weightedSum(layernormForwardRef(xx, ww, bb, N, C).out, w);
      const tol = { atol: 1e-4, rtol: 1e-3 };
      expectGradientMatches(await h.f32(g.dinp, N * C), (v) => loss(v, weight, bias), x, tol, 'dinp', sampleIndices(N * C, 16));
      expectGradientMatches(await h.f32(g.dweight, C), (v) => loss(x, v, bias), weight, tol, 'dweight');
      expectGradientMatches(await h.f32(g.dbias, C), (v) => loss(x, weight, v), bias, tol, 'dbias');
    });
  }
});
