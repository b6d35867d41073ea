// The application store: a vanilla zustand store (usable without React in tests), read by
// components through selector hooks. It is composed of slices by concern, each in its own file:
//   runsSlice.ts     configuration, run control (the state machine of protocol.ts), live edits
//   metricsSlice.ts  metric series and histograms
//   replaySlice.ts   planned changes (a link, a reset, the replay of restored curves), links opened in place
//   scenarioSlice.ts the Scenarios menu: a curated comparison opened in place
//   toySlice.ts      the toy landscape
//   miscSlice.ts     samples, predictions, checkpoints, uploads, preferences, notices
// and the small values they share live in runState.ts, a leaf: no two of these files import
// values from each other in a circle.
// User intents are named actions; each validates its input in one place and sends at most a few
// messages to the worker through the injected `send`. Reports from the worker enter through
// `receive`, which drops what an older comparison (generation) still had in flight and hands
// each report to the slice that owns it.
import { createStore } from 'zustand/vanilla';
import { DEFAULT_COMPARISON, type BaseOptimizer, type ComparisonConfig, type ModelPreset } from '../train/config';
import type { SharpnessCost } from '../train/sharpnessSchedule';
import type { LiveField, LiveValue } from '../train/liveSettings';
import type { Control, ImagePredictions, RunStatus, ToyResult, UserData, WorkerReport, WorkerRequest } from '../worker/protocol';
import type { LogEvent, PlannedChange, PlannedOrigin } from './eventLog';
import type { GpuStatus } from './gpuSlice';
import { miscSlice, type PytorchExportFile } from './miscSlice';
import { metricsSlice } from './metricsSlice';
import { replaySlice } from './replaySlice';
import { runsSlice } from './runsSlice';
import { scenarioSlice } from './scenarioSlice';
import type { RunSeries } from './series';
import type { SeedBandKind } from './seedBands';
import { toySlice } from './toySlice';

export type { LogEvent, PlannedChange } from './eventLog';

/** Where the comparison lives: only in the page, being built by the worker, or built there. */
export type SessionState = 'none' | 'configuring' | 'ready';

export interface RunView {
  status: RunStatus;
  forkedFrom: { runId: string; step: number } | null;
  parameters: number | null;
  checkpoints: number[];
}

/** A live edit sent to the worker and not applied yet (shown as pending on the run card). */
export interface PendingEdit {
  requestId: number;
  runId: string;
  field: LiveField;
  value: LiveValue;
}

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


export interface ToyParams {
  start: [number, number];
  eta: number;
  kappa: number;
  gamma: number;
  steps: number;
}

export type Tab = 'compare' | 'toy' | 'samples';

/**
 * The charts' x axis: steps, wall time, or a cost that is fair across optimizers (docs/experiments.md,
 * "Cost-fair axes"): gradient evaluations (SAM takes two per step, an IRE refresh one more) or the
 * examples (images, or tokens for text) the run has seen.
 */
export type XAxis = 'step' | 'wall' | 'gradEvals' | 'examples';

export interface Prefs {
  smoothing: number; // EMA β of the bold loss curves, in [0, 1)
  logX: boolean;
  logY: boolean;
  xAxis: XAxis;
  /** With several seeds (config.seeds > 1), what the shaded band around each run's mean spans: ± 1 s.e. or min–max (seedBands.ts). */
  band: SeedBandKind;
  tab: Tab;
}

/** Restored curves being re-derived by training again from step 0 (after a reload or a failure). */
export interface ReplayView {
  /** Steps up to this one were restored; training overwrites them as it reaches them. */
  through: number;
  /** The first step whose loss came out different from the restored one, if any. */
  mismatch: { runId: string; step: number } | null;
}

export interface AppState {
  gpu: GpuStatus;
  workerProtocol: number | null;
  // runs: configuration and run control
  /** The configuration the engine trains (acknowledged): live edits enter it when applied. */
  config: ComparisonConfig;
  /** `${runId}.${field}` (or a config path) → why the last value entered there was refused. */
  fieldErrors: Record<string, string>;
  configIssues: { path: string; message: string }[];
  session: SessionState;
  control: Control;
  /** The real message of the last failure (control 'failed'). */
  failure: string | null;
  /** The generation of the comparison the worker builds or trains; older reports are dropped. */
  generation: number;
  step: number;
  runs: Record<string, RunView>;
  pending: PendingEdit[];
  deviceLost: { message: string; resumable: boolean } | null;
  // metrics (series mutated in place; metricsRevision changes on every append)
  series: Record<string, RunSeries>;
  metricsRevision: number;
  events: LogEvent[];
  /** How often sharpness is measured and what it costs, as the worker last reported (null before). */
  sharpnessCost: SharpnessCost | null;
  // replay and links
  /** Changes still to apply, in order, each when the runs reach its step (eventLog.ts). */
  planned: PlannedChange[];
  plannedOrigin: PlannedOrigin | null;
  replay: ReplayView | null;
  /** The scenario (src/train/scenarios.ts) the comparison was opened from, until another comparison replaces it. */
  scenario: string | null;
  // samples, predictions, checkpoints, uploads
  samples: SampleView | null;
  predictions: PredictionsView | null;
  /** The last checkpoint file the worker sent (the UI saves it as a download). */
  checkpointFile: { requestId: number; fileName: string; bytes: Uint8Array } | null;
  /** The last "Continue in PyTorch" checkpoint the worker sent (the UI saves it as a zip). */
  pytorchExport: PytorchExportFile | null;
  /** The user's data file(s) last sent to the worker (names are user text). */
  userData: { dataset: UserData['dataset']; names: string[] } | null;
  toy: { params: ToyParams; result: ToyResult | null; pendingId: number | null; error: string | null };
  prefs: Prefs;
  notice: string | null;

