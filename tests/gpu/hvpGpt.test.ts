// Exact Hessian-vector products of the GPT (Gpt.hessianVectorProduct, forward-over-reverse;
// docs/algorithm.md "Sharpness"): each new tangent kernel against its float64 reference
// (src/ref/layernorm.ts, gelu.ts, attention.ts; the references themselves are checked against
// central differences in tests/unit/tangentRefs.test.ts) on shapes that are no tile multiples,
// then the whole tiny GPT's H·v, tied and separate head, against a float64 central difference of
// the reference gradient (src/ref/gpt.ts), with the error printed beside what dropping one
// tangent term costs, and the sharpness measurement choosing the exact product for the GPT.
import { beforeAll, describe, expect, it } from 'vitest';
import { writeBuffer } from '../../src/gpu/buffers';
import type { Kernel } from '../../src/gpu/context';
import { submitDispatches } from '../../src/gpu/dispatch';
import { readFloat32 } from '../../src/gpu/readback';
import { attentionBackward, attentionBackwardTangent, attentionForward, attentionForwardTangent, type AttentionShape } from '../../src/nn/attention';
import { geluBackwardTangent } from '../../src/nn/gelu';
import { Gpt } from '../../src/nn/gpt';
import { layernormBackwardTangent, layernormForward, layernormForwardTangent, type ColumnVariant } from '../../src/nn/layernorm';
import { chooseKernelVariants } from '../../src/optim/kernelTuning';
import { realMask } from '../../src/nn/paramLayout';
import type { RowVariant } from '../../src/nn/rowVariant';
import { Sharpness } from '../../src/optim/sharpness';
import { attentionBackwardTangentRef, attentionForwardTangentRef } from '../../src/ref/attention';
import { geluBackwardTangentRef } from '../../src/ref/gelu';
import { gptLossAndGradRef } from '../../src/ref/gpt';
import { layernormBackwardTangentRef, layernormForwardTangentRef } from '../../src/ref/layernorm';
import type { GptConfig } from '../../src/train/config';
import { Rng } from '../../src/util/rng';
import { expectClose } from '../helpers/compare';
import { useGpu } from '../helpers/gpu';
import { gptTestParams } from '../helpers/gptParams';
import { layerHarness } from './layerHarness';

const norm = (x: ArrayLike<number>) => Math.sqrt(Array.from(x).reduce((s, v) => s + v * v, 0));
const relDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => norm(Array.from(a, (v, i) => v - b[i])) / norm(b);

