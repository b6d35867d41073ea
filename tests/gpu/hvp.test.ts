// Exact Hessian-vector products by forward-over-reverse differentiation
// (Model.hessianVectorProduct): the softmax cross-entropy tangent against its reference and a
// finite difference, the whole MLP's H·v against a float64 central difference of the reference
// gradient (with ε small enough to cross no ReLU kink, checked), the GELU MLP's likewise (and
// far off without its GELU'' term), and the Hutchinson trace of a ReLU MLP under training,
// which the exact product keeps non-negative where the difference quotient of f32 gradients,
// crossing kinks, does not.
import { describe, expect, it } from 'vitest';
import { writeBuffer } from '../../src/gpu/buffers';
import { submitDispatches } from '../../src/gpu/dispatch';
import { readFloat32 } from '../../src/gpu/readback';
import { crossEntropyTangent } from '../../src/nn/crossentropy';
import { squareLossTangent } from '../../src/nn/mse';
import { chooseKernelVariants } from '../../src/optim/kernelTuning';
import { Cnn } from '../../src/nn/cnn';
import { Mlp } from '../../src/nn/mlp';
import type { Model } from '../../src/nn/model';
import { realMask } from '../../src/nn/paramLayout';
import { Sharpness } from '../../src/optim/sharpness';
import { symmetricEigenvaluesRef } from '../../src/ref/sharpness';
import { crossEntropyRef, crossEntropyTangentRef } from '../../src/ref/crossentropy';
import { squareLossRef, squareLossTangentRef } from '../../src/ref/mse';
import { cnnLossAndGradRef } from '../../src/ref/cnn';
import { mlpLossAndGradRef } from '../../src/ref/mlp';
import { loadData } from '../../src/cli/trainSetup';
import { Comparison } from '../../src/train/comparison';
import { MLP_DEFAULT_COMPARISON } from '../../src/train/defaultComparison';
import { Rng } from '../../src/util/rng';
import { learningRate } from '../../src/optim/schedule';
import { bandDataset } from '../helpers/syntheticData';
import { expectClose } from '../helpers/compare';
import { useGpu } from '../helpers/gpu';
import { layerHarness } from './layerHarness';

const norm = (x: ArrayLike<number>) => Math.sqrt(Array.from(x).reduce((s, v) => s + v * v, 0));
const relDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => norm(Array.from(a, (v, i) => v - b[i])) / norm(b);

