// The shared link: the configuration and the event log of a comparison, so that whoever opens it
// can train the same comparison again, changes included.
//
// The link carries the configuration as it is now (`c`, the final one: every change applied)
// and the event log (`e`). Opening it rolls the changes back to get the configuration the
// comparison started with, and keeps the events as *planned changes*: they are listed under
// the event log, and when the comparison is trained from that link the worker applies each one
// at the step it was logged at (eventLog.ts, the worker's schedule), so the runs see the changes
// at the same steps as the original. A log that does not lead from the
// rolled-back configuration to the link's configuration is left out with a notice.
import { validateConfig } from '../train/configSchema';
import { DEFAULT_COMPARISON, type ComparisonConfig, type RunConfig } from '../train/config';
import { configFromUrlHash, configToUrlHash, eventsFromUrlHash, shareUrlHash, type UrlEvent } from '../train/urlState';
import { isLiveField, validateLiveField } from '../train/liveSettings';
import { applyPlanned, rollBack, type LogEvent, type PlannedChange } from './eventLog';

export interface OpenedLink {
  /** The configuration the comparison started with (what trains from step 0). */
  config: ComparisonConfig;
  /** The link's configuration, every planned change applied. */
  finalConfig: ComparisonConfig;
  planned: PlannedChange[];
  notice: string | null;
}

function strip(e: LogEvent): UrlEvent {
  switch (e.kind) {
    case 'fork':
      return { kind: 'fork', step: e.step, runId: e.runId, from: e.from };
    case 'remove':
      return { kind: 'remove', step: e.step, runId: e.runId, index: e.index, run: e.run };
    case 'set':
      return { kind: 'set', step: e.step, runId: e.runId, field: e.field, old: e.old, new: e.new };
  }
}

/** The hash of the link that shares the comparison: final configuration and full event log. */
export function shareHash(state: { config: ComparisonConfig; events: readonly LogEvent[]; planned: readonly LogEvent[] }): string {
  return shareUrlHash(applyPlanned(state.config, state.planned), [...state.events, ...state.planned].map(strip));
}

/** A link's event → a logged event (forks named as in `names`), or why it cannot be one. */
function checkEvent(e: UrlEvent, i: number, names: ReadonlyMap<string, string>): LogEvent | string {
  if (e.kind === 'fork') return { ...e, name: names.get(e.runId) ?? `${e.from} fork @${e.step}` };
  if (e.kind === 'remove') {
    const run = validateConfig({ ...DEFAULT_COMPARISON, runs: [e.run] });
    if (!run.ok) return `entry ${i}: the removed run's settings are invalid (${run.errors[0]})`;
    return { kind: 'remove', step: e.step, runId: e.runId, index: e.index, run: run.config.runs[0] as RunConfig };
  }
  if (!isLiveField(e.field)) return `entry ${i}: ${JSON.stringify(e.field)} is not a live setting`;
  const problem = validateLiveField(e.field, e.old) ?? validateLiveField(e.field, e.new);
  if (problem) return `entry ${i}: ${problem}`;
  return { kind: 'set', step: e.step, runId: e.runId, field: e.field, old: e.old, new: e.new };
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

  const names = new Map(finalConfig.runs.map((r) => [r.id, r.name]));
  const events: LogEvent[] = [];
  for (const [i, e] of fromEvents.events.entries()) {
    const checked = checkEvent(e, i, names);
    if (typeof checked === 'string') return leftOut(`was rejected (${checked})`);
    events.push(checked);
  }
  const start = rollBack(finalConfig, events);
  if (typeof start === 'string') return leftOut(`was rejected (${start})`);
  const valid = validateConfig(start);
  if (!valid.ok) return leftOut(`leads to an invalid starting configuration (${valid.errors[0]})`);
  const planned: PlannedChange[] = events.map((e, i) => ({ ...e, id: i + 1 }));
  if (configToUrlHash(applyPlanned(valid.config, planned)) !== configToUrlHash(finalConfig)) return leftOut('does not lead to its configuration');
  return { config: valid.config, finalConfig, planned, notice: null };
}
