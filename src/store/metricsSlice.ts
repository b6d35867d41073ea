// The metrics slice: each run's series (mutated in place; `metricsRevision` changes on every
// update so the charts redraw at their own rate), the latest Hessian histogram, and the event
// log the charts mark. While restored curves are re-derived (`replay`), a step that arrives again
// is written over the restored one, and the first loss that differs is noted. Each seed's points
// go to their own series, under seriesKey(runId, seed) (series.ts).
import type { ComparisonConfig } from '../train/config';
import { appendEval, appendSharpness, appendTrain, emptyRunSeries, seriesKey } from './series';
import type { Slice, SliceDeps } from './store';

type Keys = 'series' | 'metricsRevision' | 'events' | 'sharpnessCost';

export function metricsSlice({ set, get }: SliceDeps, initial: ComparisonConfig): Slice<Keys> {
  return {
    state: {
      series: Object.fromEntries(initial.runs.map((r) => [r.id, emptyRunSeries()])),
      metricsRevision: 0,
      events: [],
      sharpnessCost: null,
    },
    handlers: {
      metrics(report) {
        const s = get();
        const at = (runId: string, seed?: number) => (s.series[seriesKey(runId, seed)] ??= emptyRunSeries());
        let step = s.step;
        let replay = s.replay;
        for (const p of report.train) {
          const replaced = appendTrain(at(p.runId, p.seed).train, p);
          step = Math.max(step, p.step);
          if (replay && replaced !== null && replay.mismatch === null && !Object.is(replaced, p.loss)) replay = { ...replay, mismatch: { runId: p.runId, step: p.step } };
        }
        for (const p of report.eval) appendEval(at(p.runId, p.seed).eval, p);
        for (const p of report.sharpness) appendSharpness(at(p.runId, p.seed).sharpness, p);
        if (replay && step >= replay.through && replay.mismatch === null) replay = null; // re-derived bit for bit
        set((t) => ({ metricsRevision: t.metricsRevision + 1, step, replay, ...(report.sharpnessCost ? { sharpnessCost: report.sharpnessCost } : {}) }));
      },
      histogram(report) {
        const series = get().series;
        (series[report.histogram.runId] ??= emptyRunSeries()).histogram = report.histogram;
        set((s) => ({ metricsRevision: s.metricsRevision + 1 }));
      },
    },
  };
}