describe('exact Hessian-vector products (forward-over-reverse)', () => {
  const gpu = useGpu();
  const h = layerHarness(gpu);

  /** Random θ and v (uniform in ±thetaRange and ±1, 0 on padding) and the model's H·v on the GPU. */
  async function gpuHvp(model: Model, seed: number, thetaRange: number) {
    const { device } = gpu();
    const P = model.layout.total;
    const mask = realMask(model.layout);
    const rng = new Rng(seed, 3);
    const theta = Float32Array.from(rng.uniformArray(P, -thetaRange, thetaRange), (x, i) => x * mask[i]);
    const v = Float32Array.from(rng.uniformArray(P, -1, 1), (x, i) => x * mask[i]);
    writeBuffer(device, model.params, theta);
    const product = h.zeros('product', P);
    submitDispatches(device, model.hessianVectorProduct!(h.upload('direction', v), product), 'Test.hvp');
    return { theta, v, mask, got: await readFloat32(device, product, P) };
  }

  it('cross-entropy tangent: equals its reference and a float64 difference of dlogits, ignored rows zero (N = 7, V = 13)', async () => {
    const { ctx } = gpu();
    const N = 7;
    const V = 13;
    const rng = new Rng(5, 1);
    const logits = Float32Array.from(rng.uniformArray(N * V, -3, 3));
    const zdot = Float32Array.from(rng.uniformArray(N * V, -1, 1));
    const targets = Uint32Array.from({ length: N }, (_, n) => (n === 4 ? V : (n * 5) % V)); // row 4 ignored
    const out = h.zeros('out', N * V);
    h.run([crossEntropyTangent(ctx, 'Test.ceTangent', { logits: h.upload('logits', logits), targets: h.upload('targets', targets), zdot: h.upload('zdot', zdot), out }, { N, V, scale: 1 / N })]);
    const got = await h.f32(out, N * V);
    const want = crossEntropyTangentRef(logits, targets, zdot, N, V, 1 / N);
    expectClose(got, want, { atol: 1e-7, rtol: 1e-5 }, 'tangent');
    expect(Array.from(got.slice(4 * V, 5 * V)).every((x) => x === 0)).toBe(true);
    // The reference is the derivative of dlogits: a central difference in float64.
    const eps = 1e-6;
    const at = (s: number) => crossEntropyRef(Array.from(logits, (l, i) => l + s * eps * zdot[i]), targets, N, V, 1 / N).dlogits;
    const [plus, minus] = [at(1), at(-1)];
    expectClose(want, Array.from(plus, (p, i) => (p - minus[i]) / (2 * eps)), { atol: 1e-9, rtol: 1e-6 }, 'finite difference');
    h.release();
  });

  it('square-loss tangent: scale·ż on live rows, 0 on ignored ones, the derivative of its dlogits (N = 7, V = 13)', async () => {
    const { ctx } = gpu();
    const N = 7;
    const V = 13;
    const rng = new Rng(6, 1);
    const logits = Float32Array.from(rng.uniformArray(N * V, -3, 3));
    const zdot = Float32Array.from(rng.uniformArray(N * V, -1, 1));
    const targets = Uint32Array.from({ length: N }, (_, n) => (n === 4 ? V : (n * 5) % V)); // row 4 ignored
    const out = h.zeros('out', N * V);
    h.run([squareLossTangent(ctx, 'Test.mseTangent', { targets: h.upload('targets', targets), zdot: h.upload('zdot', zdot), out }, { N, V, scale: 1 / N })]);
    const got = await h.f32(out, N * V);
    const want = squareLossTangentRef(targets, zdot, N, V, 1 / N);
    expectClose(got, want, { atol: 1e-8, rtol: 1e-6 }, 'tangent');
    expect(Array.from(got.slice(4 * V, 5 * V)).every((x) => x === 0)).toBe(true);
    const eps = 1e-6;
    const at = (s: number) => squareLossRef(Array.from(logits, (l, i) => l + s * eps * zdot[i]), targets, N, V, 1 / N).dlogits;
    const [plus, minus] = [at(1), at(-1)];
    expectClose(want, Array.from(plus, (p, i) => (p - minus[i]) / (2 * eps)), { atol: 1e-9, rtol: 1e-6 }, 'finite difference');
    h.release();
  });

  for (const loss of ['cross-entropy', 'mse'] as const) {
    it(`MLP (11 → 9 → 7 → 5, batch 6, ${loss}): H·v within 1e-4 of a float64 central difference of the reference gradient`, async () => {
      const { ctx } = gpu();
      const B = 6;
      const widths = [11, 9, 7, 5];
      const images = h.upload('images', Float32Array.from(new Rng(7, 2).uniformArray(B * widths[0], -1, 1)));
      const labels = Uint32Array.from({ length: B }, (_, n) => (3 * n + 1) % widths[3]);
      const targets = h.upload('targets', labels);
      const model = new Mlp(ctx, 'Test.mlp', { kind: 'mlp', inputs: 11, hidden: [9, 7], classes: 5, loss }, B, { C: 1, H: 1, W: 11 }, { inputs: images, targets }, 1);
      const { theta, v, mask, got } = await gpuHvp(model, 9, 0.6);

      const imgs = await h.f32(images, B * widths[0]);
      const grad = (s: number, eps: number) => mlpLossAndGradRef(model.layout, widths, Array.from(theta, (t, i) => t + s * eps * v[i]), imgs, labels, B, loss);
      const eps = 1e-6;
      const [plus, minus, mid] = [grad(1, eps), grad(-1, eps), grad(0, 0)];
      const want = Array.from(plus.grad, (g, i) => (g - minus.grad[i]) / (2 * eps));
      // No kink crossed: every hidden unit is on or off alike at θ − εv, θ and θ + εv.
      expect(plus.pattern, 'ReLU pattern at θ + εv').toEqual(mid.pattern);
      expect(minus.pattern, 'ReLU pattern at θ − εv').toEqual(mid.pattern);
      const err = relDiff(got, want);
      console.log(`MLP (${loss}) H·v: relative error ${err.toExponential(2)} against the float64 difference (ε = ${eps}, kink margin ${mid.kinkMargin.toExponential(2)})`);
      expect(err).toBeLessThan(1e-4);
      expect(Array.from(got).filter((_, i) => mask[i] === 0).every((x) => x === 0)).toBe(true);
      model.destroy();
      h.release();
    });
  }

  for (const loss of ['cross-entropy', 'mse'] as const) {
    it(`GELU MLP (11 → 9 → 7 → 5, batch 6, ${loss}): H·v within 1e-4 of a float64 central difference; without the GELU'' term it is not`, async () => {
      const { ctx, device } = gpu();
      const B = 6;
      const widths = [11, 9, 7, 5];
      const images = h.upload('images', Float32Array.from(new Rng(27, 2).uniformArray(B * widths[0], -1, 1)));
      const labels = Uint32Array.from({ length: B }, (_, n) => (2 * n + 3) % widths[3]);
      const targets = h.upload('targets', labels);
      const config = { kind: 'mlp' as const, inputs: 11, hidden: [9, 7], classes: 5, loss, activation: 'gelu' as const };
      const model = new Mlp(ctx, 'Test.geluMlp', config, B, { C: 1, H: 1, W: 11 }, { inputs: images, targets }, 1);
      const { theta, v, mask, got } = await gpuHvp(model, 29, 0.6);

      const imgs = await h.f32(images, B * widths[0]);
      const grad = (s: number, eps: number) => mlpLossAndGradRef(model.layout, widths, Array.from(theta, (t, i) => t + s * eps * v[i]), imgs, labels, B, loss, 'gelu');
      const eps = 1e-5; // GELU is smooth: no kink to stay clear of, so ε balances truncation and rounding
      const [plus, minus] = [grad(1, eps), grad(-1, eps)];
      const want = Array.from(plus.grad, (g, i) => (g - minus.grad[i]) / (2 * eps));
      const err = relDiff(got, want);
      expect(err).toBeLessThan(1e-4);
      expect(Array.from(got).filter((_, i) => mask[i] === 0).every((x) => x === 0)).toBe(true);
      // The forward and backward the product ran (GELU_OUT and GELU_GRAD epilogues): loss and
      // gradient at θ against the reference, whose gradient is the float64 difference of its loss.
      const mid = grad(0, 0);
      const losses = await h.f32(model.losses, B);
      expect(Math.abs(losses.reduce((a, x) => a + x, 0) / B - mid.loss)).toBeLessThan(1e-5 * Math.max(1, mid.loss));
      expect(relDiff(await readFloat32(device, model.grads, model.layout.total), mid.grad)).toBeLessThan(1e-5);
      const lossAt = (i: number, d: number) => mlpLossAndGradRef(model.layout, widths, Array.from(theta, (t, k) => (k === i ? t + d : t)), imgs, labels, B, loss, 'gelu').loss;
      const lossSlope = Array.from(mask, (m, i) => (m === 0 ? 0 : (lossAt(i, 1e-6) - lossAt(i, -1e-6)) / 2e-6));
      expect(relDiff(mid.grad, lossSlope), 'reference gradient against a float64 difference of its loss').toBeLessThan(1e-6);
      // The same product without the GELU'' passes (dout·gelu''(z)·ż) misses the curvature of the
      // activations themselves: far outside the tolerance.
      const P = model.layout.total;
      const product = h.zeros('product.noGelu2', P);
      const kernels = model.hessianVectorProduct!(h.upload('direction.noGelu2', v), product);
      const second = kernels.filter((k) => /\.hvp\.gelu\d+\.backward$/.test(k.label));
      expect(second.length, 'one GELU\'\' pass per hidden layer').toBe(config.hidden.length);
      submitDispatches(device, kernels.filter((k) => !second.includes(k)), 'Test.hvpNoGelu2');
      const errWithout = relDiff(await readFloat32(device, product, P), want);
      console.log(`GELU MLP (${loss}) H·v: relative error ${err.toExponential(2)} against the float64 difference (ε = ${eps}); ${errWithout.toExponential(2)} without the GELU'' term`);
      expect(errWithout).toBeGreaterThan(100 * 1e-4);
      model.destroy();
      h.release();
    });
  }

  it('MLP (11 → 9 → 7 → 5, batch 6): Lanczos top-3 eigenvalues within 1% of a dense decomposition of the float64 reference Hessian', async () => {
    const { ctx, device } = gpu();
    const B = 6;
    const widths = [11, 9, 7, 5];
    const imgs = Float32Array.from(new Rng(7, 2).uniformArray(B * widths[0], -1, 1));
    const labels = Uint32Array.from({ length: B }, (_, n) => (3 * n + 1) % widths[3]);
    const model = new Mlp(ctx, 'Test.mlp', { kind: 'mlp', inputs: 11, hidden: [9, 7], classes: 5 }, B, { C: 1, H: 1, W: 11 }, { inputs: h.upload('images', imgs), targets: h.upload('targets', labels) }, 1);
    const mask = realMask(model.layout);
    const theta = Float32Array.from(new Rng(9, 3).uniformArray(model.layout.total, -0.6, 0.6), (x, i) => x * mask[i]);
    writeBuffer(device, model.params, theta);
    // The dense Hessian over the real coordinates: column c = central difference of the reference
    // gradient along e_c (no ReLU changes sign between θ − εe_c and θ + εe_c: checked).
    const real = Array.from(mask.keys()).filter((i) => mask[i] === 1);
    const n = real.length;
    const dense = new Float64Array(n * n);
    const eps = 1e-6;
    const base = mlpLossAndGradRef(model.layout, widths, theta, imgs, labels, B).pattern;
    real.forEach((at, c) => {
      const moved = (sign: number) => mlpLossAndGradRef(model.layout, widths, Array.from(theta, (t, i) => (i === at ? t + sign * eps : t)), imgs, labels, B);
      const [plus, minus] = [moved(1), moved(-1)];
      expect(plus.pattern).toEqual(base);
      expect(minus.pattern).toEqual(base);
      real.forEach((row, r) => (dense[r * n + c] = (plus.grad[row] - minus.grad[row]) / (2 * eps)));
    });
    for (let r = 0; r < n; r++) for (let c = 0; c < r; c++) dense[r * n + c] = dense[c * n + r] = (dense[r * n + c] + dense[c * n + r]) / 2;
    const want = symmetricEigenvaluesRef(dense, n);
    const sharp = new Sharpness(ctx, 'Test.sharpness', model, { maxLanczos: 20 });
    const ritz = await sharp.topEigenvalues(20, 3);
    console.log(`MLP (P = ${n}) top eigenvalues: Lanczos ${ritz.slice(0, 3).map((r) => `${r.value.toFixed(4)} (residual ${r.residual.toExponential(1)})`).join(', ')}; dense ${want.slice(0, 3).map((x) => x.toFixed(4)).join(', ')}`);
    for (let i = 0; i < 3; i++) expect(Math.abs(ritz[i].value - want[i]) / want[i], `λ${i + 1}`).toBeLessThan(0.01);
    sharp.destroy();
    model.destroy();
    h.release();
  });

  for (const pool of ['max', 'avg'] as const) {
    it(`CNN (2×7×6 images, filters 3 and 4, ${pool}-pooling, batch 3): H·v within 1e-4 of a float64 central difference`, async () => {
      const { ctx } = gpu();
      const B = 3;
      const config = { kind: 'cnn' as const, channels: 2, height: 7, width: 6, filters: [3, 4] as [number, number], pool, classes: 5 };
      const imageFloats = B * 2 * 7 * 6;
      const images = h.upload('images', Float32Array.from(new Rng(17, 2).uniformArray(imageFloats, -1, 1)));
      const labels = Uint32Array.from({ length: B }, (_, n) => (2 * n + 1) % config.classes);
      const targets = h.upload('targets', labels);
      const model = new Cnn(ctx, 'Test.cnn', config, B, { inputs: images, targets }, 1);
      const { theta, v, got } = await gpuHvp(model, 19, 0.7);

      const imgs = await h.f32(images, imageFloats);
      const eps = 1e-7;
      const grad = (sign: number) => cnnLossAndGradRef(model.layout, config, Array.from(theta, (t, i) => t + sign * eps * v[i]), imgs, labels, B);
      const [plus, minus, mid] = [grad(1), grad(-1), grad(0)];
      const want = Array.from(plus.grad, (g, i) => (g - minus.grad[i]) / (2 * eps));
      // No kink crossed: every ReLU and every max-pool window chooses alike at θ − εv, θ, θ + εv.
      expect(plus.pattern, 'ReLU signs and argmaxes at θ + εv').toEqual(mid.pattern);
      expect(minus.pattern, 'ReLU signs and argmaxes at θ − εv').toEqual(mid.pattern);
      const err = relDiff(got, want);
      console.log(`CNN (${pool}) H·v: relative error ${err.toExponential(2)} (ε = ${eps}; smallest margins: ReLU ${mid.reluMargin.toExponential(2)}, max-pool ${mid.poolMargin.toExponential(2)})`);
      expect(err).toBeLessThan(1e-4);
      model.destroy();
      h.release();
    });
  }

  it('ReLU MLP on MNIST (mlp-mnist, batch 64): the Hutchinson trace is non-negative at every checkpoint of a short run (the difference quotient printed beside it)', async () => {
    const { ctx } = gpu();
    await chooseKernelVariants(ctx); // the variants the worker would pick
    const config = structuredClone(MLP_DEFAULT_COMPARISON);
    config.runs = [config.runs[0]];
    config.totalSteps = 30;
    config.evalEvery = 0;
    const c = new Comparison(ctx, config, loadData(config, {}), {});
    const rows: string[] = [];
    try {
      for (let step = 0; step <= config.totalSteps; step++) {
        if (step % 10 === 0) {
          const [exact] = await c.measureSharpness(8, 0);
          // The same batch (still in the buffers), by a central difference of f32 gradients.
          const difference = new Sharpness(ctx, 'Test.difference', c.runs[0].model, { method: 'difference' });
          const fd = await difference.traceEstimate(8);
          difference.destroy();
          rows.push(`step ${step}: exact ${exact.trace.toFixed(2)} ± ${exact.stderr.toFixed(2)}, difference ${fd.trace.toFixed(2)} ± ${fd.stderr.toFixed(2)}`);
          expect(exact.trace, `trace at step ${step}`).toBeGreaterThanOrEqual(0);
        }
        if (step < config.totalSteps) await c.step();
      }
    } finally {
      console.log(`ReLU MLP Hutchinson trace (8 probes):\n  ${rows.join('\n  ')}`);
      c.destroy();
    }
  });
});

