// The shared link carries the configuration and the event log: encode/decode round trip, the
// roll-back to the starting configuration, planned changes re-applied by the store at exactly
// their steps through `set`/`fork` intents (the worker asked for the steps up to each change),
// and damaged or inconsistent logs left out with a notice.
import { describe, expect, it } from 'vitest';
import type { AdapterReport } from '../../src/gpu/device';
import { applyPlanned, openLink, rollBack, shareHash, type PlannedChange } from '../../src/store/shareLink';
import { createAppStore, type LogEvent } from '../../src/store/store';
import { validateConfig } from '../../src/train/configSchema';
import { Rng } from '../../src/util/rng';
import { DEFAULT_COMPARISON, type ComparisonConfig } from '../../src/train/config';
import { base64UrlEncode, eventsFromUrlHash, eventsToUrlParam, MAX_URL_EVENTS, shareUrlHash } from '../../src/train/urlState';
import type { WorkerReport, WorkerRequest } from '../../src/worker/protocol';

const ADAPTER = { vendor: 't', architecture: 't', device: 't', description: 't', limits: {}, features: [] } as unknown as AdapterReport;

const START: ComparisonConfig = { ...DEFAULT_COMPARISON, model: 'mlp-mnist', dataset: 'mnist', totalSteps: 100 };
const EVENTS: LogEvent[] = [
  { kind: 'set', step: 0, runId: 'A', field: 'lr', old: 0.003, new: 0.002 },
  { kind: 'set', step: 5, runId: 'B', field: 'kappa', old: 2, new: 7 },
  { kind: 'fork', step: 8, runId: 'C', from: 'B' },
  { kind: 'set', step: 8, runId: 'C', field: 'ireEnabled', old: true, new: false },
  { kind: 'set', step: 12, runId: 'B', field: 'gamma', old: 0.8, new: 0.25 },
];
const PLANNED: PlannedChange[] = EVENTS.map((e) => (e.kind === 'fork' ? { ...e, name: 'my "fork" <b>' } : e));
const FINAL = applyPlanned(START, PLANNED);

const configToUrlHashOf = (c: ComparisonConfig) => shareUrlHash(c, []);
const encode = (value: unknown) => base64UrlEncode(new TextEncoder().encode(JSON.stringify(value)));

