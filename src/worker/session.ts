// The training session behind the worker: owns the GPU context and the comparison, turns page
// intents (WorkerRequest) into engine calls and engine results into reports (WorkerReport).
// It runs in the browser worker and, for tests, in Node with a Dawn device: the host injects
// the device, the shader source and the data loader.
//
// Run control is the state machine of protocol.ts (`Control`), reported on every move. Training
// runs in a loop that yields to the event loop between steps; at each step boundary the loop
// applies what is due (boundary.ts): scheduled changes and the user's edits, forks and removals,
// each acknowledged with the step it took effect at. Work that needs the runs still (a sample, a
// prediction, an export; handlers.ts) goes through `betweenSteps`, which holds the loop at a
// boundary, does the work and lets training go on. Every report about the comparison carries the
// generation of the `configure` that built it (docs/architecture.md, "Run control").
//
// Seeds: a config with `seeds` S > 1 is trained as S Comparisons, seed s built with `seed + s`,
// stepped one after the other within each lockstep step; every edit, fork and removal applies to
// all of them at the same boundary. Seed 0 is `comparison` and speaks for the runs (status, samples,
// predictions, checkpoints, histograms); the others report metrics tagged with their `seed`.
//
// Data: the dataset is loaded once and kept while configurations name it; a config's
// `trainSubset` trains on a view of its first N training images (trainingDataFor), and its
// sharpness is then measured on the training batch, as the CLI's (sharpnessBatchFor).
import type { AdapterReport } from '../gpu/device';
import type { GpuContext } from '../gpu/context';
import { readRanges } from '../gpu/readback';
import { Comparison, sharpnessBatchFor, type ComparisonHooks, type EvalMetrics } from '../train/comparison';
import { captureComparison, resumeComparison, type ComparisonState } from '../train/checkpoint';
import { seedOf, type ComparisonConfig } from '../train/config';
import { SharpnessSchedule } from '../train/sharpnessSchedule';
import { validateConfig, validateField } from '../train/configSchema';
import { validateLiveField } from '../train/liveSettings';
import { memoryPlanCheck, modelDataFor, planComparison } from '../train/memoryPlan';
import { allocateInScope, describeFault, watchDevice } from '../gpu/errors';
import { checkTextFitsContext } from '../data/textDataset';
import { MODEL_PRESETS } from '../train/config';
import { METRIC, type StepMetrics } from '../train/run';
import { modelDataOf, trainingDataFor, type TrainingData } from '../train/trainingData';
import { BoundaryQueue, type BoundaryPlan } from './boundary';
import { exportCheckpoint, predictImages, sampleText, toyTrajectories, type HandlerContext } from './handlers';
import { hessianHistogram } from './histogram';
import { buildUserDataset } from '../data/userData';
import { PROTOCOL_VERSION, type Control, type EvalPoint, type RunStatus, type ScheduledChange, type SharpnessPoint, type TrainPoint, type UserData, type WorkerReport, type WorkerRequest } from './protocol';

export interface SessionHost {
  ctx: GpuContext;
  report: AdapterReport;
  /** A new device after the old one was lost (resume). */
  reacquire(): Promise<{ ctx: GpuContext; report: AdapterReport }>;
  /** Loads (or fetches) the dataset a config names. */
  loadData(config: ComparisonConfig): Promise<TrainingData>;
  post(report: WorkerReport): void;
  /** Milliseconds between metrics messages (default 100: about 10 Hz). */
  flushEveryMs?: number;
  /** Every step of every run with the settings it was encoded with (tests of the event log). */
  recordStep?(generation: number, metrics: StepMetrics): void;
}

/** Lanczos steps of each sharpness measurement during training (the top eigenvalue converges first). */
const SHARPNESS_LANCZOS_STEPS = 8;
/** Deliveries kept for the steps/s estimate. */
const RATE_WINDOW = 20;

/** Yields to the event loop so that intents (pause, edits) are handled between steps. */
function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The `seed` field of a metrics point: absent for seed 0, so one seed reports as before seeds existed. */
const seedTag = (seed: number): { seed?: number } => (seed === 0 ? {} : { seed });

