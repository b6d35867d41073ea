// A comparison: two or more runs on one device, one model preset and one dataset, starting
// from bit-identical parameters and consuming identical batches; only optimizer settings
// differ. Steps interleave A, B, A, B in one command buffer per step, so every run sees the
// same GPU conditions. Live changes (sliders) are queued and applied at the next step boundary,
// each logged as an event. Metrics come back asynchronously through a ring of staging buffers.
import { BufferTable, type BufferDecl } from '../gpu/bufferTable';
import type { GpuContext } from '../gpu/context';
import { encodeDispatches } from '../gpu/dispatch';
import { readRanges } from '../gpu/readback';
import { initParams } from '../nn/paramLayout';
import type { ComparisonConfig, ModelConfig, RunConfig } from './config';
import { DEFAULT_LANCZOS_STEPS, Sharpness } from '../optim/sharpness';
import { learningRate } from '../optim/schedule';
import { stabilityThreshold, type StabilityThreshold } from './edgeOfStability';
import { LIMITS } from './configSchema';
import { MetricsRing, metricsRingBuffers } from './metricsRing';
import { buildModel, comparisonModelConfig, imageOf, layoutOf, modelBuffers, modelRows, type ModelData } from './models';
import { METRIC, METRIC_FLOATS, runBuffers, TrainingRun, type StepMetrics } from './run';
import { BatchFeeder, batchBuffers, modelDataOf, type BatchLayout, type TrainingData } from './trainingData';


export interface RunEvent {
  step: number;
  runId: string;
  field: string;
  old: unknown;
  new: unknown;
}

export interface EvalMetrics {
  runId: string;
  step: number;
  loss: number;
  accuracy: number;
}

export interface SharpnessMetrics {
  runId: string;
  step: number;
  trace: number;
  stderr: number;
  topEig?: number;
  /** AdamW runs: the top eigenvalue of P⁻¹H, P = diag(√v̂ + ε) from the run's own state. */
  precondTopEig?: number;
  /** The edge of stability at the run's current learning rate (edgeOfStability.ts), and what it bounds. */
  threshold?: StabilityThreshold;
}

/** Which batch sharpness is measured on (Comparison.measureSharpness). */
export type SharpnessBatch = 'eval' | 'train';

/**
 * The batch the page and the CLI measure sharpness on during training: training on a subset
 * (`trainSubset` > 0, full batch in the scenarios), the training batch, the loss being minimised,
 * whose top eigenvalue meets 2/η at the edge of stability; otherwise the first validation batch.
 */
export function sharpnessBatchFor(config: Pick<ComparisonConfig, 'trainSubset'>): SharpnessBatch {
  return config.trainSubset > 0 ? 'train' : 'eval';
}

export interface ComparisonHooks {
  /** Metrics of one step of every live run, delivered asynchronously in step order. */
  onStep?(metrics: StepMetrics[], wallMs: number): void;
  onEval?(metrics: EvalMetrics[]): void;
  /** A run produced NaN/Inf at `step`; it is stopped, the others go on. */
  onDiverged?(runId: string, step: number, last: StepMetrics | undefined): void;
}

type RunStatus = 'active' | 'diverged';

interface StepTag {
  step: number;
  runs: { id: string; lr: number; kappa: number; index: number; settings: Readonly<RunConfig>; gradEvals: number }[];
  submittedAt: number;
}

export interface ComparisonOptions {
  /** Replaces the config's architecture (tests and benchmarks use tiny or custom models; a resumed checkpoint its own). */
  model?: ModelConfig;
  /** Metrics readback ring depth: how many steps the CPU may run ahead of the GPU. */
  ringDepth?: number;
}

/** Metrics readback ring depth by default (ComparisonOptions.ringDepth). */
export const DEFAULT_RING_DEPTH = 3;
/** Bytes of one ring slot: the metrics of as many runs as a comparison can hold. */
const RING_SLOT_BYTES = LIMITS.maxRuns * METRIC_FLOATS * 4;

/** What one step's batch holds for the model `cfg` on data `data`. */
function batchLayoutOf(cfg: ModelConfig, B: number, data: ModelData): BatchLayout {
  if (cfg.kind === 'gpt') return { kind: 'text', B, T: cfg.context };
  if (cfg.kind === 'toy') return { kind: 'toy' };
  return { kind: 'image', B, ...imageOf(data) };
}

/**
 * Every buffer a Comparison allocates for `config` with the model `modelCfg`, full labels, in
 * allocation order: the batch, the metrics ring, then per run its model and its own buffers.
 * Each comes from the table its constructor allocates from (src/gpu/bufferTable.ts); throws on a
 * model shape the layers would refuse.
 */
