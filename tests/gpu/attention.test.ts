import { afterEach, describe, expect, it } from 'vitest';
import { attentionBackward, attentionForward, type AttentionShape } from '../../src/nn/attention';
import { attentionBackwardRef, attentionForwardRef } from '../../src/ref/attention';
import { Rng } from '../../src/util/rng';
import { expectClose } from '../helpers/compare';
import { useGpu } from '../helpers/gpu';
import { expectGradientMatches, sampleIndices, weightedSum } from '../helpers/gradcheck';
import { layerHarness, sameBits } from './layerHarness';

describe('causal multi-head self-attention', () => {
  const gpu = useGpu();
  const h = layerHarness(gpu);
  afterEach(() => h.release());

  function buffers(s: AttentionShape, qkv: Float32Array, dout: Float32Array) {
    const { B, T, C, NH } = s;
    return {
      qkv: h.upload('qkv', qkv),
      att: h.zeros('att', B * NH * T * T),
      out: h.zeros('out', B * T * C),
      dout: h.upload('dout', dout),
      datt: h.zeros('datt', B * NH * T * T),
      dqkv: h.zeros('dqkv', B * T * 3 * C),
    };
  }

  const SHAPES: AttentionShape[] = [
    { B: 1, T: 1, C: 8, NH: 1 }, // T = 1, HS = 8
    { B: 2, T: 13, C: 32, NH: 2 }, // HS = 16
    { B: 1, T: 13, C: 64, NH: 1 }, // HS = 64
    { B: 2, T: 67, C: 24, NH: 3 }, // rows span several workgroups, HS = 8
    { B: 3, T: 10, C: 15, NH: 3 }, // HS = 5 and T not multiples of the 4×4 thread blocks
  ];
  for (const s of SHAPES) {
    it(`forward and backward at B=${s.B}, T=${s.T}, C=${s.C}, NH=${s.NH} (HS=${s.C / s.NH})`, async () => {
      const { ctx } = gpu();
      const { B, T, C, NH } = s;
      const rng = new Rng(B + T * 3 + C * 7 + NH);
      const qkv = rng.uniformArray(B * T * 3 * C, -1.5, 1.5);
      const dout = rng.uniformArray(B * T * C);
      const bufs = buffers(s, qkv, dout);
      h.run([...attentionForward(ctx, 'Test.attn', bufs, s).kernels, ...attentionBackward(ctx, 'Test.attnBack', bufs, s).kernels]);
      const ref = attentionForwardRef(qkv, s);
      expectClose(await h.f32(bufs.att, B * NH * T * T), ref.att, { atol: 1e-6, rtol: 1e-4 }, 'att');
      expectClose(await h.f32(bufs.out, B * T * C), ref.out, { atol: 1e-5, rtol: 1e-4 }, 'out');
      expectClose(await h.f32(bufs.dqkv, B * T * 3 * C), attentionBackwardRef(qkv, dout, s), { atol: 2e-5, rtol: 1e-3 }, 'dqkv');
    });
  }

  it('causal mask: perturbing a future token leaves earlier outputs bit-identical', async () => {
    const { ctx } = gpu();
    const s = { B: 2, T: 13, C: 16, NH: 2 };
    const { B, T, C } = s;
    const rng = new Rng(42);
    const qkv = rng.uniformArray(B * T * 3 * C);
    const tFuture = 6;
    const perturbed = Float32Array.from(qkv);
    for (let b = 0; b < B; b++) {
      for (let c = 0; c < 3 * C; c++) perturbed[(b * T + tFuture) * 3 * C + c] += 0.5 + rng.uniform(); // q, k and v
    }
    const run = async (x: Float32Array) => {
      const bufs = buffers(s, x, new Float32Array(B * T * C));
      h.run(attentionForward(ctx, 'Test.attn', bufs, s).kernels);
      return h.f32(bufs.out, B * T * C);
    };
    const base = await run(qkv);
    const moved = await run(perturbed);
    for (let b = 0; b < B; b++) {
      const rows = (x: Float32Array, from: number, to: number) => x.slice((b * T + from) * C, (b * T + to) * C);
      expect(sameBits(rows(base, 0, tFuture), rows(moved, 0, tFuture)), `batch ${b}: positions before ${tFuture}`).toBe(true);
      expect(sameBits(rows(base, tFuture, T), rows(moved, tFuture, T)), `batch ${b}: later positions must see the change`).toBe(false);
    }
  });

  it('att is zero above the diagonal, rows sum to 1, and repeated runs give the same bits', async () => {
    const { ctx } = gpu();
    const s = { B: 1, T: 9, C: 8, NH: 2 };
    const { T, NH } = s;
    const rng = new Rng(7);
    const bufs = buffers(s, rng.uniformArray(T * 3 * 8, -3, 3), rng.uniformArray(T * 8));
    const kernels = [...attentionForward(ctx, 'Test.attn', bufs, s).kernels, ...attentionBackward(ctx, 'Test.attnBack', bufs, s).kernels];
    h.run(kernels);
    const att = await h.f32(bufs.att, NH * T * T);
    const dqkv = await h.f32(bufs.dqkv, T * 3 * 8);
    for (let r = 0; r < NH * T; r++) {
      const t = r % T;
      const row = att.subarray(r * T, r * T + T);
      expect(row.subarray(t + 1).every((v) => v === 0)).toBe(true);
      expect(row.reduce((a, v) => a + v, 0)).toBeCloseTo(1, 5);
    }
    h.run(kernels);
    expect(sameBits(dqkv, await h.f32(bufs.dqkv, T * 3 * 8))).toBe(true);
  });

  it('backward matches central differences of a scalar loss', async () => {
    const { ctx } = gpu();
    const s = { B: 2, T: 5, C: 8, NH: 2 };
    const { B, T, C } = s;
    const rng = new Rng(5);
    const qkv = rng.uniformArray(B * T * 3 * C);
    const w = rng.uniformArray(B * T * C); // L = Σ out·w
    const bufs = buffers(s, qkv, w);
    h.run([...attentionForward(ctx, 'Test.attn', bufs, s).kernels, ...attentionBackward(ctx, 'Test.attnBack', bufs, s).kernels]);
    const got = await h.f32(bufs.dqkv, B * T * 3 * C);
    expectGradientMatches(got, (x) => weightedSum(attentionForwardRef(x, s).out, w), qkv, { atol: 2e-5, rtol: 1e-3 }, 'dqkv', sampleIndices(B * T * 3 * C, 40));
  });

  it('refuses C not divisible by NH', () => {
    const { ctx } = gpu();
    const b = h.zeros('b', 1000);
    expect(() => attentionForward(ctx, 'Test.bad', { qkv: b, att: b, out: b }, { B: 1, T: 2, C: 10, NH: 3 })).toThrow(/multiple of NH/);
  });
});
