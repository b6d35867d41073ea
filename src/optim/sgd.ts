// SGD with momentum / Nesterov (shaders/optim/sgd.wgsl), as torch.optim.SGD with dampening 0:
// weight decay is added to the gradient (coupled L2, as the IRE authors' CNN runs), global
// grad-norm clipping, optional fused IRE. Momentum 0 and wd 0 is plain gradient descent.
import type { GpuContext, Kernel } from '../gpu/context';
import type { UniformField } from '../gpu/uniforms';
import { FusedOptimizer, type OptimizerBuffers, type StepValues } from './optimizer';

export interface SgdHyper {
  momentum: number; // μ in [0, 1)
  nesterov: boolean; // Nesterov momentum
  weightDecay: number; // L2 coefficient added to the gradient on decayed entries
  clip: number; // global gradient-norm clip, 0 = off
}

export const SGD_PARAMS: readonly UniformField[] = [
  { name: 'n', type: 'u32' },
  { name: 'gradNormIndex', type: 'u32' },
  { name: 'nesterov', type: 'u32' },
  { name: 'lr', type: 'f32' },
  { name: 'momentum', type: 'f32' },
  { name: 'weightDecay', type: 'f32' },
  { name: 'clip', type: 'f32' },
  { name: 'kappa', type: 'f32' },
];

/** SGD's state buffer: the momentum (heavy-ball or Nesterov). */
export const SGD_STATE = ['momentum'] as const;

export class Sgd extends FusedOptimizer<SgdHyper> {
  readonly state: Readonly<Record<string, GPUBuffer>>;
  protected readonly update: Kernel;

  constructor(ctx: GpuContext, label: string, buffers: OptimizerBuffers, hyper: SgdHyper) {
    super(ctx, label, buffers, hyper, checkHyper);
    const { momentum } = this.flat.allocateState(SGD_STATE); // (P)
    this.state = { momentum };
    this.update = this.fusedKernel('optim/sgd', SGD_PARAMS, [momentum]);
  }

  protected values(v: StepValues) {
    const h = this.hyper;
    return {
      n: this.flat.b.count,
      gradNormIndex: this.gradNormSq.index,
      nesterov: h.nesterov ? 1 : 0,
      lr: v.lr,
      momentum: h.momentum,
      weightDecay: h.weightDecay,
      clip: h.clip,
      kappa: v.kappa ?? 0,
    };
  }
}

function checkHyper(label: string, h: SgdHyper): SgdHyper {
  if (!(h.momentum >= 0 && h.momentum < 1)) throw new Error(`${label}: momentum ${h.momentum} must be in [0, 1)`);
  if (h.nesterov && h.momentum === 0) throw new Error(`${label}: Nesterov needs a momentum > 0`);
  if (!(h.weightDecay >= 0)) throw new Error(`${label}: weight decay ${h.weightDecay} must be ≥ 0`);
  if (!(h.clip >= 0)) throw new Error(`${label}: gradient clip ${h.clip} must be ≥ 0 (0 = off)`);
  return { ...h };
}
