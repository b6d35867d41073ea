// The replay slice: changes planned at later steps, and what the page does with a link.
//
// A comparison the worker has not built (opened from a link, restored after a reload, reset, or
// shown after a failure) is trained from step 0: its configuration rolled back to the one it
// started with, every logged change planned at its step (eventLog.ts). The worker applies the
// planned changes at their steps, so training reproduces the comparison bit for bit; restored
// curves stay on screen and are overwritten as training reaches them (`replay`).
import { emptyRunSeries } from './series';
import { rollBack, type PlannedChange } from './eventLog';
import { openLink } from './shareLink';
import { idleRun, isBusy } from './runState';
import { replacedComparison } from './replaceComparison';
import type { AppState, Slice, SliceDeps } from './store';

/**
 * Before the worker builds the comparison: roll the configuration back to its start and plan
 * the logged changes again, ahead of those still planned. `keepCurves`: the series stay and are
 * re-derived (Start after a reload); otherwise they are cleared (Reset).
 */
export function prepareBuild({ set, get, nextRequestId }: SliceDeps, keepCurves: boolean): void {
  const s = get();
  if (s.events.length === 0) {
    if (!keepCurves || s.step === 0) set((t) => clearedSeries(t));
    else set({ replay: { through: s.step, mismatch: null } });
    return;
  }
  const start = rollBack(s.config, s.events);
  if (typeof start === 'string') {
    // A log that does not fit its configuration (never produced by this page): train what is shown.
    set((t) => ({ ...clearedSeries(t), events: [], notice: `The event log could not be replayed (${start}); training starts from the settings shown.` }));
    return;
  }
  // A fork comes back under the name its run has now (renamed since, perhaps).
  const again: PlannedChange[] = s.events.map((e) => ({ ...e, ...(e.kind === 'fork' ? { name: s.config.runs.find((r) => r.id === e.runId)?.name ?? e.name } : {}), id: nextRequestId() }));
  set((t) => ({
    config: start,
    planned: [...again, ...t.planned],
    plannedOrigin: keepCurves ? 'replay' : 'reset',
    events: [],
    runs: Object.fromEntries(start.runs.map((r) => [r.id, { ...idleRun(), parameters: t.runs[r.id]?.parameters ?? null }])),
    ...(keepCurves && s.step > 0 ? { replay: { through: s.step, mismatch: null } } : clearedSeries({ ...t, config: start })),
  }));
}

function clearedSeries(s: AppState): Partial<AppState> {
  return { series: Object.fromEntries(s.config.runs.map((r) => [r.id, emptyRunSeries()])), metricsRevision: s.metricsRevision + 1, replay: null };
}

type Keys = 'planned' | 'plannedOrigin' | 'replay' | 'discardPlanned' | 'openLinkInPlace';

export function replaySlice(deps: SliceDeps, planned: PlannedChange[]): Slice<Keys> {
  const { set, get, send } = deps;
  return {
    state: {
      planned,
      plannedOrigin: planned.length ? 'link' : null,
      replay: null,

      discardPlanned() {
        set({ planned: [], plannedOrigin: null });
        if (get().session !== 'none') send({ type: 'unschedule' });
      },

      openLinkInPlace(hash) {
        const link = openLink(hash);
        if (isBusy(get().control)) send({ type: 'pause' });
        set((s) => ({
          ...replacedComparison(s, link.config), // a new generation: drops what the previous comparison still sends
          planned: link.planned,
          plannedOrigin: link.planned.length ? 'link' : null,
          notice: link.notice,
        }));
        return link.notice;
      },
    },
    handlers: {},
  };
}
