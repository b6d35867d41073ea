// The event log of a comparison: every change the engine applied (a live setting, a fork, a
// removal), with the step it took effect at. The configuration a comparison started with is the
// current one with the log rolled back; the log re-applied at its steps (`planned`) trains the
// same comparison again. Links, bundles, a reset and the replay after a reload all rest on this.
import type { ComparisonConfig, RunConfig } from '../train/config';
import { LIMITS } from '../train/configSchema';
import { describeLiveValue, formatLiveValue, LIVE_SETTINGS, writeLiveField } from '../train/liveSettings';
import type { ParamEvent, ScheduledChange } from '../worker/protocol';

/** One entry of the event log; each is drawn as a marker on every chart. */
export type LogEvent =
  | ({ kind: 'set' } & ParamEvent)
  | { kind: 'fork'; step: number; runId: string; from: string; name: string }
  | { kind: 'remove'; step: number; runId: string; index: number; run: RunConfig };

/** Why changes are planned: opened from a link, undone by Reset, or to re-derive restored curves. */
export type PlannedOrigin = 'link' | 'reset' | 'replay';

/** A change still to apply when the runs reach its step. */
export type PlannedChange = LogEvent & { id: number };

export const forkName = (from: RunConfig, step: number) => `${from.name} fork @${step}`.slice(0, LIMITS.maxNameLength);

/** `config` with the changes applied in order. */
export function applyPlanned(config: ComparisonConfig, changes: readonly LogEvent[]): ComparisonConfig {
  let runs = config.runs;
  for (const e of changes) {
    if (e.kind === 'set') runs = runs.map((r) => (r.id === e.runId ? writeLiveField(r, e.field, e.new) : r));
    else if (e.kind === 'remove') runs = runs.filter((r) => r.id !== e.runId);
    else {
      const from = runs.find((r) => r.id === e.from);
      if (from && !runs.some((r) => r.id === e.runId)) runs = [...runs, { ...structuredClone(from), id: e.runId, name: e.name }];
    }
  }
  return runs === config.runs ? config : { ...config, runs };
}

/** The configuration before `events`: each undone, latest first; or why the log does not fit it. */
export function rollBack(config: ComparisonConfig, events: readonly LogEvent[]): ComparisonConfig | string {
  let runs = config.runs;
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (e.kind === 'remove') {
      if (runs.some((r) => r.id === e.runId)) return `entry ${i} removes run ${e.runId}, which the configuration still has after it`;
      runs = [...runs.slice(0, e.index), e.run, ...runs.slice(e.index)];
      continue;
    }
    if (!runs.some((r) => r.id === e.runId)) return `entry ${i} names run ${e.runId}, which the configuration lacks at that point`;
    if (e.kind === 'set') runs = runs.map((r) => (r.id === e.runId ? writeLiveField(r, e.field, e.old) : r));
    else {
      if (!runs.some((r) => r.id === e.from)) return `entry ${i} forks run ${e.from}, which the configuration lacks at that point`;
      runs = runs.filter((r) => r.id !== e.runId);
    }
  }
  return runs === config.runs ? config : { ...config, runs };
}

/** A planned change as the worker's schedule carries it. */
export function toScheduled(p: PlannedChange): ScheduledChange {
  switch (p.kind) {
    case 'set':
      return { kind: 'set', id: p.id, step: p.step, runId: p.runId, field: p.field, value: p.new };
    case 'fork':
      return { kind: 'fork', id: p.id, step: p.step, runId: p.runId, from: p.from, name: p.name };
    case 'remove':
      return { kind: 'remove', id: p.id, step: p.step, runId: p.runId };
  }
}

/** "step 40: B κ 2 → 4", "step 40: C forked from B", "step 40: A removed". */
export function eventText(e: LogEvent, compact = false): string {
  switch (e.kind) {
    case 'fork':
      return compact ? `${e.runId} forked` : `step ${e.step}: ${e.runId} forked from ${e.from}`;
    case 'remove':
      return compact ? `${e.runId} removed` : `step ${e.step}: ${e.runId} (${e.run.name}) removed`;
    case 'set': {
      const row = LIVE_SETTINGS[e.field];
      const change = row.kind === 'boolean' ? describeLiveValue(e.field, e.new) : `${row.symbol} ${formatLiveValue(e.old)}${compact ? '→' : ' → '}${formatLiveValue(e.new)}`;
      return compact ? `${e.runId} ${change}` : `step ${e.step}: ${e.runId} ${change}`;
    }
  }
}
