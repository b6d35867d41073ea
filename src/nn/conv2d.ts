// 2-D convolution builders, NCHW (shaders/nn/conv2d.wgsl): forward, input gradient, and the
// weight + bias gradient as two deterministic passes (chunked partial sums, then an ordered sum).
// Output size: OH = floor((H + 2·pad − K) / stride) + 1, OW likewise (PyTorch's rule).
// Flatten after the last conv/pool is a no-op view: (N, C, H, W) is already the row-major
// (N, C·H·W) matrix a linear classifier head reads.
import { createStorageBuffer } from '../gpu/buffers';
import type { GpuContext, Kernel } from '../gpu/context';
import { grid1d } from '../gpu/dispatch';
import type { UniformField } from '../gpu/uniforms';
import { requireElements, type Binding } from '../gpu/binding';

export const CONV2D_PARAMS: readonly UniformField[] = [
  { name: 'N', type: 'u32' },
  { name: 'IC', type: 'u32' },
  { name: 'H', type: 'u32' },
  { name: 'W', type: 'u32' },
  { name: 'OC', type: 'u32' },
  { name: 'OH', type: 'u32' },
  { name: 'OW', type: 'u32' },
  { name: 'K', type: 'u32' },
  { name: 'stride', type: 'u32' },
  { name: 'pad', type: 'u32' },
  { name: 'chunk', type: 'u32' },
  { name: 'chunks', type: 'u32' },
  { name: 'beta', type: 'f32' },
];

/** Threads per workgroup of every conv2d pass; each thread owns a 4×4 block of outputs. */
export const CONV2D_WORKGROUP = 64;
/** Outputs per thread along each blocked axis: BLOCK in shaders/nn/conv2d.wgsl (a WGSL const, as it sizes arrays). */
const BLOCK = 4;

export interface Conv2dShape {
  N: number;
  IC: number;
  H: number;
  W: number;
  OC: number;
  /** Kernel side (K×K). */
  K: number;
  /** Default 1. */
  stride?: number;
  /** Zero padding on every side; default 0. */
  pad?: number;
}

/** Output image side for an input side, kernel, stride and padding. */
export function conv2dOutputSide(side: number, K: number, stride = 1, pad = 0): number {
  return Math.floor((side + 2 * pad - K) / stride) + 1;
}

export interface Conv2dDims extends Required<Conv2dShape> {
  OH: number;
  OW: number;
}

