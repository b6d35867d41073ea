// End to end in a real headless Chromium on SwiftShader: the page configures the worker, the
// worker trains AdamW and AdmIRE in lockstep on WebGPU, metrics reach the charts, a live slider
// change is applied and logged, and the page stays responsive (no main-thread task over 150 ms).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ADAMW, DEFAULT_COMPARISON, DEFAULT_IRE, type ComparisonConfig } from '../../src/train/config';
import { configToUrlHash } from '../../src/train/urlState';
import { lowerEmulatedGpuPriority, openApp, type AppSession } from '../helpers/browser';

const CONFIG: ComparisonConfig = {
  ...DEFAULT_COMPARISON,
  model: 'mlp-mnist',
  dataset: 'mnist',
  batchSize: 16,
  totalSteps: 400,
  evalEvery: 10,
  runs: [
    { id: 'A', name: 'AdamW', optimizer: { ...DEFAULT_ADAMW, warmupSteps: 2 } },
    { id: 'B', name: 'AdmIRE', optimizer: { ...DEFAULT_ADAMW, warmupSteps: 2, ire: { ...DEFAULT_IRE, enabled: true, refreshEvery: 3 } } },
  ],
};

const stepOf = async (s: AppSession) => Number((await s.page.getByTestId('step-counter').locator('strong').textContent()) ?? '0');

describe('training in the browser', () => {
  let s: AppSession;
  beforeAll(async () => {
    s = await openApp(`/${configToUrlHash(CONFIG)}`);
    // Long tasks on the main thread (> 50 ms, the Long Tasks API's line), recorded from the first paint on.
    await s.page.evaluate(() => {
      const w = window as unknown as { __longTasks: number[] };
      w.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.__longTasks.push(e.duration);
      }).observe({ type: 'longtask' });
    });
    await s.page.getByTestId('adapter-panel').waitFor({ timeout: 60_000 });
  });
  afterAll(async () => s?.close());

  it('trains both runs in the worker and draws their losses while the page stays responsive', async () => {
    lowerEmulatedGpuPriority(); // the page's own tasks, not SwiftShader's preemption of them
    await s.page.getByTestId('start').click();
    // Charts out of view are not redrawn (LiveChart.tsx): look at the loss chart, as a person does.
    await s.page.getByTestId('chart-loss').scrollIntoViewIfNeeded();
    // Steady state: once the first steps have drawn every chart, no main-thread task may take
    // more than 150 ms while training goes on. One chart's redraw (Plotly.react) takes 26–47 ms
    // of main thread on a 2-core machine with SwiftShader training beside it, so the Long Tasks
    // API's 50 ms line is crossed by scheduling jitter alone; 150 ms (tasks of up to 82 ms were seen here) still catches several charts
    // redrawn in one task, or computing on the main thread per step.
    await expect.poll(() => stepOf(s), { timeout: 120_000, interval: 500 }).toBeGreaterThanOrEqual(3);
    await new Promise((r) => setTimeout(r, 1000));
    await s.page.evaluate(() => {
      (window as unknown as { __longTasks: number[] }).__longTasks.length = 0;
    });
    const from = await stepOf(s);
    await expect.poll(() => stepOf(s), { timeout: 120_000, interval: 500 }).toBeGreaterThanOrEqual(from + 15);
    const summary = s.page.getByTestId('chart-loss-summary');
    await expect.poll(async () => (await summary.textContent()) ?? '', { timeout: 30_000 }).toMatch(/AdamW.*AdmIRE/);
    const longTasks = await s.page.evaluate(() => (window as unknown as { __longTasks: number[] }).__longTasks);
    console.log(`long main-thread tasks while training: ${JSON.stringify(longTasks)}`);
    expect(longTasks.filter((d) => d > 150), 'main-thread tasks over 150 ms while training').toEqual([]);
  });

  it('applies a κ change while training and logs it on the event list', async () => {
    const input = s.page.getByTestId('field-B-kappa');
    await input.fill('7');
    await input.press('Enter');
    await expect.poll(async () => (await s.page.getByTestId('event-log').textContent()) ?? '', { timeout: 60_000 }).toMatch(/κ.*4.*7/);
  });

  it('pauses between steps', async () => {
    await s.page.getByTestId('pause').click();
    await expect.poll(async () => (await s.page.getByTestId('run-status').first().textContent()) ?? '', { timeout: 60_000 }).toMatch(/paused/);
    const at = await stepOf(s);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await stepOf(s)).toBe(at);
    expect(s.errors).toEqual([]);
  });
});
