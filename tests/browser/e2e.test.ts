// The playground's promises, end to end, with real training on WebGPU (SwiftShader in headless
// Chromium) on a tiny preset (MLP on MNIST, batch 8):
//   both loss curves grow; a κ change of run B mid-training puts a marker on the loss chart and
//   shows in the exported JSON from the next step on, while run A is untouched; a reload after a
//   pause keeps both runs; the shared link opened in another browser profile gives the same
//   configuration with the change planned, and training from it re-applies the change at the
//   same step with the same losses; the CSV export parses with the right columns; the toy tab
//   draws its contour and IRE (κ = 9000) reaches u < 0.1.
// A run forced to diverge is marked "diverged at step N" with its last finite loss while
// the other keeps training, and a hostile run name stays text and runs nothing.
// SCREENSHOTS=1 also writes the README's screenshots to docs/screenshots/.
import { mkdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { CSV_COLUMNS, parseCsv } from '../../src/store/csv';
import type { Bundle } from '../../src/store/bundle';
import type { RunSeries } from '../../src/store/series';
import type { LogEvent } from '../../src/store/store';
import { DEFAULT_ADAMW, DEFAULT_COMPARISON, DEFAULT_IRE, type ComparisonConfig } from '../../src/train/config';
import { configToUrlHash } from '../../src/train/urlState';
import { openApp, type AppSession } from '../helpers/browser';

const HOSTILE = '<img src=x onerror=alert(1)>';
const SCREENSHOTS = process.env.SCREENSHOTS === '1';
const VIEWPORT = { width: 1400, height: 1000 };

const CONFIG: ComparisonConfig = {
  ...DEFAULT_COMPARISON,
  model: 'mlp-mnist',
  dataset: 'mnist',
  batchSize: 8,
  totalSteps: 400,
  evalEvery: 10,
  runs: [
    { id: 'A', name: 'AdamW', optimizer: { ...DEFAULT_ADAMW, warmupSteps: 2 } },
    // κ not tied to the schedule, so the reported κ_eff is κ itself once IRE is on (after warm-up).
    { id: 'B', name: 'AdmIRE', optimizer: { ...DEFAULT_ADAMW, warmupSteps: 2, ire: { ...DEFAULT_IRE, enabled: true, refreshEvery: 3, kappaFollowsLr: false } } },
  ],
};
const IRE_ON_FROM = 3; // first step with IRE active (warm-up ends after step 2)

/** Evaluates an expression in the page (a string: the page function must not be transpiled). */
const inPage = <T>(page: Page, expr: string) => page.evaluate(expr) as Promise<T>;
const state = <T>(page: Page, path: string) => inPage<T>(page, `window.irePlayground.store.getState().${path}`);
const stepOf = async (page: Page) => Number((await page.getByTestId('step-counter').locator('strong').textContent()) ?? '0');
const trainSteps = (page: Page, runId: string) => state<number[]>(page, `series[${JSON.stringify(runId)}]?.train.step ?? []`);
const lastStep = async (page: Page, runId: string) => (await trainSteps(page, runId)).at(-1) ?? 0;
/** Points per trace of the loss chart as Plotly holds them: [name, count]. */
const lossPoints = (page: Page) =>
  inPage<[string, number][]>(page, `(() => { const el = document.querySelector('[data-testid=chart-loss] .js-plotly-plot'); return el && el.data ? el.data.map((t) => [t.name, t.x.length]) : []; })()`);
/** x of every setting-change marker (a dotted vertical line; IRE's start is long-dashed) on the loss chart. */
const markerXs = (page: Page) =>
  inPage<number[]>(page, `(() => { const el = document.querySelector('[data-testid=chart-loss] .js-plotly-plot'); return (el && el.layout && el.layout.shapes || []).filter((s) => s.type === 'line' && s.x0 === s.x1 && s.line && s.line.dash === 'dot').map((s) => s.x0); })()`);

async function downloadText(page: Page, testId: string): Promise<{ name: string; text: string }> {
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.getByTestId(testId).click()]);
  const path = await download.path();
  return { name: download.suggestedFilename(), text: readFileSync(path, 'utf8') };
}

async function screenshot(page: Page, name: string): Promise<void> {
  if (!SCREENSHOTS) return;
  mkdirSync('docs/screenshots', { recursive: true });
  await page.evaluate('window.scrollTo(0, 0)');
  await page.waitForTimeout(400); // a chart redraw is throttled to ~6 per second
  await page.screenshot({ path: `docs/screenshots/${name}.png` });
}

