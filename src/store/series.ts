// Metric series per run, stored column-wise and appended in place: the plots read them at a
// human rate through `metricsRevision`, so a step costs a few array pushes, not a copy. A step
// that arrives again (training re-derives restored curves) is written over its row.
import type { EvalPoint, HessianHistogram, SharpnessPoint, TrainPoint } from '../worker/protocol';

export interface TrainSeries {
  step: number[];
  wallMs: number[];
  loss: number[];
  gradNorm: number[];
  lr: number[];
  maskFraction: (number | null)[];
  kappaEff: (number | null)[];
  stepsPerSec: (number | null)[];
  gradEvals: (number | null)[]; // cumulative (TrainPoint); null in data saved before it was recorded
}

export interface EvalSeries {
  step: number[];
  wallMs: number[];
  valLoss: number[];
  valAcc: (number | null)[];
}

export interface SharpnessSeries {
  step: number[];
  wallMs: number[];
  trace: number[];
  traceStderr: number[];
  topEig: (number | null)[];
  eosSharpness: (number | null)[]; // the top eigenvalue the stability threshold bounds (SharpnessPoint)
  eosThreshold: (number | null)[];
}

export interface RunSeries {
  train: TrainSeries;
  eval: EvalSeries;
  sharpness: SharpnessSeries;
  histogram: HessianHistogram | null; // the latest, from the last mask refresh
}

/**
 * The key of seed `seed`'s series of run `runId` in the store's `series` record: the run id itself
 * for seed 0 (one seed keeps the keys it always had), `B#2` for seed 2 of run B (a run id never
 * holds '#', configSchema.ts). Every record keyed by run (bundles, saved chunks) carries the seeds
 * under these keys.
 */
export function seriesKey(runId: string, seed = 0): string {
  return seed === 0 ? runId : `${runId}#${seed}`;
}

/** The run and seed of a `series` key (seriesKey's inverse). */
export function parseSeriesKey(key: string): { runId: string; seed: number } {
  const at = key.indexOf('#');
  return at < 0 ? { runId: key, seed: 0 } : { runId: key.slice(0, at), seed: Number(key.slice(at + 1)) };
}

/** Run `runId`'s series of seeds 0 … seeds − 1 (index = seed; empty series for a seed with none yet). */
export function seedSeries(series: Record<string, RunSeries>, runId: string, seeds: number): RunSeries[] {
  return Array.from({ length: Math.max(1, seeds) }, (_, s) => series[seriesKey(runId, s)] ?? emptyRunSeries());
}

export function emptyRunSeries(): RunSeries {
  return {
    train: { step: [], wallMs: [], loss: [], gradNorm: [], lr: [], maskFraction: [], kappaEff: [], stepsPerSec: [], gradEvals: [] },
    eval: { step: [], wallMs: [], valLoss: [], valAcc: [] },
    sharpness: { step: [], wallMs: [], trace: [], traceStderr: [], topEig: [], eosSharpness: [], eosThreshold: [] },
    histogram: null,
  };
}

/** Column name → its value for one step (the `step` column excluded). */
type Row<S> = { [K in Exclude<keyof S, 'step'>]: S[K] extends (infer V)[] ? V : never };

/**
 * Puts one step's values in a column-wise series: appended past the last step, written over
 * the row of a step already there (the same step trained again: a replay of restored curves,
 * steps redone after a device loss), inserted in step order otherwise. Returns the row it
 * replaced, or null when the step was new.
 */
function upsert<S extends { step: number[] }>(s: S, step: number, row: Row<S>): Row<S> | null {
  const cols = Object.keys(row) as (keyof Row<S>)[];
  const column = (k: keyof Row<S>) => s[k as keyof S] as unknown as unknown[];
  const n = s.step.length;
  if (n === 0 || step > s.step[n - 1]) {
    s.step.push(step);
    for (const k of cols) column(k).push(row[k]);
    return null;
  }
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (s.step[mid] < step) lo = mid + 1;
    else hi = mid;
  }
  if (s.step[lo] === step) {
    const old = {} as Row<S>;
    for (const k of cols) {
      (old as Record<keyof Row<S>, unknown>)[k] = column(k)[lo];
      column(k)[lo] = row[k];
    }
    return old;
  }
  s.step.splice(lo, 0, step);
  for (const k of cols) column(k).splice(lo, 0, row[k]);
  return null;
}

