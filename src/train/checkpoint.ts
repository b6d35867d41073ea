// Checkpoints: the full state of a comparison at a step boundary, captured from the GPU,
// written as one safetensors file per run (docs/checkpoints.md lists names and shapes), read
// back with checks that name what is wrong, and restored so that training continues bit for
// bit as if it had never stopped.
//
// What "the full state" is, and why it is enough:
//   - per run, every checkpointable buffer (TrainingRun.stateBuffers: θ, optimizer state, IRE's
//     h and mask) and the run's small metrics buffer (IRE's flagged count and threshold live
//     there between refreshes);
//   - the step counters: the comparison's next step, each run's step, the number of Hessian
//     estimates so far (it is the label sampler's counter), IRE's last refresh step and a
//     pending refresh request;
//   - the configs: the comparison's and each run's as applied at that step (live edits included);
//   - the data order is a pure function of (seed, step) (src/data/sampler.ts), so the seed and
//     the step are the whole sampler state; initial parameters come from the seed;
//   - the kernel variant of each family (ctx.choices): variants sum in different orders, so a
//     resumed run continues bit for bit only with the kernels the saved run trained with.
import { writeBuffer } from '../gpu/buffers';
import type { GpuContext } from '../gpu/context';
import { readRanges } from '../gpu/readback';
import { MLP_ACTIVATIONS } from '../nn/modelConfig';
import type { ParamLayout, ParamView } from '../nn/paramLayout';
import { Comparison, type ComparisonHooks, type ComparisonOptions, type RunEvent } from './comparison';
import type { ComparisonConfig, ModelConfig, RunConfig } from './config';
import { validateConfig } from './configSchema';
import { layoutOf } from './models';
import { METRIC_FLOATS } from './run';
import { decodeSafetensors, encodeSafetensors, tensor, type SafetensorsFile, type Tensor } from './safetensors';
import type { TrainingData } from './trainingData';

export const CHECKPOINT_FORMAT = 'ire-playground-checkpoint';
export const CHECKPOINT_VERSION = 1;

/** Buffers of TrainingRun.stateBuffers that hold u32 (stored as F32 0/1 so every PyTorch loads them). */
const U32_BUFFERS: ReadonlySet<string> = new Set(['ire.mask']);
/** Tensor name of the run's metrics buffer. */
export const METRICS_TENSOR = 'run.metrics';

export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

/** One run's state at a step boundary, on the CPU. */
export interface RunState {
  id: string;
  settings: RunConfig; // as applied at this step (live edits included)
  step: number; // the run's next step
  refreshCount: number; // Hessian estimates so far (the label sampler's counter)
  ireLastRefresh: number | null; // step of IRE's last mask refresh
  ireRefreshPending: boolean; // a requested refresh has not run yet
  diverged: boolean;
  /** Raw bytes of each flat (P) state buffer by its stateBuffers() name: params, optim.m, ire.h, … */
  buffers: Record<string, ArrayBuffer>;
  metrics: Float32Array; // (METRIC_FLOATS)
}

/** A comparison's state at a step boundary. */
export interface ComparisonState {
  step: number; // the comparison's next step (= steps completed)
  config: ComparisonConfig; // as the comparison was built
  model: ModelConfig; // the architecture, data-dependent fields (vocab) filled in
  events: RunEvent[];
  runs: RunState[];
  /** The kernel variant of each family the runs trained with (ctx.choices); absent in files written before it was recorded. */
  kernels?: Record<string, string>;
}

/** ctx.choices as family → variant strings (the families set; an unset one runs its default). */
export function recordKernelChoices(ctx: GpuContext): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [family, variant] of Object.entries(ctx.choices as Readonly<Record<string, unknown>>)) if (typeof variant === 'string') out[family] = variant;
  return out;
}

// ---------------------------------------------------------------------------------------------
// GPU ↔ CPU

