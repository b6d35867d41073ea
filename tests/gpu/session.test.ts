import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GpuContext } from '../../src/gpu/context';
import { createNodeGpu, type NodeGpu } from '../../src/gpu/node';
import { DEFAULT_ADAMW, DEFAULT_COMPARISON, DEFAULT_IRE, type ComparisonConfig } from '../../src/train/config';
import { PROTOCOL_VERSION, type ScheduledChange, type WorkerReport, type WorkerRequest } from '../../src/worker/protocol';
import { TrainingSession, type SessionHost } from '../../src/worker/session';
import { chooseKernelVariants } from '../../src/optim/kernelTuning';
import { AUTO_FIRST_MEASUREMENT, SHARPNESS_BUDGET } from '../../src/train/sharpnessSchedule';
import { describeAdapter } from '../../src/gpu/device';
import { readFloat32 } from '../../src/gpu/readback';
import type { StepMetrics } from '../../src/train/run';
import { useGpu } from '../helpers/gpu';
import { bandDataset } from '../helpers/syntheticData';

let generation = 0;
/** A `configure` request (also Reset) under a new generation: build at step 0, train nothing yet. */
const configure = (config: ComparisonConfig, schedule: ScheduledChange[] = []): WorkerRequest => ({
  type: 'configure',
  protocolVersion: PROTOCOL_VERSION,
  generation: ++generation,
  config,
  schedule,
  steps: 0,
});

const CONFIG: ComparisonConfig = {
  ...DEFAULT_COMPARISON,
  model: 'mlp-mnist',
  dataset: 'mnist',
  batchSize: 8,
  totalSteps: 40,
  evalEvery: 4,
  runs: [
    { id: 'A', name: 'AdamW', optimizer: { ...DEFAULT_ADAMW, warmupSteps: 2 } },
    { id: 'B', name: 'AdmIRE', optimizer: { ...DEFAULT_ADAMW, warmupSteps: 2, ire: { ...DEFAULT_IRE, enabled: true, refreshEvery: 2 } } },
  ],
};

