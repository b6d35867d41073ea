// The results table of a comparison over seeds (docs/experiments.md, "Seeds and intervals"):
// per run, each quantity as mean ± s.e. over seeds, and every run after the first against the
// first (the reference, A) seed by seed: a paired difference with its 95 % interval, or for the
// cost to reach a target (by default A's own final loss in that seed) a ratio. The CLI writes it (results.csv, results.json); the numbers come
// from what each seed's comparison reported, nothing is re-measured.
import { firstReach, pairedDifference, pairedRatio, reachSummary, summarize, type PairedDifference, type ReachSummary, type SeedSummary } from './statistics';

/** What one seed of one run reported. */
export interface SeedRunRecord {
  runId: string;
  /** Every training step: steps done (1-based), gradient evaluations so far, the step's loss. */
  curve: { step: number; gradEvals: number; loss: number }[];
  /** The final evaluation on the validation split, when the data have one. */
  valLoss?: number;
  valAcc?: number;
  /** The last sharpness measurement, when measured. */
  trace?: number;
  topEig?: number;
  /** The run diverged (NaN/Inf) at this step. */
  divergedAt?: number;
}

export const RESULT_METRICS = ['final_train_loss', 'val_loss', 'val_acc', 'trace', 'top_eig', 'steps_to_target', 'grad_evals_to_target'] as const;
export type ResultMetric = (typeof RESULT_METRICS)[number];

/** The two costs to reach the target: compared as ratios (B/A), not differences. */
const COSTS: ReadonlySet<ResultMetric> = new Set(['steps_to_target', 'grad_evals_to_target']);

export interface ResultRow {
  runId: string;
  metric: ResultMetric;
  summary: SeedSummary;
  perSeed: (number | null)[];
  /** The costs to the target: how many seeds reached it. */
  reach?: ReachSummary;
  /** Against the reference run (absent for the reference itself). */
  difference?: PairedDifference;
  ratio?: { n: number; ratio: number; low: number; high: number };
}

export interface ResultsTable {
  seeds: number[];
  reference: string;
  /** Per seed, the loss the costs are measured to: by default the reference's own final loss in that seed. */
  targets: number[];
  /** Steps of the trailing mean: the final training loss and arrival at the target. */
  window: number;
  rows: ResultRow[];
}

export interface ResultsOptions {
  /** Trailing-mean window in steps; default a tenth of the shortest curve, 1 to 50. */
  window?: number;
  /** One target loss for every seed; default, per seed, the reference's final training loss in that seed (so the reference always reaches it, at its end, and B is asked to reach what A reached). */
  target?: number;
}

/** Mean of the last `window` losses of a curve (NaN for an empty curve). */
function tailMean(curve: SeedRunRecord['curve'], window: number): number {
  const tail = curve.slice(-window);
  return tail.length === 0 ? NaN : tail.reduce((s, p) => s + p.loss, 0) / tail.length;
}

/**
 * The table for `records[s][r]`: seed s (in `seeds` order), run r (the same runs, in the same
 * order, for every seed; the first is the reference).
 */