/** The Comparison of seed s of `config` (its own seed; one seed each). */
export function seedConfig(config: ComparisonConfig, s: number): ComparisonConfig {
  return { ...config, seed: seedOf(config, s), seeds: 1 };
}

export class TrainingSession {
  private comparison: Comparison | undefined;
  /** Seeds 1 … S − 1 (seed 0 is `comparison`), in seed order. */
  private others: Comparison[] = [];
  private config: ComparisonConfig | undefined;
  /** The dataset of `config` as loaded (whole splits), kept for the next comparison of the same dataset. */
  private loaded: TrainingData | undefined;
  /** What the comparisons train on: `loaded`, or a view of its first `config.trainSubset` training images. */
  private data: TrainingData | undefined;
  private generation = 0;
  private control: Control = 'idle';
  /** The loop trains while this is true; Pause (or a hold) clears it. */
  private running = false;
  /** Set while `betweenSteps` holds the loop: its stop is not a pause the page asked for. */
  private holding = false;
  private loop: Promise<void> | undefined;
  private stepsLeft = Infinity;
  private readonly boundary = new BoundaryQueue();
  /** Changes applied so far (scheduled again after a device loss sends the runs back). */
  private applied: { step: number; change: ScheduledChange }[] = [];
  private readonly train: TrainPoint[] = [];
  private readonly evals: EvalPoint[] = [];
  private readonly sharpnessPoints: SharpnessPoint[] = [];
  private lastFlush = 0;
  /** Training time of the finished loop segments; the open one starts at `segmentStart`. */
  private trainingMs = 0;
  private sharpnessSchedule = new SharpnessSchedule(0);
  private segmentStart: number | null = null;
  /** performance.now() of the latest step deliveries of this segment (steps/s). */
  private readonly deliveries: number[] = [];
  private readonly refreshSeen = new Map<string, number>();
  /** Datasets uploaded by the user, by dataset name. */
  private readonly uploaded = new Map<string, TrainingData>();
  private readonly handlerContext: HandlerContext;

  private ctx: GpuContext;
  /** The last in-memory checkpoint (every `checkpointEvery` steps), for resuming after a device loss. */
  private checkpoint: ComparisonState[] | undefined; // one per seed
  private lost = false;
  private disposing = false;
  private unwatch: () => void = () => undefined;

  constructor(private readonly host: SessionHost) {
    this.ctx = host.ctx;
    this.watch();
    this.handlerContext = {
      ctx: () => this.ctx,
      comparison: () => this.requireComparison(),
      data: () => this.data,
      post: (r) => this.post(r),
      betweenSteps: (work) => this.betweenSteps(work),
    };
  }

  /** Reports device loss and uncaptured errors of the current device. */
  private watch(): void {
    this.unwatch();
    this.unwatch = watchDevice(this.ctx.device, (fault) => {
      if (fault.kind !== 'device-lost') {
        this.post({ type: 'error', message: describeFault(fault) });
        return;
      }
      if (this.disposing) return;
      this.lost = true;
      this.running = false;
      const message = describeFault(fault);
      const at = this.checkpoint?.[0].step ?? null;
      this.post({ type: 'device-lost', message, resumable: this.checkpoint !== undefined });
      for (const r of this.comparison?.runs ?? []) this.status(r.id, { state: 'device-lost', message, checkpointStep: at });
    });
  }

