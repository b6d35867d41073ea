// SGD with momentum / Nesterov (shaders/optim/sgd.wgsl), as torch.optim.SGD with dampening 0:
// weight decay is added to the gradient (coupled L2, as the IRE authors' CNN runs), global
// grad-norm clipping, optional fused IRE. Momentum 0 and wd 0 is plain gradient descent.
import type { GpuContext, Kernel } from '../gpu/context';
import { encodeDispatches, grid1d, type Dispatch } from '../gpu/dispatch';
import type { UniformField } from '../gpu/uniforms';
import { checkStep, FlatBuffers, OPTIM_WG, type Optimizer, type OptimizerBuffers, type StatSlot, type StepValues } from './optimizer';

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

export class Sgd implements Optimizer {
  readonly state: Readonly<Record<string, GPUBuffer>>;
  readonly gradNormSq: StatSlot;
  private readonly flat: FlatBuffers;
  private readonly update: Kernel;
  private hyper: SgdHyper;

  constructor(
    private readonly ctx: GpuContext,
    readonly label: string,
    buffers: OptimizerBuffers,
    hyper: SgdHyper,
  ) {
    this.hyper = checkHyper(label, hyper);
    this.flat = new FlatBuffers(ctx, label, buffers);
    this.gradNormSq = this.flat.gradNormSq;
    const momentum = this.flat.stateBuffer('momentum'); // (P)
    this.state = { momentum };
    const storage = [buffers.params, buffers.grads, momentum, this.gradNormSq.buffer, this.flat.decay];
    if (buffers.ireMask) storage.push(buffers.ireMask);
    this.update = ctx.kernel({
      label: `${label}.step`,
      shader: 'optim/sgd',
      defines: { IRE: !!buffers.ireMask },
      overrides: { WG: OPTIM_WG },
      params: { layout: ctx.layout(SGD_PARAMS), values: this.values({ t: 1, lr: 0 }) },
      buffers: storage,
      workgroups: grid1d(buffers.count, OPTIM_WG),
    });
  }

  configure(change: Partial<SgdHyper>): void {
    this.hyper = checkHyper(this.label, { ...this.hyper, ...change });
  }

  setStep(v: StepValues): void {
    checkStep(this.label, v, this.flat.b.ireMask !== undefined);
    this.ctx.updateParams(this.update, this.values(v));
  }

  encodeStep(encoder: GPUCommandEncoder, computeGrad: (encoder: GPUCommandEncoder) => void): void {
    computeGrad(encoder);
    this.encodeUpdate(encoder);
  }

  encodeUpdate(encoder: GPUCommandEncoder): void {
    encodeDispatches(encoder, this.updateDispatches(), `${this.label}.update`);
  }

  updateDispatches(): readonly Dispatch[] {
    return this.flat.updateDispatches(this.hyper.clip, this.update);
  }

  destroy(): void {
    this.flat.destroy();
    this.update.params?.destroy();
  }

  private values(v: StepValues) {
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
