// UI behaviour that does not need training: the page is driven with worker reports through the
// store handle the composition root exposes (window.irePlayground), and every message the page
// posts to the worker is recorded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openApp, useApp, type AppSession } from '../helpers/browser';

const HOSTILE = '<img src=x onerror=alert(1)>';
/** Markup Plotly itself interprets in labels (bold, links): must show literally too. */
const PLOTLY_MARKUP = '<b>b</b><a href="https://e.x">x</a>';

/** Records messages posted to workers in window.__posted (before the app starts). */
async function recordPosts(page: Page) {
  await page.addInitScript(() => {
    const w = window as unknown as { __posted: unknown[] };
    w.__posted = [];
    const post = Worker.prototype.postMessage;
    Worker.prototype.postMessage = function (this: Worker, m: unknown, ...rest: [StructuredSerializeOptions?]) {
      w.__posted.push(m);
      return post.call(this, m, ...rest);
    } as typeof Worker.prototype.postMessage;
  });
  await page.reload();
}

const posted = (page: Page) => page.evaluate(() => (window as unknown as { __posted: { type: string }[] }).__posted);

/**
 * Feeds worker reports to the store (a string: the page function must not be transpiled). Each is
 * stamped with the store's current generation, as the worker stamps its reports about the comparison.
 */
function report(page: Page, reports: object[]) {
  return page.evaluate(`(() => { const st = window.irePlayground.store; for (const r of ${JSON.stringify(reports)}) st.getState().receive({ ...r, generation: st.getState().generation }); })()`);
}

function trainPoints(runs: string[], steps: number) {
  const out: object[] = [];
  for (let k = 1; k <= steps; k++) for (const [i, runId] of runs.entries()) out.push({ runId, step: k, wallMs: k * 10, loss: 3 / (1 + k / 10) + i * 0.01, gradNorm: 1, lr: 1e-3, maskFraction: i ? 0.6 : 0 });
  return out;
}

