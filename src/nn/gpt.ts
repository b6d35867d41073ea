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
// hessianVectorProduct adds the tangents of both lists (forward-over-reverse; docs/algorithm.md
// "Sharpness"), interleaved with the backward's pieces, whose scratch is shared by all blocks.
import type { Binding } from '../gpu/binding';
import { BufferTable, type AllocatedTable, type BufferDecl } from '../gpu/bufferTable';
import type { GpuContext, Kernel } from '../gpu/context';
import { add, fill } from '../gpu/elementwise';
import type { GptConfig } from './modelConfig';
import { attentionBackward, attentionBackwardTangent, attentionForward, attentionForwardTangent } from './attention';
import { crossEntropy, crossEntropyTangent } from './crossentropy';
import { embeddingBackward, embeddingForward } from './embedding';
import { geluBackward, geluBackwardTangent } from './gelu';
import { layernormBackward, layernormBackwardTangent, layernormForward, layernormForwardTangent } from './layernorm';
import { linearBackward, linearForward } from './linear';
import { matmul } from './matmul';
import type { BatchBuffers, BatchShape, Model } from './model';
import { FlatModel } from './flatModel';
import { bindView, ParamLayoutBuilder, viewByName, type ParamLayout } from './paramLayout';
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

/**
 * A block's activations, (name, shape) with N = B·T: what its backward reads. The forward
 * tangents of the Hessian-vector product have a buffer per entry too, except `attproj` and
 * `fcproj` (their tangents share one scratch) and the layernorm statistics (none), plus the
 * layernorms' normalised tangents.
 */
function blockActShapes(B: number, T: number, C: number, NH: number) {
  return {
    ln1: [B, T, C],
    ln1Mean: [B, T],
    ln1Rstd: [B, T],
    qkv: [B, T, 3 * C],
    att: [B, NH, T, T],
    atty: [B, T, C],
    attproj: [B, T, C],
    res2: [B, T, C],
    ln2: [B, T, C],
    ln2Mean: [B, T],
    ln2Rstd: [B, T],
    fch: [B, T, 4 * C], // fc's pre-activation
    fchGelu: [B, T, 4 * C],
    fcproj: [B, T, C],
    res3: [B, T, C],
  };
}
type BlockActs = Record<keyof ReturnType<typeof blockActShapes>, GPUBuffer>;
const BLOCK_ACTS = Object.keys(blockActShapes(1, 1, 1, 1)) as (keyof BlockActs)[];
const BLOCK_TANGENTS = ['ln1', 'ln1Norm', 'qkv', 'att', 'atty', 'res2', 'ln2', 'ln2Norm', 'fch', 'fchGelu', 'res3'] as const;
type BlockTangents = Record<(typeof BLOCK_TANGENTS)[number], GPUBuffer>;

const blockActs = (a: AllocatedTable, prefix: string): BlockActs => Object.fromEntries(BLOCK_ACTS.map((n) => [n, a.get(`${prefix}.${n}`)])) as BlockActs;
const blockTangents = (t: AllocatedTable, prefix: string): BlockTangents => Object.fromEntries(BLOCK_TANGENTS.map((n) => [n, t.get(`${prefix}.${n}.dot`)])) as BlockTangents;

/**
 * Every buffer a GPT's forward and backward use besides its parameters and gradients, (name,
 * shape), N = B·T rows: the one declaration the constructor allocates from and the memory plan
 * sums (src/gpu/bufferTable.ts).
 */
export function gptActivations(cfg: GptConfig, B: number): BufferDecl[] {
  checkGptConfig(cfg, B);
  const { layers: L, heads: NH, width: C, context: T, vocab: V } = cfg;
  const t = new BufferTable({ role: 'activation', perBatch: true });
  t.add('encoded', [B, T, C]); // wte[tok] + wpe[t]
  const block = blockActShapes(B, T, C, NH);
  for (let l = 0; l < L; l++) for (const n of BLOCK_ACTS) t.add(`h${l}.${n}`, block[n]);
  t.add('lnf', [B, T, C]).add('lnfMean', [B, T]).add('lnfRstd', [B, T]);
  t.add('logits', [B, T, V]);
  t.add('dlogits', [B, T, V]); // written by the loss kernels
  t.add('losses', [B, T]).add('correct', [B, T]);
  t.add('sampledTargets', [B, T], { dtype: 'u32' }); // labels drawn from the model
  // Backward scratch, shared by all blocks: dres is the residual stream's gradient.
  t.add('dres', [B, T, C]).add('dln', [B, T, C]).add('datty', [B, T, C]);
  t.add('dqkv', [B, T, 3 * C]).add('datt', [B, NH, T, T]).add('dfch', [B, T, 4 * C]);
  // The embedding backward's bucketing of positions by token (embedding.ts).
  t.add('embedding.backward.order', [B * T], { role: 'scratch', dtype: 'u32' });
  t.add('embedding.backward.bounds', [V, 2], { role: 'scratch', dtype: 'u32', perBatch: false });
  return t.decls;
}

