// CNN classifier: [conv(3×3, pad 1) → ReLU → pool(2×2)] × 2 → flatten → linear head → CE.
// NCHW throughout; flatten is a view of the pooled (B, C2, H/4, W/4) buffer as (B, C2·H/4·W/4).
// He initialisation for convolutions, 1/√fan-in for the head, zero biases.
import type { GpuContext, Kernel } from '../gpu/context';
import { add, fill } from '../gpu/elementwise';
import type { CnnConfig } from './modelConfig';
import { BufferTable, type BufferDecl } from '../gpu/bufferTable';
import { classifierLossBuffers, ImageClassifier } from './classifier';
import { conv2dBackwardInput, conv2dBackwardWeight, conv2dDims, conv2dForward, conv2dWeightGradScratchFloats, type Conv2dShape } from './conv2d';
import { crossEntropyTangent } from './crossentropy';
import { linearBackward, linearForward } from './linear';
import { matmul } from './matmul';
import type { BatchBuffers } from './model';
import { bindView, ParamLayoutBuilder, viewByName, type ParamLayout } from './paramLayout';
import { avgPoolBackward, avgPoolForward, maxPoolBackward, maxPoolForward, maxPoolTangent, poolDims, type PoolShape } from './pool';
import { reluBackward, reluForward } from './relu';

const KSIZE = 3;

interface Stage {
  conv: Conv2dShape;
  pool: PoolShape;
  OH: number; // pooled height
  OW: number; // pooled width
}

function stages(cfg: CnnConfig, B: number): Stage[] {
  const out: Stage[] = [];
  let [C, H, W] = [cfg.channels, cfg.height, cfg.width];
  for (let s = 0; s < 2; s++) {
    const OC = cfg.filters[s];
    const conv = { N: B, IC: C, H, W, OC, K: KSIZE, stride: 1, pad: 1 };
    conv2dDims(`CNN stage ${s}`, conv);
    const pool = { N: B, C: OC, H, W, K: 2, stride: 2 };
    const pd = poolDims(`CNN stage ${s} pool`, pool);
    out.push({ conv, pool, OH: pd.OH, OW: pd.OW });
    [C, H, W] = [OC, pd.OH, pd.OW];
  }
  return out;
}

export function cnnLayout(cfg: CnnConfig): ParamLayout {
  const b = new ParamLayoutBuilder();
  const st = stages(cfg, 1);
  st.forEach((s, i) => {
    const fanIn = s.conv.IC * KSIZE * KSIZE;
    b.add(`conv${i}.w`, [s.conv.OC, s.conv.IC, KSIZE, KSIZE], 'weight', { kind: 'normal', std: Math.sqrt(2 / fanIn) }); // (OC,IC,K,K)
    b.add(`conv${i}.b`, [s.conv.OC], 'bias', { kind: 'zeros' }); // (OC)
  });
  const last = st[st.length - 1];
  const features = last.conv.OC * last.OH * last.OW;
  b.add('head.w', [cfg.classes, features], 'weight', { kind: 'normal', std: Math.sqrt(1 / features) }); // (classes, F)
  b.add('head.b', [cfg.classes], 'bias', { kind: 'zeros' }); // (classes)
  return b.build();
}

/**
 * Every buffer a CNN's forward and backward use besides parameters and gradients (the loss's,
 * then per stage its convolution and pooled outputs, max-pooling's argmax, their gradients, and
 * the weight gradient's partial sums): the one declaration the constructor allocates from and
 * the memory plan sums.
 */
export function cnnActivations(cfg: CnnConfig, B: number): BufferDecl[] {
  const t = new BufferTable({ role: 'activation', perBatch: true });
  const st = stages(cfg, B);
  st.forEach((s, i) => {
    const conv = [B, s.conv.OC, s.conv.H, s.conv.W];
    const pooled = [B, s.conv.OC, s.OH, s.OW];
    t.add(`conv${i}.out`, conv); // ReLU applied in place
    t.add(`pool${i}.out`, pooled);
    if (cfg.pool === 'max') t.add(`pool${i}.argmax`, pooled, { dtype: 'u32' });
    t.add(`conv${i}.dout`, conv); // ∂L/∂(convolution output before ReLU)
    t.add(`pool${i}.dout`, pooled);
  });
  // (chunks, OC, IC·K·K + 1) partial sums of each weight gradient (the Hessian-vector product's too)
  for (let i = st.length - 1; i >= 0; i--) t.add(`conv${i}.dweight.scratch`, [conv2dWeightGradScratchFloats(st[i].conv)], { role: 'scratch' });
  return [...classifierLossBuffers(B, cfg.classes), ...t.decls];
}

