// GPT: decoder-only transformer, pre-layernorm, learned positions, GELU MLP (4×), optional
// tied embedding head. Forward and backward are explicit lists of dispatches, llm.c style:
//
//   encoded = wte[tok] + wpe[t]
//   per block l:  ln1 → qkv (linear) → attention → attproj (linear) → res2 = res + attproj
//                 ln2 → fc (linear, GELU fused into its output) → fcproj (linear) → res3 = res2 + fcproj
//   lnf → logits = lnf·wteᵀ (tied) or lnf·headᵀ → cross-entropy (fused with dlogits)
//
// Backward is the same list reversed. The residual stream's gradient lives in one buffer
// `dres` (B,T,C): each block's layernorm backward adds its input gradient into it.
import type { GpuContext, Kernel } from '../gpu/context';
import { add, fill } from '../gpu/elementwise';
import type { GptConfig } from '../train/config';
import { attentionBackward, attentionForward } from './attention';
import { crossEntropy } from './crossentropy';
import { embeddingBackward, embeddingForward } from './embedding';
import { layernormBackward, layernormForward } from './layernorm';
import { linearBackward, linearForward } from './linear';
import type { BatchBuffers, BatchShape, Model } from './model';
import { FlatModel } from './flatModel';
import { ParamLayoutBuilder, viewByName, type ParamLayout } from './paramLayout';
import { sampleCategorical } from './sampler';

/** The parameter table of a GPT (GPT-2 initialisation: normal 0.02, residual projections 0.02/√(2L)). */
export function gptLayout(cfg: GptConfig): ParamLayout {
  const { layers: L, width: C, context: T, vocab: V } = cfg;
  const b = new ParamLayoutBuilder();
  const std = 0.02;
  const projStd = 0.02 / Math.sqrt(2 * L);
  b.add('wte', [V, C], 'embedding', { kind: 'normal', std }); // (V,C)
  b.add('wpe', [T, C], 'embedding', { kind: 'normal', std: 0.01 }); // (T,C)
  for (let l = 0; l < L; l++) {
    const p = `h${l}`;
    b.add(`${p}.ln1.w`, [C], 'norm', { kind: 'ones' }); // (C)
    b.add(`${p}.ln1.b`, [C], 'norm', { kind: 'zeros' }); // (C)
    b.add(`${p}.attn.qkv.w`, [3 * C, C], 'weight', { kind: 'normal', std }); // (3C,C)
    b.add(`${p}.attn.qkv.b`, [3 * C], 'bias', { kind: 'zeros' }); // (3C)
    b.add(`${p}.attn.proj.w`, [C, C], 'weight', { kind: 'normal', std: projStd }); // (C,C)
    b.add(`${p}.attn.proj.b`, [C], 'bias', { kind: 'zeros' }); // (C)
    b.add(`${p}.ln2.w`, [C], 'norm', { kind: 'ones' }); // (C)
    b.add(`${p}.ln2.b`, [C], 'norm', { kind: 'zeros' }); // (C)
    b.add(`${p}.mlp.fc.w`, [4 * C, C], 'weight', { kind: 'normal', std }); // (4C,C)
    b.add(`${p}.mlp.fc.b`, [4 * C], 'bias', { kind: 'zeros' }); // (4C)
    b.add(`${p}.mlp.proj.w`, [C, 4 * C], 'weight', { kind: 'normal', std: projStd }); // (C,4C)
    b.add(`${p}.mlp.proj.b`, [C], 'bias', { kind: 'zeros' }); // (C)
  }
  b.add('lnf.w', [C], 'norm', { kind: 'ones' }); // (C)
  b.add('lnf.b', [C], 'norm', { kind: 'zeros' }); // (C)
  if (!cfg.tiedHead) b.add('head.w', [V, C], 'weight', { kind: 'normal', std }); // (V,C)
  return b.build();
}

export function checkGptConfig(cfg: GptConfig, B: number): void {
  const bad = (m: string) => {
    throw new Error(`GPT config: ${m}`);
  };
  for (const k of ['layers', 'heads', 'width', 'context', 'vocab'] as const) {
    if (!Number.isInteger(cfg[k]) || cfg[k] < 1) bad(`${k} = ${cfg[k]} must be a positive integer`);
  }
  if (cfg.width % cfg.heads !== 0) bad(`width ${cfg.width} is not a multiple of heads ${cfg.heads}`);
  if (!Number.isInteger(B) || B < 1) bad(`batch size ${B} must be a positive integer`);
}

