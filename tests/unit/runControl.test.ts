// Run control as users met it, at the level of the store: the page's requests are recorded and
// the test plays the worker (tests/helpers/storeHarness.ts), sending the reports the worker sends
// (src/worker/protocol.ts: `control`, `applied`, `run-added`/`run-removed`, each stamped with the
// generation of the comparison it is about). Each test is one reproduction.
import { describe, expect, it } from 'vitest';
import { applyBundle, type Bundle } from '../../src/store/bundle';
import { shareHash } from '../../src/store/shareLink';
import type { LogEvent } from '../../src/store/store';
import { DEFAULT_COMPARISON, type ComparisonConfig, type RunConfig } from '../../src/train/config';
import { PROTOCOL_VERSION } from '../../src/worker/protocol';
import type { RunSeries } from '../../src/store/series';
import { recommendedComparison } from '../../src/train/defaultComparison';
import { ADAPTER, harness } from '../helpers/storeHarness';

const MNIST: ComparisonConfig = { ...DEFAULT_COMPARISON, model: 'mlp-mnist', dataset: 'mnist', totalSteps: 100 };
const [RUN_A, RUN_B] = MNIST.runs;
const withKappa = (r: RunConfig, kappa: number): RunConfig => ({ ...r, optimizer: { ...r.optimizer, ire: { ...r.optimizer.ire, kappa } } });

describe('live edits', () => {
  it('1. two edits before the next step are both pending until the worker applies them, at the step it reports', () => {
    const { s, sent, worker, training } = harness({ config: MNIST });
    training();
    expect(s().setRunField('B', 'lr', 1e-3)).toBeNull();
    expect(s().setRunField('B', 'kappa', 5)).toBeNull();
    expect(sent).toEqual([
      { type: 'edit', runId: 'B', field: 'lr', value: 1e-3, requestId: expect.any(Number) },
      { type: 'edit', runId: 'B', field: 'kappa', value: 5, requestId: expect.any(Number) },
    ]);
    const [lr, kappa] = sent.map((m) => (m as { requestId: number }).requestId);
    expect(s().pending).toEqual([
      { requestId: lr, runId: 'B', field: 'lr', value: 1e-3 },
      { requestId: kappa, runId: 'B', field: 'kappa', value: 5 },
    ]);
    expect(s().config).toEqual(MNIST); // nothing trains with them yet
    expect(s().events).toEqual([]);

    // One acknowledgement for both (they composed at the same boundary).
    worker({ type: 'applied', step: 7, requestIds: [lr, kappa], scheduledIds: [], events: [{ step: 7, runId: 'B', field: 'lr', old: 3e-3, new: 1e-3 }, { step: 7, runId: 'B', field: 'kappa', old: 2, new: 5 }] });
    expect(s().pending).toEqual([]);
    expect(s().config.runs[1].optimizer.lr).toBe(1e-3);
    expect(s().config.runs[1].optimizer.ire.kappa).toBe(5);
    expect(s().config.runs[0]).toEqual(RUN_A);
    expect(s().events).toEqual([
      { kind: 'set', step: 7, runId: 'B', field: 'lr', old: 3e-3, new: 1e-3 },
      { kind: 'set', step: 7, runId: 'B', field: 'kappa', old: 2, new: 5 },
    ]);
    expect(s().step).toBe(7);

    // The same two edits, but the second reached the worker after that boundary.
    const { s: s2, sent: sent2, worker: worker2, training: training2 } = harness({ config: MNIST });
    training2();
    s2().setRunField('B', 'lr', 1e-3);
    s2().setRunField('B', 'kappa', 5);
    const [lr2, kappa2] = sent2.map((m) => (m as { requestId: number }).requestId);
    worker2({ type: 'applied', step: 7, requestIds: [lr2], scheduledIds: [], events: [{ step: 7, runId: 'B', field: 'lr', old: 3e-3, new: 1e-3 }] });
    expect(s2().pending).toEqual([{ requestId: kappa2, runId: 'B', field: 'kappa', value: 5 }]);
    expect(s2().config.runs[1].optimizer.lr).toBe(1e-3);
    expect(s2().config.runs[1].optimizer.ire.kappa).toBe(2);
    expect(s2().events).toEqual([{ kind: 'set', step: 7, runId: 'B', field: 'lr', old: 3e-3, new: 1e-3 }]);
  });
});

