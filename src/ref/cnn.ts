// CPU reference of the CNN classifier (src/nn/cnn.ts) in double precision: two stages of
// conv(3×3, pad 1) → ReLU → pool(2×2, stride 2), a linear head, the mean cross-entropy, and its
// gradient in the model's flat parameter layout, from the layer references. Also the margins
// that say how far θ may move before a ReLU or a max-pool window changes its choice (kinks).
import type { ParamLayout } from '../nn/paramLayout';
import { conv2dBackwardRef, conv2dForwardRef } from './conv2d';
import { crossEntropyRef } from './crossentropy';
import { linearBackwardRef, linearForwardRef } from './linear';
import { avgPoolBackwardRef, avgPoolForwardRef, maxPoolBackwardRef, maxPoolForwardRef } from './pool';
import { reluBackwardRef, reluForwardRef } from './relu';

export interface CnnRefConfig {
  channels: number;
  height: number;
  width: number;
  filters: readonly number[];
  pool: 'max' | 'avg';
  classes: number;
}

export interface CnnRefResult {
  loss: number; // mean over the batch
  grad: Float64Array; // (P) flat, 0 on padding
  /** Smallest |pre-activation| over every ReLU input. */
  reluMargin: number;
  /** Smallest gap between a max-pool window's maximum and its runner-up (Infinity for average pooling). */
  poolMargin: number;
  /** Which ReLU inputs are positive and where each max-pool window's maximum sits: equal patterns at θ ± εv mean no kink between. */
  pattern: number[];
}

export function cnnLossAndGradRef(layout: ParamLayout, cfg: CnnRefConfig, theta: ArrayLike<number>, images: ArrayLike<number>, targets: ArrayLike<number>, B: number): CnnRefResult {
  const slice = (name: string) => {
    const v = layout.views.find((x) => x.name === name);
    if (!v) throw new Error(`cnnLossAndGradRef: no view ${name}`);
    return { offset: v.offset, values: Array.from({ length: v.size }, (_, k) => theta[v.offset + k]) };
  };
  let [C, H, W] = [cfg.channels, cfg.height, cfg.width];
  let x: ArrayLike<number> = images;
  let reluMargin = Infinity;
  let poolMargin = Infinity;
  const pattern: number[] = [];
  const kept: { inp: ArrayLike<number>; act: Float64Array; argmax?: Uint32Array; conv: { N: number; IC: number; H: number; W: number; OC: number; K: number; stride: number; pad: number }; pool: { N: number; C: number; H: number; W: number; K: number; stride: number } }[] = [];
  cfg.filters.forEach((OC, i) => {
    const conv = { N: B, IC: C, H, W, OC, K: 3, stride: 1, pad: 1 };
    const z = conv2dForwardRef(x, slice(`conv${i}.w`).values, slice(`conv${i}.b`).values, conv);
    for (const v of z) {
      reluMargin = Math.min(reluMargin, Math.abs(v));
      pattern.push(v > 0 ? 1 : 0);
    }
    const act = reluForwardRef(z);
    const pool = { N: B, C: OC, H, W, K: 2, stride: 2 };
    const OH = Math.floor((H - 2) / 2) + 1;
    const OW = Math.floor((W - 2) / 2) + 1;
    let pooled: Float64Array;
    let argmax: Uint32Array | undefined;
    if (cfg.pool === 'max') {
      const m = maxPoolForwardRef(act, pool);
      pooled = m.out;
      argmax = m.argmax;
      pattern.push(...m.argmax);
      // Runner-up gaps; windows whose maximum is an exact tie at 0 (ReLU-dead units) stay at 0
      // under any small move only while those units stay dead, which reluMargin covers.
      for (let c = 0; c < B * OC; c++) {
        for (let oh = 0; oh < OH; oh++) {
          for (let ow = 0; ow < OW; ow++) {
            const vals: number[] = [];
            for (let kh = 0; kh < 2; kh++) for (let kw = 0; kw < 2; kw++) vals.push(act[(c * H + oh * 2 + kh) * W + ow * 2 + kw]);
            vals.sort((a, b) => b - a);
            if (vals[0] > 0) poolMargin = Math.min(poolMargin, vals[0] - vals[1]);
          }
        }
      }
    } else pooled = avgPoolForwardRef(act, pool);
    kept.push({ inp: x, act, argmax, conv, pool });
    x = pooled;
    [C, H, W] = [OC, OH, OW];
  });
  const F = C * H * W;
  const head = slice('head.w');
  const logits = linearForwardRef(x, head.values, slice('head.b').values, B, F, cfg.classes);
  const ce = crossEntropyRef(logits, targets, B, cfg.classes, 1 / B);
  const grad = new Float64Array(layout.total);
  const hb = linearBackwardRef(ce.dlogits, x, head.values, B, F, cfg.classes);
  grad.set(hb.dweight, head.offset);
  grad.set(hb.dbias, slice('head.b').offset);
  let dpooled: Float64Array = hb.dinp;
  for (let i = kept.length - 1; i >= 0; i--) {
    const k = kept[i];
    const dact = k.argmax ? maxPoolBackwardRef(dpooled, k.argmax, k.pool) : avgPoolBackwardRef(dpooled, k.pool);
    const dz = reluBackwardRef(k.act, dact);
    const w = slice(`conv${i}.w`);
    const g = conv2dBackwardRef(k.inp, w.values, dz, k.conv);
    grad.set(g.dweight, w.offset);
    grad.set(g.dbias, slice(`conv${i}.b`).offset);
    dpooled = g.dinp;
  }
  return { loss: ce.losses.reduce((a, b) => a + b, 0) / B, grad, reluMargin, poolMargin, pattern };
}
