import { afterEach, describe, expect, it } from 'vitest';
import { embeddingBackward as buildBackward, embeddingForward, type EmbeddingShape } from '../../src/nn/embedding';
import { embeddingBackwardRef, embeddingForwardRef } from '../../src/ref/embedding';
import { Rng } from '../../src/util/rng';
import { expectClose } from '../helpers/compare';
import { useGpu } from '../helpers/gpu';
import { expectGradientMatches, sampleIndices, weightedSum } from '../helpers/gradcheck';
import { layerHarness, sameBits } from './layerHarness';

function randomTokens(rng: Rng, n: number, V: number): Uint32Array {
  return Uint32Array.from({ length: n }, () => rng.int(V));
}

describe('token + position embedding', () => {
  const gpu = useGpu();
  const h = layerHarness(gpu);
  const scratch: GPUBuffer[] = [];
  afterEach(() => {
    h.release();
    for (const b of scratch.splice(0)) b.destroy();
  });
  const embeddingBackward = (...args: Parameters<typeof buildBackward>) => {
    const back = buildBackward(...args);
    scratch.push(...back.created);
    return back;
  };

  const SHAPES: EmbeddingShape[] = [
    { B: 1, T: 1, C: 1, V: 1 },
    { B: 3, T: 7, C: 13, V: 11 },
    { B: 2, T: 33, C: 70, V: 67 },
  ];

  for (const shape of SHAPES) {
    const { B, T, C, V } = shape;
    it(`forward and backward at B=${B}, T=${T}, C=${C}, V=${V}`, async () => {
      const { ctx } = gpu();
      const rng = new Rng(B * 1000 + T * 10 + C);
      const tokens = randomTokens(rng, B * T, V);
      const wte = rng.uniformArray(V * C);
      const wpe = rng.uniformArray(T * C);
      const dout = rng.uniformArray(B * T * C);
      const bufs = {
        tokens: h.upload('tokens', tokens),
        wte: h.upload('wte', wte),
        wpe: h.upload('wpe', wpe),
        out: h.zeros('out', B * T * C),
        dout: h.upload('dout', dout),
        dwte: h.zeros('dwte', V * C),
        dwpe: h.zeros('dwpe', T * C),
      };
      h.run([embeddingForward(ctx, 'Test.emb', bufs, shape), ...embeddingBackward(ctx, 'Test.embBack', bufs, shape).kernels]);
      expectClose(await h.f32(bufs.out, B * T * C), embeddingForwardRef(tokens, wte, wpe, B, T, C, V), { atol: 1e-7, rtol: 1e-6 }, 'out');
      const ref = embeddingBackwardRef(tokens, dout, B, T, C, V);
      const tol = { atol: 1e-5 * Math.sqrt(B * T), rtol: 1e-5 };
      expectClose(await h.f32(bufs.dwte, V * C), ref.dwte, tol, 'dwte');
      expectClose(await h.f32(bufs.dwpe, T * C), ref.dwpe, tol, 'dwpe');
    });
  }

  it('backward accumulates, repeats bit for bit, and leaves wpe rows ≥ T alone', async () => {
    const { ctx } = gpu();
    const shape = { B: 4, T: 9, C: 5, V: 3 }; // many repeats of each token
    const { B, T, C, V } = shape;
    const rng = new Rng(5);
    const tokens = randomTokens(rng, B * T, V);
    const dout = rng.uniformArray(B * T * C);
    const dwte0 = rng.uniformArray(V * C);
    const dwpe0 = rng.uniformArray((T + 2) * C); // a longer table (block size > T)
    const bufs = { tokens: h.upload('tokens', tokens), dout: h.upload('dout', dout), dwte: h.upload('dwte', dwte0), dwpe: h.upload('dwpe', dwpe0) };
    const back = embeddingBackward(ctx, 'Test.embBack', bufs, shape, { accumulate: true });
    h.run(back.kernels);
    const ref = embeddingBackwardRef(tokens, dout, B, T, C, V);
    const tol = { atol: 1e-5, rtol: 1e-5 };
    expectClose(await h.f32(bufs.dwte, V * C), ref.dwte.map((v, i) => v + dwte0[i]), tol, 'dwte accumulated');
    const dwpe = await h.f32(bufs.dwpe, (T + 2) * C);
    expectClose(dwpe.subarray(0, T * C), ref.dwpe.map((v, i) => v + dwpe0[i]), tol, 'dwpe accumulated');
    expect(Array.from(dwpe.subarray(T * C))).toEqual(Array.from(dwpe0.subarray(T * C)));
    for (const k of back.kernels) ctx.updateParams(k, { ...shape, accumulate: 0 });
    h.run(back.kernels);
    const a = await h.f32(bufs.dwte, V * C);
    h.run(back.kernels);
    expect(sameBits(a, await h.f32(bufs.dwte, V * C))).toBe(true);
    expectClose(a, ref.dwte, tol, 'dwte overwritten');
  });

  it('a token ≥ V reads no table row and gets no gradient', async () => {
    const { ctx } = gpu();
    const shape = { B: 1, T: 3, C: 2, V: 2 };
    const tokens = new Uint32Array([1, 7, 0]);
    const wte = new Float32Array([1, 2, 3, 4]);
    const wpe = new Float32Array([10, 20, 30, 40, 50, 60]);
    const bufs = {
      tokens: h.upload('tokens', tokens),
      wte: h.upload('wte', wte),
      wpe: h.upload('wpe', wpe),
      out: h.zeros('out', 6),
      dout: h.upload('dout', new Float32Array([1, 1, 100, 100, 1, 1])),
      dwte: h.zeros('dwte', 4),
      dwpe: h.zeros('dwpe', 6),
    };
    h.run([embeddingForward(ctx, 'Test.emb', bufs, shape), ...embeddingBackward(ctx, 'Test.embBack', bufs, shape).kernels]);
    expect(Array.from(await h.f32(bufs.out, 6))).toEqual([13, 24, 30, 40, 51, 62]);
    expect(Array.from(await h.f32(bufs.dwte, 4))).toEqual([1, 1, 1, 1]);
  });

  it('groups positions by token in increasing order, into caller-given scratch buffers', async () => {
    const { ctx } = gpu();
    const shape = { B: 3, T: 11, C: 2, V: 7 };
    const { B, T, V } = shape;
    const rng = new Rng(12);
    const tokens = randomTokens(rng, B * T, V + 2); // some tokens ≥ V
    const bufs = {
      tokens: h.upload('tokens', tokens),
      dout: h.zeros('dout', B * T * 2),
      dwte: h.zeros('dwte', V * 2),
      dwpe: h.zeros('dwpe', T * 2),
      order: h.zeros('order', B * T),
      bounds: h.zeros('bounds', 2 * V),
    };
    const back = embeddingBackward(ctx, 'Test.embBack', bufs, shape);
    expect(back.created).toEqual([]);
    h.run([back.bucket]);
    const order = await h.u32(bufs.order, B * T);
    const bounds = await h.u32(bufs.bounds, 2 * V);
    for (let v = 0; v < V; v++) {
      const want = [...tokens.keys()].filter((p) => tokens[p] === v);
      expect(Array.from(order.subarray(bounds[2 * v], bounds[2 * v + 1])), `token ${v}`).toEqual(want);
      if (v > 0) expect(bounds[2 * v]).toBe(bounds[2 * v - 1]);
    }
  });

  it('backward matches central differences of a scalar loss', async () => {
    const { ctx } = gpu();
    const shape = { B: 2, T: 5, C: 3, V: 4 };
    const { B, T, C, V } = shape;
    const rng = new Rng(9);
    const tokens = randomTokens(rng, B * T, V);
    const wte = rng.uniformArray(V * C);
    const wpe = rng.uniformArray(T * C);
    const w = rng.uniformArray(B * T * C); // L = Σ out·w
    const bufs = { tokens: h.upload('tokens', tokens), dout: h.upload('w', w), dwte: h.zeros('dwte', V * C), dwpe: h.zeros('dwpe', T * C) };
    h.run(embeddingBackward(ctx, 'Test.embBack', bufs, shape).kernels);
    const tol = { atol: 1e-5, rtol: 1e-4 };
    const loss = (te: ArrayLike<number>, pe: ArrayLike<number>) => weightedSum(embeddingForwardRef(tokens, te, pe, B, T, C, V), w);
    expectGradientMatches(await h.f32(bufs.dwte, V * C), (v) => loss(v, wpe), wte, tol, 'dwte');
    expectGradientMatches(await h.f32(bufs.dwpe, T * C), (v) => loss(wte, v), wpe, tol, 'dwpe', sampleIndices(T * C, 10));
  });
});
