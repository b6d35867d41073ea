// Causal multi-head self-attention builders (shaders/nn/attention.wgsl).
import type { GpuContext, Kernel } from '../gpu/context';
import { grid1d } from '../gpu/dispatch';
import { add } from '../gpu/elementwise';
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

/** Threads of SCORES_TANGENT / BACKWARD_SCORES_TANGENT: one per query row of a head. */
function rows(s: AttentionShape): number {
  return s.B * s.NH * s.T;
}

type Pass = 'SCORES' | 'VALUES' | 'BACKWARD_SCORES' | 'BACKWARD_QKV' | 'SCORES_TANGENT' | 'BACKWARD_SCORES_TANGENT';

function checkShape(label: string, s: AttentionShape): void {
  requireIntegers(label, { B: s.B, T: s.T, C: s.C, NH: s.NH });
  if (s.C % s.NH !== 0) throw new Error(`${label}: C = ${s.C} is not a multiple of NH = ${s.NH}`);
}

function attentionKernel(ctx: GpuContext, label: string, pass: Pass, storage: Binding[], s: AttentionShape, count: number): Kernel {
  return ctx.kernel({
    label,
    shader: 'nn/attention',
    defines: {
      SCORES: pass === 'SCORES',
      VALUES: pass === 'VALUES',
      BACKWARD_SCORES: pass === 'BACKWARD_SCORES',
      BACKWARD_QKV: pass === 'BACKWARD_QKV',
      SCORES_TANGENT: pass === 'SCORES_TANGENT',
      BACKWARD_SCORES_TANGENT: pass === 'BACKWARD_SCORES_TANGENT',
    },
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

// ---- Tangents (forward-over-reverse, for exact Hessian-vector products; docs/algorithm.md
// "Sharpness"). A dot is the derivative along a direction in parameter space.

export interface AttentionForwardTangentBuffers {
  qkv: Binding; // (B, T, 3C) forward input
  qkvDot: Binding; // (B, T, 3C) its tangent
  att: Binding; // (B, NH, T, T) from forward
  attDot: Binding; // (B, NH, T, T) tangent of att, written (zero above the diagonal)
  out: Binding; // (B, T, C) tangent of the output
  scratch: Binding; // (B, T, C) att·v̇ before it is added to out
}

export interface AttentionForwardTangent {
  /** attDot = att ⊙ (ṡ − Σ att·ṡ) per row, ṡ = scale·(q̇·k + q·k̇). */
  scores: Kernel;
  kernels: Kernel[];
}

/**
 * Tangent of attentionForward: attDot (SCORES_TANGENT), then out = attDot·v + att·v̇ with the
 * forward's VALUES pass run twice (once on attDot, once on qkvDot) and an add. Four dispatches.
 */
export function attentionForwardTangent(ctx: GpuContext, label: string, buffers: AttentionForwardTangentBuffers, shape: AttentionShape): AttentionForwardTangent {
  checkShape(label, shape);
  const { B, T, C, NH } = shape;
  const b = buffers;
  for (const [name, n] of [['qkv', B * T * 3 * C], ['qkvDot', B * T * 3 * C], ['att', B * NH * T * T], ['attDot', B * NH * T * T], ['out', B * T * C], ['scratch', B * T * C]] as const) {
    requireElements(label, name, b[name], n);
  }
  const scores = attentionKernel(ctx, `${label}.scores`, 'SCORES_TANGENT', [b.qkv, b.qkvDot, b.att, b.attDot], shape, rows(shape));
  const kernels = [
    scores,
    attentionKernel(ctx, `${label}.valuesAttDot`, 'VALUES', [b.qkv, b.attDot, b.out], shape, rowChannelBlocks(shape)), // attDot·v
    attentionKernel(ctx, `${label}.valuesVDot`, 'VALUES', [b.qkvDot, b.att, b.scratch], shape, rowChannelBlocks(shape)), // att·v̇
    add(ctx, `${label}.sum`, { a: b.out, b: b.scratch, out: b.out }, B * T * C),
  ];
  return { scores, kernels };
}

export interface AttentionBackwardTangentBuffers {
  qkv: Binding; // (B, T, 3C) forward input
  qkvDot: Binding; // (B, T, 3C) its tangent
  att: Binding; // (B, NH, T, T) from forward
  attDot: Binding; // (B, NH, T, T) from attentionForwardTangent
  dout: Binding; // (B, T, C) the backward's dout
  doutDot: Binding; // (B, T, C) its tangent
  datt: Binding; // (B, NH, T, T) the backward's datt (still holding this layer's values)
  dattDot: Binding; // (B, NH, T, T) scratch: tangent of datt
  dqkvDot: Binding; // (B, T, 3C) tangent of dqkv, overwritten
  scratch: Binding; // (B, T, 3C) the second half of the sum below
}

export interface AttentionBackwardTangent {
  /** dattDot, the tangent of BACKWARD_SCORES. */
  scores: Kernel;
  kernels: Kernel[];
}

/**
 * Tangent of attentionBackward. BACKWARD_QKV is bilinear in (q, k, v, att) and (datt, dout), so
 * the tangent of dqkv is BACKWARD_QKV on (qkv, att, dattDot, doutDot) plus BACKWARD_QKV on
 * (qkvDot, attDot, datt, dout); dattDot comes from BACKWARD_SCORES_TANGENT. Four dispatches.
 */
export function attentionBackwardTangent(ctx: GpuContext, label: string, buffers: AttentionBackwardTangentBuffers, shape: AttentionShape): AttentionBackwardTangent {
  checkShape(label, shape);
  const { B, T, C, NH } = shape;
  const b = buffers;
  const sizes = [
    ['qkv', B * T * 3 * C],
    ['qkvDot', B * T * 3 * C],
    ['att', B * NH * T * T],
    ['attDot', B * NH * T * T],
    ['dout', B * T * C],
    ['doutDot', B * T * C],
    ['datt', B * NH * T * T],
    ['dattDot', B * NH * T * T],
    ['dqkvDot', B * T * 3 * C],
    ['scratch', B * T * 3 * C],
  ] as const;
  for (const [name, n] of sizes) requireElements(label, name, b[name], n);
  const scores = attentionKernel(ctx, `${label}.dscores`, 'BACKWARD_SCORES_TANGENT', [b.qkv, b.qkvDot, b.att, b.attDot, b.dout, b.doutDot, b.dattDot], shape, rows(shape));
  const kernels = [
    scores,
    attentionKernel(ctx, `${label}.dqkvFromDot`, 'BACKWARD_QKV', [b.qkv, b.att, b.dattDot, b.doutDot, b.dqkvDot], shape, rowChannelBlocks(shape)),
    attentionKernel(ctx, `${label}.dqkvFromPrimal`, 'BACKWARD_QKV', [b.qkvDot, b.attDot, b.datt, b.dout, b.scratch], shape, rowChannelBlocks(shape)),
    add(ctx, `${label}.sum`, { a: b.dqkvDot, b: b.scratch, out: b.dqkvDot }, B * T * 3 * C),
  ];
  return { scores, kernels };
}