/** The tangents of the Hessian-vector product (Gpt.hessianVectorProduct), allocated on its first call. */
export function gptTangents(cfg: GptConfig, B: number): BufferDecl[] {
  const { layers: L, heads: NH, width: C, context: T, vocab: V } = cfg;
  const t = new BufferTable({ role: 'scratch', perBatch: true });
  t.add('hvp.encoded.dot', [B, T, C]);
  t.add('hvp.proj.dot', [B, T, C]); // tangent of attproj, then of fcproj
  t.add('hvp.attention.scratch', [B, T, C]); // att·v̇
  const block = { ...blockActShapes(B, T, C, NH), ln1Norm: [B, T, C], ln2Norm: [B, T, C] };
  for (let l = 0; l < L; l++) for (const n of BLOCK_TANGENTS) t.add(`hvp.h${l}.${n}.dot`, block[n]);
  t.add('hvp.lnf.dot', [B, T, C]).add('hvp.lnf.normDot', [B, T, C]);
  t.add('hvp.logits.dot', [B, T, V]).add('hvp.dlogits.dot', [B, T, V]);
  // Tangents of the backward's gradients, shared by all blocks like the backward's scratch.
  t.add('hvp.dres.dot', [B, T, C]).add('hvp.dln.dot', [B, T, C]).add('hvp.datty.dot', [B, T, C]);
  t.add('hvp.dqkv.dot', [B, T, 3 * C]).add('hvp.datt.dot', [B, NH, T, T]).add('hvp.dfch.dot', [B, T, 4 * C]);
  t.add('hvp.dgelu', [B, T, 4 * C]); // dres·W, the gradient at the GELU's output
  t.add('hvp.dqkv.scratch', [B, T, 3 * C]);
  return t.decls;
}

/**
 * The backward list in its pieces, in order (Gpt.backward is their concatenation): the
 * Hessian-vector product runs each piece's tangent right after it, while the shared backward
 * scratch (dres, dln, datty, datt, dqkv, dfch) still holds that piece's gradients.
 */
interface BlockBackward {
  fcproj: Kernel[];
  fc: Kernel[];
  ln2: Kernel[];
  attproj: Kernel[];
  attention: Kernel[];
  qkv: Kernel[];
  ln1: Kernel[];
}

/** What the Hessian-vector product reads of the forward and backward. */
interface Saved {
  data: BatchBuffers;
  encoded: GPUBuffer; // (B,T,C)
  blocks: BlockActs[];
  lnf: GPUBuffer; // (B,T,C)
  lnfMean: GPUBuffer; // (B,T)
  lnfRstd: GPUBuffer; // (B,T)
  dlogits: GPUBuffer; // (B,T,V)
  dres: GPUBuffer; // (B,T,C)
  dln: GPUBuffer; // (B,T,C)
  datty: GPUBuffer; // (B,T,C)
  dqkv: GPUBuffer; // (B,T,3C)
  datt: GPUBuffer; // (B,NH,T,T)
  dfch: GPUBuffer; // (B,T,4C)
  embeddingScratch: { order: GPUBuffer; bounds: GPUBuffer };
  head: Kernel[];
  lnfBackward: Kernel[];
  blockBackward: BlockBackward[]; // per block, index l
  embedding: Kernel[];
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
  private readonly saved: Saved;

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
    const P = (name: string) => this.param(name);
    const G = (name: string) => this.grad(name);

