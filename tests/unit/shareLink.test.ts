// The shared link carries the configuration and the event log: encode/decode round trip, the
// roll-back to the starting configuration, planned changes handed to the worker as the
// configure's schedule (applied at exactly their steps, acknowledged by `applied` / `run-added`),
// Reset planning the logged changes again, and damaged or inconsistent logs left out with a notice.
import { describe, expect, it } from 'vitest';
import { applyPlanned, rollBack, toScheduled, type LogEvent, type PlannedChange } from '../../src/store/eventLog';
import { openLink, shareHash } from '../../src/store/shareLink';
import { validateConfig } from '../../src/train/configSchema';
import { Rng } from '../../src/util/rng';
import { DEFAULT_COMPARISON, type ComparisonConfig } from '../../src/train/config';
import { base64UrlEncode, eventsFromUrlHash, eventsToUrlParam, MAX_URL_EVENTS, shareUrlHash, type UrlEvent } from '../../src/train/urlState';
import { PROTOCOL_VERSION } from '../../src/worker/protocol';
import { harness } from '../helpers/storeHarness';

const START: ComparisonConfig = { ...DEFAULT_COMPARISON, model: 'mlp-mnist', dataset: 'mnist', totalSteps: 100 };
const EVENTS: LogEvent[] = [
  { kind: 'set', step: 0, runId: 'A', field: 'lr', old: 0.003, new: 0.002 },
  { kind: 'set', step: 5, runId: 'B', field: 'kappa', old: 2, new: 7 },
  { kind: 'fork', step: 8, runId: 'C', from: 'B', name: 'my "fork" <b>' },
  { kind: 'set', step: 8, runId: 'C', field: 'ireEnabled', old: true, new: false },
  { kind: 'set', step: 12, runId: 'B', field: 'gamma', old: 0.8, new: 0.25 },
];
/** The log as the link carries it: a fork without its name (the name is in the configuration). */
const URL_EVENTS: UrlEvent[] = EVENTS.map((e) => (e.kind === 'fork' ? { kind: 'fork', step: e.step, runId: e.runId, from: e.from } : e));
const PLANNED: PlannedChange[] = EVENTS.map((e, i) => ({ ...e, id: i + 1 }));
const FINAL = applyPlanned(START, PLANNED);

const configToUrlHashOf = (c: ComparisonConfig) => shareUrlHash(c, []);
const encode = (value: unknown) => base64UrlEncode(new TextEncoder().encode(JSON.stringify(value)));

