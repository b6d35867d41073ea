import { describe, expect, it } from 'vitest';
import { createStorageBufferWith, writeBuffer } from '../../src/gpu/buffers';
import { submitDispatches } from '../../src/gpu/dispatch';
import { readFloat32 } from '../../src/gpu/readback';
import { gradientKernels, type Model } from '../../src/nn/model';
import { realMask } from '../../src/nn/paramLayout';
import { QuadraticModel, realOffsets, symmetricWithSpectrum, type QuadraticSpec } from '../../src/nn/quadratic';
import { ToyModel } from '../../src/nn/toyModel';
import { Sharpness, type HvpMethod } from '../../src/optim/sharpness';
import { denseHvpRef, hutchinsonRef, meanAndStderrRef, rademacherRef, symmetricEigenvaluesRef, toyHessianRef, topEigenvalue2x2 } from '../../src/ref/sharpness';
import { Rng } from '../../src/util/rng';
import { expectClose } from '../helpers/compare';
import { useGpu } from '../helpers/gpu';

/** Eigenvalues (default 1..20) in a random orthonormal basis, split over views of 13 and 7 (padding between). */
function quadraticSpec(seed = 3, eigenvalues = Array.from({ length: 20 }, (_, i) => i + 1)): { spec: QuadraticSpec; eigenvalues: number[] } {
  const start = new Rng(seed, 9).uniformArray(20, -1, 1);
  return { spec: { sizes: [13, 7], matrix: symmetricWithSpectrum(eigenvalues, seed), start }, eigenvalues };
}

/** Everything a measurement must leave untouched, read back. */
async function modelState(device: GPUDevice, model: Model): Promise<Float32Array[]> {
  return Promise.all([model.params, model.grads, model.losses, model.correct].map((b) => readFloat32(device, b)));
}

function expectBitIdentical(after: Float32Array[], before: Float32Array[]): void {
  expect(after.length).toBe(before.length);
  after.forEach((a, i) => expect(Buffer.from(a.buffer).equals(Buffer.from(before[i].buffer)), `state buffer ${i} changed`).toBe(true));
}

const relErr = (got: number, want: number) => Math.abs(got - want) / Math.abs(want);