describe('the default comparison, trained in the browser', () => {
  let s: AppSession;
  const dialogs: string[] = [];
  let kappaEvent: LogEvent & { kind: 'set' };
  let exported: Bundle;

  beforeAll(async () => {
    s = await openApp(`/${configToUrlHash(CONFIG)}`);
    s.page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await s.page.setViewportSize(VIEWPORT);
    await s.page.getByTestId('adapter').waitFor({ timeout: 60_000 });
  });
  afterAll(async () => s?.close());

  it('starts both runs and both loss curves grow', async () => {
    await expect.poll(() => s.page.getByTestId('start').isEnabled(), { timeout: 60_000 }).toBe(true);
    await s.page.getByTestId('start').click();
    // Charts scrolled out of view are not redrawn (LiveChart.tsx): look at the loss chart.
    await s.page.getByTestId('chart-loss').scrollIntoViewIfNeeded();
    await expect.poll(() => stepOf(s.page), { timeout: 120_000, interval: 250 }).toBeGreaterThanOrEqual(4);
    await expect.poll(async () => (await lossPoints(s.page)).length, { timeout: 30_000 }).toBe(4); // raw + smoothed per run
    const before = await lossPoints(s.page);
    expect(before.map(([name]) => name)).toEqual(['A: AdamW (raw)', 'A: AdamW', 'B: AdmIRE (raw)', 'B: AdmIRE']);
    await expect
      .poll(async () => (await lossPoints(s.page)).every(([, n], i) => n >= before[i][1] + 3), { timeout: 120_000, interval: 250 })
      .toBe(true);
    const summary = (await s.page.getByTestId('chart-loss-summary').textContent()) ?? '';
    expect(summary).toMatch(/A \(AdamW\) at step \d+: loss [\d.]+/);
    expect(summary).toMatch(/B \(AdmIRE\) at step \d+: loss [\d.]+/);
  });

  it('moves run B’s κ slider mid-training: a marker on the loss chart, the new κ in the exported JSON from the next step on, run A untouched', async () => {
    const slider = s.page.getByTestId('slider-B-kappa');
    await slider.fill('7');
    await slider.blur(); // a slider commits once, on release
    await expect.poll(() => state<LogEvent[]>(s.page, 'events'), { timeout: 60_000 }).toHaveLength(1);
    kappaEvent = (await state<LogEvent[]>(s.page, 'events'))[0] as LogEvent & { kind: 'set' };
    expect(kappaEvent).toMatchObject({ kind: 'set', runId: 'B', field: 'kappa', old: 4, new: 7 });
    expect(kappaEvent.step).toBeGreaterThanOrEqual(IRE_ON_FROM);
    expect(await s.page.getByTestId('field-B-kappa').inputValue()).toBe('7');
    // (a) a vertical marker at the change's step (the slider scrolled the chart out of view: look at it again)
    await s.page.getByTestId('chart-loss').scrollIntoViewIfNeeded();
    await expect.poll(() => markerXs(s.page), { timeout: 30_000 }).toEqual([kappaEvent.step]);
    expect(await s.page.getByTestId('event-log').textContent()).toBe(`step ${kappaEvent.step}: B κ 4 → 7`);
    // (b) the exported bundle: κ_eff 4 up to the change's step, 7 from the next step on
    await expect.poll(() => lastStep(s.page, 'B'), { timeout: 120_000, interval: 250 }).toBeGreaterThanOrEqual(kappaEvent.step + 3);
    const file = await downloadText(s.page, 'export');
    expect(file.name).toMatch(/^ire-playground-.*\.json$/);
    exported = JSON.parse(file.text) as Bundle;
    const b = exported.runs.B.series.train;
    const kappaAt = (step: number) => b.kappaEff[b.step.indexOf(step)];
    expect(b.step.at(-1)).toBeGreaterThanOrEqual(kappaEvent.step + 3);
    const kappas = b.step.filter((step) => step >= IRE_ON_FROM).map((step) => `${step}:${kappaAt(step)}`);
    expect(kappas, `κ_eff of B by step; the change was logged at step ${kappaEvent.step}`).toEqual(b.step.filter((step) => step >= IRE_ON_FROM).map((step) => `${step}:${step <= kappaEvent.step ? 4 : 7}`));
    expect(exported.config.runs[1].optimizer.ire.kappa).toBe(7);
    expect(exported.events).toEqual([expect.objectContaining({ kind: 'set', step: kappaEvent.step, runId: 'B', field: 'kappa', old: 4, new: 7 })]);
    // (c) run A: same settings as configured, no IRE boost at any step, every loss finite
    expect(exported.config.runs[0]).toEqual(CONFIG.runs[0]);
    const a = exported.runs.A.series.train;
    expect(a.step.length).toBeGreaterThanOrEqual(kappaEvent.step + 3);
    expect(a.kappaEff.every((k) => !k)).toBe(true);
    expect(a.maskFraction.every((m) => !m)).toBe(true);
    expect(a.loss.every((x) => Number.isFinite(x))).toBe(true);
  });

  it('pauses, and a reload finds both runs intact', async () => {
    await s.page.getByTestId('pause').click();
    await expect.poll(async () => (await s.page.getByTestId('run-status').allTextContents()).join(','), { timeout: 60_000 }).toBe('paused,paused');
    const series = await state<Record<string, RunSeries>>(s.page, 'series');
    const step = await state<number>(s.page, 'step');
    await expect.poll(() => inPage<number>(s.page, 'window.irePlayground.persistence.then((p) => p.state.getState().flushedStep)'), { timeout: 20_000 }).toBe(step);
    await s.page.reload();
    await s.page.getByTestId('run-B').waitFor();
    await expect.poll(() => trainSteps(s.page, 'A'), { timeout: 30_000 }).toHaveLength(series.A.train.step.length);
    for (const id of ['A', 'B']) {
      const after = await state<RunSeries>(s.page, `series.${id}`);
      expect(after.train, `run ${id} after the reload`).toEqual(series[id].train);
      expect(after.eval).toEqual(series[id].eval);
    }
    expect(await state<LogEvent[]>(s.page, 'events')).toEqual([kappaEvent]);
    expect(await s.page.getByTestId('field-B-kappa').inputValue()).toBe('7');
    expect(await s.page.getByTestId('run-status').allTextContents()).toEqual(['paused', 'paused']);
    expect(await s.page.getByTestId('event-log').textContent()).toBe(`step ${kappaEvent.step}: B κ 4 → 7`);
  });

  it('the shared link, opened in another browser profile, gives the same configuration; training from it re-applies the change at the same step', async () => {
    const link = s.page.url();
    expect(link).toMatch(/#c=[\w-]+&e=[\w-]+$/);
    const context = await s.browser.newContext(); // no saved comparisons: what a recipient sees
    const other = await context.newPage();
    try {
      await other.goto(link);
      await other.getByTestId('run-B').waitFor();
      expect(await state<ComparisonConfig>(other, 'config')).toEqual(CONFIG); // as it started: κ = 4
      expect(await other.getByTestId('field-B-kappa').inputValue()).toBe('4');
      expect(await other.getByTestId('planned-events').textContent()).toBe(`planned · step ${kappaEvent.step}: B κ 4 → 7`);
      expect(await other.getByTestId('notice').count()).toBe(0);
      expect(other.url()).toBe(link); // the page shares the same link back

      await other.getByTestId('adapter').waitFor({ timeout: 60_000 });
      await expect.poll(() => other.getByTestId('start').isEnabled(), { timeout: 60_000 }).toBe(true);
      await other.getByTestId('start').click();
      await expect.poll(() => lastStep(other, 'B'), { timeout: 150_000, interval: 250 }).toBeGreaterThanOrEqual(kappaEvent.step + 2);
      await other.getByTestId('pause').click();
      const events = await state<(LogEvent & { kind: 'set' })[]>(other, 'events');
      expect(events.map(({ kind, step, runId, field, old, new: v }) => ({ kind, step, runId, field, old, new: v }))).toEqual([
        { kind: 'set', step: kappaEvent.step, runId: 'B', field: 'kappa', old: 4, new: 7 },
      ]);
      expect(await state<unknown[]>(other, 'planned')).toEqual([]);
      expect(await other.getByTestId('field-B-kappa').inputValue()).toBe('7');
      // Same seed, same batches, the change at the same step: the same losses, bit for bit.
      for (const id of ['A', 'B']) {
        const mine = await state<RunSeries['train']>(other, `series.${id}.train`);
        const n = Math.min(mine.step.length, exported.runs[id].series.train.step.length);
        expect(n).toBeGreaterThanOrEqual(kappaEvent.step + 2);
        expect(mine.loss.slice(0, n), `run ${id}'s losses`).toEqual(exported.runs[id].series.train.loss.slice(0, n));
        expect(mine.kappaEff.slice(0, n)).toEqual(exported.runs[id].series.train.kappaEff.slice(0, n));
      }
    } finally {
      await context.close();
    }
  });

  it('exports every metric of every run as CSV with the right columns', async () => {
    const file = await downloadText(s.page, 'export-csv');
    expect(file.name).toMatch(/^ire-playground-metrics-.*\.csv$/);
    const rows = parseCsv(file.text);
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    const col = (c: (typeof CSV_COLUMNS)[number]) => CSV_COLUMNS.indexOf(c);
    const body = rows.slice(1);
    expect(body.every((r) => r.length === CSV_COLUMNS.length)).toBe(true);
    for (const id of ['A', 'B']) {
      const train = await state<RunSeries['train']>(s.page, `series.${id}.train`);
      const evals = await state<RunSeries['eval']>(s.page, `series.${id}.eval`);
      const mine = body.filter((r) => r[col('run')] === id);
      expect(mine.map((r) => Number(r[col('step')]))).toEqual([...new Set([...train.step, ...evals.step])].sort((x, y) => x - y));
      expect(mine.every((r) => r[col('run_name')] === (id === 'A' ? 'AdamW' : 'AdmIRE'))).toBe(true);
      const withLoss = mine.filter((r) => r[col('loss')] !== '');
      expect(withLoss.map((r) => Number(r[col('loss')]))).toEqual(train.loss);
      expect(withLoss.map((r) => Number(r[col('grad_norm')]))).toEqual(train.gradNorm);
      expect(withLoss.map((r) => Number(r[col('lr')]))).toEqual(train.lr);
      expect(mine.filter((r) => r[col('val_loss')] !== '').map((r) => Number(r[col('val_loss')]))).toEqual(evals.valLoss);
      expect(mine.filter((r) => r[col('val_acc')] !== '').length).toBe(evals.step.length);
      expect(withLoss.map((r) => r[col('kappa_eff')])).toEqual(train.kappaEff.map((k) => (k === null ? '' : String(k))));
      expect(withLoss.map((r) => r[col('mask_fraction')])).toEqual(train.maskFraction.map((k) => (k === null ? '' : String(k))));
      expect(withLoss.map((r) => Number(r[col('grad_evals')]))).toEqual(train.gradEvals);
    }
    expect(body.filter((r) => r[col('run')] === 'B').at(-1)?.[col('kappa_eff')]).toBe('7');
  });

  it('the results table under the charts says what the series give, and its CSV says the same', async () => {
    const seriesNow = { A: await state<RunSeries>(s.page, 'series.A'), B: await state<RunSeries>(s.page, 'series.B') };
    // Training is paused: the table is that of these series (it refreshes within a second).
    await expect.poll(() => s.page.getByTestId('results-table').locator('tr[data-run=B] td[data-metric=final_train_loss]').textContent(), { timeout: 10_000 }).toMatch(/^\d/);
    const file = await downloadText(s.page, 'results-csv');
    const rows = parseCsv(file.text);
    const head = rows[0];
    const at = (run: string, metric: string, column: string) => rows.find((r) => r[0] === run && r[1] === metric)![head.indexOf(column)];
    const train = seriesNow.A.train;
    const window = Number(JSON.parse(await (await downloadText(s.page, 'results-json')).text).window);
    const tail = (losses: number[]) => losses.slice(-window).reduce((a, b) => a + b, 0) / Math.min(window, losses.length);
    expect(Number(at('A', 'final_train_loss', 'mean'))).toBeCloseTo(tail(train.loss), 12);
    expect(Number(at('B', 'final_train_loss', 'diff'))).toBeCloseTo(tail(seriesNow.B.train.loss) - tail(train.loss), 12);
    expect(Number(at('A', 'val_loss', 'mean'))).toBe(seriesNow.A.eval.valLoss.at(-1));
    // The page shows the CSV's numbers (4 significant digits).
    const shown = await s.page.getByTestId('results-table').locator('tr[data-run=A] td[data-metric=final_train_loss]').textContent();
    expect(shown).toBe(String(Number(Number(at('A', 'final_train_loss', 'mean')).toPrecision(4))));
  });

  it('the toy tab draws the contour and the IRE trajectory (κ = 9000) reaches u < 0.1', async () => {
    await s.page.getByTestId('tab-toy').click();
    const kappa = s.page.getByTestId('toy-kappa');
    await kappa.fill('9000');
    await kappa.press('Enter');
    const contour = s.page.getByTestId('toy-contour');
    await expect.poll(() => contour.locator('.contourlayer path').count(), { timeout: 60_000 }).toBeGreaterThan(5);
    await expect.poll(() => state<unknown>(s.page, 'toy.result'), { timeout: 60_000 }).not.toBeNull();
    const result = await state<{ trajectories: { label: string; method: string; kappa: number; u: number[]; v: number[] }[] }>(s.page, 'toy.result');
    const ire = result.trajectories.find((t) => t.method === 'ire')!;
    expect(ire.kappa).toBe(9000);
    expect(Math.abs(ire.u.at(-1)!)).toBeLessThan(0.1);
    const gd = result.trajectories.find((t) => t.method === 'gd' && t.u.length > 1)!;
    expect(Math.abs(gd.u.at(-1)!)).toBeGreaterThan(0.5); // plain GD barely drifts along the valley
    expect(await s.page.getByTestId('toy-summary').textContent()).toMatch(/IRE κ = 9000: after \d+ steps u = /);
    const names = await inPage<string[]>(s.page, `document.querySelector('[data-testid=toy-contour]').data.map((t) => t.name)`);
    await expect.poll(() => inPage<string[]>(s.page, `document.querySelector('[data-testid=toy-contour]').data.map((t) => t.name)`)).toContain('IRE κ = 9000');
    expect(names.length).toBeGreaterThan(0);
    await s.page.waitForTimeout(1800); // the trajectories animate for 1.5 s
    await screenshot(s.page, 'toy');
    expect(dialogs).toEqual([]);
    expect(s.errors).toEqual([]);
  });
});

describe('a run forced to diverge, next to a run with a hostile name', () => {
  const DIVERGING: ComparisonConfig = {
    ...CONFIG,
    runs: [
      { id: 'A', name: HOSTILE, optimizer: { ...DEFAULT_ADAMW, warmupSteps: 2 } },
      // The largest learning rate the schema allows, plain SGD, no clipping: the weights blow up.
      { id: 'B', name: 'huge lr', optimizer: { ...DEFAULT_ADAMW, base: 'sgd', lr: 10, minLr: 10, warmupSteps: 0, beta1: 0, weightDecay: 0, gradClip: 0 } },
    ],
  };
  let s: AppSession;
  const dialogs: string[] = [];
  beforeAll(async () => {
    s = await openApp(`/${configToUrlHash(DIVERGING)}`);
    s.page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await s.page.getByTestId('adapter').waitFor({ timeout: 60_000 });
  });
  afterAll(async () => s?.close());

  it('marks the diverging run "diverged at step N" with its last finite loss, and the other keeps training', async () => {
    await expect.poll(() => s.page.getByTestId('start').isEnabled(), { timeout: 60_000 }).toBe(true);
    await s.page.getByTestId('start').click();
    const badgeB = s.page.getByTestId('run-B').getByTestId('run-status');
    await expect.poll(() => badgeB.textContent(), { timeout: 150_000, interval: 250 }).toMatch(/^diverged at step \d+/);
    const status = await state<{ state: string; step: number; lastFinite: { step: number; loss: number } | null }>(s.page, 'runs.B.status');
    expect(status.state).toBe('diverged');
    const text = (await badgeB.textContent()) ?? '';
    expect(text).toMatch(new RegExp(`^diverged at step ${status.step} \\(last finite loss [\\d.e+-]+\\)$`));
    expect(status.lastFinite).not.toBeNull();
    expect(Number.isFinite(status.lastFinite!.loss)).toBe(true);
    const bSteps = await trainSteps(s.page, 'B');
    expect(bSteps.at(-1) ?? 0).toBeLessThan(status.step); // nothing recorded at or after the divergence
    // A goes on: more steps after B stopped, and it is still running.
    await expect.poll(() => lastStep(s.page, 'A'), { timeout: 120_000, interval: 250 }).toBeGreaterThanOrEqual(status.step + 3);
    expect(await s.page.getByTestId('run-A').getByTestId('run-status').textContent()).toBe('running');
    expect(await trainSteps(s.page, 'B')).toEqual(bSteps);
    await s.page.getByTestId('pause').click();
  });

  it(`shows the run name ${HOSTILE} as text on the card, the legend and the summary, and runs no script`, async () => {
    expect(await s.page.getByTestId('name-A').inputValue()).toBe(HOSTILE);
    await s.page.getByTestId('chart-loss').scrollIntoViewIfNeeded();
    const legend = s.page.getByTestId('chart-loss-legend');
    await expect.poll(() => legend.textContent(), { timeout: 30_000 }).toContain(`A: ${HOSTILE}`);
    expect(await s.page.getByTestId('chart-loss-summary').textContent()).toContain(`A (${HOSTILE}) at step`);
    expect(await s.page.locator('img[src="x"]').count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(s.errors).toEqual([]);
  });
});
