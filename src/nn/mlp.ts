// MLP classifier: flatten → (linear → ReLU)×len(hidden) → linear head → cross-entropy.
// He initialisation for the ReLU layers, 1/√fan-in for the head, zero biases.
import type { GpuContext } from '../gpu/context';
import type { MlpConfig } from '../train/config';
import { ImageClassifier } from './classifier';
import { linearBackward, linearForward } from './linear';
import type { BatchBuffers } from './model';
import { ParamLayoutBuilder, type ParamLayout } from './paramLayout';
import { reluBackward, reluForward } from './relu';

export function mlpLayout(cfg: MlpConfig): ParamLayout {
  const b = new ParamLayoutBuilder();
  const widths = [cfg.inputs, ...cfg.hidden, cfg.classes];
  for (let i = 0; i + 1 < widths.length; i++) {
    const last = i + 2 === widths.length;
    const std = Math.sqrt((last ? 1 : 2) / widths[i]);
    b.add(`fc${i}.w`, [widths[i + 1], widths[i]], 'weight', { kind: 'normal', std }); // (out,in)
    b.add(`fc${i}.b`, [widths[i + 1]], 'bias', { kind: 'zeros' }); // (out)
  }
  return b.build();
}

export class Mlp extends ImageClassifier {
  constructor(
    ctx: GpuContext,
    name: string,
    readonly config: MlpConfig,
    B: number,
    image: { C: number; H: number; W: number },
    data: BatchBuffers,
    seed: number,
  ) {
    super(ctx, name, mlpLayout(config), { B, ...image, classes: config.classes }, data.targets, seed);
    if (image.C * image.H * image.W !== config.inputs) {
      throw new Error(`MLP config: inputs = ${config.inputs} but images are ${image.C}×${image.H}×${image.W}`);
    }
    for (const h of config.hidden) if (!Number.isInteger(h) || h < 1) throw new Error(`MLP config: hidden width ${h} must be a positive integer`);
    const buf = (n: string, floats: number) => this.buffer(n, floats);
    const P = (n: string) => this.param(n);
    const G = (n: string) => this.grad(n);

    const widths = [config.inputs, ...config.hidden, config.classes];
    const layers = widths.length - 1;
    // acts[i]: input of layer i (B, widths[i]); acts[0] is the batch, hidden ones hold ReLU outputs.
    const acts: GPUBuffer[] = [data.inputs];
    for (let i = 1; i < layers; i++) acts.push(buf(`act${i}`, B * widths[i]));
    const dacts: GPUBuffer[] = [data.inputs];
    for (let i = 1; i < layers; i++) dacts.push(buf(`dact${i}`, B * widths[i]));
    for (let i = 0; i < layers; i++) {
      const out = i + 1 < layers ? acts[i + 1] : this.loss.logits;
      const shape = { N: B, C: widths[i], OC: widths[i + 1] };
      this.forward.push(linearForward(ctx, `${name}.fc${i}`, { inp: acts[i], weight: P(`fc${i}.w`), bias: P(`fc${i}.b`), out }, shape));
      if (i + 1 < layers) this.forward.push(reluForward(ctx, `${name}.relu${i}`, { inp: out, out }, B * widths[i + 1]));
    }
    for (let i = layers - 1; i >= 0; i--) {
      const dout = i + 1 < layers ? dacts[i + 1] : this.loss.dlogits;
      const shape = { N: B, C: widths[i], OC: widths[i + 1] };
      if (i + 1 < layers) this.backward.push(reluBackward(ctx, `${name}.relu${i}.backward`, { act: acts[i + 1], dout, dinp: dout }, B * widths[i + 1]));
      const lb = linearBackward(ctx, `${name}.fc${i}.backward`, { dout, inp: acts[i], weight: P(`fc${i}.w`), dinp: i > 0 ? dacts[i] : undefined, dweight: G(`fc${i}.w`), dbias: G(`fc${i}.b`) }, shape);
      this.backward.push(...lb.kernels);
    }
  }
}