describe('reset, failure, pause', () => {
  it('2. reset while running drops what the old comparison still sends; the new one shows from step 1', () => {
    const { s, sent, worker, training, metrics, built } = harness({ config: MNIST });
    training();
    metrics(['A', 'B'], 1, 71);
    const old = s().generation;
    s().reset();
    expect(sent).toEqual([{ type: 'configure', protocolVersion: PROTOCOL_VERSION, generation: old + 1, config: MNIST, schedule: [], steps: 0 }]);
    expect(s().generation).toBe(old + 1);
    // Still in flight from the old comparison.
    metrics(['A', 'B'], 72, 75, undefined, old);
    worker({ type: 'control', state: 'paused', step: 75 }, old);
    expect(s().step).toBe(0);
    expect(s().series.A.train.step).toEqual([]);
    expect(s().series.B.train.step).toEqual([]);
    // The worker rebuilt it at step 0; Start trains it.
    built();
    expect(s().control).toBe('idle');
    s().start();
    expect(sent.at(-1)).toEqual({ type: 'start' });
    worker({ type: 'control', state: 'running', step: 0 });
    metrics(['A', 'B'], 1, 1);
    expect(s().series.A.train.step).toEqual([1]);
    expect(s().series.B.train.step).toEqual([1]);
    expect(s().step).toBe(1);
  });

  it('3. a failure shows the real message; another preset then starts (no GPU error)', () => {
    const { s, sent, worker, gpu } = harness();
    gpu();
    s().setModel('cnn-cifar10');
    s().start();
    const first = s().generation;
    worker({ type: 'control', state: 'building', step: 0 });
    worker({ type: 'control', state: 'failed', step: 0, message: 'The dataset "cifar10" must be loaded from a file first' });
    expect(s().failure).toBe('The dataset "cifar10" must be loaded from a file first');
    expect(s().control).toBe('failed');
    expect(s().session).toBe('none');
    expect(s().gpu.state).toBe('ready');
    s().setModel('mlp-mnist');
    sent.length = 0;
    s().start();
    expect(sent).toEqual([{ type: 'configure', protocolVersion: PROTOCOL_VERSION, generation: expect.any(Number), config: expect.objectContaining({ model: 'mlp-mnist', dataset: 'mnist' }), schedule: [], steps: null }]);
    expect((sent[0] as { generation: number }).generation).toBeGreaterThan(first);
    expect(s().control).toBe('building');
    expect(s().failure).toBeNull();
    expect(s().gpu.state).toBe('ready');
  });

  it('4. pause is "pausing" (runs still running) until the worker reports it paused', () => {
    const { s, sent, worker, training, metrics } = harness({ config: MNIST });
    training();
    worker({ type: 'status', runId: 'A', status: { state: 'running' } });
    worker({ type: 'status', runId: 'B', status: { state: 'running' } });
    metrics(['A', 'B'], 1, 3);
    s().pause();
    expect(s().control).toBe('pausing');
    expect(sent).toEqual([{ type: 'pause' }]);
    // The steps in flight still arrive; the worker says it is pausing.
    metrics(['A', 'B'], 4, 5);
    worker({ type: 'control', state: 'pausing', step: 5 });
    expect(s().control).toBe('pausing');
    expect(s().runs.A.status.state).toBe('running');
    expect(s().runs.B.status.state).toBe('running');
    s().start(); // not while pausing
    s().stepOnce();
    expect(sent).toEqual([{ type: 'pause' }]);
    worker({ type: 'status', runId: 'A', status: { state: 'paused' } });
    worker({ type: 'status', runId: 'B', status: { state: 'paused' } });
    worker({ type: 'control', state: 'paused', step: 6 });
    expect(s().control).toBe('paused');
    expect(s().step).toBe(6);
    s().start();
    expect(sent.at(-1)).toEqual({ type: 'start' });
  });
});

/** Restored runs: A and B to step 40, κ of B 2 → 8 at step 12, C forked from B at step 30. */
function restoredBundle(): Bundle {
  const events: LogEvent[] = [
    { kind: 'set', step: 12, runId: 'B', field: 'kappa', old: 2, new: 8 },
    { kind: 'fork', step: 30, runId: 'C', from: 'B', name: 'AdmIRE fork @30' },
  ];
  const b8 = withKappa(RUN_B, 8);
  const config: ComparisonConfig = { ...MNIST, runs: [RUN_A, b8, { ...b8, id: 'C', name: 'AdmIRE fork @30' }] };
  const series = (runIndex: number, from: number): RunSeries => {
    const steps = Array.from({ length: 41 - from }, (_, i) => from + i);
    const none = steps.map(() => null);
    return {
      train: { step: steps, wallMs: steps.map((k) => k * 10), loss: steps.map((k) => 3 / k + runIndex), gradNorm: steps.map(() => 1), lr: steps.map(() => 1e-3), maskFraction: none, kappaEff: none, stepsPerSec: none, gradEvals: none },
      eval: { step: [], wallMs: [], valLoss: [], valAcc: [] },
      sharpness: { step: [], wallMs: [], trace: [], traceStderr: [], topEig: [], eosSharpness: [], eosThreshold: [] },
      histogram: null,
    };
  };
  const view = (forkedFrom: { runId: string; step: number } | null) => ({ status: { state: 'paused' as const }, forkedFrom, parameters: 100, checkpoints: [] });
  return {
    format: 'ire-playground-bundle',
    version: 1,
    exportedAt: '2025-01-02T03:04:05.000Z',
    config,
    step: 40,
    runs: { A: { view: view(null), series: series(0, 1) }, B: { view: view(null), series: series(1, 1) }, C: { view: view({ runId: 'B', step: 30 }), series: series(2, 31) } },
    events,
  };
}

