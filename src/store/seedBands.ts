// A run's curve over seeds, as the charts draw it (docs/experiments.md, "Seeds and intervals"): the
// seeds' curves aligned by step, and at each step the mean over the seeds that have a value there,
// with a band of ± 1 standard error or from the smallest to the largest value. The statistics
// themselves are src/train/statistics.ts's `summarize`, so a band and the results table agree.
//
// Seeds share their steps (they train in lockstep, src/worker/session.ts) until one stops (a
// diverged seed); from there on a step has fewer seeds, and its mean and band use those it has.
import { summarize, type SeedSummary } from '../train/statistics';

/** What the band around the mean spans: mean ± 1 s.e. (s.e. = s/√n), or min … max over seeds. */
export type SeedBandKind = 'stderr' | 'minmax';

/**
 * The seeds' curves aligned by step: `step` is every step any seed has, ascending, and
 * `index[s][i]` is where step[i] sits in seed s's columns, or −1 where seed s has no such step.
 */
export interface SeedAlignment {
  step: number[];
  index: Int32Array[];
}

/**
 * Aligns the seeds' step columns (each ascending, as series.ts keeps them) by a merge: one pass
 * over all of them, O(S · N) for S seeds of N steps, never a search per step (the charts redraw
 * every few hundred milliseconds, with up to 5 seeds of each of 8 runs).
 */
export function alignSeeds(steps: readonly (readonly number[])[]): SeedAlignment {
  return alignPrefixes(steps) ?? mergeSteps(steps);
}

/**
 * The common case without a merge: every seed's steps are a prefix of the longest one's (the
 * seeds train in lockstep, src/worker/session.ts, and a seed that diverged stopped early), so
 * step i of the longest is position i of every seed long enough. Null when they are not.
 */
function alignPrefixes(steps: readonly (readonly number[])[]): SeedAlignment | null {
  const longest = steps.reduce<readonly number[]>((a, s) => (s.length > a.length ? s : a), []);
  for (const s of steps) for (let i = 0; i < s.length; i++) if (s[i] !== longest[i]) return null;
  const index = steps.map((s) => {
    const ix = new Int32Array(longest.length);
    for (let i = 0; i < longest.length; i++) ix[i] = i < s.length ? i : -1;
    return ix;
  });
  return { step: longest.slice(), index };
}

/** The general case: a merge of the ascending step columns, the smallest next step of any seed at a time. */
function mergeSteps(steps: readonly (readonly number[])[]): SeedAlignment {
  const at = steps.map(() => 0);
  const most = steps.reduce((sum, s) => sum + s.length, 0); // every step distinct: the longest the merge can be
  const out: number[] = [];
  const index = steps.map(() => new Int32Array(most));
  for (let i = 0; ; i++) {
    let next = Infinity;
    for (let s = 0; s < steps.length; s++) if (at[s] < steps[s].length && steps[s][at[s]] < next) next = steps[s][at[s]];
    if (next === Infinity) break;
    out.push(next);
    for (let s = 0; s < steps.length; s++) index[s][i] = at[s] < steps[s].length && steps[s][at[s]] === next ? at[s]++ : -1;
  }
  return { step: out, index: index.map((ix) => ix.subarray(0, out.length)) };
}

/** The alignment at some of its steps only (`positions`, ascending indices into `step`): a chart aggregates only the points it draws. */
export function alignmentAt(alignment: SeedAlignment, positions: readonly number[]): SeedAlignment {
  const step = new Array<number>(positions.length);
  for (let k = 0; k < positions.length; k++) step[k] = alignment.step[positions[k]];
  const index = alignment.index.map((ix) => {
    const out = new Int32Array(positions.length);
    for (let k = 0; k < positions.length; k++) out[k] = ix[positions[k]];
    return out;
  });
  return { step, index };
}

/** Mean and band at each aligned step; null where no seed has a finite value (a gap in the line). */
export interface SeedBand {
  step: number[];
  /** Seeds with a finite value at the step (a seed without the step, or with null, NaN or ±∞ there, is left out). */
  n: number[];
  mean: (number | null)[];
  /** The band's lower and upper edges: mean ∓ s.e. (no width where n = 1), or min and max. */
  low: (number | null)[];
  high: (number | null)[];
}

/** The band's edges of one step's summary. */
function edges(s: SeedSummary, kind: SeedBandKind): [number, number] {
  return kind === 'minmax' ? [s.min, s.max] : [s.mean - s.se, s.mean + s.se];
}

/**
 * Mean and band over seeds of one column per seed (`columns[s]` indexed as seed s's steps),
 * aligned by `alignment`. A null value counts as missing, as a step the seed does not have.
 */
export function bandOf(alignment: SeedAlignment, columns: readonly (readonly (number | null)[])[], kind: SeedBandKind): SeedBand {
  const m = alignment.step.length;
  const band: SeedBand = { step: alignment.step, n: new Array<number>(m), mean: new Array<number | null>(m), low: new Array<number | null>(m), high: new Array<number | null>(m) };
  const values: number[] = [];
  for (let i = 0; i < m; i++) {
    values.length = 0;
    for (let s = 0; s < columns.length; s++) {
      const k = alignment.index[s][i];
      const v = k < 0 ? null : columns[s][k];
      values.push(v === null ? NaN : v);
    }
    const summary = summarize(values);
    band.n[i] = summary.n;
    if (summary.n === 0) {
      band.mean[i] = band.low[i] = band.high[i] = null;
      continue;
    }
    band.mean[i] = summary.mean;
    [band.low[i], band.high[i]] = edges(summary, kind);
  }
  return band;
}

/**
 * The mean alone of one column per seed at each aligned step (null where no seed has a finite
 * value): the x of a mean curve on the wall-time axis, where the spread is not drawn and
 * bandOf's full summary would double the cost of a redraw.
 */
export function meanOf(alignment: SeedAlignment, columns: readonly (readonly (number | null)[])[]): (number | null)[] {
  const out = new Array<number | null>(alignment.step.length);
  for (let i = 0; i < out.length; i++) {
    let sum = 0;
    let n = 0;
    for (let s = 0; s < columns.length; s++) {
      const k = alignment.index[s][i];
      const v = k < 0 ? null : columns[s][k];
      if (v !== null && Number.isFinite(v)) {
        sum += v;
        n++;
      }
    }
    out[i] = n === 0 ? null : sum / n;
  }
  return out;
}

/** One seed's curve: its steps (ascending) and a value at each (null: none there). */
export interface SeedCurve {
  step: readonly number[];
  y: readonly (number | null)[];
}

/** The mean and band over seeds of their curves, aligned by step (alignSeeds then bandOf). */
export function seedBand(curves: readonly SeedCurve[], kind: SeedBandKind): SeedBand {
  return bandOf(
    alignSeeds(curves.map((c) => c.step)),
    curves.map((c) => c.y),
    kind,
  );
}

/** The last aligned step with a mean (null when there is none), for summaries. */
export function lastBandIndex(band: SeedBand): number | null {
  for (let i = band.mean.length - 1; i >= 0; i--) if (band.mean[i] !== null) return i;
  return null;
}
