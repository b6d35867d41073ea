// IRE (Implicit Regularization Enhancement, docs/algorithm.md "IRE"): the wrapper state around a base optimizer.
// It owns the Hessian-diagonal estimate h, the flat mask and the radix select; the base
// optimizer is built with `ireMask: ire.mask` and applies θ = θ_old + (1 + κ_t·m)⊙Δ inside its
// own fused update, so IRE costs no extra full pass per step and no θ_old copy.
//
// What the trainer calls, for 0-based step `step` with learning rate lr:
//   if (ire.isRefreshStep(step)) {
//     encode forward + backward on the estimation batch against labels sampled from the model's
//     own softmax, into `grads`; then ire.encodeRefresh(encoder, step)
//   }
//   opt.setStep({ t: step + 1, lr, kappa: ire.kappaAt(step, lr, lrMax) }); opt.encodeStep(…)
// κ, γ, K, start and the κ-schedule may change between any two steps (`configure`); a γ change
// takes effect at the next refresh unless `requestRefresh()` asks for one at the next step.
import { AllocatedTable, BufferTable, type BufferDecl } from '../gpu/bufferTable';
import { createStorageBuffer } from '../gpu/buffers';
import type { GpuContext, Kernel } from '../gpu/context';
import { encodeDispatches, grid1d, type Dispatch } from '../gpu/dispatch';
import type { UniformField } from '../gpu/uniforms';
import type { StatSlot } from './optimizer';
import { RadixSelect, radixSelectBuffers } from './radixSelect';

export interface IreSettings {
  kappa: number; // κ ≥ 0: flat coordinates' step multiplied by (1 + κ_t)
  gamma: number; // γ in [0, 1]: fraction of (real) coordinates boosted, flattest first
  refreshEvery: number; // K ≥ 1: steps between mask refreshes
  startStep: number; // first 0-based step at which IRE is active (the end of warm-up by default)
  kappaFollowsLr: boolean; // κ_t = κ · lr_t / lr_max
  hessianForm: 'square' | 'abs'; // h = g⊙g or |g| (same ranking)
  ema: number; // β in [0, 1): h ← β h + (1 − β) h_new; the first estimate uses β = 0
}

/** IRE acts at `step`: past its start and κ > 0 (docs/algorithm.md "The update"). */
export function ireActive(s: Pick<IreSettings, 'startStep' | 'kappa'>, step: number): boolean {
  return step >= s.startStep && s.kappa > 0;
}

/** An active step refreshes the mask when none was estimated yet or K steps have passed since `lastRefresh`. */
export function refreshDue(s: Pick<IreSettings, 'refreshEvery'>, step: number, lastRefresh: number | undefined): boolean {
  return lastRefresh === undefined || step - lastRefresh >= s.refreshEvery;
}

export interface IreBuffers {
  /** P, floats of the flat layout (padding included). */
  count: number;
  /** Padding entries of the layout (their h is always 0). */
  padCount: number;
  /** (P) gradient against the sampled labels, read by the estimate. */
  grads: GPUBuffer;
  /** Where to write the flagged count (padding excluded) and thr; default: a private buffer. */
  stats?: { buffer: GPUBuffer; maskCount: number; threshold: number };
}

export const IRE_WG = 256;

const ESTIMATE_PARAMS: readonly UniformField[] = [
  { name: 'n', type: 'u32' },
  { name: 'absForm', type: 'u32' },
  { name: 'beta', type: 'f32' },
];

/**
 * The selection rule (docs/algorithm.md "The flat mask"): thr has a fraction γ of the entries
 * at or below it, so k = ⌊γ·pReal⌋ real coordinates are flagged (more only on ties at thr) and thr is the k-th
 * smallest real value: 0-based rank padCount + k − 1 of the whole buffer (the padCount padding
 * zeros sort first). k = 0 flags nothing. This is what makes the toy problem (p = 2, γ = 0.5)
 * pick u alone, as the paper's figure does; rank ⌊γ·p⌋ itself would flag both coordinates there.
 * (The 1e-9 guards products such as 0.29·100 = 28.999… against rounding down.)
 */
export function flatRank(gamma: number, count: number, padCount: number): { rank: number; enabled: boolean; flagged: number } {
  const real = count - padCount;
  const k = Math.min(real, Math.floor(gamma * real + 1e-9));
  if (k < 1) return { rank: 0, enabled: false, flagged: 0 };
  return { rank: padCount + k - 1, enabled: true, flagged: k };
}

export function checkIreSettings(s: IreSettings): void {
  if (!(s.kappa >= 0) || !Number.isFinite(s.kappa)) throw new Error(`IRE κ = ${s.kappa} must be a finite number ≥ 0`);
  if (!(s.gamma >= 0 && s.gamma <= 1)) throw new Error(`IRE γ = ${s.gamma} must be in [0, 1]`);
  if (!Number.isInteger(s.refreshEvery) || s.refreshEvery < 1) throw new Error(`IRE refresh interval K = ${s.refreshEvery} must be an integer ≥ 1`);
  if (!Number.isInteger(s.startStep) || s.startStep < 0) throw new Error(`IRE start step ${s.startStep} must be an integer ≥ 0`);
  if (!(s.ema >= 0 && s.ema < 1)) throw new Error(`IRE EMA β = ${s.ema} must be in [0, 1)`);
  if (s.hessianForm !== 'square' && s.hessianForm !== 'abs') throw new Error(`IRE Hessian form "${String(s.hessianForm)}" must be "square" or "abs"`);
}

/** IRE's state over P flat parameters: the flat mask (1 = boosted) and the Hessian-diagonal estimate. */
export function ireStateBuffers(P: number): BufferDecl[] {
  return new BufferTable({ role: 'ire', perBatch: false }).add('mask', [P], { dtype: 'u32' }).add('h', [P]).decls;
}

