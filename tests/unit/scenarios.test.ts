// The curated comparisons (src/train/scenarios.ts) as the page opens them: every scenario is a
// configuration the schema and the memory plan accept (its MLP widths and training subset
// included), and the store's `openScenario` replaces the comparison as a link opened in place
// does: refused while training with a notice, curves, log and planned changes cleared.
import { describe, expect, it } from 'vitest';
import { readCsv } from '../../src/cli/resultsFolder';
import { openedScenario, scenarioBusy } from '../../src/store/scenarioSlice';
import { emptyRunSeries } from '../../src/store/series';
import { validateConfig } from '../../src/train/configSchema';
import { memoryPlanCheck, modelDataFor, planComparison } from '../../src/train/memoryPlan';
import { SCENARIOS, scenarioByName, scenarioConfig } from '../../src/train/scenarios';
import { harness } from '../helpers/storeHarness';

const MiB = 1024 ** 2;
/** WebGPU's default limits (what every adapter offers at least). */
const DEFAULT_LIMITS = { maxStorageBufferBindingSize: 128 * MiB, maxBufferSize: 256 * MiB };
const LITTLE_DATA = scenarioByName('little-data')!;

describe('scenarios', () => {
  it('each is a configuration the schema and the memory plan accept, with its text', () => {
    for (const s of SCENARIOS) {
      const config = scenarioConfig(s);
      expect(validateConfig(config, { checks: [memoryPlanCheck(DEFAULT_LIMITS)] }), s.name).toEqual({ ok: true, config });
      for (const text of [s.title, s.watch, s.claim, s.measured]) expect(text.length, s.name).toBeGreaterThan(20);
    }
    expect(new Set(SCENARIOS.map((s) => s.name)).size).toBe(SCENARIOS.length);
  });

  it('little-data: full batch on the first 512 digits, an MLP 784→64→10 (planned with its own widths), 5 seeds', () => {
    const c = scenarioConfig(LITTLE_DATA);
    expect(c).toMatchObject({ model: 'mlp-mnist', dataset: 'mnist', trainSubset: 512, batchSize: 512, mlpHidden: [64], seeds: 5, seed: 1337 });
    const params = (config: typeof c) => planComparison(config, modelDataFor(config)).buffers.find((b) => b.label === 'RunA.model.params')!.bytes / 4;
    // 784·64 + 64 + 64·10 + 10 weights and biases, each view padded to 64 floats.
    expect(params(c)).toBe(50176 + 64 + 640 + 64);
    expect(params({ ...c, mlpHidden: [] })).toBeGreaterThan(200_000); // the preset's 256, 256
    expect(LITTLE_DATA.measured).toContain('0.78×');
  });

  it('flatness: the menu quotes the 3-seed table committed in docs/scenarios/flatness-results.csv', () => {
    const flatness = scenarioByName('flatness')!;
    const rows = readCsv('docs/scenarios/flatness-results.csv');
    const row = (run: string, metric: string) => rows.find((r) => r.run === run && r.metric === metric)!;
    expect(row('A', 'trace').seeds).toBe('3');
    const trace = [row('A', 'trace'), row('B', 'trace')].map((r) => Number(r.mean));
    expect(flatness.measured).toContain(`${Math.round(trace[1])} ± ${Math.round(Number(row('B', 'trace').se))} against AdamW’s ${Math.round(trace[0])}`);
    expect(flatness.measured).toContain(`${(trace[0] / trace[1]).toFixed(1)}× lower`);
    const d = row('B', 'trace');
    expect(flatness.measured).toContain(`[${Math.round(Number(d.diff_low))}, ${Math.round(Number(d.diff_high))}]`.replace(/-/g, '−'));
    const loss = row('B', 'final_train_loss');
    expect(flatness.measured).toContain(`+${Number(loss.diff).toFixed(3)}`);
    expect(flatness.title).toContain(`${(trace[0] / trace[1]).toFixed(1)}×`);
  });

  it('opening one replaces the comparison: its config, no curves, log or planned changes, a new generation', () => {
    const { s, gpu, worker, metrics } = harness();
    gpu();
    s().start();
    const c0 = s().config;
    worker({ type: 'configured', config: c0, runs: c0.runs.map((r) => ({ runId: r.id, parameters: 100, step: 0 })) });
    metrics(['A', 'B'], 1, 3);
    worker({ type: 'control', state: 'paused', step: 3 });
    const before = s().generation;
    expect(s().openScenario(LITTLE_DATA.name)).toBeNull();
    const after = s();
    expect(after.config).toEqual(scenarioConfig(LITTLE_DATA));
    expect(after.scenario).toBe('little-data');
    expect(after.generation).toBe(before + 1);
    expect(after).toMatchObject({ session: 'none', control: 'idle', step: 0, events: [], planned: [], pending: [] });
    expect(after.series).toEqual({ A: emptyRunSeries(), B: emptyRunSeries() });
    expect(Object.values(after.runs).map((r) => r.status.state)).toEqual(['idle', 'idle']);
    expect(openedScenario(after)).toEqual({ name: 'little-data', title: LITTLE_DATA.title, changed: false });
    // Start trains what was opened.
    s().start();
    expect(s().config.trainSubset).toBe(512);
  });

  it('is refused while training, with a notice, and changes nothing', () => {
    const { s, training } = harness();
    training();
    const config = s().config;
    const generation = s().generation;
    expect(s().openScenario('little-data')).toBe(scenarioBusy('running'));
    expect(s().notice).toBe('Pause training before opening a scenario (it replaces the comparison).');
    expect(s().config).toBe(config);
    expect(s().generation).toBe(generation);
    expect(s().scenario).toBeNull();
    expect(s().openScenario('no-such-scenario')).toMatch(/There is no scenario "no-such-scenario"/);
  });

  it('while the worker builds the comparison (after Start or Reset) the refusal says so, not "pause"', () => {
    const { s, gpu } = harness();
    gpu();
    s().start();
    expect(s().control).toBe('building');
    expect(s().openScenario('little-data')).toMatch(/^The comparison is being built: opening a scenario \(it replaces the comparison\) once/);
    expect(s().notice).not.toMatch(/Pause/);
    expect(s().scenario).toBeNull();
  });

  it('says when the settings were changed since; another model, link or scenario forgets it', () => {
    const { s } = harness();
    s().openScenario('little-data');
    expect(s().setConfigField('totalSteps', 200)).toBeNull();
    expect(openedScenario(s())).toMatchObject({ name: 'little-data', changed: true });
    expect(s().setConfigField('mlpHidden', [32, 16])).toBeNull();
    expect(s().config.mlpHidden).toEqual([32, 16]);
    s().setModel('gpt-tiny'); // the MLP widths and the image subset do not apply to it
    expect(s().scenario).toBeNull();
    expect(s().config).toMatchObject({ model: 'gpt-tiny', dataset: 'moby-dick', mlpHidden: [], trainSubset: 0 });
    expect(validateConfig(s().config).ok).toBe(true);
    s().openScenario('long-run');
    expect(openedScenario(s())).toMatchObject({ name: 'long-run', changed: false });
    expect(s().config.seeds).toBe(3);
  });
});
