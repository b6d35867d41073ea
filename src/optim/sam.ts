// SAM (sharpness-aware minimisation) around any base optimizer (SGD with momentum in the
// authors' CNN runs): gradient at θ, ascent θ ← θ + ρ·g/‖g‖ (shaders/optim/sam.wgsl, saving θ),
// gradient there, restore θ by a buffer copy, then the base step with that second gradient.
// IRE wraps SAM through the base's fused update (mask estimated at the unperturbed θ).
import { AllocatedTable, BufferTable, type BufferDecl } from '../gpu/bufferTable';
import type { GpuContext, Kernel } from '../gpu/context';
import { encodeDispatches, grid1d, type Dispatch } from '../gpu/dispatch';
import type { UniformField } from '../gpu/uniforms';
import { OPTIM_WG, type Optimizer, type OptimizerBuffers, type StatSlot, type StepValues } from './optimizer';
import { reduce, reductionBuffers, type Reduction } from './reduce';

export interface SamHyper {
  rho: number; // radius ρ of the ascent step (authors: 0.05)
}

export const SAM_PARAMS: readonly UniformField[] = [
  { name: 'n', type: 'u32' },
  { name: 'gradNormIndex', type: 'u32' },
  { name: 'rho', type: 'f32' },
];

/** SAM's own buffers over P parameters: θ before the ascent and its statistics (‖g‖² of the first gradient). */
export function samStateBuffers(P: number): BufferDecl[] {
  return new BufferTable({ role: 'optimizer', perBatch: false }).add('saved', [P]).add('stats', [4], { role: 'metrics' }).decls;
}

/** Everything a Sam allocates (its base optimizer apart): its state and the ascent-norm reduction's partials. */
export function samBuffers(P: number): BufferDecl[] {
  return new BufferTable({ role: 'optimizer', perBatch: false }).include('', samStateBuffers(P)).include('ascentNorm', reductionBuffers(P)).decls;
}

export class Sam implements Optimizer {
  readonly state: Readonly<Record<string, GPUBuffer>>;
  readonly gradNormSq: StatSlot;
  /** ‖g‖² of the first gradient (at the unperturbed θ). */
  readonly ascentNormSq: StatSlot;
  private readonly saved: GPUBuffer; // (P) θ before the ascent
  private readonly firstNorm: Reduction;
  private readonly perturb: Kernel;
  private readonly stats: GPUBuffer;

  constructor(
    private readonly ctx: GpuContext,
    readonly label: string,
    private readonly base: Optimizer,
    private readonly buffers: Pick<OptimizerBuffers, 'params' | 'grads' | 'count'>,
    hyper: SamHyper,
  ) {
    const P = buffers.count;
    checkRho(label, hyper.rho);
    this.state = base.state;
    this.gradNormSq = base.gradNormSq;
    const t = new AllocatedTable(ctx.device, label, samStateBuffers(P));
    this.saved = t.get('saved');
    this.stats = t.get('stats');
    this.ascentNormSq = { buffer: this.stats, index: 0 };
    this.firstNorm = reduce(ctx, `${label}.ascentNorm`, { input: buffers.grads, out: this.stats }, 'sumsq', { n: P, outIndex: 0 });
    this.perturb = ctx.kernel({
      label: `${label}.perturb`,
      shader: 'optim/sam',
      overrides: { WG: OPTIM_WG },
      params: { layout: ctx.layout(SAM_PARAMS), values: { n: P, gradNormIndex: 0, rho: hyper.rho } },
      buffers: [buffers.params, buffers.grads, this.saved, this.stats],
      workgroups: grid1d(P, OPTIM_WG),
    });
  }

  configure(change: Partial<SamHyper>): void {
    if (change.rho === undefined) return;
    checkRho(this.label, change.rho);
    this.ctx.updateParams(this.perturb, { n: this.buffers.count, gradNormIndex: 0, rho: change.rho });
  }

  setStep(v: StepValues): void {
    this.base.setStep(v);
  }

  encodeStep(encoder: GPUCommandEncoder, computeGrad: (encoder: GPUCommandEncoder) => void): void {
    computeGrad(encoder); // g at θ
    encodeDispatches(encoder, [...this.firstNorm.dispatches, this.perturb], `${this.label}.ascent`);
    computeGrad(encoder); // g at θ + ρ·g/‖g‖
    encoder.copyBufferToBuffer(this.saved, 0, this.buffers.params, 0, this.buffers.count * 4);
    this.base.encodeUpdate(encoder);
  }

  encodeUpdate(encoder: GPUCommandEncoder): void {
    this.base.encodeUpdate(encoder);
  }

  updateDispatches(): readonly Dispatch[] {
    return this.base.updateDispatches();
  }

  destroy(): void {
    this.base.destroy();
    this.firstNorm.destroy();
    this.perturb.params?.destroy();
    this.saved.destroy();
    this.stats.destroy();
  }
}

function checkRho(label: string, rho: number): void {
  if (!(rho >= 0) || !Number.isFinite(rho)) throw new Error(`${label}: SAM radius ρ = ${rho} must be a finite number ≥ 0`);
}