/** Everything an Ire allocates when its stats slots are given (a run's): its state and its selection's. */
export function ireBuffers(P: number): BufferDecl[] {
  return new BufferTable({ role: 'ire', perBatch: false }).include('', ireStateBuffers(P)).include('select', radixSelectBuffers()).decls;
}

export class Ire {
  /** (P) u32 flat mask, all zeros until the first refresh; hand it to the base optimizer. */
  readonly mask: GPUBuffer;
  /** (P) f32 Hessian-diagonal estimate (the toy writes its exact diagonal here). */
  readonly h: GPUBuffer;
  /** Flagged real coordinates after the last refresh (f32). */
  readonly maskCount: StatSlot;
  /** thr of the last refresh (f32; −1 when nothing is flagged). */
  readonly threshold: StatSlot;
  private readonly select: RadixSelect;
  private readonly estimate: Kernel;
  private readonly owned: GPUBuffer[] = [];
  private current: IreSettings;
  private lastRefresh: number | undefined;
  private refreshRequested = false;

  constructor(
    private readonly ctx: GpuContext,
    readonly label: string,
    private readonly buffers: IreBuffers,
    settings: IreSettings,
  ) {
    checkIreSettings(settings);
    this.current = { ...settings };
    const P = buffers.count;
    const t = new AllocatedTable(ctx.device, label, ireStateBuffers(P), (b) => this.own(b));
    this.mask = t.get('mask');
    this.h = t.get('h');
    const stats = buffers.stats ?? { buffer: this.own(createStorageBuffer(ctx.device, `${label}.stats`, 16)), maskCount: 0, threshold: 1 };
    this.maskCount = { buffer: stats.buffer, index: stats.maskCount };
    this.threshold = { buffer: stats.buffer, index: stats.threshold };
    this.select = new RadixSelect(ctx, `${label}.select`, { h: this.h, mask: this.mask, stats: stats.buffer }, {
      count: P,
      padCount: buffers.padCount,
      countIndex: stats.maskCount,
      thresholdIndex: stats.threshold,
    });
    this.estimate = ctx.kernel({
      label: `${label}.estimate`,
      shader: 'optim/ire',
      entryPoint: 'estimate',
      overrides: { WG: IRE_WG },
      params: { layout: ctx.layout(ESTIMATE_PARAMS), values: { n: P, absForm: 0, beta: 0 } },
      buffers: [buffers.grads, this.h],
      workgroups: grid1d(P, IRE_WG),
    });
  }

  get settings(): Readonly<IreSettings> {
    return this.current;
  }

  /** Step of the last refresh (undefined before the first), for checkpoints. */
  get lastRefreshStep(): number | undefined {
    return this.lastRefresh;
  }

  /** Restores the refresh bookkeeping of a checkpoint (h and mask are restored as buffers). */
  restoreRefreshStep(step: number | undefined): void {
    this.lastRefresh = step;
  }

  /** Changes settings; the next step uses them (γ and the EMA: at the next refresh). */
  configure(change: Partial<IreSettings>): void {
    const next = { ...this.current, ...change };
    checkIreSettings(next);
    this.current = next;
  }

  /** Makes the next active step a refresh step (e.g. to apply a new γ at once). */
  requestRefresh(): void {
    this.refreshRequested = true;
  }

  /** IRE acts at this step: past its start and κ > 0 (docs/algorithm.md "The update"). */
  isActive(step: number): boolean {
    return ireActive(this.current, step);
  }

  /** Whether the mask must be refreshed before this step's update (every K active steps). */
  isRefreshStep(step: number): boolean {
    return ireActive(this.current, step) && (this.refreshRequested || refreshDue(this.current, step, this.lastRefresh));
  }

  /** κ_t for this step: 0 when inactive, κ·lr/lrMax with kappaFollowsLr, else κ. */
  kappaAt(step: number, lr: number, lrMax: number): number {
    if (!this.isActive(step)) return 0;
    return this.current.kappaFollowsLr ? (this.current.kappa * lr) / lrMax : this.current.kappa;
  }

  /**
   * Writes the refresh's uniforms (γ's rank, the EMA factor: β = 0 on the first estimate) and
   * records `step` as refreshed. Then encode `refreshDispatches`.
   */
  prepareRefresh(step: number): void {
    const s = this.current;
    const { rank, enabled } = flatRank(s.gamma, this.buffers.count, this.buffers.padCount);
    this.select.setRank(rank, enabled);
    const beta = this.lastRefresh === undefined ? 0 : s.ema;
    this.ctx.updateParams(this.estimate, { n: this.buffers.count, absForm: s.hessianForm === 'abs' ? 1 : 0, beta });
    this.lastRefresh = step;
    this.refreshRequested = false;
  }

  /** Estimate from `grads` (source 'grads') or use `h` as written by the caller ('h'), then select and mask. */
  refreshDispatches(source: 'grads' | 'h' = 'grads'): readonly Dispatch[] {
    return source === 'grads' ? [this.estimate, ...this.select.dispatches] : this.select.dispatches;
  }

  /** prepareRefresh + the refresh dispatches in one compute pass. */
  encodeRefresh(encoder: GPUCommandEncoder, step: number, source: 'grads' | 'h' = 'grads'): void {
    this.prepareRefresh(step);
    encodeDispatches(encoder, this.refreshDispatches(source), `${this.label}.refresh`);
  }

  destroy(): void {
    this.select.destroy();
    this.estimate.params?.destroy();
    for (const b of this.owned) b.destroy();
  }

  private own(buf: GPUBuffer): GPUBuffer {
    this.owned.push(buf);
    return buf;
  }
}
