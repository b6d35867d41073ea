// The runs slice: the configuration, run control and live edits (docs/architecture.md, "Run
// control" and "How a live edit reaches the GPU").
//
// - `config` is what the engine trains. Before the comparison is built, edits change it
//   directly. Once built, a live edit is sent to the worker and listed in `pending` until the
//   worker's `applied` report says at which step it took effect; only then does it enter
//   `config` and the event log. Two edits between the same two steps compose in the worker.
// - `control` follows the worker's `control` reports; the page itself moves only to `building`
//   (Start, Step) and `pausing` (Pause). A failure keeps its real message and leaves the page
//   where any preset can start again.
// - Changes made to a comparison that is shown but not built (restored after a reload, or after
//   a failure) are planned at the current step: Start trains again from step 0, re-deriving the
//   restored curves, and applies them there.
import { parseFieldPath, validateConfig, validateField, LIMITS } from '../train/configSchema';
import { DATASET_KIND } from '../data/datasets';
import { BASE_OPTIMIZERS, DEFAULT_DATASET, MODEL_PRESETS, type ComparisonConfig, type ModelPreset, type RunConfig } from '../train/config';
import { isLiveField, liveFieldAt, readLiveField, validateLiveField, writeLiveField, type LiveField, type LiveValue } from '../train/liveSettings';
import { parseNumberInput } from '../util/parseNumber';
import { PROTOCOL_VERSION } from '../worker/protocol';
import { applyPlanned, toScheduled, type LogEvent, type PlannedChange } from './eventLog';
import { emptyRunSeries } from './series';
import { prepareBuild } from './replaySlice';
import { busyRefusal, fieldKey, idleRun, isBusy, isDetached } from './runState';
import type { AppState, Slice, SliceDeps } from './store';


/** The next free run id: A, B, …, Z, then R27, R28, … */
export function nextRunId(taken: readonly string[]): string {
  const used = new Set(taken);
  for (let i = 0; ; i++) {
    const id = i < 26 ? String.fromCharCode(65 + i) : `R${i + 1}`;
    if (!used.has(id)) return id;
  }
}

/** Run control states in which the worker is busy with the comparison. */


/** The value a run card shows for a field: the latest pending or planned-now edit, else the config's. */
export function shownValue(s: Pick<AppState, 'config' | 'pending' | 'planned' | 'step'>, runId: string, field: LiveField): { value: LiveValue; pending: boolean } | null {
  const pend = s.pending.filter((p) => p.runId === runId && p.field === field).at(-1);
  if (pend) return { value: pend.value, pending: true };
  const now = s.planned.filter((p): p is Extract<PlannedChange, { kind: 'set' }> => p.kind === 'set' && p.step <= s.step && p.runId === runId && p.field === field).at(-1);
  if (now) return { value: now.new, pending: true };
  const run = s.config.runs.find((r) => r.id === runId);
  return run ? { value: readLiveField(run, field), pending: false } : null;
}

/**
 * `config` on another model preset: the model's default dataset, and the MLP widths and the
 * training subset kept only where they still apply (the cross-field rules of configSchema.ts).
 */
export function onModel(config: ComparisonConfig, model: ModelPreset): ComparisonConfig {
  const dataset = DEFAULT_DATASET[model];
  return {
    ...config,
    model,
    dataset,
    mlpHidden: MODEL_PRESETS[model].kind === 'mlp' ? config.mlpHidden : [],
    trainSubset: DATASET_KIND[dataset] === 'image' ? config.trainSubset : 0,
  };
}

const runsOf = (config: ComparisonConfig) => Object.fromEntries(config.runs.map((r) => [r.id, idleRun()]));

