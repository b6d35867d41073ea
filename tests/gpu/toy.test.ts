import { describe, expect, it } from 'vitest';
import { createStorageBuffer, createStorageBufferWith } from '../../src/gpu/buffers';
import { submitDispatches } from '../../src/gpu/dispatch';
import { readFloat32 } from '../../src/gpu/readback';
import { toyGradient, toyHessianDiag } from '../../src/nn/toy';
import { runToy, TOY_RUNS } from '../../src/optim/toyExperiment';
import { toyGradRef, toyHessianDiagRef, toyLossRef, toyRunRef } from '../../src/ref/toy';
import { expectClose } from '../helpers/compare';
import { numericGradient } from '../helpers/gradcheck';
import { useGpu } from '../helpers/gpu';

const POINTS: [number, number][] = [
  [1, 0.01],
  [-0.7, 2.5],
  [0, 0],
  [3.25, -1e-3],
];

/** First step with |v| < 1e-6 in a reference trajectory, or null. */
function convergedAt(traj: Float32Array): number | null {
  for (let t = 0; t < traj.length / 2; t++) if (Math.abs(traj[2 * t + 1]) < 1e-6) return t;
  return null;
}

describe('toy model L(u, v) = (1 + u²) v² / 2 and the toy experiment', () => {
  const gpu = useGpu();

  it('gradient, loss and exact Hessian diagonal match the reference; the gradient passes a central-difference check', async () => {
    const { ctx, device } = gpu();
    for (const [u, v] of POINTS) {
      const theta = createStorageBufferWith(device, 'Test.theta', new Float32Array([u, v]));
      const grad = createStorageBuffer(device, 'Test.grad', 8);
      const h = createStorageBuffer(device, 'Test.h', 8);
      const out = createStorageBuffer(device, 'Test.out', 16);
      submitDispatches(device, [toyGradient(ctx, 'Test.gradient', { theta, grad, out }, 2), toyHessianDiag(ctx, 'Test.hd', { theta, h })]);
      const [g, hd, loss] = [await readFloat32(device, grad, 2), await readFloat32(device, h, 2), await readFloat32(device, out, 1, 2)];
      const tol = { atol: 1e-7, rtol: 1e-6 };
      expectClose(g, toyGradRef(u, v), tol, `grad at (${u}, ${v})`);
      expectClose(hd, toyHessianDiagRef(u, v), tol, `diag at (${u}, ${v})`);
      expectClose(loss, [toyLossRef(u, v)], tol, `loss at (${u}, ${v})`);
      const uf = Math.fround(u);
      const vf = Math.fround(v);
      const numeric = numericGradient((x) => ((1 + x[0] * x[0]) * x[1] * x[1]) / 2, [uf, vf]);
      expectClose(g, numeric, { atol: 1e-6, rtol: 1e-4 }, `central differences at (${u}, ${v})`);
      const hNumeric = [0, 1].map((i) => numericGradient((x) => numericGradient((y) => ((1 + y[0] * y[0]) * y[1] * y[1]) / 2, x, 1e-5)[i], [uf, vf], 1e-4)[i]);
      expectClose(hd, hNumeric, { atol: 1e-4, rtol: 1e-3 }, `numeric diagonal at (${u}, ${v})`);
      [theta, grad, h, out].forEach((b) => b.destroy());
    }
  });

  for (const spec of TOY_RUNS) {
    it(`${spec.name}: the GPU trajectory follows a plain TS loop of the same update`, async () => {
      const { ctx } = gpu();
      const maxSteps = 800;
      const got = await runToy(ctx, spec, { maxSteps, chunk: 150 });
      const want = toyRunRef([1, 0.01], spec.lr, got.divergedAt ?? got.steps, spec.kappa ? { kappa: spec.kappa, gamma: 0.5 } : undefined);
      if (spec.lr === 2) {
        // η = 2 leaves the valley: |v| grows by 1 + 2u² ≥ 3 per step until f32 overflows.
        expect(got.divergedAt).not.toBeNull();
        expect(got.stepsToConverge).toBeNull();
        expect(Number.isFinite(want[2 * got.divergedAt!])).toBe(false);
        expect(got.trajectory.length).toBe(2 * got.divergedAt!);
        expectClose(got.trajectory, want.slice(0, 2 * got.divergedAt!), { atol: 0, rtol: 1e-4 }, spec.name);
        return;
      }
      expect(got.divergedAt).toBeNull();
      expect(got.stepsToConverge).not.toBeNull();
      expect(got.stepsToConverge).toBe(convergedAt(want));
      expectClose(got.trajectory, want, { atol: 1e-9, rtol: 1e-4 }, spec.name);
      expect(got.finalU).toBe(got.trajectory[2 * got.steps]);
      if (spec.kappa > 0) expect(got.finalU).toBeLessThan(0.95); // IRE drifts toward the flat end
    });
  }

  it('stops at the step cap when it has not converged', async () => {
    const { ctx } = gpu();
    const got = await runToy(ctx, TOY_RUNS[0], { maxSteps: 37, chunk: 10 });
    expect(got.steps).toBe(37);
    expect(got.stepsToConverge).toBeNull();
    expect(got.trajectory.length).toBe(2 * 38);
  });
});
