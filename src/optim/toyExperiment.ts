// The paper's toy figure (docs/algorithm.md "The toy problem"): from (1, 0.01), gradient descent with
// η = 1 and η = 2, and SGD-IRE with κ ∈ {90, 900, 9000} (η = 1, γ = 0.5, K = 1, exact Hessian
// diagonal), all through the engine's own kernels: the toy model (src/nn/toy.ts), the SGD
// update (momentum 0, no weight decay) with its fused IRE variant, and the radix-select mask.
// Steps are encoded in chunks with no readback inside a chunk; the trajectory is recorded on
// the GPU and read once per chunk to stop at convergence (|v| < tolerance) or overflow.
import { createStorageBuffer, createStorageBufferWith } from '../gpu/buffers';
import type { GpuContext } from '../gpu/context';
import { encodeDispatches, submitDispatches, type Dispatch } from '../gpu/dispatch';
import { readFloat32 } from '../gpu/readback';
import { toyGradient, toyHessianDiag, toyRecord } from '../nn/toy';
import { Ire } from './ire';
import { Sgd } from './sgd';

export interface ToyRunSpec {
  name: string;
  lr: number; // η
  kappa: number; // 0 = plain gradient descent, > 0 = SGD-IRE
}

export const TOY_RUNS: readonly ToyRunSpec[] = [
  { name: 'GD η=1', lr: 1, kappa: 0 },
  { name: 'GD η=2', lr: 2, kappa: 0 },
  { name: 'IRE κ=90', lr: 1, kappa: 90 },
  { name: 'IRE κ=900', lr: 1, kappa: 900 },
  { name: 'IRE κ=9000', lr: 1, kappa: 9000 },
];

export interface ToyOptions {
  start: [number, number]; // (u, v) at step 0
  maxSteps: number; // cap on the steps of one run
  tolerance: number; // converged when |v| < tolerance
  gamma: number; // IRE γ (0.5: the flatter of the two coordinates)
  chunk: number; // steps encoded per submit between convergence checks
}

export const DEFAULT_TOY_OPTIONS: ToyOptions = { start: [1, 0.01], maxSteps: 20000, tolerance: 1e-6, gamma: 0.5, chunk: 200 };

export interface ToyRunResult extends ToyRunSpec {
  /** (u, v) pairs from the start to the last finite point (converged, capped, or before overflow). */
  trajectory: Float32Array;
  /** Updates performed up to the last point of the trajectory. */
  steps: number;
  /** First step t with |v_t| < tolerance, or null. */
  stepsToConverge: number | null;
  /** First step whose (u, v) is not finite, or null. */
  divergedAt: number | null;
  finalU: number;
  finalV: number;
}

/** One toy run on the GPU. */
export async function runToy(ctx: GpuContext, spec: ToyRunSpec, options: Partial<ToyOptions> = {}): Promise<ToyRunResult> {
  const o = { ...DEFAULT_TOY_OPTIONS, ...options };
  const device = ctx.device;
  const label = `Toy.${spec.name.replace(/[^A-Za-z0-9]+/g, '_')}`;
  const capacity = o.maxSteps + 1;
  const theta = createStorageBufferWith(device, `${label}.theta`, Float32Array.from(o.start)); // (2) u, v
  const grads = createStorageBuffer(device, `${label}.grads`, 8); // (2)
  const stats = createStorageBuffer(device, `${label}.stats`, 16); // [0] loss
  const traj = createStorageBuffer(device, `${label}.traj`, capacity * 8); // (capacity, 2)
  const cursor = createStorageBuffer(device, `${label}.cursor`, 4); // (1) u32 points recorded
  const ire =
    spec.kappa > 0
      ? new Ire(ctx, `${label}.ire`, { count: 2, padCount: 0, grads }, {
          kappa: spec.kappa,
          gamma: o.gamma,
          refreshEvery: 1,
          startStep: 0,
          kappaFollowsLr: false,
          hessianForm: 'square',
          ema: 0,
        })
      : undefined;
  const sgd = new Sgd(ctx, `${label}.sgd`, { params: theta, grads, count: 2, ireMask: ire?.mask }, { momentum: 0, nesterov: false, weightDecay: 0, clip: 0 });
  sgd.setStep({ t: 1, lr: spec.lr, kappa: spec.kappa });
  const record = toyRecord(ctx, `${label}.record`, { theta, traj, cursor }, capacity);
  const gradient = toyGradient(ctx, `${label}.gradient`, { theta, grad: grads, out: stats });
  // One step: [exact diagonal → select → mask] (IRE only), gradient, SGD(-IRE) update, record θ.
  const step: Dispatch[] = [];
  if (ire) step.push(toyHessianDiag(ctx, `${label}.hessianDiag`, { theta, h: ire.h }), ...ire.refreshDispatches('h'));
  step.push(gradient, ...sgd.updateDispatches(), record);

  submitDispatches(device, [record], `${label}.start`);
  const points: number[] = [o.start[0], o.start[1]];
  let stepsToConverge: number | null = Math.abs(o.start[1]) < o.tolerance ? 0 : null;
  let divergedAt: number | null = null;
  let done = 0;
  try {
    while (stepsToConverge === null && divergedAt === null && done < o.maxSteps) {
      const n = Math.min(o.chunk, o.maxSteps - done);
      if (ire) ire.prepareRefresh(done); // K = 1: every step refreshes; the uniforms are the same for all
      const encoder = device.createCommandEncoder({ label: `${label}.encoder` });
      encodeDispatches(encoder, Array.from({ length: n }, () => step).flat(), `${label}.steps`);
      device.queue.submit([encoder.finish()]);
      const chunk = await readFloat32(device, traj, 2 * n, 2 * (done + 1));
      for (let k = 0; k < n; k++) {
        const t = done + 1 + k;
        const u = chunk[2 * k];
        const v = chunk[2 * k + 1];
        if (!Number.isFinite(u) || !Number.isFinite(v)) {
          divergedAt = t;
          break;
        }
        points.push(u, v);
        if (Math.abs(v) < o.tolerance) {
          stepsToConverge = t;
          break;
        }
      }
      done += n;
    }
  } finally {
    sgd.destroy();
    ire?.destroy();
    gradient.params?.destroy();
    record.params?.destroy();
    [theta, grads, stats, traj, cursor].forEach((b) => b.destroy());
  }
  const trajectory = Float32Array.from(points);
  const last = trajectory.length / 2 - 1;
  return { ...spec, trajectory, steps: last, stepsToConverge, divergedAt, finalU: trajectory[2 * last], finalV: trajectory[2 * last + 1] };
}

/** All five runs of the figure, one after the other. */
export async function runToyExperiment(ctx: GpuContext, options: Partial<ToyOptions> = {}, runs: readonly ToyRunSpec[] = TOY_RUNS): Promise<ToyRunResult[]> {
  const results: ToyRunResult[] = [];
  for (const spec of runs) results.push(await runToy(ctx, spec, options));
  return results;
}
