// What the worker applies at a step boundary: scheduled changes that are due (from a link, a
// reset or a replay) and the user's edits and forks since the last boundary, in the order they
// arrived. Edits compose: several edits of one field between two steps leave its last value, and
// the event log gets one entry per field that really changed (old value before the boundary, new
// value after it). Pure bookkeeping: `plan` says what to do; the session does it on the GPU.
import type { RunConfig } from '../train/config';
import { LIVE_FIELDS, LIVE_SETTINGS, readLiveField, writeLiveField, type LiveField, type LiveValue } from '../train/liveSettings';
import type { ParamEvent, ScheduledChange } from './protocol';

/** A user edit or fork, waiting for the next boundary. */
export type UserOp =
  | { kind: 'set'; requestId: number; runId: string; field: LiveField; value: LiveValue }
  | { kind: 'fork'; requestId: number; runId: string; from: string; name: string }
  | { kind: 'remove'; requestId: number; runId: string };

/** One fork to make: `config` is the new run's settings at the moment it was forked. */
export interface PlannedFork {
  from: string;
  config: RunConfig;
  requestId?: number;
  scheduledId?: number;
}

/** One run to stop and forget: its place in the run order and its settings when removed. */
export interface PlannedRemoval {
  runId: string;
  index: number;
  run: RunConfig;
  requestId?: number;
  scheduledId?: number;
}

/** The net effect of one boundary. Forks are made first, then settings change, then removals. */
export interface BoundaryPlan {
  forks: PlannedFork[];
  removals: PlannedRemoval[];
  /** Each run whose settings change, with its settings after the boundary. */
  changes: { runId: string; next: RunConfig; rebuild: boolean }[];
  events: ParamEvent[];
  requestIds: number[];
  scheduledIds: number[];
  /** Operations that could not apply (their run does not exist), with why. */
  refused: { op: UserOp | ScheduledChange; message: string }[];
}

export class BoundaryQueue {
  private schedule: ScheduledChange[] = [];
  private ops: UserOp[] = [];

  /** Replaces the scheduled changes (kept in step order; equal steps keep their order). */
  setSchedule(changes: readonly ScheduledChange[]): void {
    this.schedule = [...changes].sort((a, b) => a.step - b.step);
  }

  /** Adds scheduled changes (after a device loss, the ones to redo), keeping step order. */
  addScheduled(changes: readonly ScheduledChange[]): void {
    this.setSchedule([...changes, ...this.schedule]);
  }

  clearSchedule(): void {
    this.schedule = [];
  }

  get scheduled(): readonly ScheduledChange[] {
    return this.schedule;
  }

  push(op: UserOp): void {
    this.ops.push(op);
  }

  /** Forgets everything (a new comparison). */
  clear(): void {
    this.schedule = [];
    this.ops = [];
  }

  /** Whether anything is to apply at `step`. */
  hasWork(step: number): boolean {
    return this.ops.length > 0 || (this.schedule.length > 0 && this.schedule[0].step <= step);
  }

  /**
   * Takes the next batch due at `step` and composes it over the runs' current settings
   * (`settings`, by id, in run order); what is taken leaves the queue. Call until `hasWork` is
   * false. A scheduled change is a batch of its own: it re-applies one logged entry, so the log
   * of a replay is entry for entry the log it replays. The user's edits and forks since the last
   * boundary form one batch and compose.
   */
  plan(step: number, settings: ReadonlyMap<string, Readonly<RunConfig>>): BoundaryPlan {
    const due: (UserOp | ScheduledChange)[] = [];
    if (this.schedule.length > 0 && this.schedule[0].step <= step) due.push(this.schedule.shift()!);
    else due.push(...this.ops.splice(0));
    const before = new Map(settings);
    const working = new Map(settings);
    const out: BoundaryPlan = { forks: [], removals: [], changes: [], events: [], requestIds: [], scheduledIds: [], refused: [] };
    for (const op of due) {
      const isUser = 'requestId' in op;
      if (isUser) out.requestIds.push(op.requestId);
      else out.scheduledIds.push(op.id);
      const tag = isUser ? { requestId: op.requestId } : { scheduledId: op.id };
      if (op.kind === 'remove') {
        const run = working.get(op.runId);
        if (!run) {
          out.refused.push({ op, message: `there is no run ${op.runId} to remove` });
          continue;
        }
        if (working.size === 1) {
          out.refused.push({ op, message: `run ${op.runId} is the last one` });
          continue;
        }
        // Edits of this boundary before the removal are logged (they precede it in the log),
        // and the removal carries the run's settings after them, so the log rolls back exactly.
        out.events.push(...liveChanges(step, op.runId, before.get(op.runId)!, run));
        out.removals.push({ runId: op.runId, index: [...working.keys()].indexOf(op.runId), run, ...tag });
        working.delete(op.runId);
        before.delete(op.runId);
      } else if (op.kind === 'set') {
        const run = working.get(op.runId);
        if (!run) {
          out.refused.push({ op, message: `there is no run ${op.runId} to change` });
          continue;
        }
        working.set(op.runId, writeLiveField(run, op.field, op.value));
      } else {
        const from = working.get(op.from);
        if (!from) {
          out.refused.push({ op, message: `there is no run ${op.from} to fork` });
          continue;
        }
        if (working.has(op.runId) || out.removals.some((r) => r.runId === op.runId)) {
          out.refused.push({ op, message: `run id ${op.runId} is taken` });
          continue;
        }
        // The fork copies its parent as it stood at the boundary; edits of the parent made earlier
        // in this boundary are changes of the fork too (logged after the fork, as they apply).
        const config: RunConfig = { ...structuredClone(before.get(op.from) ?? from), id: op.runId, name: op.name };
        working.set(op.runId, { ...structuredClone(from), id: op.runId, name: op.name });
        before.set(op.runId, config);
        out.forks.push({ from: op.from, config, ...tag });
      }
    }
    for (const [runId, next] of working) {
      const prev = before.get(runId)!;
      const events = liveChanges(step, runId, prev, next);
      if (events.length === 0) continue;
      out.events.push(...events);
      out.changes.push({ runId, next, rebuild: events.some((e) => LIVE_SETTINGS[e.field].engine === 'rebuild') });
    }
    return out;
  }
}

/** One event per live field that differs between two settings of a run. */
function liveChanges(step: number, runId: string, prev: Readonly<RunConfig>, next: Readonly<RunConfig>): ParamEvent[] {
  const out: ParamEvent[] = [];
  for (const field of LIVE_FIELDS) {
    const old = readLiveField(prev, field);
    const value = readLiveField(next, field);
    if (old !== value) out.push({ step, runId, field, old, new: value });
  }
  return out;
}
