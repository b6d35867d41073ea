// Seeds in the page, as a user meets them: the little-data scenario opened from the Scenarios menu
// (an MLP 784→64→10, full batch on 512 digits), made tiny in Advanced settings (3 seeds, 30 steps,
// sharpness at the end), trained to the end. What the charts draw and what the results table says
// must be what the exported CSVs give: the loss chart's mean over seeds and its ±1 s.e. band (then
// min–max) equal the per-seed smoothed losses of the metrics CSV, the difference chart's seed lines
// are the paired B − A per seed, and the results table's mean ± s.e. and paired difference equal
// what the metrics CSV's losses give (docs/experiments.md, "Seeds and intervals").
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { CSV_COLUMNS, parseCsv } from '../../src/store/csv';
import { scenarioByName, scenarioConfig } from '../../src/train/scenarios';
import { openApp, type AppSession } from '../helpers/browser';

const STEPS = 30;
const SEEDS = ['1337', '1338', '1339']; // the scenario's seed, then seed + 1, seed + 2

interface Trace {
  name: string;
  x: number[];
  y: number[];
  meta?: { band?: string; seeds?: number; seed?: number };
}

const inPage = <T>(page: Page, expr: string) => page.evaluate(expr) as Promise<T>;
const state = <T>(page: Page, path: string) => inPage<T>(page, `window.irePlayground.store.getState().${path}`);
const plotted = (page: Page, chart: string) =>
  inPage<Trace[]>(page, `(() => { const el = document.querySelector('[data-testid=chart-${chart}] .js-plotly-plot'); return el && el.data ? el.data.map((t) => ({ name: t.name, x: Array.from(t.x), y: Array.from(t.y), meta: t.meta })) : []; })()`);
/** A chart's traces once it has drawn the seeds' bands (a chart draws when it is scrolled into view). */
async function traces(page: Page, chart: string): Promise<Trace[]> {
  await page.getByTestId(`chart-${chart}`).scrollIntoViewIfNeeded();
  await expect.poll(async () => (await plotted(page, chart)).some((t) => t.name.startsWith('band ')), { timeout: 20_000 }).toBe(true);
  return plotted(page, chart);
}

async function downloadText(page: Page, testId: string): Promise<string> {
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.getByTestId(testId).click()]);
  return readFileSync(await download.path(), 'utf8');
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const se = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1) / xs.length);
};

