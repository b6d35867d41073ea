// GELU (tanh form) builders (shaders/nn/gelu.wgsl).
import type { GpuContext, Kernel } from '../gpu/context';
import { grid1d } from '../gpu/dispatch';
import type { UniformField } from '../gpu/uniforms';
import { requireElements, requireIntegers } from './shapeChecks';
import type { Binding } from '../gpu/binding';

export const GELU_PARAMS: readonly UniformField[] = [
  { name: 'N', type: 'u32' },
  { name: 'accumulate', type: 'u32' },
];

const WG = 64;

/** out = gelu(inp) elementwise over N values (e.g. N = B·T·4C). `inp` and `out` must differ. */
export function geluForward(ctx: GpuContext, label: string, buffers: { inp: Binding; out: Binding }, shape: { N: number }): Kernel {
  requireIntegers(label, { N: shape.N });
  requireElements(label, 'inp', buffers.inp, shape.N);
  requireElements(label, 'out', buffers.out, shape.N);
  return ctx.kernel({
    label,
    shader: 'nn/gelu',
    includes: ['nn/geluMath'],
    defines: { FORWARD: true, BACKWARD: false, BACKWARD_TANGENT: false },
    overrides: { WG },
    params: { layout: ctx.layout(GELU_PARAMS), values: { N: shape.N, accumulate: 0 } },
    buffers: [buffers.inp, buffers.out],
    workgroups: grid1d(shape.N, WG),
  });
}

/** dinp (+)= dout · gelu'(inp), inp being the forward input. */
export function geluBackward(
  ctx: GpuContext,
  label: string,
  buffers: { inp: Binding; dout: Binding; dinp: Binding },
  shape: { N: number; accumulate?: boolean },
): Kernel {
  requireIntegers(label, { N: shape.N });
  for (const name of ['inp', 'dout', 'dinp'] as const) requireElements(label, name, buffers[name], shape.N);
  return ctx.kernel({
    label,
    shader: 'nn/gelu',
    includes: ['nn/geluMath'],
    defines: { FORWARD: false, BACKWARD: true, BACKWARD_TANGENT: false },
    overrides: { WG },
    params: { layout: ctx.layout(GELU_PARAMS), values: { N: shape.N, accumulate: shape.accumulate ? 1 : 0 } },
    buffers: [buffers.inp, buffers.dout, buffers.dinp],
    workgroups: grid1d(shape.N, WG),
  });
}

/**
 * dinp (+)= dout · gelu''(inp) · inpDot: the second-order term of the tangent of the GELU's
 * backward along a direction (inpDot the tangent of the forward input; exact Hessian-vector
 * products, docs/algorithm.md "Sharpness"). The first-order term, d(dout)·gelu'(inp), is the
 * backward itself.
 */
export function geluBackwardTangent(
  ctx: GpuContext,
  label: string,
  buffers: { inp: Binding; inpDot: Binding; dout: Binding; dinp: Binding },
  shape: { N: number; accumulate?: boolean },
): Kernel {
  requireIntegers(label, { N: shape.N });
  for (const name of ['inp', 'inpDot', 'dout', 'dinp'] as const) requireElements(label, name, buffers[name], shape.N);
  return ctx.kernel({
    label,
    shader: 'nn/gelu',
    includes: ['nn/geluMath'],
    defines: { FORWARD: false, BACKWARD: false, BACKWARD_TANGENT: true },
    overrides: { WG },
    params: { layout: ctx.layout(GELU_PARAMS), values: { N: shape.N, accumulate: shape.accumulate ? 1 : 0 } },
    buffers: [buffers.inp, buffers.inpDot, buffers.dout, buffers.dinp],
    workgroups: grid1d(shape.N, WG),
  });
}