describe('restored comparisons and links', () => {
  it('5. Start on a restored comparison trains it again from its start, with its log as the schedule, over the restored curves', () => {
    const { store, s, sent, gpu, worker, built, metrics } = harness();
    gpu();
    expect(applyBundle(store, restoredBundle())).toBeNull();
    expect(s().step).toBe(40);
    s().start();
    expect(sent).toEqual([
      {
        type: 'configure',
        protocolVersion: PROTOCOL_VERSION,
        generation: s().generation,
        config: MNIST, // rolled back: B at κ 2, no C
        schedule: [
          { kind: 'set', id: expect.any(Number), step: 12, runId: 'B', field: 'kappa', value: 8 },
          { kind: 'fork', id: expect.any(Number), step: 30, runId: 'C', from: 'B', name: 'AdmIRE fork @30' },
        ],
        steps: null,
      },
    ]);
    // The restored curves stay until training reaches them.
    expect(s().series.A.train.step).toHaveLength(40);
    expect(s().series.C.train.step).toHaveLength(10);
    expect(s().replay).toEqual({ through: 40, mismatch: null });
    built();
    worker({ type: 'control', state: 'running', step: 0 });
    // Step 1 comes out as restored; step 2 of B differs.
    metrics(['A', 'B'], 1, 1, (runId, k) => 3 / k + (runId === 'A' ? 0 : 1));
    expect(s().replay).toEqual({ through: 40, mismatch: null });
    metrics(['A', 'B'], 2, 2, (runId) => (runId === 'A' ? 1.5 : 9));
    expect(s().series.A.train.step).toHaveLength(40); // written over, not appended
    expect(s().series.B.train.loss[1]).toBe(9);
    expect(s().replay).toEqual({ through: 40, mismatch: { runId: 'B', step: 2 } });
    expect(s().step).toBe(2);
  });

  it('6. a link opened in place replaces the comparison and drops what the old one still sends', () => {
    const { s, sent, worker, training, metrics } = harness();
    training();
    metrics(['A', 'B'], 1, 9);
    const old = s().generation;
    const change: LogEvent = { kind: 'set', step: 4, runId: 'B', field: 'kappa', old: 2, new: 6 };
    const hash = shareHash({ config: MNIST, events: [], planned: [change] });
    expect(s().openLinkInPlace(hash)).toBeNull();
    expect(sent).toEqual([{ type: 'pause' }]); // it was training
    expect(s().config).toEqual(MNIST);
    expect(s().planned).toEqual([{ ...change, id: 1 }]);
    expect(s().series).toEqual({ A: expect.objectContaining({ train: expect.objectContaining({ step: [] }) }), B: expect.objectContaining({ train: expect.objectContaining({ step: [] }) }) });
    expect(s().generation).toBeGreaterThan(old);
    expect(s().session).toBe('none');
    expect(s().control).toBe('idle');
    metrics(['A', 'B'], 10, 12, undefined, old);
    worker({ type: 'control', state: 'paused', step: 12 }, old);
    worker({ type: 'applied', step: 10, requestIds: [], scheduledIds: [], events: [{ step: 10, runId: 'A', field: 'lr', old: 3e-3, new: 1e-3 }] }, old);
    expect(s().series.A.train.step).toEqual([]);
    expect(s().step).toBe(0);
    expect(s().control).toBe('idle');
    expect(s().events).toEqual([]);
    expect(s().config).toEqual(MNIST);
  });
});

