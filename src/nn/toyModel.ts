// The toy 2-D model (docs/algorithm.md "The toy problem") as a Model, so the trainer, the optimizers and IRE drive it like
// any other: L(u, v) = (1 + u²) v² / 2 with θ = (u, v). Its "loss kernel" writes the exact
// gradient and loss; its Hessian diagonal is exact, (v², 1 + u²).
import { BufferTable, type BufferDecl } from '../gpu/bufferTable';
import type { GpuContext, Kernel } from '../gpu/context';
import type { ToyConfig } from './modelConfig';
import type { BatchShape, Model } from './model';
import { FlatModel } from './flatModel';
import { ParamLayoutBuilder, type ParamLayout } from './paramLayout';
import { toyGradient, toyHessianDiag, toyHvp } from './toy';

export function toyLayout(cfg: ToyConfig): ParamLayout {
  const b = new ParamLayoutBuilder();
  b.add('theta', [2], 'weight', { kind: 'value', values: cfg.start }); // (2) = (u, v)
  return b.build();
}

/** The toy's buffers besides θ and its gradient: the loss and an accuracy slot (always 0). */
export function toyActivations(): BufferDecl[] {
  return new BufferTable({ role: 'activation', perBatch: false }).add('losses', [1]).add('correct', [1]).decls;
}

export class ToyModel extends FlatModel implements Model {
  readonly batch: BatchShape = { kind: 'none' };
  readonly rows = 1;
  readonly losses: GPUBuffer;
  readonly correct: GPUBuffer;
  readonly forward: Kernel[] = [];
  readonly lossOnTargets: Kernel[];
  readonly lossOnSampledLabels: Kernel[];
  readonly backward: Kernel[] = [];

  constructor(
    private readonly ctx: GpuContext,
    name: string,
    readonly config: ToyConfig,
  ) {
    super(ctx.device, name, toyLayout(config)); // θ = params[0..2)
    const a = this.allocate(toyActivations());
    this.losses = a.get('losses');
    this.correct = a.get('correct');
    const gradient = toyGradient(ctx, `${name}.gradient`, { theta: this.params, grad: this.grads, out: this.losses }, 0);
    this.lossOnTargets = [gradient];
    this.lossOnSampledLabels = [gradient];
  }

  setSampleCounter(): void {
    // The toy's Hessian diagonal is exact; nothing is sampled.
  }

  /** H·direction from the exact 2×2 Hessian (Model.hessianVectorProduct). */
  hessianVectorProduct(direction: GPUBuffer, product: GPUBuffer): Kernel[] {
    return [toyHvp(this.ctx, `${this.name}.hvp`, { theta: this.param('theta'), direction, out: product })];
  }

  exactHessianDiagonal(h: GPUBuffer): Kernel {
    return toyHessianDiag(this.ctx, `${this.name}.hessianDiag`, { theta: this.param('theta'), h });
  }
}