interface BlockActs {
  ln1: GPUBuffer; // (B,T,C)
  ln1Mean: GPUBuffer; // (B,T)
  ln1Rstd: GPUBuffer; // (B,T)
  qkv: GPUBuffer; // (B,T,3C)
  att: GPUBuffer; // (B,NH,T,T)
  atty: GPUBuffer; // (B,T,C)
  attproj: GPUBuffer; // (B,T,C)
  res2: GPUBuffer; // (B,T,C)
  ln2: GPUBuffer; // (B,T,C)
  ln2Mean: GPUBuffer; // (B,T)
  ln2Rstd: GPUBuffer; // (B,T)
  fch: GPUBuffer; // (B,T,4C)
  fchGelu: GPUBuffer; // (B,T,4C)
  fcproj: GPUBuffer; // (B,T,C)
  res3: GPUBuffer; // (B,T,C)
}

export class Gpt extends FlatModel implements Model {
  readonly batch: BatchShape;
  readonly rows: number;
  readonly losses: GPUBuffer;
  readonly correct: GPUBuffer;
  readonly logits: GPUBuffer; // (B,T,V) after the forward; loss kernels only read them
  readonly forward: Kernel[] = [];
  readonly lossOnTargets: Kernel[];
  readonly lossOnSampledLabels: Kernel[];
  readonly backward: Kernel[] = [];
  private readonly sampler: Kernel;