describe('sharpness: Hutchinson trace and Lanczos eigenvalues, on exact products and on central differences of gradients', () => {
  const gpu = useGpu();

  it('draws Rademacher probes on the GPU that equal the CPU generator bit for bit, 0 on padding', async () => {
    const { ctx, device } = gpu();
    const { spec } = quadraticSpec();
    const model = new QuadraticModel(ctx, 'Test.quadratic', spec);
    const sharp = new Sharpness(ctx, 'Test.sharpness', model, { maxProbes: 8 });
    const mask = realMask(model.layout);
    expect(model.layout.padCount).toBeGreaterThan(0);
    await sharp.traceEstimate(3, 11);
    const probe = await readFloat32(device, sharp.direction, model.layout.total);
    const want = rademacherRef(mask, 11, 2); // the last probe
    expect(Array.from(probe)).toEqual(Array.from(want));
    const real = Array.from(probe).filter((_, i) => mask[i] === 1);
    expect(real.every((x) => x === 1 || x === -1)).toBe(true);
    expect(new Set(real).size).toBe(2);
    expect(Array.from(probe).filter((_, i) => mask[i] === 0).every((x) => x === 0)).toBe(true);
    sharp.destroy();
    model.destroy();
  });

  for (const [method, tol] of [
    ['exact', { atol: 1e-4, rtol: 1e-5 }],
    ['difference', { atol: 1e-2, rtol: 2e-3 }],
  ] as [HvpMethod, { atol: number; rtol: number }][]) {
    it(`quadratic ½xᵀAx, spectrum 1..20, ${method} products: trace within 5% (and 3 standard errors), samples equal the exact-Hessian reference`, async () => {
      const { ctx } = gpu();
      const { spec, eigenvalues } = quadraticSpec();
      const model = new QuadraticModel(ctx, 'Test.quadratic', spec);
      const sharp = new Sharpness(ctx, 'Test.sharpness', model, { maxProbes: 64, method });
      expect(sharp.method).toBe(method);
      const probes = 64;
      const m = await sharp.measure({ probes, lanczosSteps: 0, seed: 5 });
      const hvp = denseHvpRef(Float32Array.from(spec.matrix), realOffsets(model.layout), model.layout.total);
      const ref = hutchinsonRef(hvp, realMask(model.layout), 5, probes);
      const truth = eigenvalues.reduce((a, b) => a + b, 0);
      expectClose(m.samples, ref.samples, tol, 'vᵀHv per probe');
      expect(Math.abs(m.trace - ref.trace)).toBeLessThan((method === 'exact' ? 1e-5 : 1e-3) * truth);
      expect(relErr(m.stderr, ref.stderr)).toBeLessThan(method === 'exact' ? 1e-4 : 1e-2);
      const stats = meanAndStderrRef(m.samples);
      expect(relErr(m.trace, stats.mean)).toBeLessThan(1e-5);
      expect(relErr(m.stderr, stats.stderr)).toBeLessThan(1e-4);
      expect(relErr(m.trace, truth)).toBeLessThan(0.05);
      expect(Math.abs(m.trace - truth)).toBeLessThan(3 * m.stderr);
      expect(m.stderr).toBeGreaterThan(0); // a rotated A has off-diagonal mass: the probes disagree
      sharp.destroy();
      model.destroy();
    });
  }

  it('quadratic, spectrum 1..20: 20 Lanczos steps give the whole spectrum (top three to 1e-5 of a dense decomposition), 8 steps each Ritz value within its residual of an eigenvalue, λ_max approached from below', async () => {
    const { ctx } = gpu();
    const { spec } = quadraticSpec(4);
    const model = new QuadraticModel(ctx, 'Test.quadratic', spec);
    const sharp = new Sharpness(ctx, 'Test.sharpness', model, { maxProbes: 4, maxLanczos: 20 });
    const exact = symmetricEigenvaluesRef(Float32Array.from(spec.matrix), 20); // the f32 matrix the GPU holds
    const all = await sharp.topEigenvalues(20, 8);
    expect(all.length).toBe(20);
    for (let i = 0; i < 3; i++) expect(relErr(all[i].value, exact[i]), `λ${i + 1}`).toBeLessThan(1e-5);
    for (let i = 0; i < 20; i++) expect(Math.abs(all[i].value - exact[i]), `λ${i + 1}`).toBeLessThan(1e-3);
    const few = await sharp.topEigenvalues(8, 8);
    expect(few.length).toBe(8);
    for (const r of few) expect(Math.min(...exact.map((e) => Math.abs(e - r.value)))).toBeLessThanOrEqual(r.residual * 1.01 + 1e-4);
    // An evenly spaced spectrum converges slowly; the top Ritz value approaches λ_max from below.
    expect(few[0].value).toBeLessThanOrEqual(exact[0] * (1 + 1e-6));
    expect(relErr(few[0].value, exact[0])).toBeLessThan(0.02);
    sharp.destroy();
    model.destroy();
  });

  it('quadratic with a dominant negative eigenvalue (−25 … 12): Lanczos finds λ_max = 12 and λ_min = −25 in 12 steps', async () => {
    const { ctx } = gpu();
    const eigenvalues = [-25, -3, ...Array.from({ length: 17 }, (_, i) => 0.5 + (5.5 * i) / 16), 12];
    const { spec } = quadraticSpec(6, eigenvalues);
    const model = new QuadraticModel(ctx, 'Test.quadratic', spec);
    const sharp = new Sharpness(ctx, 'Test.sharpness', model, { maxProbes: 4 });
    const ritz = await sharp.topEigenvalues(12, 1);
    expect(relErr(ritz[0].value, 12)).toBeLessThan(1e-3);
    expect(relErr(ritz[ritz.length - 1].value, -25)).toBeLessThan(1e-3);
    sharp.destroy();
    model.destroy();
  });

  it("preconditioned by Adam's state: the Lanczos values are the eigenvalues of P⁻¹H (P = diag(√v̂ + ε)); the trace stays H's", async () => {
    const { ctx, device } = gpu();
    const { spec } = quadraticSpec(5);
    const model = new QuadraticModel(ctx, 'Test.quadratic', spec);
    const sharp = new Sharpness(ctx, 'Test.sharpness', model, { maxProbes: 16, maxLanczos: 20 });
    const offsets = realOffsets(model.layout);
    const n = offsets.length;
    // A second moment spread over three decades, on the real entries of the flat layout.
    const vReal = Array.from({ length: n }, (_, i) => 1e-6 * 10 ** ((3 * i) / (n - 1)));
    const vFlat = new Float32Array(model.layout.total);
    offsets.forEach((at, i) => (vFlat[at] = vReal[i]));
    const v = createStorageBufferWith(device, 'Test.v', vFlat);
    const pre = { v, beta2: 0.95, t: 7, eps: 1e-8 };
    // Reference: the eigenvalues of P⁻¹A through the similar symmetric P^{−1/2} A P^{−1/2}.
    const bc2 = 1 - 0.95 ** 7;
    const p = vReal.map((x) => Math.sqrt(Math.fround(x) / bc2) + 1e-8);
    const a = Float32Array.from(spec.matrix);
    const scaled = Float64Array.from({ length: n * n }, (_, k) => a[k] / Math.sqrt(p[Math.floor(k / n)] * p[k % n]));
    const want = symmetricEigenvaluesRef(scaled, n);
    const m = await sharp.measure({ probes: 16, lanczosSteps: 20, seed: 3, preconditioner: pre });
    for (let i = 0; i < 3; i++) expect(relErr(m.eigenvalues[i].value, want[i]), `λ${i + 1} of P⁻¹H`).toBeLessThan(1e-4);
    expect(want[0]).toBeGreaterThan(100 * 20); // P⁻¹ stretches the spectrum: not H's (max 20)
    const plain = await sharp.measure({ probes: 16, lanczosSteps: 0, seed: 3 });
    expect(m.trace).toBe(plain.trace);
    await expect(sharp.measure({ probes: 0, lanczosSteps: 2, preconditioner: { ...pre, t: 0 } })).rejects.toThrow(/t ≥ 1/);
    v.destroy();
    sharp.destroy();
    model.destroy();
  });

  it.each(['exact', 'difference'] as HvpMethod[])('leaves params, grads, losses and accuracy flags bit-identical (%s products)', async (method) => {
    const { ctx, device } = gpu();
    const { spec } = quadraticSpec();
    const model = new QuadraticModel(ctx, 'Test.quadratic', spec);
    submitDispatches(device, gradientKernels(model, 'targets'), 'Test.gradient'); // grads = A x, losses = L(x)
    writeBuffer(device, model.correct, new Float32Array([0.25]));
    const before = await modelState(device, model);
    const sharp = new Sharpness(ctx, 'Test.sharpness', model, { maxProbes: 4, method });
    const m = await sharp.measure({ probes: 4, lanczosSteps: 3 });
    expect(Number.isFinite(m.trace) && Number.isFinite(m.topEig ?? NaN)).toBe(true);
    expectBitIdentical(await modelState(device, model), before);
    expect(before[1].some((g) => g !== 0)).toBe(true); // the check above compared a real gradient
    sharp.destroy();
    model.destroy();
  });

  it('is deterministic, checks its arguments, refuses a second measurement in flight, and has no stderr for one probe', async () => {
    const { ctx } = gpu();
    const { spec } = quadraticSpec();
    const model = new QuadraticModel(ctx, 'Test.quadratic', spec);
    const sharp = new Sharpness(ctx, 'Test.sharpness', model, { maxProbes: 5 });
    const a = await sharp.measure({ probes: 5, lanczosSteps: 4 });
    const b = await sharp.measure({ probes: 5, lanczosSteps: 4 });
    expect([b.trace, b.stderr, b.topEig, ...b.samples]).toEqual([a.trace, a.stderr, a.topEig, ...a.samples]);
    expect(b.eigenvalues).toEqual(a.eigenvalues);
    const other = await sharp.measure({ probes: 5, lanczosSteps: 0, seed: 99 });
    expect(other.trace).not.toBe(a.trace);
    expect(other.topEig).toBeUndefined();
    const one = await sharp.traceEstimate(1);
    expect(one.trace).toBe(a.samples[0]);
    expect(one.stderr).toBeNaN();
    await expect(sharp.measure({ probes: 6 })).rejects.toThrow(/probes = 6/);
    await expect(sharp.topEigenvalues(0)).rejects.toThrow(/Lanczos steps = 0/);
    await expect(sharp.measure({ probes: 0, lanczosSteps: 13 })).rejects.toThrow(/Lanczos steps = 13/);
    const first = sharp.measure({ probes: 2, lanczosSteps: 0 });
    await expect(sharp.measure({ probes: 2 })).rejects.toThrow(/already in flight/);
    await first;
    expect(() => new Sharpness(ctx, 'Test.bad', model, { relativeStep: 0 })).toThrow(/relativeStep/);
    expect(() => new Sharpness(ctx, 'Test.bad', model, { maxLanczos: 0 })).toThrow(/maxLanczos/);
    sharp.destroy();
    model.destroy();
  });

  it('toy model: trace v² + 1 + u² within 5%, and the exact 2×2 eigenvalues to 1e-5 once the Krylov space closes (2 steps)', async () => {
    const { ctx, device } = gpu();
    const model = new ToyModel(ctx, 'Test.toy', { kind: 'toy', start: [1, 0.01] });
    const sharp = new Sharpness(ctx, 'Test.sharpness', model, { maxProbes: 256 });
    expect(sharp.method).toBe('exact');
    const mask = realMask(model.layout);
    for (const [u, v] of [
      [1, 0.01],
      [0.5, 0.2],
      [-2, 0.3],
    ]) {
      const theta = new Float32Array(model.layout.total);
      theta.set([u, v]);
      writeBuffer(device, model.params, theta);
      const m = await sharp.measure({ probes: 256, lanczosSteps: 6, seed: 2 });
      const H = toyHessianRef(Math.fround(u), Math.fround(v));
      const truth = v * v + 1 + u * u;
      const hvp = (x: Float64Array) => {
        const out = new Float64Array(x.length);
        out[0] = H[0] * x[0] + H[1] * x[1];
        out[1] = H[2] * x[0] + H[3] * x[1];
        return out;
      };
      const ref = hutchinsonRef(hvp, mask, 2, 256);
      expect(relErr(m.trace, truth)).toBeLessThan(0.05);
      expect(Math.abs(m.trace - ref.trace)).toBeLessThan(1e-5 * truth);
      // Two dimensions: the iteration stops after 2 steps with both eigenvalues, residuals 0.
      expect(m.lanczosSteps).toBe(2);
      const both = symmetricEigenvaluesRef(H, 2);
      expect(relErr(m.topEig ?? NaN, topEigenvalue2x2(H))).toBeLessThan(1e-5);
      m.eigenvalues.forEach((r, i) => {
        expect(Math.abs(r.value - both[i])).toBeLessThan(1e-5 * Math.abs(both[0]));
        expect(r.residual).toBe(0);
      });
      const after = await readFloat32(device, model.params, model.layout.total);
      expect(Array.from(after)).toEqual(Array.from(theta));
    }
    sharp.destroy();
    model.destroy();
  });
});
