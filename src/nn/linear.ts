// Linear layer y = x·Wᵀ + b (W stored (OC, C) like PyTorch), forward and backward, built on
// the batched matmul (shaders/nn/matmul.wgsl) and the bias column reduction (shaders/nn/bias.wgsl).
import type { GpuContext, Kernel } from '../gpu/context';
import { biasBackward } from './bias';
import { matmul } from './matmul';
import { requireIntegers } from './shapeChecks';
import type { Binding } from '../gpu/binding';

export interface LinearShape {
  /** Rows: B·T for a transformer, B for a classifier head. */
  N: number;
  /** Input channels. */
  C: number;
  /** Output channels. */
  OC: number;
}

export interface LinearForwardBuffers {
  inp: Binding; // (N, C)
  weight: Binding; // (OC, C)
  bias?: Binding; // (OC)
  out: Binding; // (N, OC)
  /** (N, OC): also write gelu(out), fusing the GELU that follows the layer (out keeps the pre-activation). */
  geluOut?: Binding;
}

/** out = inp·weightᵀ (+ bias) (and geluOut = gelu(out)). One matmul dispatch. */
export function linearForward(ctx: GpuContext, label: string, buffers: LinearForwardBuffers, shape: LinearShape): Kernel {
  requireIntegers(label, { N: shape.N, C: shape.C, OC: shape.OC });
  return matmul(
    ctx,
    label,
    { a: buffers.inp, b: buffers.weight, c: buffers.out, bias: buffers.bias, geluOut: buffers.geluOut },
    { M: shape.N, N: shape.OC, K: shape.C, transB: true },
  );
}

export interface LinearBackwardBuffers {
  dout: Binding; // (N, OC)
  inp: Binding; // (N, C)   the forward input
  weight: Binding; // (OC, C)
  /** (N, C); omit when the input needs no gradient (e.g. the first layer). */
  dinp?: Binding;
  dweight: Binding; // (OC, C)
  /** (OC); omit for a layer without bias. */
  dbias?: Binding;
  /**
   * (N, C): the layer's input was gelu(geluPre); dinp is then the gradient of geluPre,
   * (dout·W)·gelu'(geluPre), fusing the GELU's backward into this matmul.
   */
  geluPre?: Binding;
}

export interface LinearBackwardOptions {
  /** dweight += …, dbias += … instead of overwriting (gradient accumulation, tied weights). */
  accumulate?: boolean;
  /** dinp += … instead of overwriting (an input that feeds several layers). */
  accumulateInput?: boolean;
}

export interface LinearBackward {
  /** dinp = dout·weight (absent without `dinp`). */
  dinp?: Kernel;
  /** dweight = doutᵀ·inp. */
  dweight: Kernel;
  /** dbias = column sums of dout (absent without `dbias`). */
  dbias?: Kernel;
  /** The kernels above in encoding order (independent of one another). */
  kernels: Kernel[];
}

/**
 * The backward kernels of a linear layer: dinp = dout·W, dweight (+)= doutᵀ·inp,
 * dbias (+)= Σ_rows dout. Accumulation is a matmul beta of 1 (and the bias kernel's flag).
 */
export function linearBackward(
  ctx: GpuContext,
  label: string,
  buffers: LinearBackwardBuffers,
  shape: LinearShape,
  options: LinearBackwardOptions = {},
): LinearBackward {
  requireIntegers(label, { N: shape.N, C: shape.C, OC: shape.OC });
  const { N, C, OC } = shape;
  const dinp = buffers.dinp
    ? matmul(
        ctx,
        `${label}.dinp`,
        { a: buffers.dout, b: buffers.weight, c: buffers.dinp, geluPre: buffers.geluPre },
        { M: N, N: C, K: OC, beta: options.accumulateInput ? 1 : 0 },
      )
    : undefined;
  const dweight = matmul(
    ctx,
    `${label}.dweight`,
    { a: buffers.dout, b: buffers.inp, c: buffers.dweight },
    { M: OC, N: C, K: N, transA: true, beta: options.accumulate ? 1 : 0 },
  );
  const dbias = buffers.dbias ? biasBackward(ctx, `${label}.dbias`, { dout: buffers.dout, dbias: buffers.dbias }, { N, OC, accumulate: options.accumulate }) : undefined;
  const kernels = [dinp, dweight, dbias].filter((k): k is Kernel => k !== undefined);
  return { dinp, dweight, dbias, kernels };
}
