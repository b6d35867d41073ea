import { describe, expect, it } from 'vitest';
import { createStorageBuffer, createStorageBufferWith, writeBuffer } from '../../src/gpu/buffers';
import { readFloat32 } from '../../src/gpu/readback';
import { createOptimizer, ireSettings } from '../../src/optim/create';
import { adamwStepRef } from '../../src/ref/optim';
import { DEFAULT_ADAMW, DEFAULT_IRE } from '../../src/train/config';
import { Rng } from '../../src/util/rng';
import { expectClose } from '../helpers/compare';
import { useGpu } from '../helpers/gpu';

describe('createOptimizer from a run config', () => {
  const gpu = useGpu();

  it('builds AdamW, SGD and SAM, with and without IRE, and reports the grad norm in the given slot', async () => {
    const { ctx, device } = gpu();
    const P = 200;
    const rng = new Rng(1);
    const g = rng.uniformArray(P);
    for (const base of ['adamw', 'sgd', 'sam'] as const) {
      for (const enabled of [false, true]) {
        const params = createStorageBufferWith(device, 'Test.params', rng.uniformArray(P));
        const grads = createStorageBuffer(device, 'Test.grads', P * 4);
        const metrics = createStorageBuffer(device, 'Test.metrics', 32);
        const cfg = { ...DEFAULT_ADAMW, base, ire: { ...DEFAULT_IRE, enabled } };
        const run = createOptimizer(ctx, 'Test.run', { params, grads, count: P, padCount: 0, gradNormSq: { buffer: metrics, index: 3 } }, cfg);
        expect(run.ire !== undefined).toBe(enabled);
        run.optimizer.setStep(run.stepValues(0, 1e-3));
        const encoder = device.createCommandEncoder({ label: 'Test.encoder' });
        run.optimizer.encodeStep(encoder, () => writeBuffer(device, grads, g));
        device.queue.submit([encoder.finish()]);
        const norm = (await readFloat32(device, metrics, 1, 3))[0];
        expect(norm).toBeCloseTo(g.reduce((s, x) => s + x * x, 0), 3);
        run.destroy();
        [params, grads, metrics].forEach((b) => b.destroy());
      }
    }
  });

  it('applies edited hyper-parameters at the next step and refuses changing the base', async () => {
    const { ctx, device } = gpu();
    const P = 50;
    const rng = new Rng(2);
    const theta0 = rng.uniformArray(P);
    const g = rng.uniformArray(P);
    const params = createStorageBufferWith(device, 'Test.params', theta0);
    const grads = createStorageBufferWith(device, 'Test.grads', g);
    const run = createOptimizer(ctx, 'Test.run', { params, grads, count: P, padCount: 0 }, DEFAULT_ADAMW);
    const edited = { ...DEFAULT_ADAMW, beta1: 0.5, weightDecay: 0.3, gradClip: 0 };
    run.configure(edited);
    run.optimizer.setStep(run.stepValues(0, 0.01));
    const encoder = device.createCommandEncoder({ label: 'Test.encoder' });
    run.optimizer.encodeUpdate(encoder);
    device.queue.submit([encoder.finish()]);
    const ref = { theta: theta0.slice(), m: new Float32Array(P), v: new Float32Array(P) };
    adamwStepRef(ref, g, new Uint32Array(P).fill(1), { beta1: 0.5, beta2: edited.beta2, eps: edited.eps, weightDecay: 0.3, clip: 0 }, { t: 1, lr: 0.01 });
    expectClose(await readFloat32(device, params, P), ref.theta, { atol: 1e-6, rtol: 1e-5 }, 'θ after edit');
    expect(() => run.configure({ ...DEFAULT_ADAMW, base: 'sgd' })).toThrow(/cannot change/);
    expect(ireSettings(DEFAULT_ADAMW).startStep).toBe(DEFAULT_ADAMW.warmupSteps);
    run.destroy();
    [params, grads].forEach((b) => b.destroy());
  });
});