/** `config` with `value` at a schema path ("batchSize", "runs[1].optimizer.ire.ema"). */
function withValueAt(config: ComparisonConfig, keys: readonly (string | number)[], value: unknown): ComparisonConfig {
  const put = (node: unknown, i: number): unknown => {
    if (i === keys.length) return value;
    const k = keys[i];
    if (Array.isArray(node)) return node.map((x, j) => (j === k ? put(x, i + 1) : x));
    const o = node as Record<string, unknown>;
    return { ...o, [k]: put(o[k as string], i + 1) };
  };
  return put(config, 0) as ComparisonConfig;
}

type Keys = 'config' | 'fieldErrors' | 'configIssues' | 'session' | 'control' | 'failure' | 'generation' | 'step' | 'runs' | 'pending' | 'deviceLost'
  | 'setModel' | 'setRunField' | 'setRunFieldText' | 'setConfigField' | 'renameRun' | 'setBase' | 'start' | 'pause' | 'stepOnce' | 'reset' | 'fork' | 'removeRun' | 'resume';

export function runsSlice({ set, get, send, nextRequestId }: SliceDeps, initial: ComparisonConfig): Slice<Keys> {
  const setFieldError = (key: string, message: string | null) =>
    set((s) => {
      const fieldErrors = { ...s.fieldErrors };
      if (message === null) delete fieldErrors[key];
      else fieldErrors[key] = message;
      return { fieldErrors };
    });
  const canTrain = () => get().gpu.state === 'ready' && get().deviceLost === null;
  const updateRun = (runId: string, f: (r: RunConfig) => RunConfig) =>
    set((s) => ({ config: { ...s.config, runs: s.config.runs.map((r) => (r.id === runId ? f(r) : r)) } }));
  /** Plans a change at the current step of a detached comparison (see the file comment). */
  const planNow = (change: LogEvent) =>
    set((s) => {
      const planned = [...s.planned];
      let at = planned.length;
      while (at > 0 && planned[at - 1].step > change.step) at--;
      planned.splice(at, 0, { ...change, id: nextRequestId() });
      return { planned, plannedOrigin: s.plannedOrigin ?? 'replay' };
    });
  /** Ids that name a run now, in the log or in a planned change: a new run never reuses one. */
  const takenIds = () => {
    const s = get();
    return [...s.config.runs.map((r) => r.id), ...s.events.map((e) => e.runId), ...s.planned.map((p) => p.runId), ...Object.keys(s.runs), ...Object.keys(s.series)];
  };
  /** Builds the comparison in the worker under a new generation, then trains `steps` (null: on). */
  const build = (steps: number | null, keepCurves: boolean) => {
    prepareBuild({ set, get, send, nextRequestId }, keepCurves);
    const generation = get().generation + 1;
    set({ generation, session: 'configuring', control: 'building', failure: null, configIssues: [], pending: [], step: 0, deviceLost: null });
    const s = get();
    send({ type: 'configure', protocolVersion: PROTOCOL_VERSION, generation, config: s.config, schedule: s.planned.map(toScheduled), steps });
  };

  return {
    state: {
      config: initial,
      fieldErrors: {},
      configIssues: [],
      session: 'none',
      control: 'idle',
      failure: null,
      generation: 0,
      step: 0,
      runs: runsOf(initial),
      pending: [],
      deviceLost: null,

      setModel(model) {
        if (isBusy(get().control)) {
          set({ notice: busyRefusal(get().control, 'changing the model') });
          return;
        }
        set((s) => {
          const config = onModel(s.config, model);
          return {
            config,
            session: 'none',
            control: 'idle',
            failure: null,
            generation: s.generation + 1, // whatever the worker still sends about the old model is dropped
            runs: runsOf(config),
            series: Object.fromEntries(config.runs.map((r) => [r.id, emptyRunSeries()])),
            metricsRevision: s.metricsRevision + 1,
            events: [],
            planned: [],
            plannedOrigin: null,
            replay: null,
            scenario: null,
            pending: [],
            step: 0,
            samples: null,
            predictions: null,
            configIssues: [],
          };
        });
      },

      setRunField(runId, field, value) {
        const key = fieldKey(runId, field);
        const s = get();
        const run = s.config.runs.find((r) => r.id === runId);
        if (!run) return `there is no run ${runId}`;
        const problem = validateLiveField(field, value);
        setFieldError(key, problem);
        if (problem) return problem;
        const shown = shownValue(s, runId, field);
        if (shown && shown.value === value) return null;
        if (isDetached(s)) {
          const before = applyPlanned(s.config, s.planned.filter((p) => p.step <= s.step)).runs.find((r) => r.id === runId) ?? run;
          planNow({ kind: 'set', step: s.step, runId, field, old: readLiveField(before, field), new: value });
        } else if (s.session === 'none') {
          updateRun(runId, (r) => writeLiveField(r, field, value));
        } else {
          const requestId = nextRequestId();
          set((t) => ({ pending: [...t.pending, { requestId, runId, field, value }] }));
          send({ type: 'edit', runId, field, value, requestId });
        }
        return null;
      },

      setRunFieldText(runId, field, text) {
        const x = parseNumberInput(text);
        if (x === null) {
          const message = validateLiveField(field, Number.NaN) ?? 'not a number';
          setFieldError(fieldKey(runId, field), message);
          return message;
        }
        return get().setRunField(runId, field, x);
      },

      setConfigField(path, value) {
        const keys = parseFieldPath(path);
        if (!keys || keys.length === 0) return `unknown setting ${path}`;
        if (keys[0] === 'runs' && typeof keys[1] === 'number' && keys[2] === 'optimizer') {
          const field = liveFieldAt(keys.slice(3).join('.'));
          const run = get().config.runs[keys[1]];
          if (field && run) return get().setRunField(run.id, field, value as LiveValue);
        }
        if (keys[0] === 'model' || keys[0] === 'version' || keys[0] === 'runs' && (keys.length < 3 || keys[2] === 'id')) return `${path} is not set here`;
        const problem = validateField(path, value);
        const s = get();
        const refuse = (message: string) => {
          setFieldError(path, message);
          return message;
        };
        if (problem) return refuse(problem);
        if (isBusy(s.control) || s.step > 0 || s.events.length > 0) return refuse(`Reset to change ${path}: it is fixed once the comparison has trained`);
        const checked = validateConfig(withValueAt(s.config, keys, value));
        if (!checked.ok) return refuse(checked.errors[0]);
        setFieldError(path, null);
        // Built at step 0 with other settings: the next Start builds it again.
        set({ config: checked.config, session: 'none', runs: runsOf(checked.config) });
        return null;
      },

      renameRun(runId, name) {
        const key = fieldKey(runId, 'name');
        const n = name.trim();
        const index = get().config.runs.findIndex((r) => r.id === runId);
        if (index < 0) return `there is no run ${runId}`;
        const problem = n.length === 0 || n.length > LIMITS.maxNameLength ? `name must be 1 to ${LIMITS.maxNameLength} characters` : validateField(`runs[${index}].name`, n);
        setFieldError(key, problem);
        if (problem) return problem;
        updateRun(runId, (r) => ({ ...r, name: n }));
        return null;
      },

      setBase(runId, base) {
        const s = get();
        if (s.session !== 'none' || isDetached(s)) return 'reset the comparison to change the base optimizer';
        if (!BASE_OPTIMIZERS.includes(base)) return `unknown optimizer ${String(base)}`;
        updateRun(runId, (r) => ({ ...r, optimizer: { ...r.optimizer, base } }));
        return null;
      },

      start() {
        const s = get();
        if (!canTrain() || isBusy(s.control) || (s.session !== 'none' && s.step >= s.config.totalSteps)) return;
        if (s.session === 'none') build(null, true);
        else send({ type: 'start' });
      },

      pause() {
        if (!isBusy(get().control)) return;
        set({ control: 'pausing' });
        send({ type: 'pause' });
      },

      stepOnce() {
        const s = get();
        if (!canTrain() || isBusy(s.control) || (s.session !== 'none' && s.step >= s.config.totalSteps)) return;
        // Not built: train again up to the step shown (re-deriving it), then one step more.
        if (s.session === 'none') build(Math.min(s.step + 1, s.config.totalSteps), true);
        else send({ type: 'step', count: 1 });
      },

      reset() {
        const s = get();
        const built = s.session !== 'none';
        prepareBuild({ set, get, send, nextRequestId }, false);
        set((t) => ({ step: 0, replay: null, failure: null, samples: null, predictions: null, runs: runsOf(t.config), pending: [], plannedOrigin: t.planned.length ? 'reset' : null }));
        if (built) {
          // Rebuilt at step 0 now: whatever the old comparison still sends is of an older generation.
          const generation = get().generation + 1;
          set({ generation, session: 'configuring', control: 'building' });
          send({ type: 'configure', protocolVersion: PROTOCOL_VERSION, generation, config: get().config, schedule: get().planned.map(toScheduled), steps: 0 });
        } else set((t) => ({ control: 'idle', generation: t.generation + 1 }));
      },

      fork(runId) {
        const s = get();
        const source = s.config.runs.find((r) => r.id === runId);
        if (!source) return null;
        if (s.config.runs.length >= LIMITS.maxRuns) {
          set({ notice: `At most ${LIMITS.maxRuns} runs fit in one comparison.` });
          return null;
        }
        const newRunId = nextRunId(takenIds());
        if (s.session === 'none' && !isDetached(s)) {
          const name = `${source.name} fork`.slice(0, LIMITS.maxNameLength);
          set((t) => ({
            config: { ...t.config, runs: [...t.config.runs, { ...source, id: newRunId, name }] },
            runs: { ...t.runs, [newRunId]: idleRun() },
            series: { ...t.series, [newRunId]: emptyRunSeries() },
          }));
          return newRunId;
        }
        // The fork happens at the next step boundary; its card says at which step.
        const name = `${source.name} fork`.slice(0, LIMITS.maxNameLength);
        if (isDetached(s)) planNow({ kind: 'fork', step: s.step, runId: newRunId, from: runId, name });
        else send({ type: 'fork', runId, newRunId, name, requestId: nextRequestId() });
        return newRunId;
      },

      removeRun(runId) {
        const s = get();
        const index = s.config.runs.findIndex((r) => r.id === runId);
        if (index < 0) return `there is no run ${runId}`;
        if (s.config.runs.length <= 1) return 'the last run cannot be removed';
        if (s.session === 'none' && !isDetached(s)) {
          set((t) => {
            const runs = { ...t.runs };
            const series = { ...t.series };
            delete runs[runId];
            delete series[runId];
            return { config: { ...t.config, runs: t.config.runs.filter((r) => r.id !== runId) }, runs, series, metricsRevision: t.metricsRevision + 1 };
          });
        } else if (isDetached(s)) planNow({ kind: 'remove', step: s.step, runId, index, run: s.config.runs[index] });
        else send({ type: 'remove-run', runId, requestId: nextRequestId() });
        return null;
      },

      resume() {
        if (!get().deviceLost?.resumable) return;
        set({ deviceLost: null });
        send({ type: 'resume' });
      },
    },

    handlers: {
      configured(report) {
        set((s) => {
          const runs = { ...s.runs };
          for (const info of report.runs) runs[info.runId] = { ...(runs[info.runId] ?? idleRun()), parameters: info.parameters };
          return { session: 'ready', runs, step: 0 };
        });
      },
      'config-rejected'(report) {
        set({ session: 'none', configIssues: report.issues });
      },
      control(report) {
        const failed = report.state === 'failed';
        // Asked to pause: what the worker reported before it read the pause does not undo it.
        if (get().control === 'pausing' && (report.state === 'building' || report.state === 'idle' || report.state === 'running')) {
          set({ step: report.step });
          return;
        }
        const unapplied = failed ? get().pending : [];
        set((s) => ({
          control: report.state,
          step: report.step,
          failure: failed ? (report.message ?? 'the worker failed') : null,
          // Nothing built can be trained on after a failure: the next Start builds it again.
          session: failed ? 'none' : s.session,
          pending: failed ? [] : s.pending,
        }));
        // Edits the worker never applied are kept: in the configuration, or planned at this step.
        for (const e of unapplied) get().setRunField(e.runId, e.field, e.value);
      },
      applied(report) {
        set((s) => {
          const acked = new Set(report.requestIds);
          const scheduled = new Set(report.scheduledIds);
          let runs = s.config.runs;
          for (const e of report.events) runs = runs.map((r) => (r.id === e.runId ? writeLiveField(r, e.field, e.new) : r));
          const fieldErrors = { ...s.fieldErrors };
          for (const e of report.events) delete fieldErrors[fieldKey(e.runId, e.field)];
          return {
            pending: s.pending.filter((p) => !acked.has(p.requestId)),
            planned: s.planned.filter((p) => !scheduled.has(p.id)),
            config: runs === s.config.runs ? s.config : { ...s.config, runs },
            events: report.events.length ? [...s.events, ...report.events.map((e): LogEvent => ({ kind: 'set', ...e }))] : s.events,
            fieldErrors,
            step: Math.max(s.step, report.step),
          };
        });
      },
      'edit-rejected'(report) {
        set((s) => ({ pending: s.pending.filter((p) => p.requestId !== report.requestId) }));
        if (isLiveField(report.field)) setFieldError(fieldKey(report.runId, report.field), report.message);
      },
      'run-added'(report) {
        const run = report.run;
        set((s) => ({
          config: { ...s.config, runs: s.config.runs.some((r) => r.id === run.id) ? s.config.runs.map((r) => (r.id === run.id ? run : r)) : [...s.config.runs, run] },
          runs: { ...s.runs, [run.id]: { ...(s.runs[run.id] ?? idleRun()), forkedFrom: report.forkedFrom } },
          series: s.series[run.id] ? s.series : { ...s.series, [run.id]: emptyRunSeries() },
          events: report.forkedFrom ? [...s.events, { kind: 'fork', step: report.forkedFrom.step, runId: run.id, from: report.forkedFrom.runId, name: run.name }] : s.events,
          planned: report.scheduledId === undefined ? s.planned : s.planned.filter((p) => p.id !== report.scheduledId),
        }));
      },
      'run-removed'(report) {
        set((s) => {
          const runs = { ...s.runs };
          const series = { ...s.series };
          delete runs[report.runId];
          delete series[report.runId];
          return {
            runs,
            series,
            metricsRevision: s.metricsRevision + 1,
            config: { ...s.config, runs: s.config.runs.filter((r) => r.id !== report.runId) },
            // The page's copy of the run carries its current name (renames stay on the page).
            events: [...s.events, { kind: 'remove', step: report.step, runId: report.runId, index: report.index, run: { ...report.run, name: s.config.runs.find((r) => r.id === report.runId)?.name ?? report.run.name } }],
            planned: report.scheduledId === undefined ? s.planned : s.planned.filter((p) => p.id !== report.scheduledId),
          };
        });
      },
      status(report) {
        set((s) => ({ runs: { ...s.runs, [report.runId]: { ...(s.runs[report.runId] ?? idleRun()), status: report.status } } }));
      },
      checkpoints(report) {
        set((s) => ({ runs: { ...s.runs, [report.runId]: { ...(s.runs[report.runId] ?? idleRun()), checkpoints: report.steps } } }));
      },
      'device-lost'(report) {
        set({ deviceLost: { message: report.message, resumable: report.resumable }, control: 'paused' });
      },
    },
  };
}