describe('training session (the worker behind the page)', () => {
  const gpu = useGpu();
  // Every kernel family's variant as the worker picks it on this adapter: on SwiftShader the
  // barrier-free ones, several times faster than the defaults.
  beforeAll(async () => {
    await chooseKernelVariants(gpu().ctx);
  });

  const extra: NodeGpu[] = [];
  afterAll(() => {
    for (const n of extra) n.close();
  });

  function session(opts: { own?: NodeGpu; recordStep?: (m: StepMetrics) => void; loadData?: SessionHost['loadData'] } = {}) {
    const { own, recordStep } = opts;
    const shared = gpu();
    const node = own ?? shared.node;
    const ctx = own ? new GpuContext(own.device, shared.ctx.shaders) : shared.ctx;
    const reports: WorkerReport[] = [];
    const s = new TrainingSession({
      ctx,
      report: describeAdapter(node.adapter, node.device),
      loadData: opts.loadData ?? (async () => ({ kind: 'image', dataset: bandDataset() })),
      post: (r) => reports.push(r),
      flushEveryMs: 0,
      recordStep: recordStep && ((_generation, m) => recordStep(m)),
      reacquire: async () => {
        const fresh = await createNodeGpu('Test.resumedDevice');
        extra.push(fresh);
        return { ctx: new GpuContext(fresh.device, ctx.shaders), report: describeAdapter(fresh.adapter, fresh.device) };
      },
    });
    const of = <T extends WorkerReport['type']>(type: T) => reports.filter((r): r is Extract<WorkerReport, { type: T }> => r.type === type);
    return { s, reports, of };
  }

  it('configures, trains a number of steps, reports metrics, evaluations and histograms', async () => {
    const { s, of } = session();
    await s.handle(configure({ ...CONFIG, evalEvery: 3, sharpnessEvery: 3, sharpnessProbes: 2 }));
    expect(of('configured')[0].runs.map((r) => r.runId)).toEqual(['A', 'B']);
    await s.handle({ type: 'step', count: 6 });
    await s.idle();
    const train = of('metrics').flatMap((m) => m.train);
    expect(train.filter((p) => p.runId === 'A').map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(train.every((p) => Number.isFinite(p.loss) && p.loss > 0)).toBe(true);
    expect(of('metrics').flatMap((m) => m.eval).map((e) => [e.runId, e.step])).toEqual([['A', 3], ['B', 3], ['A', 6], ['B', 6]]);
    const sharp = of('metrics').flatMap((m) => m.sharpness);
    expect(sharp.map((p) => [p.runId, p.step])).toEqual([['A', 3], ['B', 3], ['A', 6], ['B', 6]]);
    expect(sharp.every((p) => Number.isFinite(p.trace) && p.traceStderr >= 0)).toBe(true);
    const hist = of('histogram');
    expect(hist.length).toBeGreaterThan(0);
    expect(hist[0].histogram.runId).toBe('B');
    expect(hist[0].histogram.counts.reduce((a, b) => a + b, 0) + hist[0].histogram.zeros).toBeGreaterThan(1000);
    expect(of('control').at(-1)).toMatchObject({ type: 'control', state: 'paused', step: 6 });
    expect(of('error')).toEqual([]);
    await s.dispose();
  });

  it("'auto' sharpness: first measured after 30 steps, then at the interval its measured cost allows, which it reports", async () => {
    const { s, of } = session();
    await s.handle(configure({ ...CONFIG, evalEvery: 0, sharpnessEvery: 'auto', sharpnessProbes: 2 }));
    await s.handle({ type: 'step', count: 40 });
    await s.idle();
    const steps = of('metrics').flatMap((m) => m.sharpness).filter((p) => p.runId === 'A').map((p) => p.step);
    expect(steps[0]).toBe(AUTO_FIRST_MEASUREMENT);
    const cost = of('metrics').map((m) => m.sharpnessCost).filter((c) => c !== undefined).at(-1)!;
    expect(cost.auto).toBe(true);
    expect(cost.measureMs).toBeGreaterThan(0);
    expect(cost.share).toBeGreaterThan(0);
    expect(cost.share).toBeLessThan(1);
    expect(cost.steadyShare).toBeLessThanOrEqual(SHARPNESS_BUDGET);
    // Every later measurement came exactly `every` steps after the one before (as chosen then).
    for (let k = 1; k < steps.length; k++) expect(steps[k] - steps[k - 1]).toBeGreaterThanOrEqual(1);
    expect(of('metrics').flatMap((m) => m.sharpness).every((p) => Number.isFinite(p.trace) && Number.isFinite(p.topEig ?? NaN))).toBe(true);
    console.log(`'auto' sharpness on the tiny MLP: measured after steps ${steps.join(', ')}; every ${cost.every}, ${(100 * cost.share).toFixed(1)} % of training time so far, ${(100 * cost.steadyShare).toFixed(1)} % from then on, ${cost.measureMs.toFixed(0)} ms each`);
    await s.dispose();
  });

  it('applies live changes at the next step boundary, composes edits, refuses invalid ones, forks and toggles IRE by rebuilding', async () => {
    const { s, of } = session();
    await s.handle(configure(CONFIG));
    await s.handle({ type: 'step', count: 3 });
    await s.idle();
    await s.handle({ type: 'edit', runId: 'B', field: 'kappa', value: 7, requestId: 1 });
    await s.handle({ type: 'edit', runId: 'B', field: 'gamma', value: 1.5, requestId: 2 });
    await s.handle({ type: 'edit', runId: 'A', field: 'ireEnabled', value: true, requestId: 3 });
    await s.handle({ type: 'fork', runId: 'B', newRunId: 'C', name: 'B fork', requestId: 4 });
    await s.handle({ type: 'step', count: 2 });
    await s.idle();
    const events = of('applied').flatMap((a) => a.events);
    expect(events.map((e) => [e.runId, e.field, e.old, e.new, e.step])).toEqual([
      ['B', 'kappa', 4, 7, 3],
      ['A', 'ireEnabled', false, true, 3],
    ]);
    expect(of('applied').flatMap((a) => a.requestIds).sort()).toEqual([1, 3, 4]);
    expect(of('edit-rejected')).toMatchObject([{ runId: 'B', field: 'gamma', requestId: 2 }]);
    expect(of('edit-rejected')[0].message).toMatch(/γ.*\[0, 1\]/);
    expect(of('run-added')[0]).toMatchObject({ run: { id: 'C', name: 'B fork' }, forkedFrom: { runId: 'B', step: 3 }, requestId: 4 });
    const after = of('metrics').flatMap((m) => m.train).filter((p) => p.step === 5);
    expect(after.map((p) => p.runId).sort()).toEqual(['A', 'B', 'C']);
    expect(after.find((p) => p.runId === 'B')!.kappaEff).toBeGreaterThan(0);
    expect(of('error')).toEqual([]);
    await s.dispose();
  });

  it('two edits of different fields between the same two steps both take effect (the second does not revert the first), during training too', async () => {
    const steps: [string, number, number, number][] = [];
    const { s, of } = session({ recordStep: (m) => steps.push([m.runId, m.step, m.settings.optimizer.lr, m.settings.optimizer.ire.kappa]) });
    await s.handle(configure(CONFIG));
    await s.handle({ type: 'step', count: 3 });
    await s.idle();
    await s.handle({ type: 'edit', runId: 'B', field: 'lr', value: 0.001, requestId: 1 });
    await s.handle({ type: 'edit', runId: 'B', field: 'kappa', value: 3, requestId: 2 });
    await s.handle({ type: 'step', count: 2 });
    await s.idle();
    expect(steps.filter((x) => x[0] === 'B' && x[1] >= 3).map((x) => [x[1], x[2], x[3]])).toEqual([
      [3, 0.001, 3],
      [4, 0.001, 3],
    ]);
    expect(of('applied').flatMap((a) => a.events).map((e) => [e.field, e.new, e.step])).toEqual([
      ['lr', 0.001, 3],
      ['kappa', 3, 3],
    ]);
    // Mid-run: start, then two edits in a row (handled between two steps), then pause.
    await s.handle({ type: 'start' });
    await expect.poll(() => steps.filter((x) => x[0] === 'B').length, { timeout: 60_000 }).toBeGreaterThan(7);
    await s.handle({ type: 'edit', runId: 'B', field: 'lr', value: 0.002, requestId: 3 });
    await s.handle({ type: 'edit', runId: 'B', field: 'kappa', value: 5, requestId: 4 });
    await expect.poll(() => of('applied').flatMap((a) => a.requestIds).includes(4), { timeout: 60_000 }).toBe(true);
    await s.handle({ type: 'pause' });
    await s.idle();
    const at = of('applied').find((a) => a.requestIds.includes(4))!.step;
    expect(of('applied').find((a) => a.requestIds.includes(3))!.step).toBe(at);
    const b = steps.filter((x) => x[0] === 'B');
    expect(b.filter((x) => x[1] >= at).every((x) => x[2] === 0.002 && x[3] === 5)).toBe(true);
    expect(b.filter((x) => x[1] < at && x[1] >= 5).every((x) => x[2] === 0.001 && x[3] === 3)).toBe(true);
    await s.dispose();
  });

  it('pause stops the loop between steps; reset returns to step 0 with the same curve', async () => {
    const { s, of } = session();
    await s.handle(configure(CONFIG));
    await s.handle({ type: 'step', count: 3 });
    await s.idle();
    const first = of('metrics').flatMap((m) => m.train).map((p) => [p.runId, p.step, p.loss]);
    await s.handle(configure(CONFIG));
    await s.handle({ type: 'step', count: 3 });
    await s.idle();
    const second = of('metrics').flatMap((m) => m.train).map((p) => [p.runId, p.step, p.loss]).slice(first.length);
    expect(second).toEqual(first);
    // Started without a limit, paused after the first steps: the loop stops between steps.
    await s.handle({ type: 'start' });
    await expect.poll(() => of('metrics').flatMap((m) => m.train).length, { timeout: 60_000 }).toBeGreaterThan(2 * first.length);
    await s.handle({ type: 'pause' });
    await s.idle();
    const stopped = of('metrics').flatMap((m) => m.train).length;
    await new Promise((r) => setTimeout(r, 300));
    expect(of('metrics').flatMap((m) => m.train).length).toBe(stopped);
    expect(of('control').map((c) => c.state).slice(-2)).toEqual(['pausing', 'paused']);
    await s.dispose();
  });

  it('reset while training: everything after the new configure is of the new generation and starts at step 1', async () => {
    const { s, reports, of } = session();
    await s.handle(configure(CONFIG));
    await s.handle({ type: 'start' });
    await expect.poll(() => of('metrics').flatMap((m) => m.train).length, { timeout: 60_000 }).toBeGreaterThan(6);
    await s.handle(configure(CONFIG)); // Reset while running
    const gen = generation;
    const from = reports.findIndex((r) => r.type === 'configured' && r.generation === gen);
    await s.handle({ type: 'step', count: 2 });
    await s.idle();
    const later = reports.slice(from).filter((r): r is Extract<WorkerReport, { type: 'metrics' }> => r.type === 'metrics');
    expect(later.every((m) => m.generation === gen)).toBe(true);
    expect(later.flatMap((m) => m.train).map((p) => p.step)).toEqual([1, 1, 2, 2]);
    // Nothing of the old generation arrives after the new one was configured.
    expect(reports.slice(from).some((r) => 'generation' in r && r.generation !== gen)).toBe(false);
    await s.dispose();
  });

  it('a failed build reports its real message, and another configuration builds and trains after it', async () => {
    const { s, of } = session({
      loadData: async (c) => {
        if (c.dataset === 'cifar10') throw new Error(`The dataset "${c.dataset}" must be loaded from a file first`);
        return { kind: 'image', dataset: bandDataset() };
      },
    });
    await s.handle(configure({ ...CONFIG, model: 'cnn-cifar10', dataset: 'cifar10' }));
    expect(of('control').at(-1)).toMatchObject({ state: 'failed', message: 'The dataset "cifar10" must be loaded from a file first' });
    await s.handle({ type: 'start' }); // nothing is built: a clear error, run control untouched
    expect(of('control').at(-1)!.state).toBe('failed');
    expect(of('error').at(-1)!.message).toBe('No comparison is configured yet');
    await s.handle(configure(CONFIG));
    await s.handle({ type: 'step', count: 1 });
    await s.idle();
    expect(of('control').at(-1)).toMatchObject({ state: 'paused', step: 1 });
    await s.dispose();
  });

  it('wall time never runs backwards across pauses and predictions, and steps/s is the delivered rate', async () => {
    const { s, of } = session();
    await s.handle(configure({ ...CONFIG, evalEvery: 0 }));
    await s.handle({ type: 'step', count: 3 });
    await s.idle();
    await s.handle({ type: 'start' });
    await expect.poll(() => of('metrics').flatMap((m) => m.train).length, { timeout: 60_000 }).toBeGreaterThan(14);
    await s.handle({ type: 'predict-images', requestId: 1, count: 4 });
    await expect.poll(() => of('metrics').flatMap((m) => m.train).length, { timeout: 60_000 }).toBeGreaterThan(22);
    await s.handle({ type: 'pause' });
    await s.handle({ type: 'step', count: 3 });
    await s.idle();
    const a = of('metrics').flatMap((m) => m.train).filter((p) => p.runId === 'A');
    for (let i = 1; i < a.length; i++) expect(a[i].wallMs).toBeGreaterThanOrEqual(a[i - 1].wallMs);
    const rates = a.map((p) => p.stepsPerSec).filter((r): r is number => r !== undefined);
    expect(rates.length).toBeGreaterThan(0);
    // The rate of delivered steps can never exceed what the wall clock allows.
    const span = (a.at(-1)!.wallMs - a[0].wallMs) / 1000;
    expect(Math.max(...rates)).toBeLessThan((4 * a.length) / Math.max(span, 1e-3));
    await s.dispose();
  });

  it('survives a lost device: reports it, resumes every run from the last in-memory checkpoint on a new device', async () => {
    // A device of its own: this test destroys it.
    const own = await createNodeGpu('Test.lostDevice');
    extra.push(own);
    const { s, of } = session({ own });
    await s.handle(configure({ ...CONFIG, checkpointEvery: 3, evalEvery: 0 }));
    await s.handle({ type: 'step', count: 4 });
    await s.idle();
    const before = of('metrics').flatMap((m) => m.train).map((p) => [p.runId, p.step, p.loss]);
    await s.handle({ type: 'simulate-device-loss' });
    await expect.poll(() => of('device-lost').length, { timeout: 30_000 }).toBe(1);
    expect(of('device-lost')[0].resumable).toBe(true);
    expect(of('status').filter((m) => m.status.state === 'device-lost').map((m) => m.runId)).toEqual(['A', 'B']);
    await s.handle({ type: 'resume' });
    expect(of('control').at(-1)).toMatchObject({ state: 'paused', step: 3 });
    await s.handle({ type: 'step', count: 2 });
    await s.idle();
    const after = of('metrics').flatMap((m) => m.train).map((p) => [p.runId, p.step, p.loss]).slice(before.length);
    // Step 4 again from the checkpoint at step 3: the same losses as before the loss, bit for bit.
    expect(after.filter((p) => p[1] === 4)).toEqual(before.filter((p) => p[1] === 4));
    expect(after.filter((p) => p[1] === 5).length).toBe(2);
    expect(of('error')).toEqual([]);
    await s.dispose();
  });

  it('predicts the first test images with every run between steps, leaving training bit-identical', async () => {
    const { s, of } = session();
    const data = bandDataset(); // what loadData gives: 32 test images of 1×28×28
    await s.handle(configure({ ...CONFIG, evalEvery: 0 }));
    await s.handle({ type: 'step', count: 3 });
    await s.idle();
    const params = () => Promise.all(s.current!.runs.map((r) => readFloat32(gpu().node.device, r.model.params)));
    const before = await params();
    // 20 images at batch size 8: three evaluation batches, the last one partly used.
    await s.handle({ type: 'predict-images', requestId: 5, count: 20 });
    expect(of('error')).toEqual([]);
    const [{ predictions: p }] = of('image-predictions');
    expect(p).toMatchObject({ requestId: 5, step: 3, channels: 1, height: 28, width: 28, classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] });
    expect(p.pixels).toEqual(data.test.pixels.slice(0, 20 * 784));
    expect(p.labels).toEqual(Array.from(data.test.labels.slice(0, 20)));
    expect(p.byRun.map((r) => [r.runId, r.step, r.predicted.length])).toEqual([['A', 3, 20], ['B', 3, 20]]);
    for (const r of p.byRun) expect(r.predicted.every((k) => Number.isInteger(k) && k >= 0 && k < 10)).toBe(true);
    // Parameters untouched, bit for bit.
    const after = await params();
    after.forEach((a, i) => expect(a).toEqual(before[i]));
    // Training goes on exactly as it would have without the request: the same losses as a
    // fresh comparison trained 6 steps straight.
    await s.handle({ type: 'step', count: 3 });
    await s.idle();
    const curve = () => of('metrics').flatMap((m) => m.train).map((t) => [t.runId, t.step, t.loss, t.gradNorm]);
    const withRequest = curve();
    await s.handle(configure({ ...CONFIG, evalEvery: 0 }));
    await s.handle({ type: 'step', count: 6 });
    await s.idle();
    expect(curve().slice(withRequest.length)).toEqual(withRequest);
    // Bad counts are refused with a message, not answered.
    await s.handle({ type: 'predict-images', requestId: 6, count: 0 });
    expect(of('error').map((e) => e.message)).toEqual([expect.stringMatching(/count 0 must be an integer from 1 to 64/)]);
    expect(of('image-predictions').length).toBe(1);
    await s.dispose();
  });

  it('answers the toy landscape request with GD and IRE trajectories', async () => {
    const { s, of } = session();
    await s.handle({ type: 'toy', request: { requestId: 9, start: [1, 0.01], eta: 1, kappa: 900, gamma: 0.5, steps: 300 } });
    const r = of('toy-result')[0].result;
    expect(r.trajectories.map((t) => t.label)).toEqual(['GD η = 1', 'GD η = 2', 'IRE κ = 900']);
    expect(r.trajectories[1].diverged).toBe(true);
    const ire = r.trajectories[2];
    expect(Math.abs(ire.v.at(-1)!)).toBeLessThan(1e-6);
    expect(ire.u.at(-1)!).toBeLessThan(0.8);
  });

  it('refuses a configuration whose buffers exceed the device limits, naming the buffer', async () => {
    const { s, of } = session();
    await s.handle(configure({ ...CONFIG, model: 'gpt-small', dataset: 'moby-dick', batchSize: 4096 }));
    const issues = of('config-rejected')[0]?.issues.map((i) => i.message).join('\n') ?? '';
    expect(issues).toMatch(/batchSize = 4096: buffer RunA\.model\.\S+ needs [\d.]+ [MG]iB, over this GPU's max\w+ /);
    expect(of('configured')).toEqual([]);
  });

  it('rejects an invalid configuration with the fields named, before any GPU work', async () => {
    const { s, of } = session();
    const bad = { ...CONFIG, batchSize: -1, runs: [{ ...CONFIG.runs[0], optimizer: { ...CONFIG.runs[0].optimizer, lr: -1 } }] };
    await s.handle(configure(bad));
    const issues = of('config-rejected')[0].issues.map((i) => i.message).join('\n');
    expect(issues).toMatch(/batchSize/);
    expect(issues).toMatch(/runs\[0\]\.optimizer\.lr/);
    expect(of('configured')).toEqual([]);
  });
});
