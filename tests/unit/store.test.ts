// The store without React or a worker: validation of live settings, run control as the page
// drives it (requests sent, reports received), metric series, the event log, forks, the config
// diff line and image predictions. The worker is played by tests/helpers/storeHarness.ts.
import { describe, expect, it } from 'vitest';
import { configDiffLine, optimizerName } from '../../src/store/configDiff';
import { emaSmooth, lossDifference, lossDifferenceAtX, wallAtStep } from '../../src/store/series';
import { nextRunId, shownValue } from '../../src/store/runsSlice';
import { DEFAULT_COMPARISON, DEFAULT_ADAMW, DEFAULT_IRE, type RunConfig } from '../../src/train/config';
import { formatLiveValue, validateLiveField } from '../../src/train/liveSettings';
import { escapePlotlyTemplate, escapePlotlyText } from '../../src/ui/plots/escape';
import { parseNumberInput } from '../../src/util/parseNumber';
import { PROTOCOL_VERSION } from '../../src/worker/protocol';
import { harness, point } from '../helpers/storeHarness';

/** A store whose worker has a device and trains the default comparison. */
function live() {
  const t = harness();
  t.training();
  return t;
}

describe('live settings: validation', () => {
  it('refuses out-of-range values with a message naming the field and its range, and sends nothing', () => {
    const { s, sent } = live();
    const msg = s().setRunField('B', 'gamma', 1.5);
    expect(msg).toBe('γ (flat fraction) must be in [0, 1]');
    expect(s().fieldErrors['B.gamma']).toBe(msg);
    expect(s().config.runs[1].optimizer.ire.gamma).toBe(0.8);
    expect(s().pending).toEqual([]);
    expect(sent).toEqual([]);
  });

  it('refuses lr ≤ 0, negative κ, fractional K, non-numbers', () => {
    expect(validateLiveField('lr', 0)).toMatch(/learning rate must be in \(0, 10\]/);
    expect(validateLiveField('lr', 1e-4)).toBeNull();
    expect(validateLiveField('kappa', -1)).toMatch(/κ.*\[0, 1000\]/);
    expect(validateLiveField('kappa', 1e7)).toMatch(/κ.*\[0, 1000\]/); // the schema's range
    expect(validateLiveField('refreshEvery', 2.5)).toMatch(/K.*integer/);
    expect(validateLiveField('refreshEvery', 3)).toBeNull();
    expect(validateLiveField('kappa', Number.NaN)).not.toBeNull();
    expect(validateLiveField('kappa', Infinity)).not.toBeNull();
    expect(validateLiveField('kappaFollowsLr', 1)).not.toBeNull();
    expect(validateLiveField('ireEnabled', false)).toBeNull();
  });

  it('parses number inputs strictly', () => {
    expect(parseNumberInput(' 3e-4 ')).toBe(3e-4);
    expect(parseNumberInput('.5')).toBe(0.5);
    expect(parseNumberInput('')).toBeNull();
    expect(parseNumberInput('0x10')).toBeNull();
    expect(parseNumberInput('1,5')).toBeNull();
    expect(parseNumberInput('4 apples')).toBeNull();
    const { s, sent } = live();
    expect(s().setRunFieldText('B', 'kappa', 'abc')).toMatch(/κ/);
    expect(s().fieldErrors['B.kappa']).toBeDefined();
    expect(sent).toEqual([]);
  });

  // Changed by the rebuild: the old store wrote the value into `config` at once (optimistic);
  // now `config` is what the engine trains, and the edit is pending until the worker's `applied`.
  it('a valid value clears the message and is sent as an edit, pending until the worker applies it', () => {
    const { s, sent, worker } = live();
    s().setRunField('B', 'kappa', -3);
    expect(s().setRunField('B', 'kappa', 9)).toBeNull();
    expect(s().fieldErrors['B.kappa']).toBeUndefined();
    expect(sent).toEqual([{ type: 'edit', runId: 'B', field: 'kappa', value: 9, requestId: expect.any(Number) }]);
    const requestId = (sent[0] as { requestId: number }).requestId;
    expect(s().pending).toEqual([{ requestId, runId: 'B', field: 'kappa', value: 9 }]);
    expect(s().config.runs[1].optimizer.ire.kappa).toBe(2); // not trained with yet
    expect(shownValue(s(), 'B', 'kappa')).toEqual({ value: 9, pending: true });
    worker({ type: 'applied', step: 3, requestIds: [requestId], scheduledIds: [], events: [{ step: 3, runId: 'B', field: 'kappa', old: 2, new: 9 }] });
    expect(s().pending).toEqual([]);
    expect(s().config.runs[1].optimizer.ire.kappa).toBe(9);
    expect(s().config.runs[0].optimizer.ire.kappa).toBe(4); // A untouched
    expect(shownValue(s(), 'B', 'kappa')).toEqual({ value: 9, pending: false });
    // The same value again is nothing to send.
    expect(s().setRunField('B', 'kappa', 9)).toBeNull();
    expect(sent).toHaveLength(1);
  });

  it('before training only edits the config (nothing to tell the worker)', () => {
    const { s, sent } = harness();
    expect(s().setRunField('A', 'lr', 1e-3)).toBeNull();
    expect(s().config.runs[0].optimizer.lr).toBe(1e-3);
    expect(s().pending).toEqual([]);
    expect(sent).toEqual([]);
  });

  it('an edit the worker refuses leaves the config as it was, stops being pending and shows its message', () => {
    const { s, worker, last } = live();
    s().setRunField('B', 'gamma', 0.9);
    const req = last('edit');
    worker({ type: 'edit-rejected', runId: 'B', field: 'gamma', message: 'γ cannot change now', requestId: req.requestId });
    expect(s().config.runs[1].optimizer.ire.gamma).toBe(0.8);
    expect(s().pending).toEqual([]);
    expect(s().fieldErrors['B.gamma']).toBe('γ cannot change now');
  });

  it('formats values compactly', () => {
    expect(formatLiveValue(3e-3)).toBe('0.003');
    expect(formatLiveValue(9000)).toBe('9000');
    expect(formatLiveValue(1e-5)).toBe('1e-5');
    expect(formatLiveValue(true)).toBe('on');
  });
});