export function comparisonBuffers(config: ComparisonConfig, modelCfg: ModelConfig, data: ModelData, ringDepth = DEFAULT_RING_DEPTH): BufferDecl[] {
  const B = config.batchSize;
  const t = new BufferTable({ role: 'scratch', perBatch: false });
  t.include('Batch', batchBuffers(batchLayoutOf(modelCfg, B, data)));
  t.include('Comparison.metrics', metricsRingBuffers(ringDepth, RING_SLOT_BYTES));
  const model = modelBuffers(modelCfg, B, data);
  const P = layoutOf(modelCfg).total;
  for (const rc of config.runs) t.include(`Run${rc.id}.model`, model).include(`Run${rc.id}`, runBuffers(rc, P, modelRows(modelCfg, B), modelCfg.kind !== 'toy'));
  return t.decls;
}

export class Comparison {
  readonly runs: TrainingRun[] = [];
  readonly events: RunEvent[] = [];
  readonly feeder: BatchFeeder;
  private readonly status = new Map<string, RunStatus>();
  private readonly lastFinite = new Map<string, StepMetrics>();
  private readonly pending: (() => void)[] = [];
  private readonly ring: MetricsRing<StepTag>;
  private readonly startedAt = performance.now();
  private stepCount = 0;
  private readonly sharpness = new Map<TrainingRun, Sharpness>();
  readonly modelConfig: ModelConfig;

  constructor(
    /** The context it builds and trains on; its choices are the kernels the runs train with. */
    readonly ctx: GpuContext,
    readonly config: ComparisonConfig,
    readonly data: TrainingData,
    private readonly hooks: ComparisonHooks = {},
    options: ComparisonOptions = {},
  ) {
    if (config.runs.length < 1 || config.runs.length > LIMITS.maxRuns) throw new Error(`A comparison holds 1 to ${LIMITS.maxRuns} runs, got ${config.runs.length}`);
    this.modelConfig = options.model ?? comparisonModelConfig(config, modelDataOf(data));
    const modelCfg = this.modelConfig;
    const context = modelCfg.kind === 'gpt' ? modelCfg.context : 1;
    this.feeder = new BatchFeeder(ctx.device, data, config.batchSize, context, config.seed);
    this.ring = new MetricsRing<StepTag>(ctx.device, 'Comparison.metrics', RING_SLOT_BYTES, options.ringDepth ?? DEFAULT_RING_DEPTH, (v, tag) => this.deliver(v, tag));
    const init = (() => {
      const first = this.addRun(config.runs[0]);
      const p = initParams(first.model.layout, config.seed);
      first.initialize(p);
      return p;
    })();
    for (const rc of config.runs.slice(1)) this.addRun(rc).initialize(init);
  }

  /** The step every live run does next (0-based). */
  get nextStep(): number {
    return this.stepCount;
  }

  runById(id: string): TrainingRun {
    const r = this.runs.find((x) => x.id === id);
    if (!r) throw new Error(`No run "${id}" in this comparison (runs: ${this.runs.map((x) => x.id).join(', ')})`);
    return r;
  }

  isActive(id: string): boolean {
    return this.status.get(id) === 'active';
  }

  /** Queues a change of a run's config for the next step boundary; logs the changed fields. */
  updateRun(id: string, next: RunConfig, refreshNow = false): void {
    const run = this.runById(id);
    this.pending.push(() => this.reconfigure(run, next, refreshNow));
  }

  /**
   * Applies a change of a run's config now, between two steps: the next step encoded uses it.
   * (Steps already submitted keep the settings they were encoded with.) Logs the changed fields.
   */
  reconfigureNow(id: string, next: RunConfig): void {
    this.reconfigure(this.runById(id), next, false);
  }

  private reconfigure(run: TrainingRun, next: RunConfig, refreshNow: boolean): void {
    const before = run.settings;
    run.reconfigure(next, refreshNow);
    for (const e of diffFields(before, next)) this.events.push({ step: this.stepCount, runId: run.id, ...e });
  }

  /** Copies a run's full state at the current step into a new run (aligned on the same step axis). */
  async fork(id: string, config: RunConfig): Promise<TrainingRun> {
    if (this.runs.length >= LIMITS.maxRuns) throw new Error(`A comparison holds at most ${LIMITS.maxRuns} runs`);
    if (this.runs.some((r) => r.id === config.id)) throw new Error(`Run id "${config.id}" is taken`);
    const parent = this.runById(id);
    await this.ring.drain();
    const child = this.cloneRun(parent, config);
    this.runs.push(child);
    this.status.set(config.id, 'active');
    this.events.push({ step: this.stepCount, runId: config.id, field: 'fork', old: id, new: config.id });
    return child;
  }