describe('three seeds in the page', () => {
  let s: AppSession;
  /** The metrics CSV: run → seed → column → values in step order (training rows only). */
  let bySeed: Map<string, Map<string, Record<string, number[]>>>;
  /** The metrics CSV's sharpness rows: run → seed → trace at the last step. */
  const traceAtEnd = new Map<string, Map<string, number>>();

  beforeAll(async () => {
    s = await openApp('/');
  }, 120_000);
  afterAll(() => s?.close());

  it('opens the little-data scenario from the menu, with its text and its configuration', async () => {
    await s.page.getByTestId('scenario-select').selectOption('little-data');
    expect(await s.page.getByTestId('scenario-text').textContent()).toContain('Measured here:');
    await s.page.getByTestId('scenario-open').click();
    const little = scenarioConfig(scenarioByName('little-data')!);
    await expect.poll(() => state<unknown>(s.page, 'config'), { timeout: 10_000 }).toEqual(little);
    expect(await s.page.getByTestId('scenario-opened').textContent()).toContain('opened from scenario');
  });

  it('trains every step of every seed of both runs, each seed with its own seed', { timeout: 300_000 }, async () => {
    await s.page.getByTestId('advanced').locator('summary').click();
    const enter = async (testId: string, text: string) => {
      await s.page.getByTestId(testId).fill(text);
      await s.page.getByTestId(testId).press('Enter');
    };
    await enter('adv-seeds', '3');
    await enter('adv-totalSteps', String(STEPS));
    // The scenario measures sharpness every N steps already: the number field is there. (Playwright's
    // selectOption fires a change even for the option already chosen, which would set the field's
    // default while it is typed into, as no person can.)
    const kind = s.page.getByTestId('adv-sharpnessEvery');
    if ((await kind.inputValue()) !== '#number') await kind.selectOption('#number');
    const every = s.page.getByTestId('adv-sharpnessEvery-number');
    await expect.poll(async () => (await every.inputValue()) === String(await state<number | string>(s.page, 'config.sharpnessEvery')), { timeout: 10_000 }).toBe(true);
    await enter('adv-sharpnessEvery-number', String(STEPS));
    const settings = async () => [await state<number>(s.page, 'config.seeds'), await state<number>(s.page, 'config.totalSteps'), await state<number>(s.page, 'config.sharpnessEvery')];
    await expect.poll(settings).toEqual([3, STEPS, STEPS]);
    expect(await s.page.getByTestId('scenario-opened').textContent()).toContain('settings changed since');
    await expect.poll(() => s.page.getByTestId('start').isEnabled(), { timeout: 60_000 }).toBe(true);
    await s.page.getByTestId('start').click();
    await expect.poll(() => state<string>(s.page, 'runs.B.status.state'), { timeout: 240_000, interval: 500 }).toBe('finished');
    const rows = parseCsv(await downloadText(s.page, 'export-csv'));
    const col = (c: (typeof CSV_COLUMNS)[number]) => rows[0].indexOf(c);
    bySeed = new Map();
    for (const r of rows.slice(1)) {
      if (r[col('trace')] !== '' && Number(r[col('step')]) === STEPS) {
        if (!traceAtEnd.has(r[col('run')])) traceAtEnd.set(r[col('run')], new Map());
        traceAtEnd.get(r[col('run')])!.set(r[col('seed')], Number(r[col('trace')]));
      }
      if (r[col('loss')] === '') continue;
      const run = r[col('run')];
      const seed = r[col('seed')];
      if (!bySeed.has(run)) bySeed.set(run, new Map());
      const seeds = bySeed.get(run)!;
      if (!seeds.has(seed)) seeds.set(seed, { step: [], loss: [], loss_smoothed: [] });
      const c = seeds.get(seed)!;
      for (const k of ['step', 'loss', 'loss_smoothed']) c[k].push(Number(r[col(k as (typeof CSV_COLUMNS)[number])]));
    }
    for (const run of ['A', 'B']) {
      expect([...bySeed.get(run)!.keys()]).toEqual(SEEDS);
      expect([...traceAtEnd.get(run)!.keys()]).toEqual(SEEDS);
      for (const c of bySeed.get(run)!.values()) expect(c.step).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
    }
    const first = (seed: string) => bySeed.get('A')!.get(seed)!.loss[0];
    expect(new Set(SEEDS.map(first)).size).toBe(3); // other initial parameters
    // Within a seed A and B start from the same parameters on the same batch.
    for (const seed of SEEDS) expect(bySeed.get('B')!.get(seed)!.loss[0]).toBe(bySeed.get('A')!.get(seed)!.loss[0]);
    expect(s.errors).toEqual([]);
  });

  it('the loss chart draws the mean of the seeds’ smoothed losses with a ±1 s.e. band, then min–max', async () => {
    const check = async (band: 'stderr' | 'minmax') => {
      const data = await traces(s.page, 'loss');
      for (const run of ['A', 'B']) {
        const seeds = [...bySeed.get(run)!.values()].map((c) => c.loss_smoothed);
        const at = (i: number) => seeds.map((y) => y[i]);
        const meanLine = data.find((t) => t.name.startsWith(`${run}: `) && t.meta?.seeds === 3)!;
        expect(meanLine.x).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
        meanLine.y.forEach((y, i) => expect(y).toBeCloseTo(mean(at(i)), 12));
        const poly = data.find((t) => t.name === `band ${run}`)!;
        expect(poly.meta).toEqual({ band, seeds: 3 });
        expect(poly.y).toHaveLength(2 * STEPS);
        for (let i = 0; i < STEPS; i++) {
          const hi = band === 'stderr' ? mean(at(i)) + se(at(i)) : Math.max(...at(i));
          const lo = band === 'stderr' ? mean(at(i)) - se(at(i)) : Math.min(...at(i));
          expect(poly.y[i]).toBeCloseTo(hi, 12);
          expect(poly.y[2 * STEPS - 1 - i]).toBeCloseTo(lo, 12);
        }
      }
    };
    await check('stderr');
    await s.page.locator('.plot-options select').filter({ has: s.page.locator('option[value=minmax]') }).selectOption('minmax');
    await expect.poll(async () => (await plotted(s.page, 'loss')).find((t) => t.name === 'band A')?.meta?.band, { timeout: 10_000 }).toBe('minmax');
    await check('minmax');
  });

  it('the difference chart draws each seed’s paired B − A and their mean', async () => {
    const data = await traces(s.page, 'diff');
    const paired = SEEDS.map((seed) => {
      const a = bySeed.get('A')!.get(seed)!.loss_smoothed;
      return bySeed.get('B')!.get(seed)!.loss_smoothed.map((b, i) => b - a[i]);
    });
    for (let k = 0; k < 3; k++) {
      const line = data.find((t) => t.meta?.seed === k)!;
      line.y.forEach((y, i) => expect(y).toBeCloseTo(paired[k][i], 12));
    }
    const meanLine = data.find((t) => t.name.startsWith('B: ') && t.meta?.seeds === 3)!;
    meanLine.y.forEach((y, i) => expect(y).toBeCloseTo(mean(paired.map((d) => d[i])), 12));
  });

  it('the results table gives the mean ± s.e. over seeds and the paired difference, as its CSV and the metrics CSV say', async () => {
    await expect.poll(() => s.page.getByTestId('results-table').locator('tr[data-run=B] td[data-metric=final_train_loss]').textContent(), { timeout: 10_000 }).toMatch(/±/);
    const rows = parseCsv(await downloadText(s.page, 'results-csv'));
    const head = rows[0];
    const at = (run: string, metric: string, column: string) => rows.find((r) => r[0] === run && r[1] === metric)![head.indexOf(column)];
    const window = Number(JSON.parse(await downloadText(s.page, 'results-json')).window);
    const finals = (run: string) => [...bySeed.get(run)!.values()].map((c) => mean(c.loss.slice(-window)));
    expect(at('A', 'final_train_loss', 'seeds')).toBe('3');
    expect(at('A', 'final_train_loss', 'n')).toBe('3');
    expect(Number(at('A', 'final_train_loss', 'mean'))).toBeCloseTo(mean(finals('A')), 12);
    expect(Number(at('A', 'final_train_loss', 'se'))).toBeCloseTo(se(finals('A')), 12);
    const d = finals('B').map((b, i) => b - finals('A')[i]);
    expect(Number(at('B', 'final_train_loss', 'diff'))).toBeCloseTo(mean(d), 12);
    // 95 % t interval with 2 degrees of freedom: t = 4.303 (src/train/statistics.ts, to 3 decimals).
    expect(Number(at('B', 'final_train_loss', 'diff_high'))).toBeCloseTo(mean(d) + 4.303 * se(d), 12);
    expect(Number(at('B', 'final_train_loss', 'diff_low'))).toBeCloseTo(mean(d) - 4.303 * se(d), 12);
    const p = (x: number) => String(Number(x.toPrecision(4)));
    const shown = await s.page.getByTestId('results-table').locator('tr[data-run=A] td[data-metric=final_train_loss]').textContent();
    expect(shown).toBe(`${p(Number(at('A', 'final_train_loss', 'mean')))} ± ${p(Number(at('A', 'final_train_loss', 'se')))}`);
    const shownB = await s.page.getByTestId('results-table').locator('tr[data-run=B] td[data-metric=final_train_loss]').textContent();
    expect(shownB).toContain(`(B − A ${p(Number(at('B', 'final_train_loss', 'diff')))} [${p(Number(at('B', 'final_train_loss', 'diff_low')))}, ${p(Number(at('B', 'final_train_loss', 'diff_high')))}]`);
    expect(await s.page.locator('section.results p').textContent()).toMatch(/^3 seeds: 1337, 1338, 1339;/);
    // Sharpness at the end, per seed in the metrics CSV: the table's trace is their mean ± s.e.
    for (const run of ['A', 'B']) {
      const traces = SEEDS.map((seed) => traceAtEnd.get(run)!.get(seed)!);
      expect(Number(at(run, 'trace', 'mean'))).toBeCloseTo(mean(traces), 9);
      expect(Number(at(run, 'trace', 'se'))).toBeCloseTo(se(traces), 9);
    }
  });
});