describe('session intents', () => {
  it('start without a device does nothing; with one it configures (versioned, a new generation, training on)', () => {
    const { s, sent, worker, gpu, built } = harness();
    s().start();
    expect(sent).toEqual([]);
    expect(s().control).toBe('idle');
    gpu();
    expect(s().gpu.state).toBe('ready');
    s().start();
    // Changed by the rebuild: one `configure` carries `steps: null` (train on) instead of configure + start.
    expect(sent).toEqual([{ type: 'configure', protocolVersion: PROTOCOL_VERSION, generation: 1, config: DEFAULT_COMPARISON, schedule: [], steps: null }]);
    expect(s().generation).toBe(1);
    expect(s().control).toBe('building');
    expect(s().session).toBe('configuring');
    s().start();
    expect(sent).toHaveLength(1);
    built();
    worker({ type: 'control', state: 'running', step: 0 });
    expect(s().session).toBe('ready');
    expect(s().control).toBe('running');
    s().pause();
    expect(sent[1]).toEqual({ type: 'pause' });
    expect(s().control).toBe('pausing'); // was `running: false` at once; now paused when the worker says so
    worker({ type: 'control', state: 'paused', step: 4 });
    expect(s().control).toBe('paused');
    expect(s().step).toBe(4);
    s().start();
    expect(sent[2]).toEqual({ type: 'start' });
  });

  it('a rejected config goes back to no session, lists the issues and fails with the reason', () => {
    const { s, gpu, worker } = harness();
    gpu();
    s().start();
    worker({ type: 'config-rejected', issues: [{ path: 'batchSize', message: 'batchSize must be ≥ 1' }] });
    worker({ type: 'control', state: 'failed', step: 0, message: 'The configuration was refused: batchSize must be ≥ 1' });
    expect(s().session).toBe('none');
    expect(s().control).toBe('failed');
    expect(s().failure).toBe('The configuration was refused: batchSize must be ≥ 1');
    expect(s().configIssues[0].path).toBe('batchSize');
  });

  it('reset clears metrics and events and asks the worker to build step 0 again', () => {
    const { s, sent, worker, metrics, last } = live();
    metrics(['A', 'B'], 1, 1);
    s().setRunField('B', 'kappa', 5);
    worker({ type: 'applied', step: 1, requestIds: [last('edit').requestId], scheduledIds: [], events: [{ step: 1, runId: 'B', field: 'kappa', old: 2, new: 5 }] });
    expect(s().events).toHaveLength(1);
    sent.length = 0;
    s().reset();
    // Changed by the rebuild: no `reset` request; a new `configure` at step 0 under a new generation.
    expect(sent).toEqual([{ type: 'configure', protocolVersion: PROTOCOL_VERSION, generation: 2, config: DEFAULT_COMPARISON, schedule: [expect.objectContaining({ kind: 'set', step: 1, runId: 'B', field: 'kappa', value: 5 })], steps: 0 }]);
    expect(s().series.A.train.step).toEqual([]);
    expect(s().events).toEqual([]);
    expect(s().step).toBe(0);
  });

  it('warns when the worker speaks another protocol version', () => {
    const { s } = harness();
    s().receive({ type: 'hello', protocolVersion: PROTOCOL_VERSION + 1 });
    expect(s().notice).toMatch(/protocol/);
  });

  it('marks a diverged run and keeps the other running', () => {
    const { s, worker } = live();
    worker({ type: 'status', runId: 'B', status: { state: 'diverged', step: 7, lastFinite: point('B', 6, 2.5), reason: 'loss is NaN' } });
    worker({ type: 'status', runId: 'A', status: { state: 'running' } });
    expect(s().runs.B.status).toMatchObject({ state: 'diverged', step: 7 });
    expect(s().runs.A.status.state).toBe('running');
  });
});