/** Validates a shape and fills in defaults and output sides; throws a message naming `label`. */
export function conv2dDims(label: string, s: Conv2dShape): Conv2dDims {
  const stride = s.stride ?? 1;
  const pad = s.pad ?? 0;
  for (const [k, v] of [['N', s.N], ['IC', s.IC], ['H', s.H], ['W', s.W], ['OC', s.OC], ['K', s.K], ['stride', stride]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${label}: ${k} = ${v} must be a positive integer`);
  }
  if (!Number.isInteger(pad) || pad < 0) throw new Error(`${label}: pad = ${pad} must be a non-negative integer`);
  const OH = conv2dOutputSide(s.H, s.K, stride, pad);
  const OW = conv2dOutputSide(s.W, s.K, stride, pad);
  if (OH < 1 || OW < 1) throw new Error(`${label}: kernel ${s.K} with pad ${pad} does not fit a ${s.H}×${s.W} input`);
  return { N: s.N, IC: s.IC, H: s.H, W: s.W, OC: s.OC, K: s.K, stride, pad, OH, OW };
}

const checkSize = requireElements;

type Pass = 'FORWARD' | 'INPUT_GRAD' | 'WEIGHT_PARTIAL' | 'WEIGHT_REDUCE';
const ENTRY: Record<Pass, string> = {
  FORWARD: 'forward',
  INPUT_GRAD: 'inputGrad',
  WEIGHT_PARTIAL: 'weightPartial',
  WEIGHT_REDUCE: 'weightReduce',
};

function passKernel(
  ctx: GpuContext,
  label: string,
  pass: Pass,
  d: Conv2dDims,
  extra: { chunk: number; chunks: number; beta: number },
  buffers: Binding[],
  workgroups: readonly [number, number, number],
): Kernel {
  const limit = ctx.device.limits.maxComputeWorkgroupsPerDimension;
  if (workgroups.some((g) => g > limit)) throw new Error(`${label}: grid ${workgroups.join('×')} exceeds ${limit} workgroups per dimension`);
  return ctx.kernel({
    label,
    shader: 'nn/conv2d',
    entryPoint: ENTRY[pass],
    defines: { FORWARD: pass === 'FORWARD', INPUT_GRAD: pass === 'INPUT_GRAD', WEIGHT_PARTIAL: pass === 'WEIGHT_PARTIAL' },
    overrides: { WG: CONV2D_WORKGROUP },
    params: {
      layout: ctx.layout(CONV2D_PARAMS),
      values: { N: d.N, IC: d.IC, H: d.H, W: d.W, OC: d.OC, OH: d.OH, OW: d.OW, K: d.K, stride: d.stride, pad: d.pad, ...extra },
    },
    buffers,
    workgroups,
  });
}

export interface Conv2dForwardBuffers {
  inp: Binding; // (N, IC, H, W)
  weight: Binding; // (OC, IC, K, K)
  bias: Binding; // (OC)
  out: Binding; // (N, OC, OH, OW)
}

/** out = conv2d(inp, weight) + bias. */
export function conv2dForward(ctx: GpuContext, label: string, b: Conv2dForwardBuffers, shape: Conv2dShape): Kernel {
  const d = conv2dDims(label, shape);
  checkSize(label, 'inp', b.inp, d.N * d.IC * d.H * d.W);
  checkSize(label, 'weight', b.weight, d.OC * d.IC * d.K * d.K);
  checkSize(label, 'bias', b.bias, d.OC);
  checkSize(label, 'out', b.out, d.N * d.OC * d.OH * d.OW);
  const groups = Math.ceil(Math.ceil((d.OH * d.OW) / BLOCK) / CONV2D_WORKGROUP);
  return passKernel(ctx, label, 'FORWARD', d, { chunk: 0, chunks: 0, beta: 0 }, [b.inp, b.weight, b.bias, b.out], [
    groups,
    Math.ceil(d.OC / BLOCK),
    d.N,
  ]);
}

export interface Conv2dInputGradBuffers {
  dout: Binding; // (N, OC, OH, OW)
  weight: Binding; // (OC, IC, K, K)
  dinp: Binding; // (N, IC, H, W)
}

/** dinp = beta·dinp + ∂(Σ out·dout)/∂inp; beta defaults to 0 (overwrite). */
export function conv2dBackwardInput(ctx: GpuContext, label: string, b: Conv2dInputGradBuffers, shape: Conv2dShape, beta = 0): Kernel {
  const d = conv2dDims(label, shape);
  checkSize(label, 'dout', b.dout, d.N * d.OC * d.OH * d.OW);
  checkSize(label, 'weight', b.weight, d.OC * d.IC * d.K * d.K);
  checkSize(label, 'dinp', b.dinp, d.N * d.IC * d.H * d.W);
  const groups = Math.ceil(Math.ceil((d.H * d.W) / BLOCK) / CONV2D_WORKGROUP);
  return passKernel(ctx, label, 'INPUT_GRAD', d, { chunk: 0, chunks: 0, beta }, [b.dout, b.weight, b.dinp], [groups, Math.ceil(d.IC / BLOCK), d.N]);
}

export interface Conv2dWeightGradBuffers {
  inp: Binding; // (N, IC, H, W)
  dout: Binding; // (N, OC, OH, OW)
  dweight: Binding; // (OC, IC, K, K)
  dbias: Binding; // (OC)
  /** (chunks, OC, IC·K·K + 1) scratch; allocated when absent (size: conv2dWeightGradScratchFloats). */
  scratch?: GPUBuffer;
}

export interface Conv2dWeightGradOptions {
  /** dW = beta·dW + …, db likewise; default 0 (overwrite), 1 accumulates micro-batches. */
  beta?: number;
  /** Positions (n, oh, ow) summed by one thread before the ordered reduction; default: see chunkLength. */
  chunk?: number;
}

/** Default chunk: about 256 chunks, at least 16 positions each. */
export function conv2dChunkLength(d: Conv2dDims): number {
  return Math.max(16, Math.ceil((d.N * d.OH * d.OW) / 256));
}

/** Floats of scratch the weight gradient needs for a shape and chunk length. */
export function conv2dWeightGradScratchFloats(shape: Conv2dShape, chunk?: number): number {
  const d = conv2dDims('conv2dWeightGradScratchFloats', shape);
  const c = chunk ?? conv2dChunkLength(d);
  return Math.ceil((d.N * d.OH * d.OW) / c) * d.OC * (d.IC * d.K * d.K + 1);
}

export interface Conv2dWeightGrad {
  /** Encode in this order: chunked partial sums, then their ordered reduction. */
  kernels: readonly [Kernel, Kernel];
  /** The partial-sum buffer (the caller's, or one allocated here and owned by the caller). */
  scratch: GPUBuffer;
}

/** dweight = beta·dweight + ∂L/∂w and dbias = beta·dbias + ∂L/∂b, two passes without atomics. */
export function conv2dBackwardWeight(
  ctx: GpuContext,
  label: string,
  b: Conv2dWeightGradBuffers,
  shape: Conv2dShape,
  opts: Conv2dWeightGradOptions = {},
): Conv2dWeightGrad {
  const d = conv2dDims(label, shape);
  const chunk = opts.chunk ?? conv2dChunkLength(d);
  if (!Number.isInteger(chunk) || chunk < 1) throw new Error(`${label}: chunk = ${chunk} must be a positive integer`);
  const chunks = Math.ceil((d.N * d.OH * d.OW) / chunk);
  const maxGroups = ctx.device.limits.maxComputeWorkgroupsPerDimension;
  if (chunks > maxGroups) throw new Error(`${label}: ${chunks} chunks exceed ${maxGroups} workgroups; pass a larger chunk`);
  const cols = d.IC * d.K * d.K + 1;
  checkSize(label, 'inp', b.inp, d.N * d.IC * d.H * d.W);
  checkSize(label, 'dout', b.dout, d.N * d.OC * d.OH * d.OW);
  checkSize(label, 'dweight', b.dweight, d.OC * (cols - 1));
  checkSize(label, 'dbias', b.dbias, d.OC);
  const scratch = b.scratch ?? createStorageBuffer(ctx.device, `${label}.scratch`, 4 * chunks * d.OC * cols);
  checkSize(label, 'scratch', scratch, chunks * d.OC * cols);
  const extra = { chunk, chunks, beta: opts.beta ?? 0 };
  const threads = Math.ceil(d.OC / BLOCK) * Math.ceil(cols / BLOCK);
  const partial = passKernel(ctx, `${label}.partial`, 'WEIGHT_PARTIAL', d, extra, [b.inp, b.dout, scratch], [
    Math.ceil(threads / CONV2D_WORKGROUP),
    chunks,
    1,
  ]);
  const reduce = passKernel(ctx, `${label}.reduce`, 'WEIGHT_REDUCE', d, extra, [scratch, b.dweight, b.dbias], grid1d(d.OC * cols, CONV2D_WORKGROUP));
  return { kernels: [partial, reduce], scratch };
}
