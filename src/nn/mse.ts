// Square loss against one-hot targets fused with its backward, and its tangent for exact
// Hessian-vector products (shaders/nn/mse.wgsl). The loss of the edge-of-stability experiments
// (docs/experiments.md): Cohen et al. see progressive sharpening most clearly with it.
import type { GpuContext, Kernel } from '../gpu/context';
import type { Binding } from '../gpu/binding';
import { CROSSENTROPY_PARAMS, type CrossEntropyBuffers, type CrossEntropyTangentBuffers } from './crossentropy';
import { ROW_WORKGROUP, rowGrid } from './rowVariant';
import { requireElements, requireIntegers } from './shapeChecks';

export interface SquareLossShape {
  N: number; // rows
  V: number; // outputs (classes)
  /** Multiplies dlogits (and the tangent); default 1/N so the gradient is that of the mean loss. */
  scale?: number;
}

/**
 * One dispatch: per-row losses ½‖z − onehot‖², accuracy flags (argmax == target) and, unless
 * `dlogits` is omitted, dlogits = (z − onehot)·scale. The buffers are the cross-entropy's
 * (a separate dlogits buffer; targets ≥ V are ignored rows).
 */
export function squareLoss(ctx: GpuContext, label: string, buffers: CrossEntropyBuffers, shape: SquareLossShape): Kernel {
  const { N, V } = shape;
  requireIntegers(label, { N, V });
  requireElements(label, 'logits', buffers.logits, N * V);
  requireElements(label, 'targets', buffers.targets, N);
  requireElements(label, 'losses', buffers.losses, N);
  requireElements(label, 'correct', buffers.correct, N);
  const grad = buffers.dlogits !== undefined;
  if (buffers.dlogits === buffers.logits) throw new Error(`${label}: the square loss writes dlogits into a buffer of its own`);
  if (grad) requireElements(label, 'dlogits', buffers.dlogits as Binding, N * V);
  const storage = [buffers.logits, buffers.targets, buffers.losses, buffers.correct, ...(grad ? [buffers.dlogits as Binding] : [])];
  return ctx.kernel({
    label,
    shader: 'nn/mse',
    defines: { GRAD: grad, TANGENT: false },
    overrides: { WG: ROW_WORKGROUP },
    params: { layout: ctx.layout(CROSSENTROPY_PARAMS), values: { N, V, scale: shape.scale ?? 1 / N } },
    buffers: storage,
    workgroups: rowGrid(N, 'threadPerRow'),
  });
}

/** One dispatch: out = scale·ż on every row with a target < V, 0 on ignored rows (the loss's Hessian in the logits is scale·I). */
export function squareLossTangent(ctx: GpuContext, label: string, buffers: Omit<CrossEntropyTangentBuffers, 'logits'>, shape: SquareLossShape): Kernel {
  const { N, V } = shape;
  requireIntegers(label, { N, V });
  requireElements(label, 'targets', buffers.targets, N);
  requireElements(label, 'zdot', buffers.zdot, N * V);
  requireElements(label, 'out', buffers.out, N * V);
  return ctx.kernel({
    label,
    shader: 'nn/mse',
    entryPoint: 'tangent',
    defines: { GRAD: false, TANGENT: true },
    overrides: { WG: ROW_WORKGROUP },
    params: { layout: ctx.layout(CROSSENTROPY_PARAMS), values: { N, V, scale: shape.scale ?? 1 / N } },
    buffers: [undefined, buffers.targets, buffers.zdot, buffers.out],
    workgroups: rowGrid(N, 'threadPerRow'),
  });
}