describe('metric series', () => {
  it('appends batched points per run and bumps the revision; a step sent again is written over', () => {
    const { s, worker } = live();
    const r0 = s().metricsRevision;
    worker({ type: 'metrics', train: [point('A', 1, 3), point('B', 1, 3), point('A', 2, 2.5), point('B', 2, 2.4)], eval: [{ runId: 'A', step: 2, wallMs: 20, valLoss: 2.7 }], sharpness: [] });
    expect(s().series.A.train.step).toEqual([1, 2]);
    expect(s().series.B.train.loss).toEqual([3, 2.4]);
    expect(s().series.A.eval.valLoss).toEqual([2.7]);
    expect(s().step).toBe(2);
    const r1 = s().metricsRevision;
    expect(r1).toBeGreaterThan(r0);
    // Changed by the rebuild: a repeated step used to be ignored; it is now the same step trained
    // again (a replay, steps redone after a device loss) and replaces the row.
    worker({ type: 'metrics', train: [point('A', 2, 9)], eval: [], sharpness: [] });
    expect(s().series.A.train.step).toEqual([1, 2]);
    expect(s().series.A.train.loss).toEqual([3, 9]);
    expect(s().metricsRevision).toBeGreaterThan(r1);
  });

  it('keeps the latest Hessian-diagonal histogram per run', () => {
    const { s, worker } = live();
    worker({ type: 'histogram', histogram: { runId: 'B', step: 10, edges: [1e-8, 1e-6, 1e-4], counts: [5, 3], zeros: 2, threshold: 1e-6, gamma: 0.6 } });
    expect(s().series.B.histogram?.counts).toEqual([5, 3]);
  });

  it('EMA smoothing is bias-corrected: a constant series stays constant, β = 0 is the identity', () => {
    expect(emaSmooth([2, 2, 2, 2], 0.9)).toEqual([2, 2, 2, 2].map(() => expect.closeTo(2, 12)));
    expect(emaSmooth([1, 5, 3], 0)).toEqual([1, 5, 3]);
    const y = emaSmooth([1, 3], 0.5);
    expect(y[0]).toBeCloseTo(1, 12);
    // e1 = 0.5, e2 = 0.25 + 1.5 = 1.75; corrected by 1 − 0.25 → 7/3
    expect(y[1]).toBeCloseTo(7 / 3, 12);
  });

  it('B − A difference matches steps; wall time is found by step', () => {
    const a = { step: [1, 2, 3], wallMs: [10, 20, 30], loss: [3, 2, 1], gradNorm: [], lr: [], maskFraction: [], kappaEff: [], stepsPerSec: [], gradEvals: [] };
    const b = { step: [2, 3, 4], wallMs: [21, 31, 41], loss: [1.5, 1.25, 1], gradNorm: [], lr: [], maskFraction: [], kappaEff: [], stepsPerSec: [], gradEvals: [] };
    expect(lossDifference(a, b)).toEqual({ step: [2, 3], wallMs: [21, 31], diff: [-0.5, 0.25], ref: [2, 1] });
    expect(wallAtStep(a, 2)).toBe(20);
    expect(wallAtStep(a, 2.5)).toBe(20);
    expect(wallAtStep(a, 0)).toBeNull();
  });

  it('takes the loss difference at equal cost by interpolating the reference', () => {
    // Reference at costs 0, 10, 20 (losses 3, 2, 1); the run at costs 5, 20, 25.
    const d = lossDifferenceAtX([0, 10, 20], [3, 2, 1], [5, 20, 25, null], [2, 0.5, 0.1, 9]);
    expect(d.x).toEqual([5, 20]); // 25 is past the reference's last point, null has no cost
    expect(d.diff[0]).toBeCloseTo(2 - 2.5, 12); // reference halfway between 3 and 2
    expect(d.diff[1]).toBeCloseTo(0.5 - 1, 12);
    expect(lossDifferenceAtX([null, 4], [1, 2], [4], [3])).toEqual({ x: [4], diff: [1] });
  });
});

