// CNN classifier: [conv(3×3, pad 1) → ReLU → pool(2×2)] × 2 → flatten → linear head → CE.
// NCHW throughout; flatten is a view of the pooled (B, C2, H/4, W/4) buffer as (B, C2·H/4·W/4).
// He initialisation for convolutions, 1/√fan-in for the head, zero biases.
import type { GpuContext } from '../gpu/context';
import type { CnnConfig } from '../train/config';
import { ImageClassifier } from './classifier';
import { conv2dBackwardInput, conv2dBackwardWeight, conv2dDims, conv2dForward, type Conv2dShape } from './conv2d';
import { linearBackward, linearForward } from './linear';
import type { BatchBuffers } from './model';
import { ParamLayoutBuilder, type ParamLayout } from './paramLayout';
import { avgPoolBackward, avgPoolForward, maxPoolBackward, maxPoolForward, poolDims, type PoolShape } from './pool';
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

export class Cnn extends ImageClassifier {
  constructor(
    ctx: GpuContext,
    name: string,
    readonly config: CnnConfig,
    B: number,
    data: BatchBuffers,
    seed: number,
  ) {
    const images = { B, C: config.channels, H: config.height, W: config.width, classes: config.classes };
    super(ctx, name, cnnLayout(config), images, data.targets, seed);
    for (const f of config.filters) if (!Number.isInteger(f) || f < 1) throw new Error(`CNN config: filters ${f} must be a positive integer`);
    const buf = (n: string, floats: number) => this.buffer(n, floats);
    const P = (n: string) => this.param(n);
    const G = (n: string) => this.grad(n);

    const st = stages(config, B);
    let x = data.inputs; // (B,C,H,W)
    const saved: { inp: GPUBuffer; conv: GPUBuffer; pooled: GPUBuffer; argmax?: GPUBuffer; dconv: GPUBuffer; dpooled: GPUBuffer }[] = [];
    st.forEach((s, i) => {
      const convFloats = B * s.conv.OC * s.conv.H * s.conv.W;
      const pooledFloats = B * s.conv.OC * s.OH * s.OW;
      const conv = buf(`conv${i}.out`, convFloats); // (B,OC,H,W), ReLU applied in place
      const pooled = buf(`pool${i}.out`, pooledFloats); // (B,OC,H/2,W/2)
      const argmax = config.pool === 'max' ? buf(`pool${i}.argmax`, pooledFloats) : undefined; // u32
      this.forward.push(conv2dForward(ctx, `${name}.conv${i}`, { inp: x, weight: P(`conv${i}.w`), bias: P(`conv${i}.b`), out: conv }, s.conv));
      this.forward.push(reluForward(ctx, `${name}.relu${i}`, { inp: conv, out: conv }, convFloats));
      if (argmax) this.forward.push(maxPoolForward(ctx, `${name}.pool${i}`, { inp: conv, out: pooled, argmax }, s.pool));
      else this.forward.push(avgPoolForward(ctx, `${name}.pool${i}`, { inp: conv, out: pooled }, s.pool));
      saved.push({
        inp: x,
        conv,
        pooled,
        argmax,
        dconv: buf(`conv${i}.dout`, convFloats),
        dpooled: buf(`pool${i}.dout`, pooledFloats),
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
      const wg = conv2dBackwardWeight(ctx, `${name}.conv${i}.dweight`, { inp: a.inp, dout: a.dconv, dweight: G(`conv${i}.w`), dbias: G(`conv${i}.b`) }, s.conv);
      this.own(wg.scratch);
      this.backward.push(...wg.kernels);
      if (i > 0) this.backward.push(conv2dBackwardInput(ctx, `${name}.conv${i}.dinp`, { dout: a.dconv, weight: P(`conv${i}.w`), dinp: saved[i - 1].dpooled }, s.conv));
    }
  }
}
