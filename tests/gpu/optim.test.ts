import { describe, expect, it } from 'vitest';
import { createStorageBuffer, createStorageBufferWith, writeBuffer } from '../../src/gpu/buffers';
import type { GpuContext } from '../../src/gpu/context';
import { encodeDispatches } from '../../src/gpu/dispatch';
import { readFloat32 } from '../../src/gpu/readback';
import { matmul } from '../../src/nn/matmul';
import { AdamW, type AdamWHyper } from '../../src/optim/adamw';
import { createDecayBuffer, type Optimizer, type OptimizerBuffers } from '../../src/optim/optimizer';
import { Sam } from '../../src/optim/sam';
import { Sgd, type SgdHyper } from '../../src/optim/sgd';
import { adamwStepRef, samPerturbRef, sgdStepRef } from '../../src/ref/optim';
import { Rng } from '../../src/util/rng';
import { expectClose } from '../helpers/compare';
import { useGpu } from '../helpers/gpu';

const ADAMW: AdamWHyper = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, clip: 1 };
const SGD: SgdHyper = { momentum: 0.9, nesterov: false, weightDecay: 5e-4, clip: 0 };
const TOL = { atol: 1e-6, rtol: 1e-5 };
const lrAt = (t: number) => 0.01 * (1 + 0.1 * t);

function randomMask(rng: Rng, n: number): Uint32Array {
  return Uint32Array.from({ length: n }, () => (rng.uniform() < 0.5 ? 1 : 0));
}

