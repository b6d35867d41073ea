// The application store: a vanilla zustand store (usable without React in tests), read by
// components through selector hooks. Slices by concern: gpu, config, runs, metrics, events,
// samples, toy, prefs. User intents are named actions; each validates its input in one place and
// sends at most one message to the worker through the injected `send`.
import { createStore } from 'zustand/vanilla';
import { DEFAULT_COMPARISON, DEFAULT_DATASET, MODEL_PRESETS, type BaseOptimizer, type ComparisonConfig, type ModelPreset, type RunConfig } from '../train/config';
import {
  MAX_PREDICTED_IMAGES,
  PROTOCOL_VERSION,
  type ImagePredictions,
  type LiveField,
  type LiveValue,
  type ParamEvent,
  type RunStatus,
  type ToyResult,
  type UserData,
  type WorkerReport,
  type WorkerRequest,
} from '../worker/protocol';
import { validateField } from '../train/configSchema';
import type { GpuStatus } from './gpuSlice';
import { parseNumberInput, readLiveField, validateLiveField, writeLiveField } from './liveFields';
import { appendEval, appendSharpness, appendTrain, emptyRunSeries, type RunSeries } from './series';
import { rollBack, type PlannedChange } from './shareLink';

/** Where the comparison lives: only in the page, being built by the worker, or built there. */
export type SessionState = 'none' | 'configuring' | 'ready';

export interface RunView {
  status: RunStatus;
  forkedFrom: { runId: string; step: number } | null;
  parameters: number | null;
  checkpoints: number[];
}

/** One entry of the event log; `set` and `fork` are drawn as markers on every chart. */
export type LogEvent = ({ kind: 'set' } & ParamEvent) | { kind: 'fork'; step: number; runId: string; from: string };

export interface SampleView {
  requestId: number;
  prompt: string;
  byRun: Record<string, { step: number; text: string }>;
}

/** The last `predict-images` request and, once the worker answers, its result. */
export interface PredictionsView {
  requestId: number;
  count: number;
  result: ImagePredictions | null; // null while the worker predicts
}

/** Test images shown with each run's prediction (Samples tab, image models). */
export const PREDICTED_IMAGES = 16;

export interface ToyParams {
  start: [number, number];
  eta: number;
  kappa: number;
  gamma: number;
  steps: number;
}

export type Tab = 'compare' | 'toy' | 'samples';

export interface Prefs {
  smoothing: number; // EMA β of the bold loss curves, in [0, 1)
  logX: boolean;
  logY: boolean;
  xAxis: 'step' | 'wall';
  tab: Tab;
}

export interface AppState {
  gpu: GpuStatus;
  workerProtocol: number | null;
  // config
  config: ComparisonConfig;
  /** `${runId}.${field}` → why the last value entered there was refused. */
  fieldErrors: Record<string, string>;
  configIssues: { path: string; message: string }[];
  // runs
  session: SessionState;
  running: boolean;
  step: number;
  runs: Record<string, RunView>;
  deviceLost: { message: string; resumable: boolean } | null;
  /** The last checkpoint file the worker sent (the UI saves it as a download). */
  checkpointFile: { requestId: number; fileName: string; bytes: Uint8Array } | null;
  // metrics (series mutated in place; metricsRevision changes on every append)
  series: Record<string, RunSeries>;
  metricsRevision: number;
  // events
  events: LogEvent[];
  /** Changes from a shared link still to re-apply, in order, each when the runs reach its step (shareLink.ts). */
  planned: PlannedChange[];
  // samples, toy, prefs
  samples: SampleView | null;
  /** Image models: each run's class for a grid of test images. */
  predictions: PredictionsView | null;
  toy: { params: ToyParams; result: ToyResult | null; pendingId: number | null };
  prefs: Prefs;
  notice: string | null;
  /** The user's data file(s) last sent to the worker (names are user text). */
  userData: { dataset: UserData['dataset']; names: string[] } | null;