describe('event log', () => {
  it('logs every change the worker applied, in order, at its step', () => {
    const { s, worker } = live();
    worker({ type: 'applied', step: 5, requestIds: [], scheduledIds: [], events: [{ step: 5, runId: 'B', field: 'kappa', old: 2, new: 8 }] });
    worker({ type: 'applied', step: 9, requestIds: [], scheduledIds: [], events: [{ step: 9, runId: 'A', field: 'lr', old: 3e-3, new: 1e-3 }] });
    worker({ type: 'applied', step: 10, requestIds: [], scheduledIds: [], events: [] }); // nothing really changed
    expect(s().events).toEqual([
      { kind: 'set', step: 5, runId: 'B', field: 'kappa', old: 2, new: 8 },
      { kind: 'set', step: 9, runId: 'A', field: 'lr', old: 3e-3, new: 1e-3 },
    ]);
    expect(s().config.runs[1].optimizer.ire.kappa).toBe(8);
    expect(s().config.runs[0].optimizer.lr).toBe(1e-3);
  });
});

describe('config diff line', () => {
  const A = DEFAULT_COMPARISON.runs[0];
  const B = DEFAULT_COMPARISON.runs[1];
  it('names the optimizer and IRE headline settings for the default comparison', () => {
    expect(configDiffLine(A, B)).toBe('B differs from A in: optimizer, κ = 2, γ = 0.8');
    expect(optimizerName(A.optimizer)).toBe('AdamW');
    expect(optimizerName(B.optimizer)).toBe('AdmIRE');
  });

  it('lists only settings that differ when both use IRE; identical runs say so', () => {
    const C: RunConfig = { id: 'C', name: 'x', optimizer: { ...B.optimizer, lr: 1e-3, ire: { ...B.optimizer.ire, kappa: 9 } } };
    expect(configDiffLine(B, C)).toBe('C differs from B in: κ = 9, lr = 0.001');
    expect(configDiffLine(A, { ...A, id: 'D' })).toBe('D is identical to A');
  });

  it('shows ρ only for SAM and non-default IRE extras', () => {
    const sam: RunConfig = { id: 'S', name: 's', optimizer: { ...DEFAULT_ADAMW, base: 'sam', rho: 0.1, ire: { ...DEFAULT_IRE, enabled: true, refreshEvery: 20 } } };
    expect(configDiffLine(A, sam)).toBe('S differs from A in: optimizer, κ = 4, γ = 0.6, K = 20, ρ = 0.1');
  });
});