  /** Handles one request; resolves when its immediate effect is done (training goes on). */
  async handle(msg: WorkerRequest): Promise<void> {
    try {
      switch (msg.type) {
        case 'probe':
          this.post({ type: 'adapter', report: this.host.report });
          return;
        case 'configure':
          return await this.configure(msg);
        case 'start':
          return this.start(Infinity);
        case 'step':
          return this.start(Math.max(1, Math.floor(msg.count ?? 1)));
        case 'pause':
          return await this.pause();
        case 'fork': {
          const problem = validateField('runs[0].name', msg.name) ?? validateField('runs[0].id', msg.newRunId);
          if (problem) throw new Error(problem);
          this.requireComparison();
          this.boundary.push({ kind: 'fork', requestId: msg.requestId, runId: msg.newRunId, from: msg.runId, name: msg.name });
          return await this.applyIfIdle();
        }
        case 'edit': {
          const problem = validateLiveField(msg.field, msg.value);
          if (problem) {
            this.post({ type: 'edit-rejected', generation: this.generation, runId: msg.runId, field: msg.field, message: problem, requestId: msg.requestId });
            return;
          }
          // Nothing built (its build failed): the page keeps the edit itself (runsSlice.ts).
          if (!this.comparison) return;
          this.boundary.push({ kind: 'set', requestId: msg.requestId, runId: msg.runId, field: msg.field, value: msg.value });
          return await this.applyIfIdle();
        }
        case 'unschedule':
          this.boundary.clearSchedule();
          return;
        case 'remove-run':
          this.requireComparison();
          this.boundary.push({ kind: 'remove', requestId: msg.requestId, runId: msg.runId });
          return await this.applyIfIdle();
        case 'toy':
          this.post({ type: 'toy-result', result: await toyTrajectories(this.ctx, msg.request) });
          return;
        case 'sample':
          return await sampleText(this.handlerContext, msg);
        case 'predict-images':
          return await predictImages(this.handlerContext, msg.requestId, msg.count);
        case 'user-data':
          return this.receiveUserData(msg.data);
        case 'resume':
          return await this.resume();
        case 'export-checkpoint':
          return await exportCheckpoint(this.handlerContext, msg.runId, msg.requestId);
        case 'simulate-device-loss':
          this.ctx.device.destroy();
          return;
      }
    } catch (e) {
      this.post({ type: 'error', message: messageOf(e) });
    }
  }

  /** The comparison being trained (tests). */
  get current(): Comparison | undefined {
    return this.comparison;
  }

  /** Every seed's comparison, seed 0 first (empty when nothing is built). */
  get seeds(): readonly Comparison[] {
    return this.comparison ? [this.comparison, ...this.others] : [];
  }

  /** Waits until the training loop has stopped and every metric has been posted (tests). */
  async idle(): Promise<void> {
    await this.loop;
    for (const c of this.seeds) await c.drain();
    this.flush(true);
  }

  async dispose(): Promise<void> {
    this.disposing = true;
    this.unwatch();
    await this.stopLoop();
    this.destroyComparisons();
  }

  private destroyComparisons(): void {
    for (const c of this.seeds) c.destroy();
    this.comparison = undefined;
    this.others = [];
  }

  private post(r: WorkerReport): void {
    this.host.post(r);
  }

  private setControl(state: Control, message?: string): void {
    this.control = state;
    const step = this.comparison?.nextStep ?? 0;
    this.post({ type: 'control', generation: this.generation, state, step, ...(message !== undefined ? { message } : {}) });
  }