describe('GPT tangent kernels against their references', () => {
  const gpu = useGpu();
  const h = layerHarness(gpu);

  const LN_VARIANTS: [RowVariant, ColumnVariant][] = [
    ['threadPerRow', 'serial'],
    ['workgroupPerRow', 'tree'],
  ];
  for (const [variant, columns] of LN_VARIANTS) {
    it(`layernorm forward and backward tangents (${variant}, ${columns} columns; N = 10, C = 12)`, async () => {
      const { ctx } = gpu();
      const [N, C] = [10, 12];
      const rng = new Rng(31, 1);
      const x = rng.uniformArray(N * C, -2, 3);
      const [w, b] = [rng.uniformArray(C, 0.5, 1.5), rng.uniformArray(C)];
      const [xd, wd, bd] = [rng.uniformArray(N * C), rng.uniformArray(C), rng.uniformArray(C)];
      const [dout, dd] = [rng.uniformArray(N * C), rng.uniformArray(N * C)];
      const prior = rng.uniformArray(N * C); // dinpDot accumulates onto it
      const shape = { N, C, variant, columns };
      const inp = h.upload('x', x);
      const weight = h.upload('w', w);
      const weightDot = h.upload('wDot', wd);
      const mean = h.zeros('mean', N);
      const rstd = h.zeros('rstd', N);
      const out = h.zeros('outDot', N * C);
      const normDot = h.zeros('normDot', N * C);
      const dinpDot = h.upload('dinpDot', prior);
      const dweightDot = h.zeros('dwDot', C);
      const dbiasDot = h.zeros('dbDot', C);
      const inpDot = h.upload('xDot', xd);
      h.run([
        layernormForward(ctx, 'Test.ln', { inp, weight, bias: h.upload('b', b), out: h.zeros('out', N * C), mean, rstd }, shape),
        layernormForwardTangent(ctx, 'Test.lnTangent', { inp, inpDot, weight, weightDot, biasDot: h.upload('bDot', bd), out, normDot }, shape),
        ...layernormBackwardTangent(
          ctx,
          'Test.lnBackTangent',
          { inp, inpDot, weight, weightDot, mean, rstd, normDot, dout: h.upload('dout', dout), doutDot: h.upload('doutDot', dd), dinpDot, dweightDot, dbiasDot },
          shape,
          { accumulateInput: true },
        ).kernels,
      ]);
      const fwd = layernormForwardTangentRef(x, xd, w, wd, bd, N, C);
      expectClose(await h.f32(out, N * C), fwd.out, { atol: 1e-5, rtol: 1e-4 }, 'output tangent');
      expectClose(await h.f32(normDot, N * C), fwd.normDot, { atol: 1e-5, rtol: 1e-4 }, 'normDot');
      const back = layernormBackwardTangentRef(x, xd, w, wd, dout, dd, N, C);
      expectClose(await h.f32(dinpDot, N * C), Float64Array.from(back.dinp, (v, i) => v + prior[i]), { atol: 1e-5, rtol: 1e-4 }, 'dinp tangent');
      expectClose(await h.f32(dweightDot, C), back.dweight, { atol: 1e-5, rtol: 1e-4 }, 'dweight tangent');
      expectClose(await h.f32(dbiasDot, C), back.dbias, { atol: 1e-5, rtol: 1e-4 }, 'dbias tangent');
      h.release();
    });
  }

  it('GELU backward tangent: dout·gelu″(x)·ẋ, accumulated (N = 37, x in ±6)', async () => {
    const { ctx } = gpu();
    const N = 37;
    const rng = new Rng(33, 1);
    const [x, xd, dout, prior] = [rng.uniformArray(N, -6, 6), rng.uniformArray(N), rng.uniformArray(N), rng.uniformArray(N)];
    const dinp = h.upload('dinp', prior);
    h.run([geluBackwardTangent(ctx, 'Test.geluTangent', { inp: h.upload('x', x), inpDot: h.upload('xDot', xd), dout: h.upload('dout', dout), dinp }, { N, accumulate: true })]);
    const want = geluBackwardTangentRef(x, xd, dout);
    expectClose(await h.f32(dinp, N), Float64Array.from(want, (v, i) => v + prior[i]), { atol: 1e-6, rtol: 1e-4 }, 'GELU tangent');
    h.release();
  });

  const SHAPES: AttentionShape[] = [
    { B: 2, T: 5, C: 12, NH: 3 }, // HS = 4
    { B: 1, T: 9, C: 10, NH: 2 }, // HS = 5, T past two 4-row blocks
  ];
  for (const s of SHAPES) {
    it(`attention forward and backward tangents (B = ${s.B}, T = ${s.T}, C = ${s.C}, NH = ${s.NH})`, async () => {
      const { ctx } = gpu();
      const { B, T, C, NH } = s;
      const n = B * T;
      const rng = new Rng(35 + T, 1);
      const [qkvData, qd] = [rng.uniformArray(n * 3 * C, -1.5, 1.5), rng.uniformArray(n * 3 * C)];
      const [doutData, dd] = [rng.uniformArray(n * C), rng.uniformArray(n * C)];
      const qkv = h.upload('qkv', qkvData);
      const qkvDot = h.upload('qkvDot', qd);
      const att = h.zeros('att', B * NH * T * T);
      const attDot = h.zeros('attDot', B * NH * T * T);
      const datt = h.zeros('datt', B * NH * T * T);
      const dout = h.upload('dout', doutData);
      const outDot = h.zeros('outDot', n * C);
      const dqkvDot = h.zeros('dqkvDot', n * 3 * C);
      h.run([
        ...attentionForward(ctx, 'Test.attn', { qkv, att, out: h.zeros('out', n * C) }, s).kernels,
        ...attentionBackward(ctx, 'Test.attnBack', { qkv, att, dout, datt, dqkv: h.zeros('dqkv', n * 3 * C) }, s).kernels,
        ...attentionForwardTangent(ctx, 'Test.attnTangent', { qkv, qkvDot, att, attDot, out: outDot, scratch: h.zeros('scratch', n * C) }, s).kernels,
        ...attentionBackwardTangent(
          ctx,
          'Test.attnBackTangent',
          { qkv, qkvDot, att, attDot, dout, doutDot: h.upload('doutDot', dd), datt, dattDot: h.zeros('dattDot', B * NH * T * T), dqkvDot, scratch: h.zeros('scratch3', n * 3 * C) },
          s,
        ).kernels,
      ]);
      const fwd = attentionForwardTangentRef(qkvData, qd, s);
      expectClose(await h.f32(attDot, B * NH * T * T), fwd.att, { atol: 1e-6, rtol: 1e-4 }, 'att tangent');
      expectClose(await h.f32(outDot, n * C), fwd.out, { atol: 1e-5, rtol: 1e-4 }, 'output tangent');
      expectClose(await h.f32(dqkvDot, n * 3 * C), attentionBackwardTangentRef(qkvData, qd, doutData, dd, s), { atol: 2e-5, rtol: 1e-3 }, 'dqkv tangent');
      h.release();
    });
  }
});

