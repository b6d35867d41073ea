// MLP classifier: flatten → (linear → ReLU or GELU)×len(hidden) → linear head → cross-entropy
// (or the square loss against one-hot targets, config `loss: 'mse'`). The GELU (config
// `activation: 'gelu'`) is the matmul's fused epilogue: forward GELU_OUT, backward GELU_GRAD.
// He initialisation for the hidden layers, 1/√fan-in for the head, zero biases.
import type { GpuContext, Kernel } from '../gpu/context';
import type { MlpConfig } from './modelConfig';
import { MLP_ACTIVATIONS } from './modelConfig';
import { BufferTable, type BufferDecl } from '../gpu/bufferTable';
import { classifierLossBuffers, ImageClassifier } from './classifier';
import { crossEntropyTangent } from './crossentropy';
import { geluBackward, geluBackwardTangent } from './gelu';
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

/** Refuses an MLP whose input width is not the images' size, or with a bad hidden width or activation. */
export function checkMlpConfig(cfg: MlpConfig, image: { C: number; H: number; W: number }): void {
  if (image.C * image.H * image.W !== cfg.inputs) throw new Error(`MLP config: inputs = ${cfg.inputs} but images are ${image.C}×${image.H}×${image.W}`);
  for (const h of cfg.hidden) if (!Number.isInteger(h) || h < 1) throw new Error(`MLP config: hidden width ${h} must be a positive integer`);
  const activation = cfg.activation ?? 'relu';
  if (!MLP_ACTIVATIONS.includes(activation)) throw new Error(`MLP config: activation ${JSON.stringify(activation)} is not one of ${MLP_ACTIVATIONS.join(', ')}`);
}

/** The widths of the layers' inputs and the head's output: [inputs, ...hidden, classes]. */
const mlpWidths = (cfg: MlpConfig): number[] => [cfg.inputs, ...cfg.hidden, cfg.classes];

/**
 * Every buffer an MLP's forward and backward use besides parameters and gradients (the loss's,
 * then per hidden layer i ≥ 1 its activation and gradient, and with the GELU its pre-activation):
 * the one declaration the constructor allocates from and the memory plan sums.
 */
export function mlpActivations(cfg: MlpConfig, B: number): BufferDecl[] {
  const widths = mlpWidths(cfg);
  const layers = widths.length - 1;
  const t = new BufferTable({ role: 'activation', perBatch: true });
  for (let i = 1; i < layers; i++) t.add(`act${i}`, [B, widths[i]]); // a_i, input of layer i
  for (let i = 1; i < layers; i++) t.add(`dact${i}`, [B, widths[i]]); // ∂L/∂z_{i−1} after the backward
  if (cfg.activation === 'gelu') for (let i = 1; i < layers; i++) t.add(`pre${i - 1}`, [B, widths[i]]); // z_{i−1}
  return [...classifierLossBuffers(B, cfg.classes), ...t.decls];
}

/** The tangents of the Hessian-vector product (Mlp.hessianVectorProduct), allocated on its first call. */
export function mlpTangents(cfg: MlpConfig, B: number): BufferDecl[] {
  const widths = mlpWidths(cfg);
  const layers = widths.length - 1;
  const gelu = cfg.activation === 'gelu';
  const t = new BufferTable({ role: 'scratch', perBatch: true });
  for (let i = 0; i < layers; i++) t.add(`hvp.zdot${i}`, [B, widths[i + 1]]); // ż_i
  if (gelu) for (let i = 0; i + 1 < layers; i++) t.add(`hvp.adot${i}`, [B, widths[i + 1]]); // ȧ_{i+1}
  for (let i = 0; i < layers; i++) t.add(`hvp.deltadot${i}`, [B, widths[i + 1]]); // δ̇_i
  if (gelu) for (let i = 0; i + 1 < layers; i++) t.add(`hvp.dout${i}`, [B, widths[i + 1]]); // δ_{i+1}·W_{i+1}
  return t.decls;
}

export class Mlp extends ImageClassifier {
  private readonly ctx: GpuContext;
  private readonly widths: number[];
  private readonly B: number;
  private readonly targets: GPUBuffer; // (B) u32 batch labels
  private readonly acts: GPUBuffer[]; // acts[i]: input of layer i (acts[0] the images)
  private readonly dacts: GPUBuffer[]; // after backward, dacts[i + 1] = ∂L/∂z_i (z_i: layer i's pre-activation)
  private readonly gelu: boolean;
  private readonly pres: GPUBuffer[]; // GELU: pres[i] = z_i of hidden layer i (ReLU: none; z_i ≥ 0 is a_{i+1} > 0)

