// CPU reference of the GPT (src/nn/gpt.ts) in double precision: the mean cross-entropy over a
// batch of token sequences and its gradient in the model's flat parameter layout, from the layer
// references. Used to check whole-model Hessian-vector products against a central difference of
// gradients (the GPT is smooth: GELU, layernorm and softmax have no kinks).
import type { ParamLayout } from '../nn/paramLayout';
import { attentionBackwardRef, attentionForwardRef } from './attention';
import { crossEntropyRef } from './crossentropy';
import { embeddingBackwardRef, embeddingForwardRef } from './embedding';
import { geluBackwardRef, geluForwardRef } from './gelu';
import { layernormBackwardRef, layernormForwardRef } from './layernorm';
import { linearBackwardRef, linearForwardRef } from './linear';

type Arr = ArrayLike<number>;

export interface GptRefConfig {
  layers: number;
  heads: number;
  width: number;
  context: number;
  vocab: number;
  tiedHead: boolean;
}

export interface GptRefResult {
  loss: number; // mean over the B·T positions
  grad: Float64Array; // (P) flat, 0 on padding
}

/** Loss and gradient of the GPT at flat params `theta` on tokens (B,T) and targets (B,T). */
export function gptLossAndGradRef(layout: ParamLayout, cfg: GptRefConfig, theta: Arr, tokens: Arr, targets: Arr, B: number): GptRefResult {
  const { layers: L, heads: NH, width: C, context: T, vocab: V } = cfg;
  const N = B * T;
  const view = (name: string) => {
    const v = layout.views.find((x) => x.name === name);
    if (!v) throw new Error(`gptLossAndGradRef: no view ${name}`);
    return v;
  };
  const w = (name: string) => {
    const v = view(name);
    return Float64Array.from({ length: v.size }, (_, k) => theta[v.offset + k]);
  };
  const addTo = (a: Float64Array, b: Arr) => a.forEach((x, i) => (a[i] = x + b[i]));
  const sum = (a: Arr, b: Arr) => Float64Array.from(a, (x, i) => x + b[i]);
  const shape = { B, T, C, NH };
  const headW = cfg.tiedHead ? 'wte' : 'head.w';

  // ---- forward, keeping what the backward reads
  const encoded = embeddingForwardRef(tokens, w('wte'), w('wpe'), B, T, C, V);
  const acts: { inp: Float64Array; ln1: Float64Array; qkv: Float64Array; atty: Float64Array; res2: Float64Array; ln2: Float64Array; fch: Float64Array; fchGelu: Float64Array }[] = [];
  let res = encoded;
  for (let l = 0; l < L; l++) {
    const p = `h${l}`;
    const ln1 = layernormForwardRef(res, w(`${p}.ln1.w`), w(`${p}.ln1.b`), N, C).out;
    const qkv = linearForwardRef(ln1, w(`${p}.attn.qkv.w`), w(`${p}.attn.qkv.b`), N, C, 3 * C);
    const atty = attentionForwardRef(qkv, shape).out;
    const res2 = sum(res, linearForwardRef(atty, w(`${p}.attn.proj.w`), w(`${p}.attn.proj.b`), N, C, C));
    const ln2 = layernormForwardRef(res2, w(`${p}.ln2.w`), w(`${p}.ln2.b`), N, C).out;
    const fch = linearForwardRef(ln2, w(`${p}.mlp.fc.w`), w(`${p}.mlp.fc.b`), N, C, 4 * C);
    const fchGelu = geluForwardRef(fch);
    const res3 = sum(res2, linearForwardRef(fchGelu, w(`${p}.mlp.proj.w`), w(`${p}.mlp.proj.b`), N, 4 * C, C));
    acts.push({ inp: res, ln1, qkv, atty, res2, ln2, fch, fchGelu });
    res = res3;
  }
  const lnf = layernormForwardRef(res, w('lnf.w'), w('lnf.b'), N, C).out;
  const logits = linearForwardRef(lnf, w(headW), undefined, N, C, V);
  const ce = crossEntropyRef(logits, targets, N, V, 1 / N);

  // ---- backward
  const grad = new Float64Array(layout.total);
  const put = (name: string, g: Arr) => grad.set(g, view(name).offset);
  const head = linearBackwardRef(ce.dlogits, lnf, w(headW), N, C, V);
  const lnfB = layernormBackwardRef(res, w('lnf.w'), head.dinp, N, C);
  put('lnf.w', lnfB.dweight);
  put('lnf.b', lnfB.dbias);
  const dres = lnfB.dinp;
  for (let l = L - 1; l >= 0; l--) {
    const p = `h${l}`;
    const a = acts[l];
    const fcproj = linearBackwardRef(dres, a.fchGelu, w(`${p}.mlp.proj.w`), N, 4 * C, C);
    put(`${p}.mlp.proj.w`, fcproj.dweight);
    put(`${p}.mlp.proj.b`, fcproj.dbias);
    const fc = linearBackwardRef(geluBackwardRef(a.fch, fcproj.dinp), a.ln2, w(`${p}.mlp.fc.w`), N, C, 4 * C);
    put(`${p}.mlp.fc.w`, fc.dweight);
    put(`${p}.mlp.fc.b`, fc.dbias);
    const ln2 = layernormBackwardRef(a.res2, w(`${p}.ln2.w`), fc.dinp, N, C);
    put(`${p}.ln2.w`, ln2.dweight);
    put(`${p}.ln2.b`, ln2.dbias);
    addTo(dres, ln2.dinp);
    const attproj = linearBackwardRef(dres, a.atty, w(`${p}.attn.proj.w`), N, C, C);
    put(`${p}.attn.proj.w`, attproj.dweight);
    put(`${p}.attn.proj.b`, attproj.dbias);
    const qkv = linearBackwardRef(attentionBackwardRef(a.qkv, attproj.dinp, shape), a.ln1, w(`${p}.attn.qkv.w`), N, C, 3 * C);
    put(`${p}.attn.qkv.w`, qkv.dweight);
    put(`${p}.attn.qkv.b`, qkv.dbias);
    const ln1 = layernormBackwardRef(a.inp, w(`${p}.ln1.w`), qkv.dinp, N, C);
    put(`${p}.ln1.w`, ln1.dweight);
    put(`${p}.ln1.b`, ln1.dbias);
    addTo(dres, ln1.dinp);
  }
  const emb = embeddingBackwardRef(tokens, dres, B, T, C, V);
  if (cfg.tiedHead) addTo(emb.dwte, head.dweight);
  else put('head.w', head.dweight);
  put('wte', emb.dwte);
  put('wpe', emb.dwpe);
  return { loss: ce.losses.reduce((s, x) => s + x, 0) / N, grad };
}
