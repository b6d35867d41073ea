// What the suites share inside one page: our engine's device and GpuContext, acquired once on
// first use from the browser's navigator.gpu (each entry runs in a fresh page, so an entry that
// only runs TF.js never creates our device).
import { GpuContext } from '../src/gpu/context';
import { acquireDevice, type AdapterReport } from '../src/gpu/device';
import { viteShaderSource } from '../src/gpu/shaderSourceVite';
import { chooseKernelVariants, type KernelTuning } from '../src/optim/kernelTuning';

export interface OursGpu {
  device: GPUDevice;
  ctx: GpuContext;
  report: AdapterReport;
  /** The per-adapter kernel choices and the timings they were made from. */
  tuning: KernelTuning;
}

export class BenchEnv {
  private gpu?: Promise<OursGpu>;

  /** Our device, with every kernel family's variant chosen for this adapter by measurement (as the app does). */
  ours(): Promise<OursGpu> {
    this.gpu ??= acquireDevice(navigator.gpu, 'Bench.device').then(async ({ device, report }) => {
      const ctx = new GpuContext(device, viteShaderSource);
      const chosen = await chooseKernelVariants(ctx);
      return { device, report, ctx, tuning: chosen };
    });
    return this.gpu;
  }
}

/** Runs `body` in a validation error scope and throws the first validation error. */
export async function validated<T>(device: GPUDevice, body: () => Promise<T>): Promise<T> {
  device.pushErrorScope('validation');
  const outcome = await body().then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  const err = await device.popErrorScope();
  if (err) throw new Error(`WebGPU validation error: ${err.message}`);
  if ('error' in outcome) throw outcome.error;
  return outcome.value;
}