  constructor(
    private readonly ctx: GpuContext,
    label: string,
    readonly config: GptConfig,
    B: number,
    data: BatchBuffers,
    private readonly seed: number,
  ) {
    super(ctx.device, label, (checkGptConfig(config, B), gptLayout(config)));
    const { layers: L, heads: NH, width: C, context: T, vocab: V } = config;
    const N = B * T;
    this.batch = { kind: 'tokens', B, T, V };
    this.rows = N;
    const buf = (name: string, floats: number) => this.buffer(name, floats);
    const P = (name: string) => this.param(name);
    const G = (name: string) => this.grad(name);

    // Activations, planned once.
    const encoded = buf('encoded', N * C); // (B,T,C)
    const blocks: BlockActs[] = [];
    for (let l = 0; l < L; l++) {
      const p = `h${l}`;
      blocks.push({
        ln1: buf(`${p}.ln1`, N * C),
        ln1Mean: buf(`${p}.ln1Mean`, N),
        ln1Rstd: buf(`${p}.ln1Rstd`, N),
        qkv: buf(`${p}.qkv`, N * 3 * C),
        att: buf(`${p}.att`, B * NH * T * T),
        atty: buf(`${p}.atty`, N * C),
        attproj: buf(`${p}.attproj`, N * C),
        res2: buf(`${p}.res2`, N * C),
        ln2: buf(`${p}.ln2`, N * C),
        ln2Mean: buf(`${p}.ln2Mean`, N),
        ln2Rstd: buf(`${p}.ln2Rstd`, N),
        fch: buf(`${p}.fch`, N * 4 * C),
        fchGelu: buf(`${p}.fchGelu`, N * 4 * C),
        fcproj: buf(`${p}.fcproj`, N * C),
        res3: buf(`${p}.res3`, N * C),
      });
    }
    const lnf = buf('lnf', N * C); // (B,T,C)
    const lnfMean = buf('lnfMean', N); // (B,T)
    const lnfRstd = buf('lnfRstd', N); // (B,T)
    const logits = buf('logits', N * V); // (B,T,V)
    this.logits = logits;
    const dlogits = buf('dlogits', N * V); // (B,T,V) written by the loss kernels
    this.losses = buf('losses', N); // (B,T)
    this.correct = buf('correct', N); // (B,T)
    const sampled = buf('sampledTargets', N); // (B,T) u32 labels drawn from the model
    // Backward scratch, shared by all blocks.
    const dres = buf('dres', N * C); // (B,T,C) gradient of the residual stream
    const dln = buf('dln', N * C); // (B,T,C)
    const datty = buf('datty', N * C); // (B,T,C)
    const dqkv = buf('dqkv', N * 3 * C); // (B,T,3C)
    const datt = buf('datt', B * NH * T * T); // (B,NH,T,T)
    const dfch = buf('dfch', N * 4 * C); // (B,T,4C)

    const f = this.forward;
    const k = (name: string) => `${label}.${name}`;
    const headW = config.tiedHead ? 'wte' : 'head.w';

    // ---- forward
    f.push(embeddingForward(ctx, k('embedding'), { tokens: data.inputs, wte: P('wte'), wpe: P('wpe'), out: encoded }, { B, T, C, V }));
    let res = encoded;
    blocks.forEach((a, l) => {
      const p = `h${l}`;
      f.push(layernormForward(ctx, k(`${p}.ln1`), { inp: res, weight: P(`${p}.ln1.w`), bias: P(`${p}.ln1.b`), out: a.ln1, mean: a.ln1Mean, rstd: a.ln1Rstd }, { N, C }));
      f.push(linearForward(ctx, k(`${p}.qkv`), { inp: a.ln1, weight: P(`${p}.attn.qkv.w`), bias: P(`${p}.attn.qkv.b`), out: a.qkv }, { N, C, OC: 3 * C }));
      f.push(...attentionForward(ctx, k(`${p}.attention`), { qkv: a.qkv, att: a.att, out: a.atty }, { B, T, C, NH }).kernels);
      f.push(linearForward(ctx, k(`${p}.attproj`), { inp: a.atty, weight: P(`${p}.attn.proj.w`), bias: P(`${p}.attn.proj.b`), out: a.attproj }, { N, C, OC: C }));
      f.push(add(ctx, k(`${p}.residual1`), { a: res, b: a.attproj, out: a.res2 }, N * C));
      f.push(layernormForward(ctx, k(`${p}.ln2`), { inp: a.res2, weight: P(`${p}.ln2.w`), bias: P(`${p}.ln2.b`), out: a.ln2, mean: a.ln2Mean, rstd: a.ln2Rstd }, { N, C }));
      // fc with the GELU fused into its output: fch (pre-activation, kept for backward) and fchGelu.
      f.push(
        linearForward(ctx, k(`${p}.fc`), { inp: a.ln2, weight: P(`${p}.mlp.fc.w`), bias: P(`${p}.mlp.fc.b`), out: a.fch, geluOut: a.fchGelu }, { N, C, OC: 4 * C }),
      );
      f.push(linearForward(ctx, k(`${p}.fcproj`), { inp: a.fchGelu, weight: P(`${p}.mlp.proj.w`), bias: P(`${p}.mlp.proj.b`), out: a.fcproj }, { N, C: 4 * C, OC: C }));
      f.push(add(ctx, k(`${p}.residual2`), { a: a.res2, b: a.fcproj, out: a.res3 }, N * C));
      res = a.res3;
    });
    f.push(layernormForward(ctx, k('lnf'), { inp: res, weight: P('lnf.w'), bias: P('lnf.b'), out: lnf, mean: lnfMean, rstd: lnfRstd }, { N, C }));
    f.push(linearForward(ctx, k('head'), { inp: lnf, weight: P(headW), out: logits }, { N, C, OC: V }));

    // ---- losses: per-row loss and accuracy, dlogits = (softmax − onehot)/N (logits untouched,
    // so one forward can feed the IRE refresh's loss on sampled labels and the step's own)
    this.lossOnTargets = [
      crossEntropy(ctx, k('loss'), { logits, targets: data.targets, losses: this.losses, correct: this.correct, dlogits }, { N, V, scale: 1 / N }),
    ];
    this.sampler = sampleCategorical(ctx, k('sampleLabels'), { logits, labels: sampled }, { N, V, seed: this.seed, counter: 0 });
    this.lossOnSampledLabels = [
      this.sampler,
      crossEntropy(ctx, k('lossSampled'), { logits, targets: sampled, losses: this.losses, correct: this.correct, dlogits }, { N, V, scale: 1 / N }),
    ];

    // ---- backward (the forward list reversed)
    const bw = this.backward;
    const head = linearBackward(ctx, k('head.backward'), { dout: dlogits, inp: lnf, weight: P(headW), dinp: dln, dweight: G(headW) }, { N, C, OC: V });
    bw.push(...head.kernels);
    bw.push(
      ...layernormBackward(
        ctx,
        k('lnf.backward'),
        { inp: res, weight: P('lnf.w'), mean: lnfMean, rstd: lnfRstd, dout: dln, dinp: dres, dweight: G('lnf.w'), dbias: G('lnf.b') },
        { N, C },
      ).kernels,
    );
    for (let l = L - 1; l >= 0; l--) {
      const a = blocks[l];
      const p = `h${l}`;
      const resIn = l === 0 ? encoded : blocks[l - 1].res3;
      // res3 = res2 + fcproj: d(fcproj) = dres, and dres continues to res2.
      bw.push(
        ...linearBackward(
          ctx,
          k(`${p}.fcproj.backward`),
          // dinp through the GELU too: dfch = (dres·W)·gelu'(fch).
          { dout: dres, inp: a.fchGelu, weight: P(`${p}.mlp.proj.w`), dinp: dfch, geluPre: a.fch, dweight: G(`${p}.mlp.proj.w`), dbias: G(`${p}.mlp.proj.b`) },
          { N, C: 4 * C, OC: C },
        ).kernels,
      );
      bw.push(
        ...linearBackward(
          ctx,
          k(`${p}.fc.backward`),
          { dout: dfch, inp: a.ln2, weight: P(`${p}.mlp.fc.w`), dinp: dln, dweight: G(`${p}.mlp.fc.w`), dbias: G(`${p}.mlp.fc.b`) },
          { N, C, OC: 4 * C },
        ).kernels,
      );
      bw.push(
        ...layernormBackward(
          ctx,
          k(`${p}.ln2.backward`),
          { inp: a.res2, weight: P(`${p}.ln2.w`), mean: a.ln2Mean, rstd: a.ln2Rstd, dout: dln, dinp: dres, dweight: G(`${p}.ln2.w`), dbias: G(`${p}.ln2.b`) },
          { N, C },
          { accumulateInput: true },
        ).kernels,
      );
      // res2 = res + attproj: d(attproj) = dres, and dres continues to res.
      bw.push(
        ...linearBackward(
          ctx,
          k(`${p}.attproj.backward`),
          { dout: dres, inp: a.atty, weight: P(`${p}.attn.proj.w`), dinp: datty, dweight: G(`${p}.attn.proj.w`), dbias: G(`${p}.attn.proj.b`) },
          { N, C, OC: C },
        ).kernels,
      );
      bw.push(...attentionBackward(ctx, k(`${p}.attention.backward`), { qkv: a.qkv, att: a.att, dout: datty, datt, dqkv }, { B, T, C, NH }).kernels);
      bw.push(
        ...linearBackward(
          ctx,
          k(`${p}.qkv.backward`),
          { dout: dqkv, inp: a.ln1, weight: P(`${p}.attn.qkv.w`), dinp: dln, dweight: G(`${p}.attn.qkv.w`), dbias: G(`${p}.attn.qkv.b`) },
          { N, C, OC: 3 * C },
        ).kernels,
      );
      bw.push(
        ...layernormBackward(
          ctx,
          k(`${p}.ln1.backward`),
          { inp: resIn, weight: P(`${p}.ln1.w`), mean: a.ln1Mean, rstd: a.ln1Rstd, dout: dln, dinp: dres, dweight: G(`${p}.ln1.w`), dbias: G(`${p}.ln1.b`) },
          { N, C },
          { accumulateInput: true },
        ).kernels,
      );
    }
    // Embedding tables: with a tied head, wte's gradient already holds the head's part, so the
    // embedding adds to it; wpe is cleared first because the embedding backward accumulates both.
    const tied = config.tiedHead;
    const wpeView = viewByName(this.layout, 'wpe');
    if (tied) bw.push(fill(ctx, k('wpe.clearGrad'), { dst: this.grads }, wpeView.size, 0, wpeView.offset));
    const emb = embeddingBackward(ctx, k('embedding.backward'), { tokens: data.inputs, dout: dres, dwte: G('wte'), dwpe: G('wpe') }, { B, T, C, V }, { accumulate: tied });
    emb.created.forEach((b) => this.own(b));
    bw.push(...emb.kernels);
  }

  setSampleCounter(counter: number): void {
    const { B, T, V } = this.batch as { B: number; T: number; V: number };
    this.ctx.updateParams(this.sampler, { N: B * T, V, seed: this.seed >>> 0, counter: counter >>> 0 });
  }

}
