import { describe, expect, it } from 'vitest';
import { createStorageBuffer, createStorageBufferWith, writeBuffer } from '../../src/gpu/buffers';
import type { GpuContext } from '../../src/gpu/context';
import { encodeDispatches } from '../../src/gpu/dispatch';
import { readFloat32, readUint32 } from '../../src/gpu/readback';
import { matmul } from '../../src/nn/matmul';
import { AdamW, type AdamWHyper } from '../../src/optim/adamw';
import { Ire, type IreSettings } from '../../src/optim/ire';
import type { Optimizer, OptimizerBuffers } from '../../src/optim/optimizer';
import { Sam } from '../../src/optim/sam';
import { Sgd, type SgdHyper } from '../../src/optim/sgd';
import { hessianEstimateRef } from '../../src/ref/ire';
import { adamwStepRef, sgdStepRef } from '../../src/ref/optim';
import { Rng } from '../../src/util/rng';
import { expectClose } from '../helpers/compare';
import { useGpu } from '../helpers/gpu';

const ADAMW: AdamWHyper = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, clip: 1 };
const SGD: SgdHyper = { momentum: 0.9, nesterov: true, weightDecay: 5e-4, clip: 0 };
const SETTINGS: IreSettings = { kappa: 3, gamma: 0.6, refreshEvery: 2, startStep: 0, kappaFollowsLr: false, hessianForm: 'square', ema: 0 };

type Base = 'adamw' | 'sgd' | 'sam';

function buildBase(ctx: GpuContext, base: Base, b: OptimizerBuffers): Optimizer {
  if (base === 'adamw') return new AdamW(ctx, 'Test.adamw', b, ADAMW);
  if (base === 'sgd') return new Sgd(ctx, 'Test.sgd', b, SGD);
  return new Sam(ctx, 'Test.sam', new Sgd(ctx, 'Test.samBase', b, SGD), b, { rho: 0.05 });
}

