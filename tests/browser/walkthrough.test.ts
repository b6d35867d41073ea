// The page used as a person uses it, with real training on WebGPU (SwiftShader in headless
// Chromium) on the MLP preset (tens of ms per step): clicks, typing and Enter, the model select,
// the Advanced settings panel, a link pasted into the open tab and a reload. Values are read back
// from the page and from the store handle the composition root exposes (window.irePlayground);
// nothing is injected. Each test opens its own browser context (its own IndexedDB). Timings are
// printed, never checked (a timed test is no benchmark).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import type { RunSeries } from '../../src/store/series';
import type { LogEvent } from '../../src/store/store';
import { DEFAULT_ADAMW, DEFAULT_COMPARISON, DEFAULT_IRE, type ComparisonConfig } from '../../src/train/config';
import { configToUrlHash } from '../../src/train/urlState';
import { openApp, type AppSession } from '../helpers/browser';

/** Tiny and quick: the MLP on MNIST at batch 8, short warm-ups, 60 steps. */
const CONFIG: ComparisonConfig = {
  ...DEFAULT_COMPARISON,
  model: 'mlp-mnist',
  dataset: 'mnist',
  batchSize: 8,
  totalSteps: 60,
  evalEvery: 0,
  runs: [
    { id: 'A', name: 'AdamW', optimizer: { ...DEFAULT_ADAMW, warmupSteps: 2 } },
    { id: 'B', name: 'AdmIRE', optimizer: { ...DEFAULT_ADAMW, warmupSteps: 2, ire: { ...DEFAULT_IRE, enabled: true, kappa: 2, gamma: 0.8, refreshEvery: 3 } } },
  ],
};
/** The same with room to keep training while the test acts (Reset, Pause). */
const LONG: ComparisonConfig = { ...CONFIG, totalSteps: 400 };

/** Evaluates an expression in the page (a string: the page function must not be transpiled). */
const inPage = <T>(page: Page, expr: string) => page.evaluate(expr) as Promise<T>;
const state = <T>(page: Page, path: string) => inPage<T>(page, `window.irePlayground.store.getState().${path}`);
const stepOf = async (page: Page) => Number((await page.getByTestId('step-counter').locator('strong').textContent()) ?? 'NaN');
const counterText = async (page: Page) => (await page.getByTestId('step-counter').textContent()) ?? '';
const trainSteps = (page: Page, runId: string) => state<number[]>(page, `series[${JSON.stringify(runId)}]?.train.step ?? []`);
const setEvents = async (page: Page) =>
  (await state<LogEvent[]>(page, 'events')).map((e) => (e.kind === 'set' ? { kind: e.kind, step: e.step, runId: e.runId, field: e.field, old: e.old, new: e.new } : e));
const badges = (page: Page) => page.getByTestId('run-status').allTextContents();
const flushedStep = (page: Page) => inPage<number>(page, 'window.irePlayground.persistence.then((p) => p.state.getState().flushedStep)');
/** Points per trace of the loss chart as Plotly holds them: [name, first x, count]. */
const lossTraces = (page: Page) =>
  inPage<[string, number, number][]>(page, `(() => { const el = document.querySelector('[data-testid=chart-loss] .js-plotly-plot'); return el && el.data ? el.data.map((t) => [t.name, t.x[0], t.x.length]) : []; })()`);
const ms = (t0: number) => Math.round(performance.now() - t0);

/** Types a value into a field and commits it with Enter. */
async function enter(page: Page, testId: string, text: string) {
  const input = page.getByTestId(testId);
  await input.fill(text);
  await input.press('Enter');
}

async function whenReady(page: Page) {
  await expect.poll(() => state<string>(page, 'gpu.state'), { timeout: 120_000 }).toBe('ready');
  await expect.poll(() => page.getByTestId('start').isEnabled(), { timeout: 60_000 }).toBe(true);
}

/** Presses Step and waits until the runs have taken step `k` and stopped. */
async function step(page: Page, k: number) {
  await expect.poll(() => page.getByTestId('step').isEnabled(), { timeout: 60_000 }).toBe(true);
  await page.getByTestId('step').click();
  await expect.poll(async () => [await stepOf(page), await state<string>(page, 'control')], { timeout: 120_000 }).toEqual([k, 'paused']);
}