/** Reads every run's state (after the readbacks in flight have been delivered). */
export async function captureComparison(device: GPUDevice, c: Comparison): Promise<ComparisonState> {
  await c.drain();
  const ranges: { run: number; name: string; buffer: GPUBuffer }[] = [];
  c.runs.forEach((run, i) => {
    for (const [name, buffer] of Object.entries(run.stateBuffers())) ranges.push({ run: i, name, buffer });
    ranges.push({ run: i, name: METRICS_TENSOR, buffer: run.metrics });
  });
  const sizes = ranges.map((r) => ({ buffer: r.buffer, size: r.name === METRICS_TENSOR ? METRIC_FLOATS * 4 : r.buffer.size }));
  const bytes = await readRanges(device, sizes, 'Checkpoint.capture');
  const runs: RunState[] = c.runs.map((run) => ({
    id: run.id,
    settings: structuredClone(run.settings) as RunConfig,
    step: run.step,
    refreshCount: run.refreshCount,
    ireLastRefresh: run.ire?.lastRefreshStep ?? null,
    ireRefreshPending: run.ireRefreshPending,
    diverged: !c.isActive(run.id),
    buffers: {},
    metrics: new Float32Array(METRIC_FLOATS),
  }));
  ranges.forEach((r, k) => {
    if (r.name === METRICS_TENSOR) runs[r.run].metrics = new Float32Array(bytes[k]);
    else runs[r.run].buffers[r.name] = bytes[k];
  });
  return { step: c.nextStep, config: structuredClone(c.config), model: structuredClone(c.modelConfig), events: structuredClone(c.events), runs, kernels: recordKernelChoices(c.ctx) };
}

/** The config a resumed comparison is built with: the saved one, with each run as applied when saved. */
export function resumeConfig(state: ComparisonState): ComparisonConfig {
  return { ...structuredClone(state.config), runs: state.runs.map((r) => structuredClone(r.settings)) };
}

/** Writes a captured state into a comparison built with resumeConfig(state) (and nothing trained yet). */
export function restoreComparison(device: GPUDevice, c: Comparison, state: ComparisonState): void {
  const ids = c.runs.map((r) => r.id);
  const saved = state.runs.map((r) => r.id);
  if (ids.join('\n') !== saved.join('\n')) throw new CheckpointError(`Checkpoint holds runs ${saved.join(', ')}; the comparison has ${ids.join(', ')}`);
  state.runs.forEach((s, i) => {
    const run = c.runs[i];
    const targets = run.stateBuffers();
    const want = Object.keys(targets).sort();
    const have = Object.keys(s.buffers).sort();
    if (want.join(',') !== have.join(',')) throw new CheckpointError(`Run ${s.id}: the checkpoint holds state ${have.join(', ')}; this run needs ${want.join(', ')}`);
    for (const name of want) {
      const b = s.buffers[name];
      if (b.byteLength !== targets[name].size) throw new CheckpointError(`Run ${s.id}: state "${name}" holds ${b.byteLength / 4} entries; this run needs ${targets[name].size / 4}`);
    }
    for (const name of want) writeBuffer(device, targets[name], new Uint8Array(s.buffers[name]));
    writeBuffer(device, run.metrics, s.metrics);
    run.step = s.step;
    run.refreshCount = s.refreshCount;
    run.ire?.restoreRefreshStep(s.ireLastRefresh ?? undefined);
    run.restoreRefreshPending(s.ireRefreshPending);
  });
  c.resumeAt(
    state.step,
    state.runs.filter((r) => r.diverged).map((r) => r.id),
  );
  c.events.push(...structuredClone(state.events));
}

/** Builds a comparison from a captured state and restores it: the resumed comparison. */
export function resumeComparison(ctx: GpuContext, state: ComparisonState, data: TrainingData, hooks: ComparisonHooks = {}, options: ComparisonOptions = {}): Comparison {
  const c = new Comparison(ctx, resumeConfig(state), data, hooks, { ...options, model: state.model });
  try {
    restoreComparison(ctx.device, c, state);
  } catch (e) {
    c.destroy();
    throw e;
  }
  return c;
}

// ---------------------------------------------------------------------------------------------
// Tensor names (layouts come from models.ts layoutOf, on the CPU: a checkpoint is checked before any GPU work)

/** Tensor-name prefix of a state buffer: θ is "model", the others keep their name (optim.m, ire.h). */
function prefixOf(buffer: string): string {
  return buffer === 'params' ? 'model' : buffer;
}

function bufferOfPrefix(prefix: string): string {
  return prefix === 'model' ? 'params' : prefix;
}

