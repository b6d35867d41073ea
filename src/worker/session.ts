// The training session behind the worker: owns the GPU context and the comparison, turns page
// intents (WorkerRequest) into engine calls and engine results into reports (WorkerReport).
// It runs in the browser worker and, for tests, in Node with a Dawn device: the host injects
// the device, the shader source and the data loader.
import type { AdapterReport } from '../gpu/device';
import type { GpuContext } from '../gpu/context';
import { readRanges } from '../gpu/readback';
import { runToy } from '../optim/toyExperiment';
import { Comparison, type ComparisonHooks, type EvalMetrics } from '../train/comparison';
import { captureComparison, encodeRunCheckpoint, resumeComparison, type ComparisonState } from '../train/checkpoint';
import type { ComparisonConfig, RunConfig } from '../train/config';
import { validateConfig, validateField } from '../train/configSchema';
import { memoryPlanCheck, modelDataFor, planComparison } from '../train/memoryPlan';
import { allocateInScope, describeFault, watchDevice } from '../gpu/errors';
import { buildTextDataset, checkTextFitsContext } from '../data/textDataset';
import { cifar10Dataset, sortCifar10Files } from '../data/cifar10';
import { MODEL_PRESETS } from '../train/config';
import { METRIC, type StepMetrics } from '../train/run';
import { predictImages } from '../train/predictions';
import { TextSampler } from '../train/textSampler';
import { modelDataOf, type TrainingData } from '../train/trainingData';
import { hessianHistogram } from './histogram';
import { liveFieldPath, readLiveField, writeLiveField } from './liveFields';
import {
  MAX_PREDICTED_IMAGES,
  PROTOCOL_VERSION,
  type EvalPoint,
  type SharpnessPoint,
  type UserData,
  type LiveField,
  type LiveValue,
  type RunStatus,
  type ToyRequest,
  type TrainPoint,
  type WorkerReport,
  type WorkerRequest,
} from './protocol';

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
}

/** Power-iteration steps per sharpness measurement (2 gradients each, like a probe). */
const SHARPNESS_POWER_ITERATIONS = 6;

/** Yields to the event loop so that intents (pause, set) are handled between steps. */
function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

export class TrainingSession {
  private comparison: Comparison | undefined;
  private config: ComparisonConfig | undefined;
  private data: TrainingData | undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  private stepsLeft = Infinity;
  private readonly train: TrainPoint[] = [];
  private readonly evals: EvalPoint[] = [];
  private lastFlush = 0;
  private trainingMs = 0;
  private resumedAt = 0;
  private readonly refreshSeen = new Map<string, number>();
  private readonly stepTimes: number[] = [];
  private sampler: TextSampler | undefined;
  private readonly sharpnessPoints: SharpnessPoint[] = [];
  /** Datasets uploaded by the user, by dataset name. */
  private readonly uploaded = new Map<string, TrainingData>();

  private ctx: GpuContext;
  /** The last in-memory checkpoint (every `checkpointEvery` steps), for resuming after a device loss. */
  private checkpoint: ComparisonState | undefined;
  private lost = false;
  private disposing = false;
  private unwatch: () => void = () => undefined;

