// Statistics across seeds: what the results table and the bands report (docs/experiments.md,
// "Seeds and intervals"). A comparison with S seeds gives every run S curves that share, seed by
// seed, their initial parameters and batches; so run B is compared with run A seed by seed
// (paired), which removes the part of the seed-to-seed spread that both runs share.
//
//   mean ± s.e.     s.e. = s/√S, s the sample standard deviation (S − 1 in the denominator)
//   paired B − A    d_s = b_s − a_s per seed, mean(d) with the 95 % t interval mean ± t·s_d/√S
//   steps to target the first step at which a run's smoothed loss is at or below the target;
//                   a seed that never gets there is counted, not averaged (`reached` of `seeds`)

/** Mean, spread and range of one quantity over seeds (non-finite values left out and counted). */
export interface SeedSummary {
  /** Finite values summarised. */
  n: number;
  /** Values left out because they were NaN or ±∞ (a diverged seed). */
  nonFinite: number;
  mean: number;
  /** Sample standard deviation (0 for n = 1). */
  sd: number;
  /** Standard error of the mean, sd/√n (0 for n = 1: one seed says nothing of the spread). */
  se: number;
  min: number;
  max: number;
}

export function summarize(values: readonly number[]): SeedSummary {
  const xs = values.filter(Number.isFinite);
  const n = xs.length;
  if (n === 0) return { n: 0, nonFinite: values.length, mean: NaN, sd: NaN, se: NaN, min: NaN, max: NaN };
  const mean = xs.reduce((s, x) => s + x, 0) / n;
  const ss = xs.reduce((s, x) => s + (x - mean) ** 2, 0);
  const sd = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
  return { n, nonFinite: values.length - n, mean, sd, se: n > 1 ? sd / Math.sqrt(n) : 0, min: Math.min(...xs), max: Math.max(...xs) };
}

/** t_{0.975, df}: two-sided 95 % quantiles of Student's t for df = 1 … 30. */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064,
  2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** The 97.5 % quantile of Student's t with `df` degrees of freedom (df ≥ 1; beyond 30 a Cornish–Fisher expansion). */
export function tQuantile975(df: number): number {
  if (!Number.isInteger(df) || df < 1) throw new Error(`degrees of freedom ${df} must be an integer ≥ 1`);
  if (df <= T975.length) return T975[df - 1];
  const z = 1.959964;
  return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df * df);
}

/** B − A seed by seed, and its mean with a 95 % interval (undefined bounds below 2 pairs). */
export interface PairedDifference {
  /** Seeds where both values are finite. */
  n: number;
  /** d_s = b_s − a_s per seed (NaN where either is not finite). */
  perSeed: number[];
  mean: number;
  se: number;
  /** 95 % interval of the mean difference (t with n − 1 degrees of freedom); NaN for n < 2. */
  low: number;
  high: number;
}

export function pairedDifference(a: readonly number[], b: readonly number[]): PairedDifference {
  if (a.length !== b.length) throw new Error(`paired difference: ${a.length} values of A against ${b.length} of B`);
  const perSeed = a.map((x, i) => (Number.isFinite(x) && Number.isFinite(b[i]) ? b[i] - x : NaN));
  const s = summarize(perSeed);
  const half = s.n >= 2 ? tQuantile975(s.n - 1) * s.se : NaN;
  return { n: s.n, perSeed, mean: s.mean, se: s.se, low: s.mean - half, high: s.mean + half };
}

/** One point of a run's curve: x the step (or another axis), y the loss at it. */
export interface CurvePoint {
  x: number;
  y: number;
}

/**
 * The first x at which the trailing mean of the last `window` values of y is at or below
 * `target`, or null if it never is. The mean over a window keeps one lucky minibatch from
 * counting as arrival; window 1 is the raw curve. Non-finite values end the search (a diverged
 * run does not arrive later).
 */
export function firstReach(curve: readonly CurvePoint[], target: number, window = 1): number | null {
  if (!Number.isInteger(window) || window < 1) throw new Error(`window ${window} must be an integer ≥ 1`);
  let sum = 0;
  for (let i = 0; i < curve.length; i++) {
    const y = curve[i].y;
    if (!Number.isFinite(y)) return null;
    sum += y;
    if (i >= window) sum -= curve[i - window].y;
    if (i + 1 >= window && sum / window <= target) return curve[i].x;
  }
  return null;
}

/** Steps (or gradient evaluations) to a target over seeds: how many arrived, and the summary of those that did. */
export interface ReachSummary {
  seeds: number;
  reached: number;
  /** Summary of the seeds that reached the target (n = reached). */
  summary: SeedSummary;
  /** Per seed: the x of arrival, or null. */
  perSeed: (number | null)[];
}

export function reachSummary(perSeed: readonly (number | null)[]): ReachSummary {
  const arrived = perSeed.filter((x): x is number => x !== null);
  return { seeds: perSeed.length, reached: arrived.length, summary: summarize(arrived), perSeed: [...perSeed] };
}

/**
 * B's cost over A's to reach the same target, seed by seed (seeds where both arrived), and the
 * mean ratio with a 95 % interval taken on the log scale (a ratio's natural scale): exp(mean ±
 * t·se of log(b/a)). Below 1, B needs fewer steps.
 */
export function pairedRatio(a: readonly (number | null)[], b: readonly (number | null)[]): { n: number; perSeed: number[]; ratio: number; low: number; high: number } {
  if (a.length !== b.length) throw new Error(`paired ratio: ${a.length} values of A against ${b.length} of B`);
  const logs: number[] = [];
  const perSeed: number[] = [];
  a.forEach((x, i) => {
    const y = b[i];
    const r = x !== null && y !== null && x > 0 && y > 0 ? y / x : NaN;
    perSeed.push(r);
    if (Number.isFinite(r)) logs.push(Math.log(r));
  });
  const s = summarize(logs);
  const half = s.n >= 2 ? tQuantile975(s.n - 1) * s.se : NaN;
  return { n: s.n, perSeed, ratio: Math.exp(s.mean), low: Math.exp(s.mean - half), high: Math.exp(s.mean + half) };
}