// ---------------------------------------------------------------------------------------------
// safetensors

/** Everything a checkpoint file says besides its tensors. */
export interface CheckpointMeta {
  version: number;
  step: number; // the comparison's next step
  seed: number;
  runId: string;
  runIds: string[]; // every run of the comparison, in order (one file each)
  comparison: ComparisonConfig;
  model: ModelConfig;
  events: RunEvent[];
  run: Omit<RunState, 'buffers' | 'metrics'>;
  /** `kernel_choices`: family → variant the run trained with; absent in older files. */
  kernels?: Record<string, string>;
}

/** One run of a captured state as a safetensors file (tensors per named view, metadata as JSON strings). */
export function encodeRunCheckpoint(state: ComparisonState, runId: string): Uint8Array {
  const run = state.runs.find((r) => r.id === runId);
  if (!run) throw new CheckpointError(`No run "${runId}" in the checkpoint (runs: ${state.runs.map((r) => r.id).join(', ')})`);
  const layout = layoutOf(state.model);
  const tensors: [string, Tensor][] = [];
  for (const [name, bytes] of Object.entries(run.buffers)) {
    const flat: Float32Array = U32_BUFFERS.has(name) ? Float32Array.from(new Uint32Array(bytes)) : new Float32Array(bytes);
    if (flat.length !== layout.total) throw new CheckpointError(`Run ${runId}: state "${name}" holds ${flat.length} entries; the layout has ${layout.total}`);
    for (const v of layout.views) tensors.push([`${prefixOf(name)}.${v.name}`, tensor(flat.slice(v.offset, v.offset + v.size), v.shape)]);
  }
  tensors.push([METRICS_TENSOR, tensor(Float32Array.from(run.metrics), [METRIC_FLOATS])]);
  const { buffers: _b, metrics: _m, settings: _s, ...runMeta } = run;
  const metadata: Record<string, string> = {
    format: CHECKPOINT_FORMAT,
    version: String(CHECKPOINT_VERSION),
    step: String(state.step),
    seed: String(state.config.seed),
    run_id: run.id,
    run_ids: JSON.stringify(state.runs.map((r) => r.id)),
    refresh_count: String(run.refreshCount),
    ire_last_refresh_step: run.ireLastRefresh === null ? 'none' : String(run.ireLastRefresh),
    comparison_config: JSON.stringify(state.config),
    run_config: JSON.stringify(run.settings),
    model_config: JSON.stringify(state.model),
    run_state: JSON.stringify(runMeta),
    events: JSON.stringify(state.events),
    ...(state.kernels ? { kernel_choices: JSON.stringify(state.kernels) } : {}),
  };
  return encodeSafetensors(tensors, metadata);
}

/** A decoded checkpoint file, before it is matched against a model. */
export interface RunCheckpoint {
  what: string; // the file name, for messages
  meta: CheckpointMeta;
  file: SafetensorsFile;
}

