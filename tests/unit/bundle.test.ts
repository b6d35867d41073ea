// Export/import bundles: a round trip gives identical runs, and every rejected import (not JSON,
// another format, another version, an invalid config, damaged series) leaves the store unchanged.
import { describe, expect, it } from 'vitest';
import { applyBundle, BUNDLE_VERSION, exportBundle, importBundleText, parseBundle, serializeBundle, type Bundle } from '../../src/store/bundle';
import { createAppStore, type AppStore } from '../../src/store/store';
import { DEFAULT_COMPARISON } from '../../src/train/config';
import type { TrainPoint } from '../../src/worker/protocol';
import type { ComparisonReport } from '../helpers/storeHarness';

function trainPoints(runs: string[], from: number, to: number): TrainPoint[] {
  const out: TrainPoint[] = [];
  for (let k = from; k <= to; k++) {
    for (const [i, runId] of runs.entries()) {
      out.push({ runId, step: k, wallMs: k * 7.5, loss: 3 / (1 + k / 10) + i * 0.01, gradNorm: 0.5 + k / 100, lr: 1e-3, maskFraction: i ? 0.6 : 0, kappaEff: i ? 4 : undefined, stepsPerSec: k % 2 ? 12.5 : undefined });
    }
  }
  return out;
}

/** A store with a trained-looking comparison: metrics, evals, sharpness, a histogram, events, a fork, a divergence. */
function trainedStore(): AppStore {
  const store = createAppStore({ config: DEFAULT_COMPARISON });
  const s = store.getState();
  const reports: ComparisonReport[] = [
    { type: 'configured', config: DEFAULT_COMPARISON, runs: [{ runId: 'A', parameters: 1234, step: 0 }, { runId: 'B', parameters: 1234, step: 0 }] },
    { type: 'metrics', train: trainPoints(['A', 'B'], 1, 40), eval: [{ runId: 'A', step: 20, wallMs: 150, valLoss: 2.1, valAcc: 0.3 }, { runId: 'B', step: 20, wallMs: 150, valLoss: 2.0 }], sharpness: [{ runId: 'B', step: 30, wallMs: 225, trace: 12.5, traceStderr: 0.4, topEig: 3.5, eosSharpness: 1200, eosThreshold: 38000 }] },
    { type: 'histogram', histogram: { runId: 'B', step: 30, edges: [1e-8, 1e-6, 1e-4], counts: [10, 20], zeros: 5, threshold: 1e-6, gamma: 0.6 } },
    { type: 'applied', step: 12, requestIds: [3], scheduledIds: [], events: [{ step: 12, runId: 'B', field: 'kappa', old: 2, new: 8 }] },
    { type: 'run-added', run: { ...DEFAULT_COMPARISON.runs[1], id: 'C', name: '<b>fork</b> of B' }, forkedFrom: { runId: 'B', step: 40 }, requestId: 4 },
    { type: 'metrics', train: trainPoints(['C'], 41, 45), eval: [], sharpness: [] },
    { type: 'status', runId: 'C', status: { state: 'diverged', step: 46, lastFinite: trainPoints(['C'], 45, 45)[0], reason: 'NaN in loss' } },
    { type: 'status', runId: 'A', status: { state: 'running' } },
    { type: 'control', state: 'paused', step: 45 },
  ];
  for (const r of reports) s.receive({ ...r, generation: store.getState().generation } as Parameters<typeof s.receive>[0]);
  return store;
}

/** What a bundle compares: everything but the export time. */
const content = (b: Bundle) => ({ ...b, exportedAt: '' });

