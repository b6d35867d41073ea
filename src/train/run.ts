// One training run: a model, its base optimizer (AdamW, SGD or SAM), optionally IRE around it,
// and a small metrics buffer filled on the GPU every step. The run encodes its step into a
// command encoder handed to it; the comparison decides what shares a submit.
//
// Per step t (0-based), in one command buffer:
//   1. if IRE refreshes at t: forward, labels sampled from the model's softmax, backward →
//      Hessian-diagonal estimate → global γ-threshold → mask (docs/algorithm.md "The flat mask")
//   2. the base step: forward (reused from 1 when it ran: same parameters, same batch), loss
//      against the batch, backward, ‖g‖², clip, fused update
//      with θ = θ_old + (1 + κ_t·m)⊙Δ when IRE is active (docs/algorithm.md "The update")
//   3. metrics: Σ loss, Σ correct, non-finite counts (bit patterns), copied for readback
import { AllocatedTable, BufferTable, type BufferDecl } from '../gpu/bufferTable';
import { writeBuffer } from '../gpu/buffers';
import type { GpuContext } from '../gpu/context';
import { encodeDispatches, type Dispatch } from '../gpu/dispatch';
import { gradientKernels, type Model } from '../nn/model';
import { decayMask, initParams } from '../nn/paramLayout';
import { createOptimizer, optimizerBuffers, type RunOptimizer } from '../optim/create';
import type { Ire } from '../optim/ire';
import type { Optimizer } from '../optim/optimizer';
import { BASE_OPTIMIZER_INFO } from '../optim/optimizerConfig';
import { countNonFinite, reduce, reductionBuffers, type Reduction } from '../optim/reduce';
import { learningRate, type LrSchedule } from '../optim/schedule';
import type { RunConfig } from './config';

/** Slots of a run's metrics buffer (f32). */
export const METRIC = {
  lossSum: 0, // Σ per-row loss of the step's batch (at θ before the update)
  correctSum: 1, // Σ per-row accuracy flags
  gradNormSq: 2, // ‖g‖² before clipping
  lossNonFinite: 3, // rows whose loss is NaN/±Inf
  gradNonFinite: 4, // gradient entries that are NaN/±Inf
  maskCount: 5, // coordinates IRE boosts (after the last refresh)
  threshold: 6, // γ-threshold of the last refresh
} as const;
export const METRIC_FLOATS = 8;

/** A run's own buffers over P parameters: its metrics slots and the weight-decay flags (1 = decayed). */
function runStateBuffers(P: number): BufferDecl[] {
  return new BufferTable({ role: 'metrics', perBatch: false }).add('metrics', [METRIC_FLOATS]).add('decay', [P], { role: 'optimizer', dtype: 'u32' }).decls;
}

/**
 * Every buffer a TrainingRun allocates besides its model (names relative to `Run<id>`), in
 * allocation order: its own, its optimizer's, and the step's reductions over the model's `rows`
 * loss rows (`rowsPerBatch`: they grow with the batch) and its P gradient entries.
 */
export function runBuffers(cfg: RunConfig, P: number, rows: number, rowsPerBatch: boolean): BufferDecl[] {
  const perRow = reductionBuffers(rows).map((d) => ({ ...d, perBatch: rowsPerBatch }));
  return new BufferTable({ role: 'scratch', perBatch: false })
    .include('', runStateBuffers(P))
    .include('', optimizerBuffers(cfg.optimizer, P))
    .include('lossSum', perRow)
    .include('correctSum', perRow)
    .include('lossNonFinite', perRow)
    .include('gradNonFinite', reductionBuffers(P)).decls;
}

/** What the CPU learns about one step of one run. */
export interface StepMetrics {
  runId: string;
  step: number;
  loss: number;
  accuracy: number;
  gradNorm: number;
  lr: number;
  kappa: number;
  /** Fraction of real parameters IRE boosts (0 without IRE or before the first refresh). */
  maskFraction: number;
  /**
   * Gradient evaluations so far, this step's included: the base step's (SAM: two) and one per IRE
   * refresh (docs/experiments.md, "Cost-fair axes"). Sharpness measurements are not counted.
   */
  gradEvals: number;
  finite: boolean;
  /** The run's configuration this step was encoded with. */
  settings: Readonly<RunConfig>;
}

