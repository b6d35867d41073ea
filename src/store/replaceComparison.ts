// What the store becomes when another comparison replaces the one shown (a link pasted into the
// open tab, a scenario from the menu): nothing of the old one stays (curves, log, planned changes,
// edits in flight, samples), and a new generation drops whatever the worker still sends about it.
// Start then builds the new one from step 0.
import type { ComparisonConfig } from '../train/config';
import { idleRun } from './runState';
import { emptyRunSeries } from './series';
import type { AppState } from './store';

export function replacedComparison(prev: AppState, config: ComparisonConfig): Partial<AppState> {
  return {
    config,
    planned: [],
    plannedOrigin: null,
    replay: null,
    events: [],
    session: 'none',
    control: 'idle',
    failure: null,
    generation: prev.generation + 1,
    step: 0,
    pending: [],
    runs: Object.fromEntries(config.runs.map((r) => [r.id, idleRun()])),
    series: Object.fromEntries(config.runs.map((r) => [r.id, emptyRunSeries()])),
    metricsRevision: prev.metricsRevision + 1,
    samples: null,
    predictions: null,
    fieldErrors: {},
    configIssues: [],
    scenario: null,
  };
}
