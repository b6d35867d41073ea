// Seeds in the page, as a user meets them: a tiny comparison (MLP on MNIST) set to 3 seeds in
// Advanced settings, trained to the end. What the charts draw and what the results table says
// must be what the exported CSVs give: the loss chart's mean over seeds and its ±1 s.e. band (then
// min–max) equal the per-seed smoothed losses of the metrics CSV, the difference chart's seed lines
// are the paired B − A per seed, and the results table's mean ± s.e. and paired difference equal
// what the metrics CSV's losses give (docs/experiments.md, "Seeds and intervals").
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { CSV_COLUMNS, parseCsv } from '../../src/store/csv';
import { DEFAULT_ADAMW, DEFAULT_COMPARISON, DEFAULT_IRE, type ComparisonConfig } from '../../src/train/config';
import { configToUrlHash } from '../../src/train/urlState';
import { openApp, type AppSession } from '../helpers/browser';

const STEPS = 24;
const CONFIG: ComparisonConfig = {
  ...DEFAULT_COMPARISON,
  model: 'mlp-mnist',
  dataset: 'mnist',
  seed: 500,
  batchSize: 8,
  totalSteps: STEPS,
  evalEvery: 12,
  runs: [
    { id: 'A', name: 'AdamW', optimizer: { ...DEFAULT_ADAMW, warmupSteps: 2 } },
    { id: 'B', name: 'AdmIRE', optimizer: { ...DEFAULT_ADAMW, warmupSteps: 2, ire: { ...DEFAULT_IRE, enabled: true, refreshEvery: 3, kappaFollowsLr: false } } },
  ],
};

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

  beforeAll(async () => {
    s = await openApp(`/${configToUrlHash(CONFIG)}`);
  }, 120_000);
  afterAll(() => s?.close());

  it('trains every step of every seed of both runs, each seed with its own seed', { timeout: 300_000 }, async () => {
    await s.page.getByTestId('advanced').locator('summary').click();
    const seeds = s.page.getByTestId('adv-seeds');
    await seeds.fill('3');
    await seeds.press('Enter');
    await expect.poll(() => state<number>(s.page, 'config.seeds')).toBe(3);
    await expect.poll(() => s.page.getByTestId('start').isEnabled(), { timeout: 60_000 }).toBe(true);
    await s.page.getByTestId('start').click();
    await expect.poll(() => state<string>(s.page, 'runs.B.status.state'), { timeout: 240_000, interval: 500 }).toBe('finished');
    const rows = parseCsv(await downloadText(s.page, 'export-csv'));
    const col = (c: (typeof CSV_COLUMNS)[number]) => rows[0].indexOf(c);
    bySeed = new Map();
    for (const r of rows.slice(1)) {
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
      expect([...bySeed.get(run)!.keys()]).toEqual(['500', '501', '502']);
      for (const c of bySeed.get(run)!.values()) expect(c.step).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
    }
    const first = (seed: string) => bySeed.get('A')!.get(seed)!.loss[0];
    expect(new Set([first('500'), first('501'), first('502')]).size).toBe(3); // other parameters, other batches
    // Within a seed A and B start from the same parameters on the same batch.
    for (const seed of ['500', '501', '502']) expect(bySeed.get('B')!.get(seed)!.loss[0]).toBe(bySeed.get('A')!.get(seed)!.loss[0]);
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
    const seeds = ['500', '501', '502'];
    const paired = seeds.map((seed) => {
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
    expect(await s.page.locator('section.results p').textContent()).toMatch(/^3 seeds: 500, 501, 502;/);
  });
});