  constructor(
    ctx: GpuContext,
    name: string,
    readonly config: MlpConfig,
    B: number,
    image: { C: number; H: number; W: number },
    data: BatchBuffers,
    seed: number,
  ) {
    super(ctx, name, mlpLayout(config), { B, ...image, classes: config.classes }, data.targets, seed, config.loss ?? 'cross-entropy', mlpActivations(config, B));
    checkMlpConfig(config, image);
    const activation = config.activation ?? 'relu';
    const P = (n: string) => this.param(n);
    const G = (n: string) => this.grad(n);

    const widths = mlpWidths(config);
    this.ctx = ctx;
    this.widths = widths;
    this.B = B;
    this.targets = data.targets;
    const layers = widths.length - 1;
    // acts[i]: input of layer i (B, widths[i]); acts[0] is the batch, hidden ones hold activations.
    const acts: GPUBuffer[] = [data.inputs];
    for (let i = 1; i < layers; i++) acts.push(this.activations.get(`act${i}`));
    const dacts: GPUBuffer[] = [data.inputs];
    for (let i = 1; i < layers; i++) dacts.push(this.activations.get(`dact${i}`));
    const gelu = activation === 'gelu';
    const pres = gelu ? widths.slice(1, layers).map((_, i) => this.activations.get(`pre${i}`)) : [];
    this.acts = acts;
    this.dacts = dacts;
    this.gelu = gelu;
    this.pres = pres;
    for (let i = 0; i < layers; i++) {
      const hidden = i + 1 < layers;
      const shape = { N: B, C: widths[i], OC: widths[i + 1] };
      const lin = { inp: acts[i], weight: P(`fc${i}.w`), bias: P(`fc${i}.b`) };
      if (!hidden) this.forward.push(linearForward(ctx, `${name}.fc${i}`, { ...lin, out: this.loss.logits }, shape));
      else if (gelu) this.forward.push(linearForward(ctx, `${name}.fc${i}`, { ...lin, out: pres[i], geluOut: acts[i + 1] }, shape));
      else {
        this.forward.push(linearForward(ctx, `${name}.fc${i}`, { ...lin, out: acts[i + 1] }, shape));
        this.forward.push(reluForward(ctx, `${name}.relu${i}`, { inp: acts[i + 1], out: acts[i + 1] }, B * widths[i + 1]));
      }
    }
    for (let i = layers - 1; i >= 0; i--) {
      const dout = i + 1 < layers ? dacts[i + 1] : this.loss.dlogits;
      const shape = { N: B, C: widths[i], OC: widths[i + 1] };
      if (i + 1 < layers && !gelu) this.backward.push(reluBackward(ctx, `${name}.relu${i}.backward`, { act: acts[i + 1], dout, dinp: dout }, B * widths[i + 1]));
      // GELU: dinp is taken back through the GELU in the matmul (geluPre), so dacts[i] is ∂L/∂z_{i−1}.
      const geluPre = gelu && i > 0 ? pres[i - 1] : undefined;
      const lb = linearBackward(ctx, `${name}.fc${i}.backward`, { dout, inp: acts[i], weight: P(`fc${i}.w`), dinp: i > 0 ? dacts[i] : undefined, dweight: G(`fc${i}.w`), dbias: G(`fc${i}.b`), geluPre }, shape);
      this.backward.push(...lb.kernels);
    }
  }

