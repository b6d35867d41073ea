// Messages between the page and the training worker. The worker owns the GPU; the page sends
// intents (WorkerRequest) and receives reports (WorkerReport). Plain serialisable data only
// (structured clone: no classes, functions or typed arrays that the receiver must keep).
//
// Versioning: the worker announces PROTOCOL_VERSION in `hello` as soon as it starts; the page
// sends its own in `configure`. A mismatch is answered with `error` and nothing trains.
//
// Step axis: `step` is the number of optimizer steps a run has taken (the first training step
// reports step 1). A fork taken at step N continues from N, so runs align on one axis.
//
// Seeds: a config with `seeds` S > 1 trains every run S times (seed s with `config.seed + s`).
// Metrics points carry `seed` s for s ≥ 1 and none for seed 0; everything else (status, samples,
// predictions, checkpoints, histograms) is about seed 0, which speaks for the run.
import type { AdapterReport } from '../gpu/device';
import type { ComparisonConfig, RunConfig } from '../train/config';
import type { SharpnessCost } from '../train/sharpnessSchedule';
import type { DefaultRecommendation } from '../train/defaultComparison';
import type { LiveField, LiveValue } from '../train/liveSettings';

// 4: the config of `configure` carries trainSubset and mlpHidden, which a version-3 worker refuses as unknown keys.
export const PROTOCOL_VERSION = 4;

export { LIVE_FIELDS, type LiveField, type LiveFieldValues, type LiveValue } from '../train/liveSettings';
/** The adapter as the worker reports it; the page reads it from here, never from src/gpu. */
export type { AdapterReport };

/**
 * Run control, the same machine on both sides (docs/architecture.md, "Run control"):
 *   idle ─start/step→ building ─built→ running ─pause→ pausing ─step boundary→ paused ─start→ running
 * `idle` is "no steps trained" (nothing built, or built at step 0); `failed` holds the real message
 * and lets any preset start again. The page moves to `building` and `pausing` itself when the
 * user asks; every other state comes from the worker's `control` report.
 */
export type Control = 'idle' | 'building' | 'running' | 'pausing' | 'paused' | 'failed';

/**
 * A change the worker applies when the runs reach `step` (from a shared link, a reset or the
 * replay of a restored comparison): a live setting, or a fork. `id` comes back in `applied` /
 * `run-added` so the page knows which planned change took effect.
 */
export type ScheduledChange =
  | { kind: 'set'; id: number; step: number; runId: string; field: LiveField; value: LiveValue }
  | { kind: 'fork'; id: number; step: number; runId: string; from: string; name: string }
  | { kind: 'remove'; id: number; step: number; runId: string };

// ---------------------------------------------------------------------------------------------
// Page → worker.

export type WorkerRequest =
  /** Acquire an adapter and report it (`adapter` / `no-webgpu` / `error`). */
  | { type: 'probe' }
  /**
   * Build (or rebuild: this is also Reset) the comparison at step 0 under a new `generation`;
   * answered by `configured` or `config-rejected`, then trains `steps` steps (null: until paused
   * or finished; 0: stays idle). Every report about the comparison carries its generation, so the
   * page drops what an older comparison still had in flight. `schedule` is applied at its steps.
   */
  | { type: 'configure'; protocolVersion: number; generation: number; config: ComparisonConfig; schedule: ScheduledChange[]; steps: number | null }
  /** Train all live runs in lockstep until paused, finished or diverged. */
  | { type: 'start' }
  /** Stop at the next step boundary (`control` says `pausing`, then `paused`). */
  | { type: 'pause' }
  /** Take `count` (default 1) lockstep steps, then pause. */
  | { type: 'step'; count?: number }
  /** Copy run `runId`'s full state (parameters, optimizer state, schedule position) at the next
   *  step boundary into a new run `newRunId`, which then trains alongside. Answered by `run-added`. */
  | { type: 'fork'; runId: string; newRunId: string; name: string; requestId: number }
  /**
   * Change a setting of one run at the next step boundary. Edits that arrive between the same two
   * steps compose (each field keeps its last value); `applied` acknowledges them with the step.
   */
  | { type: 'edit'; runId: string; field: LiveField; value: LiveValue; requestId: number }
  /** Forget the scheduled changes not applied yet (training goes on with the settings it has). */
  | { type: 'unschedule' }
  /** Stop and forget a run at the next step boundary (the others go on); answered by `run-removed`. */
  | { type: 'remove-run'; runId: string; requestId: number }
  /** Sample a continuation of `prompt` from each text run at its current step; answered by `sample`s. */
  | { type: 'sample'; requestId: number; prompt: string; maxTokens: number; temperature: number; seed: number }
  /** The class each image run predicts for the first `count` test images (1 to MAX_PREDICTED_IMAGES)
   *  at its current step; answered by one `image-predictions`. */
  | { type: 'predict-images'; requestId: number; count: number }
  /** After `device-lost`: acquire a new device and restore every run from its last checkpoint. */
  | { type: 'resume' }
  /** A run's full state at the current step as a safetensors checkpoint; answered by `checkpoint-file`. */
  | { type: 'export-checkpoint'; runId: string; requestId: number }
  /** Diagnostics: destroy the worker's GPU device as a driver reset would (tests the recovery path). */
  | { type: 'simulate-device-loss' }
  /** The toy landscape L(u,v) = (1+u²)v²/2 (docs/algorithm.md "The toy problem"); answered by `toy-result`. */
  | { type: 'toy'; request: ToyRequest }
  /** A dataset file the user chose, already checked on the page (size, encoding, record length). */
  | { type: 'user-data'; data: UserData };

