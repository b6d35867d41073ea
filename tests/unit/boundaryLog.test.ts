// The event log the page keeps from a step boundary's reports must train the same comparison
// again (eventLog.ts): rolled back it gives the settings before the boundary, and re-applied in
// its order it gives the settings the worker trains with after it. The worker's bookkeeping
// (src/worker/boundary.ts) is run as the session runs it, and its reports are fed to the store in
// the order the session sends them: `run-added` for each fork, `run-removed` for each removal,
// then `applied`.
import { describe, expect, it } from 'vitest';
import { applyPlanned, rollBack } from '../../src/store/eventLog';
import { openLink, shareHash } from '../../src/store/shareLink';
import type { ComparisonConfig, RunConfig } from '../../src/train/config';
import { DEFAULT_COMPARISON } from '../../src/train/config';
import { BoundaryQueue, type UserOp } from '../../src/worker/boundary';
import { harness } from '../helpers/storeHarness';

const START: ComparisonConfig = { ...DEFAULT_COMPARISON, model: 'mlp-mnist', dataset: 'mnist', totalSteps: 100 };

/**
 * Trains START to `step`, then lets the worker's boundary apply `ops` (requestIds are the
 * store's own), feeding the store what the session would report. Returns the store and the
 * settings the worker trains with after the boundary, in run order.
 */
function boundary(step: number, ops: (s: ReturnType<typeof harness>['s']) => void) {
  const t = harness({ config: START });
  t.training();
  t.metrics(['A', 'B'], 1, step);
  ops(t.s);
  const queue = new BoundaryQueue();
  for (const m of t.sent) {
    if (m.type === 'edit') queue.push({ kind: 'set', requestId: m.requestId, runId: m.runId, field: m.field, value: m.value } satisfies UserOp);
    else if (m.type === 'fork') queue.push({ kind: 'fork', requestId: m.requestId, runId: m.newRunId, from: m.runId, name: m.name });
    else if (m.type === 'remove-run') queue.push({ kind: 'remove', requestId: m.requestId, runId: m.runId });
  }
  const settings = new Map<string, RunConfig>(t.s().config.runs.map((r) => [r.id, r]));
  const plan = queue.plan(step, settings);
  expect(plan.refused).toEqual([]);
  // What the session does with the plan (session.ts, applyBoundary): forks, changes, `applied`, removals.
  const after = new Map(settings);
  for (const f of plan.forks) after.set(f.config.id, f.config);
  for (const c of plan.changes) after.set(c.runId, c.next);
  for (const r of plan.removals) after.delete(r.runId);
  for (const f of plan.forks) t.worker({ type: 'run-added', run: f.config, forkedFrom: { runId: f.from, step }, requestId: f.requestId });
  t.worker({ type: 'applied', step, requestIds: plan.requestIds, scheduledIds: [], events: plan.events });
  for (const r of plan.removals) t.worker({ type: 'run-removed', step, runId: r.runId, index: r.index, run: r.run, requestId: r.requestId });
  return { ...t, trained: [...after.values()] };
}

/** The page's log, rolled back and re-applied, gives what the worker trains with. */
function expectLogReplays(b: ReturnType<typeof boundary>) {
  const s = b.s();
  expect(s.pending).toEqual([]);
  expect(s.config.runs).toEqual(b.trained); // the page shows what the engine trains
  const start = rollBack(s.config, s.events);
  expect(start).toEqual(START);
  expect(applyPlanned(START, s.events).runs).toEqual(b.trained);
  // A share link of it keeps its log.
  expect(openLink(shareHash(s)).notice).toBeNull();
}

describe('the log of one step boundary trains the same comparison again', () => {
  it('an edit of B, then a fork of B, in the same interval', () => {
    // SRC BUG (src/worker/boundary.ts, plan): the fork copies B with the edit already applied
    // (κ 7) and is logged without a change of its own, but the page logs the fork (run-added)
    // before B's change (applied), so the log re-applied forks C from B at κ 2: Reset, a restored
    // comparison and a link train C at κ 2, and the link's log is refused ("does not lead to its
    // configuration").
    const b = boundary(5, (s) => {
      s().setRunField('B', 'kappa', 7);
      expect(s().fork('B')).toBe('C');
    });
    expect(b.trained.map((r) => [r.id, r.optimizer.ire.kappa])).toEqual([['A', 4], ['B', 7], ['C', 7]]);
    expectLogReplays(b);
  });

  it('a fork of B, then an edit of B, in the same interval', () => {
    const b = boundary(5, (s) => {
      expect(s().fork('B')).toBe('C');
      s().setRunField('B', 'kappa', 7);
    });
    expect(b.trained.map((r) => [r.id, r.optimizer.ire.kappa])).toEqual([['A', 4], ['B', 7], ['C', 2]]);
    expectLogReplays(b);
  });

  it('an edit of A, then the removal of A, in the same interval', () => {
    // The edit is logged before the removal and the removal carries A as edited, so the log
    // rolls back to A at its old lr (it never trained at 0.001).
    const b = boundary(5, (s) => {
      s().setRunField('A', 'lr', 1e-3);
      expect(s().removeRun('A')).toBeNull();
    });
    expect(b.trained.map((r) => r.id)).toEqual(['B']);
    expectLogReplays(b);
  });

  it('edits of two runs and a fork of the edited one, logged at one step', () => {
    const b = boundary(5, (s) => {
      s().setRunField('A', 'lr', 1e-3);
      s().setRunField('B', 'gamma', 0.5);
      s().setRunField('B', 'gamma', 0.4); // composes: one change, 0.8 → 0.4
    });
    expect(b.s().events.map((e) => e.kind === 'set' && [e.runId, e.field, e.old, e.new])).toEqual([
      ['A', 'lr', 3e-3, 1e-3],
      ['B', 'gamma', 0.8, 0.4],
    ]);
    expectLogReplays(b);
  });
});