describe('event log in the URL', () => {
  it('round-trips through the e= parameter, next to the config', () => {
    const hash = shareUrlHash(FINAL, EVENTS);
    expect(hash).toMatch(/^#c=[\w-]+&e=[\w-]+$/);
    expect(eventsFromUrlHash(hash)).toEqual({ events: URL_EVENTS, notice: null });
    expect(eventsFromUrlHash(`https://x.y/${hash}`).events).toEqual(URL_EVENTS);
    expect(shareUrlHash(DEFAULT_COMPARISON, [])).toBe('');
    expect(eventsToUrlParam([])).toBe('');
  });

  it('refuses damaged logs with a notice and never throws', () => {
    const bad = ['#e=%%%', `#e=${encode({ a: 1 })}`, `#e=${encode([[1, 'B', 'kappa', 4]])}`, `#e=${encode([[-1, 'B', 'kappa', 4, 5]])}`, `#e=${encode([[3, 'B', 'kappa', 4, 5], [2, 'B', 'kappa', 5, 6]])}`, `#e=${encode([[1, '', 'kappa', 4, 5]])}`, `#e=${encode([[1, 'B', 'kappa', 4, '5']])}`, `#e=${encode(Array.from({ length: MAX_URL_EVENTS + 1 }, () => [1, 'B', 'kappa', 4, 5]))}`];
    for (const hash of bad) {
      const r = eventsFromUrlHash(hash);
      expect(r.events).toEqual([]);
      expect(r.notice).toMatch(/^The link's event log .*; it was left out\.$/);
    }
  });
});

describe('opening a shared link', () => {
  it('rolls the changes back to the starting configuration and plans them', () => {
    expect(rollBack(FINAL, EVENTS)).toEqual(START);
    expect(FINAL.runs.map((r) => r.id)).toEqual(['A', 'B', 'C']);
    expect(FINAL.runs[2].name).toBe('my "fork" <b>');
    const hash = shareHash({ config: START, events: [], planned: PLANNED });
    expect(hash).toBe(shareUrlHash(FINAL, EVENTS));
    const opened = openLink(hash);
    expect(opened.notice).toBeNull();
    expect(opened.config).toEqual(START);
    expect(opened.finalConfig).toEqual(FINAL);
    expect(opened.planned).toEqual(PLANNED);
    // The page shares the same link before training, and after the changes have been logged.
    expect(shareHash({ config: opened.config, events: [], planned: opened.planned })).toBe(hash);
    expect(shareHash({ config: FINAL, events: EVENTS, planned: [] })).toBe(hash);
  });

  it('never throws on 2,000 truncated, bit-flipped and spliced links, and what it opens is always consistent', () => {
    const good = shareUrlHash(FINAL, EVENTS);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_&=#%<>"';
    const rng = new Rng(7);
    const pick = (n: number) => Math.floor(rng.uniform() * n);
    let planned = 0;
    for (let i = 0; i < 2000; i++) {
      let link = good;
      const edits = 1 + pick(3);
      for (let k = 0; k < edits; k++) {
        const at = pick(link.length);
        const op = pick(3);
        if (op === 0) link = link.slice(0, at);
        else if (op === 1) link = link.slice(0, at) + alphabet[pick(alphabet.length)] + link.slice(at + 1);
        else link = link.slice(0, at) + good.slice(pick(good.length));
      }
      const opened = openLink(link);
      expect(validateConfig(opened.config).ok).toBe(true);
      expect(configToUrlHashOf(applyPlanned(opened.config, opened.planned))).toBe(configToUrlHashOf(opened.finalConfig));
      if (opened.planned.length === 0 && link.includes('&e=') && opened.notice === null) expect(eventsFromUrlHash(link).events).toEqual([]);
      if (opened.planned.length > 0) planned++;
    }
    expect(planned).toBeGreaterThan(0); // some mutations leave the log intact (e.g. a cut in the middle of nothing)
  });

  it('leaves out a log that does not lead to the configuration, or names unknown runs or fields', () => {
    const cases = [
      shareUrlHash(START, [{ kind: 'set', step: 3, runId: 'B', field: 'kappa', old: 4, new: 9 }]), // config still has κ = 2
      shareUrlHash(START, [{ kind: 'set', step: 3, runId: 'Z', field: 'kappa', old: 4, new: 4 }]),
      shareUrlHash(START, [{ kind: 'set', step: 3, runId: 'B', field: 'beta1', old: 0.9, new: 0.8 }]),
      shareUrlHash(START, [{ kind: 'set', step: 3, runId: 'B', field: 'gamma', old: 0.6, new: 3 }]),
      shareUrlHash(START, [{ kind: 'fork', step: 3, runId: 'B', from: 'Q' }]),
    ];
    for (const hash of cases) {
      const opened = openLink(hash);
      expect(opened.planned).toEqual([]);
      expect(opened.config).toEqual(START);
      expect(opened.notice).toMatch(/^The link's event log .*; it was left out and its configuration opened as it is\.$/);
    }
    const damagedConfig = openLink('#c=@@@&e=AAAA');
    expect(damagedConfig.config).toEqual(DEFAULT_COMPARISON);
    expect(damagedConfig.notice).toMatch(/default configuration/);
  });
});

describe('a removal in the link', () => {
  it('carries the removed run and its place, so the link rolls back to before it and plans it', () => {
    const a = applyPlanned(START, PLANNED.slice(0, 1)).runs[0]; // A as it was when removed (lr 0.002)
    const withRemoval: LogEvent[] = [...EVENTS, { kind: 'remove', step: 20, runId: 'A', index: 0, run: a }];
    const final = applyPlanned(START, withRemoval);
    expect(final.runs.map((r) => r.id)).toEqual(['B', 'C']);
    expect(rollBack(final, withRemoval)).toEqual(START);
    const opened = openLink(shareUrlHash(final, withRemoval));
    expect(opened.notice).toBeNull();
    expect(opened.config).toEqual(START);
    expect(opened.planned.at(-1)).toEqual({ kind: 'remove', step: 20, runId: 'A', index: 0, run: a, id: 6 });
    expect(opened.finalConfig).toEqual(final);
  });
});

describe('the store hands planned changes to the worker as the schedule', () => {
  it('configures with the schedule, drops each change from planned as the worker applies it, and goes on', () => {
    const { s, sent, worker, gpu, built, metrics } = harness({ config: START, planned: PLANNED });
    expect(s().plannedOrigin).toBe('link');
    gpu();
    s().start();
    // Changed by the rebuild: the page no longer asks for the steps up to each change and sends
    // the change itself; the worker holds the schedule and applies each change at its step.
    expect(sent).toEqual([{ type: 'configure', protocolVersion: PROTOCOL_VERSION, generation: 1, config: START, schedule: PLANNED.map(toScheduled), steps: null }]);
    expect(s().planned).toEqual(PLANNED);
    built();
    worker({ type: 'control', state: 'running', step: 0 });
    worker({ type: 'applied', step: 0, requestIds: [], scheduledIds: [1], events: [{ step: 0, runId: 'A', field: 'lr', old: 0.003, new: 0.002 }] });
    expect(s().planned).toEqual(PLANNED.slice(1));
    expect(s().config.runs[0].optimizer.lr).toBe(0.002);
    metrics(['A', 'B'], 1, 5);
    worker({ type: 'applied', step: 5, requestIds: [], scheduledIds: [2], events: [{ step: 5, runId: 'B', field: 'kappa', old: 2, new: 7 }] });
    metrics(['A', 'B'], 6, 8);
    // The fork first (run-added), then the boundary's acknowledgement, as the worker sends them.
    const b = s().config.runs[1];
    worker({ type: 'run-added', run: { ...structuredClone(b), id: 'C', name: 'my "fork" <b>' }, forkedFrom: { runId: 'B', step: 8 }, scheduledId: 3 });
    worker({ type: 'applied', step: 8, requestIds: [], scheduledIds: [3, 4], events: [{ step: 8, runId: 'C', field: 'ireEnabled', old: true, new: false }] });
    expect(s().config.runs.find((r) => r.id === 'C')?.name).toBe('my "fork" <b>');
    expect(s().events).toEqual(EVENTS.slice(0, 4));
    // The user pauses before step 12: training stops there, the last change stays planned.
    s().pause();
    expect(sent.at(-1)).toEqual({ type: 'pause' });
    worker({ type: 'control', state: 'pausing', step: 10 });
    worker({ type: 'control', state: 'paused', step: 10 });
    expect(s().control).toBe('paused');
    expect(s().planned).toEqual([PLANNED[4]]);
    expect(applyPlanned(s().config, s().planned)).toEqual(FINAL); // what the page's link carries as its configuration
    // Resuming trains on; the worker still holds the remaining change.
    s().start();
    expect(sent.at(-1)).toEqual({ type: 'start' });
    worker({ type: 'control', state: 'running', step: 10 });
    worker({ type: 'applied', step: 12, requestIds: [], scheduledIds: [5], events: [{ step: 12, runId: 'B', field: 'gamma', old: 0.8, new: 0.25 }] });
    expect(s().planned).toEqual([]);
    expect(s().config).toEqual(FINAL);
    expect(s().events).toEqual(EVENTS);
    // A stop short of the end (every run diverged, or finished) is reported as a stop.
    worker({ type: 'control', state: 'paused', step: 40 });
    expect(s().control).toBe('paused');
    expect(s().step).toBe(40);
  });

  it('Step builds the comparison with its schedule and trains one step; once built, Step is one step', () => {
    const { s, sent, gpu, built } = harness({ config: START, planned: [PLANNED[1]] });
    gpu();
    s().stepOnce();
    expect(sent).toEqual([{ type: 'configure', protocolVersion: PROTOCOL_VERSION, generation: 1, config: START, schedule: [toScheduled(PLANNED[1])], steps: 1 }]);
    built();
    s().stepOnce();
    expect(sent.at(-1)).toEqual({ type: 'step', count: 1 });
    expect(s().planned).toEqual([PLANNED[1]]); // until the worker applies it at step 5
  });

  /** A comparison trained to step 6: κ of B changed at step 5, B forked into C at step 6. */
  function editedAndForked() {
    const t = harness({ config: START });
    const { s, worker, metrics, last } = t;
    t.training();
    metrics(['A', 'B'], 1, 5);
    s().setRunField('B', 'kappa', 7);
    const edit = last('edit');
    worker({ type: 'applied', step: 5, requestIds: [edit.requestId], scheduledIds: [], events: [{ step: 5, runId: 'B', field: 'kappa', old: 2, new: 7 }] });
    metrics(['A', 'B'], 6, 6);
    expect(s().fork('B')).toBe('C');
    const fork = last('fork');
    expect(fork.name).toBe('AdmIRE fork');
    worker({ type: 'run-added', run: { ...structuredClone(s().config.runs[1]), id: 'C', name: fork.name }, forkedFrom: { runId: 'B', step: 6 }, requestId: fork.requestId });
    worker({ type: 'applied', step: 6, requestIds: [fork.requestId], scheduledIds: [], events: [] });
    expect(s().config.runs.map((r) => [r.id, r.optimizer.ire.kappa])).toEqual([['A', 4], ['B', 7], ['C', 7]]);
    s().pause();
    worker({ type: 'control', state: 'paused', step: 7 });
    t.sent.length = 0;
    return t;
  }

  it('reset rolls the configuration back to what the worker rebuilds and plans the logged changes again', () => {
    const { s, sent } = editedAndForked();
    s().reset();
    expect(sent).toEqual([
      {
        type: 'configure',
        protocolVersion: PROTOCOL_VERSION,
        generation: 2,
        config: START,
        schedule: [
          { kind: 'set', id: expect.any(Number), step: 5, runId: 'B', field: 'kappa', value: 7 },
          { kind: 'fork', id: expect.any(Number), step: 6, runId: 'C', from: 'B', name: 'AdmIRE fork' },
        ],
        steps: 0,
      },
    ]);
    expect(s().config).toEqual(START);
    expect(Object.keys(s().runs)).toEqual(['A', 'B']);
    for (const series of Object.values(s().series)) expect(series.train.step).toEqual([]);
    expect(s().events).toEqual([]);
    expect(s().plannedOrigin).toBe('reset');
    expect(s().planned).toEqual([
      { kind: 'set', step: 5, runId: 'B', field: 'kappa', old: 2, new: 7, id: expect.any(Number) },
      { kind: 'fork', step: 6, runId: 'C', from: 'B', name: 'AdmIRE fork', id: expect.any(Number) },
    ]);
    expect(applyPlanned(s().config, s().planned).runs.map((r) => [r.id, r.name, r.optimizer.ire.kappa])).toEqual([
      ['A', 'AdamW', 4],
      ['B', 'AdmIRE', 7],
      ['C', 'AdmIRE fork', 7],
    ]);
    s().discardPlanned();
    expect(s().planned).toEqual([]);
    expect(sent.at(-1)).toEqual({ type: 'unschedule' }); // the worker was handed the schedule: it forgets it too
  });

  // SRC BUG (src/store/replaySlice.ts, prepareBuild): the series are cleared for the runs of the
  // configuration before the roll-back (`clearedSeries(t)`, t.config still has C), so Reset
  // leaves an empty series for a run that no longer exists (the old store cleared to A and B).
  it('Reset keeps series only for the runs of the rolled-back configuration', () => {
    const { s } = editedAndForked();
    s().reset();
    expect(Object.keys(s().series)).toEqual(['A', 'B']);
  });

  // SRC BUG (src/store/replaySlice.ts, prepareBuild): the re-planned fork takes the name logged
  // when the fork was made, not the run's current name, so a fork renamed before Reset comes
  // back under its old name (the old store planned it as 'mine'; a share link keeps 'mine').
  it('a fork renamed before Reset is re-planned under its new name, as the share link has it', () => {
    const { s } = editedAndForked();
    expect(s().renameRun('C', 'mine')).toBeNull();
    const link = openLink(shareHash(s()));
    expect(link.finalConfig.runs.map((r) => r.name)).toEqual(['AdamW', 'AdmIRE', 'mine']);
    s().reset();
    expect(applyPlanned(s().config, s().planned).runs.map((r) => r.name)).toEqual(['AdamW', 'AdmIRE', 'mine']);
    expect(s().planned.find((p) => p.kind === 'fork')).toMatchObject({ runId: 'C', name: 'mine' });
  });
});
