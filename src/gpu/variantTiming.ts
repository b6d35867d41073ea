// Times the variants of one kernel family against each other on this device, for the
// per-adapter tuning (docs/performance.md, "Kernel variants"). Names no family: a family hands
// in one run of its workload per variant. Wall clock around one submission of a run repeated,
// awaited with queue.onSubmittedWorkDone().
import { submitDispatches, type Dispatch } from './dispatch';

/** One candidate: the dispatches of one run of the family's workload, built in this variant. */
export interface VariantRun<V extends string> {
  variant: V;
  dispatches: readonly Dispatch[];
  /**
   * A smaller instance of the workload (same pipelines): run twice, the better time screening
   * out a variant `dropFactor` times slower than the fastest before it costs a full-size run.
   * Given for every run or for none; without it the first full-size run is untimed.
   */
  screen?: readonly Dispatch[];
}

export interface VariantTimingOptions {
  /** Timed rounds after the first single runs; default 5. */
  trials?: number;
  /** Runs per submission: enough for the fastest variant's submission to last about this long; default 10 ms. */
  minTrialMs?: number;
  /** Cap on runs per submission; default 256 (a GPU runs these workloads in microseconds). */
  maxRepeats?: number;
  /** No round starts that is predicted to end past this (ms since the first timed run); default 300. */
  budgetMs?: number;
  /** A variant this many times slower than the fastest is not timed again; default 3. */
  dropFactor?: number;
}

/** What a family's tuning reports: its choice, how it was made, and the times it was made from. */
export interface FamilyTuning<V extends string> {
  choice: V;
  /**
   * 'measured': the fastest of `timings`; 'adapter': reasoned from the adapter itself;
   * 'default': the family's default, because the measurement failed (`reason`).
   */
  basis: 'measured' | 'adapter' | 'default';
  /** Fastest ms per run of the workload, per variant timed at full size. */
  timings: Partial<Record<V, number>>;
  /** ms of one run of the smaller screening instance, per variant, where the family screens. */
  screened?: Partial<Record<V, number>>;
  /** What one run is ("dweight/dbias column sums, N = 1024 rows, C = 128"). */
  workload: string;
  /** Runs per timed submission. */
  repeats?: number;
  reason?: string;
}

export interface VariantTimes<V extends string> {
  fastest: V;
  /** Fastest ms per run, per variant timed at full size. */
  timings: Partial<Record<V, number>>;
  /** ms of one screening run per variant (when the runs have `screen`). */
  screened?: Partial<Record<V, number>>;
  repeats: number;
}

/** ms of one submission of `dispatches` repeated `repeats` times, awaited. */
export async function timeSubmission(device: GPUDevice, dispatches: readonly Dispatch[], repeats: number, label = 'VariantTiming'): Promise<number> {
  const list: Dispatch[] = [];
  for (let r = 0; r < repeats; r++) list.push(...dispatches);
  const t0 = performance.now();
  submitDispatches(device, list, label);
  await device.queue.onSubmittedWorkDone();
  return performance.now() - t0;
}

/**
 * Times each variant's run: screened on the smaller instance where there is one, then once
 * alone, then in rounds of `repeats` runs per submission (variants alternate, so drift hits them
 * alike), skipping variants already `dropFactor` times slower than the fastest, until one
 * variant is left, `trials` rounds are done or the budget is spent. The fastest time counts.
 */
export async function timeVariants<V extends string>(device: GPUDevice, runs: readonly VariantRun<V>[], opts: VariantTimingOptions = {}): Promise<VariantTimes<V>> {
  const trials = opts.trials ?? 5;
  const minTrialMs = opts.minTrialMs ?? 10;
  const maxRepeats = opts.maxRepeats ?? 256;
  const budgetMs = opts.budgetMs ?? 300;
  const dropFactor = opts.dropFactor ?? 3;
  if (runs.length === 0) throw new Error('timeVariants: no variant to time');
  const screens = runs.map((r) => r.screen).filter((s) => s !== undefined);
  if (screens.length !== 0 && screens.length !== runs.length) throw new Error('timeVariants: give every run a screen, or none');
  const first: number[] = [];
  for (const run of runs) first.push(await timeSubmission(device, run.screen ?? run.dispatches, 1));
  let screened: Partial<Record<V, number>> | undefined;
  let contenders = runs;
  if (screens.length) {
    // The better of two screening runs (the first one included), so one stall does not decide.
    const ms: number[] = [];
    for (const [i, s] of screens.entries()) ms.push(Math.min(first[i], await timeSubmission(device, s, 1)));
    const byVariant: Partial<Record<V, number>> = {};
    runs.forEach((run, i) => (byVariant[run.variant] = ms[i]));
    screened = byVariant;
    contenders = runs.filter((_, i) => ms[i] <= dropFactor * Math.min(...ms));
  }
  const started = performance.now();
  const best: number[] = [];
  for (const run of contenders) best.push(await timeSubmission(device, run.dispatches, 1));
  const fastest = () => Math.min(...best);
  // A timer coarser than the run can read 0; the floor keeps the repeats finite.
  const repeats = Math.max(1, Math.min(maxRepeats, Math.ceil(minTrialMs / Math.max(fastest(), 0.01))));
  for (let t = 0; t < trials; t++) {
    // Every contender gets one round of repeated runs before a single slow run can drop it.
    const timed = contenders.map((_, i) => i).filter((i) => t === 0 || best[i] <= dropFactor * fastest());
    if (timed.length < 2) break; // decided
    const predicted = timed.reduce((ms, i) => ms + best[i] * repeats, 0);
    if (performance.now() - started + predicted > budgetMs) break;
    for (const i of timed) best[i] = Math.min(best[i], (await timeSubmission(device, contenders[i].dispatches, repeats)) / repeats);
  }
  const timings: Partial<Record<V, number>> = {};
  contenders.forEach((run, i) => (timings[run.variant] = Math.max(1e-6, best[i])));
  const winner = contenders[best.indexOf(fastest())];
  return screened ? { fastest: winner.variant, timings, screened, repeats } : { fastest: winner.variant, timings, repeats };
}