  /** Builds the comparison at step 0 (also Reset), then trains `steps` steps when asked to. */
  private async configure(msg: Extract<WorkerRequest, { type: 'configure' }>): Promise<void> {
    await this.stopLoop();
    // From here on, whatever the old comparison still had in flight is of the old generation.
    this.flush(true);
    this.generation = msg.generation;
    this.boundary.clear();
    this.applied = [];
    this.destroyComparisons();
    this.checkpoint = undefined;
    if (msg.protocolVersion !== PROTOCOL_VERSION) {
      this.setControl('failed', `The page speaks protocol ${msg.protocolVersion}, this worker ${PROTOCOL_VERSION}: reload the page`);
      return;
    }
    this.setControl('building');
    try {
      const limits = this.ctx.device.limits;
      const vocabOf = (c: ComparisonConfig) => {
        const d = this.uploaded.get(c.dataset) ?? (this.config?.dataset === c.dataset ? this.loaded : undefined);
        return d ? modelDataOf(d) : modelDataFor(c);
      };
      const checked = validateConfig(msg.config, { checks: [memoryPlanCheck(limits, vocabOf)] });
      if (!checked.ok) {
        this.post({ type: 'config-rejected', generation: this.generation, issues: checked.errors.map((m) => ({ path: m.split(' ')[0], message: m })) });
        this.setControl('failed', `The configuration was refused: ${checked.errors[0]}`);
        return;
      }
      const config = checked.config;
      const loaded = this.uploaded.get(config.dataset) ?? (this.loaded && this.config?.dataset === config.dataset ? this.loaded : await this.host.loadData(config));
      const data = trainingDataFor(loaded, config);
      const model = MODEL_PRESETS[config.model];
      if (data.kind === 'text' && model.kind === 'gpt') checkTextFitsContext(data.dataset, model.context);
      const plan = planComparison(config, modelDataOf(data));
      this.loaded = loaded;
      this.data = data;
      this.config = config;
      this.train.length = 0;
      this.evals.length = 0;
      this.sharpnessPoints.length = 0;
      this.trainingMs = 0;
      this.sharpnessSchedule = new SharpnessSchedule(config.sharpnessEvery);
      this.refreshSeen.clear();
      await allocateInScope(this.ctx.device, { label: 'the comparison', bytes: plan.totalBytes }, () => {
        this.comparison = new Comparison(this.ctx, seedConfig(config, 0), data, this.hooks(0));
        for (let s = 1; s < config.seeds; s++) this.others.push(new Comparison(this.ctx, seedConfig(config, s), data, this.hooks(s)));
      });
      this.boundary.setSchedule(msg.schedule);
      await this.keepCheckpoint();
    } catch (e) {
      this.destroyComparisons();
      this.setControl('failed', messageOf(e));
      return;
    }
    const c = this.requireComparison();
    this.post({ type: 'configured', generation: this.generation, config: this.config, runs: c.runs.map((r) => ({ runId: r.id, parameters: r.model.layout.count, step: 0 })) });
    for (const r of c.runs) this.status(r.id, { state: 'idle' });
    this.setControl('idle');
    if (msg.steps === null) this.start(Infinity);
    else if (msg.steps > 0) this.start(msg.steps);
  }

  private start(steps: number): void {
    const c = this.requireComparison();
    this.stepsLeft = steps;
    if (this.running) return;
    if (this.loop) {
      // Still stopping: train on once it has (the pause, if any, wins only until then).
      const stopping = this.loop;
      void stopping.then(() => {
        if (!this.running && this.comparison === c && this.loop === undefined) this.start(this.stepsLeft);
      });
      return;
    }
    this.running = true;
    this.segmentStart = performance.now();
    this.deliveries.length = 0;
    for (const r of c.runs) if (c.isActive(r.id)) this.status(r.id, { state: 'running' });
    this.setControl('running');
    this.loop = this.trainLoop(c).finally(() => {
      this.loop = undefined;
    });
  }

  /** Pause: the loop ends at the next step boundary; `pausing` until it has. */
  private async pause(): Promise<void> {
    if (!this.running) {
      // Nothing trains (a build with no steps, or already stopped): say so, the page waits for it.
      if (this.comparison && this.control !== 'failed') this.setControl('paused');
      return;
    }
    this.setControl('pausing');
    await this.stopLoop();
  }

  private async stopLoop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /**
   * Runs `work` at a step boundary: stops the loop there (without telling the page it paused),
   * then lets training go on as it was.
   */
  private async betweenSteps<T>(work: () => Promise<T>): Promise<T> {
    const wasRunning = this.running;
    this.holding = true;
    try {
      await this.stopLoop();
      return await work();
    } finally {
      this.holding = false;
      if (wasRunning && this.comparison && !this.lost) this.start(this.stepsLeft);
    }
  }

  /** Whether any run of any seed still trains. */
  private anyActive(): boolean {
    return this.seeds.some((c) => c.runs.some((r) => c.isActive(r.id)));
  }

