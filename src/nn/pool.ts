// Max-pool and average-pool builders, NCHW, K×K windows, stride, no padding (shaders/nn/pool.wgsl).
// Output size: OH = floor((H − K) / stride) + 1, OW likewise (PyTorch's default floor mode).
// Max-pooling saves the argmax (index ih·W + iw within its plane, first maximum on ties) for
// its backward pass.
import type { GpuContext, Kernel } from '../gpu/context';
import { grid1d } from '../gpu/dispatch';
import type { UniformField } from '../gpu/uniforms';
import { requireElements, type Binding } from '../gpu/binding';

export const POOL_PARAMS: readonly UniformField[] = [
  { name: 'NC', type: 'u32' },
  { name: 'H', type: 'u32' },
  { name: 'W', type: 'u32' },
  { name: 'OH', type: 'u32' },
  { name: 'OW', type: 'u32' },
  { name: 'K', type: 'u32' },
  { name: 'stride', type: 'u32' },
];

export const POOL_WORKGROUP = 256;

export interface PoolShape {
  N: number;
  C: number;
  H: number;
  W: number;
  /** Window side; default 2. */
  K?: number;
  /** Default: equal to K. */
  stride?: number;
}

export interface PoolDims {
  NC: number;
  H: number;
  W: number;
  OH: number;
  OW: number;
  K: number;
  stride: number;
}

/** Validates a shape and computes the output sides; throws a message naming `label`. */
export function poolDims(label: string, s: PoolShape): PoolDims {
  const K = s.K ?? 2;
  const stride = s.stride ?? K;
  for (const [k, v] of [['N', s.N], ['C', s.C], ['H', s.H], ['W', s.W], ['K', K], ['stride', stride]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${label}: ${k} = ${v} must be a positive integer`);
  }
  if (K > s.H || K > s.W) throw new Error(`${label}: window ${K} does not fit a ${s.H}×${s.W} input`);
  return { NC: s.N * s.C, H: s.H, W: s.W, OH: Math.floor((s.H - K) / stride) + 1, OW: Math.floor((s.W - K) / stride) + 1, K, stride };
}

const checkSize = requireElements;

type Entry = 'maxForward' | 'maxBackward' | 'maxTangent' | 'avgForward' | 'avgBackward';

function poolKernel(ctx: GpuContext, label: string, entry: Entry, d: PoolDims, buffers: Binding[], threads: number): Kernel {
  return ctx.kernel({
    label,
    shader: 'nn/pool',
    entryPoint: entry,
    defines: { MAX_FORWARD: entry === 'maxForward', MAX_BACKWARD: entry === 'maxBackward', MAX_TANGENT: entry === 'maxTangent', AVG_FORWARD: entry === 'avgForward' },
    overrides: { WG: POOL_WORKGROUP },
    params: { layout: ctx.layout(POOL_PARAMS), values: { ...d } },
    buffers,
    workgroups: grid1d(threads, POOL_WORKGROUP, ctx.device.limits.maxComputeWorkgroupsPerDimension),
  });
}

export interface MaxPoolForwardBuffers {
  inp: Binding; // (N, C, H, W)
  out: Binding; // (N, C, OH, OW)
  argmax: Binding; // (N, C, OH, OW) u32
}

export function maxPoolForward(ctx: GpuContext, label: string, b: MaxPoolForwardBuffers, shape: PoolShape): Kernel {
  const d = poolDims(label, shape);
  const outs = d.NC * d.OH * d.OW;
  checkSize(label, 'inp', b.inp, d.NC * d.H * d.W);
  checkSize(label, 'out', b.out, outs);
  checkSize(label, 'argmax', b.argmax, outs);
  return poolKernel(ctx, label, 'maxForward', d, [b.inp, b.out, b.argmax], outs);
}

export interface MaxPoolTangentBuffers {
  tangent: Binding; // (N, C, H, W) tangent of the forward's input
  argmax: Binding; // (N, C, OH, OW) u32, from maxPoolForward
  out: Binding; // (N, C, OH, OW) tangent of the output
}

/** out = tangent at each window's argmax: max-pooling's forward tangent (exact Hessian-vector products). */
export function maxPoolTangent(ctx: GpuContext, label: string, b: MaxPoolTangentBuffers, shape: PoolShape): Kernel {
  const d = poolDims(label, shape);
  const outs = d.NC * d.OH * d.OW;
  checkSize(label, 'tangent', b.tangent, d.NC * d.H * d.W);
  checkSize(label, 'argmax', b.argmax, outs);
  checkSize(label, 'out', b.out, outs);
  return poolKernel(ctx, label, 'maxTangent', d, [b.tangent, b.argmax, b.out], outs);
}

export interface MaxPoolBackwardBuffers {
  dout: Binding; // (N, C, OH, OW)
  argmax: Binding; // (N, C, OH, OW) u32, from maxPoolForward
  dinp: Binding; // (N, C, H, W), overwritten
}

export function maxPoolBackward(ctx: GpuContext, label: string, b: MaxPoolBackwardBuffers, shape: PoolShape): Kernel {
  const d = poolDims(label, shape);
  const outs = d.NC * d.OH * d.OW;
  checkSize(label, 'dout', b.dout, outs);
  checkSize(label, 'argmax', b.argmax, outs);
  checkSize(label, 'dinp', b.dinp, d.NC * d.H * d.W);
  return poolKernel(ctx, label, 'maxBackward', d, [b.dout, b.argmax, b.dinp], d.NC * d.H * d.W);
}

export interface AvgPoolForwardBuffers {
  inp: Binding; // (N, C, H, W)
  out: Binding; // (N, C, OH, OW)
}

export function avgPoolForward(ctx: GpuContext, label: string, b: AvgPoolForwardBuffers, shape: PoolShape): Kernel {
  const d = poolDims(label, shape);
  const outs = d.NC * d.OH * d.OW;
  checkSize(label, 'inp', b.inp, d.NC * d.H * d.W);
  checkSize(label, 'out', b.out, outs);
  return poolKernel(ctx, label, 'avgForward', d, [b.inp, b.out], outs);
}

export interface AvgPoolBackwardBuffers {
  dout: Binding; // (N, C, OH, OW)
  dinp: Binding; // (N, C, H, W), overwritten
}

export function avgPoolBackward(ctx: GpuContext, label: string, b: AvgPoolBackwardBuffers, shape: PoolShape): Kernel {
  const d = poolDims(label, shape);
  checkSize(label, 'dout', b.dout, d.NC * d.OH * d.OW);
  checkSize(label, 'dinp', b.dinp, d.NC * d.H * d.W);
  return poolKernel(ctx, label, 'avgBackward', d, [b.dout, b.dinp], d.NC * d.H * d.W);
}