describe('fork bookkeeping', () => {
  it('picks the next free id', () => {
    expect(nextRunId(['A', 'B'])).toBe('C');
    expect(nextRunId(['B'])).toBe('A');
  });

  it('before training: duplicates the run config, no message', () => {
    const { s, sent } = harness();
    expect(s().fork('B')).toBe('C');
    expect(s().config.runs.map((r) => r.id)).toEqual(['A', 'B', 'C']);
    expect(s().config.runs[2].optimizer).toEqual(s().config.runs[1].optimizer);
    expect(s().runs.C.forkedFrom).toBeNull();
    expect(sent).toEqual([]);
  });

  // Changed by the rebuild: the fork used to enter the config and the log at once; now it does
  // when the worker reports it made it (`run-added`, with the step it was taken at).
  it('while training: asks for a fork at the next step boundary, then follows the worker confirmation', () => {
    const { s, sent, worker, metrics, last } = live();
    metrics(['A', 'B'], 1, 2);
    const id = s().fork('B');
    expect(id).toBe('C');
    expect(sent).toEqual([{ type: 'fork', runId: 'B', newRunId: 'C', name: 'AdmIRE fork', requestId: expect.any(Number) }]);
    expect(s().config.runs.map((r) => r.id)).toEqual(['A', 'B']);
    const req = last('fork');
    worker({ type: 'run-added', run: { ...s().config.runs[1], id: 'C', name: req.name }, forkedFrom: { runId: 'B', step: 3 }, requestId: req.requestId });
    worker({ type: 'applied', step: 3, requestIds: [req.requestId], scheduledIds: [], events: [] });
    expect(s().config.runs.map((r) => r.id)).toEqual(['A', 'B', 'C']);
    expect(s().runs.C.forkedFrom).toEqual({ runId: 'B', step: 3 });
    expect(s().events.at(-1)).toEqual({ kind: 'fork', step: 3, runId: 'C', from: 'B', name: 'AdmIRE fork' });
    expect(s().series.C.train.step).toEqual([]);
    // The fork's settings now change independently of its parent.
    s().setRunField('C', 'kappa', 12);
    const edit = last('edit');
    expect(edit).toMatchObject({ runId: 'C', field: 'kappa', value: 12 });
    worker({ type: 'applied', step: 4, requestIds: [edit.requestId], scheduledIds: [], events: [{ step: 4, runId: 'C', field: 'kappa', old: 2, new: 12 }] });
    expect(s().config.runs[1].optimizer.ire.kappa).toBe(2);
    expect(s().config.runs[2].optimizer.ire.kappa).toBe(12);
  });

  it('renames refuse empty or long names but keep any characters as plain text', () => {
    const { s } = harness();
    expect(s().renameRun('A', '   ')).toMatch(/name/);
    expect(s().renameRun('A', 'x'.repeat(101))).toMatch(/100/);
    expect(s().renameRun('A', '<img src=x onerror=alert(1)>')).toBeNull();
    expect(s().config.runs[0].name).toBe('<img src=x onerror=alert(1)>');
  });
});

describe('image predictions', () => {
  const result = (requestId: number) => ({
    requestId,
    step: 3,
    channels: 1,
    height: 2,
    width: 2,
    pixels: new Uint8Array(8),
    labels: [7, 1],
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    byRun: [{ runId: 'A', step: 3, predicted: [7, 2] }],
  });

  it('are for image models, once the worker holds the comparison; a request is sent with its count', () => {
    const { s, sent, gpu, built } = harness();
    expect(s().requestImagePredictions()).toMatch(/image models/); // the default is a GPT
    s().setModel('mlp-mnist');
    expect(s().requestImagePredictions()).toMatch(/start training first/);
    gpu();
    s().start();
    built();
    sent.length = 0;
    expect(s().requestImagePredictions(0)).toMatch(/integer from 1 to 64/);
    expect(s().requestImagePredictions(65)).toMatch(/integer from 1 to 64/);
    expect(sent).toEqual([]);
    expect(s().requestImagePredictions()).toBeNull();
    expect(sent).toEqual([{ type: 'predict-images', requestId: expect.any(Number), count: 16 }]);
    expect(s().predictions).toMatchObject({ count: 16, result: null });
  });

  it('keeps the answer to the latest request only, and a reset forgets it', () => {
    const { s, gpu, built, last } = harness();
    s().setModel('cnn-mnist');
    gpu();
    s().start();
    built();
    s().requestImagePredictions();
    const id = last('predict-images').requestId;
    s().receive({ type: 'image-predictions', predictions: result(id - 1) });
    expect(s().predictions?.result).toBeNull();
    s().receive({ type: 'image-predictions', predictions: result(id) });
    expect(s().predictions?.result?.byRun[0].predicted).toEqual([7, 2]);
    s().reset();
    expect(s().predictions).toBeNull();
  });
});

describe('escapePlotlyText', () => {
  it('turns markup into inert entities', () => {
    expect(escapePlotlyText('<img src=x onerror=alert(1)>')).toBe('&lt;img src=x onerror=alert(1)&gt;');
    expect(escapePlotlyText(`a&b "c" 'd'`)).toBe('a&amp;b &#34;c&#34; &#39;d&#39;');
    expect(escapePlotlyText('<b>bold</b><br><a href="javascript:x">l</a>')).not.toMatch(/[<>"]/);
    expect(escapePlotlyText('plain AdamW')).toBe('plain AdamW');
  });

  it('also neutralises hovertemplate placeholders', () => {
    expect(escapePlotlyTemplate('%{x} <b>')).toBe('&#37;{x} &lt;b&gt;');
  });
});