  private async trainLoop(c: Comparison): Promise<void> {
    const cfg = this.config!;
    const seeds = this.seeds;
    let failed: string | null = null;
    try {
      while (this.running && this.stepsLeft > 0 && c.nextStep < cfg.totalSteps && this.anyActive()) {
        await this.applyBoundary(c);
        if (!this.anyActive()) break;
        for (const seed of seeds) await seed.step();
        this.stepsLeft--;
        this.noteRefreshes(c);
        const done = c.nextStep;
        if (cfg.evalEvery > 0 && done % cfg.evalEvery === 0) for (const seed of seeds) await seed.evaluate();
        if (this.sharpnessSchedule.due(done)) await this.measureSharpness(cfg.sharpnessProbes, done);
        if (cfg.checkpointEvery > 0 && done % cfg.checkpointEvery === 0) await this.keepCheckpoint();
        this.flush(false);
        await yieldToEvents();
      }
      for (const seed of seeds) await seed.drain();
      // Stopped at a boundary: edits that arrived during the last step apply now, not never.
      if (!this.lost && this.comparison === c) await this.applyBoundary(c);
    } catch (e) {
      if (!this.lost) failed = `Training stopped: ${messageOf(e)}`;
    } finally {
      if (this.segmentStart !== null) this.trainingMs += performance.now() - this.segmentStart;
      this.segmentStart = null;
      this.running = false;
      this.flush(true);
      const finished = c.nextStep >= cfg.totalSteps;
      for (const r of this.lost ? [] : c.runs) {
        if (!c.isActive(r.id)) continue;
        this.status(r.id, finished ? { state: 'finished', step: c.nextStep } : { state: 'paused' });
      }
      if (failed !== null) this.setControl('failed', failed);
      else if (!this.holding && this.comparison === c) this.setControl(c.nextStep === 0 ? 'idle' : 'paused');
    }
  }

  /** At a step boundary with the loop stopped: applies the user's edits now. */
  private async applyIfIdle(): Promise<void> {
    if (this.loop || !this.comparison) return; // the loop applies them before its next step
    await this.applyBoundary(this.comparison);
  }

  /** Applies what is due at this boundary, batch by batch (boundary.ts), and acknowledges it. */
  private async applyBoundary(c: Comparison): Promise<void> {
    while (this.boundary.hasWork(c.nextStep)) await this.applyBatch(c, this.boundary.plan(c.nextStep, new Map(c.runs.map((r) => [r.id, r.settings]))));
  }

  /** Applies one batch of changes to every seed; reports it once (seed 0's runs speak for all). */
  private async applyBatch(c: Comparison, plan: BoundaryPlan): Promise<void> {
    const step = c.nextStep;
    for (const f of plan.forks) {
      for (const seed of this.seeds) await seed.fork(f.from, f.config);
      this.refreshSeen.set(f.config.id, c.runById(f.config.id).refreshCount);
      this.applied.push({ step, change: { kind: 'fork', id: -1, step, runId: f.config.id, from: f.from, name: f.config.name } });
      this.post({ type: 'run-added', generation: this.generation, run: f.config, forkedFrom: { runId: f.from, step }, requestId: f.requestId, scheduledId: f.scheduledId });
      this.status(f.config.id, { state: this.running ? 'running' : 'paused' });
    }
    for (const ch of plan.changes) {
      for (const seed of this.seeds) {
        if (ch.rebuild) await seed.rebuildRun(ch.runId, ch.next);
        else seed.reconfigureNow(ch.runId, ch.next);
      }
    }
    for (const e of plan.events) this.applied.push({ step, change: { kind: 'set', id: -1, step, runId: e.runId, field: e.field, value: e.new } });
    for (const r of plan.refused) this.post({ type: 'error', message: `A change at step ${step} was not applied: ${r.message}` });
    this.post({ type: 'applied', generation: this.generation, step, requestIds: plan.requestIds, scheduledIds: plan.scheduledIds, events: plan.events });
    for (const r of plan.removals) {
      for (const seed of this.seeds) await seed.removeRun(r.runId);
      this.refreshSeen.delete(r.runId);
      this.applied.push({ step, change: { kind: 'remove', id: -1, step, runId: r.runId } });
      this.post({ type: 'run-removed', generation: this.generation, step, runId: r.runId, index: r.index, run: r.run, requestId: r.requestId, scheduledId: r.scheduledId });
    }
  }

  private wallMs(): number {
    return this.trainingMs + (this.segmentStart !== null ? performance.now() - this.segmentStart : 0);
  }

