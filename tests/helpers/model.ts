// Helpers for model tests: upload parameters and a batch, run a gradient, read loss and grads.
import { writeBuffer } from '../../src/gpu/buffers';
import { submitDispatches } from '../../src/gpu/dispatch';
import { readFloat32 } from '../../src/gpu/readback';
import { gradientKernels, type Model } from '../../src/nn/model';

/** Mean loss of the current batch at the parameters in the buffer, and the gradient. */
export async function lossAndGradient(device: GPUDevice, model: Model): Promise<{ loss: number; grads: Float32Array }> {
  submitDispatches(device, gradientKernels(model, 'targets'), 'Test.gradient');
  const losses = await readFloat32(device, model.losses, model.rows);
  const grads = await readFloat32(device, model.grads, model.layout.total);
  return { loss: losses.reduce((s, x) => s + x, 0) / model.rows, grads };
}

/** Mean loss at `params` (forward and loss only). */
export async function lossAt(device: GPUDevice, model: Model, params: Float32Array): Promise<number> {
  writeBuffer(device, model.params, params);
  submitDispatches(device, [...model.forward, ...model.lossOnTargets], 'Test.loss');
  const losses = await readFloat32(device, model.losses, model.rows);
  let s = 0;
  for (const x of losses) s += x;
  return s / model.rows;
}

/**
 * Central differences of the GPU loss in f32 at selected parameter indices, compared with the
 * GPU gradient: catches wiring errors (a missing accumulation, a wrong buffer) in a whole model.
 */
export async function modelGradientErrors(
  device: GPUDevice,
  model: Model,
  params: Float32Array,
  indices: readonly number[],
  h = 1e-2,
): Promise<{ index: number; analytic: number; numeric: number }[]> {
  writeBuffer(device, model.params, params);
  const { grads } = await lossAndGradient(device, model);
  const out: { index: number; analytic: number; numeric: number }[] = [];
  for (const i of indices) {
    const p = Float32Array.from(params);
    p[i] = params[i] + h;
    const up = await lossAt(device, model, p);
    p[i] = params[i] - h;
    const down = await lossAt(device, model, p);
    out.push({ index: i, analytic: grads[i], numeric: (up - down) / (2 * h) });
  }
  writeBuffer(device, model.params, params);
  return out;
}
