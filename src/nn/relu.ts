// ReLU builders over n elements (shaders/nn/relu.wgsl). Passing the same buffer as input and
// output selects the in-place variant. Flatten needs no kernel: an NCHW tensor (N, C, H, W)
// is already the row-major (N, C·H·W) matrix a linear head reads.
import type { GpuContext, Kernel } from '../gpu/context';
import { grid1d } from '../gpu/dispatch';
import type { UniformField } from '../gpu/uniforms';
import { requireElements, type Binding } from '../gpu/binding';

export const RELU_PARAMS: readonly UniformField[] = [{ name: 'n', type: 'u32' }];
export const RELU_WORKGROUP = 256;

const checkSize = requireElements;

function checkCount(label: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new Error(`${label}: n = ${n} must be a non-negative integer`);
}

export interface ReluForwardBuffers {
  inp: Binding; // (n)
  out: Binding; // (n); may be inp (in place)
}

/** out = max(inp, 0) over n elements. */
export function reluForward(ctx: GpuContext, label: string, b: ReluForwardBuffers, n: number): Kernel {
  checkCount(label, n);
  checkSize(label, 'inp', b.inp, n);
  checkSize(label, 'out', b.out, n);
  const inPlace = b.inp === b.out;
  return ctx.kernel({
    label,
    shader: 'nn/relu',
    entryPoint: 'forward',
    defines: { BACKWARD: false, IN_PLACE: inPlace },
    overrides: { WG: RELU_WORKGROUP },
    params: { layout: ctx.layout(RELU_PARAMS), values: { n } },
    buffers: inPlace ? [b.out] : [b.inp, b.out],
    workgroups: grid1d(n, RELU_WORKGROUP, ctx.device.limits.maxComputeWorkgroupsPerDimension),
  });
}

export interface ReluBackwardBuffers {
  /** (n) the forward pass's input or output (x > 0 exactly when relu(x) > 0). */
  act: Binding;
  dout: Binding; // (n)
  dinp: Binding; // (n); may be dout (in place)
}

/** dinp = dout where act > 0, else 0. */
export function reluBackward(ctx: GpuContext, label: string, b: ReluBackwardBuffers, n: number): Kernel {
  checkCount(label, n);
  checkSize(label, 'act', b.act, n);
  checkSize(label, 'dout', b.dout, n);
  checkSize(label, 'dinp', b.dinp, n);
  const inPlace = b.dout === b.dinp;
  return ctx.kernel({
    label,
    shader: 'nn/relu',
    entryPoint: 'backward',
    defines: { BACKWARD: true, IN_PLACE: inPlace },
    overrides: { WG: RELU_WORKGROUP },
    params: { layout: ctx.layout(RELU_PARAMS), values: { n } },
    buffers: inPlace ? [b.act, b.dinp] : [b.act, b.dout, b.dinp],
    workgroups: grid1d(n, RELU_WORKGROUP, ctx.device.limits.maxComputeWorkgroupsPerDimension),
  });
}