  /** Stops and frees a run; the others go on. */
  async removeRun(id: string): Promise<void> {
    const run = this.runById(id);
    await this.ring.drain();
    this.runs.splice(this.runs.indexOf(run), 1);
    this.status.delete(id);
    this.dispose(run);
  }

  /**
   * Rebuilds a run with a config that changes what is fixed for a run (the base optimizer, IRE
   * on/off), keeping its parameters, step and matching optimizer state: fork into a
   * replacement with the same id, then drop the old run. Logged as an event per changed field.
   */
  async rebuildRun(id: string, config: RunConfig): Promise<TrainingRun> {
    const old = this.runById(id);
    if (config.id !== id) throw new Error(`rebuildRun: config id "${config.id}" must stay "${id}"`);
    await this.ring.drain();
    const before = old.settings;
    const replacement = this.cloneRun(old, config);
    this.runs[this.runs.indexOf(old)] = replacement;
    this.dispose(old);
    for (const e of diffFields(before, config)) this.events.push({ step: this.stepCount, runId: id, ...e });
    return replacement;
  }

  /** One step of every active run on the same batch. Waits only when the readback ring is full. */
  async step(): Promise<void> {
    const slot = await this.ring.acquire();
    // After the wait: a change that arrived while this step waited for a ring slot was logged
    // at this step and must apply to it.
    for (const apply of this.pending.splice(0)) apply();
    const t = this.stepCount;
    this.feeder.writeTrain(t);
    const encoder = this.ctx.device.createCommandEncoder({ label: `Comparison.step${t}.encoder` });
    const tag: StepTag = { step: t, runs: [], submittedAt: performance.now() };
    this.runs.forEach((run, index) => {
      if (!this.isActive(run.id)) return;
      const v = run.encodeStep(encoder);
      tag.runs.push({ id: run.id, lr: v.lr, kappa: v.kappa, index, settings: run.settings, gradEvals: run.gradientEvaluations });
      encoder.copyBufferToBuffer(run.metrics, 0, slot.buffer, index * METRIC_FLOATS * 4, METRIC_FLOATS * 4);
    });
    this.ctx.device.queue.submit([encoder.finish()]);
    this.ring.startRead(slot, tag);
    this.stepCount = t + 1;
  }

  /** Loss and accuracy of every active run over up to `maxBatches` validation batches. */
  async evaluate(maxBatches = 4): Promise<EvalMetrics[]> {
    const n = this.feeder.evalBatches(maxBatches);
    const live = this.runs.filter((r) => this.isActive(r.id));
    const sums = live.map(() => ({ loss: 0, correct: 0, rows: 0 }));
    const step = this.stepCount;
    for (let k = 0; k < n; k++) {
      const rows = this.feeder.writeEval(k);
      const encoder = this.ctx.device.createCommandEncoder({ label: `Comparison.eval${k}.encoder` });
      for (const run of live) encodeDispatches(encoder, [...run.model.forward, ...run.model.lossOnTargets, ...run.evalReductions()], `Eval.${run.id}`);
      this.ctx.device.queue.submit([encoder.finish()]);
      const values = await readRanges(this.ctx.device, live.map((r) => ({ buffer: r.metrics, size: 8 })), 'Comparison.eval');
      values.forEach((buf, i) => {
        const f = new Float32Array(buf);
        sums[i].loss += f[METRIC.lossSum];
        sums[i].correct += f[METRIC.correctSum];
        sums[i].rows += rows;
      });
    }
    // The next training step rewrites the batch buffers, so evaluation leaves no trace.
    const out = live.map((r, i) => ({ runId: r.id, step, loss: sums[i].loss / Math.max(1, sums[i].rows), accuracy: sums[i].correct / Math.max(1, sums[i].rows) }));
    this.hooks.onEval?.(out);
    return out;
  }

  /**
   * Checkpoint restore (src/train/checkpoint.ts): after every run's state was written, sets the
   * step the comparison does next and marks the runs that had diverged when it was saved.
   */
  resumeAt(step: number, diverged: readonly string[] = []): void {
    if (!Number.isInteger(step) || step < 0) throw new Error(`resumeAt: step ${step} must be an integer ≥ 0`);
    this.stepCount = step;
    for (const id of diverged) {
      this.runById(id);
      this.status.set(id, 'diverged');
    }
  }