  /** Steps per second over the latest deliveries of this loop segment (GPU-paced), once known. */
  private stepsPerSec(): number | undefined {
    const d = this.deliveries;
    if (d.length < 4) return undefined;
    const span = d[d.length - 1] - d[0];
    return span > 0 ? ((d.length - 1) * 1000) / span : undefined;
  }

  private onStep(metrics: StepMetrics[], seed: number): void {
    if (seed === 0) {
      this.deliveries.push(performance.now());
      if (this.deliveries.length > RATE_WINDOW) this.deliveries.shift();
    }
    const wallMs = this.wallMs();
    const stepsPerSec = this.stepsPerSec();
    for (const m of metrics) {
      if (seed === 0) this.host.recordStep?.(this.generation, m);
      if (!m.finite) continue;
      this.train.push({ runId: m.runId, step: m.step + 1, wallMs, loss: m.loss, gradNorm: m.gradNorm, lr: m.lr, maskFraction: m.maskFraction, kappaEff: m.kappa, stepsPerSec, gradEvals: m.gradEvals, ...seedTag(seed) });
    }
  }

  private onEval(metrics: EvalMetrics[], seed: number): void {
    const classifier = this.data?.kind === 'image';
    for (const m of metrics) {
      this.evals.push({ runId: m.runId, step: m.step, wallMs: this.wallMs(), valLoss: m.loss, valAcc: classifier ? m.accuracy : undefined, ...seedTag(seed) });
    }
  }

  /** Copies every run's state of every seed to the CPU (parameters, optimizer and IRE state, step). */
  private async keepCheckpoint(): Promise<void> {
    const states: ComparisonState[] = [];
    for (const c of this.seeds) states.push(await captureComparison(this.ctx.device, c));
    this.checkpoint = states;
    for (const r of this.seeds[0].runs) this.post({ type: 'checkpoints', generation: this.generation, runId: r.id, steps: [states[0].step] });
  }

  /**
   * After a device loss: a new device, every run restored from the last in-memory checkpoint, and
   * the changes applied since that checkpoint scheduled again at their steps.
   */
  private async resume(): Promise<void> {
    if (!this.lost) throw new Error('Nothing to resume: the GPU device was not lost');
    const states = this.checkpoint;
    const data = this.data;
    if (!states || !data || !this.config) throw new Error('No checkpoint is held in memory: configure the comparison again');
    const state = states[0];
    await this.loop;
    this.comparison = undefined; // their buffers died with the old device
    this.others = [];
    const fresh = await this.host.reacquire();
    this.ctx = fresh.ctx;
    this.lost = false;
    this.watch();
    const resumed = states.map((st, s) => resumeComparison(this.ctx, st, data, this.hooks(s)));
    this.comparison = resumed[0];
    this.others = resumed.slice(1);
    const redo = this.applied.filter((a) => a.step >= state.step).map((a, i) => ({ ...a.change, id: -1 - i }));
    this.applied = this.applied.filter((a) => a.step < state.step);
    this.boundary.addScheduled(redo);
    this.refreshSeen.clear();
    for (const r of this.comparison.runs) {
      this.refreshSeen.set(r.id, r.refreshCount);
      this.status(r.id, this.comparison.isActive(r.id) ? { state: 'paused' } : { state: 'diverged', step: r.step, lastFinite: null, reason: 'diverged before the device was lost' });
    }
    this.post({ type: 'adapter', report: fresh.report });
    this.setControl(this.comparison.nextStep === 0 ? 'idle' : 'paused');
  }

  /** The hooks of seed `seed`'s comparison: its metrics carry the seed; seed 0 speaks for the runs. */
  private hooks(seed: number): ComparisonHooks {
    return {
      onStep: (m) => this.onStep(m, seed),
      onEval: (m) => this.onEval(m, seed),
      onDiverged: (id, step, last) => this.onDiverged(id, step, last, seed),
    };
  }