export class TrainingRun {
  readonly id: string;
  readonly metrics: GPUBuffer; // (METRIC_FLOATS) f32
  readonly optimizer: Optimizer;
  readonly ire: Ire | undefined;
  /** Next step to run (0-based). */
  step = 0;
  private config: RunConfig;
  private readonly built: RunOptimizer;
  private readonly lossSum: Reduction;
  private readonly correctSum: Reduction;
  private readonly lossNonFinite: Reduction;
  private readonly gradNonFinite: Reduction;
  private readonly decay: GPUBuffer;
  private refreshes = 0;
  /** Gradients the base step takes: SAM's ascent and descent, one otherwise. */
  private readonly gradientsPerStep: number;
  private refreshPending = false; // a refresh was requested (refreshNow) and has not run yet

  constructor(
    private readonly ctx: GpuContext,
    readonly model: Model,
    config: RunConfig,
    private readonly totalSteps: number,
  ) {
    this.id = config.id;
    this.config = structuredClone(config);
    const o = config.optimizer;
    this.gradientsPerStep = BASE_OPTIMIZER_INFO[o.base].gradientsPerStep;
    const label = `Run${config.id}`;
    const P = model.layout.total;
    const own = new AllocatedTable(ctx.device, label, runStateBuffers(P));
    this.metrics = own.get('metrics');
    this.decay = own.get('decay');
    writeBuffer(ctx.device, this.decay, Uint32Array.from(decayMask(model.layout, o.decayNormsBiasesEmbeddings), (x) => (x ? 1 : 0)));
    this.built = createOptimizer(
      ctx,
      label,
      {
        params: model.params,
        grads: model.grads,
        count: P,
        padCount: model.layout.padCount,
        decay: this.decay,
        gradNormSq: { buffer: this.metrics, index: METRIC.gradNormSq },
        ireStats: { buffer: this.metrics, maskCount: METRIC.maskCount, threshold: METRIC.threshold },
      },
      o,
    );
    this.optimizer = this.built.optimizer;
    this.ire = this.built.ire;
    this.lossSum = reduce(ctx, `${label}.lossSum`, { input: model.losses, out: this.metrics }, 'sum', { n: model.rows, outIndex: METRIC.lossSum });
    this.correctSum = reduce(ctx, `${label}.correctSum`, { input: model.correct, out: this.metrics }, 'sum', { n: model.rows, outIndex: METRIC.correctSum });
    this.lossNonFinite = countNonFinite(ctx, `${label}.lossNonFinite`, { input: model.losses, out: this.metrics }, { n: model.rows, outIndex: METRIC.lossNonFinite });
    this.gradNonFinite = countNonFinite(ctx, `${label}.gradNonFinite`, { input: model.grads, out: this.metrics }, { n: P, outIndex: METRIC.gradNonFinite });
  }

  get settings(): Readonly<RunConfig> {
    return this.config;
  }

  get schedule(): LrSchedule {
    const o = this.config.optimizer;
    // The floor is at most the peak: a live lr below minLr takes the floor down with it (the
    // config keeps minLr, so the edit is undone exactly by setting lr back).
    return { lr: o.lr, minLr: Math.min(o.minLr, o.lr), warmupSteps: o.warmupSteps, totalSteps: this.totalSteps };
  }

  /** Writes the initial parameters (the same bits for every run of a comparison). */
  initialize(seedOrParams: number | Float32Array): void {
    const p = typeof seedOrParams === 'number' ? initParams(this.model.layout, seedOrParams) : seedOrParams;
    writeBuffer(this.ctx.device, this.model.params, p);
  }

  /**
   * Applies a changed run config at the next step (live sliders). A γ change takes effect at
   * the next mask refresh, unless `refreshNow` asks for a refresh at the next step.
   */
  reconfigure(next: RunConfig, refreshNow = false): void {
    this.built.configure(next.optimizer);
    if (refreshNow && this.ire) {
      this.ire.requestRefresh();
      this.refreshPending = true;
    }
    this.config = structuredClone(next);
  }

  /** Learning rate and κ_t of step t. */
  stepValues(t: number): { lr: number; kappa: number } {
    const lr = learningRate(t, this.schedule);
    return { lr, kappa: this.built.stepValues(t, lr).kappa ?? 0 };
  }