  /**
   * Sharpness of every active run on one batch: the Hutchinson trace of the Hessian (with its
   * standard error) and the largest eigenvalue by the Lanczos iteration, each run's
   * edge-of-stability threshold, and with `preconditioned` the top eigenvalue of P⁻¹H for AdamW
   * runs (a second Lanczos iteration). The batch is `batch`: 'eval', the first evaluation batch
   * (fixed across training: the page's); 'train', the training batch of the next step, which
   * for full-batch training (batch = the training set) is the loss being minimised, the one
   * whose curvature meets the edge of stability (docs/experiments.md). Runs outside the timed
   * step; parameters and gradients are left exactly as they were, and the next step rewrites
   * the batch buffers.
   */
  async measureSharpness(probes: number, lanczosSteps = DEFAULT_LANCZOS_STEPS, preconditioned = false, batch: SharpnessBatch = 'eval'): Promise<SharpnessMetrics[]> {
    await this.ring.drain();
    if (batch === 'train') this.feeder.writeTrain(this.stepCount);
    else this.feeder.writeEval(0);
    const out: SharpnessMetrics[] = [];
    for (const run of this.runs) {
      if (!this.isActive(run.id)) continue;
      let s = this.sharpness.get(run);
      if (!s || s.maxLanczos < lanczosSteps) {
        s?.destroy();
        s = new Sharpness(this.ctx, `Run${run.id}.sharpness`, run.model, { maxLanczos: Math.max(DEFAULT_LANCZOS_STEPS, lanczosSteps) });
        this.sharpness.set(run, s);
      }
      const m = await s.measure({ probes, lanczosSteps });
      const o = run.settings.optimizer;
      const threshold = run.step > 0 ? (stabilityThreshold(o, learningRate(run.step - 1, run.schedule)) ?? undefined) : undefined;
      const v = run.optimizer.state.v;
      let precondTopEig: number | undefined;
      if (preconditioned && o.base === 'adamw' && v && run.step > 0 && lanczosSteps > 0) {
        precondTopEig = (await s.measure({ probes: 0, lanczosSteps, preconditioner: { v, beta2: o.beta2, t: run.step, eps: o.eps } })).topEig;
      }
      out.push({ runId: run.id, step: this.stepCount, trace: m.trace, stderr: m.stderr, topEig: m.topEig, precondTopEig, threshold });
    }
    return out;
  }

  /** Waits for every metrics readback in flight. */
  drain(): Promise<void> {
    return this.ring.drain();
  }

  destroy(): void {
    for (const s of this.sharpness.values()) s.destroy();
    for (const r of this.runs) r.destroy();
    this.feeder.destroy();
    this.ring.destroy();
  }

  /** A new run with `config` holding a copy of `parent`'s state (state present in both is copied). */
  private cloneRun(parent: TrainingRun, config: RunConfig): TrainingRun {
    const child = this.buildRun(config);
    child.step = parent.step;
    child.refreshCount = parent.refreshCount;
    const encoder = this.ctx.device.createCommandEncoder({ label: `Comparison.clone${config.id}.encoder` });
    const from = parent.stateBuffers();
    for (const [name, dst] of Object.entries(child.stateBuffers())) {
      const src = from[name];
      if (src) encoder.copyBufferToBuffer(src, 0, dst, 0, Math.min(src.size, dst.size));
    }
    this.ctx.device.queue.submit([encoder.finish()]);
    if (parent.ire && child.ire) child.ire.restoreRefreshStep(parent.ire.lastRefreshStep);
    return child;
  }

  private buildRun(rc: RunConfig): TrainingRun {
    const model = buildModel(this.ctx, `Run${rc.id}.model`, this.modelConfig, this.config.batchSize, this.feeder.buffers, this.config.seed, modelDataOf(this.data));
    return new TrainingRun(this.ctx, model, rc, this.config.totalSteps);
  }

  /** Frees a run and what was built for it. */
  private dispose(run: TrainingRun): void {
    this.sharpness.get(run)?.destroy();
    this.sharpness.delete(run);
    run.destroy();
  }

  private addRun(rc: RunConfig): TrainingRun {
    const run = this.buildRun(rc);
    this.runs.push(run);
    this.status.set(rc.id, 'active');
    return run;
  }

  private deliver(values: Float32Array, tag: StepTag): void {
    const metrics: StepMetrics[] = [];
    for (const r of tag.runs) {
      if (!this.isActive(r.id)) continue;
      const run = this.runById(r.id);
      const m = run.interpret(values.subarray(r.index * METRIC_FLOATS, (r.index + 1) * METRIC_FLOATS), tag.step, r.lr, r.kappa, r.settings, r.gradEvals);
      metrics.push(m);
      if (m.finite) this.lastFinite.set(r.id, m);
      else {
        this.status.set(r.id, 'diverged');
        this.hooks.onDiverged?.(r.id, tag.step, this.lastFinite.get(r.id));
      }
    }
    this.hooks.onStep?.(metrics, performance.now() - this.startedAt);
  }
}

/** Leaf fields that differ between two run configs, as dotted paths. */
export function diffFields(a: unknown, b: unknown, path = ''): { field: string; old: unknown; new: unknown }[] {
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) => diffFields((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k));
  }
  return Object.is(a, b) ? [] : [{ field: path, old: a, new: b }];
}

