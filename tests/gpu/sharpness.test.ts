import { describe, expect, it } from 'vitest';
import { writeBuffer } from '../../src/gpu/buffers';
import { submitDispatches } from '../../src/gpu/dispatch';
import { readFloat32 } from '../../src/gpu/readback';
import { gradientKernels, type Model } from '../../src/nn/model';
import { realMask } from '../../src/nn/paramLayout';
import { QuadraticModel, realOffsets, symmetricWithSpectrum, type QuadraticSpec } from '../../src/nn/quadratic';
import { ToyModel } from '../../src/nn/toyModel';
import { POWER_ITERATION_STREAM, Sharpness } from '../../src/optim/sharpness';
import { denseHvpRef, hutchinsonRef, meanAndStderrRef, rademacherRef, toyHessianRef, topEigenvalue2x2, topEigenvalueRef } from '../../src/ref/sharpness';
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

describe('sharpness: Hutchinson trace and top eigenvalue by central differences of gradients', () => {
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

  it('quadratic ½xᵀAx, spectrum 1..20: trace within 5% (and 3 standard errors), samples equal the exact-Hessian reference', async () => {
    const { ctx } = gpu();
    const { spec, eigenvalues } = quadraticSpec();
    const model = new QuadraticModel(ctx, 'Test.quadratic', spec);
    const sharp = new Sharpness(ctx, 'Test.sharpness', model, { maxProbes: 64 });
    const probes = 64;
    const m = await sharp.measure({ probes, powerIterations: 0, seed: 5 });
    const hvp = denseHvpRef(Float32Array.from(spec.matrix), realOffsets(model.layout), model.layout.total);
    const ref = hutchinsonRef(hvp, realMask(model.layout), 5, probes);
    const truth = eigenvalues.reduce((a, b) => a + b, 0);
    expectClose(m.samples, ref.samples, { atol: 1e-2, rtol: 2e-3 }, 'vᵀHv per probe');
    expect(Math.abs(m.trace - ref.trace)).toBeLessThan(1e-3 * truth);
    expect(relErr(m.stderr, ref.stderr)).toBeLessThan(1e-2);
    const stats = meanAndStderrRef(m.samples);
    expect(relErr(m.trace, stats.mean)).toBeLessThan(1e-5);
    expect(relErr(m.stderr, stats.stderr)).toBeLessThan(1e-4);
    expect(relErr(m.trace, truth)).toBeLessThan(0.05);
    expect(Math.abs(m.trace - truth)).toBeLessThan(3 * m.stderr);
    expect(m.stderr).toBeGreaterThan(0); // a rotated A has off-diagonal mass: the probes disagree
    sharp.destroy();
    model.destroy();
  });

  it('quadratic: the top eigenvalue by power iteration is within 5% of 20 and follows the reference iteration', async () => {
    const { ctx, device } = gpu();
    const { spec, eigenvalues } = quadraticSpec(4);
    const model = new QuadraticModel(ctx, 'Test.quadratic', spec);
    const sharp = new Sharpness(ctx, 'Test.sharpness', model, { maxProbes: 4 });
    const hvp = denseHvpRef(Float32Array.from(spec.matrix), realOffsets(model.layout), model.layout.total);
    const start = rademacherRef(realMask(model.layout), 8, POWER_ITERATION_STREAM);
    for (const iterations of [3, 40]) {
      const top = await sharp.topEigenvalue(iterations, 8);
      const ref = topEigenvalueRef(hvp, start, iterations);
      expect(top.iterations).toBe(iterations);
      expect(relErr(top.value, ref.value)).toBeLessThan(1e-3);
      if (iterations === 40) {
        expect(relErr(top.value, Math.max(...eigenvalues))).toBeLessThan(0.05);
        const v = await readFloat32(device, sharp.direction, model.layout.total);
        expectClose(v, ref.vector, { atol: 2e-3, rtol: 0 }, 'power-iteration vector');
      }
    }
    sharp.destroy();
    model.destroy();
  });

  it('quadratic with a dominant negative eigenvalue (−25 … 12): the shifted second half still finds λ_max = 12', async () => {
    const { ctx } = gpu();
    const eigenvalues = [-25, -3, ...Array.from({ length: 17 }, (_, i) => 0.5 + (5.5 * i) / 16), 12];
    const { spec } = quadraticSpec(6, eigenvalues);
    const model = new QuadraticModel(ctx, 'Test.quadratic', spec);
    const sharp = new Sharpness(ctx, 'Test.sharpness', model, { maxProbes: 4 });
    const hvp = denseHvpRef(Float32Array.from(spec.matrix), realOffsets(model.layout), model.layout.total);
    const top = await sharp.topEigenvalue(60, 1);
    const ref = topEigenvalueRef(hvp, rademacherRef(realMask(model.layout), 1, POWER_ITERATION_STREAM), 60);
    expect(relErr(top.dominant, -25)).toBeLessThan(0.01);
    expect(relErr(top.value, 12)).toBeLessThan(0.05);
    expect(relErr(top.value, ref.value)).toBeLessThan(1e-3);
    expect(relErr(top.dominant, ref.dominant)).toBeLessThan(1e-3);
    // A positive-dominant spectrum does not restart: the second half continues the first.
    const pos = quadraticSpec(6);
    const posModel = new QuadraticModel(ctx, 'Test.quadratic', pos.spec);
    const posSharp = new Sharpness(ctx, 'Test.sharpness', posModel, { maxProbes: 4 });
    const t = await posSharp.topEigenvalue(40, 1);
    expect(t.dominant).toBeGreaterThan(0);
    expect(relErr(t.value, 20)).toBeLessThan(0.05);
    for (const x of [sharp, model, posSharp, posModel]) x.destroy();
  });

  it('leaves params, grads, losses and accuracy flags bit-identical', async () => {
    const { ctx, device } = gpu();
    const { spec } = quadraticSpec();
    const model = new QuadraticModel(ctx, 'Test.quadratic', spec);
    submitDispatches(device, gradientKernels(model, 'targets'), 'Test.gradient'); // grads = A x, losses = L(x)
    writeBuffer(device, model.correct, new Float32Array([0.25]));
    const before = await modelState(device, model);
    const sharp = new Sharpness(ctx, 'Test.sharpness', model, { maxProbes: 4 });
    const m = await sharp.measure({ probes: 4, powerIterations: 3 });
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
    const a = await sharp.measure({ probes: 5, powerIterations: 4 });
    const b = await sharp.measure({ probes: 5, powerIterations: 4 });
    expect([b.trace, b.stderr, b.topEig, ...b.samples]).toEqual([a.trace, a.stderr, a.topEig, ...a.samples]);
    const other = await sharp.measure({ probes: 5, powerIterations: 0, seed: 99 });
    expect(other.trace).not.toBe(a.trace);
    expect(other.topEig).toBeUndefined();
    const one = await sharp.traceEstimate(1);
    expect(one.trace).toBe(a.samples[0]);
    expect(one.stderr).toBeNaN();
    await expect(sharp.measure({ probes: 6 })).rejects.toThrow(/probes = 6/);
    await expect(sharp.topEigenvalue(0)).rejects.toThrow(/iterations = 0/);
    const first = sharp.measure({ probes: 2, powerIterations: 0 });
    await expect(sharp.measure({ probes: 2 })).rejects.toThrow(/already in flight/);
    await first;
    expect(() => new Sharpness(ctx, 'Test.bad', model, { relativeStep: 0 })).toThrow(/relativeStep/);
    sharp.destroy();
    model.destroy();
  });

  it('toy model: trace v² + 1 + u² within 5% and the exact 2×2 top eigenvalue, at several points', async () => {
    const { ctx, device } = gpu();
    const model = new ToyModel(ctx, 'Test.toy', { kind: 'toy', start: [1, 0.01] });
    const sharp = new Sharpness(ctx, 'Test.sharpness', model, { maxProbes: 256 });
    const mask = realMask(model.layout);
    for (const [u, v] of [
      [1, 0.01],
      [0.5, 0.2],
      [-2, 0.3],
    ]) {
      const theta = new Float32Array(model.layout.total);
      theta.set([u, v]);
      writeBuffer(device, model.params, theta);
      const m = await sharp.measure({ probes: 256, powerIterations: 30, seed: 2 });
      const H = toyHessianRef(Math.fround(u), Math.fround(v));
      const truth = v * v + 1 + u * u;
      const hvp = (x: Float64Array) => {
        const out = new Float64Array(x.length);
        out[0] = H[0] * x[0] + H[1] * x[1];
        out[1] = H[2] * x[0] + H[3] * x[1];
        return out;
      };
      const ref = hutchinsonRef(hvp, mask, 2, 256);
      const topRef = topEigenvalueRef(hvp, rademacherRef(mask, 2, POWER_ITERATION_STREAM), 30);
      expect(relErr(m.trace, truth)).toBeLessThan(0.05);
      expect(Math.abs(m.trace - ref.trace)).toBeLessThan(1e-3 * truth);
      expect(relErr(m.topEig ?? NaN, topEigenvalue2x2(H))).toBeLessThan(1e-3);
      expect(relErr(m.topEig ?? NaN, topRef.value)).toBeLessThan(1e-3);
      const after = await readFloat32(device, model.params, model.layout.total);
      expect(Array.from(after)).toEqual(Array.from(theta));
    }
    sharp.destroy();
    model.destroy();
  });
});