/** Puts one training step in; returns the loss it replaced (null when the step was new). */
export function appendTrain(s: TrainSeries, p: TrainPoint): number | null {
  const old = upsert(s, p.step, {
    wallMs: p.wallMs,
    loss: p.loss,
    gradNorm: p.gradNorm,
    lr: p.lr,
    maskFraction: p.maskFraction ?? null,
    kappaEff: p.kappaEff ?? null,
    stepsPerSec: p.stepsPerSec ?? null,
    gradEvals: p.gradEvals ?? null,
  });
  return old ? old.loss : null;
}

export function appendEval(s: EvalSeries, p: EvalPoint): void {
  upsert(s, p.step, { wallMs: p.wallMs, valLoss: p.valLoss, valAcc: p.valAcc ?? null });
}

export function appendSharpness(s: SharpnessSeries, p: SharpnessPoint): void {
  upsert(s, p.step, { wallMs: p.wallMs, trace: p.trace, traceStderr: p.traceStderr, topEig: p.topEig ?? null, eosSharpness: p.eosSharpness ?? null, eosThreshold: p.eosThreshold ?? null });
}

/**
 * Exponential moving average with bias correction (as Adam's moments, and TensorBoard's
 * "debiased" smoothing): e_t = β e_{t−1} + (1 − β) x_t, e_0 = 0, reported as e_t / (1 − β^t).
 * β = 0 returns the input; the first output equals the first input for every β.
 */
export function emaSmooth(values: readonly number[], beta: number): number[] {
  const out = new Array<number>(values.length);
  let e = 0;
  let correction = 1;
  for (let i = 0; i < values.length; i++) {
    e = beta * e + (1 - beta) * values[i];
    correction *= beta;
    out[i] = e / (1 - correction);
  }
  return out;
}

/** run − ref training loss at the steps both have, in step order (with ref's loss there). */
export function lossDifference(ref: Pick<TrainSeries, 'step' | 'loss'>, run: Pick<TrainSeries, 'step' | 'loss'> & Partial<Pick<TrainSeries, 'wallMs'>>): { step: number[]; wallMs: number[]; diff: number[]; ref: number[] } {
  const out = { step: [] as number[], wallMs: [] as number[], diff: [] as number[], ref: [] as number[] };
  let i = 0;
  let j = 0;
  while (i < ref.step.length && j < run.step.length) {
    const a = ref.step[i];
    const b = run.step[j];
    if (a === b) {
      out.step.push(a);
      out.wallMs.push(run.wallMs?.[j] ?? NaN);
      out.diff.push(run.loss[j] - ref.loss[i]);
      out.ref.push(ref.loss[i]);
      i++;
      j++;
    } else if (a < b) i++;
    else j++;
  }
  return out;
}

/** A column's value where a run reached `step` (the closest recorded step at or before it). */
export function atStep<T>(s: { step: number[] }, column: readonly T[], step: number): T | null {
  let lo = 0;
  let hi = s.step.length - 1;
  let best: T | null = null;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (s.step[mid] <= step) {
      best = column[mid];
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best;
}

/** Wall time at which a run reached `step` (the closest recorded step at or before it). */
export const wallAtStep = (s: TrainSeries, step: number): number | null => atStep(s, s.wallMs, step);

/**
 * run − ref at equal x (a cost axis: gradient evaluations), at each of run's points inside ref's
 * range, ref's loss interpolated linearly between its two neighbouring points. `refX`, `runX`
 * ascending; points with a null x are left out.
 */
export function lossDifferenceAtX(refX: readonly (number | null)[], refLoss: readonly number[], runX: readonly (number | null)[], runLoss: readonly number[]): { x: number[]; diff: number[] } {
  const rx: number[] = [];
  const ry: number[] = [];
  refX.forEach((x, i) => {
    if (x !== null) {
      rx.push(x);
      ry.push(refLoss[i]);
    }
  });
  const out = { x: [] as number[], diff: [] as number[] };
  let j = 0;
  runX.forEach((x, i) => {
    if (x === null || rx.length === 0 || x < rx[0] || x > rx[rx.length - 1]) return;
    while (j + 1 < rx.length && rx[j + 1] < x) j++;
    const k = Math.min(j + 1, rx.length - 1);
    const span = rx[k] - rx[j];
    const w = span > 0 ? (x - rx[j]) / span : 0;
    const ref = x === rx[k] ? ry[k] : ry[j] + w * (ry[k] - ry[j]);
    out.x.push(x);
    out.diff.push(runLoss[i] - ref);
  });
  return out;
}