    // Activations and backward scratch, allocated from the table (gptActivations).
    const a = this.allocate(gptActivations(config, B));
    const encoded = a.get('encoded');
    const blocks = Array.from({ length: L }, (_, l) => blockActs(a, `h${l}`));
    const lnf = a.get('lnf');
    const lnfMean = a.get('lnfMean');
    const lnfRstd = a.get('lnfRstd');
    const logits = a.get('logits');
    this.logits = logits;
    const dlogits = a.get('dlogits');
    this.losses = a.get('losses');
    this.correct = a.get('correct');
    const sampled = a.get('sampledTargets');
    const dres = a.get('dres');
    const dln = a.get('dln');
    const datty = a.get('datty');
    const dqkv = a.get('dqkv');
    const datt = a.get('datt');
    const dfch = a.get('dfch');
    const embeddingScratch = { order: a.get('embedding.backward.order'), bounds: a.get('embedding.backward.bounds') };

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
    const head = linearBackward(ctx, k('head.backward'), { dout: dlogits, inp: lnf, weight: P(headW), dinp: dln, dweight: G(headW) }, { N, C, OC: V }).kernels;
    const lnfBackward = layernormBackward(
      ctx,
      k('lnf.backward'),
      { inp: res, weight: P('lnf.w'), mean: lnfMean, rstd: lnfRstd, dout: dln, dinp: dres, dweight: G('lnf.w'), dbias: G('lnf.b') },
      { N, C },
    ).kernels;
    const blockBackward: BlockBackward[] = [];
    for (let l = L - 1; l >= 0; l--) {
      const a = blocks[l];
      const p = `h${l}`;
      const resIn = l === 0 ? encoded : blocks[l - 1].res3;
      blockBackward[l] = {
        // res3 = res2 + fcproj: d(fcproj) = dres, and dres continues to res2.
        fcproj: linearBackward(
          ctx,
          k(`${p}.fcproj.backward`),
          // dinp through the GELU too: dfch = (dres·W)·gelu'(fch).
          { dout: dres, inp: a.fchGelu, weight: P(`${p}.mlp.proj.w`), dinp: dfch, geluPre: a.fch, dweight: G(`${p}.mlp.proj.w`), dbias: G(`${p}.mlp.proj.b`) },
          { N, C: 4 * C, OC: C },
        ).kernels,
        fc: linearBackward(
          ctx,
          k(`${p}.fc.backward`),
          { dout: dfch, inp: a.ln2, weight: P(`${p}.mlp.fc.w`), dinp: dln, dweight: G(`${p}.mlp.fc.w`), dbias: G(`${p}.mlp.fc.b`) },
          { N, C, OC: 4 * C },
        ).kernels,
        ln2: layernormBackward(
          ctx,
          k(`${p}.ln2.backward`),
          { inp: a.res2, weight: P(`${p}.ln2.w`), mean: a.ln2Mean, rstd: a.ln2Rstd, dout: dln, dinp: dres, dweight: G(`${p}.ln2.w`), dbias: G(`${p}.ln2.b`) },
          { N, C },
          { accumulateInput: true },
        ).kernels,
        // res2 = res + attproj: d(attproj) = dres, and dres continues to res.
        attproj: linearBackward(
          ctx,
          k(`${p}.attproj.backward`),
          { dout: dres, inp: a.atty, weight: P(`${p}.attn.proj.w`), dinp: datty, dweight: G(`${p}.attn.proj.w`), dbias: G(`${p}.attn.proj.b`) },
          { N, C, OC: C },
        ).kernels,
        attention: attentionBackward(ctx, k(`${p}.attention.backward`), { qkv: a.qkv, att: a.att, dout: datty, datt, dqkv }, { B, T, C, NH }).kernels,
        qkv: linearBackward(
          ctx,
          k(`${p}.qkv.backward`),
          { dout: dqkv, inp: a.ln1, weight: P(`${p}.attn.qkv.w`), dinp: dln, dweight: G(`${p}.attn.qkv.w`), dbias: G(`${p}.attn.qkv.b`) },
          { N, C, OC: 3 * C },
        ).kernels,
        ln1: layernormBackward(
          ctx,
          k(`${p}.ln1.backward`),
          { inp: resIn, weight: P(`${p}.ln1.w`), mean: a.ln1Mean, rstd: a.ln1Rstd, dout: dln, dinp: dres, dweight: G(`${p}.ln1.w`), dbias: G(`${p}.ln1.b`) },
          { N, C },
          { accumulateInput: true },
        ).kernels,
      };
    }
    // Embedding tables: with a tied head, wte's gradient already holds the head's part, so the
    // embedding adds to it; wpe is cleared first because the embedding backward accumulates both.
    const tied = config.tiedHead;
    const wpeView = viewByName(this.layout, 'wpe');
    const embedding: Kernel[] = [];
    if (tied) embedding.push(fill(ctx, k('wpe.clearGrad'), { dst: this.grads }, wpeView.size, 0, wpeView.offset));
    const emb = embeddingBackward(ctx, k('embedding.backward'), { tokens: data.inputs, dout: dres, dwte: G('wte'), dwpe: G('wpe'), ...embeddingScratch }, { B, T, C, V }, { accumulate: tied });
    embedding.push(...emb.kernels);