  /**
   * H·v by forward-over-reverse (Model.hessianVectorProduct). With z_i = a_i·W_iᵀ + b_i,
   * a_{i+1} = σ(z_i) (σ the ReLU or the GELU), logits z_{L−1}, and dots for derivatives along
   * v = (V_W, V_b):
   *   forward tangent   ż_i = ȧ_i·W_iᵀ + a_i·V_Wᵢᵀ + V_bᵢ,  ȧ_{i+1} = σ'(z_i) ⊙ ż_i  (ȧ_0 = 0)
   *   loss tangent      δ̇_{L−1} = (p ⊙ ż − p·(pᵀż))/B, p = softmax(logits)  (square loss: ż/B)
   *   backward tangent  (Hv)_Wᵢ = δ̇_iᵀ·a_i + δ_iᵀ·ȧ_i,  (Hv)_bᵢ = Σ_rows δ̇_i,
   *                     δ̇_{i−1} = σ'(z_{i−1}) ⊙ (δ̇_i·W_i + δ_i·V_Wᵢ) + σ''(z_{i−1}) ⊙ ż_{i−1} ⊙ (δ_i·W_i)
   * with δ_i = ∂L/∂z_i from the backward just run (docs/algorithm.md "Exact products:
   * forward-over-reverse"). ReLU's second derivative is 0 wherever it exists, so its tangent is
   * the same mask as its backward and the last term is absent: no kink is ever crossed. The
   * GELU's σ' is the matmul's GELU_GRAD epilogue (or the GELU backward kernel for ȧ), its σ''
   * term the GELU backward tangent.
   */
  hessianVectorProduct(direction: GPUBuffer, product: GPUBuffer): Kernel[] {
    const { widths, B, acts, dacts, gelu, pres } = this;
    const ctx = this.ctx;
    const layers = widths.length - 1;
    const L = this.name;
    const view = (buffer: GPUBuffer, n: string) => bindView(buffer, viewByName(this.layout, n));
    const P = (n: string) => this.param(n);
    const Vv = (n: string) => view(direction, n); // the direction's view of a parameter
    const Hv = (n: string) => view(product, n);
    // Tangents: tz[i] (B, w_{i+1}) holds ż_i; ta[i] ȧ_{i+1} (ReLU: tz[i] masked in place; GELU:
    // a buffer of its own, ż_i being needed again for σ''); td[i] (B, w_{i+1}) holds δ̇_i.
    // δ_i is the backward's: dlogits for the head, dacts[i + 1] below it.
    const t = this.allocate(mlpTangents(this.config, B)); // allocated on the first call
    const tz = widths.slice(1).map((_, i) => t.get(`hvp.zdot${i}`));
    const ta = gelu ? widths.slice(1, layers).map((_, i) => t.get(`hvp.adot${i}`)) : tz;
    const td = widths.slice(1).map((_, i) => t.get(`hvp.deltadot${i}`));
    // GELU: δ_i·W_i = ∂L/∂a_i, the gradient at the GELU's output (the fused backward keeps only ∂L/∂z).
    const dout = gelu ? widths.slice(1, layers).map((_, i) => t.get(`hvp.dout${i}`)) : [];
    const delta = (i: number) => (i + 1 < layers ? dacts[i + 1] : this.loss.dlogits);
    const kernels: Kernel[] = [...this.forward, ...this.lossOnTargets, ...this.backward];
    for (let i = 0; i < layers; i++) {
      const shape = { N: B, C: widths[i], OC: widths[i + 1] };
      if (i === 0) {
        kernels.push(linearForward(ctx, `${L}.hvp.fc0`, { inp: acts[0], weight: Vv('fc0.w'), bias: Vv('fc0.b'), out: tz[0] }, shape));
      } else {
        kernels.push(linearForward(ctx, `${L}.hvp.fc${i}`, { inp: ta[i - 1], weight: P(`fc${i}.w`), bias: Vv(`fc${i}.b`), out: tz[i] }, shape));
        kernels.push(matmul(ctx, `${L}.hvp.fc${i}.dweight`, { a: acts[i], b: Vv(`fc${i}.w`), c: tz[i] }, { M: B, N: widths[i + 1], K: widths[i], transB: true, beta: 1 }));
      }
      if (i + 1 === layers) continue;
      const n = B * widths[i + 1];
      if (gelu) kernels.push(geluBackward(ctx, `${L}.hvp.gelu${i}`, { inp: pres[i], dout: tz[i], dinp: ta[i] }, { N: n }));
      else kernels.push(reluBackward(ctx, `${L}.hvp.relu${i}`, { act: acts[i + 1], dout: tz[i], dinp: tz[i] }, n));
    }
    const lossShape = { N: B, V: widths[layers], scale: 1 / B };
    kernels.push(
      this.loss.kind === 'mse'
        ? squareLossTangent(ctx, `${L}.hvp.loss`, { targets: this.targets, zdot: tz[layers - 1], out: td[layers - 1] }, lossShape)
        : crossEntropyTangent(ctx, `${L}.hvp.loss`, { logits: this.loss.logits, targets: this.targets, zdot: tz[layers - 1], out: td[layers - 1] }, lossShape),
    );
    for (let i = layers - 1; i >= 0; i--) {
      const shape = { N: B, C: widths[i], OC: widths[i + 1] };
      const geluPre = gelu && i > 0 ? pres[i - 1] : undefined; // σ'(z_{i−1}) fused into δ̇_{i−1}
      const lb = linearBackward(ctx, `${L}.hvp.fc${i}.backward`, { dout: td[i], inp: acts[i], weight: P(`fc${i}.w`), dinp: i > 0 ? td[i - 1] : undefined, dweight: Hv(`fc${i}.w`), dbias: Hv(`fc${i}.b`), geluPre }, shape);
      kernels.push(...lb.kernels);
      if (i === 0) continue; // ȧ_0 = 0: the images do not move
      kernels.push(matmul(ctx, `${L}.hvp.fc${i}.dweight2`, { a: delta(i), b: ta[i - 1], c: Hv(`fc${i}.w`) }, { M: widths[i + 1], N: widths[i], K: B, transA: true, beta: 1 }));
      kernels.push(matmul(ctx, `${L}.hvp.fc${i}.dinp2`, { a: delta(i), b: Vv(`fc${i}.w`), c: td[i - 1], geluPre }, { M: B, N: widths[i], K: widths[i + 1], beta: 1 }));
      if (gelu) {
        const n = B * widths[i];
        kernels.push(matmul(ctx, `${L}.hvp.fc${i}.dout`, { a: delta(i), b: P(`fc${i}.w`), c: dout[i - 1] }, { M: B, N: widths[i], K: widths[i + 1] }));
        kernels.push(geluBackwardTangent(ctx, `${L}.hvp.gelu${i - 1}.backward`, { inp: pres[i - 1], inpDot: tz[i - 1], dout: dout[i - 1], dinp: td[i - 1] }, { N: n, accumulate: true }));
      } else {
        kernels.push(reluBackward(ctx, `${L}.hvp.relu${i - 1}.backward`, { act: acts[i], dout: td[i - 1], dinp: td[i - 1] }, B * widths[i]));
      }
    }
    return kernels;
  }
}
