// Softmax cross-entropy fused with its backward (shaders/nn/crossentropy.wgsl).
import type { GpuContext, Kernel } from '../gpu/context';
import type { UniformField } from '../gpu/uniforms';
import { DEFAULT_ROW_VARIANT, ROW_INCLUDES, ROW_WORKGROUP, rowGrid, type RowVariant } from './rowVariant';
import { requireElements, requireIntegers, requirePowerOfTwo } from './shapeChecks';
import type { Binding } from '../gpu/binding';

export const CROSSENTROPY_PARAMS: readonly UniformField[] = [
  { name: 'N', type: 'u32' },
  { name: 'V', type: 'u32' },
  { name: 'scale', type: 'f32' },
];

export interface CrossEntropyShape {
  /** Rows: B·T for a language model, B for a classifier. */
  N: number;
  /** Classes (vocabulary size). */
  V: number;
  /** Multiplies dlogits; default 1/N so the gradient is that of the mean loss. */
  scale?: number;
  /** Thread mapping; default threadPerRow (see rowVariant.ts). */
  variant?: RowVariant;
}

export interface CrossEntropyBuffers {
  logits: Binding; // (N, V)
  targets: Binding; // (N) u32; a target ≥ V marks an ignored row (loss 0, correct 0, zero gradient)
  losses: Binding; // (N) per-row loss, unscaled
  correct: Binding; // (N) 1 where argmax == target, else 0
  /**
   * (N, V) gradient of scale·Σ losses. Omit for evaluation (no gradient), or pass the logits
   * buffer itself to write the gradient in place.
   */
  dlogits?: Binding;
}

/**
 * One dispatch: per-row losses, accuracy flags and (unless `dlogits` is
 * omitted) dlogits = (softmax − onehot)·scale. Change `scale` between steps with
 * `ctx.updateParams(kernel, { N, V, scale })`.
 */
export function crossEntropy(ctx: GpuContext, label: string, buffers: CrossEntropyBuffers, shape: CrossEntropyShape): Kernel {
  const { N, V } = shape;
  requireIntegers(label, { N, V });
  requirePowerOfTwo(label, 'WG', ROW_WORKGROUP);
  const variant = shape.variant ?? DEFAULT_ROW_VARIANT;
  requireElements(label, 'logits', buffers.logits, N * V);
  requireElements(label, 'targets', buffers.targets, N);
  requireElements(label, 'losses', buffers.losses, N);
  requireElements(label, 'correct', buffers.correct, N);
  const grad = buffers.dlogits !== undefined;
  const inPlace = buffers.dlogits === buffers.logits;
  if (grad && !inPlace) requireElements(label, 'dlogits', buffers.dlogits as Binding, N * V);
  const storage = [buffers.logits, buffers.targets, buffers.losses, buffers.correct];
  if (grad && !inPlace) storage.push(buffers.dlogits as Binding);
  return ctx.kernel({
    label,
    shader: 'nn/crossentropy',
    includes: ROW_INCLUDES,
    defines: { GRAD: grad, IN_PLACE: inPlace, SEPARATE_GRAD: grad && !inPlace, WORKGROUP_PER_ROW: variant === 'workgroupPerRow', TANGENT: false },
    overrides: { WG: ROW_WORKGROUP },
    params: { layout: ctx.layout(CROSSENTROPY_PARAMS), values: { N, V, scale: shape.scale ?? 1 / N } },
    buffers: storage,
    workgroups: rowGrid(N, variant),
  });
}

export interface CrossEntropyTangentBuffers {
  logits: Binding; // (N, V) the forward's logits
  targets: Binding; // (N) u32; ignored rows (target ≥ V) get a zero tangent
  zdot: Binding; // (N, V) tangent of the logits
  out: Binding; // (N, V) tangent of dlogits
}

/**
 * One dispatch: out = scale·(p ⊙ ż − p·(pᵀż)) per row, p = softmax(logits): the derivative of
 * crossEntropy's dlogits along a tangent ż of the logits (exact Hessian-vector products).
 */
export function crossEntropyTangent(ctx: GpuContext, label: string, buffers: CrossEntropyTangentBuffers, shape: Omit<CrossEntropyShape, 'variant'>): Kernel {
  const { N, V } = shape;
  requireIntegers(label, { N, V });
  requireElements(label, 'logits', buffers.logits, N * V);
  requireElements(label, 'targets', buffers.targets, N);
  requireElements(label, 'zdot', buffers.zdot, N * V);
  requireElements(label, 'out', buffers.out, N * V);
  return ctx.kernel({
    label,
    shader: 'nn/crossentropy',
    includes: ROW_INCLUDES,
    entryPoint: 'tangent',
    defines: { GRAD: false, IN_PLACE: false, SEPARATE_GRAD: false, WORKGROUP_PER_ROW: false, TANGENT: true },
    overrides: { WG: ROW_WORKGROUP },
    params: { layout: ctx.layout(CROSSENTROPY_PARAMS), values: { N, V, scale: shape.scale ?? 1 / N } },
    buffers: [buffers.logits, buffers.targets, buffers.zdot, buffers.out],
    workgroups: rowGrid(N, 'threadPerRow'),
  });
}