describe('the playground, used as a person uses it', () => {
  let s: AppSession;
  const contexts: BrowserContext[] = [];

  /** A page in a fresh browser context (no saved comparisons), with its console errors. */
  async function open(path: string): Promise<{ page: Page; errors: string[] }> {
    const context = await s.browser.newContext({ viewport: { width: 1400, height: 1000 } });
    contexts.push(context);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
    page.on('dialog', (d) => {
      errors.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    await page.goto(new URL(path, s.app.url).toString());
    await page.getByTestId('run-B').waitFor({ timeout: 60_000 });
    return { page, errors };
  }

  beforeAll(async () => {
    s = await openApp('/');
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await s?.close();
  });

  it('1. MLP preset, Step ×3, B’s lr and κ typed at step 3, Step ×2: both changes logged at step 3, kept on the card and in the config', async () => {
    const { page, errors } = await open('/');
    await page.getByTestId('model').selectOption('mlp-mnist');
    await page.getByTestId('advanced').locator('summary').click();
    await enter(page, 'adv-totalSteps', '60');
    await expect.poll(() => state<ComparisonConfig>(page, 'config')).toMatchObject({ model: 'mlp-mnist', dataset: 'mnist', totalSteps: 60 });
    await whenReady(page);
    const t0 = performance.now();
    for (let k = 1; k <= 3; k++) await step(page, k);
    console.log(`walkthrough 1: 3 steps (build included) in ${ms(t0)} ms`);

    await enter(page, 'field-B-lr', '0.001');
    await expect.poll(() => state<number>(page, 'config.runs[1].optimizer.lr')).toBe(0.001);
    await enter(page, 'field-B-kappa', '3');
    await expect.poll(() => state<number>(page, 'config.runs[1].optimizer.ire.kappa')).toBe(3);
    for (let k = 4; k <= 5; k++) await step(page, k);

    const expected = [
      { kind: 'set', step: 3, runId: 'B', field: 'lr', old: 0.003, new: 0.001 },
      { kind: 'set', step: 3, runId: 'B', field: 'kappa', old: 2, new: 3 },
    ];
    expect(await setEvents(page)).toEqual(expected);
    expect(await page.getByTestId('event-log').locator('li').allTextContents()).toEqual(['step 3: B lr 0.003 → 0.001', 'step 3: B κ 2 → 3']);
    const config = await state<ComparisonConfig>(page, 'config');
    expect(config.runs[1].optimizer).toMatchObject({ lr: 0.001, ire: { kappa: 3 } });
    expect(config.runs[0].optimizer).toMatchObject({ lr: 0.003, ire: { enabled: false } });
    // The card: the acknowledged values, nothing pending, no revert after two more steps.
    expect(await page.getByTestId('field-B-lr').inputValue()).toBe('0.001');
    expect(await page.getByTestId('field-B-kappa').inputValue()).toBe('3');
    expect(await page.locator('[data-testid^=pending-]').count()).toBe(0);
    expect(await state<unknown[]>(page, 'pending')).toEqual([]);
    // The new lr reached the engine from step 4 on: B's scheduled lr is a third of A's (warm-up of 50 steps).
    const lrA = await state<number[]>(page, 'series.A.train.lr');
    const lrB = await state<number[]>(page, 'series.B.train.lr');
    expect(await trainSteps(page, 'B')).toEqual([1, 2, 3, 4, 5]);
    expect(lrB.slice(0, 3)).toEqual(lrA.slice(0, 3));
    for (const i of [3, 4]) expect(lrB[i] / lrA[i]).toBeCloseTo(1 / 3, 5);
    expect(errors).toEqual([]);
  });

  it('2. Reset while running: back to 0 / total with no step left in the series; Start again fills the charts from step 1', async () => {
    const { page, errors } = await open(`/${configToUrlHash(LONG)}`);
    const chart = page.getByTestId('chart-loss');
    /** Charts scrolled out of view are not redrawn (LiveChart.tsx): the person looks at the loss chart. */
    const look = () => chart.scrollIntoViewIfNeeded();
    await whenReady(page);
    const top = (testId: string) => page.getByTestId(testId).evaluate((el) => Math.round(el.getBoundingClientRect().top + scrollY));
    console.log(`walkthrough 2: page y of the Start button ${await top('start')}, of the loss chart ${await top('chart-loss')} (viewport 1000 high)`);
    await page.getByTestId('start').click();
    await look();
    await expect.poll(() => stepOf(page), { timeout: 120_000 }).toBeGreaterThanOrEqual(5);
    await expect.poll(async () => (await lossTraces(page)).length, { timeout: 30_000 }).toBe(4);
    expect(await state<string>(page, 'control')).toBe('running');
    await page.getByTestId('reset').click();
    const t0 = performance.now();
    await expect.poll(async () => [await stepOf(page), await state<string>(page, 'control')], { timeout: 60_000 }).toEqual([0, 'idle']);
    console.log(`walkthrough 2: Reset → idle at step 0 in ${ms(t0)} ms`);
    expect(await counterText(page)).toMatch(/^step 0 \/ 400/);
    const points = async () => Object.fromEntries(Object.entries(await state<Record<string, RunSeries>>(page, 'series')).map(([id, r]) => [id, r.train.step.length + r.eval.step.length]));
    expect(await points()).toEqual({ A: 0, B: 0 });
    // Whatever the old comparison still had in flight never lands.
    await page.waitForTimeout(1500);
    expect(await points()).toEqual({ A: 0, B: 0 });
    expect(await stepOf(page)).toBe(0);
    await look();
    await expect.poll(() => lossTraces(page)).toEqual([]);
    expect(await chart.locator('.chart-empty').isVisible()).toBe(true);
    console.log(`walkthrough 2: after Reset the start button reads "${await page.getByTestId('start').textContent()}"`);

    const t1 = performance.now();
    await page.getByTestId('start').click();
    await look();
    await expect.poll(() => trainSteps(page, 'A'), { timeout: 60_000, interval: 50 }).not.toEqual([]);
    console.log(`walkthrough 2: first step in the store ${ms(t1)} ms after Start`);
    await expect.poll(async () => (await lossTraces(page)).length, { timeout: 30_000, interval: 50 }).toBe(4);
    console.log(`walkthrough 2: loss chart drawn ${ms(t1)} ms after Start: ${JSON.stringify(await lossTraces(page))}`);
    expect((await lossTraces(page)).map(([, x0]) => x0)).toEqual([1, 1, 1, 1]);
    await expect.poll(() => stepOf(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(5);
    await page.getByTestId('pause').click();
    await expect.poll(() => state<string>(page, 'control'), { timeout: 60_000 }).toBe('paused');
    for (const id of ['A', 'B']) {
      const steps = await trainSteps(page, id);
      expect(steps, `run ${id}'s steps after Reset and Start`).toEqual(Array.from({ length: steps.length }, (_, i) => i + 1));
    }
    await look();
    await expect.poll(async () => (await lossTraces(page)).map(([, x0]) => x0)).toEqual([1, 1, 1, 1]);
    expect(errors).toEqual([]);
  });

  it('3. cnn-cifar10 with no upload: the failure names the missing dataset, then mlp-mnist trains without a reload', async () => {
    const { page, errors } = await open('/');
    await page.evaluate('window.__sameDocument = true');
    await page.getByTestId('model').selectOption('cnn-cifar10');
    await whenReady(page);
    await page.getByTestId('start').click();
    const failure = page.getByTestId('failure');
    await failure.waitFor({ timeout: 60_000 });
    const text = (await failure.textContent()) ?? '';
    console.log(`walkthrough 3: failure alert: "${text}"`);
    expect(await failure.getAttribute('role')).toBe('alert');
    expect(text).toMatch(/cifar10.*must be loaded from a file/i);
    expect(text).not.toMatch(/GPU|WebGPU|device|adapter|shader|buffer/i);
    expect(await state<string>(page, 'control')).toBe('failed');

    await expect.poll(() => page.getByTestId('model').isEnabled()).toBe(true);
    await page.getByTestId('model').selectOption('mlp-mnist');
    await page.getByTestId('start').click();
    await expect.poll(() => stepOf(page), { timeout: 120_000 }).toBeGreaterThanOrEqual(3);
    expect(await failure.count()).toBe(0);
    expect(await state<string>(page, 'config.dataset')).toBe('mnist');
    expect(await page.evaluate('window.__sameDocument')).toBe(true);
    await page.getByTestId('pause').click();
    await expect.poll(() => state<string>(page, 'control'), { timeout: 60_000 }).toBe('paused');
    expect(errors).toEqual([]);
  });

  it('4. Pause while running: "Pausing…" until the worker has stopped, then the counter stands still and the runs say paused', async () => {
    const { page, errors } = await open(`/${configToUrlHash(LONG)}`);
    await whenReady(page);
    await page.getByTestId('start').click();
    await expect.poll(() => stepOf(page), { timeout: 120_000 }).toBeGreaterThanOrEqual(5);
    // Every change of the store's run control and of what the controls show, in order.
    await page.evaluate(`(() => {
      const t = window.__trace = [];
      window.irePlayground.store.subscribe((a, b) => { if (a.control !== b.control) t.push({ src: 'store', control: a.control, step: a.step }); });
      const ui = () => {
        const p = document.querySelector('[data-testid=pause]');
        const s = document.querySelector('[data-testid=start]');
        const button = p ? 'pause button "' + p.textContent + '"' + (p.disabled ? ' disabled' : '') : 'start button "' + (s ? s.textContent : '') + '"';
        return button + ', counter "' + document.querySelector('[data-testid=step-counter]').textContent + '"';
      };
      let last = ui();
      new MutationObserver(() => { const now = ui(); if (now !== last) { last = now; t.push({ src: 'ui', text: now }); } })
        .observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    })()`);
    const t0 = performance.now();
    await page.getByTestId('pause').click();
    await expect.poll(() => state<string>(page, 'control'), { timeout: 60_000 }).toBe('paused');
    console.log(`walkthrough 4: paused ${ms(t0)} ms after the click`);
    type Entry = { src: 'store'; control: string; step: number } | { src: 'ui'; text: string };
    const trace = await inPage<Entry[]>(page, 'window.__trace');
    const pausing = trace.findIndex((e) => e.src === 'store' && e.control === 'pausing');
    const paused = trace.findIndex((e) => e.src === 'store' && e.control === 'paused');
    expect(pausing, JSON.stringify(trace)).toBeGreaterThanOrEqual(0);
    expect(paused, JSON.stringify(trace)).toBeGreaterThan(pausing);
    // Between the click and the worker's report: the page says it is pausing, and nothing else.
    const between = trace.slice(pausing + 1, paused).filter((e): e is Extract<Entry, { src: 'ui' }> => e.src === 'ui');
    expect(between.length, JSON.stringify(trace)).toBeGreaterThan(0);
    for (const e of between) expect(e.text).toMatch(/^pause button "Pausing…" disabled, counter "step \d+ \/ 400 · pausing…"$/);
    // The store moved only on the worker's word: no other control state in between.
    expect(trace.slice(pausing + 1, paused).filter((e) => e.src === 'store')).toEqual([]);

    const at = await stepOf(page);
    const lengths = async () => [(await trainSteps(page, 'A')).length, (await trainSteps(page, 'B')).length];
    const before = await lengths();
    await expect.poll(() => badges(page), { timeout: 30_000 }).toEqual(['paused', 'paused']);
    await page.waitForTimeout(1500);
    expect(await stepOf(page)).toBe(at);
    expect(await lengths()).toEqual(before);
    expect(before).toEqual([at, at]);
    expect(await counterText(page)).toBe(`step ${at} / 400 · paused`);
    expect(await page.getByTestId('start').textContent()).toBe('▶ Resume');
    expect(await badges(page)).toEqual(['paused', 'paused']);
    expect(errors).toEqual([]);
  });

  it('5. a link made in another page, pasted into the open tab, opens its configuration in place', async () => {
    // The link: trained two steps, B's κ changed at step 2.
    const made = await open(`/${configToUrlHash(CONFIG)}`);
    await whenReady(made.page);
    for (let k = 1; k <= 2; k++) await step(made.page, k);
    await enter(made.page, 'field-B-kappa', '5');
    await expect.poll(() => state<number>(made.page, 'config.runs[1].optimizer.ire.kappa')).toBe(5);
    await expect.poll(() => made.page.evaluate('location.hash'), { timeout: 10_000 }).toMatch(/^#c=[\w-]+&e=[\w-]+$/);
    const hash = (await made.page.evaluate('location.hash')) as string;
    const madeLosses = await state<number[]>(made.page, 'series.B.train.loss');

    // The open tab: the default comparison, a GPT, nothing trained.
    const { page, errors } = await open('/');
    await page.evaluate('window.__sameDocument = true');
    expect(await state<string>(page, 'config.model')).toBe('gpt-tiny');
    await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
    await expect.poll(() => state<string>(page, 'config.model'), { timeout: 10_000 }).toBe('mlp-mnist');
    expect(await page.evaluate('window.__sameDocument')).toBe(true);
    // The configuration the link's comparison started with, its change planned at step 2.
    expect(await state<ComparisonConfig>(page, 'config')).toEqual(CONFIG);
    expect(await page.getByTestId('model').inputValue()).toBe('mlp-mnist');
    expect(await page.getByTestId('field-B-kappa').inputValue()).toBe('2');
    expect(await counterText(page)).toMatch(/^step 0 \/ 60/);
    expect(await page.getByTestId('planned-events').textContent()).toBe('planned · step 2: B κ 2 → 5');
    expect(await page.locator('.event-log summary').textContent()).toBe('Event log (0) · 1 planned from the link');
    expect(await page.getByTestId('notice').count()).toBe(0);
    expect(await page.evaluate('location.hash')).toBe(hash);

    // Trained from there, it takes the change at the same step and gives the same losses.
    await whenReady(page);
    for (let k = 1; k <= 3; k++) await step(page, k);
    expect(await setEvents(page)).toEqual([{ kind: 'set', step: 2, runId: 'B', field: 'kappa', old: 2, new: 5 }]);
    expect(await state<unknown[]>(page, 'planned')).toEqual([]);
    expect(await page.getByTestId('field-B-kappa').inputValue()).toBe('5');
    expect((await state<number[]>(page, 'series.B.train.loss')).slice(0, 2)).toEqual(madeLosses.slice(0, 2));
    expect(made.errors).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('6. a reload keeps the curves; Start re-derives them bit for bit with the curves kept, and the event log keeps its entries', async () => {
    const { page, errors } = await open(`/${configToUrlHash(CONFIG)}`);
    await whenReady(page);
    for (let k = 1; k <= 3; k++) await step(page, k);
    await enter(page, 'field-B-kappa', '3');
    await expect.poll(() => state<number>(page, 'config.runs[1].optimizer.ire.kappa')).toBe(3);
    for (let k = 4; k <= 6; k++) await step(page, k);
    const logged = [{ kind: 'set', step: 3, runId: 'B', field: 'kappa', old: 2, new: 3 }];
    expect(await setEvents(page)).toEqual(logged);
    const series = await state<Record<string, RunSeries>>(page, 'series');
    await expect.poll(() => flushedStep(page), { timeout: 20_000 }).toBe(6);

    await page.reload();
    await page.getByTestId('run-B').waitFor();
    await expect.poll(() => trainSteps(page, 'A'), { timeout: 30_000 }).toEqual([1, 2, 3, 4, 5, 6]);
    for (const id of ['A', 'B']) expect(await state<RunSeries['train']>(page, `series.${id}.train`), `run ${id} restored`).toEqual(series[id].train);
    await page.getByTestId('chart-loss').scrollIntoViewIfNeeded();
    await expect.poll(() => lossTraces(page), { timeout: 30_000 }).toEqual([
      ['A: AdamW (raw)', 1, 6],
      ['A: AdamW', 1, 6],
      ['B: AdmIRE (raw)', 1, 6],
      ['B: AdmIRE', 1, 6],
    ]);
    expect(await counterText(page)).toMatch(/^step 6 \/ 60/);
    expect(await page.getByTestId('event-log').textContent()).toBe('step 3: B κ 2 → 3');
    expect(await page.getByTestId('field-B-kappa').inputValue()).toBe('3');

    // From Start on: the fewest points each run's curve held, every mismatch, and where the logged change was.
    await page.evaluate(`(() => {
      const r = window.__replay = { fewest: { A: Infinity, B: Infinity }, mismatch: null, replaySeen: false, logLost: false, texts: [] };
      window.irePlayground.store.subscribe((s) => {
        for (const id of ['A', 'B']) r.fewest[id] = Math.min(r.fewest[id], s.series[id] ? s.series[id].train.step.length : 0);
        if (s.replay) r.replaySeen = true;
        if (s.replay && s.replay.mismatch) r.mismatch = s.replay.mismatch;
        if (s.events.length + s.planned.length === 0) r.logLost = true;
        const log = document.querySelector('.event-log summary');
        const text = log ? log.textContent : '(no event log)';
        if (r.texts[r.texts.length - 1] !== text) r.texts.push(text);
      });
    })()`);
    await whenReady(page);
    const t0 = performance.now();
    await page.getByTestId('start').click();
    await expect.poll(() => badges(page), { timeout: 120_000 }).toEqual(['finished at step 60', 'finished at step 60']);
    console.log(`walkthrough 6: 60 steps re-derived and trained in ${ms(t0)} ms`);
    const replay = await inPage<{ fewest: Record<string, number>; mismatch: unknown; replaySeen: boolean; logLost: boolean; texts: string[] }>(page, 'window.__replay');
    console.log(`walkthrough 6: event log summary during the replay: ${JSON.stringify(replay.texts)}`);
    expect(replay.replaySeen).toBe(true);
    expect(replay.fewest).toEqual({ A: 6, B: 6 });
    expect(replay.mismatch).toBeNull();
    expect(replay.logLost).toBe(false);
    expect(await page.getByTestId('replay-mismatch').count()).toBe(0);
    expect(await state<unknown>(page, 'replay')).toBeNull();
    for (const id of ['A', 'B']) {
      const train = await state<RunSeries['train']>(page, `series.${id}.train`);
      expect(train.step).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
      expect(train.loss.slice(0, 6), `run ${id}'s re-derived losses`).toEqual(series[id].train.loss);
    }
    expect(await setEvents(page)).toEqual(logged);
    expect(await state<unknown[]>(page, 'planned')).toEqual([]);
    expect(await page.getByTestId('event-log').textContent()).toBe('step 3: B κ 2 → 3');
    expect(errors).toEqual([]);
  });

  it('7. removing run A asks first; B keeps its colour and the difference chart no longer measures against A', async () => {
    const { page, errors } = await open(`/${configToUrlHash(CONFIG)}`);
    await whenReady(page);
    for (let k = 1; k <= 2; k++) await step(page, k);
    await page.getByTestId('fork-B').click();
    await page.getByTestId('run-C').waitFor({ timeout: 60_000 });
    for (let k = 3; k <= 4; k++) await step(page, k);
    const colours = (id: string) =>
      page.getByTestId(`run-${id}`).evaluate((el) => {
        const swatch = getComputedStyle(el.querySelector('.swatch')!);
        return { border: getComputedStyle(el).borderTopColor, swatch: `${swatch.borderTopColor} ${swatch.borderTopStyle}`, id: getComputedStyle(el.querySelector('.run-id')!).color };
      });
    const before = { B: await colours('B'), C: await colours('C') };
    const caption = page.getByTestId('chart-diff').locator('figcaption');
    expect(await caption.textContent()).toBe('Loss difference vs A (AdamW)');

    await page.getByTestId('remove-A').click();
    const confirm = page.getByRole('group', { name: 'Remove run A?' });
    await confirm.waitFor();
    expect(await confirm.textContent()).toMatch(/^Remove A and its curves\?/);
    expect(await state<string[]>(page, 'config.runs.map((r) => r.id)')).toEqual(['A', 'B', 'C']);
    await page.getByTestId('remove-confirm-A').click();
    await expect.poll(() => state<string[]>(page, 'config.runs.map((r) => r.id)'), { timeout: 60_000 }).toEqual(['B', 'C']);
    await expect.poll(() => page.getByTestId('run-A').count()).toBe(0);
    expect({ B: await colours('B'), C: await colours('C') }).toEqual(before);
    await expect.poll(() => caption.textContent()).toBe('Loss difference vs B (AdmIRE)');
    expect(await page.getByTestId('event-log').locator('li').allTextContents()).toEqual(['step 2: C forked from B', 'step 4: A (AdamW) removed']);
    expect(Object.keys(await state<Record<string, RunSeries>>(page, 'series')).sort()).toEqual(['B', 'C']);
    // The difference chart draws C minus B.
    await page.getByTestId('chart-diff').scrollIntoViewIfNeeded();
    await expect.poll(() => page.getByTestId('chart-diff-summary').textContent(), { timeout: 30_000 }).toMatch(/^Loss difference vs B \(AdmIRE\)\. C minus B at step 4: /);
    expect(errors).toEqual([]);
  });

  it('8. the toy tab: an invalid η shows its message next to the field', async () => {
    const { page, errors } = await open('/');
    await page.getByTestId('tab-toy').click();
    const eta = page.getByTestId('toy-eta');
    const before = await state<unknown>(page, 'toy.params');
    await enter(page, 'toy-eta', '0');
    const error = page.getByTestId('toy-eta-error');
    await error.waitFor();
    expect(await error.textContent()).toBe('η must be a number in [0.05, 2.5]');
    expect(await error.getAttribute('role')).toBe('alert');
    expect(await eta.getAttribute('aria-invalid')).toBe('true');
    expect(await eta.getAttribute('aria-describedby')).toBe(await error.getAttribute('id'));
    // Next to the field: in the same control group, right after the input.
    expect(await eta.evaluate((el) => el.nextElementSibling?.getAttribute('data-testid') ?? null)).toBe('toy-eta-error');
    expect(await state<unknown>(page, 'toy.params')).toEqual(before);
    await enter(page, 'toy-eta', '0.5');
    await expect.poll(() => error.count()).toBe(0);
    expect(await state<number>(page, 'toy.params.eta')).toBe(0.5);
    expect(errors).toEqual([]);
  });

  it('9. a text file uploaded on a GPT preset is what the GPT then trains on', async () => {
    const gpt: ComparisonConfig = { ...DEFAULT_COMPARISON, batchSize: 2, totalSteps: 20, evalEvery: 0, checkpointEvery: 0 };
    const { page, errors } = await open(`/${configToUrlHash(gpt)}`);
    await whenReady(page);
    // A short text with characters Moby Dick lacks: the vocabulary must come from it.
    const text = 'Zephyr quizzically jinxed ☃ — '.repeat(40);
    await page.getByTestId('upload-file').setInputFiles({ name: 'tiny.txt', mimeType: 'text/plain', buffer: Buffer.from(text, 'utf8') });
    await expect.poll(() => page.getByTestId('upload-message').textContent(), { timeout: 30_000 }).toMatch(/^Loaded "tiny\.txt"/);
    await expect.poll(() => state<string>(page, 'config.dataset'), { timeout: 10_000 }).toBe('user-text');
    expect(await page.getByTestId('model').inputValue()).toBe('gpt-tiny');
    await step(page, 1);
    expect(await state<string | null>(page, 'failure')).toBeNull();
    const losses = (await state<RunSeries>(page, 'series.A')).train.loss;
    expect(losses.length).toBe(1);
    // Uniform over the uploaded text's characters at step 1: ln(vocab), far from Moby Dick's ln(89).
    const vocab = new Set([...text]).size;
    expect(Math.abs(losses[0] - Math.log(vocab))).toBeLessThan(0.5);
    expect(errors).toEqual([]);
  });
});