function parseJson(what: string, key: string, text: string | undefined): unknown {
  if (text === undefined) throw new CheckpointError(`${what}: metadata "${key}" is missing; is this a checkpoint of this playground?`);
  try {
    return JSON.parse(text);
  } catch {
    throw new CheckpointError(`${what}: metadata "${key}" is not valid JSON`);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Decodes a checkpoint file and checks its metadata (format, version, configs against the schema). */
export function decodeRunCheckpoint(bytes: Uint8Array, what = 'checkpoint'): RunCheckpoint {
  const file = decodeSafetensors(bytes, what);
  const md = file.metadata;
  const fail = (why: string): never => {
    throw new CheckpointError(`${what}: ${why}`);
  };
  if (md.format !== CHECKPOINT_FORMAT) fail(`metadata "format" is ${JSON.stringify(md.format ?? null)}, expected "${CHECKPOINT_FORMAT}"; this is not a checkpoint of this playground`);
  const version = Number(md.version);
  if (!Number.isInteger(version) || version < 1 || version > CHECKPOINT_VERSION) fail(`checkpoint version ${md.version} is not supported (this build reads 1 to ${CHECKPOINT_VERSION})`);
  const checked = validateConfig(parseJson(what, 'comparison_config', md.comparison_config));
  if (!checked.ok) return fail(`its comparison config is invalid: ${checked.errors.join('; ')}`);
  const comparison = checked.config;
  const runConfig = parseJson(what, 'run_config', md.run_config);
  const runChecked = validateConfig({ ...comparison, runs: [runConfig] });
  if (!runChecked.ok) return fail(`its run config is invalid: ${runChecked.errors.join('; ')}`);
  const model = parseJson(what, 'model_config', md.model_config);
  if (!isRecord(model) || !['gpt', 'mlp', 'cnn', 'toy'].includes(String(model.kind))) fail('metadata "model_config" is not a model architecture');
  if (isRecord(model) && model.kind === 'mlp') {
    // The MLP's options (--loss, --activation): absent means the default, anything else is named.
    if (model.loss !== undefined && !['cross-entropy', 'mse'].includes(String(model.loss))) fail(`metadata "model_config": MLP loss ${JSON.stringify(model.loss)} is not cross-entropy or mse`);
    if (model.activation !== undefined && !(MLP_ACTIVATIONS as readonly unknown[]).includes(model.activation)) {
      fail(`metadata "model_config": MLP activation ${JSON.stringify(model.activation)} is not one of ${MLP_ACTIVATIONS.join(', ')}`);
    }
  }
  const runState = parseJson(what, 'run_state', md.run_state);
  if (!isRecord(runState)) return fail('metadata "run_state" is not an object');
  const step = Number(md.step);
  if (!Number.isSafeInteger(step) || step < 0) fail(`metadata "step" = ${JSON.stringify(md.step)} is not a step number`);
  const runIds = parseJson(what, 'run_ids', md.run_ids);
  if (!Array.isArray(runIds) || !runIds.every((x) => typeof x === 'string') || !runIds.includes(md.run_id)) fail('metadata "run_ids" does not list the run');
  const events = parseJson(what, 'events', md.events);
  if (!Array.isArray(events)) fail('metadata "events" is not a list');
  let kernels: Record<string, string> | undefined;
  if (md.kernel_choices !== undefined) {
    const k = parseJson(what, 'kernel_choices', md.kernel_choices);
    if (!isRecord(k) || !Object.values(k).every((v) => typeof v === 'string')) fail('metadata "kernel_choices" is not an object of kernel family → variant names');
    kernels = k as Record<string, string>;
  }
  const int = (v: unknown, name: string): number => (Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : fail(`run state "${name}" = ${JSON.stringify(v)} is not a count`));
  const lastRefresh = runState.ireLastRefresh === null ? null : int(runState.ireLastRefresh, 'ireLastRefresh');
  const run: CheckpointMeta['run'] = {
    id: String(md.run_id),
    settings: runChecked.config.runs[0],
    step: int(runState.step, 'step'),
    refreshCount: int(runState.refreshCount, 'refreshCount'),
    ireLastRefresh: lastRefresh,
    ireRefreshPending: runState.ireRefreshPending === true,
    diverged: runState.diverged === true,
  };
  return {
    what,
    file,
    meta: { version, step, seed: comparison.seed, runId: run.id, runIds: runIds as string[], comparison, model: model as unknown as ModelConfig, events: events as RunEvent[], run, ...(kernels ? { kernels } : {}) },
  };
}

/**
 * Turns a decoded checkpoint into a run state for the layout of its model: every view of every
 * state group must be present with the view's shape; unknown tensors are refused (they mean
 * another model). Padding between views is zero, as in a live run; the IRE mask's padding is 1
 * when any real entry is flagged (the select flags the padding's h = 0 whenever it flags anything).
 */
export function runStateFromCheckpoint(ck: RunCheckpoint, layout: ParamLayout = layoutOf(ck.meta.model)): RunState {
  const { what, file, meta } = ck;
  const fail = (why: string): never => {
    throw new CheckpointError(`${what}: ${why}`);
  };
  const viewNames = new Map<string, ParamView>(layout.views.map((v) => [v.name, v]));
  // Group tensors by state prefix: "model", "optim.<k>", "ire.h", "ire.mask".
  const groups = new Set<string>(['model']);
  if (meta.run.settings.optimizer.ire.enabled) {
    groups.add('ire.h');
    groups.add('ire.mask');
  }
  for (const name of file.tensors.keys()) {
    if (name === METRICS_TENSOR) continue;
    const m = /^(optim\.[^.]+)\.(.+)$/.exec(name);
    if (m && viewNames.has(m[2])) groups.add(m[1]);
    else if (![...groups].some((g) => name.startsWith(`${g}.`) && viewNames.has(name.slice(g.length + 1)))) {
      fail(`tensor "${name}" does not belong to this model (${meta.model.kind}, ${layout.views.length} parameter tensors): is the checkpoint from another model?`);
    }
  }
  const buffers: Record<string, ArrayBuffer> = {};
  for (const group of groups) {
    const buffer = bufferOfPrefix(group);
    const flat = new Float32Array(layout.total);
    for (const v of layout.views) {
      const name = `${group}.${v.name}`;
      const t = file.tensors.get(name);
      if (!t) return fail(`missing tensor "${name}" (F32, shape [${v.shape.join(', ')}])`);
      if (t.dtype !== 'F32') fail(`tensor "${name}" is ${t.dtype}; expected F32`);
      if (t.shape.length !== v.shape.length || t.shape.some((d, i) => d !== v.shape[i])) {
        fail(`tensor "${name}" has shape [${t.shape.join(', ')}]; this model needs [${v.shape.join(', ')}]`);
      }
      flat.set(t.data as Float32Array, v.offset);
    }
    if (U32_BUFFERS.has(buffer)) {
      const mask = new Uint32Array(layout.total);
      let any = false;
      for (let i = 0; i < flat.length; i++) {
        const x = flat[i];
        if (x !== 0 && x !== 1) fail(`tensor group "${group}" holds ${x} at flat entry ${i}; a mask holds 0 or 1`);
        mask[i] = x;
        any ||= x === 1;
      }
      if (any) {
        const real = new Uint8Array(layout.total);
        for (const v of layout.views) real.fill(1, v.offset, v.offset + v.size);
        for (let i = 0; i < mask.length; i++) if (!real[i]) mask[i] = 1;
      }
      buffers[buffer] = mask.buffer;
    } else buffers[buffer] = flat.buffer;
  }
  const metrics = file.tensors.get(METRICS_TENSOR);
  if (!metrics) return fail(`missing tensor "${METRICS_TENSOR}" (F32, shape [${METRIC_FLOATS}])`);
  if (metrics.dtype !== 'F32' || metrics.shape.length !== 1 || metrics.shape[0] !== METRIC_FLOATS) fail(`tensor "${METRICS_TENSOR}" must be F32 of shape [${METRIC_FLOATS}]`);
  return { ...structuredClone(meta.run), buffers, metrics: Float32Array.from(metrics.data as Float32Array) };
}

/**
 * A comparison state from the checkpoint files of all its runs (one per run, any order). The
 * files must agree on the step and the comparison config.
 */
export function comparisonStateFromCheckpoints(files: readonly RunCheckpoint[]): ComparisonState {
  if (files.length === 0) throw new CheckpointError('No checkpoint file given');
  const first = files[0];
  const byId = new Map<string, RunCheckpoint>();
  for (const f of files) {
    if (f.meta.step !== first.meta.step) throw new CheckpointError(`${f.what} is at step ${f.meta.step}, ${first.what} at step ${first.meta.step}`);
    if (JSON.stringify(f.meta.comparison) !== JSON.stringify(first.meta.comparison)) throw new CheckpointError(`${f.what} and ${first.what} belong to different comparisons`);
    if (JSON.stringify(f.meta.kernels) !== JSON.stringify(first.meta.kernels)) throw new CheckpointError(`${f.what} and ${first.what} record different kernel choices`);
    byId.set(f.meta.runId, f);
  }
  const runs = first.meta.runIds.map((id) => {
    const f = byId.get(id);
    if (!f) throw new CheckpointError(`The checkpoint of run "${id}" at step ${first.meta.step} is missing (${first.what} lists runs ${first.meta.runIds.join(', ')})`);
    return runStateFromCheckpoint(f);
  });
  return { step: first.meta.step, config: first.meta.comparison, model: first.meta.model, events: first.meta.events, runs, ...(first.meta.kernels ? { kernels: first.meta.kernels } : {}) };
}