describe('7. smaller reproductions', () => {
  const LINK_CHANGE: LogEvent = { kind: 'set', step: 4, runId: 'B', field: 'kappa', old: 2, new: 6 };

  it('planned changes after Reset are labelled as undone by Reset, not as from the link', () => {
    const { s, worker, training, metrics } = harness({ config: MNIST, planned: [{ ...LINK_CHANGE, id: 1 }] });
    expect(s().plannedOrigin).toBe('link');
    training();
    metrics(['A', 'B'], 1, 4);
    worker({ type: 'applied', step: 4, requestIds: [], scheduledIds: [1], events: [{ step: 4, runId: 'B', field: 'kappa', old: 2, new: 6 }] });
    expect(s().planned).toEqual([]);
    s().reset();
    expect(s().planned).toEqual([{ ...LINK_CHANGE, id: expect.any(Number) }]);
    expect(s().plannedOrigin).toBe('reset');
  });

  it('setModel clears the planned changes', () => {
    const { s } = harness({ config: MNIST, planned: [{ ...LINK_CHANGE, id: 1 }] });
    s().setModel('cnn-mnist');
    expect(s().planned).toEqual([]);
    expect(s().plannedOrigin).toBeNull();
  });

  it('removing run A asks the worker, then logs the removal and forgets A', () => {
    const { s, sent, worker, training, metrics } = harness({ config: MNIST });
    training();
    metrics(['A', 'B'], 1, 3);
    expect(s().removeRun('A')).toBeNull();
    expect(sent).toEqual([{ type: 'remove-run', runId: 'A', requestId: expect.any(Number) }]);
    const requestId = (sent[0] as { requestId: number }).requestId;
    worker({ type: 'run-removed', step: 3, runId: 'A', index: 0, run: RUN_A, requestId });
    worker({ type: 'applied', step: 3, requestIds: [requestId], scheduledIds: [], events: [] });
    expect(s().events).toEqual([{ kind: 'remove', step: 3, runId: 'A', index: 0, run: RUN_A }]);
    expect(s().config.runs.map((r) => r.id)).toEqual(['B']);
    expect(Object.keys(s().series)).toEqual(['B']);
    expect(Object.keys(s().runs)).toEqual(['B']);
  });

  it('a toy-2d configuration keeps model toy-2d', () => {
    const TOY: ComparisonConfig = { ...MNIST, model: 'toy-2d', dataset: 'toy' };
    const { s, last, gpu } = harness({ config: TOY });
    expect(s().config.model).toBe('toy-2d');
    s().setModel('toy-2d');
    expect(s().config).toMatchObject({ model: 'toy-2d', dataset: 'toy' });
    gpu();
    s().start();
    expect(last('configure').config).toMatchObject({ model: 'toy-2d', dataset: 'toy' });
    s().openLinkInPlace(shareHash({ config: TOY, events: [], planned: [] }));
    expect(s().config).toMatchObject({ model: 'toy-2d', dataset: 'toy' });
  });

  it('a refused toy setting returns its message and changes nothing', () => {
    const { s, sent, gpu } = harness();
    gpu();
    const before = s().toy.params;
    const message = s().setToyParams({ eta: -1 });
    expect(message).toMatch(/η must be a number in \[0\.05, 2\.5\]/);
    expect(s().toy.params).toEqual(before);
    expect(sent).toEqual([]);
  });

  it('a refused sample request returns its message', () => {
    const { s, sent } = harness();
    expect(s().requestSample('x', 0, 1)).toMatch(/length must be an integer from 1 to 1000/);
    expect(sent).toEqual([]);
  });
});

describe('the comparison a new visitor opens with', () => {
  const slow = { preset: 'mlp-mnist' as const, gptTinyStepMs: 540, seeds: 1 };
  const fast = { preset: 'gpt-tiny' as const, gptTinyStepMs: 12, seeds: 5 };

  it('follows the adapter: the MLP default where a gpt-tiny step would take over 200 ms, gpt-tiny elsewhere', () => {
    const t = harness({ followRecommendation: true });
    t.s().receive({ type: 'adapter', report: ADAPTER, recommended: slow });
    expect(t.s().config).toEqual(recommendedComparison(540));
    expect(t.s().config.model).toBe('mlp-mnist');
    expect(Object.keys(t.s().series)).toEqual(['A', 'B']);
    const g = harness({ followRecommendation: true });
    g.s().receive({ type: 'adapter', report: ADAPTER, recommended: fast });
    expect(g.s().config.model).toBe('gpt-tiny');
    expect(g.s().config.seeds).toBe(5);
  });

  it('never replaces what a link opened, a restore brought back or the user changed', () => {
    const link = harness({ followRecommendation: false });
    link.s().receive({ type: 'adapter', report: ADAPTER, recommended: slow });
    expect(link.s().config.model).toBe('gpt-tiny');
    const edited = harness({ followRecommendation: true });
    edited.s().setRunField('A', 'lr', 1e-3);
    edited.s().receive({ type: 'adapter', report: ADAPTER, recommended: slow });
    expect(edited.s().config.model).toBe('gpt-tiny');
    expect(edited.s().config.runs[0].optimizer.lr).toBe(1e-3);
  });
});