describe('event log in the URL', () => {
  it('round-trips through the e= parameter, next to the config', () => {
    const hash = shareUrlHash(FINAL, EVENTS);
    expect(hash).toMatch(/^#c=[\w-]+&e=[\w-]+$/);
    expect(eventsFromUrlHash(hash)).toEqual({ events: EVENTS, notice: null });
    expect(eventsFromUrlHash(`https://x.y/${hash}`).events).toEqual(EVENTS);
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

describe('the store re-applies planned changes at their steps', () => {
  it('asks the worker for the steps up to each change, applies it, and goes on', () => {
    const sent: WorkerRequest[] = [];
    const store = createAppStore({ send: (m) => sent.push(m), config: START, planned: PLANNED });
    const s = () => store.getState();
    const receive = (r: WorkerReport) => s().receive(r);
    receive({ type: 'adapter', report: ADAPTER });
    s().start();
    // configure, the step-0 change, then the steps up to step 5.
    expect(sent.map((m) => m.type)).toEqual(['configure', 'set', 'step']);
    expect(sent[1]).toMatchObject({ runId: 'A', field: 'lr', value: 0.002 });
    expect(sent[2]).toEqual({ type: 'step', count: 5 });
    expect(s().planned.length).toBe(4);
    receive({ type: 'configured', config: START, runs: [{ runId: 'A', parameters: 1, step: 0 }, { runId: 'B', parameters: 1, step: 0 }] });
    receive({ type: 'progress', step: 0, running: false }); // the configure's own report: not the target
    receive({ type: 'event', event: { step: 0, runId: 'A', field: 'lr', old: 0.003, new: 0.002, requestId: (sent[1] as { requestId: number }).requestId } });
    receive({ type: 'progress', step: 0, running: true });
    expect(sent.length).toBe(3);
    receive({ type: 'progress', step: 5, running: false });
    expect(s().running).toBe(true);
    expect(sent.slice(3)).toEqual([{ type: 'set', runId: 'B', field: 'kappa', value: 7, requestId: expect.any(Number) }, { type: 'step', count: 3 }]);
    receive({ type: 'progress', step: 5, running: true });
    receive({ type: 'progress', step: 8, running: false });
    expect(sent.slice(5)).toEqual([
      { type: 'fork', runId: 'B', newRunId: 'C', name: 'AdmIRE fork @8' },
      { type: 'set', runId: 'C', field: 'ireEnabled', value: false, requestId: expect.any(Number) },
      { type: 'step', count: 4 },
    ]);
    expect(s().config.runs.find((r) => r.id === 'C')?.name).toBe('my "fork" <b>');
    // The user pauses before step 12: training stops there, the last change stays planned.
    s().pause();
    receive({ type: 'progress', step: 10, running: false });
    expect(s().running).toBe(false);
    expect(sent.at(-1)).toEqual({ type: 'pause' });
    expect(s().planned).toEqual([PLANNED[4]]);
    expect(applyPlanned(s().config, s().planned)).toEqual(FINAL); // what the page's link carries as its configuration
    // Resuming heads for the remaining change, then trains freely.
    s().start();
    expect(sent.at(-1)).toEqual({ type: 'step', count: 2 });
    receive({ type: 'progress', step: 10, running: true });
    receive({ type: 'progress', step: 12, running: false });
    expect(sent.slice(-2)).toEqual([{ type: 'set', runId: 'B', field: 'gamma', value: 0.25, requestId: expect.any(Number) }, { type: 'start' }]);
    expect(s().planned).toEqual([]);
    expect(s().config).toEqual(FINAL);
    // A stop short of the end (every run diverged, or finished) is reported as a stop.
    receive({ type: 'progress', step: 40, running: false });
    expect(s().running).toBe(false);
  });

  it('single steps apply a change due at the current step before stepping', () => {
    const sent: WorkerRequest[] = [];
    const store = createAppStore({ send: (m) => sent.push(m), config: START, planned: [PLANNED[1]] });
    store.getState().receive({ type: 'adapter', report: ADAPTER });
    store.setState({ session: 'ready', step: 5 });
    store.getState().stepOnce();
    expect(sent.map((m) => m.type)).toEqual(['set', 'step']);
    expect(store.getState().planned).toEqual([]);
  });

  it('reset rolls the configuration back to what the worker restarts from and plans the logged changes again', () => {
    const sent: WorkerRequest[] = [];
    const store = createAppStore({ send: (m) => sent.push(m), config: START });
    const s = () => store.getState();
    s().receive({ type: 'adapter', report: ADAPTER });
    s().start();
    s().receive({ type: 'configured', config: START, runs: [{ runId: 'A', parameters: 1, step: 0 }, { runId: 'B', parameters: 1, step: 0 }] });
    s().receive({ type: 'progress', step: 5, running: true });
    s().setRunField('B', 'kappa', 7);
    const requestId = (sent.at(-1) as { requestId: number }).requestId;
    s().receive({ type: 'event', event: { step: 5, runId: 'B', field: 'kappa', old: 2, new: 7, requestId } });
    expect(s().fork('B')).toBe('C');
    s().renameRun('C', 'mine');
    expect(s().config.runs.map((r) => r.id)).toEqual(['A', 'B', 'C']);
    s().pause();
    s().reset();
    expect(sent.at(-1)).toEqual({ type: 'reset' });
    expect(s().config).toEqual(START);
    expect(Object.keys(s().runs)).toEqual(['A', 'B']);
    expect(Object.keys(s().series)).toEqual(['A', 'B']);
    expect(s().events).toEqual([]);
    expect(s().planned).toEqual([
      { kind: 'set', step: 5, runId: 'B', field: 'kappa', old: 2, new: 7 },
      { kind: 'fork', step: 5, runId: 'C', from: 'B', name: 'mine' },
    ]);
    expect(applyPlanned(s().config, s().planned).runs.map((r) => [r.id, r.name, r.optimizer.ire.kappa])).toEqual([
      ['A', 'AdamW', 4],
      ['B', 'AdmIRE', 7],
      ['C', 'mine', 7],
    ]);
    s().discardPlanned();
    expect(s().planned).toEqual([]);
  });
});
