// Token + position embedding builders (shaders/nn/embedding.wgsl).
import { createStorageBuffer } from '../gpu/buffers';
import type { GpuContext, Kernel } from '../gpu/context';
import { grid1d } from '../gpu/dispatch';
import type { UniformField } from '../gpu/uniforms';
import { requireElements, requireIntegers } from './shapeChecks';
import type { Binding } from '../gpu/binding';

export const EMBEDDING_PARAMS: readonly UniformField[] = [
  { name: 'B', type: 'u32' },
  { name: 'T', type: 'u32' },
  { name: 'C', type: 'u32' },
  { name: 'V', type: 'u32' },
  { name: 'accumulate', type: 'u32' },
];

const WG = 64;

export interface EmbeddingShape {
  B: number;
  T: number;
  C: number;
  V: number;
}

type Pass = 'FORWARD' | 'BUCKET' | 'BACKWARD_WTE' | 'BACKWARD_WPE';

function embeddingKernel(ctx: GpuContext, label: string, pass: Pass, storage: Binding[], shape: EmbeddingShape, count: number, accumulate: boolean): Kernel {
  return ctx.kernel({
    label,
    shader: 'nn/embedding',
    defines: { FORWARD: pass === 'FORWARD', BUCKET: pass === 'BUCKET', BACKWARD_WTE: pass === 'BACKWARD_WTE', BACKWARD_WPE: pass === 'BACKWARD_WPE' },
    overrides: { WG },
    params: { layout: ctx.layout(EMBEDDING_PARAMS), values: { B: shape.B, T: shape.T, C: shape.C, V: shape.V, accumulate: accumulate ? 1 : 0 } },
    buffers: storage,
    workgroups: grid1d(count, WG),
  });
}

function checkShape(label: string, shape: EmbeddingShape): void {
  requireIntegers(label, { B: shape.B, T: shape.T, C: shape.C, V: shape.V });
}

export interface EmbeddingForwardBuffers {
  tokens: Binding; // (B, T) u32
  wte: Binding; // (V, C)
  wpe: Binding; // (≥T, C)
  out: Binding; // (B, T, C)
}

/** out[b,t,:] = wte[tokens[b,t],:] + wpe[t,:]; a token ≥ V adds a zero row (no out-of-bounds read). */
export function embeddingForward(ctx: GpuContext, label: string, buffers: EmbeddingForwardBuffers, shape: EmbeddingShape): Kernel {
  checkShape(label, shape);
  const { B, T, C, V } = shape;
  requireElements(label, 'tokens', buffers.tokens, B * T);
  requireElements(label, 'wte', buffers.wte, V * C);
  requireElements(label, 'wpe', buffers.wpe, T * C);
  requireElements(label, 'out', buffers.out, B * T * C);
  return embeddingKernel(ctx, label, 'FORWARD', [buffers.tokens, buffers.wte, buffers.wpe, buffers.out], shape, B * T * C, false);
}

export interface EmbeddingBackwardBuffers {
  tokens: Binding; // (B, T) u32
  dout: Binding; // (B, T, C)
  dwte: Binding; // (V, C)
  dwpe: Binding; // (≥T, C); rows ≥ T are not touched
  /** Scratch (B·T) u32: positions grouped by token. Created by the builder when omitted. */
  order?: Binding;
  /** Scratch (V, 2) u32: each token's [start, end) in `order`. Created by the builder when omitted. */
  bounds?: Binding;
}

export interface EmbeddingBackward {
  /** Counting sort of positions by token (into order, bounds). */
  bucket: Kernel;
  dwte: Kernel;
  dwpe: Kernel;
  /** bucket, dwte, dwpe in encoding order. */
  kernels: Kernel[];
  /** Scratch buffers this builder created (destroy them with the model); empty if all were passed. */
  created: GPUBuffer[];
}

/**
 * dwte[v,:] (+)= Σ over positions holding token v of dout, dwpe[t,:] (+)= Σ_b dout[b,t,:].
 * Deterministic without atomics: positions are first grouped by token (a counting sort, one
 * thread per token), then one thread per table entry gathers its token's positions in order.
 * Cost O(V·B·T + B·T·C). `accumulate` adds to the tables (e.g. wte tied to the output head,
 * whose matmul wrote its gradient first).
 */
export function embeddingBackward(
  ctx: GpuContext,
  label: string,
  buffers: EmbeddingBackwardBuffers,
  shape: EmbeddingShape,
  options: { accumulate?: boolean } = {},
): EmbeddingBackward {
  checkShape(label, shape);
  const { B, T, C, V } = shape;
  requireElements(label, 'tokens', buffers.tokens, B * T);
  requireElements(label, 'dout', buffers.dout, B * T * C);
  requireElements(label, 'dwte', buffers.dwte, V * C);
  requireElements(label, 'dwpe', buffers.dwpe, T * C);
  const created: GPUBuffer[] = [];
  const scratch = (given: Binding | undefined, name: string, count: number) => {
    if (given) {
      requireElements(label, name, given, count);
      return given;
    }
    const b = createStorageBuffer(ctx.device, `${label}.${name}`, count * 4);
    created.push(b);
    return b;
  };
  const order = scratch(buffers.order, 'order', B * T);
  const bounds = scratch(buffers.bounds, 'bounds', 2 * V);
  const acc = !!options.accumulate;
  const bucket = embeddingKernel(ctx, `${label}.bucket`, 'BUCKET', [buffers.tokens, order, bounds], shape, V, false);
  const dwte = embeddingKernel(ctx, `${label}.dwte`, 'BACKWARD_WTE', [order, bounds, buffers.dout, buffers.dwte], shape, V * C, acc);
  const dwpe = embeddingKernel(ctx, `${label}.dwpe`, 'BACKWARD_WPE', [buffers.dout, buffers.dwpe], shape, T * C, acc);
  return { bucket, dwte, dwpe, kernels: [bucket, dwte, dwpe], created };
}