  /** Applies a report from the worker. */
  receive(report: WorkerReport): void;
  setModel(model: ModelPreset): void;
  /** Validates and applies a live setting; returns the refusal message, or null when accepted. */
  setRunField(runId: string, field: LiveField, value: LiveValue): string | null;
  /** The same from a number input's text. */
  setRunFieldText(runId: string, field: LiveField, text: string): string | null;
  renameRun(runId: string, name: string): string | null;
  /** The base optimizer of a run; only before training (it changes the optimizer state's shape). */
  setBase(runId: string, base: BaseOptimizer): string | null;
  start(): void;
  pause(): void;
  stepOnce(): void;
  /**
   * Back to step 0 with the same seed. The worker restarts from the configuration it was built
   * with, so the page's configuration is rolled back to it too (changes undone, forks removed),
   * and the logged changes become planned again: Start then trains the same comparison.
   */
  reset(): void;
  /** Forgets the planned changes (from a link or a reset): training goes on with the settings shown. */
  discardPlanned(): void;
  /** Copies `runId` at the current step into a new run; returns the new run's id. */
  fork(runId: string): string | null;
  removeRun(runId: string): void;
  requestSample(prompt: string, maxTokens: number, temperature: number): string | null;
  /** Asks the worker for each run's class of the first `count` test images (image models). */
  requestImagePredictions(count?: number): string | null;
  /** Asks the worker for a run's checkpoint (safetensors) at the current step. */
  exportCheckpoint(runId: string): string | null;
  resume(): void;
  setToyParams(p: Partial<ToyParams>): void;
  setPrefs(p: Partial<Prefs>): void;
  dismissNotice(): void;
  /** Sends data the page has already checked (upload control) to the worker. */
  sendUserData(data: UserData): void;
}

export const DEFAULT_TOY: ToyParams = { start: [1, 0.01], eta: 1, kappa: 9000, gamma: 0.5, steps: 300 };
export const DEFAULT_PREFS: Prefs = { smoothing: 0.9, logX: false, logY: false, xAxis: 'step', tab: 'compare' };
export const MAX_RUNS = 8;
export const MAX_NAME_LENGTH = 100; // as the config schema

/** The next free run id: A, B, …, Z, then R27, R28, … */
export function nextRunId(taken: readonly string[]): string {
  const used = new Set(taken);
  for (let i = 0; ; i++) {
    const id = i < 26 ? String.fromCharCode(65 + i) : `R${i + 1}`;
    if (!used.has(id)) return id;
  }
}

export const fieldKey = (runId: string, field: string) => `${runId}.${field}`;

const idleRun = (): RunView => ({ status: { state: 'idle' }, forkedFrom: null, parameters: null, checkpoints: [] });

function runsFor(config: ComparisonConfig): Record<string, RunView> {
  return Object.fromEntries(config.runs.map((r) => [r.id, idleRun()]));
}

function seriesFor(config: ComparisonConfig): Record<string, RunSeries> {
  return Object.fromEntries(config.runs.map((r) => [r.id, emptyRunSeries()]));
}

export interface StoreOptions {
  /** Delivers an intent to the training worker (tests pass a recorder). */
  send?: (request: WorkerRequest) => void;
  config?: ComparisonConfig;
  /** Changes to re-apply at their steps when this comparison trains (from a shared link). */
  planned?: PlannedChange[];
}

