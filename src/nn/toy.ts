// The toy 2-D model of docs/algorithm.md ("The toy problem"), L(u, v) = (1 + u²) v² / 2 (shaders/nn/toy.wgsl): kernels for the
// gradient (and loss), the exact Hessian diagonal (v², 1 + u²), and an on-GPU trajectory recorder.
import type { GpuContext, Kernel } from '../gpu/context';
import type { UniformField } from '../gpu/uniforms';
import { requireElements, type Binding } from '../gpu/binding';

export const TOY_PARAM_COUNT = 2;

const TOY_PARAMS: readonly UniformField[] = [
  { name: 'lossIndex', type: 'u32' },
  { name: 'capacity', type: 'u32' },
];

function checkParams(label: string, theta: Binding): void {
  requireElements(label, 'theta', theta, TOY_PARAM_COUNT);
}

/** grad (2) = ∇L(θ); out[lossIndex] = L(θ). */
export function toyGradient(ctx: GpuContext, label: string, b: { theta: Binding; grad: Binding; out: Binding }, lossIndex = 0): Kernel {
  checkParams(label, b.theta);
  requireElements(label, 'out', b.out, lossIndex + 1);
  return ctx.kernel({
    label,
    shader: 'nn/toy',
    entryPoint: 'gradient',
    params: { layout: ctx.layout(TOY_PARAMS), values: { lossIndex, capacity: 0 } },
    buffers: [b.theta, b.grad, b.out],
    workgroups: [1, 1, 1],
  });
}

/** h (2) = (v², 1 + u²), the exact Hessian diagonal. */
export function toyHessianDiag(ctx: GpuContext, label: string, b: { theta: Binding; h: Binding }): Kernel {
  checkParams(label, b.theta);
  return ctx.kernel({ label, shader: 'nn/toy', entryPoint: 'hessianDiag', buffers: [b.theta, b.h], workgroups: [1, 1, 1] });
}

/** out (2) = H·direction, H = [[v², 2uv], [2uv, 1 + u²]] the exact Hessian at θ = (u, v). */
export function toyHvp(ctx: GpuContext, label: string, b: { theta: Binding; direction: Binding; out: Binding }): Kernel {
  checkParams(label, b.theta);
  requireElements(label, 'direction', b.direction, 2);
  requireElements(label, 'out', b.out, 2);
  return ctx.kernel({ label, shader: 'nn/toy', entryPoint: 'hvp', buffers: [b.theta, b.direction, b.out], workgroups: [1, 1, 1] });
}

/** Appends θ to traj (2·capacity floats) at cursor[0] and advances it (stops at capacity). */
export function toyRecord(ctx: GpuContext, label: string, b: { theta: Binding; traj: Binding; cursor: Binding }, capacity: number): Kernel {
  checkParams(label, b.theta);
  requireElements(label, 'traj', b.traj, 2 * capacity);
  return ctx.kernel({
    label,
    shader: 'nn/toy',
    entryPoint: 'record',
    params: { layout: ctx.layout(TOY_PARAMS), values: { lossIndex: 0, capacity } },
    buffers: [b.theta, b.traj, b.cursor],
    workgroups: [1, 1, 1],
  });
}
