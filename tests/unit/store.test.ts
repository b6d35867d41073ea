import { describe, expect, it } from 'vitest';
import { configDiffLine, optimizerName } from '../../src/store/configDiff';
import { formatValue, parseNumberInput, validateLiveField } from '../../src/store/liveFields';
import { emaSmooth, lossDifference, wallAtStep } from '../../src/store/series';
import { createAppStore, nextRunId } from '../../src/store/store';
import { DEFAULT_COMPARISON, DEFAULT_ADAMW, DEFAULT_IRE, type RunConfig } from '../../src/train/config';
import { escapePlotlyTemplate, escapePlotlyText } from '../../src/ui/plots/escape';
import { PROTOCOL_VERSION, type TrainPoint, type WorkerRequest } from '../../src/worker/protocol';
import type { AdapterReport } from '../../src/gpu/device';

const ADAPTER: AdapterReport = {
  vendor: 'test',
  architecture: 'test',
  device: 'test',
  description: 'test adapter',
  limits: {
    maxStorageBufferBindingSize: 1 << 27,
    maxBufferSize: 1 << 28,
    maxStorageBuffersPerShaderStage: 8,
    maxComputeWorkgroupStorageSize: 16384,
    maxComputeInvocationsPerWorkgroup: 256,
    maxComputeWorkgroupSizeX: 256,
    maxComputeWorkgroupSizeY: 256,
    maxComputeWorkgroupSizeZ: 64,
    maxComputeWorkgroupsPerDimension: 65535,
    maxUniformBufferBindingSize: 65536,
  },
  features: [],
};

function setup() {
  const sent: WorkerRequest[] = [];
  const store = createAppStore({ send: (m) => sent.push(m) });
  return { store, sent, s: () => store.getState() };
}

/** A store whose worker has a device and has built the default comparison. */
function live() {
  const t = setup();
  t.s().receive({ type: 'adapter', report: ADAPTER });
  t.s().start();
  t.s().receive({ type: 'configured', config: t.s().config, runs: [{ runId: 'A', parameters: 100, step: 0 }, { runId: 'B', parameters: 100, step: 0 }] });
  t.sent.length = 0;
  return t;
}

const point = (runId: string, step: number, loss: number): TrainPoint => ({ runId, step, wallMs: step * 10, loss, gradNorm: 1, lr: 1e-3 });