describe('optimizer kernels against the CPU references', () => {
  const gpu = useGpu();

  /** Runs `steps` steps with fresh random gradients each step; returns θ and the state buffers. */
  async function runWithGrads(
    P: number,
    build: (ctx: GpuContext, b: OptimizerBuffers) => Optimizer,
    grads: Float32Array[],
    theta0: Float32Array,
    decay: Uint32Array,
    kappa = 0,
  ): Promise<{ theta: Float32Array; state: Record<string, Float32Array> }> {
    const { ctx, device } = gpu();
    const params = createStorageBufferWith(device, 'Test.params', theta0);
    const gradBuf = createStorageBuffer(device, 'Test.grads', P * 4);
    const decayBuf = createDecayBuffer(device, 'Test.decay', decay);
    const opt = build(ctx, { params, grads: gradBuf, count: P, decay: decayBuf });
    grads.forEach((g, s) => {
      opt.setStep({ t: s + 1, lr: lrAt(s), kappa });
      const encoder = device.createCommandEncoder({ label: 'Test.encoder' });
      opt.encodeStep(encoder, () => writeBuffer(device, gradBuf, g));
      device.queue.submit([encoder.finish()]);
    });
    const theta = await readFloat32(device, params, P);
    const state: Record<string, Float32Array> = {};
    for (const [k, buf] of Object.entries(opt.state)) state[k] = await readFloat32(device, buf, P);
    opt.destroy();
    [params, gradBuf, decayBuf].forEach((b) => b.destroy());
    return { theta, state };
  }

  for (const P of [1, 97, 4099]) {
    it(`AdamW with clipping and a decay mask, 5 steps, P = ${P}`, async () => {
      const rng = new Rng(P);
      const theta0 = rng.uniformArray(P);
      const decay = randomMask(rng, P);
      const grads = Array.from({ length: 5 }, (_, s) => rng.uniformArray(P, -1 - s, 1));
      for (const hyper of [ADAMW, { ...ADAMW, clip: 0 }]) {
        const got = await runWithGrads(P, (ctx, b) => new AdamW(ctx, 'Test.adamw', b, hyper), grads, theta0, decay);
        const ref = { theta: theta0.slice(), m: new Float32Array(P), v: new Float32Array(P) };
        grads.forEach((g, s) => adamwStepRef(ref, g, decay, hyper, { t: s + 1, lr: lrAt(s) }));
        expectClose(got.state.m, ref.m, TOL, `m clip=${hyper.clip}`);
        expectClose(got.state.v, ref.v, TOL, `v clip=${hyper.clip}`);
        expectClose(got.theta, ref.theta, TOL, `θ clip=${hyper.clip}`);
      }
    });
  }

  for (const nesterov of [false, true]) {
    it(`SGD momentum${nesterov ? ' (Nesterov)' : ''} with weight decay and clipping, 5 steps, P = 1031`, async () => {
      const P = 1031;
      const rng = new Rng(7);
      const theta0 = rng.uniformArray(P);
      const decay = randomMask(rng, P);
      const grads = Array.from({ length: 5 }, () => rng.uniformArray(P));
      for (const hyper of [{ ...SGD, nesterov }, { ...SGD, nesterov, clip: 2 }]) {
        const got = await runWithGrads(P, (ctx, b) => new Sgd(ctx, 'Test.sgd', b, hyper), grads, theta0, decay);
        const ref = { theta: theta0.slice(), momentum: new Float32Array(P) };
        grads.forEach((g, s) => sgdStepRef(ref, g, decay, hyper, { t: s + 1, lr: lrAt(s) }));
        expectClose(got.state.momentum, ref.momentum, TOL, `momentum clip=${hyper.clip}`);
        expectClose(got.theta, ref.theta, TOL, `θ clip=${hyper.clip}`);
      }
    });
  }

  it('SAM (SGD base) on a quadratic ½θᵀAθ, gradient Aθ by the matmul kernel, 3 steps', async () => {
    const { ctx, device } = gpu();
    const P = 37;
    const rng = new Rng(11);
    const B = rng.uniformArray(P * P);
    const A = new Float32Array(P * P); // symmetric positive definite: BᵀB/P + I
    for (let i = 0; i < P; i++) {
      for (let j = 0; j < P; j++) {
        let s = i === j ? 1 : 0;
        for (let k = 0; k < P; k++) s += (B[k * P + i] * B[k * P + j]) / P;
        A[i * P + j] = s;
      }
    }
    const gradOf = (th: Float32Array) =>
      Float32Array.from({ length: P }, (_, i) => {
        let s = 0;
        for (let j = 0; j < P; j++) s += A[i * P + j] * th[j];
        return s;
      });
    const theta0 = rng.uniformArray(P);
    const params = createStorageBufferWith(device, 'Test.params', theta0);
    const grads = createStorageBuffer(device, 'Test.grads', P * 4);
    const aBuf = createStorageBufferWith(device, 'Test.A', A);
    const gradKernel = matmul(ctx, 'Test.grad', { a: aBuf, b: params, c: grads }, { M: P, N: 1, K: P });
    const hyper = { ...SGD, weightDecay: 0 };
    const sam = new Sam(ctx, 'Test.sam', new Sgd(ctx, 'Test.samBase', { params, grads, count: P }, hyper), { params, grads, count: P }, { rho: 0.05 });
    const ref = { theta: theta0.slice(), momentum: new Float32Array(P) };
    for (let s = 0; s < 3; s++) {
      sam.setStep({ t: s + 1, lr: 0.1 });
      const encoder = device.createCommandEncoder({ label: 'Test.encoder' });
      let calls = 0;
      sam.encodeStep(encoder, (e) => {
        calls++;
        encodeDispatches(e, [gradKernel]);
      });
      device.queue.submit([encoder.finish()]);
      expect(calls).toBe(2);
      const g2 = gradOf(samPerturbRef(ref.theta, gradOf(ref.theta), 0.05));
      sgdStepRef(ref, g2, new Uint32Array(P), hyper, { t: s + 1, lr: 0.1 });
    }
    expectClose(await readFloat32(device, params, P), ref.theta, { atol: 1e-5, rtol: 1e-4 }, 'SAM θ');
    expectClose(await readFloat32(device, sam.state.momentum, P), ref.momentum, { atol: 1e-5, rtol: 1e-4 }, 'SAM momentum');
    sam.destroy();
    [params, grads, aBuf].forEach((b) => b.destroy());
  });

  it('rejects κ > 0 without a mask, a negative learning rate, and undersized buffers', () => {
    const { ctx, device } = gpu();
    const buf = createStorageBuffer(device, 'Test.buf', 64);
    const opt = new Sgd(ctx, 'Test.sgd', { params: buf, grads: buf, count: 16 }, SGD);
    expect(() => opt.setStep({ t: 1, lr: 0.1, kappa: 2 })).toThrow(/needs the optimizer to be built with an IRE mask/);
    expect(() => opt.setStep({ t: 1, lr: -0.1 })).toThrow(/learning rate -0.1/);
    expect(() => new AdamW(ctx, 'Test.adamw', { params: buf, grads: buf, count: 17 }, ADAMW)).toThrow(/needs 17/);
    expect(() => new AdamW(ctx, 'Test.adamw', { params: buf, grads: buf, count: 16 }, { ...ADAMW, beta2: 1 })).toThrow(/β2/);
    opt.destroy();
    buf.destroy();
  });
});
