// A page as the browser has it, in Node: the real store wired to a real TrainingSession (Dawn),
// with the worker's message semantics (requests handled one after another, reports delivered
// asynchronously in order). Every step the engine takes is recorded with the settings it was
// encoded with, so a test can compare what the page logs with what the engine trained.
import { describeAdapter } from '../../src/gpu/device';
import type { GpuContext } from '../../src/gpu/context';
import type { NodeGpu } from '../../src/gpu/node';
import { createAppStore, type AppStore, type StoreOptions } from '../../src/store/store';
import type { ComparisonConfig, RunConfig } from '../../src/train/config';
import type { TrainingData } from '../../src/train/trainingData';
import type { TrainPoint, EvalPoint, WorkerReport, WorkerRequest } from '../../src/worker/protocol';
import { TrainingSession } from '../../src/worker/session';

/** Yields to timers: reports posted before this call have been delivered after it. */
export const macrotask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export class LivePage {
  readonly store: AppStore;
  readonly session: TrainingSession;
  /** Every report the store received, in order. */
  readonly reports: WorkerReport[] = [];
  /** generation → run id → 0-based step → settings the engine encoded that step with. */
  readonly trained = new Map<number, Map<string, Map<number, Readonly<RunConfig>>>>();
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(gpu: { ctx: GpuContext; node: NodeGpu }, loadData: (c: ComparisonConfig) => Promise<TrainingData>, options: Omit<StoreOptions, 'send'> = {}) {
    this.session = new TrainingSession({
      ctx: gpu.ctx,
      report: describeAdapter(gpu.node.adapter, gpu.node.device),
      loadData,
      post: (r) => this.post(r),
      flushEveryMs: 0,
      reacquire: () => Promise.reject(new Error('no second device in this test')),
      recordStep: (generation, m) => {
        let byRun = this.trained.get(generation);
        if (!byRun) this.trained.set(generation, (byRun = new Map()));
        let steps = byRun.get(m.runId);
        if (!steps) byRun.set(m.runId, (steps = new Map()));
        steps.set(m.step, m.settings);
      },
    });
    this.store = createAppStore({ ...options, send: (m) => this.send(m) });
    this.session.handle({ type: 'probe' }).catch(() => undefined);
  }

  get state() {
    return this.store.getState();
  }

  private send(m: WorkerRequest): void {
    const request = structuredClone(m);
    this.queue = this.queue.then(() => this.session.handle(request));
  }

  private post(r: WorkerReport): void {
    const report = structuredClone(r);
    setTimeout(() => {
      if (this.closed) return;
      this.reports.push(report);
      this.store.getState().receive(report);
    }, 0);
  }

  /** Train points of the current generation that reached the store, in arrival order. */
  trainPoints(generation = this.state.generation): TrainPoint[] {
    return this.reports.flatMap((r) => (r.type === 'metrics' && r.generation === generation ? r.train : []));
  }

  evalPoints(generation = this.state.generation): EvalPoint[] {
    return this.reports.flatMap((r) => (r.type === 'metrics' && r.generation === generation ? r.eval : []));
  }

  /** Waits until every request is handled, training has stopped and every report is delivered. */
  async settle(): Promise<void> {
    for (let i = 0; i < 1000; i++) {
      const q = this.queue;
      await q;
      await this.session.idle();
      await macrotask();
      await macrotask();
      if (q === this.queue && !['building', 'running', 'pausing'].includes(this.state.control)) return;
    }
    throw new Error(`the page did not settle (control ${this.state.control})`);
  }

  /** Waits until the page's step counter reaches `step` (training in the background). */
  async until(predicate: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
    const t0 = Date.now();
    while (!predicate()) {
      if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what} (step ${this.state.step}, control ${this.state.control})`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.queue.catch(() => undefined);
    await this.session.dispose();
  }
}