describe('bundles', () => {
  it('export → import gives identical runs, series and events', () => {
    const source = trainedStore();
    const bundle = exportBundle(source.getState(), new Date('2025-01-02T03:04:05Z'));
    expect(Object.keys(bundle.runs)).toEqual(['A', 'B', 'C']);
    expect(bundle.runs.C.series.train.step).toEqual([41, 42, 43, 44, 45]);
    expect(bundle.runs.A.view.status).toEqual({ state: 'paused' }); // saved as paused, not running
    const text = serializeBundle(bundle);

    const target = createAppStore();
    target.getState().receive({ type: 'metrics', generation: 0, train: trainPoints(['A'], 1, 3), eval: [], sharpness: [] });
    expect(importBundleText(target, text)).toBeNull();
    const t = target.getState();
    const src = source.getState();
    expect(t.config).toEqual(src.config);
    expect(t.series).toEqual(src.series);
    expect(t.events).toEqual(src.events);
    expect(t.step).toBe(45);
    expect(t.session).toBe('none');
    for (const id of ['B', 'C']) expect(t.runs[id]).toEqual(src.runs[id]);
    expect(content(exportBundle(t))).toEqual(content(bundle));
    // Exported data is a copy: training on after the export does not change the bundle.
    source.getState().receive({ type: 'metrics', generation: source.getState().generation, train: trainPoints(['A', 'B'], 41, 41), eval: [], sharpness: [] });
    expect(bundle.runs.A.series.train.step.length).toBe(40);
  });

  it('a bundle written before the edge-of-stability columns imports with them null', () => {
    const b = JSON.parse(serializeBundle(exportBundle(trainedStore().getState()))) as { runs: Record<string, { series: { sharpness: Record<string, unknown> } }> };
    for (const r of Object.values(b.runs)) {
      delete r.series.sharpness.eosSharpness;
      delete r.series.sharpness.eosThreshold;
    }
    const parsed = parseBundle(JSON.stringify(b));
    if (!parsed.ok) throw new Error(parsed.message);
    expect(parsed.bundle.runs.B.series.sharpness).toMatchObject({ step: [30], topEig: [3.5], eosSharpness: [null], eosThreshold: [null] });
    // Present but damaged is still refused.
    b.runs.B.series.sharpness.eosThreshold = ['x'];
    expect(parseBundle(JSON.stringify(b))).toMatchObject({ ok: false, message: expect.stringMatching(/sharpness\.eosThreshold\[0\]: must be a finite number/) });
  });

  describe('rejected imports leave the store unchanged', () => {
    const good = serializeBundle(exportBundle(trainedStore().getState()));
    const mutate = (f: (b: Record<string, unknown>) => void) => {
      const b = JSON.parse(good) as Record<string, unknown>;
      f(b);
      return JSON.stringify(b);
    };
    type Runs = Record<string, { series: { train: Record<string, unknown[]> }; view: Record<string, unknown> }>;
    const cases: [string, string, RegExp][] = [
      ['not JSON', good.slice(0, good.length / 2), /not valid JSON/],
      ['empty', '', /not valid JSON/],
      ['another format', JSON.stringify({ format: 'something-else', version: 1 }), /bundle\.format: must be "ire-playground-bundle"/],
      ['a list', '[1,2,3]', /bundle: must be an object/],
      ['another version', mutate((b) => (b.version = BUNDLE_VERSION + 1)), /This bundle has version 2; this page reads version 1/],
      ['an invalid config (γ = 1.5)', mutate((b) => ((b.config as { runs: { optimizer: { ire: { gamma: number } } }[] }).runs[1].optimizer.ire.gamma = 1.5)), /bundle\.config: runs\[1\]\.optimizer\.ire\.gamma = 1\.5: must be in \[0, 1\]/],
      ['a run missing from runs', mutate((b) => delete (b.runs as Runs).B), /bundle\.runs\.B: missing/],
      ['a series column of another length', mutate((b) => (b.runs as Runs).A.series.train.loss.pop()), /bundle\.runs\.A\.series\.train\.loss: has 39 entries, step has 40/],
      ['a non-number loss', mutate((b) => ((b.runs as Runs).A.series.train.loss[3] = 'x')), /bundle\.runs\.A\.series\.train\.loss\[3\]: must be a finite number/],
      ['steps out of order', mutate((b) => ((b.runs as Runs).A.series.train.step[5] = 1)), /bundle\.runs\.A\.series\.train\.step\[5\]: steps must increase/],
      ['an unknown status', mutate((b) => ((b.runs as Runs).A.view.status = { state: 'exploded' })), /bundle\.runs\.A\.view\.status\.state: must be one of/],
      ['an unknown key', mutate((b) => (b.extra = 1)), /bundle\["extra"\]: unknown key/],
      ['a bad event', mutate((b) => ((b.events as unknown[])[0] = { kind: 'set', step: 1, runId: 'A', field: 'evil', old: 1, new: 2 })), /bundle\.events\[0\]\.field: must be one of/],
      ['a fork without its name', mutate((b) => delete (b.events as Record<string, unknown>[])[1].name), /bundle\.events\[1\]\.name: missing/],
      ['a removal with invalid settings', mutate((b) => (b.events as unknown[]).push({ kind: 'remove', step: 45, runId: 'Z', index: 0, run: { id: 'Z', name: 'z', optimizer: { ...DEFAULT_COMPARISON.runs[0].optimizer, lr: -1 } } })), /bundle\.events\[2\]\.run: /],
    ];
    for (const [name, text, message] of cases) {
      it(name, () => {
        const store = trainedStore();
        const before = structuredClone(exportBundle(store.getState()));
        const beforeRevision = store.getState().metricsRevision;
        const refusal = importBundleText(store, text);
        expect(refusal).toMatch(message);
        expect(content(exportBundle(store.getState()))).toEqual(content(before));
        expect(store.getState().metricsRevision).toBe(beforeRevision);
        expect(parseBundle(text).ok).toBe(false);
      });
    }
  });

  it('refuses to replace a comparison that is training (building, running or pausing)', () => {
    const parsed = parseBundle(serializeBundle(exportBundle(trainedStore().getState())));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    for (const control of ['building', 'running', 'pausing'] as const) {
      const store = trainedStore();
      store.setState({ control });
      // Training is paused first; a comparison still being built is waited for, not "paused".
      expect(applyBundle(store, parsed.bundle)).toMatch(control === 'building' ? /^The comparison is being built: opening another comparison once/ : /^Pause training before opening another comparison/);
    }
    for (const control of ['idle', 'paused', 'failed'] as const) {
      const store = trainedStore();
      store.setState({ control });
      expect(applyBundle(store, parsed.bundle)).toBeNull();
    }
  });

  it('an imported comparison is not built: a new generation drops what the old one still sends', () => {
    const store = trainedStore();
    const old = store.getState().generation;
    expect(importBundleText(store, serializeBundle(exportBundle(trainedStore().getState())))).toBeNull();
    const s = () => store.getState();
    expect(s().generation).toBeGreaterThan(old);
    expect(s()).toMatchObject({ session: 'none', control: 'idle', failure: null, pending: [], planned: [], replay: null, step: 45 });
    s().receive({ type: 'metrics', generation: old, train: trainPoints(['A', 'B'], 46, 46), eval: [], sharpness: [] });
    s().receive({ type: 'control', generation: old, state: 'running', step: 46 });
    expect(s().series.A.train.step).toHaveLength(40); // A and B were trained to step 40, C to 45
    expect(s().control).toBe('idle');
    expect(s().step).toBe(45);
  });

  it('a removal in the event log travels with the bundle', () => {
    const source = trainedStore();
    const removed = source.getState().config.runs[0];
    source.getState().receive({ type: 'run-removed', generation: source.getState().generation, step: 45, runId: 'A', index: 0, run: removed, requestId: 9 });
    expect(source.getState().events.at(-1)).toEqual({ kind: 'remove', step: 45, runId: 'A', index: 0, run: removed });
    const bundle = exportBundle(source.getState());
    expect(Object.keys(bundle.runs)).toEqual(['B', 'C']);
    const target = createAppStore();
    expect(importBundleText(target, serializeBundle(bundle))).toBeNull();
    expect(target.getState().events).toEqual(source.getState().events);
    expect(target.getState().config.runs.map((r) => r.id)).toEqual(['B', 'C']);
  });
});
