// The page's results table: what the store holds of each run (its curves, the last evaluation
// and sharpness measurement) of every seed, as the records src/train/results.ts summarises over
// seeds: the same table the CLI's --seeds writes (docs/experiments.md, "Seeds and intervals").
import { seedOf, type ComparisonConfig, type RunConfig } from '../train/config';
import { buildResults, type ResultsTable, type SeedRunRecord } from '../train/results';
import { seriesKey, type RunSeries } from './series';

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

/**
 * The table of the runs that have trained (configuration order; the first is the reference) over
 * the seeds in which every one of them has (a seed whose metrics are still on their way is left
 * out until they arrive), or null before any has trained.
 */
export function pageResults(runs: readonly RunConfig[], series: Record<string, RunSeries>, config: Pick<ComparisonConfig, 'seed' | 'seeds'>): ResultsTable | null {
  const trained = runs.filter((r) => (series[r.id]?.train.step.length ?? 0) > 0);
  if (trained.length === 0) return null;
  const seeds: number[] = [];
  const records: ReturnType<typeof recordOf>[][] = [];
  for (let k = 0; k < config.seeds; k++) {
    const of = trained.map((r) => series[seriesKey(r.id, k)]);
    if (of.some((s) => s === undefined || s.train.step.length === 0)) continue;
    seeds.push(seedOf(config, k));
    records.push(trained.map((r, i) => recordOf(r.id, of[i])));
  }
  return buildResults(seeds, records);
}
