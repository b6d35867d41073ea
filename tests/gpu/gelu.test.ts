import { afterEach, describe, expect, it } from 'vitest';
import { geluBackward, geluForward } from '../../src/nn/gelu';
import { geluBackwardRef, geluForwardRef } from '../../src/ref/gelu';
import { Rng } from '../../src/util/rng';
import { expectClose } from '../helpers/compare';
import { useGpu } from '../helpers/gpu';
import { expectGradientMatches, weightedSum } from '../helpers/gradcheck';
import { layerHarness } from './layerHarness';

describe('GELU (tanh form)', () => {
  const gpu = useGpu();
  const h = layerHarness(gpu);
  afterEach(() => h.release());

  const tol = { atol: 1e-6, rtol: 1e-5 };

  for (const N of [1, 63, 1031]) {
    it(`forward and backward at N=${N}`, async () => {
      const { ctx } = gpu();
      const rng = new Rng(N);
      const x = rng.uniformArray(N, -6, 6);
      const dout = rng.uniformArray(N);
      const bufs = { inp: h.upload('x', x), out: h.zeros('out', N), dout: h.upload('dout', dout), dinp: h.zeros('dinp', N) };
      h.run([geluForward(ctx, 'Test.gelu', bufs, { N }), geluBackward(ctx, 'Test.geluBack', bufs, { N })]);
      expectClose(await h.f32(bufs.out, N), geluForwardRef(x), tol, 'out');
      expectClose(await h.f32(bufs.dinp, N), geluBackwardRef(x, dout), tol, 'dinp');
    });
  }

  it('stays finite and exact at large |x| (no tanh/exp overflow)', async () => {
    const { ctx } = gpu();
    const x = new Float32Array([-1e4, -50, -10, 0, 10, 50, 1e4, 3e38]);
    const N = x.length;
    const bufs = { inp: h.upload('x', x), out: h.zeros('out', N), dout: h.upload('dout', new Float32Array(N).fill(1)), dinp: h.zeros('dinp', N) };
    h.run([geluForward(ctx, 'Test.gelu', bufs, { N }), geluBackward(ctx, 'Test.geluBack', bufs, { N })]);
    const out = await h.f32(bufs.out, N);
    const dinp = await h.f32(bufs.dinp, N);
    const near = (v: number) => expect.closeTo(v, 20);
    expect(Array.from(out)).toEqual([near(0), near(0), near(0), 0, 10, 50, 1e4, x[7]]);
    expect(Array.from(dinp.subarray(0, 7))).toEqual([near(0), near(0), near(0), 0.5, 1, 1, 1]);
  });

  it('backward accumulates on request and matches central differences', async () => {
    const { ctx } = gpu();
    const N = 37;
    const rng = new Rng(3);
    const x = rng.uniformArray(N, -4, 4);
    const w = rng.uniformArray(N); // L = Σ gelu(x)·w
    const d0 = rng.uniformArray(N);
    const bufs = { inp: h.upload('x', x), dout: h.upload('w', w), dinp: h.upload('d0', d0) };
    h.run([geluBackward(ctx, 'Test.geluBack', bufs, { N, accumulate: true })]);
    const got = await h.f32(bufs.dinp, N);
    const grad = got.map((v, i) => v - d0[i]);
    expectGradientMatches(grad, (v) => weightedSum(geluForwardRef(v), w), x, { atol: 1e-5, rtol: 1e-4 }, 'dinp');
  });
});