/** Uploaded data, already checked on the page by the same function the worker builds it with. */
export type { UserData } from '../data/userData';
import type { UserData } from '../data/userData';

export interface ToyRequest {
  requestId: number;
  start: [number, number]; // (u, v) at step 0
  eta: number; // learning rate of the GD trajectories' base (the paper: GD η = 1 and η = 2)
  kappa: number; // κ of the IRE trajectory (run at step size eta)
  gamma: number; // γ of the IRE mask (0.5 picks u, the flat coordinate)
  steps: number; // iterations per trajectory
}

// ---------------------------------------------------------------------------------------------
// Worker → page.

/** One run's metrics at one training step. Non-finite numbers never appear (see `status`). */
export interface TrainPoint {
  runId: string;
  step: number;
  wallMs: number; // milliseconds since the comparison started training (pauses excluded)
  loss: number; // training loss of this step's batch
  gradNorm: number; // global gradient norm before clipping
  lr: number; // learning rate used at this step (after schedule)
  maskFraction?: number; // fraction of parameters IRE boosted at this step (0 when inactive)
  kappaEff?: number; // κ_t actually applied (κ · lr_t / lr_max when kappaFollowsLr)
  stepsPerSec?: number; // recent lockstep throughput
  gradEvals?: number; // gradient evaluations so far, this step's included (SAM: 2 a step; IRE refresh: +1)
  seed?: number; // seed index s in 1 … S − 1 (absent: seed 0)
}

export interface EvalPoint {
  runId: string;
  step: number;
  wallMs: number;
  valLoss: number;
  valAcc?: number; // classification models only, in [0, 1]
  seed?: number; // as TrainPoint.seed
}

export interface SharpnessPoint {
  runId: string;
  step: number;
  wallMs: number;
  trace: number; // Hutchinson estimate of Tr ∇²L
  traceStderr: number; // its standard error over probes
  topEig?: number; // largest Hessian eigenvalue (Lanczos), when measured
  /**
   * The edge of stability (docs/algorithm.md "Sharpness"), for optimizers that have one (SGD,
   * AdamW), from step 1: the top eigenvalue the threshold bounds (of H for SGD, of P⁻¹H with
   * the run's own Adam state for AdamW) and the threshold at the run's current learning rate.
   */
  eosSharpness?: number;
  eosThreshold?: number;
  seed?: number; // as TrainPoint.seed
}

/** Histogram of the Hessian-diagonal estimate h at a mask refresh. */
export interface HessianHistogram {
  runId: string;
  step: number;
  edges: number[]; // bins + 1 increasing edges, log-spaced (positive); h = 0 is counted in `zeros`
  counts: number[]; // entries per bin
  zeros: number; // entries with h = 0 (always flat)
  threshold: number; // the γ threshold thr: entries with h ≤ thr are boosted
  gamma: number; // γ used for this refresh
}

/** A setting change as the worker applied it: the run's step `step` + 1 is the first to use it. */
export interface ParamEvent {
  step: number; // steps already taken by the run when the change applied
  runId: string;
  field: LiveField;
  old: LiveValue;
  new: LiveValue;
}

