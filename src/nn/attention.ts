// Causal multi-head self-attention builders (shaders/nn/attention.wgsl).
import type { GpuContext, Kernel } from '../gpu/context';
import { grid1d } from '../gpu/dispatch';
import type { UniformField } from '../gpu/uniforms';
import { requireElements, requireIntegers } from './shapeChecks';
import type { Binding } from '../gpu/binding';

export const ATTENTION_PARAMS: readonly UniformField[] = [
  { name: 'B', type: 'u32' },
  { name: 'T', type: 'u32' },
  { name: 'C', type: 'u32' },
  { name: 'NH', type: 'u32' },
  { name: 'scale', type: 'f32' },
];

const WG = 64;

export interface AttentionShape {
  B: number;
  T: number;
  /** Model channels; C = NH · HS. */
  C: number;
  /** Heads. */
  NH: number;
}

/** Threads of SCORES / BACKWARD_SCORES: one per block of 4 query rows of a head. */
function rowBlocks(s: AttentionShape): number {
  return s.B * s.NH * Math.ceil(s.T / 4);
}

/** Threads of VALUES / BACKWARD_QKV: one per 4 query rows × 4 channels of a head. */
function rowChannelBlocks(s: AttentionShape): number {
  return rowBlocks(s) * Math.ceil(s.C / s.NH / 4);
}

type Pass = 'SCORES' | 'VALUES' | 'BACKWARD_SCORES' | 'BACKWARD_QKV';

function checkShape(label: string, s: AttentionShape): void {
  requireIntegers(label, { B: s.B, T: s.T, C: s.C, NH: s.NH });
  if (s.C % s.NH !== 0) throw new Error(`${label}: C = ${s.C} is not a multiple of NH = ${s.NH}`);
}

function attentionKernel(ctx: GpuContext, label: string, pass: Pass, storage: Binding[], s: AttentionShape, count: number): Kernel {
  return ctx.kernel({
    label,
    shader: 'nn/attention',
    defines: { SCORES: pass === 'SCORES', VALUES: pass === 'VALUES', BACKWARD_SCORES: pass === 'BACKWARD_SCORES', BACKWARD_QKV: pass === 'BACKWARD_QKV' },
    overrides: { WG },
    params: { layout: ctx.layout(ATTENTION_PARAMS), values: { B: s.B, T: s.T, C: s.C, NH: s.NH, scale: 1 / Math.sqrt(s.C / s.NH) } },
    buffers: storage,
    workgroups: grid1d(count, WG),
  });
}

export interface AttentionForwardBuffers {
  qkv: Binding; // (B, T, 3C): q | k | v along channels
  att: Binding; // (B, NH, T, T) softmax probabilities, saved for backward (zero above the diagonal)
  out: Binding; // (B, T, C)
}

export interface AttentionForward {
  /** att = causal softmax of scaled q·k, one thread per 4 query rows. */
  scores: Kernel;
  /** out = att · v, one thread per 4 rows × 4 channels. */
  values: Kernel;
  kernels: Kernel[];
}

/** Forward: two dispatches (scores + masked softmax, then the weighted sum of values). */
export function attentionForward(ctx: GpuContext, label: string, buffers: AttentionForwardBuffers, shape: AttentionShape): AttentionForward {
  checkShape(label, shape);
  const { B, T, C, NH } = shape;
  requireElements(label, 'qkv', buffers.qkv, B * T * 3 * C);
  requireElements(label, 'att', buffers.att, B * NH * T * T);
  requireElements(label, 'out', buffers.out, B * T * C);
  const scores = attentionKernel(ctx, `${label}.scores`, 'SCORES', [buffers.qkv, buffers.att], shape, rowBlocks(shape));
  const values = attentionKernel(ctx, `${label}.values`, 'VALUES', [buffers.qkv, buffers.att, buffers.out], shape, rowChannelBlocks(shape));
  return { scores, values, kernels: [scores, values] };
}

export interface AttentionBackwardBuffers {
  qkv: Binding; // (B, T, 3C) forward input
  att: Binding; // (B, NH, T, T) from forward
  dout: Binding; // (B, T, C)
  datt: Binding; // (B, NH, T, T) scratch: gradient of the scaled dot products
  dqkv: Binding; // (B, T, 3C), overwritten
}

export interface AttentionBackward {
  /** datt from dout, v and att, one thread per 4 query rows. */
  scores: Kernel;
  /** dq, dk, dv into dqkv, one thread per 4 rows × 4 channels. */
  qkv: Kernel;
  kernels: Kernel[];
}

/** Backward: two dispatches; dqkv is overwritten (q, k and v all get their gradient). */
export function attentionBackward(ctx: GpuContext, label: string, buffers: AttentionBackwardBuffers, shape: AttentionShape): AttentionBackward {
  checkShape(label, shape);
  const { B, T, C, NH } = shape;
  const b = buffers;
  for (const [name, n] of [['qkv', B * T * 3 * C], ['att', B * NH * T * T], ['dout', B * T * C], ['datt', B * NH * T * T], ['dqkv', B * T * 3 * C]] as const) {
    requireElements(label, name, b[name], n);
  }
  const scores = attentionKernel(ctx, `${label}.dscores`, 'BACKWARD_SCORES', [b.qkv, b.att, b.dout, b.datt], shape, rowBlocks(shape));
  const qkv = attentionKernel(ctx, `${label}.dqkv`, 'BACKWARD_QKV', [b.qkv, b.att, b.datt, b.dout, b.dqkv], shape, rowChannelBlocks(shape));
  return { scores, qkv, kernels: [scores, qkv] };
}