export function createAppStore(options: StoreOptions = {}) {
  const send = options.send ?? (() => {});
  const initial = options.config ?? DEFAULT_COMPARISON;
  let nextRequestId = 1;
  /** requestId → value before an optimistic `set`, restored if the worker refuses it. */
  const pendingSets = new Map<number, { runId: string; field: LiveField; old: LiveValue }>();
  /** The step of the planned change training is heading for (the worker was asked for the steps up to it). */
  let replayTarget: number | null = null;

  return createStore<AppState>()((set, get) => {
    const updateRun = (runId: string, f: (r: RunConfig) => RunConfig) =>
      set((s) => ({ config: { ...s.config, runs: s.config.runs.map((r) => (r.id === runId ? f(r) : r)) } }));
    const setFieldError = (key: string, message: string | null) =>
      set((s) => {
        const fieldErrors = { ...s.fieldErrors };
        if (message === null) delete fieldErrors[key];
        else fieldErrors[key] = message;
        return { fieldErrors };
      });
    const canTrain = () => get().gpu.state === 'ready' && get().deviceLost === null;
    const configure = () => {
      set({ session: 'configuring', configIssues: [] });
      send({ type: 'configure', protocolVersion: PROTOCOL_VERSION, config: get().config });
    };
    const clearMetrics = () =>
      set((s) => ({ series: seriesFor(s.config), events: [], step: 0, metricsRevision: s.metricsRevision + 1, samples: null, predictions: null }));
    /** Applies the planned changes due at the current step (or missed before it), in order. */
    const applyDue = () => {
      for (;;) {
        const s = get();
        const next = s.planned[0];
        if (!next || next.step > s.step) return;
        set({ planned: s.planned.slice(1) });
        if (next.kind === 'set') {
          s.setRunField(next.runId, next.field, next.new);
        } else {
          const id = s.fork(next.from);
          if (id !== null && id !== next.runId) {
            set({ planned: [], notice: `The planned fork ${next.runId} of ${next.from} became run ${id}; the remaining planned changes were dropped.` });
          }
          if (id !== null && next.name !== undefined) get().renameRun(id, next.name);
        }
      }
    };
    /** Trains on: up to the next planned change's step (then it is applied), or freely. */
    const trainOn = () => {
      applyDue();
      const next = get().planned[0];
      replayTarget = next ? Math.max(next.step, get().step + 1) : null;
      send(next ? { type: 'step', count: Math.max(1, next.step - get().step) } : { type: 'start' });
    };
    const sendToy = () => {
      if (get().gpu.state !== 'ready') return;
      const requestId = nextRequestId++;
      set((s) => ({ toy: { ...s.toy, pendingId: requestId } }));
      send({ type: 'toy', request: { requestId, ...get().toy.params } });
    };

    return {
      gpu: { state: 'probing' },
      workerProtocol: null,
      config: initial,
      fieldErrors: {},
      configIssues: [],
      session: 'none',
      running: false,
      step: 0,
      runs: runsFor(initial),
      deviceLost: null,
      checkpointFile: null,
      series: seriesFor(initial),
      metricsRevision: 0,
      events: [],
      planned: options.planned ?? [],
      samples: null,
      predictions: null,
      toy: { params: DEFAULT_TOY, result: null, pendingId: null },
      prefs: DEFAULT_PREFS,
      notice: null,
      userData: null,

      receive(report) {
        switch (report.type) {
          case 'adapter':
            set({ gpu: { state: 'ready', report: report.report } });
            if (get().prefs.tab === 'toy') sendToy();
            break;
          case 'no-webgpu':
            set({ gpu: { state: 'unavailable', message: report.message } });
            break;
          case 'error':
            set({ gpu: { state: 'error', message: report.message }, running: false });
            break;
          case 'hello':
            set({ workerProtocol: report.protocolVersion });
            if (report.protocolVersion !== PROTOCOL_VERSION) {
              set({ notice: `The training worker speaks protocol ${report.protocolVersion}, this page ${PROTOCOL_VERSION}: reload the page.` });
            }
            break;
          case 'configured': {
            const runs = { ...get().runs };
            for (const info of report.runs) runs[info.runId] = { ...(runs[info.runId] ?? idleRun()), parameters: info.parameters };
            const step = report.runs.length ? Math.min(...report.runs.map((r) => r.step)) : 0;
            set({ session: 'ready', runs, step });
            break;
          }
          case 'config-rejected':
            set({ session: 'none', running: false, configIssues: report.issues });
            break;
          case 'metrics': {
            const series = get().series;
            const at = (runId: string) => (series[runId] ??= emptyRunSeries());
            let changed = false;
            let step = get().step;
            for (const p of report.train) {
              changed = appendTrain(at(p.runId).train, p) || changed;
              step = Math.max(step, p.step);
            }
            for (const p of report.eval) changed = appendEval(at(p.runId).eval, p) || changed;
            for (const p of report.sharpness) changed = appendSharpness(at(p.runId).sharpness, p) || changed;
            if (changed) set((s) => ({ metricsRevision: s.metricsRevision + 1, step }));
            break;
          }
          case 'histogram': {
            const series = get().series;
            (series[report.histogram.runId] ??= emptyRunSeries()).histogram = report.histogram;
            set((s) => ({ metricsRevision: s.metricsRevision + 1 }));
            break;
          }
          case 'event': {
            const e = report.event;
            if (e.requestId !== undefined) pendingSets.delete(e.requestId);
            set((s) => ({ events: [...s.events, { kind: 'set', ...e }] }));
            break;
          }
          case 'set-rejected': {
            const pending = report.requestId !== undefined ? pendingSets.get(report.requestId) : undefined;
            if (pending) {
              pendingSets.delete(report.requestId!);
              updateRun(pending.runId, (r) => writeLiveField(r, pending.field, pending.old));
            }
            setFieldError(fieldKey(report.runId, report.field), report.message);
            break;
          }
          case 'status':
            set((s) => ({ runs: { ...s.runs, [report.runId]: { ...(s.runs[report.runId] ?? idleRun()), status: report.status } } }));
            break;
          case 'progress': {
            // Paused by the worker at a planned change's step: apply it and go on training. (A
            // stop before it, e.g. every run diverged, or the configure's step 0, is reported as is.)
            if (replayTarget !== null && !report.running && get().running && report.step >= replayTarget && report.step < get().config.totalSteps) {
              set({ step: report.step });
              trainOn();
              break;
            }
            set({ step: report.step, running: report.running });
            break;
          }
          case 'run-added': {
            const run = report.run;
            set((s) => {
              const exists = s.config.runs.some((r) => r.id === run.id);
              const runs = exists ? s.config.runs.map((r) => (r.id === run.id ? run : r)) : [...s.config.runs, run];
              return {
                config: { ...s.config, runs },
                runs: { ...s.runs, [run.id]: { ...(s.runs[run.id] ?? idleRun()), forkedFrom: report.forkedFrom } },
                series: s.series[run.id] ? s.series : { ...s.series, [run.id]: emptyRunSeries() },
              };
            });
            break;
          }
          case 'run-removed':
            set((s) => {
              const runs = { ...s.runs };
              delete runs[report.runId];
              return { runs, config: { ...s.config, runs: s.config.runs.filter((r) => r.id !== report.runId) } };
            });
            break;
          case 'sample': {
            const cur = get().samples;
            if (!cur || cur.requestId !== report.requestId) break;
            set({ samples: { ...cur, byRun: { ...cur.byRun, [report.runId]: { step: report.step, text: report.text } } } });
            break;
          }
          case 'image-predictions': {
            const cur = get().predictions;
            if (!cur || cur.requestId !== report.predictions.requestId) break;
            set({ predictions: { ...cur, result: report.predictions } });
            break;
          }
          case 'checkpoint-file':
            set({ checkpointFile: { requestId: report.requestId, fileName: report.fileName, bytes: report.bytes } });
            break;
          case 'checkpoints':
            set((s) => ({ runs: { ...s.runs, [report.runId]: { ...(s.runs[report.runId] ?? idleRun()), checkpoints: report.steps } } }));
            break;
          case 'device-lost':
            set({ deviceLost: { message: report.message, resumable: report.resumable }, running: false });
            break;
          case 'toy-result':
            if (report.result.requestId === get().toy.pendingId) set((s) => ({ toy: { ...s.toy, result: report.result, pendingId: null } }));
            break;
        }
      },

      setModel(model) {
        if (get().running) {
          set({ notice: 'Pause training before changing the model.' });
          return;
        }
        set((s) => ({ config: { ...s.config, model, dataset: DEFAULT_DATASET[model] }, session: 'none', runs: runsFor(s.config) }));
        clearMetrics();
      },

      setRunField(runId, field, value) {
        const key = fieldKey(runId, field);
        const run = get().config.runs.find((r) => r.id === runId);
        if (!run) return `there is no run ${runId}`;
        const problem = validateLiveField(field, value, get().config.runs.indexOf(run));
        setFieldError(key, problem);
        if (problem) return problem;
        const old = readLiveField(run, field);
        if (old === value) return null;
        updateRun(runId, (r) => writeLiveField(r, field, value));
        if (get().session !== 'none') {
          const requestId = nextRequestId++;
          pendingSets.set(requestId, { runId, field, old });
          send({ type: 'set', runId, field, value, requestId });
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

      renameRun(runId, name) {
        const key = fieldKey(runId, 'name');
        const n = name.trim();
        const index = get().config.runs.findIndex((r) => r.id === runId);
        if (index < 0) return `there is no run ${runId}`;
        const problem = n.length === 0 || n.length > MAX_NAME_LENGTH ? `name must be 1 to ${MAX_NAME_LENGTH} characters` : validateField(`runs[${index}].name`, n);
        setFieldError(key, problem);
        if (problem) return problem;
        updateRun(runId, (r) => ({ ...r, name: n }));
        return null;
      },

      setBase(runId, base) {
        if (get().session !== 'none') return 'reset the comparison to change the base optimizer';
        if (!['adamw', 'sgd', 'sam'].includes(base)) return `unknown optimizer ${String(base)}`;
        updateRun(runId, (r) => ({ ...r, optimizer: { ...r.optimizer, base } }));
        return null;
      },

      start() {
        if (!canTrain() || get().running) return;
        if (get().session === 'none') {
          clearMetrics();
          configure();
        }
        set({ running: true });
        trainOn();
      },

      pause() {
        if (!get().running) return;
        replayTarget = null;
        set({ running: false });
        send({ type: 'pause' });
      },

      stepOnce() {
        if (!canTrain() || get().running) return;
        if (get().session === 'none') {
          clearMetrics();
          configure();
        }
        applyDue();
        send({ type: 'step', count: 1 });
      },

      reset() {
        if (get().session === 'none') {
          clearMetrics();
          return;
        }
        replayTarget = null;
        set((s) => {
          const start = rollBack(s.config, s.events);
          const config = typeof start === 'string' ? s.config : start;
          const names = new Map(s.config.runs.map((r) => [r.id, r.name]));
          const undone: PlannedChange[] =
            typeof start === 'string'
              ? []
              : s.events.map((e) => (e.kind === 'fork' ? { ...e, name: names.get(e.runId) } : { kind: 'set', step: e.step, runId: e.runId, field: e.field, old: e.old, new: e.new }));
          const runs = Object.fromEntries(config.runs.map((r) => [r.id, { ...(s.runs[r.id] ?? idleRun()), status: { state: 'idle' } as RunStatus, forkedFrom: null }]));
          return { running: false, config, runs, planned: [...undone, ...s.planned] };
        });
        clearMetrics();
        send({ type: 'reset' });
      },

      discardPlanned() {
        set({ planned: [] });
      },

      fork(runId) {
        const s = get();
        const source = s.config.runs.find((r) => r.id === runId);
        if (!source) return null;
        if (s.config.runs.length >= MAX_RUNS) {
          set({ notice: `At most ${MAX_RUNS} runs fit in one comparison.` });
          return null;
        }
        const newRunId = nextRunId(s.config.runs.map((r) => r.id));
        const live = s.session !== 'none';
        const name = `${source.name} fork${live ? ` @${s.step}` : ''}`.slice(0, MAX_NAME_LENGTH);
        const copy: RunConfig = { ...source, id: newRunId, name };
        set({
          config: { ...s.config, runs: [...s.config.runs, copy] },
          runs: { ...s.runs, [newRunId]: { ...idleRun(), forkedFrom: live ? { runId, step: s.step } : null } },
          series: { ...s.series, [newRunId]: emptyRunSeries() },
        });
        if (live) {
          set((t) => ({ events: [...t.events, { kind: 'fork', step: t.step, runId: newRunId, from: runId }] }));
          send({ type: 'fork', runId, newRunId, name });
        }
        return newRunId;
      },

      removeRun(runId) {
        const s = get();
        if (s.config.runs.length <= 1 || !s.config.runs.some((r) => r.id === runId)) return;
        const runs = { ...s.runs };
        delete runs[runId];
        set({ config: { ...s.config, runs: s.config.runs.filter((r) => r.id !== runId) }, runs });
        if (s.session !== 'none') send({ type: 'remove-run', runId });
      },

      requestSample(prompt, maxTokens, temperature) {
        if (prompt.length === 0) return 'the prompt is empty';
        if (prompt.length > 1000) return 'the prompt is longer than 1000 characters';
        if (!Number.isInteger(maxTokens) || maxTokens < 1 || maxTokens > 1000) return 'length must be an integer from 1 to 1000';
        if (!(temperature > 0 && temperature <= 5)) return 'temperature must be > 0 and ≤ 5';
        if (get().session !== 'ready') return 'start training first: samples come from the runs at their current step';
        const requestId = nextRequestId++;
        set({ samples: { requestId, prompt, byRun: {} } });
        send({ type: 'sample', requestId, prompt, maxTokens, temperature, seed: get().config.seed });
        return null;
      },

      requestImagePredictions(count = PREDICTED_IMAGES) {
        const kind = MODEL_PRESETS[get().config.model].kind;
        if (kind !== 'mlp' && kind !== 'cnn') return 'predictions are for image models: pick mlp-mnist, cnn-mnist or cnn-cifar10';
        if (!Number.isInteger(count) || count < 1 || count > MAX_PREDICTED_IMAGES) return `the number of images must be an integer from 1 to ${MAX_PREDICTED_IMAGES}`;
        if (get().session !== 'ready') return 'start training first: predictions come from the runs at their current step';
        const requestId = nextRequestId++;
        set({ predictions: { requestId, count, result: null } });
        send({ type: 'predict-images', requestId, count });
        return null;
      },

      exportCheckpoint(runId) {
        if (get().session !== 'ready') return 'start training first: a checkpoint holds a run at its current step';
        if (!get().config.runs.some((r) => r.id === runId)) return `no run ${runId}`;
        send({ type: 'export-checkpoint', runId, requestId: nextRequestId++ });
        return null;
      },

      resume() {
        if (!get().deviceLost?.resumable) return;
        set({ deviceLost: null });
        send({ type: 'resume' });
      },

      setToyParams(p) {
        set((s) => ({ toy: { ...s.toy, params: { ...s.toy.params, ...p } } }));
        sendToy();
      },

      setPrefs(p) {
        const prev = get().prefs;
        const smoothing = p.smoothing === undefined ? prev.smoothing : Math.min(0.999, Math.max(0, p.smoothing));
        set({ prefs: { ...prev, ...p, smoothing } });
        if (p.tab === 'toy' && prev.tab !== 'toy' && get().toy.result === null) sendToy();
      },

      dismissNotice() {
        set({ notice: null });
      },

      sendUserData(data) {
        set({ userData: { dataset: data.dataset, names: data.dataset === 'user-text' ? [data.name] : data.files.map((f) => f.name) } });
        send({ type: 'user-data', data });
      },
    };
  });
}

export type AppStore = ReturnType<typeof createAppStore>;
