// LayerNorm builders (shaders/nn/layernorm.wgsl): N = B·T rows of C channels.
import type { GpuContext, Kernel } from '../gpu/context';
import type { UniformField } from '../gpu/uniforms';
import { DEFAULT_ROW_VARIANT, ROW_INCLUDES, ROW_WORKGROUP, rowGrid, type RowVariant } from './rowVariant';
import { requireElements, requireIntegers, requirePowerOfTwo } from './shapeChecks';
import type { Binding } from '../gpu/binding';

export const LAYERNORM_PARAMS: readonly UniformField[] = [
  { name: 'N', type: 'u32' },
  { name: 'C', type: 'u32' },
  { name: 'eps', type: 'f32' },
  { name: 'accumulate', type: 'u32' },
];

export const LAYERNORM_EPS = 1e-5;

/** Channels per workgroup × row lanes of the dweight/dbias column sums. */
export const LAYERNORM_COLUMN_WORKGROUP = { x: 16, y: 16 } as const;

/** Threads (one per channel) per workgroup of the serial column sums. */
export const LAYERNORM_SERIAL_WORKGROUP = 64;

/**
 * dweight/dbias column sums: 'tree' (a workgroup reduces row lanes through workgroup memory,
 * for GPUs) or 'serial' (one thread per channel sums every row, no barriers, for CPU adapters).
 * The row kernels (forward, dinp) are not chosen per adapter (rowVariant.ts).
 */
export type ColumnVariant = 'tree' | 'serial';

/** Every column variant, for the tuning and the tests. */
export const LAYERNORM_COLUMN_VARIANTS: readonly ColumnVariant[] = ['tree', 'serial'];

declare module '../gpu/context' {
  interface KernelChoices {
    /** The layernorm's dweight/dbias column sums. */
    layernorm: ColumnVariant;
  }
}

/** The variant used until the adapter's tuning chooses one: the GPU-shaped tree. */
export const DEFAULT_LAYERNORM_COLUMNS: ColumnVariant = 'tree';

/** This context's column variant: its layernorm choice, else the default. */
export function layernormColumnVariant(ctx: GpuContext): ColumnVariant {
  return ctx.choices.layernorm ?? DEFAULT_LAYERNORM_COLUMNS;
}

export interface LayernormShape {
  /** Rows, B·T. */
  N: number;
  C: number;
  /** Default 1e-5. */
  eps?: number;
  /** Thread mapping of the row kernels (forward, dinp); default threadPerRow (see rowVariant.ts). */
  variant?: RowVariant;
  /** Thread mapping of the dweight/dbias sums; default layernormColumnVariant(ctx). */
  columns?: ColumnVariant;
}

type Pass = 'FORWARD' | 'BACKWARD_INPUT' | 'BACKWARD_PARAMS' | 'FORWARD_TANGENT' | 'BACKWARD_INPUT_TANGENT' | 'BACKWARD_PARAMS_TANGENT';

function layernormKernel(ctx: GpuContext, label: string, pass: Pass, storage: Binding[], shape: LayernormShape, accumulate: boolean): Kernel {
  const rowwise = pass !== 'BACKWARD_PARAMS' && pass !== 'BACKWARD_PARAMS_TANGENT';
  const variant = shape.variant ?? DEFAULT_ROW_VARIANT;
  const col = LAYERNORM_COLUMN_WORKGROUP;
  const serial = !rowwise && (shape.columns ?? layernormColumnVariant(ctx)) === 'serial';
  requirePowerOfTwo(label, 'WG', ROW_WORKGROUP);
  requirePowerOfTwo(label, 'WG_Y', col.y);
  return ctx.kernel({
    label,
    shader: 'nn/layernorm',
    includes: rowwise ? ROW_INCLUDES : [],
    defines: {
      ROWWISE: rowwise,
      WORKGROUP_PER_ROW: rowwise && variant === 'workgroupPerRow',
      FORWARD: pass === 'FORWARD',
      BACKWARD_INPUT: pass === 'BACKWARD_INPUT',
      BACKWARD_PARAMS: !rowwise,
      SERIAL_COLUMNS: serial,
      FORWARD_TANGENT: pass === 'FORWARD_TANGENT',
      BACKWARD_INPUT_TANGENT: pass === 'BACKWARD_INPUT_TANGENT',
      PARAMS_TANGENT: pass === 'BACKWARD_PARAMS_TANGENT',
    },
    overrides: rowwise ? { WG: ROW_WORKGROUP } : serial ? { WG_X: LAYERNORM_SERIAL_WORKGROUP, WG_Y: 1 } : { WG_X: col.x, WG_Y: col.y },
    params: { layout: ctx.layout(LAYERNORM_PARAMS), values: { N: shape.N, C: shape.C, eps: shape.eps ?? LAYERNORM_EPS, accumulate: accumulate ? 1 : 0 } },
    buffers: storage,
    workgroups: rowwise ? rowGrid(shape.N, variant) : [Math.ceil(shape.C / (serial ? LAYERNORM_SERIAL_WORKGROUP : col.x)), 1, 1],
  });
}