/** The tangents of the Hessian-vector product (Cnn.hessianVectorProduct), allocated on its first call. */
export function cnnTangents(cfg: CnnConfig, B: number): BufferDecl[] {
  const t = new BufferTable({ role: 'scratch', perBatch: true });
  const st = stages(cfg, B);
  const conv = (s: Stage) => [B, s.conv.OC, s.conv.H, s.conv.W];
  const pooled = (s: Stage) => [B, s.conv.OC, s.OH, s.OW];
  st.forEach((s, i) => t.add(`hvp.conv${i}.dot`, conv(s)).add(`hvp.pool${i}.dot`, pooled(s)));
  st.forEach((s, i) => {
    if (i === 0) return;
    t.add(`hvp.conv${i}.dotWeight`, conv(s)); // conv(a, V_W)
    t.add(`hvp.conv${i}.zeroBias`, [s.conv.OC], { perBatch: false });
    t.add(`hvp.conv${i}.discardedBias`, [s.conv.OC], { perBatch: false });
  });
  t.add('hvp.logits.dot', [B, cfg.classes]).add('hvp.dlogits.dot', [B, cfg.classes]);
  st.forEach((s, i) => t.add(`hvp.dpool${i}.dot`, pooled(s)).add(`hvp.dconv${i}.dot`, conv(s)));
  return t.decls;
}

/** What a stage keeps for its backward (and for the Hessian-vector product). */
interface StageBuffers {
  inp: GPUBuffer; // (B, IC, H, W) the stage's input: the images, or the previous pooled output
  conv: GPUBuffer; // (B, OC, H, W) convolution output, ReLU applied in place
  pooled: GPUBuffer; // (B, OC, OH, OW)
  argmax?: GPUBuffer; // (B, OC, OH, OW) u32, max-pooling only
  dconv: GPUBuffer; // after backward: ∂L/∂(convolution output before ReLU)
  dpooled: GPUBuffer; // ∂L/∂pooled
  dweightScratch: GPUBuffer; // partial sums of the weight gradient
}

export class Cnn extends ImageClassifier {
  private readonly ctx: GpuContext;
  private readonly B: number;
  private readonly targets: GPUBuffer; // (B) u32
  private readonly stages: Stage[];
  private readonly saved: StageBuffers[];

  constructor(
    ctx: GpuContext,
    name: string,
    readonly config: CnnConfig,
    B: number,
    data: BatchBuffers,
    seed: number,
  ) {
    const images = { B, C: config.channels, H: config.height, W: config.width, classes: config.classes };
    super(ctx, name, cnnLayout(config), images, data.targets, seed, 'cross-entropy', cnnActivations(config, B));
    for (const f of config.filters) if (!Number.isInteger(f) || f < 1) throw new Error(`CNN config: filters ${f} must be a positive integer`);
    const a = this.activations;
    const P = (n: string) => this.param(n);
    const G = (n: string) => this.grad(n);

    const st = stages(config, B);
    let x = data.inputs; // (B,C,H,W)
    const saved: StageBuffers[] = [];
    this.ctx = ctx;
    this.B = B;
    this.targets = data.targets;
    this.stages = st;
    this.saved = saved;
    st.forEach((s, i) => {
      const convFloats = B * s.conv.OC * s.conv.H * s.conv.W;
      const conv = a.get(`conv${i}.out`); // (B,OC,H,W), ReLU applied in place
      const pooled = a.get(`pool${i}.out`); // (B,OC,H/2,W/2)
      const argmax = config.pool === 'max' ? a.get(`pool${i}.argmax`) : undefined; // u32
      this.forward.push(conv2dForward(ctx, `${name}.conv${i}`, { inp: x, weight: P(`conv${i}.w`), bias: P(`conv${i}.b`), out: conv }, s.conv));
      this.forward.push(reluForward(ctx, `${name}.relu${i}`, { inp: conv, out: conv }, convFloats));
      if (argmax) this.forward.push(maxPoolForward(ctx, `${name}.pool${i}`, { inp: conv, out: pooled, argmax }, s.pool));
      else this.forward.push(avgPoolForward(ctx, `${name}.pool${i}`, { inp: conv, out: pooled }, s.pool));
      saved.push({
        inp: x,
        conv,
        pooled,
        argmax,
        dconv: a.get(`conv${i}.dout`),
        dpooled: a.get(`pool${i}.dout`),
        dweightScratch: a.get(`conv${i}.dweight.scratch`),
      });
      x = pooled;
    });
    const last = st[st.length - 1];
    const F = last.conv.OC * last.OH * last.OW;
    const head = { N: B, C: F, OC: config.classes };
    this.forward.push(linearForward(ctx, `${name}.head`, { inp: x, weight: P('head.w'), bias: P('head.b'), out: this.loss.logits }, head));

    // ---- backward
    const top = saved[saved.length - 1];
    this.backward.push(
      ...linearBackward(ctx, `${name}.head.backward`, { dout: this.loss.dlogits, inp: x, weight: P('head.w'), dinp: top.dpooled, dweight: G('head.w'), dbias: G('head.b') }, head).kernels,
    );
    for (let i = st.length - 1; i >= 0; i--) {
      const s = st[i];
      const a = saved[i];
      const convFloats = B * s.conv.OC * s.conv.H * s.conv.W;
      if (a.argmax) this.backward.push(maxPoolBackward(ctx, `${name}.pool${i}.backward`, { dout: a.dpooled, argmax: a.argmax, dinp: a.dconv }, s.pool));
      else this.backward.push(avgPoolBackward(ctx, `${name}.pool${i}.backward`, { dout: a.dpooled, dinp: a.dconv }, s.pool));
      this.backward.push(reluBackward(ctx, `${name}.relu${i}.backward`, { act: a.conv, dout: a.dconv, dinp: a.dconv }, convFloats));
      const wg = conv2dBackwardWeight(ctx, `${name}.conv${i}.dweight`, { inp: a.inp, dout: a.dconv, dweight: G(`conv${i}.w`), dbias: G(`conv${i}.b`), scratch: a.dweightScratch }, s.conv);
      this.backward.push(...wg.kernels);
      if (i > 0) this.backward.push(conv2dBackwardInput(ctx, `${name}.conv${i}.dinp`, { dout: a.dconv, weight: P(`conv${i}.w`), dinp: saved[i - 1].dpooled }, s.conv));
    }
  }