describe('IRE: estimate, masked update, κ = 0 identity', () => {
  const gpu = useGpu();

  it('estimates h = g², |g|, and the EMA (β = 0 on the first estimate)', async () => {
    const { ctx, device } = gpu();
    const P = 1000;
    const rng = new Rng(1);
    const grads = createStorageBuffer(device, 'Test.grads', P * 4);
    for (const form of ['square', 'abs'] as const) {
      const ire = new Ire(ctx, 'Test.ire', { count: P, padCount: 0, grads }, { ...SETTINGS, hessianForm: form, ema: 0.75 });
      let want: Float32Array = new Float32Array(P);
      for (let r = 0; r < 3; r++) {
        const g = rng.uniformArray(P);
        writeBuffer(device, grads, g);
        const encoder = device.createCommandEncoder({ label: 'Test.encoder' });
        ire.encodeRefresh(encoder, r * 2);
        device.queue.submit([encoder.finish()]);
        want = hessianEstimateRef(want, g, form, r === 0 ? 0 : 0.75);
        expectClose(await readFloat32(device, ire.h, P), want, { atol: 0, rtol: 1e-6 }, `${form} refresh ${r}`);
      }
      ire.destroy();
    }
    grads.destroy();
  });

  /** N steps of a quadratic ½θᵀAθ (gradient by the matmul kernel), with or without an IRE wrapper. */
  async function runQuadratic(base: Base, withIre: boolean, kappa: number, steps: number): Promise<{ theta: Uint32Array; maskOnes: number }> {
    const { ctx, device } = gpu();
    const P = 67;
    const rng = new Rng(21);
    const A = rng.uniformArray(P * P, 0, 2 / P);
    for (let i = 0; i < P; i++) for (let j = 0; j < i; j++) A[i * P + j] = A[j * P + i];
    for (let i = 0; i < P; i++) A[i * P + i] += i % 3 === 0 ? 5 : 0.01; // some sharp, many flat coordinates
    const params = createStorageBufferWith(device, 'Test.params', rng.uniformArray(P));
    const grads = createStorageBuffer(device, 'Test.grads', P * 4);
    const aBuf = createStorageBufferWith(device, 'Test.A', A);
    const gradKernel = matmul(ctx, 'Test.grad', { a: aBuf, b: params, c: grads }, { M: P, N: 1, K: P });
    const computeGrad = (e: GPUCommandEncoder) => encodeDispatches(e, [gradKernel]);
    const ire = withIre ? new Ire(ctx, 'Test.ire', { count: P, padCount: 0, grads }, { ...SETTINGS, kappa: Math.max(kappa, 1) }) : undefined;
    const opt = buildBase(ctx, base, { params, grads, count: P, ireMask: ire?.mask });
    for (let s = 0; s < steps; s++) {
      const encoder = device.createCommandEncoder({ label: 'Test.encoder' });
      if (ire?.isRefreshStep(s)) {
        computeGrad(encoder); // stands in for the sampled-label gradient
        ire.encodeRefresh(encoder, s);
      }
      opt.setStep({ t: s + 1, lr: 0.05, kappa: ire ? kappa : 0 });
      opt.encodeStep(encoder, computeGrad);
      device.queue.submit([encoder.finish()]);
    }
    const theta = await readUint32(device, params, P);
    const maskOnes = ire ? (await readUint32(device, ire.mask, P)).reduce((a, b) => a + b, 0) : 0;
    opt.destroy();
    ire?.destroy();
    [params, grads, aBuf].forEach((b) => b.destroy());
    return { theta, maskOnes };
  }

  for (const base of ['adamw', 'sgd', 'sam'] as const) {
    it(`${base}: κ = 0 with a refreshed, non-empty mask is bit-identical to the base optimizer over 6 steps`, async () => {
      const plain = await runQuadratic(base, false, 0, 6);
      const ire0 = await runQuadratic(base, true, 0, 6);
      expect(ire0.maskOnes).toBe(Math.floor(0.6 * 67));
      expect(Array.from(ire0.theta)).toEqual(Array.from(plain.theta));
      const ire3 = await runQuadratic(base, true, 3, 6);
      expect(Array.from(ire3.theta)).not.toEqual(Array.from(plain.theta)); // the comparison can fail
    });
  }

  for (const base of ['adamw', 'sgd'] as const) {
    it(`${base}-IRE: θ = θ_old + (1 + κ·m)⊙Δ matches the reference with the GPU's mask, 4 steps`, async () => {
      const { ctx, device } = gpu();
      const P = 1031;
      const rng = new Rng(5);
      const theta0 = rng.uniformArray(P);
      const decay = Uint32Array.from({ length: P }, (_, i) => (i % 4 ? 1 : 0));
      const params = createStorageBufferWith(device, 'Test.params', theta0);
      const grads = createStorageBuffer(device, 'Test.grads', P * 4);
      const decayBuf = createStorageBufferWith(device, 'Test.decay', decay);
      const ire = new Ire(ctx, 'Test.ire', { count: P, padCount: 0, grads }, SETTINGS);
      const opt = base === 'adamw'
        ? new AdamW(ctx, 'Test.adamw', { params, grads, count: P, decay: decayBuf, ireMask: ire.mask }, ADAMW)
        : new Sgd(ctx, 'Test.sgd', { params, grads, count: P, decay: decayBuf, ireMask: ire.mask }, SGD);
      const ref = { theta: theta0.slice(), m: new Float32Array(P), v: new Float32Array(P), momentum: new Float32Array(P) };
      let mask: Uint32Array = new Uint32Array(P);
      for (let s = 0; s < 4; s++) {
        const g = rng.uniformArray(P);
        writeBuffer(device, grads, g);
        const encoder = device.createCommandEncoder({ label: 'Test.encoder' });
        const refresh = ire.isRefreshStep(s);
        if (refresh) ire.encodeRefresh(encoder, s);
        const kappa = ire.kappaAt(s, 0.01, 0.01);
        opt.setStep({ t: s + 1, lr: 0.01, kappa });
        opt.encodeStep(encoder, () => {});
        device.queue.submit([encoder.finish()]);
        if (refresh) {
          mask = await readUint32(device, ire.mask, P);
          expect(mask.reduce((a, b) => a + b, 0)).toBe(Math.floor(0.6 * P));
          // the flagged coordinates are the flattest: every flagged g² ≤ every unflagged g²
          let maxIn = 0;
          let minOut = Infinity;
          g.forEach((x, i) => (mask[i] ? (maxIn = Math.max(maxIn, x * x)) : (minOut = Math.min(minOut, x * x))));
          expect(maxIn).toBeLessThanOrEqual(minOut);
        }
        const step = { t: s + 1, lr: 0.01, kappa };
        if (base === 'adamw') adamwStepRef(ref, g, decay, ADAMW, step, { mask });
        else sgdStepRef(ref, g, decay, SGD, step, { mask });
      }
      expectClose(await readFloat32(device, params, P), ref.theta, { atol: 1e-6, rtol: 1e-5 }, `${base}-IRE θ`);
      opt.destroy();
      ire.destroy();
      [params, grads, decayBuf].forEach((b) => b.destroy());
    });
  }

  it('refreshes past 65535 workgroups (grid folding of the estimate and mask kernels), exactly', async () => {
    const { ctx, device } = gpu();
    const P = 65535 * 256 + 257; // < 2^24, so every integer value below P is exact in f32
    const a = 7_654_321; // coprime to P: i ↦ (i·a) mod P is a permutation, so h holds 0 … P−1 once each
    const g = new Float32Array(P);
    for (let i = 0; i < P; i++) g[i] = (Number((BigInt(i) * BigInt(a)) % BigInt(P)) * (i % 2 ? -1 : 1));
    const grads = createStorageBufferWith(device, 'Test.grads', g);
    const ire = new Ire(ctx, 'Test.ire', { count: P, padCount: 0, grads }, { ...SETTINGS, hessianForm: 'abs', gamma: 0.5 });
    const encoder = device.createCommandEncoder({ label: 'Test.encoder' });
    ire.encodeRefresh(encoder, 0);
    device.queue.submit([encoder.finish()]);
    const k = Math.floor(0.5 * P); // flagged: h ≤ thr = k − 1
    const [mask, h, stats] = await Promise.all([readUint32(device, ire.mask, P), readFloat32(device, ire.h, 8, P - 8), readFloat32(device, ire.maskCount.buffer, 2)]);
    expect(Array.from(h)).toEqual(Array.from(g.slice(P - 8), Math.abs));
    expect(Array.from(stats)).toEqual([k, k - 1]);
    let bad = -1;
    for (let i = 0; i < P && bad < 0; i++) if (mask[i] !== (Math.abs(g[i]) <= k - 1 ? 1 : 0)) bad = i;
    expect(bad).toBe(-1);
    ire.destroy();
    grads.destroy();
  });

  it('schedules refreshes every K active steps, κ_t, γ changes at the next refresh, requestRefresh', async () => {
    const { ctx, device } = gpu();
    const P = 10;
    const grads = createStorageBufferWith(device, 'Test.grads', Float32Array.from({ length: P }, (_, i) => i + 1));
    const ire = new Ire(ctx, 'Test.ire', { count: P, padCount: 0, grads }, { ...SETTINGS, startStep: 3, refreshEvery: 4, kappaFollowsLr: true });
    const refreshAt: number[] = [];
    const counts: number[] = [];
    for (let s = 0; s < 14; s++) {
      if (s === 8) ire.configure({ gamma: 0.3 }); // applies at the refresh of step 11
      if (s === 12) {
        ire.configure({ gamma: 0.9 });
        ire.requestRefresh(); // applies at once
      }
      if (ire.isRefreshStep(s)) {
        refreshAt.push(s);
        const encoder = device.createCommandEncoder({ label: 'Test.encoder' });
        ire.encodeRefresh(encoder, s);
        device.queue.submit([encoder.finish()]);
        counts.push((await readFloat32(device, ire.maskCount.buffer, 1, ire.maskCount.index))[0]);
      }
    }
    expect(refreshAt).toEqual([3, 7, 11, 12]);
    expect(counts).toEqual([6, 6, 3, 9]);
    expect(Array.from(await readUint32(device, ire.mask, P))).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
    expect(ire.kappaAt(2, 0.5, 1)).toBe(0);
    expect(ire.kappaAt(3, 0.5, 1)).toBe(1.5);
    ire.configure({ kappa: 0 });
    expect(ire.isRefreshStep(20)).toBe(false);
    expect(ire.kappaAt(20, 1, 1)).toBe(0);
    expect(() => ire.configure({ gamma: 1.5 })).toThrow(/γ = 1.5/);
    ire.destroy();
    grads.destroy();
  });
});