export interface LayernormForwardBuffers {
  inp: Binding; // (N, C)
  weight: Binding; // (C)
  bias: Binding; // (C)
  out: Binding; // (N, C)
  mean: Binding; // (N) saved for backward
  rstd: Binding; // (N) saved for backward
}

/** out = (inp − mean)·rstd·weight + bias per row; saves mean and rstd. */
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
  inp: Binding; // (N, C) forward input
  weight: Binding; // (C)
  mean: Binding; // (N) from forward
  rstd: Binding; // (N) from forward
  dout: Binding; // (N, C)
  dinp: Binding; // (N, C)
  dweight: Binding; // (C)
  dbias: Binding; // (C)
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

// ---- Tangents (forward-over-reverse, for exact Hessian-vector products; docs/algorithm.md
// "Sharpness"). A dot is the derivative along a direction in parameter space.

export interface LayernormForwardTangentBuffers {
  inp: Binding; // (N, C) forward input x
  inpDot: Binding; // (N, C) ẋ
  weight: Binding; // (C)
  weightDot: Binding; // (C) the direction's weight
  biasDot: Binding; // (C) the direction's bias
  out: Binding; // (N, C) tangent of the output
  normDot: Binding; // (N, C) tangent of (x − mean)·rstd, saved for layernormBackwardTangent
}

/** One row dispatch: out = ṅorm·weight + norm·ẇ + ḃ and normDot = ṅorm (shaders/nn/layernorm.wgsl, FORWARD_TANGENT). */
export function layernormForwardTangent(ctx: GpuContext, label: string, buffers: LayernormForwardTangentBuffers, shape: LayernormShape): Kernel {
  const { N, C } = shape;
  requireIntegers(label, { N, C });
  const sizes = { inp: N * C, inpDot: N * C, weight: C, weightDot: C, biasDot: C, out: N * C, normDot: N * C };
  for (const [name, n] of Object.entries(sizes)) requireElements(label, name, buffers[name as keyof LayernormForwardTangentBuffers], n);
  const b = buffers;
  return layernormKernel(ctx, label, 'FORWARD_TANGENT', [b.inp, b.inpDot, b.weight, b.weightDot, b.biasDot, b.out, b.normDot], shape, false);
}

export interface LayernormBackwardTangentBuffers {
  inp: Binding; // (N, C) forward input x
  inpDot: Binding; // (N, C) ẋ
  weight: Binding; // (C)
  weightDot: Binding; // (C) the direction's weight
  mean: Binding; // (N) from forward
  rstd: Binding; // (N) from forward
  normDot: Binding; // (N, C) from layernormForwardTangent
  dout: Binding; // (N, C) the backward's dout
  doutDot: Binding; // (N, C) its tangent
  dinpDot: Binding; // (N, C) tangent of dinp
  dweightDot: Binding; // (C) tangent of dweight
  dbiasDot: Binding; // (C) tangent of dbias
}

export interface LayernormBackwardTangent {
  dinp: Kernel;
  /** d(dweight) = Σ_rows (ḋout·norm + dout·ṅorm) and d(dbias) = Σ_rows ḋout, one column dispatch. */
  dparams: Kernel;
  kernels: Kernel[];
}

/**
 * The tangent of layernormBackward: two dispatches, the row kernel (BACKWARD_INPUT_TANGENT) and
 * the column sums of BACKWARD_PARAMS with PARAMS_TANGENT. Options as for the backward.
 */
export function layernormBackwardTangent(
  ctx: GpuContext,
  label: string,
  buffers: LayernormBackwardTangentBuffers,
  shape: LayernormShape,
  options: LayernormBackwardOptions = {},
): LayernormBackwardTangent {
  const { N, C } = shape;
  requireIntegers(label, { N, C });
  const sizes = { inp: N * C, inpDot: N * C, weight: C, weightDot: C, mean: N, rstd: N, normDot: N * C, dout: N * C, doutDot: N * C, dinpDot: N * C, dweightDot: C, dbiasDot: C };
  for (const [name, n] of Object.entries(sizes)) requireElements(label, name, buffers[name as keyof LayernormBackwardTangentBuffers], n);
  const b = buffers;
  const dinp = layernormKernel(ctx, `${label}.dinp`, 'BACKWARD_INPUT_TANGENT', [b.inp, b.inpDot, b.weight, b.weightDot, b.dout, b.doutDot, b.dinpDot], shape, !!options.accumulateInput);
  const dparams = layernormKernel(
    ctx,
    `${label}.dparams`,
    'BACKWARD_PARAMS_TANGENT',
    [b.inp, b.mean, b.rstd, b.doutDot, b.dweightDot, b.dbiasDot, b.dout, b.normDot],
    shape,
    !!options.accumulate,
  );
  return { dinp, dparams, kernels: [dinp, dparams] };
}