describe('live settings: validation', () => {
  it('refuses out-of-range values with a message naming the field and its range, and sends nothing', () => {
    const { s, sent } = live();
    const msg = s().setRunField('B', 'gamma', 1.5);
    expect(msg).toBe('γ (flat fraction) must be in [0, 1]');
    expect(s().fieldErrors['B.gamma']).toBe(msg);
    expect(s().config.runs[1].optimizer.ire.gamma).toBe(0.8);
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

  it('a valid value clears the message, updates the config and is sent once the worker holds the comparison', () => {
    const { s, sent } = live();
    s().setRunField('B', 'kappa', -3);
    expect(s().setRunField('B', 'kappa', 9)).toBeNull();
    expect(s().fieldErrors['B.kappa']).toBeUndefined();
    expect(s().config.runs[1].optimizer.ire.kappa).toBe(9);
    expect(s().config.runs[0].optimizer.ire.kappa).toBe(4); // A untouched
    expect(sent).toEqual([{ type: 'set', runId: 'B', field: 'kappa', value: 9, requestId: expect.any(Number) }]);
  });

  it('before training only edits the config (nothing to tell the worker)', () => {
    const { s, sent } = setup();
    expect(s().setRunField('A', 'lr', 1e-3)).toBeNull();
    expect(s().config.runs[0].optimizer.lr).toBe(1e-3);
    expect(sent).toEqual([]);
  });

  it('a set the worker refuses restores the old value and shows its message', () => {
    const { s, sent } = live();
    s().setRunField('B', 'gamma', 0.9);
    const req = sent[0] as Extract<WorkerRequest, { type: 'set' }>;
    s().receive({ type: 'set-rejected', runId: 'B', field: 'gamma', message: 'γ cannot change now', requestId: req.requestId });
    expect(s().config.runs[1].optimizer.ire.gamma).toBe(0.8);
    expect(s().fieldErrors['B.gamma']).toBe('γ cannot change now');
  });

  it('formats values compactly', () => {
    expect(formatValue(3e-3)).toBe('0.003');
    expect(formatValue(9000)).toBe('9000');
    expect(formatValue(1e-5)).toBe('1e-5');
    expect(formatValue(true)).toBe('on');
  });
});

describe('session intents', () => {
  it('start without a device does nothing; with one it configures (versioned) then starts', () => {
    const { s, sent } = setup();
    s().start();
    expect(sent).toEqual([]);
    s().receive({ type: 'adapter', report: ADAPTER });
    s().start();
    expect(sent.map((m) => m.type)).toEqual(['configure', 'start']);
    expect(sent[0]).toMatchObject({ protocolVersion: PROTOCOL_VERSION, config: DEFAULT_COMPARISON });
    expect(s().running).toBe(true);
    s().start();
    expect(sent).toHaveLength(2);
    s().pause();
    expect(sent[2]).toEqual({ type: 'pause' });
    expect(s().running).toBe(false);
  });

  it('a rejected config goes back to no session and lists the issues', () => {
    const { s } = setup();
    s().receive({ type: 'adapter', report: ADAPTER });
    s().start();
    s().receive({ type: 'config-rejected', issues: [{ path: 'batchSize', message: 'batchSize must be ≥ 1' }] });
    expect(s().session).toBe('none');
    expect(s().running).toBe(false);
    expect(s().configIssues[0].path).toBe('batchSize');
  });

  it('reset clears metrics and events and asks the worker for step 0', () => {
    const { s, sent } = live();
    s().receive({ type: 'metrics', train: [point('A', 1, 3)], eval: [], sharpness: [] });
    s().setRunField('B', 'kappa', 5);
    s().receive({ type: 'event', event: { step: 1, runId: 'B', field: 'kappa', old: 2, new: 5 } });
    sent.length = 0;
    s().reset();
    expect(sent).toEqual([{ type: 'reset' }]);
    expect(s().series.A.train.step).toEqual([]);
    expect(s().events).toEqual([]);
    expect(s().step).toBe(0);
  });

  it('warns when the worker speaks another protocol version', () => {
    const { s } = setup();
    s().receive({ type: 'hello', protocolVersion: PROTOCOL_VERSION + 1 });
    expect(s().notice).toMatch(/protocol/);
  });

  it('marks a diverged run and keeps the other running', () => {
    const { s } = live();
    s().receive({ type: 'status', runId: 'B', status: { state: 'diverged', step: 7, lastFinite: point('B', 6, 2.5), reason: 'loss is NaN' } });
    s().receive({ type: 'status', runId: 'A', status: { state: 'running' } });
    expect(s().runs.B.status).toMatchObject({ state: 'diverged', step: 7 });
    expect(s().runs.A.status.state).toBe('running');
  });
});

describe('metric series', () => {
  it('appends batched points per run, ignores replays, bumps the revision', () => {
    const { s } = live();
    const r0 = s().metricsRevision;
    s().receive({ type: 'metrics', train: [point('A', 1, 3), point('B', 1, 3), point('A', 2, 2.5), point('B', 2, 2.4)], eval: [{ runId: 'A', step: 2, wallMs: 20, valLoss: 2.7 }], sharpness: [] });
    expect(s().series.A.train.step).toEqual([1, 2]);
    expect(s().series.B.train.loss).toEqual([3, 2.4]);
    expect(s().series.A.eval.valLoss).toEqual([2.7]);
    expect(s().step).toBe(2);
    const r1 = s().metricsRevision;
    expect(r1).toBeGreaterThan(r0);
    s().receive({ type: 'metrics', train: [point('A', 2, 9)], eval: [], sharpness: [] });
    expect(s().series.A.train.loss).toEqual([3, 2.5]);
    expect(s().metricsRevision).toBe(r1);
  });

  it('keeps the latest Hessian-diagonal histogram per run', () => {
    const { s } = live();
    s().receive({ type: 'histogram', histogram: { runId: 'B', step: 10, edges: [1e-8, 1e-6, 1e-4], counts: [5, 3], zeros: 2, threshold: 1e-6, gamma: 0.6 } });
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
    const a = { step: [1, 2, 3], wallMs: [10, 20, 30], loss: [3, 2, 1], gradNorm: [], lr: [], maskFraction: [], kappaEff: [], stepsPerSec: [] };
    const b = { step: [2, 3, 4], wallMs: [21, 31, 41], loss: [1.5, 1.25, 1], gradNorm: [], lr: [], maskFraction: [], kappaEff: [], stepsPerSec: [] };
    expect(lossDifference(a, b)).toEqual({ step: [2, 3], wallMs: [21, 31], diff: [-0.5, 0.25] });
    expect(wallAtStep(a, 2)).toBe(20);
    expect(wallAtStep(a, 2.5)).toBe(20);
    expect(wallAtStep(a, 0)).toBeNull();
  });
});

describe('event log', () => {
  it('logs the worker echo of every change, in order', () => {
    const { s } = live();
    s().receive({ type: 'event', event: { step: 5, runId: 'B', field: 'kappa', old: 4, new: 8 } });
    s().receive({ type: 'event', event: { step: 9, runId: 'A', field: 'lr', old: 3e-3, new: 1e-3 } });
    expect(s().events).toEqual([
      { kind: 'set', step: 5, runId: 'B', field: 'kappa', old: 4, new: 8 },
      { kind: 'set', step: 9, runId: 'A', field: 'lr', old: 3e-3, new: 1e-3 },
    ]);
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
    const { s, sent } = setup();
    expect(s().fork('B')).toBe('C');
    expect(s().config.runs.map((r) => r.id)).toEqual(['A', 'B', 'C']);
    expect(s().config.runs[2].optimizer).toEqual(s().config.runs[1].optimizer);
    expect(s().runs.C.forkedFrom).toBeNull();
    expect(sent).toEqual([]);
  });

  it('while training: forks at the current step, logs it, and follows the worker confirmation', () => {
    const { s, sent } = live();
    s().receive({ type: 'metrics', train: [point('A', 1, 3), point('B', 1, 3), point('A', 2, 2), point('B', 2, 2)], eval: [], sharpness: [] });
    const id = s().fork('B');
    expect(id).toBe('C');
    expect(sent).toEqual([{ type: 'fork', runId: 'B', newRunId: 'C', name: 'AdmIRE fork @2' }]);
    expect(s().runs.C.forkedFrom).toEqual({ runId: 'B', step: 2 });
    expect(s().events.at(-1)).toEqual({ kind: 'fork', step: 2, runId: 'C', from: 'B' });
    expect(s().series.C.train.step).toEqual([]);
    s().receive({ type: 'run-added', run: { ...s().config.runs[2] }, forkedFrom: { runId: 'B', step: 2 } });
    expect(s().config.runs).toHaveLength(3);
    // The fork's settings now change independently of its parent.
    s().setRunField('C', 'kappa', 12);
    expect(s().config.runs[1].optimizer.ire.kappa).toBe(2);
    expect(s().config.runs[2].optimizer.ire.kappa).toBe(12);
  });

  it('renames refuse empty or long names but keep any characters as plain text', () => {
    const { s } = setup();
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
    const { s, sent } = setup();
    expect(s().requestImagePredictions()).toMatch(/image models/); // the default is a GPT
    s().setModel('mlp-mnist');
    expect(s().requestImagePredictions()).toMatch(/start training first/);
    s().receive({ type: 'adapter', report: ADAPTER });
    s().start();
    s().receive({ type: 'configured', config: s().config, runs: [{ runId: 'A', parameters: 100, step: 0 }, { runId: 'B', parameters: 100, step: 0 }] });
    sent.length = 0;
    expect(s().requestImagePredictions(0)).toMatch(/integer from 1 to 64/);
    expect(s().requestImagePredictions(65)).toMatch(/integer from 1 to 64/);
    expect(sent).toEqual([]);
    expect(s().requestImagePredictions()).toBeNull();
    expect(sent).toEqual([{ type: 'predict-images', requestId: expect.any(Number), count: 16 }]);
    expect(s().predictions).toMatchObject({ count: 16, result: null });
  });

  it('keeps the answer to the latest request only, and a reset forgets it', () => {
    const { s, sent } = setup();
    s().setModel('cnn-mnist');
    s().receive({ type: 'adapter', report: ADAPTER });
    s().start();
    s().receive({ type: 'configured', config: s().config, runs: [{ runId: 'A', parameters: 100, step: 0 }, { runId: 'B', parameters: 100, step: 0 }] });
    s().requestImagePredictions();
    const id = (sent.at(-1) as { requestId: number }).requestId;
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
