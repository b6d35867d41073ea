// The Samples tab of an image model: a few real training steps in the worker (SwiftShader),
// then "Predict with every run" shows 16 test images, each with its true label and the class
// runs A and B predict, marked ✓ or ✗.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ADAMW, DEFAULT_COMPARISON, DEFAULT_IRE, type ComparisonConfig } from '../../src/train/config';
import { configToUrlHash } from '../../src/train/urlState';
import { openApp, type AppSession } from '../helpers/browser';

const CONFIG: ComparisonConfig = {
  ...DEFAULT_COMPARISON,
  model: 'mlp-mnist',
  dataset: 'mnist',
  batchSize: 8,
  totalSteps: 100,
  evalEvery: 0,
  runs: [
    { id: 'A', name: 'AdamW', optimizer: { ...DEFAULT_ADAMW, warmupSteps: 1 } },
    { id: 'B', name: 'AdmIRE', optimizer: { ...DEFAULT_ADAMW, warmupSteps: 1, ire: { ...DEFAULT_IRE, enabled: true, refreshEvery: 2 } } },
  ],
};

const stepOf = async (s: AppSession) => Number((await s.page.getByTestId('step-counter').locator('strong').textContent()) ?? '0');

describe('image predictions in the Samples tab', () => {
  let s: AppSession;
  beforeAll(async () => {
    s = await openApp(`/${configToUrlHash(CONFIG)}`);
    await s.page.getByTestId('adapter').waitFor({ timeout: 60_000 });
  });
  afterAll(async () => s?.close());

  it('shows 16 test images with the true label and each run’s prediction at its current step', async () => {
    for (let k = 1; k <= 3; k++) {
      await expect.poll(() => s.page.getByTestId('step').isEnabled(), { timeout: 60_000 }).toBe(true);
      await s.page.getByTestId('step').click();
      await expect.poll(() => stepOf(s), { timeout: 60_000 }).toBe(k);
    }
    await s.page.getByTestId('tab-samples').click();
    await s.page.getByTestId('predict-images').click();
    const cells = s.page.locator('[data-testid^=image-cell-]');
    await expect.poll(() => cells.count(), { timeout: 60_000 }).toBe(16);
    expect(await s.page.getByTestId('predictions-status').textContent()).toMatch(/^16 test images at step 3/);
    for (let i = 0; i < 16; i++) {
      for (const run of ['A', 'B']) {
        expect(await s.page.getByTestId(`prediction-${i}-${run}`).textContent()).toMatch(new RegExp(`^${run} [0-9] [✓✗]$`));
      }
      expect(await s.page.getByTestId(`image-cell-${i}`).getAttribute('aria-label')).toMatch(
        /^Test image \d+: true label [0-9]; A \(AdamW\) predicts [0-9], (right|wrong); B \(AdmIRE\) predicts [0-9], (right|wrong)$/,
      );
    }
    // The marks agree with the labels: ✓ exactly where the prediction is the true digit.
    const rows = await s.page.evaluate(`[...document.querySelectorAll('[data-testid^=image-cell-]')].map((c) => [c.querySelector('.image-truth strong').textContent, ...[...c.querySelectorAll('.image-runs li')].map((l) => l.textContent)])`) as string[][];
    for (const [truth, ...lines] of rows) for (const l of lines) expect(l.endsWith('✓')).toBe(l.split(' ')[1] === truth);
    expect(await s.page.getByTestId('predictions-summary-A').textContent()).toMatch(/A AdamW: \d+ of 16 right at step 3/);
    // The digits are drawn: the first image has dark and bright pixels.
    const range = (await s.page.evaluate(`(() => { const c = document.querySelector('.image-canvas'); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let lo = 255, hi = 0; for (let k = 0; k < d.length; k += 4) { lo = Math.min(lo, d[k]); hi = Math.max(hi, d[k]); } return [lo, hi, c.width]; })()`)) as number[];
    expect(range).toEqual([0, expect.any(Number), 28]);
    expect(range[1]).toBeGreaterThan(200);
    expect(s.errors).toEqual([]);
  });
});
