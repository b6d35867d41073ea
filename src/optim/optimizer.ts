// The one optimizer interface (tinygrad style): AdamW, SGD and SAM implement it, IRE plugs into
// their fused update kernels through a flat mask. Every optimizer works on flat buffers of the
// model's parameter layout (P floats) and is built once; a step only writes uniforms and encodes.
//
// Per training step the trainer calls, in order:
//   opt.setStep({ t, lr, kappa })                 uniforms for this step (queue.writeBuffer)
//   opt.encodeStep(encoder, computeGrad)          gradient(s) + grad norm + clip + update
//   device.queue.submit([encoder.finish()])
// `computeGrad(encoder)` encodes forward + backward writing the gradient of the loss at the
// current θ into `grads`; SAM calls it twice (at θ and at the perturbed θ), the others once.
// The uniforms are written before the step's submit, so encode at most one step per submit.
import { AllocatedTable, BufferTable, type BufferDecl } from '../gpu/bufferTable';
import { createStorageBuffer, createStorageBufferWith } from '../gpu/buffers';
import type { GpuContext, Kernel } from '../gpu/context';
import { encodeDispatches, grid1d, type Dispatch } from '../gpu/dispatch';
import type { UniformField, UniformValues } from '../gpu/uniforms';
import { reduce, reductionBuffers, type Reduction } from './reduce';

/** Per-step values; everything else is set by `configure` and may change between any two steps. */
export interface StepValues {
  /** Number of this update, 1-based (PyTorch's state['step'] after its increment): bias corrections. */
  t: number;
  /** Learning rate of this step (from the schedule). */
  lr: number;
  /** IRE amplification κ_t of this step; 0 (default) = the plain base step. Needs an IRE mask. */
  kappa?: number;
}

export interface Optimizer {
  readonly label: string;
  /** Optimizer state by name (for checkpoints), each P floats in the parameter layout. */
  readonly state: Readonly<Record<string, GPUBuffer>>;
  /** Where ‖g‖² of the (last) gradient lands: f32 element `index` of `buffer`. */
  readonly gradNormSq: StatSlot;
  /** Writes this step's uniforms. Call once per step, before encoding it. */
  setStep(values: StepValues): void;
  /** Encodes the whole step: computeGrad (once, or twice for SAM), grad norm, clip, update. */
  encodeStep(encoder: GPUCommandEncoder, computeGrad: (encoder: GPUCommandEncoder) => void): void;
  /** Encodes only the update from the gradient already in `grads` (grad norm, clip, update). */
  encodeUpdate(encoder: GPUCommandEncoder): void;
  /** The dispatches of `encodeUpdate`, for callers that put several phases in one compute pass. */
  updateDispatches(): readonly Dispatch[];
  destroy(): void;
}

/** An f32 element of a small buffer (metrics are packed into one buffer and read back together). */
export interface StatSlot {
  buffer: GPUBuffer;
  index: number;
}

export interface OptimizerBuffers {
  /** (P) parameters θ, updated in place. */
  params: GPUBuffer;
  /** (P) gradient of the loss, written by computeGrad. */
  grads: GPUBuffer;
  /** P, the number of floats of the flat layout (padding included). */
  count: number;
  /**
   * (P) u32 weight-decay grouping, 1 = decayed, 0 = not (nanoGPT: no decay on biases, norms,
   * embeddings); see `createDecayBuffer`. Default: every entry decayed.
   */
  decay?: GPUBuffer;
  /** Where to write ‖g‖² (e.g. a slot of the trainer's metrics buffer). Default: a private buffer. */
  gradNormSq?: StatSlot;
  /** (P) u32 IRE mask (Ire.mask): builds the fused IRE variant of the update kernel. */
  ireMask?: GPUBuffer;
}

export const OPTIM_WG = 256;

/** A u32 decay buffer from the param layout's 0/1 mask. */
export function createDecayBuffer(device: GPUDevice, label: string, mask: ArrayLike<number>): GPUBuffer {
  return createStorageBufferWith(device, label, Uint32Array.from(mask, (x) => (x ? 1 : 0)));
}

/**
 * What a fused optimizer allocates when its decay and ‖g‖² slot are given (a run's): the
 * grad-norm reduction's partials and one P-float state buffer per name in `state`, zeroed.
 */
export function fusedOptimizerBuffers(P: number, state: readonly string[]): BufferDecl[] {
  const t = new BufferTable({ role: 'optimizer', perBatch: false }).include('gradNorm', reductionBuffers(P));
  for (const name of state) t.add(name, [P]); // (P)
  return t.decls;
}

/** Shared plumbing of the base optimizers: checks, default decay and stats, the grad-norm reduction. */
export class FlatBuffers {
  readonly decay: GPUBuffer;
  readonly gradNormSq: StatSlot;
  readonly gradNorm: Reduction;
  /** Whether ‖g‖² is needed even without clipping (a caller asked for it as a metric). */
  readonly measureAlways: boolean;
  private readonly owned: GPUBuffer[] = [];

