// LayerNorm builders (shaders/nn/layernorm.wgsl): N = B·T rows of C channels.
import type { GpuContext, Kernel } from '../gpu/context';
import { grid1d } from '../gpu/dispatch';
import type { UniformField } from '../gpu/uniforms';
import { requireElements, requireIntegers, requirePowerOfTwo } from './shapeChecks';

export const LAYERNORM_PARAMS: readonly UniformField[] = [
  { name: 'N', type: 'u32' },
  { name: 'C', type: 'u32' },
  { name: 'eps', type: 'f32' },
  { name: 'accumulate', type: 'u32' },
];

export const LAYERNORM_EPS = 1e-5;

/** Threads per row for the row kernels; channels per workgroup × row lanes for the column sums. */
export const LAYERNORM_WORKGROUP = { row: 64, colX: 16, colY: 16 } as const;

export interface LayernormShape {
  /** Rows, B·T. */
  N: number;
  C: number;
  /** Default 1e-5. */
  eps?: number;
}

type Pass = 'FORWARD' | 'BACKWARD_INPUT' | 'BACKWARD_PARAMS';

function layernormKernel(ctx: GpuContext, label: string, pass: Pass, storage: GPUBuffer[], shape: LayernormShape, accumulate: boolean): Kernel {
  const rowwise = pass !== 'BACKWARD_PARAMS';
  const wg = LAYERNORM_WORKGROUP;
  requirePowerOfTwo(label, 'WG', wg.row);
  requirePowerOfTwo(label, 'WG_Y', wg.colY);
  return ctx.kernel({
    label,
    shader: 'nn/layernorm',
    defines: { ROWWISE: rowwise, FORWARD: pass === 'FORWARD', BACKWARD_INPUT: pass === 'BACKWARD_INPUT', BACKWARD_PARAMS: !rowwise },
    overrides: rowwise ? { WG: wg.row } : { WG_X: wg.colX, WG_Y: wg.colY },
    params: { layout: ctx.layout(LAYERNORM_PARAMS), values: { N: shape.N, C: shape.C, eps: shape.eps ?? LAYERNORM_EPS, accumulate: accumulate ? 1 : 0 } },
    buffers: storage,
    workgroups: rowwise ? grid1d(shape.N, 1) : [Math.ceil(shape.C / wg.colX), 1, 1],
  });
}

export interface LayernormForwardBuffers {
  inp: GPUBuffer; // (N, C)
  weight: GPUBuffer; // (C)
  bias: GPUBuffer; // (C)
  out: GPUBuffer; // (N, C)
  mean: GPUBuffer; // (N) saved for backward
  rstd: GPUBuffer; // (N) saved for backward
}

/** out = (inp − mean)·rstd·weight + bias per row; saves mean and rstd. One workgroup per row. */
export function layernormForward(ctx: GpuContext, label: string, buffers: LayernormForwardBuffers, shape: LayernormShape): Kernel {
  const { N, C } = shape;
  requireIntegers(label, { N, C });
  for (const [name, n] of [['inp', N * C], ['weight', C], ['bias', C], ['out', N * C], ['mean', N], ['rstd', N]] as const) {
    requireElements(label, name, buffers[name], n);
  }
  const b = buffers;
  return layernormKernel(ctx, label, 'FORWARD', [b.inp, b.weight, b.bias, b.out, b.mean, b.rstd], shape, false);
}

export interface LayernormBackwardBuffers {
  inp: GPUBuffer; // (N, C) forward input
  weight: GPUBuffer; // (C)
  mean: GPUBuffer; // (N) from forward
  rstd: GPUBuffer; // (N) from forward
  dout: GPUBuffer; // (N, C)
  dinp: GPUBuffer; // (N, C)
  dweight: GPUBuffer; // (C)
  dbias: GPUBuffer; // (C)
}

export interface LayernormBackwardOptions {
  /** dinp += … (the residual stream's gradient already holds the skip path). */
  accumulateInput?: boolean;
  /** dweight += …, dbias += … (gradient accumulation). */
  accumulate?: boolean;
}

export interface LayernormBackward {
  dinp: Kernel;
  /** dweight and dbias in one column-reduction dispatch. */
  dparams: Kernel;
  kernels: Kernel[];
}

/** The two backward dispatches: dinp per row, and the deterministic column sums for dweight, dbias. */
export function layernormBackward(
  ctx: GpuContext,
  label: string,
  buffers: LayernormBackwardBuffers,
  shape: LayernormShape,
  options: LayernormBackwardOptions = {},
): LayernormBackward {
  const { N, C } = shape;
  requireIntegers(label, { N, C });
  const sizes = { inp: N * C, weight: C, mean: N, rstd: N, dout: N * C, dinp: N * C, dweight: C, dbias: C };
  for (const [name, n] of Object.entries(sizes)) requireElements(label, name, buffers[name as keyof LayernormBackwardBuffers], n);
  const b = buffers;
  const dinp = layernormKernel(ctx, `${label}.dinp`, 'BACKWARD_INPUT', [b.inp, b.weight, b.mean, b.rstd, b.dout, b.dinp], shape, !!options.accumulateInput);
  const dparams = layernormKernel(ctx, `${label}.dparams`, 'BACKWARD_PARAMS', [b.inp, b.mean, b.rstd, b.dout, b.dweight, b.dbias], shape, !!options.accumulate);
  return { dinp, dparams, kernels: [dinp, dparams] };
}
