// The page's results table: what the store holds of each run (its curves, the last evaluation
// and sharpness measurement) as the records src/train/results.ts summarises over seeds. The page
// trains one seed, so each quantity has n = 1 (no spread yet); the CLI's --seeds writes the same
// table over several (docs/experiments.md, "Seeds and intervals").
import type { RunConfig } from '../train/config';
import { buildResults, type ResultsTable, type SeedRunRecord } from '../train/results';
import type { RunSeries } from './series';

const lastOf = <T>(xs: readonly T[]): T | undefined => (xs.length > 0 ? xs[xs.length - 1] : undefined);

/** One run's record from its series: every trained step, the last validation and sharpness points. */
export function recordOf(runId: string, s: RunSeries): SeedRunRecord {
  const t = s.train;
  const curve = t.step.map((step, i) => ({ step, gradEvals: t.gradEvals[i] ?? NaN, loss: t.loss[i] }));
  const rec: SeedRunRecord = { runId, curve };
  const e = s.eval;
  if (e.step.length > 0) {
    rec.valLoss = lastOf(e.valLoss);
    rec.valAcc = lastOf(e.valAcc) ?? undefined;
  }
  const h = s.sharpness;
  if (h.step.length > 0) {
    rec.trace = lastOf(h.trace);
    rec.topEig = lastOf(h.topEig) ?? undefined;
  }
  return rec;
}

/** The table of the runs that have trained (configuration order; the first is the reference), or null before any has. */
export function pageResults(runs: readonly RunConfig[], series: Record<string, RunSeries>, seed: number): ResultsTable | null {
  const trained = runs.filter((r) => (series[r.id]?.train.step.length ?? 0) > 0);
  if (trained.length === 0) return null;
  return buildResults([seed], [trained.map((r) => recordOf(r.id, series[r.id]))]);
}