  constructor(
    readonly ctx: GpuContext,
    readonly label: string,
    readonly b: OptimizerBuffers,
  ) {
    const P = b.count;
    if (!Number.isInteger(P) || P < 1) throw new Error(`${label}: parameter count ${P} must be a positive integer`);
    const check = (name: string, buf: GPUBuffer | undefined) => {
      if (buf && buf.size < P * 4) throw new Error(`${label}: buffer ${name} (${buf.label}) holds ${buf.size / 4} entries, needs ${P}`);
    };
    check('params', b.params);
    check('grads', b.grads);
    check('decay', b.decay);
    check('ireMask', b.ireMask);
    if (b.decay) this.decay = b.decay;
    else this.decay = this.own(createStorageBufferWith(ctx.device, `${label}.decay`, new Uint32Array(P).fill(1)));
    this.measureAlways = b.gradNormSq !== undefined;
    this.gradNormSq = b.gradNormSq ?? { buffer: this.own(createStorageBuffer(ctx.device, `${label}.stats`, 16)), index: 0 };
    this.gradNorm = reduce(ctx, `${label}.gradNorm`, { input: b.grads, out: this.gradNormSq.buffer }, 'sumsq', {
      n: P,
      outIndex: this.gradNormSq.index,
    });
  }

  /** The optimizer's P-float state buffers (fusedOptimizerBuffers' rows), zeroed, destroyed with it. */
  allocateState(names: readonly string[]): Record<string, GPUBuffer> {
    const rows = fusedOptimizerBuffers(this.b.count, names).filter((d) => names.includes(d.name));
    const t = new AllocatedTable(this.ctx.device, this.label, rows, (b) => this.own(b));
    return Object.fromEntries(names.map((n) => [n, t.get(n)]));
  }

  own(buf: GPUBuffer): GPUBuffer {
    this.owned.push(buf);
    return buf;
  }

  /** ‖g‖² (when clipping or asked for) then the update kernel. */
  updateDispatches(clip: number, update: Dispatch): readonly Dispatch[] {
    return clip > 0 || this.measureAlways ? [...this.gradNorm.dispatches, update] : [update];
  }

  destroy(): void {
    this.gradNorm.destroy();
    for (const buf of this.owned) buf.destroy();
  }
}

export function checkStep(label: string, v: StepValues, hasMask: boolean): void {
  if (!Number.isInteger(v.t) || v.t < 1) throw new Error(`${label}: step count t = ${v.t} must be an integer ≥ 1`);
  if (!(v.lr >= 0) || !Number.isFinite(v.lr)) throw new Error(`${label}: learning rate ${v.lr} must be a finite number ≥ 0`);
  const k = v.kappa ?? 0;
  if (!(k >= 0) || !Number.isFinite(k)) throw new Error(`${label}: κ = ${k} must be a finite number ≥ 0`);
  if (k > 0 && !hasMask) throw new Error(`${label}: κ = ${k} needs the optimizer to be built with an IRE mask`);
}

/**
 * An optimizer whose whole update is one fused kernel over the flat buffers (AdamW, SGD): the
 * grad-norm reduction (when clipping or measured) then the kernel, with uniforms per step.
 * Subclasses allocate their state, build `update` in their constructor, and map hyper-parameters
 * and step values to the kernel's uniforms.
 */
export abstract class FusedOptimizer<H extends { clip: number }> implements Optimizer {
  abstract readonly state: Readonly<Record<string, GPUBuffer>>;
  readonly gradNormSq: StatSlot;
  protected readonly flat: FlatBuffers;
  protected abstract readonly update: Kernel;
  protected hyper: H;

  protected constructor(
    protected readonly ctx: GpuContext,
    readonly label: string,
    buffers: OptimizerBuffers,
    hyper: H,
    private readonly check: (label: string, h: H) => H,
  ) {
    this.hyper = check(label, hyper);
    this.flat = new FlatBuffers(ctx, label, buffers);
    this.gradNormSq = this.flat.gradNormSq;
  }

  /** Changes hyper-parameters; the next setStep uses them. */
  configure(change: Partial<H>): void {
    this.hyper = this.check(this.label, { ...this.hyper, ...change });
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

  /** The update kernel's uniforms for one step. */
  protected abstract values(v: StepValues): UniformValues;

  /**
   * The fused update kernel of `shader`: bindings params, grads, the optimizer's state buffers,
   * the ‖g‖² slot's buffer, the decay flags and (IRE variant) the mask, in that order.
   */
  protected fusedKernel(shader: string, fields: readonly UniformField[], state: readonly GPUBuffer[]): Kernel {
    const b = this.flat.b;
    const storage = [b.params, b.grads, ...state, this.gradNormSq.buffer, this.flat.decay];
    if (b.ireMask) storage.push(b.ireMask);
    return this.ctx.kernel({
      label: `${this.label}.step`,
      shader,
      includes: ['optim/fusedUpdate'],
      defines: { IRE: !!b.ireMask },
      overrides: { WG: OPTIM_WG },
      params: { layout: this.ctx.layout(fields), values: this.values({ t: 1, lr: 0 }) },
      buffers: storage,
      workgroups: grid1d(b.count, OPTIM_WG),
    });
  }
}
