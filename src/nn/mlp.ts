// MLP classifier: flatten → (linear → ReLU)×len(hidden) → linear head → cross-entropy (or the
// square loss against one-hot targets, config `loss: 'mse'`).
// He initialisation for the ReLU layers, 1/√fan-in for the head, zero biases.
import type { GpuContext, Kernel } from '../gpu/context';
import type { MlpConfig } from './modelConfig';
import { ImageClassifier } from './classifier';
import { crossEntropyTangent } from './crossentropy';
import { linearBackward, linearForward } from './linear';
import { matmul } from './matmul';
import { squareLossTangent } from './mse';
import type { BatchBuffers } from './model';
import { bindView, ParamLayoutBuilder, viewByName, type ParamLayout } from './paramLayout';
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
  private readonly ctx: GpuContext;
  private readonly widths: number[];
  private readonly B: number;
  private readonly targets: GPUBuffer; // (B) u32 batch labels
  private readonly acts: GPUBuffer[]; // acts[i]: input of layer i (acts[0] the images)
  private readonly dacts: GPUBuffer[]; // after backward, dacts[i + 1] = ∂L/∂z_i (z_i: layer i's pre-activation)

  constructor(
    ctx: GpuContext,
    name: string,
    readonly config: MlpConfig,
    B: number,
    image: { C: number; H: number; W: number },
    data: BatchBuffers,
    seed: number,
  ) {
    super(ctx, name, mlpLayout(config), { B, ...image, classes: config.classes }, data.targets, seed, config.loss ?? 'cross-entropy');
    if (image.C * image.H * image.W !== config.inputs) {
      throw new Error(`MLP config: inputs = ${config.inputs} but images are ${image.C}×${image.H}×${image.W}`);
    }
    for (const h of config.hidden) if (!Number.isInteger(h) || h < 1) throw new Error(`MLP config: hidden width ${h} must be a positive integer`);
    const buf = (n: string, floats: number) => this.buffer(n, floats);
    const P = (n: string) => this.param(n);
    const G = (n: string) => this.grad(n);

    const widths = [config.inputs, ...config.hidden, config.classes];
    this.ctx = ctx;
    this.widths = widths;
    this.B = B;
    this.targets = data.targets;
    const layers = widths.length - 1;
    // acts[i]: input of layer i (B, widths[i]); acts[0] is the batch, hidden ones hold ReLU outputs.
    const acts: GPUBuffer[] = [data.inputs];
    for (let i = 1; i < layers; i++) acts.push(buf(`act${i}`, B * widths[i]));
    const dacts: GPUBuffer[] = [data.inputs];
    for (let i = 1; i < layers; i++) dacts.push(buf(`dact${i}`, B * widths[i]));
    this.acts = acts;
    this.dacts = dacts;
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

  /**
   * H·v by forward-over-reverse (Model.hessianVectorProduct). With z_i = a_i·W_iᵀ + b_i,
   * a_{i+1} = relu(z_i), logits z_{L−1}, and dots for derivatives along v = (V_W, V_b):
   *   forward tangent   ż_i = ȧ_i·W_iᵀ + a_i·V_Wᵢᵀ + V_bᵢ,  ȧ_{i+1} = 1[a_{i+1} > 0] ⊙ ż_i  (ȧ_0 = 0)
   *   loss tangent      δ̇_{L−1} = (p ⊙ ż − p·(pᵀż))/B, p = softmax(logits)  (square loss: ż/B)
   *   backward tangent  (Hv)_Wᵢ = δ̇_iᵀ·a_i + δ_iᵀ·ȧ_i,  (Hv)_bᵢ = Σ_rows δ̇_i,
   *                     δ̇_{i−1} = 1[a_i > 0] ⊙ (δ̇_i·W_i + δ_i·V_Wᵢ)
   * with δ_i = ∂L/∂z_i from the backward just run. ReLU's second derivative is 0 wherever it
   * exists, so its tangent is the same mask as its backward: no kink is ever crossed.
   * Every product is a matmul, every mask the ReLU backward kernel.
   */
  hessianVectorProduct(direction: GPUBuffer, product: GPUBuffer): Kernel[] {
    const { widths, B, acts, dacts } = this;
    const ctx = this.ctx;
    const layers = widths.length - 1;
    const L = this.name;
    const view = (buffer: GPUBuffer, n: string) => bindView(buffer, viewByName(this.layout, n));
    const P = (n: string) => this.param(n);
    const Vv = (n: string) => view(direction, n); // the direction's view of a parameter
    const Hv = (n: string) => view(product, n);
    // Tangents: tz[i] (B, w_{i+1}) holds ż_i, then ȧ_{i+1} (masked in place); td[i] (B, w_{i+1})
    // holds δ̇_i. δ_i is the backward's: dlogits for the head, dacts[i + 1] below it.
    const tz = widths.slice(1).map((w, i) => this.buffer(`hvp.zdot${i}`, B * w));
    const td = widths.slice(1).map((w, i) => this.buffer(`hvp.deltadot${i}`, B * w));
    const delta = (i: number) => (i + 1 < layers ? dacts[i + 1] : this.loss.dlogits);
    const kernels: Kernel[] = [...this.forward, ...this.lossOnTargets, ...this.backward];
    for (let i = 0; i < layers; i++) {
      const shape = { N: B, C: widths[i], OC: widths[i + 1] };
      if (i === 0) {
        kernels.push(linearForward(ctx, `${L}.hvp.fc0`, { inp: acts[0], weight: Vv('fc0.w'), bias: Vv('fc0.b'), out: tz[0] }, shape));
      } else {
        kernels.push(linearForward(ctx, `${L}.hvp.fc${i}`, { inp: tz[i - 1], weight: P(`fc${i}.w`), bias: Vv(`fc${i}.b`), out: tz[i] }, shape));
        kernels.push(matmul(ctx, `${L}.hvp.fc${i}.dweight`, { a: acts[i], b: Vv(`fc${i}.w`), c: tz[i] }, { M: B, N: widths[i + 1], K: widths[i], transB: true, beta: 1 }));
      }
      if (i + 1 < layers) kernels.push(reluBackward(ctx, `${L}.hvp.relu${i}`, { act: acts[i + 1], dout: tz[i], dinp: tz[i] }, B * widths[i + 1]));
    }
    const lossShape = { N: B, V: widths[layers], scale: 1 / B };
    kernels.push(
      this.loss.kind === 'mse'
        ? squareLossTangent(ctx, `${L}.hvp.loss`, { targets: this.targets, zdot: tz[layers - 1], out: td[layers - 1] }, lossShape)
        : crossEntropyTangent(ctx, `${L}.hvp.loss`, { logits: this.loss.logits, targets: this.targets, zdot: tz[layers - 1], out: td[layers - 1] }, lossShape),
    );
    for (let i = layers - 1; i >= 0; i--) {
      const shape = { N: B, C: widths[i], OC: widths[i + 1] };
      const lb = linearBackward(ctx, `${L}.hvp.fc${i}.backward`, { dout: td[i], inp: acts[i], weight: P(`fc${i}.w`), dinp: i > 0 ? td[i - 1] : undefined, dweight: Hv(`fc${i}.w`), dbias: Hv(`fc${i}.b`) }, shape);
      kernels.push(...lb.kernels);
      if (i === 0) continue; // ȧ_0 = 0: the images do not move
      kernels.push(matmul(ctx, `${L}.hvp.fc${i}.dweight2`, { a: delta(i), b: tz[i - 1], c: Hv(`fc${i}.w`) }, { M: widths[i + 1], N: widths[i], K: B, transA: true, beta: 1 }));
      kernels.push(matmul(ctx, `${L}.hvp.fc${i}.dinp2`, { a: delta(i), b: Vv(`fc${i}.w`), c: td[i - 1] }, { M: B, N: widths[i], K: widths[i + 1], beta: 1 }));
      kernels.push(reluBackward(ctx, `${L}.hvp.relu${i - 1}.backward`, { act: acts[i], dout: td[i - 1], dinp: td[i - 1] }, B * widths[i]));
    }
    return kernels;
  }
}
