// When a run's training loss has left a reference run's: the measure behind the page's default
// comparison (src/train/defaultComparison.ts: run B, AdmIRE, must leave run A, AdamW, within the
// first tenth of the run). Before IRE starts both runs see the same parameters and batches, so
// their losses are equal bit for bit; afterwards any gap is IRE's doing, and this asks for one
// that shows on the charts' bold (EMA-smoothed) curves.
import { emaSmooth, lossDifference, type TrainSeries } from './series';

export interface DepartureOptions {
  /** EMA β of both smoothed series (the page's default smoothing, store DEFAULT_PREFS). */
  beta: number;
  /** The gap must exceed this fraction of the reference's smoothed loss. */
  fraction: number;
}

export const DEPARTURE: DepartureOptions = { beta: 0.9, fraction: 0.02 };

/**
 * The first step at which |EMA_β(run − ref)| > fraction · EMA_β(ref): both EMAs bias-corrected
 * (emaSmooth), over the steps both runs have, in step order; null if the runs never part.
 */
export function departureStep(
  ref: Pick<TrainSeries, 'step' | 'loss'>,
  run: Pick<TrainSeries, 'step' | 'loss'>,
  opts: DepartureOptions = DEPARTURE,
): number | null {
  const { step: steps, ref: refLoss, diff: gap } = lossDifference(ref, run);
  const smoothRef = emaSmooth(refLoss, opts.beta);
  const smoothGap = emaSmooth(gap, opts.beta);
  for (let k = 0; k < steps.length; k++) {
    if (Math.abs(smoothGap[k]) > opts.fraction * Math.abs(smoothRef[k])) return steps[k];
  }
  return null;
}