    const bw = this.backward;
    bw.push(...head, ...lnfBackward);
    for (let l = L - 1; l >= 0; l--) {
      const s = blockBackward[l];
      bw.push(...s.fcproj, ...s.fc, ...s.ln2, ...s.attproj, ...s.attention, ...s.qkv, ...s.ln1);
    }
    bw.push(...embedding);
    this.saved = { data, encoded, blocks, lnf, lnfMean, lnfRstd, dlogits, dres, dln, datty, dqkv, datt, dfch, embeddingScratch, head, lnfBackward, blockBackward, embedding };
  }

  setSampleCounter(counter: number): void {
    const { B, T, V } = this.batch as { B: number; T: number; V: number };
    this.ctx.updateParams(this.sampler, { N: B * T, V, seed: this.seed >>> 0, counter: counter >>> 0 });
  }

  /**
   * H·v by forward-over-reverse (Model.hessianVectorProduct; docs/algorithm.md "Sharpness"):
   * the forward and the loss, then the tangent of every forward layer along v, then the
   * backward, each piece followed by its tangent, which reads the piece's gradients from the
   * shared backward scratch before the next piece overwrites them. With dots for derivatives
   * along v and δ for the backward's gradients:
   *   embedding     ẋ = V_wte[tok] + V_wpe[t] (linear in the tables; the tokens do not move)
   *   linear        ẏ = ẋ·Wᵀ + x·V_Wᵀ + V_b;  (Hv)_W = δ̇ᵀ·x + δᵀ·ẋ, (Hv)_b = Σ δ̇, δ̇_x = δ̇·W + δ·V_W
   *   layernorm     layernormForwardTangent / layernormBackwardTangent (shaders/nn/layernorm.wgsl)
   *   attention     attentionForwardTangent / attentionBackwardTangent (shaders/nn/attention.wgsl)
   *   GELU          ẏ = gelu'(x)·ẋ;  δ̇_x = δ̇_y·gelu'(x) + δ_y·gelu''(x)·ẋ
   *   residual adds the tangents add like the values, the gradient tangents pass through
   *   loss          δ̇_logits = (p ⊙ ż − p·(pᵀż))/N (crossEntropyTangent)
   * The tied head gets both its parts in (Hv)_wte: the head's product first, the embedding's added.
   */
  hessianVectorProduct(direction: GPUBuffer, product: GPUBuffer): Kernel[] {
    const ctx = this.ctx;
    const sv = this.saved;
    const { layers: L, heads: NH, width: C, context: T, vocab: V, tiedHead: tied } = this.config;
    const { B } = this.batch as { B: number };
    const N = B * T;
    const name = (what: string) => `${this.name}.hvp.${what}`;
    const t = this.allocate(gptTangents(this.config, B)); // allocated on the first call
    const tangent = (what: string) => t.get(`hvp.${what}`);
    const view = (buffer: GPUBuffer, n: string) => bindView(buffer, viewByName(this.layout, n));
    const P = (n: string) => this.param(n);
    const Vv = (n: string) => view(direction, n); // the direction's view of a parameter
    const Hv = (n: string) => view(product, n);
    const headW = tied ? 'wte' : 'head.w';

    /** ẏ = ẋ·Wᵀ + x·V_Wᵀ (+ V_b): a linear layer's forward tangent, two matmuls. */
    const linearTangent = (what: string, b: { inp: Binding; inpDot: Binding; weight: string; bias?: string; out: Binding }, shape: { C: number; OC: number }): Kernel[] => [
      linearForward(ctx, name(what), { inp: b.inpDot, weight: P(b.weight), bias: b.bias ? Vv(b.bias) : undefined, out: b.out }, { N, ...shape }),
      matmul(ctx, name(`${what}.dotWeight`), { a: b.inp, b: Vv(b.weight), c: b.out }, { M: N, N: shape.OC, K: shape.C, transB: true, beta: 1 }),
    ];
    /**
     * A linear layer's backward tangent: (Hv)_W = δ̇ᵀ·x + δᵀ·ẋ, (Hv)_b = Σ δ̇, δ̇_x = δ̇·W + δ·V_W
     * (both input terms times gelu'(geluPre) when the input was gelu(geluPre)).
     */
    const linearBackwardTangent = (
      what: string,
      b: { dout: Binding; doutDot: Binding; inp: Binding; inpDot: Binding; weight: string; bias?: string; dinpDot: Binding; geluPre?: Binding },
      shape: { C: number; OC: number },
    ): Kernel[] => [
      ...linearBackward(
        ctx,
        name(`${what}.backward`),
        { dout: b.doutDot, inp: b.inp, weight: P(b.weight), dinp: b.dinpDot, geluPre: b.geluPre, dweight: Hv(b.weight), dbias: b.bias ? Hv(b.bias) : undefined },
        { N, ...shape },
      ).kernels,
      matmul(ctx, name(`${what}.dweight2`), { a: b.dout, b: b.inpDot, c: Hv(b.weight) }, { M: shape.OC, N: shape.C, K: N, transA: true, beta: 1 }),
      matmul(ctx, name(`${what}.dinp2`), { a: b.dout, b: Vv(b.weight), c: b.dinpDot, geluPre: b.geluPre }, { M: N, N: shape.C, K: shape.OC, beta: 1 }),
    ];

    const kernels: Kernel[] = [...this.forward, ...this.lossOnTargets];

    // ---- forward tangents: per block the tangent of every activation the backward tangent reads.
    const encodedDot = tangent('encoded.dot');
    const projDot = tangent('proj.dot'); // tangent of attproj, then of fcproj
    const attScratch = tangent('attention.scratch'); // att·v̇
    const dots = sv.blocks.map((_, l) => blockTangents(t, `hvp.h${l}`));
    const lnfDot = tangent('lnf.dot');
    const lnfNormDot = tangent('lnf.normDot');
    const logitsDot = tangent('logits.dot');
    const dlogitsDot = tangent('dlogits.dot');

    kernels.push(embeddingForward(ctx, name('embedding'), { tokens: sv.data.inputs, wte: Vv('wte'), wpe: Vv('wpe'), out: encodedDot }, { B, T, C, V }));
    let res: GPUBuffer = sv.encoded;
    let resDot: GPUBuffer = encodedDot;
    sv.blocks.forEach((a, l) => {
      const p = `h${l}`;
      const d = dots[l];
      kernels.push(
        layernormForwardTangent(
          ctx,
          name(`${p}.ln1`),
          { inp: res, inpDot: resDot, weight: P(`${p}.ln1.w`), weightDot: Vv(`${p}.ln1.w`), biasDot: Vv(`${p}.ln1.b`), out: d.ln1, normDot: d.ln1Norm },
          { N, C },
        ),
      );
      kernels.push(...linearTangent(`${p}.qkv`, { inp: a.ln1, inpDot: d.ln1, weight: `${p}.attn.qkv.w`, bias: `${p}.attn.qkv.b`, out: d.qkv }, { C, OC: 3 * C }));
      kernels.push(...attentionForwardTangent(ctx, name(`${p}.attention`), { qkv: a.qkv, qkvDot: d.qkv, att: a.att, attDot: d.att, out: d.atty, scratch: attScratch }, { B, T, C, NH }).kernels);
      kernels.push(...linearTangent(`${p}.attproj`, { inp: a.atty, inpDot: d.atty, weight: `${p}.attn.proj.w`, bias: `${p}.attn.proj.b`, out: projDot }, { C, OC: C }));
      kernels.push(add(ctx, name(`${p}.residual1`), { a: resDot, b: projDot, out: d.res2 }, N * C));
      kernels.push(
        layernormForwardTangent(
          ctx,
          name(`${p}.ln2`),
          { inp: a.res2, inpDot: d.res2, weight: P(`${p}.ln2.w`), weightDot: Vv(`${p}.ln2.w`), biasDot: Vv(`${p}.ln2.b`), out: d.ln2, normDot: d.ln2Norm },
          { N, C },
        ),
      );
      kernels.push(...linearTangent(`${p}.fc`, { inp: a.ln2, inpDot: d.ln2, weight: `${p}.mlp.fc.w`, bias: `${p}.mlp.fc.b`, out: d.fch }, { C, OC: 4 * C }));
      // The GELU's forward tangent is its backward's product: gelu'(fch)·ḟch.
      kernels.push(geluBackward(ctx, name(`${p}.gelu`), { inp: a.fch, dout: d.fch, dinp: d.fchGelu }, { N: N * 4 * C }));
      kernels.push(...linearTangent(`${p}.fcproj`, { inp: a.fchGelu, inpDot: d.fchGelu, weight: `${p}.mlp.proj.w`, bias: `${p}.mlp.proj.b`, out: projDot }, { C: 4 * C, OC: C }));
      kernels.push(add(ctx, name(`${p}.residual2`), { a: d.res2, b: projDot, out: d.res3 }, N * C));
      res = a.res3;
      resDot = d.res3;
    });
    kernels.push(
      layernormForwardTangent(ctx, name('lnf'), { inp: res, inpDot: resDot, weight: P('lnf.w'), weightDot: Vv('lnf.w'), biasDot: Vv('lnf.b'), out: lnfDot, normDot: lnfNormDot }, { N, C }),
    );
    kernels.push(...linearTangent('head', { inp: sv.lnf, inpDot: lnfDot, weight: headW, out: logitsDot }, { C, OC: V }));
    kernels.push(crossEntropyTangent(ctx, name('loss'), { logits: this.logits, targets: sv.data.targets, zdot: logitsDot, out: dlogitsDot }, { N, V, scale: 1 / N }));

    // ---- the backward, each piece followed by its tangent. Tangents of the backward's gradients
    // (shared by all blocks, like the backward's scratch):
    const dresDot = tangent('dres.dot');
    const dlnDot = tangent('dln.dot');
    const dattyDot = tangent('datty.dot');
    const dqkvDot = tangent('dqkv.dot');
    const dattDot = tangent('datt.dot');
    const dfchDot = tangent('dfch.dot');
    const dgelu = tangent('dgelu'); // dres·W, the gradient at the GELU's output
    const qkvScratch = tangent('dqkv.scratch');

    kernels.push(...sv.head);
    kernels.push(...linearBackwardTangent('head', { dout: sv.dlogits, doutDot: dlogitsDot, inp: sv.lnf, inpDot: lnfDot, weight: headW, dinpDot: dlnDot }, { C, OC: V }));
    kernels.push(...sv.lnfBackward);
    kernels.push(
      ...layernormBackwardTangent(
        ctx,
        name('lnf.backward'),
        {
          inp: res,
          inpDot: resDot,
          weight: P('lnf.w'),
          weightDot: Vv('lnf.w'),
          mean: sv.lnfMean,
          rstd: sv.lnfRstd,
          normDot: lnfNormDot,
          dout: sv.dln,
          doutDot: dlnDot,
          dinpDot: dresDot,
          dweightDot: Hv('lnf.w'),
          dbiasDot: Hv('lnf.b'),
        },
        { N, C },
      ).kernels,
    );
    for (let l = L - 1; l >= 0; l--) {
      const a = sv.blocks[l];
      const d = dots[l];
      const bb = sv.blockBackward[l];
      const p = `h${l}`;
      const resIn = l === 0 ? sv.encoded : sv.blocks[l - 1].res3;
      const resInDot = l === 0 ? encodedDot : dots[l - 1].res3;
      // fcproj, through the GELU: δ̇_fch = (δ̇_res·W + δ_res·V_W)·gelu'(fch) + (δ_res·W)·gelu''(fch)·ḟch.
      kernels.push(...bb.fcproj);
      kernels.push(
        ...linearBackwardTangent(
          `${p}.fcproj`,
          { dout: sv.dres, doutDot: dresDot, inp: a.fchGelu, inpDot: d.fchGelu, weight: `${p}.mlp.proj.w`, bias: `${p}.mlp.proj.b`, dinpDot: dfchDot, geluPre: a.fch },
          { C: 4 * C, OC: C },
        ),
      );
      kernels.push(matmul(ctx, name(`${p}.fcproj.dgelu`), { a: sv.dres, b: P(`${p}.mlp.proj.w`), c: dgelu }, { M: N, N: 4 * C, K: C }));
      kernels.push(geluBackwardTangent(ctx, name(`${p}.gelu.backward`), { inp: a.fch, inpDot: d.fch, dout: dgelu, dinp: dfchDot }, { N: N * 4 * C, accumulate: true }));
      kernels.push(...bb.fc);
      kernels.push(
        ...linearBackwardTangent(`${p}.fc`, { dout: sv.dfch, doutDot: dfchDot, inp: a.ln2, inpDot: d.ln2, weight: `${p}.mlp.fc.w`, bias: `${p}.mlp.fc.b`, dinpDot: dlnDot }, { C, OC: 4 * C }),
      );
      kernels.push(...bb.ln2);
      kernels.push(
        ...layernormBackwardTangent(
          ctx,
          name(`${p}.ln2.backward`),
          {
            inp: a.res2,
            inpDot: d.res2,
            weight: P(`${p}.ln2.w`),
            weightDot: Vv(`${p}.ln2.w`),
            mean: a.ln2Mean,
            rstd: a.ln2Rstd,
            normDot: d.ln2Norm,
            dout: sv.dln,
            doutDot: dlnDot,
            dinpDot: dresDot,
            dweightDot: Hv(`${p}.ln2.w`),
            dbiasDot: Hv(`${p}.ln2.b`),
          },
          { N, C },
          { accumulateInput: true },
        ).kernels,
      );
      kernels.push(...bb.attproj);
      kernels.push(
        ...linearBackwardTangent(
          `${p}.attproj`,
          { dout: sv.dres, doutDot: dresDot, inp: a.atty, inpDot: d.atty, weight: `${p}.attn.proj.w`, bias: `${p}.attn.proj.b`, dinpDot: dattyDot },
          { C, OC: C },
        ),
      );
      kernels.push(...bb.attention);
      kernels.push(
        ...attentionBackwardTangent(
          ctx,
          name(`${p}.attention.backward`),
          { qkv: a.qkv, qkvDot: d.qkv, att: a.att, attDot: d.att, dout: sv.datty, doutDot: dattyDot, datt: sv.datt, dattDot, dqkvDot, scratch: qkvScratch },
          { B, T, C, NH },
        ).kernels,
      );
      kernels.push(...bb.qkv);
      kernels.push(
        ...linearBackwardTangent(`${p}.qkv`, { dout: sv.dqkv, doutDot: dqkvDot, inp: a.ln1, inpDot: d.ln1, weight: `${p}.attn.qkv.w`, bias: `${p}.attn.qkv.b`, dinpDot: dlnDot }, { C, OC: 3 * C }),
      );
      kernels.push(...bb.ln1);
      kernels.push(
        ...layernormBackwardTangent(
          ctx,
          name(`${p}.ln1.backward`),
          {
            inp: resIn,
            inpDot: resInDot,
            weight: P(`${p}.ln1.w`),
            weightDot: Vv(`${p}.ln1.w`),
            mean: a.ln1Mean,
            rstd: a.ln1Rstd,
            normDot: d.ln1Norm,
            dout: sv.dln,
            doutDot: dlnDot,
            dinpDot: dresDot,
            dweightDot: Hv(`${p}.ln1.w`),
            dbiasDot: Hv(`${p}.ln1.b`),
          },
          { N, C },
          { accumulateInput: true },
        ).kernels,
      );
    }
    // The embedding's backward does not depend on the parameters: its tangent is itself applied to δ̇.
    kernels.push(...sv.embedding);
    const wpeView = viewByName(this.layout, 'wpe');
    if (tied) kernels.push(fill(ctx, name('wpe.clear'), { dst: product }, wpeView.size, 0, wpeView.offset));
    // Its bucketing scratch is the backward's: both sort the same tokens, one after the other.
    const emb = embeddingBackward(ctx, name('embedding.backward'), { tokens: sv.data.inputs, dout: dresDot, dwte: Hv('wte'), dwpe: Hv('wpe'), ...sv.embeddingScratch }, { B, T, C, V }, { accumulate: tied });
    kernels.push(...emb.kernels);
    return kernels;
  }

}