  /** Applies a report from the worker. */
  receive(report: WorkerReport): void;
  setModel(model: ModelPreset): void;
  /** Validates and applies a live setting; returns the refusal message, or null when accepted. */
  setRunField(runId: string, field: LiveField, value: LiveValue): string | null;
  /** The same from a number input's text. */
  setRunFieldText(runId: string, field: LiveField, text: string): string | null;
  /** Any field of the configuration by its schema path ("batchSize", "runs[1].optimizer.warmupSteps"). */
  setConfigField(path: string, value: unknown): string | null;
  renameRun(runId: string, name: string): string | null;
  /** The base optimizer of a run; only before training (it changes the optimizer state's shape). */
  setBase(runId: string, base: BaseOptimizer): string | null;
  start(): void;
  pause(): void;
  stepOnce(): void;
  /**
   * Back to step 0 with the same seed: every step past it is discarded. The configuration rolls
   * back to the one the comparison started with and the logged changes become planned again,
   * so Start trains the same comparison.
   */
  reset(): void;
  /** Forgets the planned changes: training goes on with the settings shown. */
  discardPlanned(): void;
  /** Copies `runId` at the next step boundary into a new run; returns the new run's id. */
  fork(runId: string): string | null;
  removeRun(runId: string): string | null;
  /** Replaces the comparison by a link's (pasted into the open tab); returns a notice or null. */
  openLinkInPlace(hash: string): string | null;
  /** Replaces the comparison by a scenario's (refused while training); returns the refusal or null. */
  openScenario(name: string): string | null;
  requestSample(prompt: string, maxTokens: number, temperature: number): string | null;
  /** Asks the worker for each run's class of the first `count` test images (image models). */
  requestImagePredictions(count?: number): string | null;
  /** Asks the worker for a run's checkpoint (safetensors) at the current step. */
  exportCheckpoint(runId: string): string | null;
  /** Asks the worker for a run's checkpoint at the current step, for the PyTorch folder (pytorchExport). */
  exportPytorch(runId: string): string | null;
  resume(): void;
  setToyParams(p: Partial<ToyParams>): string | null;
  setPrefs(p: Partial<Prefs>): void;
  dismissNotice(): void;
  /** Sends data the page has already checked (upload control) to the worker. */
  sendUserData(data: UserData): void;
}


export interface StoreOptions {
  /** Delivers an intent to the training worker (tests pass a recorder). */
  send?: (request: WorkerRequest) => void;
  config?: ComparisonConfig;
  /** Changes to re-apply at their steps when this comparison trains (from a shared link). */
  planned?: PlannedChange[];
  /**
   * The page opened without a link: until the user or a restore changes `config`, the adapter
   * report's recommendation (a comparison that answers quickly on this GPU) replaces it.
   */
  followRecommendation?: boolean;
}

type SetState = (partial: Partial<AppState> | ((s: AppState) => Partial<AppState>)) => void;

/** What every slice is handed: the store's setter and getter, the worker and request ids. */
export interface SliceDeps {
  set: SetState;
  get: () => AppState;
  send: (request: WorkerRequest) => void;
  nextRequestId: () => number;
}

/** Report type → its handler; each slice owns the reports it handles. */
export type ReportHandlers = { [T in WorkerReport['type']]?: (report: Extract<WorkerReport, { type: T }>) => void };

/** A slice: its state and actions, and the reports it handles. */
export interface Slice<K extends keyof AppState> {
  state: Pick<AppState, K>;
  handlers: ReportHandlers;
}

export function createAppStore(options: StoreOptions = {}) {
  const send = options.send ?? (() => {});
  const initial = options.config ?? DEFAULT_COMPARISON;
  let requestId = 1;
  return createStore<AppState>()((set, get) => {
    const deps: SliceDeps = { set, get, send, nextRequestId: () => requestId++ };
    const runs = runsSlice(deps, initial);
    const metrics = metricsSlice(deps, initial);
    const replay = replaySlice(deps, options.planned ?? []);
    const scenario = scenarioSlice(deps);
    const toy = toySlice(deps);
    const misc = miscSlice(deps, options.followRecommendation ? initial : null);
    const handlers: ReportHandlers = { ...misc.handlers, ...toy.handlers, ...metrics.handlers, ...replay.handlers, ...scenario.handlers, ...runs.handlers };
    return {
      ...runs.state,
      ...metrics.state,
      ...replay.state,
      ...scenario.state,
      ...toy.state,
      ...misc.state,
      receive(report) {
        if ('generation' in report && report.generation !== get().generation) return; // an older comparison's
        const handle = handlers[report.type] as ((r: WorkerReport) => void) | undefined;
        handle?.(report);
      },
    };
  });
}

export type AppStore = ReturnType<typeof createAppStore>;