  /** Measures sharpness of every seed after `done` steps and lets the schedule (sharpnessSchedule.ts) time it. */
  private async measureSharpness(probes: number, done: number): Promise<void> {
    const wallMs = this.wallMs();
    const started = performance.now();
    for (const [seed, c] of this.seeds.entries()) {
      const points = await c.measureSharpness(probes, SHARPNESS_LANCZOS_STEPS, true, sharpnessBatchFor(c.config));
      for (const m of points) {
        if (!Number.isFinite(m.trace)) continue;
        const point: SharpnessPoint = { runId: m.runId, step: m.step, wallMs, trace: m.trace, traceStderr: Number.isFinite(m.stderr) ? m.stderr : 0, topEig: m.topEig, ...seedTag(seed) };
        const edge = m.threshold?.of === 'preconditioned' ? m.precondTopEig : m.topEig;
        if (m.threshold && edge !== undefined && Number.isFinite(edge)) Object.assign(point, { eosSharpness: edge, eosThreshold: m.threshold.value });
        this.sharpnessPoints.push(point);
      }
    }
    const measureMs = performance.now() - started;
    // One training step's time: from the delivery rate, else the loop's average so far.
    const rate = this.stepsPerSec();
    const stepMs = rate !== undefined ? 1000 / rate : done > 0 ? (this.wallMs() - measureMs) / done : NaN;
    this.sharpnessSchedule.measured(done, measureMs, stepMs);
    this.deliveries.length = 0; // steps/s is the training rate: the measurement's pause is not a step
  }

  /** Keeps an uploaded dataset for configurations that name it ('user-text', 'cifar10'). */
  private receiveUserData(d: UserData): void {
    this.uploaded.set(d.dataset, buildUserDataset(d));
    if (this.config?.dataset === d.dataset) {
      this.loaded = undefined;
      this.data = undefined;
    }
  }

  private onDiverged(runId: string, step: number, last: StepMetrics | undefined, seed: number): void {
    this.flush(true);
    if (seed > 0) {
      // Its curve ends here; the run's other seeds go on (the results table counts it as not arriving).
      this.post({ type: 'error', message: `Run ${runId}, seed ${seed + 1} of ${this.seeds.length} (seed ${(this.config?.seed ?? 0) + seed}): the loss or the gradient became NaN or infinite at step ${step + 1}; that seed stopped, the others go on` });
      return;
    }
    this.status(runId, {
      state: 'diverged',
      step: step + 1,
      lastFinite: last ? { runId, step: last.step + 1, wallMs: 0, loss: last.loss, gradNorm: last.gradNorm, lr: last.lr } : null,
      reason: 'the loss or the gradient became NaN or infinite',
    });
  }

  private flush(force: boolean): void {
    const now = performance.now();
    if (!force && now - this.lastFlush < (this.host.flushEveryMs ?? 100)) return;
    this.lastFlush = now;
    if (this.train.length === 0 && this.evals.length === 0 && this.sharpnessPoints.length === 0) return;
    this.post({ type: 'metrics', generation: this.generation, train: this.train.splice(0), eval: this.evals.splice(0), sharpness: this.sharpnessPoints.splice(0), sharpnessCost: this.sharpnessSchedule.cost(this.wallMs()) ?? undefined });
  }

  /** After a step that refreshed a run's IRE mask, reads h and posts its histogram (not awaited). */
  private noteRefreshes(c: Comparison): void {
    const generation = this.generation;
    for (const run of c.runs) {
      if (!run.ire || this.refreshSeen.get(run.id) === run.refreshCount) continue;
      this.refreshSeen.set(run.id, run.refreshCount);
      const step = run.step;
      const gamma = run.ire.settings.gamma;
      const layout = run.model.layout;
      void readRanges(this.ctx.device, [{ buffer: run.ire.h, size: layout.total * 4 }, { buffer: run.metrics, size: 32 }], 'Session.histogram')
        .then(([h, metrics]) => {
          const threshold = new Float32Array(metrics)[METRIC.threshold];
          this.post({ type: 'histogram', generation, histogram: hessianHistogram(run.id, step, new Float32Array(h), layout, threshold, gamma) });
        })
        .catch(() => undefined);
    }
  }

  private status(runId: string, status: RunStatus): void {
    this.post({ type: 'status', generation: this.generation, runId, status });
  }

  private requireComparison(): Comparison {
    if (!this.comparison) throw new Error('No comparison is configured yet');
    return this.comparison;
  }
}