export type RunStatus =
  | { state: 'idle' } // configured, not started
  | { state: 'running' }
  | { state: 'paused' }
  | { state: 'finished'; step: number } // reached totalSteps
  | { state: 'diverged'; step: number; lastFinite: TrainPoint | null; reason: string } // NaN/Inf at `step`
  | { state: 'device-lost'; message: string; checkpointStep: number | null };

/** What the worker built for one run. */
export interface RunInfo {
  runId: string;
  parameters: number; // number of trainable scalars
  step: number;
}

/** Reports about the comparison carry the generation of the `configure` that built it. */
type Of<T> = T & { generation: number };

export type WorkerReport =
  /** The adapter, and (browser worker) the comparison the page should open with on it. */
  | { type: 'adapter'; report: AdapterReport; recommended?: DefaultRecommendation }
  | { type: 'no-webgpu'; message: string }
  /** The worker found an adapter but could not start the GPU (the real reason). */
  | { type: 'gpu-failed'; message: string }
  /** A request failed without touching run control (a sample, an export): shown as a notice. */
  | { type: 'error'; message: string }
  | { type: 'hello'; protocolVersion: number }
  | Of<{ type: 'configured'; config: ComparisonConfig; runs: RunInfo[] }>
  | Of<{ type: 'config-rejected'; issues: { path: string; message: string }[] }>
  /** Run control moved (see `Control`); `message` is the real reason of a failure. */
  | Of<{ type: 'control'; state: Control; step: number; message?: string }>
  /** Several steps' metrics of every run in one message (the worker batches at ~10 Hz). */
  | Of<{ type: 'metrics'; train: TrainPoint[]; eval: EvalPoint[]; sharpness: SharpnessPoint[]; sharpnessCost?: SharpnessCost }>
  | Of<{ type: 'histogram'; histogram: HessianHistogram }>
  /** Edits and scheduled changes applied at one step boundary (`events`: only real changes). */
  | Of<{ type: 'applied'; step: number; requestIds: number[]; scheduledIds: number[]; events: ParamEvent[] }>
  /** An `edit` the worker refused, with the field named. */
  | Of<{ type: 'edit-rejected'; runId: string; field: LiveField; message: string; requestId: number }>
  | Of<{ type: 'status'; runId: string; status: RunStatus }>
  | Of<{ type: 'run-added'; run: RunConfig; forkedFrom: { runId: string; step: number } | null; requestId?: number; scheduledId?: number }>
  | Of<{ type: 'run-removed'; runId: string; step: number; index: number; run: RunConfig; requestId?: number; scheduledId?: number }>
  | { type: 'sample'; requestId: number; runId: string; step: number; prompt: string; text: string }
  | { type: 'image-predictions'; predictions: ImagePredictions }
  /** Steps at which an in-memory checkpoint of `runId` is held (device-loss recovery, export). */
  | Of<{ type: 'checkpoints'; runId: string; steps: number[] }>
  | { type: 'device-lost'; message: string; resumable: boolean }
  /** A run's checkpoint (safetensors bytes, docs/checkpoints.md), for the page to save. */
  | { type: 'checkpoint-file'; requestId: number; runId: string; step: number; fileName: string; bytes: Uint8Array }
  | { type: 'toy-result'; result: ToyResult };

/** Most test images one `predict-images` request may ask for. */
export const MAX_PREDICTED_IMAGES = 64;

/** Test images and the class each live run predicts for them (runs that diverged are left out). */
export interface ImagePredictions {
  requestId: number;
  step: number; // lockstep position when predicted
  channels: number; // C: 1 (grey) or 3 (RGB planes)
  height: number; // H
  width: number; // W
  pixels: Uint8Array; // (N, C, H, W) raw bytes 0..255, channel planes as the dataset stores them
  labels: number[]; // (N) true class ids
  classNames: string[]; // (classes) name of each class id: digits for MNIST, words for CIFAR-10
  byRun: { runId: string; step: number; predicted: number[] }[]; // (N) each: class id, −1 when no logit was finite
}

export interface ToyTrajectory {
  label: string; // "GD η = 1", "IRE κ = 9000"
  method: 'gd' | 'ire';
  eta: number;
  kappa: number; // 0 for GD
  u: number[]; // steps + 1 points, u[0] = start
  v: number[];
  loss?: number[]; // L(u, v) per point, when the engine reports it
  diverged: boolean; // left the finite range before `steps`
}

export interface ToyResult {
  requestId: number;
  start: [number, number];
  trajectories: ToyTrajectory[];
}