describe('playground UI', () => {
  let s: AppSession;
  const dialogs: string[] = [];
  beforeAll(async () => {
    s = await openApp('/');
    s.page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await recordPosts(s.page);
    await s.page.getByTestId('run-B').waitFor();
  });
  afterAll(async () => s?.close());

  it('shows both runs and the config diff line', async () => {
    expect(await s.page.getByTestId('diff-line').textContent()).toBe('B differs from A in: optimizer, κ = 2, γ = 0.8');
    expect(await s.page.getByTestId('optimizer-A').textContent()).toMatch(/^AdamW/);
    expect(await s.page.getByTestId('optimizer-B').textContent()).toMatch(/^AdmIRE/);
  });

  it('refuses an invalid γ next to the control and never sends it; a valid one is sent', async () => {
    await report(s.page, [{ type: 'configured', config: await s.page.evaluate('window.irePlayground.store.getState().config'), runs: [{ runId: 'A', parameters: 10, step: 0 }, { runId: 'B', parameters: 10, step: 0 }] }]);
    const input = s.page.getByTestId('field-B-gamma');
    await input.fill('1.5');
    await input.press('Enter');
    const error = s.page.getByTestId('error-B-gamma');
    await error.waitFor();
    expect(await error.getAttribute('role')).toBe('alert');
    expect(await error.textContent()).toBe('γ (flat fraction) must be in [0, 1]');
    expect(await input.getAttribute('aria-invalid')).toBe('true');
    expect(await input.getAttribute('aria-describedby')).toBe(await error.getAttribute('id'));
    expect((await posted(s.page)).filter((m) => m.type === 'edit')).toEqual([]);

    await input.fill('abc');
    await input.press('Enter');
    expect((await posted(s.page)).filter((m) => m.type === 'edit')).toEqual([]);

    await input.fill('0.9');
    await input.press('Enter');
    await expect.poll(() => error.count()).toBe(0);
    expect(await input.getAttribute('aria-invalid')).toBeNull();
    const edits = (await posted(s.page)).filter((m) => m.type === 'edit') as { type: string; requestId?: number }[];
    expect(edits).toEqual([{ type: 'edit', runId: 'B', field: 'gamma', value: 0.9, requestId: expect.any(Number) }]);
    // Pending until the worker applies it; then the acknowledged value reaches the diff line.
    await expect.poll(() => s.page.getByTestId('pending-B-gamma').textContent()).toBe('→ 0.9 at the next step');
    await report(s.page, [{ type: 'applied', step: 0, requestIds: [edits[0].requestId], scheduledIds: [], events: [{ step: 0, runId: 'B', field: 'gamma', old: 0.8, new: 0.9 }] }]);
    await expect.poll(() => s.page.getByTestId('diff-line').textContent()).toBe('B differs from A in: optimizer, κ = 2, γ = 0.9');
    expect(await s.page.getByTestId('pending-B-gamma').count()).toBe(0);
    expect(await input.inputValue()).toBe('0.9');
  });

  it('draws live charts from metric reports, with event markers and a text summary', async () => {
    await report(s.page, [
      { type: 'metrics', train: trainPoints(['A', 'B'], 30), eval: [], sharpness: [] },
      { type: 'applied', step: 12, requestIds: [], scheduledIds: [], events: [{ step: 12, runId: 'B', field: 'kappa', old: 2, new: 8 }] },
    ]);
    // Charts scrolled out of view are not redrawn (LiveChart.tsx): look at the loss chart.
    await s.page.getByTestId('chart-loss').scrollIntoViewIfNeeded();
    const summary = s.page.getByTestId('chart-loss-summary');
    await expect.poll(() => summary.textContent(), { timeout: 30_000 }).toMatch(/A \(AdamW\) at step 30: loss 0\.75/);
    const chart = s.page.getByTestId('chart-loss');
    await expect.poll(() => chart.locator('.scatterlayer .trace').count()).toBe(4); // raw + smoothed per run
    await expect.poll(() => chart.locator('.shapelayer path').count()).toBeGreaterThanOrEqual(1);
    // A dotted vertical line at each change's step: γ at 0 (the test above), κ at 12.
    const markers = `(() => { const el = document.querySelector('[data-testid=chart-loss] .js-plotly-plot'); return (el && el.layout && el.layout.shapes || []).filter((s) => s.type === 'line' && s.line && s.line.dash === 'dot').map((s) => s.x0); })()`;
    await expect.poll(() => s.page.evaluate(markers)).toEqual([0, 12]);
    expect(await s.page.getByTestId('event-log').textContent()).toMatch(/step 12: B κ 2 → 8/);
  });

  it(`renders the run name ${HOSTILE} as text everywhere, charts included, and runs no script`, async () => {
    const name = s.page.getByTestId('name-A');
    await name.fill(HOSTILE);
    await name.press('Enter');
    const nameB = s.page.getByTestId('name-B');
    await nameB.fill(PLOTLY_MARKUP);
    await nameB.press('Enter');
    await report(s.page, [{ type: 'metrics', train: trainPoints(['A', 'B'], 31).slice(-2), eval: [], sharpness: [] }]);
    await s.page.getByTestId('chart-loss').scrollIntoViewIfNeeded();
    const legend = s.page.getByTestId('chart-loss-legend');
    await expect.poll(() => legend.textContent(), { timeout: 30_000 }).toContain(`A: ${HOSTILE}`);
    await expect.poll(() => legend.textContent()).toContain(`B: ${PLOTLY_MARKUP}`);
    expect(await s.page.locator('img[src="x"]').count()).toBe(0);
    expect(await s.page.getByTestId('chart-loss').locator('a[href*="e.x"]').count()).toBe(0);
    expect(await s.page.getByTestId('chart-loss-summary').textContent()).toContain(HOSTILE);
    expect(dialogs).toEqual([]);
  });

  it('the toy tab draws the contour of L(u, v)', async () => {
    await s.page.getByTestId('tab-toy').click();
    const contour = s.page.getByTestId('toy-contour');
    await expect.poll(() => contour.locator('.contourlayer path').count(), { timeout: 30_000 }).toBeGreaterThan(5);
    await s.page.screenshot({ path: 'test-results/ui-toy.png' }).catch(() => undefined);
    expect(s.errors).toEqual([]);
  });
});

describe('configuration in the link', () => {
  const s = useApp('/');

  it('a changed setting reaches the address bar and a new page opened on it gets the same configuration', async () => {
    const kappa = s.page.getByTestId('field-B-kappa');
    await kappa.fill('7.5');
    await kappa.press('Enter');
    await expect.poll(() => s.page.url()).toMatch(/#c=/);
    const other = await s.context.newPage();
    await other.goto(s.page.url());
    await other.getByTestId('run-B').waitFor();
    expect(await other.getByTestId('field-B-kappa').inputValue()).toBe('7.5');
    expect(await other.getByTestId('diff-line').textContent()).toBe('B differs from A in: optimizer, κ = 7.5, γ = 0.8');
    await other.close();
  });

  it('a damaged link opens the defaults with a notice and runs nothing from it', async () => {
    const other = await s.context.newPage();
    let dialogs = 0;
    other.on('dialog', (d) => {
      dialogs++;
      void d.dismiss();
    });
    await other.goto(new URL('/#c=%3Cscript%3Ealert(1)%3C/script%3E', s.app.url).toString());
    await other.getByTestId('notice').waitFor();
    expect(await other.getByTestId('notice').textContent()).toMatch(/default configuration/);
    expect(await other.getByTestId('field-B-kappa').inputValue()).toBe('2');
    expect(dialogs).toBe(0);
    await other.close();
  });
});