describe('sharpness of a comparison against the edge of stability', () => {
  const gpu = useGpu();

  it('reports each run’s threshold at its learning rate, and for AdamW the top eigenvalue of P⁻¹H', async () => {
    const { ctx } = gpu();
    await chooseKernelVariants(ctx);
    const lr = 2e-3;
    const config = {
      ...MLP_DEFAULT_COMPARISON,
      batchSize: 16,
      totalSteps: 100,
      evalEvery: 0,
      runs: [
        { id: 'A', name: 'AdamW', optimizer: { ...MLP_DEFAULT_COMPARISON.runs[0].optimizer, lr, warmupSteps: 0 } },
        { id: 'S', name: 'SGD', optimizer: { ...MLP_DEFAULT_COMPARISON.runs[0].optimizer, base: 'sgd' as const, lr, beta1: 0.9, warmupSteps: 0 } },
      ],
    };
    const c = new Comparison(ctx, config, { kind: 'image', dataset: bandDataset(64, 32) }, {});
    try {
      for (let k = 0; k < 5; k++) await c.step();
      const [a, sgd] = await c.measureSharpness(4, 8, true);
      const lrNow = learningRate(4, c.runs[0].schedule);
      expect(a.threshold?.of).toBe('preconditioned');
      expect(a.threshold?.value).toBeCloseTo(38 / lrNow, 6);
      expect(sgd.threshold?.of).toBe('hessian');
      expect(sgd.threshold?.value).toBeCloseTo(3.8 / lrNow, 6);
      expect(sgd.precondTopEig).toBeUndefined();
      // Adam's v̂ is small early on, so P⁻¹ stretches the spectrum far beyond H's.
      expect(a.precondTopEig!).toBeGreaterThan(10 * a.topEig!);
      console.log(`after 5 steps: AdamW λ_max(H) ${a.topEig!.toFixed(2)}, λ_max(P⁻¹H) ${a.precondTopEig!.toExponential(3)} against ${a.threshold!.value.toExponential(3)}; SGD λ_max(H) ${sgd.topEig!.toFixed(2)} against ${sgd.threshold!.value.toFixed(1)}`);
      // Without `preconditioned` the page's cost: one Lanczos iteration per run.
      expect((await c.measureSharpness(4, 8))[0].precondTopEig).toBeUndefined();
      // A live edit of η moves the threshold from the next step on (the learning rate applied last).
      c.updateRun('S', { ...config.runs[1], optimizer: { ...config.runs[1].optimizer, lr: lr / 4 } });
      await c.step();
      const [, edited] = await c.measureSharpness(0, 0);
      expect(edited.threshold?.value).toBeCloseTo(3.8 / learningRate(5, c.runs[1].schedule), 6);
      expect(edited.threshold!.value).toBeGreaterThan(3.9 * sgd.threshold!.value);
    } finally {
      c.destroy();
    }
  });
});