  /**
   * H·v by forward-over-reverse (Model.hessianVectorProduct; docs/algorithm.md "Sharpness").
   * Per stage, with dots for derivatives along v = (V_W, V_b) and δ for the backward's gradients:
   *   ċ = conv(ȧ, W) + conv(a, V_W) + V_b,  ReLU and max-pool tangents by the primal's mask and
   *   argmax (both piecewise linear: their second derivatives vanish), average-pool by itself;
   *   backward: (Hv)_W = wgrad(a, δ̇) + wgrad(ȧ, δ), (Hv)_b = Σ δ̇, δ̇_in = dgrad(δ̇, W) + dgrad(δ, V_W).
   * The head is the MLP's linear tangent, the loss the softmax cross-entropy tangent.
   */
  hessianVectorProduct(direction: GPUBuffer, product: GPUBuffer): Kernel[] {
    const { ctx, B, stages: st, saved } = this;
    const L = this.name;
    const view = (buffer: GPUBuffer, n: string) => bindView(buffer, viewByName(this.layout, n));
    const P = (n: string) => this.param(n);
    const Vv = (n: string) => view(direction, n);
    const Hv = (n: string) => view(product, n);
    const classes = this.config.classes;
    const kernels: Kernel[] = [...this.forward, ...this.lossOnTargets, ...this.backward];
    // Tangents of each stage's convolution output (then ReLU output) and pooled output.
    const t = this.allocate(cnnTangents(this.config, B)); // allocated on the first call
    const tconv = st.map((_, i) => t.get(`hvp.conv${i}.dot`));
    const tpool = st.map((_, i) => t.get(`hvp.pool${i}.dot`));
    st.forEach((s, i) => {
      const a = saved[i];
      const n = B * s.conv.OC * s.conv.H * s.conv.W;
      if (i === 0) {
        kernels.push(conv2dForward(ctx, `${L}.hvp.conv0`, { inp: a.inp, weight: Vv('conv0.w'), bias: Vv('conv0.b'), out: tconv[0] }, s.conv));
      } else {
        const second = t.get(`hvp.conv${i}.dotWeight`); // conv(a, V_W)
        const zeroBias = t.get(`hvp.conv${i}.zeroBias`);
        kernels.push(conv2dForward(ctx, `${L}.hvp.conv${i}`, { inp: tpool[i - 1], weight: P(`conv${i}.w`), bias: Vv(`conv${i}.b`), out: tconv[i] }, s.conv));
        kernels.push(conv2dForward(ctx, `${L}.hvp.conv${i}.dotWeight`, { inp: a.inp, weight: Vv(`conv${i}.w`), bias: zeroBias, out: second }, s.conv));
        kernels.push(add(ctx, `${L}.hvp.conv${i}.sum`, { a: tconv[i], b: second, out: tconv[i] }, n));
      }
      kernels.push(reluBackward(ctx, `${L}.hvp.relu${i}`, { act: a.conv, dout: tconv[i], dinp: tconv[i] }, n));
      if (a.argmax) kernels.push(maxPoolTangent(ctx, `${L}.hvp.pool${i}`, { tangent: tconv[i], argmax: a.argmax, out: tpool[i] }, s.pool));
      else kernels.push(avgPoolForward(ctx, `${L}.hvp.pool${i}`, { inp: tconv[i], out: tpool[i] }, s.pool));
    });
    const last = st.length - 1;
    const top = saved[last];
    const F = st[last].conv.OC * st[last].OH * st[last].OW;
    const head = { N: B, C: F, OC: classes };
    const tlogits = t.get('hvp.logits.dot');
    const tdlogits = t.get('hvp.dlogits.dot');
    kernels.push(linearForward(ctx, `${L}.hvp.head`, { inp: tpool[last], weight: P('head.w'), bias: Vv('head.b'), out: tlogits }, head));
    kernels.push(matmul(ctx, `${L}.hvp.head.dotWeight`, { a: top.pooled, b: Vv('head.w'), c: tlogits }, { M: B, N: classes, K: F, transB: true, beta: 1 }));
    kernels.push(crossEntropyTangent(ctx, `${L}.hvp.loss`, { logits: this.loss.logits, targets: this.targets, zdot: tlogits, out: tdlogits }, { N: B, V: classes, scale: 1 / B }));
    // Backward tangents: tdpool[i] = δ̇ of pooled output i, tdconv[i] = δ̇ of convolution output i.
    const tdpool = st.map((_, i) => t.get(`hvp.dpool${i}.dot`));
    const tdconv = st.map((_, i) => t.get(`hvp.dconv${i}.dot`));
    kernels.push(...linearBackward(ctx, `${L}.hvp.head.backward`, { dout: tdlogits, inp: top.pooled, weight: P('head.w'), dinp: tdpool[last], dweight: Hv('head.w'), dbias: Hv('head.b') }, head).kernels);
    kernels.push(matmul(ctx, `${L}.hvp.head.dweight2`, { a: this.loss.dlogits, b: tpool[last], c: Hv('head.w') }, { M: classes, N: F, K: B, transA: true, beta: 1 }));
    kernels.push(matmul(ctx, `${L}.hvp.head.dinp2`, { a: this.loss.dlogits, b: Vv('head.w'), c: tdpool[last] }, { M: B, N: F, K: classes, beta: 1 }));
    for (let i = last; i >= 0; i--) {
      const s = st[i];
      const a = saved[i];
      const n = B * s.conv.OC * s.conv.H * s.conv.W;
      if (a.argmax) kernels.push(maxPoolBackward(ctx, `${L}.hvp.pool${i}.backward`, { dout: tdpool[i], argmax: a.argmax, dinp: tdconv[i] }, s.pool));
      else kernels.push(avgPoolBackward(ctx, `${L}.hvp.pool${i}.backward`, { dout: tdpool[i], dinp: tdconv[i] }, s.pool));
      kernels.push(reluBackward(ctx, `${L}.hvp.relu${i}.backward`, { act: a.conv, dout: tdconv[i], dinp: tdconv[i] }, n));
      // The backward's partial sums are free again: the backward ran before these kernels.
      const wg = conv2dBackwardWeight(ctx, `${L}.hvp.conv${i}.dweight`, { inp: a.inp, dout: tdconv[i], dweight: Hv(`conv${i}.w`), dbias: Hv(`conv${i}.b`), scratch: a.dweightScratch }, s.conv);
      kernels.push(...wg.kernels);
      if (i === 0) continue; // ȧ_0 = 0: the images do not move
      // wgrad(ȧ, δ) adds to the weights; its bias part (Σ δ, not a second derivative) is discarded.
      const discarded = t.get(`hvp.conv${i}.discardedBias`);
      kernels.push(fill(ctx, `${L}.hvp.conv${i}.clearDiscarded`, { dst: discarded }, s.conv.OC, 0));
      kernels.push(...conv2dBackwardWeight(ctx, `${L}.hvp.conv${i}.dweight2`, { inp: tpool[i - 1], dout: a.dconv, dweight: Hv(`conv${i}.w`), dbias: discarded, scratch: wg.scratch }, s.conv, { beta: 1 }).kernels);
      kernels.push(conv2dBackwardInput(ctx, `${L}.hvp.conv${i}.dinp`, { dout: tdconv[i], weight: P(`conv${i}.w`), dinp: tdpool[i - 1] }, s.conv));
      kernels.push(conv2dBackwardInput(ctx, `${L}.hvp.conv${i}.dinp2`, { dout: a.dconv, weight: Vv(`conv${i}.w`), dinp: tdpool[i - 1] }, s.conv, 1));
    }
    return kernels;
  }
}
