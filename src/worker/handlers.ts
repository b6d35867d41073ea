// Worker requests that look at the runs without training them: a text sample, image
// predictions, a checkpoint export, and the toy landscape. Each that needs the runs still goes
// through the session's `betweenSteps` (the loop is held at a step boundary and goes on after).
import type { GpuContext } from '../gpu/context';
import { runToy } from '../optim/toyExperiment';
import { captureComparison, encodeRunCheckpoint } from '../train/checkpoint';
import type { Comparison } from '../train/comparison';
import { predictImages as predict } from '../train/predictions';
import { TextSampler } from '../train/textSampler';
import type { TrainingData } from '../train/trainingData';
import { MAX_PREDICTED_IMAGES, type ToyRequest, type ToyResult, type WorkerReport, type WorkerRequest } from './protocol';

/** What a handler may use of the session. */
export interface HandlerContext {
  ctx(): GpuContext;
  /** The comparison (throws a clear message when none is configured). */
  comparison(): Comparison;
  data(): TrainingData | undefined;
  post(report: WorkerReport): void;
  betweenSteps<T>(work: () => Promise<T>): Promise<T>;
}

/** One sampler per model config, kept while the config stays (its pipelines are costly). */
const samplers = new WeakMap<GpuContext, TextSampler>();

/** A continuation of the prompt from every live text run, at its current step. */
export async function sampleText(h: HandlerContext, msg: Extract<WorkerRequest, { type: 'sample' }>): Promise<void> {
  const c = h.comparison();
  const data = h.data();
  const model = c.modelConfig;
  if (model.kind !== 'gpt' || data?.kind !== 'text') throw new Error('Samples need a text model (gpt-tiny or gpt-small)');
  let sampler = samplers.get(h.ctx());
  if (!sampler || sampler.config !== model) {
    sampler?.destroy();
    sampler = new TextSampler(h.ctx(), model, data.dataset.tokenizer);
    samplers.set(h.ctx(), sampler);
  }
  const s = sampler;
  await h.betweenSteps(async () => {
    for (const run of c.runs) {
      if (!c.isActive(run.id)) continue;
      const { text } = await s.sample(run.model.params, msg.prompt, { maxTokens: msg.maxTokens, temperature: msg.temperature, seed: msg.seed });
      h.post({ type: 'sample', requestId: msg.requestId, runId: run.id, step: run.step, prompt: msg.prompt, text });
    }
  });
}

/** Each live run's class for the first `count` test images. */
export async function predictImages(h: HandlerContext, requestId: number, count: number): Promise<void> {
  const c = h.comparison();
  if (!Number.isInteger(count) || count < 1 || count > MAX_PREDICTED_IMAGES) {
    throw new Error(`predict-images: count ${count} must be an integer from 1 to ${MAX_PREDICTED_IMAGES}`);
  }
  if (h.data()?.kind !== 'image') throw new Error('Predictions need an image model (mlp-mnist, cnn-mnist or cnn-cifar10)');
  const p = await h.betweenSteps(() => predict(h.ctx().device, c, count));
  h.post({ type: 'image-predictions', predictions: { requestId, ...p } });
}

/** One run's state at the current step as a safetensors file (docs/checkpoints.md). */
export async function exportCheckpoint(h: HandlerContext, runId: string, requestId: number): Promise<void> {
  const c = h.comparison();
  c.runById(runId);
  const state = await h.betweenSteps(() => captureComparison(h.ctx().device, c));
  const bytes = encodeRunCheckpoint(state, runId);
  h.post({ type: 'checkpoint-file', requestId, runId, step: state.step, fileName: `ire-playground-${runId}-step${state.step}.safetensors`, bytes });
}

/** GD at η and 2η and IRE at η on the toy landscape L(u,v) = (1+u²)v²/2 (the paper's Figure 1). */
export async function toyTrajectories(ctx: GpuContext, req: ToyRequest): Promise<ToyResult> {
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
  return { requestId: req.requestId, start: req.start, trajectories };
}