  /** Encodes step `this.step` on the batch already in the model's input buffers. */
  encodeStep(encoder: GPUCommandEncoder): { lr: number; kappa: number } {
    const t = this.step;
    const model = this.model;
    const label = `Run${this.id}.step${t}`;
    let forwardDone = false; // the model's activations are those of this step's parameters and batch
    if (this.ire?.isRefreshStep(t)) {
      this.refreshes++;
      this.refreshPending = false;
      if (model.exactHessianDiagonal) {
        encodeDispatches(encoder, [model.exactHessianDiagonal(this.ire.h)], `${label}.exactHessian`);
        this.ire.encodeRefresh(encoder, t, 'h');
      } else {
        model.setSampleCounter(this.refreshes);
        encodeDispatches(encoder, gradientKernels(model, 'sampled'), `${label}.sampledGradient`);
        this.ire.encodeRefresh(encoder, t, 'grads');
        forwardDone = true;
      }
    }
    const values = this.stepValues(t);
    this.optimizer.setStep({ t: t + 1, lr: values.lr, kappa: values.kappa });
    let calls = 0;
    this.optimizer.encodeStep(encoder, (enc) => {
      const metrics: Dispatch[] = calls === 0 ? [...this.lossSum.dispatches, ...this.correctSum.dispatches, ...this.lossNonFinite.dispatches] : [];
      // The first gradient is at θ (SAM's second is elsewhere): it reuses the refresh's forward.
      const gradient = calls === 0 && forwardDone ? [...model.lossOnTargets, ...model.backward] : gradientKernels(model, 'targets');
      encodeDispatches(enc, [...gradient, ...metrics, ...(calls === 0 ? this.gradNonFinite.dispatches : [])], `${label}.gradient${calls}`);
      calls++;
    });
    this.step = t + 1;
    return values;
  }

  /** Gradient evaluations of the steps encoded so far (a function of the step and refresh counts, so checkpoints restore it). */
  get gradientEvaluations(): number {
    return this.step * this.gradientsPerStep + this.refreshes;
  }

  /** Turns a read-back metrics buffer into the step's metrics (`gradEvals`: gradientEvaluations right after the step was encoded). */
  interpret(values: Float32Array, step: number, lr: number, kappa: number, settings: Readonly<RunConfig> = this.config, gradEvals = this.gradientEvaluations): StepMetrics {
    const rows = this.model.rows;
    const real = this.model.layout.count;
    const finite = values[METRIC.lossNonFinite] === 0 && values[METRIC.gradNonFinite] === 0 && Number.isFinite(values[METRIC.lossSum]);
    return {
      runId: this.id,
      step,
      loss: values[METRIC.lossSum] / rows,
      accuracy: values[METRIC.correctSum] / rows,
      gradNorm: Math.sqrt(values[METRIC.gradNormSq]),
      lr,
      kappa,
      maskFraction: this.ire ? values[METRIC.maskCount] / real : 0,
      gradEvals,
      finite,
      settings,
    };
  }

  /** Σ loss and Σ correct of the model's latest forward into the metrics buffer (evaluation). */
  evalReductions(): Dispatch[] {
    return [...this.lossSum.dispatches, ...this.correctSum.dispatches];
  }

  /** Checkpointable GPU state: parameters, optimizer state, IRE estimate and mask. */
  stateBuffers(): Record<string, GPUBuffer> {
    const s: Record<string, GPUBuffer> = { params: this.model.params };
    for (const [k, b] of Object.entries(this.optimizer.state)) s[`optim.${k}`] = b;
    if (this.ire) {
      s['ire.h'] = this.ire.h;
      s['ire.mask'] = this.ire.mask;
    }
    return s;
  }

  get refreshCount(): number {
    return this.refreshes;
  }

  set refreshCount(n: number) {
    this.refreshes = n;
  }

  /** Whether a requested IRE refresh (reconfigure with refreshNow) is still to run (checkpoints). */
  get ireRefreshPending(): boolean {
    return this.refreshPending;
  }

  /** Restores a checkpoint's pending refresh request. */
  restoreRefreshPending(pending: boolean): void {
    if (pending && this.ire) {
      this.ire.requestRefresh();
      this.refreshPending = true;
    }
  }

  destroy(): void {
    this.built.destroy();
    for (const r of [this.lossSum, this.correctSum, this.lossNonFinite, this.gradNonFinite]) r.destroy();
    this.metrics.destroy();
    this.decay.destroy();
    this.model.destroy();
  }
}

