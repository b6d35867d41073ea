// The shared link: the configuration and the event log of a comparison, so that whoever opens it
// can train the same comparison again, changes included.
//
// The link carries the configuration as it is now (`c`, the final one: every change applied)
// and the event log (`e`). Opening it rolls the changes back to get the configuration the
// comparison started with, and keeps the events as *planned changes*: they are listed under
// the event log, and when the comparison is trained from that link the store re-applies each
// one through the ordinary `set` (or `fork`) intent at the step it was logged at (the worker is
// asked for exactly the steps up to it, then the change goes in before the next step), so the
// runs see the changes at the same steps as the original. A log that does not lead from the
// rolled-back configuration to the link's configuration is left out with a notice.
import { validateConfig } from '../train/configSchema';
import type { ComparisonConfig, RunConfig } from '../train/config';
import { configFromUrlHash, configToUrlHash, eventsFromUrlHash, shareUrlHash, type UrlEvent } from '../train/urlState';
import { LIVE_FIELDS, type LiveField } from '../worker/protocol';
import { validateLiveField, writeLiveField } from './liveFields';
import type { LogEvent } from './store';

/** A change still to re-apply; a fork carries the new run's name in the link's configuration. */
export type PlannedChange = LogEvent & { name?: string };

export interface OpenedLink {
  /** The configuration the comparison started with (what trains from step 0). */
  config: ComparisonConfig;
  /** The link's configuration, every planned change applied. */
  finalConfig: ComparisonConfig;
  planned: PlannedChange[];
  notice: string | null;
}

const strip = (e: PlannedChange): UrlEvent =>
  e.kind === 'fork' ? { kind: 'fork', step: e.step, runId: e.runId, from: e.from } : { kind: 'set', step: e.step, runId: e.runId, field: e.field, old: e.old, new: e.new };

const forkName = (from: RunConfig, step: number) => `${from.name} fork @${step}`.slice(0, 100);

/** `config` with the planned changes applied in order (a fork appends a copy of its source). */
export function applyPlanned(config: ComparisonConfig, planned: readonly PlannedChange[]): ComparisonConfig {
  let runs = config.runs;
  for (const e of planned) {
    if (e.kind === 'set') runs = runs.map((r) => (r.id === e.runId ? writeLiveField(r, e.field, e.new) : r));
    else {
      const from = runs.find((r) => r.id === e.from);
      if (from && !runs.some((r) => r.id === e.runId)) runs = [...runs, { ...structuredClone(from), id: e.runId, name: e.name ?? forkName(from, e.step) }];
    }
  }
  return runs === config.runs ? config : { ...config, runs };
}

/** The configuration before `events`: each change undone, each forked run removed (latest first). */
export function rollBack(config: ComparisonConfig, events: readonly LogEvent[]): ComparisonConfig | string {
  let runs = config.runs;
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (!runs.some((r) => r.id === e.runId)) return `entry ${i} names run ${e.runId}, which the configuration lacks at that point`;
    if (e.kind === 'set') runs = runs.map((r) => (r.id === e.runId ? writeLiveField(r, e.field, e.old) : r));
    else {
      if (!runs.some((r) => r.id === e.from)) return `entry ${i} forks run ${e.from}, which the configuration lacks at that point`;
      runs = runs.filter((r) => r.id !== e.runId);
    }
  }
  return runs === config.runs ? config : { ...config, runs };
}

/** The hash of the link that shares the comparison: final configuration and full event log. */
export function shareHash(state: { config: ComparisonConfig; events: readonly LogEvent[]; planned: readonly PlannedChange[] }): string {
  return shareUrlHash(applyPlanned(state.config, state.planned), [...state.events, ...state.planned].map(strip));
}

/** A link's event → a logged event, or why it cannot be one. */
function checkEvent(e: UrlEvent, i: number): LogEvent | string {
  if (e.kind === 'fork') return e;
  if (!LIVE_FIELDS.includes(e.field as LiveField)) return `entry ${i}: ${JSON.stringify(e.field)} is not a live setting`;
  const field = e.field as LiveField;
  const problem = validateLiveField(field, e.old) ?? validateLiveField(field, e.new);
  if (problem) return `entry ${i}: ${problem}`;
  return { kind: 'set', step: e.step, runId: e.runId, field, old: e.old, new: e.new };
}

/** Reads a link (hash or whole URL). Never throws; see the file comment. */
export function openLink(hashOrUrl: string): OpenedLink {
  const fromConfig = configFromUrlHash(hashOrUrl);
  const finalConfig = fromConfig.config;
  const plain = (notice: string | null): OpenedLink => ({ config: finalConfig, finalConfig, planned: [], notice });
  if (fromConfig.notice) return plain(fromConfig.notice);
  const fromEvents = eventsFromUrlHash(hashOrUrl);
  if (fromEvents.notice || fromEvents.events.length === 0) return plain(fromEvents.notice);
  const leftOut = (why: string) => plain(`The link's event log ${why}; it was left out and its configuration opened as it is.`);

  const events: LogEvent[] = [];
  for (const [i, e] of fromEvents.events.entries()) {
    const checked = checkEvent(e, i);
    if (typeof checked === 'string') return leftOut(`was rejected (${checked})`);
    events.push(checked);
  }
  const start = rollBack(finalConfig, events);
  if (typeof start === 'string') return leftOut(`was rejected (${start})`);
  const valid = validateConfig(start);
  if (!valid.ok) return leftOut(`leads to an invalid starting configuration (${valid.errors[0]})`);
  const names = new Map(finalConfig.runs.map((r) => [r.id, r.name]));
  const planned: PlannedChange[] = events.map((e) => (e.kind === 'fork' ? { ...e, name: names.get(e.runId) } : e));
  if (configToUrlHash(applyPlanned(valid.config, planned)) !== configToUrlHash(finalConfig)) return leftOut('does not lead to its configuration');
  return { config: valid.config, finalConfig, planned, notice: null };
}