export function buildResults(seeds: readonly number[], records: readonly (readonly SeedRunRecord[])[], options: ResultsOptions = {}): ResultsTable {
  if (records.length !== seeds.length || records.length === 0) throw new Error(`results: ${records.length} seeds of records for ${seeds.length} seeds`);
  const runIds = records[0].map((r) => r.runId);
  records.forEach((rs, s) => {
    if (rs.map((r) => r.runId).join() !== runIds.join()) throw new Error(`results: seed ${seeds[s]} has runs ${rs.map((r) => r.runId).join(', ')}, not ${runIds.join(', ')}`);
  });
  const shortest = Math.min(...records.flat().map((r) => r.curve.length));
  const window = options.window ?? Math.max(1, Math.min(50, Math.floor(shortest / 10)));
  const reference = runIds[0];
  const finals = (r: number) => records.map((rs) => tailMean(rs[r].curve, window));
  const targets = options.target !== undefined ? seeds.map(() => options.target as number) : finals(0);
  const value = (rec: SeedRunRecord, metric: ResultMetric, s: number): number | null => {
    const target = targets[s];
    switch (metric) {
      case 'final_train_loss':
        return tailMean(rec.curve, window);
      case 'val_loss':
        return rec.valLoss ?? null;
      case 'val_acc':
        return rec.valAcc ?? null;
      case 'trace':
        return rec.trace ?? null;
      case 'top_eig':
        return rec.topEig ?? null;
      case 'steps_to_target':
        return firstReach(rec.curve.map((p) => ({ x: p.step, y: p.loss })), target, window);
      case 'grad_evals_to_target':
        return firstReach(rec.curve.map((p) => ({ x: p.gradEvals, y: p.loss })), target, window);
    }
  };
  const rows: ResultRow[] = [];
  for (const metric of RESULT_METRICS) {
    const perRun = runIds.map((_, r) => records.map((rs, s) => value(rs[r], metric, s)));
    if (perRun.every((vs) => vs.every((v) => v === null))) continue; // not measured (no validation, no sharpness)
    const numbers = (vs: (number | null)[]) => vs.map((v) => v ?? NaN);
    perRun.forEach((vs, r) => {
      const row: ResultRow = { runId: runIds[r], metric, summary: summarize(numbers(vs)), perSeed: vs };
      if (COSTS.has(metric)) {
        row.reach = reachSummary(vs);
        if (r > 0) row.ratio = pairedRatio(perRun[0], vs);
      } else if (r > 0) row.difference = pairedDifference(numbers(perRun[0]), numbers(vs));
      rows.push(row);
    });
  }
  return { seeds: [...seeds], reference, targets, window, rows };
}

const num = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '' : String(x));

/** One row per (run, metric): the summary, and the comparison with the reference. */
export function resultsCsv(t: ResultsTable): string {
  const head = ['run', 'metric', 'seeds', 'n', 'mean', 'se', 'min', 'max', 'reached', 'vs', 'diff', 'diff_low', 'diff_high', 'ratio', 'ratio_low', 'ratio_high'];
  const lines = t.rows.map((r) =>
    [
      r.runId,
      r.metric,
      t.seeds.length,
      r.summary.n,
      num(r.summary.mean),
      num(r.summary.se),
      num(r.summary.min),
      num(r.summary.max),
      r.reach ? r.reach.reached : '',
      r.difference || r.ratio ? t.reference : '',
      num(r.difference?.mean),
      num(r.difference?.low),
      num(r.difference?.high),
      num(r.ratio?.ratio),
      num(r.ratio?.low),
      num(r.ratio?.high),
    ].join(','),
  );
  return [head.join(','), ...lines].join('\n') + '\n';
}

const fmt = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(4)).toString() : '–');

/** The table as text: a line per (run, metric), "mean ± s.e." and the comparison with the reference. */
export function resultsText(t: ResultsTable): string {
  const lines = [
    `results over ${t.seeds.length} seed${t.seeds.length === 1 ? '' : 's'} (${t.seeds.join(', ')}); target loss per seed ${t.targets.map(fmt).join(', ')} (${t.reference}'s final unless given), window ${t.window} steps`,
  ];
  for (const r of t.rows) {
    const s = r.summary;
    let text = `  ${r.runId} ${r.metric.padEnd(20)} ${fmt(s.mean)}${s.n > 1 ? ` ± ${fmt(s.se)}` : ''}`;
    if (r.reach) text += ` (${r.reach.reached} of ${r.reach.seeds} seeds reached it)`;
    if (r.difference) text += `; ${r.runId} − ${t.reference} ${fmt(r.difference.mean)}${r.difference.n > 1 ? ` [${fmt(r.difference.low)}, ${fmt(r.difference.high)}]` : ''}`;
    if (r.ratio) text += `; ${r.runId}/${t.reference} ${fmt(r.ratio.ratio)}${r.ratio.n > 1 ? ` [${fmt(r.ratio.low)}, ${fmt(r.ratio.high)}]` : ''}`;
    lines.push(text);
  }
  return lines.join('\n') + '\n';
}
