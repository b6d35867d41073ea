// Metric series per run, stored column-wise and appended in place: the plots read them at a
// human rate through `metricsRevision`, so a step costs a few array pushes, not a copy.
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
}

export interface RunSeries {
  train: TrainSeries;
  eval: EvalSeries;
  sharpness: SharpnessSeries;
  histogram: HessianHistogram | null; // the latest, from the last mask refresh
}

export function emptyRunSeries(): RunSeries {
  return {
    train: { step: [], wallMs: [], loss: [], gradNorm: [], lr: [], maskFraction: [], kappaEff: [], stepsPerSec: [] },
    eval: { step: [], wallMs: [], valLoss: [], valAcc: [] },
    sharpness: { step: [], wallMs: [], trace: [], traceStderr: [], topEig: [] },
    histogram: null,
  };
}

const last = (a: number[]) => (a.length ? a[a.length - 1] : -Infinity);

/** Appends one step; a point not after the last one (a replayed message) is ignored. */
export function appendTrain(s: TrainSeries, p: TrainPoint): boolean {
  if (p.step <= last(s.step)) return false;
  s.step.push(p.step);
  s.wallMs.push(p.wallMs);
  s.loss.push(p.loss);
  s.gradNorm.push(p.gradNorm);
  s.lr.push(p.lr);
  s.maskFraction.push(p.maskFraction ?? null);
  s.kappaEff.push(p.kappaEff ?? null);
  s.stepsPerSec.push(p.stepsPerSec ?? null);
  return true;
}

export function appendEval(s: EvalSeries, p: EvalPoint): boolean {
  if (p.step <= last(s.step)) return false;
  s.step.push(p.step);
  s.wallMs.push(p.wallMs);
  s.valLoss.push(p.valLoss);
  s.valAcc.push(p.valAcc ?? null);
  return true;
}

export function appendSharpness(s: SharpnessSeries, p: SharpnessPoint): boolean {
  if (p.step <= last(s.step)) return false;
  s.step.push(p.step);
  s.wallMs.push(p.wallMs);
  s.trace.push(p.trace);
  s.traceStderr.push(p.traceStderr);
  s.topEig.push(p.topEig ?? null);
  return true;
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

/** run − ref training loss at the steps both have, in step order. */
export function lossDifference(ref: TrainSeries, run: TrainSeries): { step: number[]; wallMs: number[]; diff: number[] } {
  const out = { step: [] as number[], wallMs: [] as number[], diff: [] as number[] };
  let i = 0;
  let j = 0;
  while (i < ref.step.length && j < run.step.length) {
    const a = ref.step[i];
    const b = run.step[j];
    if (a === b) {
      out.step.push(a);
      out.wallMs.push(run.wallMs[j]);
      out.diff.push(run.loss[j] - ref.loss[i]);
      i++;
      j++;
    } else if (a < b) i++;
    else j++;
  }
  return out;
}

/** Wall time at which a run reached `step` (the closest recorded step at or before it). */
export function wallAtStep(s: TrainSeries, step: number): number | null {
  let lo = 0;
  let hi = s.step.length - 1;
  let best: number | null = null;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (s.step[mid] <= step) {
      best = s.wallMs[mid];
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best;
}
