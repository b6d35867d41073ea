// Shared tail of the image classifiers (MLP, CNN): buffers for logits, losses and accuracy,
// the loss (softmax cross-entropy, or the square loss for the MLP) against the batch labels or
// labels sampled from the model, and the sampler;
// and ImageClassifier, the Model base that wires them (subclasses fill forward and backward).
import { BufferTable, type AllocatedTable, type BufferDecl } from '../gpu/bufferTable';
import type { GpuContext, Kernel } from '../gpu/context';
import type { ClassifierLossName } from './modelConfig';
import { crossEntropy } from './crossentropy';
import { squareLoss } from './mse';
import { FlatModel } from './flatModel';
import type { BatchShape, Model } from './model';
import type { ParamLayout } from './paramLayout';
import { sampleCategorical } from './sampler';

/** The loss's buffers, (name, shape): the head's logits, their gradient, per-row loss and accuracy, sampled labels. */
export function classifierLossBuffers(B: number, classes: number): BufferDecl[] {
  return new BufferTable({ role: 'activation', perBatch: true })
    .add('logits', [B, classes]) // from the forward; loss kernels only read them
    .add('dlogits', [B, classes]) // written by the loss kernels, read by the backward
    .add('losses', [B])
    .add('correct', [B])
    .add('sampledTargets', [B], { dtype: 'u32' }).decls; // labels drawn from the model
}

export class ClassifierLoss {
  readonly logits: GPUBuffer; // (B, classes) from the forward; loss kernels only read them
  readonly dlogits: GPUBuffer; // (B, classes) written by the loss kernels, read by the backward
  readonly losses: GPUBuffer; // (B)
  readonly correct: GPUBuffer; // (B)
  readonly onTargets: Kernel[];
  readonly onSampled: Kernel[];
  private readonly sampler: Kernel;

  constructor(
    private readonly ctx: GpuContext,
    label: string,
    private readonly B: number,
    private readonly classes: number,
    targets: GPUBuffer,
    private readonly seed: number,
    buffers: AllocatedTable, // holds classifierLossBuffers(B, classes)
    readonly kind: ClassifierLossName = 'cross-entropy',
  ) {
    this.logits = buffers.get('logits');
    this.dlogits = buffers.get('dlogits');
    this.losses = buffers.get('losses');
    this.correct = buffers.get('correct');
    const sampled = buffers.get('sampledTargets');
    const common = { logits: this.logits, losses: this.losses, correct: this.correct, dlogits: this.dlogits };
    const loss = kind === 'mse' ? squareLoss : crossEntropy;
    this.onTargets = [loss(ctx, `${label}.loss`, { ...common, targets }, { N: B, V: classes, scale: 1 / B })];
    // Labels sampled from softmax(logits) (IRE's Hessian-diagonal estimate), under the same loss.
    this.sampler = sampleCategorical(ctx, `${label}.sampleLabels`, { logits: this.logits, labels: sampled }, { N: B, V: classes, seed, counter: 0 });
    this.onSampled = [this.sampler, loss(ctx, `${label}.lossSampled`, { ...common, targets: sampled }, { N: B, V: classes, scale: 1 / B })];
  }

  setSampleCounter(counter: number): void {
    this.ctx.updateParams(this.sampler, { N: this.B, V: this.classes, seed: this.seed >>> 0, counter: counter >>> 0 });
  }
}

/** Base of the image classifiers: the Model fields a ClassifierLoss provides. */
export abstract class ImageClassifier extends FlatModel implements Model {
  readonly batch: BatchShape;
  readonly rows: number;
  readonly losses: GPUBuffer;
  readonly correct: GPUBuffer;
  readonly logits: GPUBuffer; // (B, classes) after forward
  readonly forward: Kernel[] = [];
  readonly lossOnTargets: Kernel[];
  readonly lossOnSampledLabels: Kernel[];
  readonly backward: Kernel[] = [];
  protected readonly loss: ClassifierLoss;
  /** The model's activation table, allocated (classifierLossBuffers and the subclass's own rows). */
  protected readonly activations: AllocatedTable;

  protected constructor(
    ctx: GpuContext,
    name: string,
    layout: ParamLayout,
    images: { B: number; C: number; H: number; W: number; classes: number },
    targets: GPUBuffer,
    seed: number,
    loss: ClassifierLossName,
    activations: readonly BufferDecl[],
  ) {
    super(ctx.device, name, layout);
    this.batch = { kind: 'images', ...images };
    this.rows = images.B;
    this.activations = this.allocate(activations);
    this.loss = new ClassifierLoss(ctx, name, images.B, images.classes, targets, seed, this.activations, loss);
    this.losses = this.loss.losses;
    this.correct = this.loss.correct;
    this.logits = this.loss.logits;
    this.lossOnTargets = this.loss.onTargets;
    this.lossOnSampledLabels = this.loss.onSampled;
  }

  setSampleCounter(counter: number): void {
    this.loss.setSampleCounter(counter);
  }
}