describe('GPT Hessian-vector product (forward-over-reverse)', () => {
  const gpu = useGpu();
  const h = layerHarness(gpu);
  const CFG: GptConfig = { kind: 'gpt', layers: 2, heads: 3, width: 12, context: 5, vocab: 11, tiedHead: true };
  const B = 2;

  /** A tiny GPT on a fixed batch, θ from gptTestParams, and v uniform in ±1 (0 on padding). */
  function setup(tiedHead: boolean) {
    const { ctx, device } = gpu();
    const cfg = { ...CFG, tiedHead };
    const n = B * cfg.context;
    const tokens = Uint32Array.from({ length: n }, (_, i) => (7 * i + 3) % cfg.vocab);
    const targets = Uint32Array.from({ length: n }, (_, i) => (5 * i + 1) % cfg.vocab);
    const model = new Gpt(ctx, 'Test.gpt', cfg, B, { inputs: h.upload('tokens', tokens), targets: h.upload('targets', targets) }, 5);
    const mask = realMask(model.layout);
    const theta = gptTestParams(model.layout, 3);
    const v = Float32Array.from(new Rng(13, 3).uniformArray(model.layout.total, -1, 1), (x, i) => x * mask[i]);
    writeBuffer(device, model.params, theta);
    return { cfg, model, tokens, targets, theta, v, mask };
  }

  /** H·v from a kernel list (the model's, or one with a kernel left out). */
  async function product(model: Gpt, kernels: (direction: GPUBuffer, product: GPUBuffer) => Kernel[], v: Float32Array) {
    const { device } = gpu();
    const P = model.layout.total;
    const out = h.zeros('product', P);
    submitDispatches(device, kernels(h.upload('direction', v), out), 'Test.hvp');
    return readFloat32(device, out, P);
  }

  beforeAll(async () => {
    await chooseKernelVariants(gpu().ctx); // the variants the worker would pick
  });

  for (const tiedHead of [true, false]) {
    it(`${tiedHead ? 'tied' : 'separate'} head (2 layers, 3 heads, C = 12, T = 5, V = 11, batch 2): H·v within 1e-4 of a float64 central difference of the reference gradient`, async () => {
      const { cfg, model, tokens, targets, theta, v, mask } = setup(tiedHead);
      const started = performance.now();
      const got = await product(model, (d, p) => model.hessianVectorProduct(d, p), v);
      const gpuMs = performance.now() - started;
      const eps = 1e-6;
      const grad = (s: number) => gptLossAndGradRef(model.layout, cfg, Array.from(theta, (t, i) => t + s * eps * v[i]), tokens, targets, B).grad;
      const [plus, minus] = [grad(1), grad(-1)];
      const want = Array.from(plus, (g, i) => (g - minus[i]) / (2 * eps));
      const err = relDiff(got, want);
      // What leaving out one tangent term costs: the softmax's in attention (attDot stays 0, in the
      // forward tangent and in the backward's), and GELU″'s in the GELU's backward.
      const without = async (suffix: string) => {
        const kernels = (d: GPUBuffer, p: GPUBuffer) => model.hessianVectorProduct(d, p).filter((k) => !k.label.endsWith(suffix));
        return relDiff(await product(model, kernels, v), want);
      };
      const noSoftmax = await without('.h0.attention.scores');
      const noGelu2 = await without('.h1.gelu.backward');
      console.log(
        `GPT (${tiedHead ? 'tied' : 'separate'} head, P = ${model.layout.count}) H·v: relative error ${err.toExponential(2)} against the float64 difference (ε = ${eps}; ` +
          `${gpuMs.toFixed(0)} ms with compilation); without block 0's softmax tangent ${noSoftmax.toExponential(2)}, without block 1's GELU″ term ${noGelu2.toExponential(2)}`,
      );
      expect(err).toBeLessThan(1e-4);
      expect(noSoftmax).toBeGreaterThan(100 * 1e-4);
      expect(noGelu2).toBeGreaterThan(100 * 1e-4);
      expect(Array.from(got).filter((_, i) => mask[i] === 0).every((x) => x === 0)).toBe(true);
      model.destroy();
      h.release();
    });
  }

  it('the sharpness measurement uses the exact product for the GPT, and vᵀHv matches the central difference to 1% of the largest sample', async () => {
    const { ctx } = gpu();
    const { model } = setup(true);
    const exact = new Sharpness(ctx, 'Test.exact', model, { maxProbes: 4 });
    const difference = new Sharpness(ctx, 'Test.difference', model, { maxProbes: 4, method: 'difference' });
    expect(exact.method).toBe('exact');
    const [a, b] = [(await exact.measure({ probes: 4, lanczosSteps: 0 })).samples, (await difference.measure({ probes: 4, lanczosSteps: 0 })).samples];
    console.log(`GPT vᵀHv of 4 Rademacher probes: exact ${Array.from(a, (x) => x.toFixed(4)).join(', ')}; central difference ${Array.from(b, (x) => x.toFixed(4)).join(', ')}`);
    // The difference quotient's error (f32 gradients at θ ± εv) is about the same for every probe,
    // so it is measured against the samples' scale: within 1% of the largest.
    const scale = Math.max(...Array.from(a, Math.abs));
    for (let k = 0; k < 4; k++) expect(Math.abs(a[k] - b[k]), `probe ${k}`).toBeLessThan(0.01 * scale);
    exact.destroy();
    difference.destroy();
    model.destroy();
    h.release();
  });
});