  constructor(private readonly host: SessionHost) {
    this.ctx = host.ctx;
    this.watch();
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
      const at = this.checkpoint?.step ?? null;
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
          return await this.configure(msg.protocolVersion, msg.config);
        case 'start':
          return this.start(Infinity);
        case 'step':
          return this.start(Math.max(1, Math.floor(msg.count ?? 1)));
        case 'pause':
          return await this.pause();
        case 'reset':
          if (!this.config) throw new Error('Nothing to reset: no comparison is configured');
          return await this.configure(PROTOCOL_VERSION, this.config);
        case 'fork':
          return await this.fork(msg.runId, msg.newRunId, msg.name);
        case 'set':
          return await this.set(msg.runId, msg.field, msg.value, msg.requestId);
        case 'remove-run':
          return await this.removeRun(msg.runId);
        case 'toy':
          return await this.toy(msg.request);
        case 'sample':
          return await this.sample(msg.requestId, msg.prompt, msg.maxTokens, msg.temperature, msg.seed);
        case 'predict-images':
          return await this.predictImages(msg.requestId, msg.count);
        case 'user-data':
          return this.receiveUserData(msg.data);
        case 'resume':
          return await this.resume();
        case 'export-checkpoint':
          return await this.exportCheckpoint(msg.runId, msg.requestId);
        case 'simulate-device-loss':
          this.ctx.device.destroy();
          return;
      }
    } catch (e) {
      this.post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
    }
  }

  /** The comparison being trained (tests). */
  get current(): Comparison | undefined {
    return this.comparison;
  }

  /** Waits until the training loop has stopped and every metric has been posted (tests). */
  async idle(): Promise<void> {
    await this.loop;
    await this.comparison?.drain();
    this.flush(true);
  }

  async dispose(): Promise<void> {
    this.disposing = true;
    this.unwatch();
    await this.pause();
    this.comparison?.destroy();
    this.comparison = undefined;
    this.sampler?.destroy();
    this.sampler = undefined;
  }

  private post(r: WorkerReport): void {
    this.host.post(r);
  }

  private async configure(version: number, raw: ComparisonConfig): Promise<void> {
    if (version !== PROTOCOL_VERSION) throw new Error(`The page speaks protocol ${version}, this worker ${PROTOCOL_VERSION}: reload the page`);
    const limits = this.ctx.device.limits;
    const vocabOf = (c: ComparisonConfig) => {
      const d = this.uploaded.get(c.dataset) ?? (this.config?.dataset === c.dataset ? this.data : undefined);
      return d ? modelDataOf(d) : modelDataFor(c);
    };
    const checked = validateConfig(raw, { checks: [memoryPlanCheck(limits, vocabOf)] });
    if (!checked.ok) {
      this.post({ type: 'config-rejected', issues: checked.errors.map((m) => ({ path: m.split(' ')[0], message: m })) });
      return;
    }
    await this.pause();
    this.comparison?.destroy();
    this.comparison = undefined;
    const config = checked.config;
    const data = this.uploaded.get(config.dataset) ?? (this.data && this.config?.dataset === config.dataset ? this.data : await this.host.loadData(config));
    const model = MODEL_PRESETS[config.model];
    if (data.kind === 'text' && model.kind === 'gpt') checkTextFitsContext(data.dataset, model.context);
    const plan = planComparison(config, modelDataOf(data));
    this.data = data;
    this.config = config;
    this.train.length = 0;
    this.evals.length = 0;
    this.trainingMs = 0;
    this.stepTimes.length = 0;
    this.refreshSeen.clear();
    this.comparison = await allocateInScope(this.ctx.device, { label: 'the comparison', bytes: plan.totalBytes }, () =>
      new Comparison(this.ctx, config, data, this.hooks()),
    );
    this.checkpoint = undefined;
    await this.keepCheckpoint(this.comparison);
    this.post({
      type: 'configured',
      config,
      runs: this.comparison.runs.map((r) => ({ runId: r.id, parameters: r.model.layout.count, step: 0 })),
    });
    for (const r of this.comparison.runs) this.status(r.id, { state: 'idle' });
    this.post({ type: 'progress', step: 0, running: false });
  }

  private start(steps: number): void {
    const c = this.requireComparison();
    if (this.running) {
      this.stepsLeft = steps;
      return;
    }
    this.running = true;
    this.stepsLeft = steps;
    this.resumedAt = performance.now();
    for (const r of c.runs) if (c.isActive(r.id)) this.status(r.id, { state: 'running' });
    this.post({ type: 'progress', step: c.nextStep, running: true });
    this.loop = this.trainLoop(c);
  }

  private async pause(): Promise<void> {
    this.running = false;
    await this.loop;
    this.loop = undefined;
  }

  private async trainLoop(c: Comparison): Promise<void> {
    const cfg = this.config!;
    try {
      while (this.running && this.stepsLeft > 0 && c.nextStep < cfg.totalSteps && c.runs.some((r) => c.isActive(r.id))) {
        const t0 = performance.now();
        await c.step();
        this.stepsLeft--;
        this.noteRefreshes(c);
        const done = c.nextStep;
        if (cfg.evalEvery > 0 && done % cfg.evalEvery === 0) await c.evaluate();
        if (cfg.sharpnessEvery > 0 && done % cfg.sharpnessEvery === 0) await this.measureSharpness(c, cfg.sharpnessProbes);
        if (cfg.checkpointEvery > 0 && done % cfg.checkpointEvery === 0) await this.keepCheckpoint(c);
        this.stepTimes.push(performance.now() - t0);
        if (this.stepTimes.length > 20) this.stepTimes.shift();
        this.flush(false);
        await yieldToEvents();
      }
      await c.drain();
    } catch (e) {
      if (!this.lost) this.post({ type: 'error', message: `Training stopped: ${e instanceof Error ? e.message : String(e)}` });
    } finally {
      this.trainingMs += performance.now() - this.resumedAt;
      this.running = false;
      this.flush(true);
      const finished = c.nextStep >= cfg.totalSteps;
      for (const r of this.lost ? [] : c.runs) {
        if (!c.isActive(r.id)) continue;
        this.status(r.id, finished ? { state: 'finished', step: c.nextStep } : { state: 'paused' });
      }
      this.post({ type: 'progress', step: c.nextStep, running: false });
    }
  }

  private wallMs(): number {
    return this.trainingMs + (this.running ? performance.now() - this.resumedAt : 0);
  }

  private onStep(metrics: StepMetrics[]): void {
    const wallMs = this.wallMs();
    const mean = this.stepTimes.length ? this.stepTimes.reduce((a, b) => a + b, 0) / this.stepTimes.length : 0;
    for (const m of metrics) {
      if (!m.finite) continue;
      this.train.push({
        runId: m.runId,
        step: m.step + 1,
        wallMs,
        loss: m.loss,
        gradNorm: m.gradNorm,
        lr: m.lr,
        maskFraction: m.maskFraction,
        kappaEff: m.kappa,
        stepsPerSec: mean > 0 ? 1000 / mean : undefined,
      });
    }
  }

  private onEval(metrics: EvalMetrics[]): void {
    const classifier = this.data?.kind === 'image';
    for (const m of metrics) {
      this.evals.push({ runId: m.runId, step: m.step, wallMs: this.wallMs(), valLoss: m.loss, valAcc: classifier ? m.accuracy : undefined });
    }
  }

  /** Copies every run's state to the CPU (parameters, optimizer and IRE state, step). */
  private async keepCheckpoint(c: Comparison): Promise<void> {
    this.checkpoint = await captureComparison(this.ctx.device, c);
    for (const r of c.runs) this.post({ type: 'checkpoints', runId: r.id, steps: [this.checkpoint.step] });
  }

  /** Encodes one run's state at the current step as a safetensors file for the page. */
  private async exportCheckpoint(runId: string, requestId: number): Promise<void> {
    const c = this.requireComparison();
    c.runById(runId);
    const wasRunning = this.running;
    await this.pause();
    try {
      const state = await captureComparison(this.ctx.device, c);
      const bytes = encodeRunCheckpoint(state, runId);
      this.post({ type: 'checkpoint-file', requestId, runId, step: state.step, fileName: `ire-playground-${runId}-step${state.step}.safetensors`, bytes });
    } finally {
      if (wasRunning) this.start(this.stepsLeft);
    }
  }

  /** After a device loss: a new device, every run restored from the last in-memory checkpoint. */
  private async resume(): Promise<void> {
    if (!this.lost) throw new Error('Nothing to resume: the GPU device was not lost');
    const state = this.checkpoint;
    const data = this.data;
    if (!state || !data || !this.config) throw new Error('No checkpoint is held in memory: configure the comparison again');
    await this.loop;
    this.loop = undefined;
    this.sampler = undefined;
    this.comparison = undefined; // its buffers died with the old device
    const fresh = await this.host.reacquire();
    this.ctx = fresh.ctx;
    this.lost = false;
    this.watch();
    this.comparison = resumeComparison(this.ctx, state, data, this.hooks());
    this.refreshSeen.clear();
    for (const r of this.comparison.runs) {
      this.refreshSeen.set(r.id, r.refreshCount);
      this.status(r.id, this.comparison.isActive(r.id) ? { state: 'paused' } : { state: 'diverged', step: r.step, lastFinite: null, reason: 'diverged before the device was lost' });
    }
    this.post({ type: 'adapter', report: fresh.report });
    this.post({ type: 'progress', step: this.comparison.nextStep, running: false });
  }

  private hooks(): ComparisonHooks {
    return {
      onStep: (m) => this.onStep(m),
      onEval: (m) => this.onEval(m),
      onDiverged: (id, step, last) => this.onDiverged(id, step, last),
    };
  }

  private async measureSharpness(c: Comparison, probes: number): Promise<void> {
    const wallMs = this.wallMs();
    for (const m of await c.measureSharpness(probes, SHARPNESS_POWER_ITERATIONS)) {
      if (!Number.isFinite(m.trace)) continue;
      this.sharpnessPoints.push({ runId: m.runId, step: m.step, wallMs, trace: m.trace, traceStderr: Number.isFinite(m.stderr) ? m.stderr : 0, topEig: m.topEig });
    }
  }

  /** Keeps an uploaded dataset for configurations that name it ('user-text', 'cifar10'). */
  private receiveUserData(d: UserData): void {
    if (d.dataset === 'user-text') {
      this.uploaded.set('user-text', { kind: 'text', dataset: buildTextDataset(d.name, d.text) });
    } else {
      const { train, test } = sortCifar10Files(d.files);
      this.uploaded.set('cifar10', { kind: 'image', dataset: cifar10Dataset(train, test) });
    }
    if (this.config?.dataset === d.dataset) this.data = undefined;
  }

  private onDiverged(runId: string, step: number, last: StepMetrics | undefined): void {
    this.flush(true);
    const lastFinite = this.train.filter((p) => p.runId === runId).at(-1) ?? null;
    this.status(runId, {
      state: 'diverged',
      step: step + 1,
      lastFinite: lastFinite ?? (last ? { runId, step: last.step + 1, wallMs: 0, loss: last.loss, gradNorm: last.gradNorm, lr: last.lr } : null),
      reason: 'the loss or the gradient became NaN or infinite',
    });
  }

  private flush(force: boolean): void {
    const now = performance.now();
    if (!force && now - this.lastFlush < (this.host.flushEveryMs ?? 100)) return;
    this.lastFlush = now;
    if (this.train.length === 0 && this.evals.length === 0 && this.sharpnessPoints.length === 0) return;
    this.post({ type: 'metrics', train: this.train.splice(0), eval: this.evals.splice(0), sharpness: this.sharpnessPoints.splice(0) });
  }

  /** After a step that refreshed a run's IRE mask, reads h and posts its histogram (not awaited). */
  private noteRefreshes(c: Comparison): void {
    for (const run of c.runs) {
      if (!run.ire || this.refreshSeen.get(run.id) === run.refreshCount) continue;
      this.refreshSeen.set(run.id, run.refreshCount);
      const step = run.step;
      const gamma = run.ire.settings.gamma;
      const layout = run.model.layout;
      void readRanges(this.ctx.device, [{ buffer: run.ire.h, size: layout.total * 4 }, { buffer: run.metrics, size: 32 }], 'Session.histogram')
        .then(([h, metrics]) => {
          const threshold = new Float32Array(metrics)[METRIC.threshold];
          this.post({ type: 'histogram', histogram: hessianHistogram(run.id, step, new Float32Array(h), layout, threshold, gamma) });
        })
        .catch(() => undefined);
    }
  }

  private async fork(runId: string, newRunId: string, name: string): Promise<void> {
    const c = this.requireComparison();
    const parent = c.runById(runId);
    const config: RunConfig = { ...structuredClone(parent.settings), id: newRunId, name };
    const problem = validateField('runs[0].name', name) ?? validateField('runs[0].id', newRunId);
    if (problem) throw new Error(problem);
    const wasRunning = this.running;
    await this.pause();
    await c.fork(runId, config);
    this.post({ type: 'run-added', run: config, forkedFrom: { runId, step: c.nextStep } });
    this.status(newRunId, { state: 'paused' });
    if (wasRunning) this.start(this.stepsLeft);
  }

  private async set(runId: string, field: LiveField, value: LiveValue, requestId?: number): Promise<void> {
    const c = this.requireComparison();
    const run = c.runById(runId);
    const path = liveFieldPath(0, field);
    const problem = validateField(path, value);
    if (problem) {
      this.post({ type: 'set-rejected', runId, field, message: problem.replace(/^runs\[0\]\./, ''), requestId });
      return;
    }
    const before = run.settings;
    const old = readLiveField(before, field);
    const next = writeLiveField(before, field, value);
    if (field === 'ireEnabled' && old !== value) {
      const wasRunning = this.running;
      await this.pause();
      await c.rebuildRun(runId, next);
      if (wasRunning) this.start(this.stepsLeft);
    } else {
      c.updateRun(runId, next);
    }
    this.post({ type: 'event', event: { step: c.nextStep, runId, field, old, new: value, requestId } });
  }

  private async sample(requestId: number, prompt: string, maxTokens: number, temperature: number, seed: number): Promise<void> {
    const c = this.requireComparison();
    const data = this.data;
    const model = c.modelConfig;
    if (model.kind !== 'gpt' || data?.kind !== 'text') throw new Error('Samples need a text model (gpt-tiny or gpt-small)');
    if (!this.sampler || this.sampler.config !== model) {
      this.sampler?.destroy();
      this.sampler = new TextSampler(this.ctx, model, data.dataset.tokenizer);
    }
    const wasRunning = this.running;
    await this.pause();
    try {
      for (const run of c.runs) {
        if (!c.isActive(run.id)) continue;
        const { text } = await this.sampler.sample(run.model.params, prompt, { maxTokens, temperature, seed });
        this.post({ type: 'sample', requestId, runId: run.id, step: run.step, prompt, text });
      }
    } finally {
      if (wasRunning) this.start(this.stepsLeft);
    }
  }

  /** Each live run's class for the first `count` test images, between steps (like `sample`). */
  private async predictImages(requestId: number, count: number): Promise<void> {
    const c = this.requireComparison();
    if (!Number.isInteger(count) || count < 1 || count > MAX_PREDICTED_IMAGES) {
      throw new Error(`predict-images: count ${count} must be an integer from 1 to ${MAX_PREDICTED_IMAGES}`);
    }
    if (this.data?.kind !== 'image') throw new Error('Predictions need an image model (mlp-mnist, cnn-mnist or cnn-cifar10)');
    const wasRunning = this.running;
    await this.pause();
    try {
      const p = await predictImages(this.ctx.device, c, count);
      this.post({ type: 'image-predictions', predictions: { requestId, ...p } });
    } finally {
      if (wasRunning) this.start(this.stepsLeft);
    }
  }

  private async removeRun(runId: string): Promise<void> {
    const c = this.requireComparison();
    const wasRunning = this.running;
    await this.pause();
    await c.removeRun(runId);
    this.post({ type: 'run-removed', runId });
    if (wasRunning && c.runs.length > 0) this.start(this.stepsLeft);
  }

  private async toy(req: ToyRequest): Promise<void> {
    const ctx = this.ctx;
    const options = { start: req.start, maxSteps: req.steps, gamma: req.gamma };
    const specs = [
      { name: `GD η = ${req.eta}`, lr: req.eta, kappa: 0, method: 'gd' as const },
      { name: `GD η = ${2 * req.eta}`, lr: 2 * req.eta, kappa: 0, method: 'gd' as const },
      { name: `IRE κ = ${req.kappa}`, lr: req.eta, kappa: req.kappa, method: 'ire' as const },
    ];
    const trajectories = [];
    for (const s of specs) {
      const r = await runToy(ctx, { name: s.name, lr: s.lr, kappa: s.kappa }, options);
      const n = r.trajectory.length / 2;
      const u = Array.from({ length: n }, (_, i) => r.trajectory[2 * i]);
      const v = Array.from({ length: n }, (_, i) => r.trajectory[2 * i + 1]);
      const finite = u.map((x, i) => Number.isFinite(x) && Number.isFinite(v[i]));
      const keep = finite.indexOf(false) === -1 ? n : finite.indexOf(false);
      trajectories.push({ label: s.name, method: s.method, eta: s.lr, kappa: s.kappa, u: u.slice(0, keep), v: v.slice(0, keep), diverged: r.divergedAt !== null });
    }
    this.post({ type: 'toy-result', result: { requestId: req.requestId, start: req.start, trajectories } });
  }

  private status(runId: string, status: RunStatus): void {
    this.post({ type: 'status', runId, status });
  }

  private requireComparison(): Comparison {
    if (!this.comparison) throw new Error('No comparison is configured yet');
    return this.comparison;
  }
}
