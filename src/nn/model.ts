// The interface every model implements for the trainer, the optimizers and IRE.
// A model is planned once for a batch size: it allocates its parameter, gradient and
// activation buffers and builds its lists of prepared dispatches (llm.c style), which the
// trainer encodes every step. Nothing is allocated after construction.
import type { Kernel } from '../gpu/context';
import type { ParamLayout } from './paramLayout';

/** What one batch looks like on the GPU. */
export type BatchShape =
  | { kind: 'tokens'; B: number; T: number; V: number } // inputs (B,T) u32 ids, targets (B,T) u32 next ids
  | { kind: 'images'; B: number; C: number; H: number; W: number; classes: number } // inputs (B,C,H,W) f32, targets (B) u32
  | { kind: 'none' }; // the toy model: no data

/** Buffers a batch is written into; shared by every run of a comparison (same batch, one upload). */
export interface BatchBuffers {
  inputs: GPUBuffer; // tokens (B,T) u32 or images (B,C,H,W) f32
  targets: GPUBuffer; // (N) u32, N = B·T or B
}

export interface Model {
  readonly name: string;
  readonly batch: BatchShape;
  readonly layout: ParamLayout;
  readonly params: GPUBuffer; // (P) flat, P = layout.total
  readonly grads: GPUBuffer; // (P) flat, same layout
  /** Rows of the loss: B·T for text, B for images, 1 for the toy. */
  readonly rows: number;
  readonly losses: GPUBuffer; // (N) f32 per-row loss of the latest forward
  readonly correct: GPUBuffer; // (N) f32, 1 where argmax(logits) = target
  /** Image classifiers: (B, classes) logits after `forward`. */
  readonly logits?: GPUBuffer;
  /** Forward up to the logits (for the toy: nothing). */
  readonly forward: readonly Kernel[];
  /** Loss against the batch targets, fused with dlogits = (softmax − onehot)/N. */
  readonly lossOnTargets: readonly Kernel[];
  /** Labels drawn from the model's own softmax (seeded), then the loss against them. */
  readonly lossOnSampledLabels: readonly Kernel[];
  /**
   * Backward from dlogits to every gradient; gradients are overwritten, not accumulated.
   * Neither the loss kernels nor the backward write a buffer the forward wrote, so one forward
   * may feed several loss + backward passes (the IRE refresh and the step share one).
   */
  readonly backward: readonly Kernel[];
  /** Sets the counter of the label sampler so each Hessian estimate draws fresh labels. */
  setSampleCounter(counter: number): void;
  /**
   * Exact Hessian-vector products by forward-over-reverse differentiation (Pearlmutter's
   * R-operator; docs/algorithm.md "Sharpness"): kernels that write H·direction into `product`,
   * H the Hessian of the mean loss on the batch targets at the current parameters. They run the
   * forward, the loss on the targets and the backward first (overwriting grads, losses and
   * correct, like a gradient evaluation), then the tangent of each. Both buffers are (P) in the
   * model's flat layout; padding entries of `product` are never written. Models without it are
   * measured by a central difference of gradients (src/optim/sharpness.ts).
   */
  hessianVectorProduct?(direction: GPUBuffer, product: GPUBuffer): Kernel[];
  /** The toy model knows its exact Hessian diagonal: a kernel writing it into `h` (P). */
  exactHessianDiagonal?(h: GPUBuffer): Kernel;
  destroy(): void;
}

/** The three phases of a gradient computation on the current batch, in order. */
export function gradientKernels(model: Model, labels: 'targets' | 'sampled'): Kernel[] {
  return [...model.forward, ...(labels === 'targets' ? model.lossOnTargets : model.lossOnSampledLabels), ...model.backward];
}
