// Shared tail of the image classifiers (MLP, CNN): buffers for logits, losses and accuracy,
// the loss (softmax cross-entropy, or the square loss for the MLP) against the batch labels or
// labels sampled from the model, and the sampler;
// and ImageClassifier, the Model base that wires them (subclasses fill forward and backward).
import { createStorageBuffer } from '../gpu/buffers';
import type { GpuContext, Kernel } from '../gpu/context';
import type { ClassifierLossName } from './modelConfig';
import { crossEntropy } from './crossentropy';
import { squareLoss } from './mse';
import { FlatModel } from './flatModel';
import type { BatchShape, Model } from './model';
import type { ParamLayout } from './paramLayout';
import { sampleCategorical } from './sampler';

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
    own: (b: GPUBuffer) => GPUBuffer,
    readonly kind: ClassifierLossName = 'cross-entropy',
  ) {
    const dev = ctx.device;
    this.logits = own(createStorageBuffer(dev, `${label}.logits`, B * classes * 4));
    this.dlogits = own(createStorageBuffer(dev, `${label}.dlogits`, B * classes * 4));
    this.losses = own(createStorageBuffer(dev, `${label}.losses`, B * 4));
    this.correct = own(createStorageBuffer(dev, `${label}.correct`, B * 4));
    const sampled = own(createStorageBuffer(dev, `${label}.sampledTargets`, B * 4)); // (B) u32
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

  protected constructor(
    ctx: GpuContext,
    name: string,
    layout: ParamLayout,
    images: { B: number; C: number; H: number; W: number; classes: number },
    targets: GPUBuffer,
    seed: number,
    loss: ClassifierLossName = 'cross-entropy',
  ) {
    super(ctx.device, name, layout);
    this.batch = { kind: 'images', ...images };
    this.rows = images.B;
    this.loss = new ClassifierLoss(ctx, name, images.B, images.classes, targets, seed, (b) => this.own(b), loss);
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
