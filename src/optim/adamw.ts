// AdamW (shaders/optim/adamw.wgsl): decoupled weight decay, bias correction, eps outside the
// square root as PyTorch (m̂ / (sqrt(v̂) + eps)), global grad-norm clipping, optional fused IRE.
import type { GpuContext, Kernel } from '../gpu/context';
import type { UniformField } from '../gpu/uniforms';
import { FusedOptimizer, type OptimizerBuffers, type StepValues } from './optimizer';

export interface AdamWHyper {
  beta1: number; // first-moment decay
  beta2: number; // second-moment decay
  eps: number; // added to sqrt(v̂)
  weightDecay: number; // decoupled: θ ← θ·(1 − lr·wd) on decayed entries
  clip: number; // global gradient-norm clip, 0 = off
}

export const ADAMW_PARAMS: readonly UniformField[] = [
  { name: 'n', type: 'u32' },
  { name: 'gradNormIndex', type: 'u32' },
  { name: 'beta1', type: 'f32' },
  { name: 'beta2', type: 'f32' },
  { name: 'eps', type: 'f32' },
  { name: 'decayFactor', type: 'f32' },
  { name: 'stepSize', type: 'f32' },
  { name: 'bc2Sqrt', type: 'f32' },
  { name: 'clip', type: 'f32' },
  { name: 'kappa', type: 'f32' },
];

/** The uniforms of one AdamW step; bias corrections in double precision as PyTorch. */
export function adamwUniforms(h: AdamWHyper, v: StepValues): { decayFactor: number; stepSize: number; bc2Sqrt: number } {
  return {
    decayFactor: 1 - v.lr * h.weightDecay,
    stepSize: v.lr / (1 - Math.pow(h.beta1, v.t)),
    bc2Sqrt: Math.sqrt(1 - Math.pow(h.beta2, v.t)),
  };
}

/** AdamW's state buffers: first and second moments. */
export const ADAMW_STATE = ['m', 'v'] as const;

export class AdamW extends FusedOptimizer<AdamWHyper> {
  readonly state: Readonly<Record<string, GPUBuffer>>;
  protected readonly update: Kernel;

  constructor(ctx: GpuContext, label: string, buffers: OptimizerBuffers, hyper: AdamWHyper) {
    super(ctx, label, buffers, hyper, checkHyper);
    const { m, v } = this.flat.allocateState(ADAMW_STATE); // (P) each
    this.state = { m, v };
    this.update = this.fusedKernel('optim/adamw', ADAMW_PARAMS, [m, v]);
  }

  protected values(v: StepValues) {
    const h = this.hyper;
    return {
      n: this.flat.b.count,
      gradNormIndex: this.gradNormSq.index,
      beta1: h.beta1,
      beta2: h.beta2,
      eps: h.eps,
      clip: h.clip,
      kappa: v.kappa ?? 0,
      ...adamwUniforms(h, v),
    };
  }
}

function checkHyper(label: string, h: AdamWHyper): AdamWHyper {
  if (!(h.beta1 >= 0 && h.beta1 < 1)) throw new Error(`${label}: β1 = ${h.beta1} must be in [0, 1)`);
  if (!(h.beta2 >= 0 && h.beta2 < 1)) throw new Error(`${label}: β2 = ${h.beta2} must be in [0, 1)`);
  if (!(h.eps >= 0)) throw new Error(`${label}: eps = ${h.eps} must be ≥ 0`);
  if (!(h.weightDecay >= 0)) throw new Error(`${label}: weight decay ${h.weightDecay} must be ≥ 0`);
  if (!(h.clip >= 0)) throw new Error(`${label}: gradient clip ${h.clip} must be ≥ 0 (0 = off)`);
  return { ...h };
}
