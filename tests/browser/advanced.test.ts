// The Advanced settings panel, the Copy link button and renaming a saved comparison, in the built
// app without training: values are read back from the store handle the composition root exposes
// (window.irePlayground), and metrics are injected as worker reports where a saved comparison is
// needed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openApp, useApp, type AppSession } from '../helpers/browser';

const HOSTILE = '<img src=x onerror=alert(1)>';

/** A value of the store's acknowledged config ("" for the whole config, ".runs[1].name", …). */
const config = <T>(page: Page, path = '') => page.evaluate(`window.irePlayground.store.getState().config${path}`) as Promise<T>;

function report(page: Page, reports: object[]) {
  return page.evaluate(`(() => { const s = window.irePlayground.store.getState(); for (const r of ${JSON.stringify(reports)}) s.receive(r); })()`);
}

function trainPoints(runs: string[], from: number, to: number) {
  const out: object[] = [];
  for (let k = from; k <= to; k++) for (const [i, runId] of runs.entries()) out.push({ runId, step: k, wallMs: k * 10, loss: 3 / (1 + k / 10) + i * 0.01, gradNorm: 1, lr: 1e-3, maskFraction: i ? 0.6 : 0 });
  return out;
}

async function openAdvanced(page: Page) {
  await page.getByTestId('advanced').locator('summary').click();
  await page.getByTestId('adv-totalSteps').waitFor();
}

/** Types a value into a field and commits it with Enter. */
async function enter(page: Page, testId: string, text: string) {
  const input = page.getByTestId(testId);
  await input.fill(text);
  await input.press('Enter');
}

describe('advanced settings', () => {
  const s = useApp('/');

  it('is closed by default', async () => {
    const details = s.page.getByTestId('advanced');
    expect(await details.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
    expect(await s.page.getByTestId('adv-totalSteps').isVisible()).toBe(false);
    await openAdvanced(s.page);
    expect(await details.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);
  });

  it('total steps (Enter) and a run’s warm-up (blur) reach the store config', async () => {
    await enter(s.page, 'adv-totalSteps', '300');
    await expect.poll(() => config(s.page, '.totalSteps')).toBe(300);
    const warm = s.page.getByTestId('adv-runs[1].optimizer.warmupSteps');
    await warm.fill('20');
    await warm.blur();
    await expect.poll(() => config(s.page, '.runs[1].optimizer.warmupSteps')).toBe(20);
    expect(await config(s.page, '.runs[0].optimizer.warmupSteps')).toBe(50);
    expect(await s.page.getByTestId('adv-totalSteps').getAttribute('aria-invalid')).toBeNull();
    expect(await s.page.getByTestId('adv-error-totalSteps').count()).toBe(0);
    expect(await s.page.getByTestId('step-counter').textContent()).toMatch(/\/ 300/);
  });

  it('an invalid value shows its message next to the field and changes nothing', async () => {
    const before = await config<object>(s.page);
    const steps = s.page.getByTestId('adv-totalSteps');
    const error = s.page.getByTestId('adv-error-totalSteps');
    await enter(s.page, 'adv-totalSteps', 'abc');
    await error.waitFor();
    expect(await error.textContent()).toBe('total steps must be an integer in [1, 10000000]');
    expect(await error.getAttribute('role')).toBe('alert');
    expect(await steps.getAttribute('aria-invalid')).toBe('true');
    expect(await steps.getAttribute('aria-describedby')).toContain(await error.getAttribute('id'));
    await enter(s.page, 'adv-totalSteps', '0');
    await expect.poll(() => error.textContent()).toBe('total steps must be in [1, 10000000]');
    // A warm-up longer than the schedule breaks a rule between two fields.
    await enter(s.page, 'adv-runs[0].optimizer.warmupSteps', '500');
    const warmError = s.page.getByTestId('adv-error-runs[0].optimizer.warmupSteps');
    await warmError.waitFor();
    expect(await warmError.textContent()).toBe('warm-up steps must be in [0, 300] (at most totalSteps)');
    expect(await config(s.page)).toEqual(before);
    // Escape puts the shown value back; a valid value clears the message.
    await steps.fill('12');
    await steps.press('Escape');
    expect(await steps.inputValue()).toBe('300');
    await expect.poll(() => error.count()).toBe(0);
    await enter(s.page, 'adv-runs[0].optimizer.warmupSteps', '10');
    await expect.poll(() => warmError.count()).toBe(0);
    expect(await config(s.page, '.runs[0].optimizer.warmupSteps')).toBe(10);
  });

  it('offers the datasets that fit the model, your text once loaded; toggles and selects reach the config', async () => {
    const dataset = s.page.getByTestId('adv-dataset');
    const options = () => dataset.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(await options()).toEqual(['moby-dick']);
    await s.page.evaluate(`window.irePlayground.store.setState({ userData: { dataset: 'user-text', names: ['mine.txt'] } })`);
    await expect.poll(options).toEqual(['moby-dick', 'user-text']);
    await dataset.selectOption('user-text');
    await expect.poll(() => config(s.page, '.dataset')).toBe('user-text');
    await dataset.selectOption('moby-dick');
    await expect.poll(() => config(s.page, '.dataset')).toBe('moby-dick');

    await s.page.getByTestId('adv-runs[0].optimizer.decayNormsBiasesEmbeddings').check();
    await expect.poll(() => config(s.page, '.runs[0].optimizer.decayNormsBiasesEmbeddings')).toBe(true);
    // IRE settings show for the run with IRE on (B) only.
    expect(await s.page.getByTestId('adv-runs[0].optimizer.ire.ema').count()).toBe(0);
    await s.page.getByTestId('adv-runs[1].optimizer.ire.hessianForm').selectOption('abs');
    await expect.poll(() => config(s.page, '.runs[1].optimizer.ire.hessianForm')).toBe('abs');
    await s.page.getByTestId('adv-runs[1].optimizer.ire.startStep').selectOption('#number');
    await expect.poll(() => config(s.page, '.runs[1].optimizer.ire.startStep')).toBe(20); // where the warm-up ended
    await enter(s.page, 'adv-runs[1].optimizer.ire.startStep-number', '40');
    await expect.poll(() => config(s.page, '.runs[1].optimizer.ire.startStep')).toBe(40);
    // Sharpness: 'auto' or every N steps, and back.
    const sharpness = s.page.getByTestId('adv-sharpnessEvery');
    await sharpness.selectOption('#number');
    await expect.poll(() => config(s.page, '.sharpnessEvery')).toBe(50);
    const every = s.page.getByTestId('adv-sharpnessEvery-number');
    await expect.poll(() => every.inputValue()).toBe('50');
    await enter(s.page, 'adv-sharpnessEvery-number', '7');
    await expect.poll(() => config(s.page, '.sharpnessEvery')).toBe(7);
    await sharpness.selectOption('auto');
    await expect.poll(() => config(s.page, '.sharpnessEvery')).toBe('auto');
    await enter(s.page, 'adv-runs[1].optimizer.ire.ema', '1');
    await expect.poll(() => s.page.getByTestId('adv-error-runs[1].optimizer.ire.ema').textContent()).toBe('h average β must be in [0, 1)');
    expect(await config(s.page, '.runs[1].optimizer.ire.ema')).toBe(0);
    expect(s.errors).toEqual([]);
  });
});

describe('copy link', () => {
  let s: AppSession;
  beforeAll(async () => {
    s = await openApp('/');
    // The clipboard: recorded, or refused when window.__refuseClipboard is set.
    await s.page.addInitScript(() => {
      const w = window as unknown as { __copied: string[]; __refuseClipboard?: boolean };
      w.__copied = [];
      const writeText = async (text: string) => {
        if (w.__refuseClipboard) throw new DOMException('Write permission denied.', 'NotAllowedError');
        w.__copied.push(text);
      };
      Object.defineProperty(navigator, 'clipboard', { configurable: true, value: { writeText } });
    });
    await s.page.reload();
    await s.page.getByTestId('run-B').waitFor();
  });
  afterAll(async () => s?.close());

  it('copies a link that opens the same configuration in a new page, and says so briefly', async () => {
    await openAdvanced(s.page);
    await enter(s.page, 'adv-totalSteps', '400');
    await enter(s.page, 'adv-seed', '7');
    await enter(s.page, 'adv-runs[1].optimizer.warmupSteps', '30');
    await s.page.getByTestId('adv-runs[1].optimizer.ire.hessianForm').selectOption('abs');
    const name = s.page.getByTestId('name-A');
    await name.fill(HOSTILE);
    await name.press('Enter');
    await expect.poll(() => config(s.page, '.runs[1].optimizer.warmupSteps')).toBe(30);

    await s.page.getByTestId('copy-link').click();
    const status = s.page.getByTestId('copy-link-status');
    await expect.poll(() => status.textContent()).toBe('Link copied');
    expect(await status.getAttribute('role')).toBe('status');
    const copied = (await s.page.evaluate('window.__copied')) as string[];
    expect(copied).toHaveLength(1);
    expect(copied[0].startsWith(`${new URL(s.page.url()).origin}/#`)).toBe(true);
    await expect.poll(() => status.textContent(), { timeout: 5000 }).toBe('');

    const other = await s.context.newPage();
    await other.goto(copied[0]);
    await other.getByTestId('run-B').waitFor();
    expect(await config(other)).toEqual(await config(s.page));
    expect(await other.getByTestId('name-A').inputValue()).toBe(HOSTILE);
    await other.close();
  });

  it('shows the link selected in a read-only field when the clipboard is refused', async () => {
    await s.page.evaluate('window.__refuseClipboard = true');
    await s.page.getByTestId('copy-link').click();
    const field = s.page.getByTestId('copy-link-field');
    await field.waitFor();
    expect(await field.getAttribute('readonly')).not.toBeNull();
    const url = await field.inputValue();
    expect(url.startsWith(`${new URL(s.page.url()).origin}/#`)).toBe(true);
    const selection = await field.evaluate((el) => {
      const input = el as HTMLInputElement;
      return { focused: document.activeElement === input, from: input.selectionStart, to: input.selectionEnd, length: input.value.length };
    });
    expect(selection).toEqual({ focused: true, from: 0, to: selection.length, length: url.length });
    expect(await s.page.getByTestId('copy-link-status').textContent()).toBe('');
    expect(s.errors).toEqual([]);
  });
});

describe('renaming a saved comparison', () => {
  const dialogs: string[] = [];
  const s = useApp('/', { dialogs });

  it('keeps a new name across a reload; refuses an empty or too long one with a message', async () => {
    await report(s.page, [{ type: 'metrics', train: trainPoints(['A', 'B'], 1, 5), eval: [], sharpness: [] }]);
    const title = s.page.getByTestId('saved-title');
    await expect.poll(() => title.textContent(), { timeout: 20_000 }).toBe('AdamW vs AdmIRE');

    await s.page.getByTestId('saved-rename').click();
    const input = s.page.getByTestId('saved-title-input');
    expect(await input.inputValue()).toBe('AdamW vs AdmIRE');
    await input.fill('   ');
    await input.press('Enter');
    const error = s.page.getByTestId('saved-title-error');
    await error.waitFor();
    expect(await error.textContent()).toBe('name must be 1 to 100 characters (it has 0)');
    expect(await input.getAttribute('aria-invalid')).toBe('true');
    await input.fill('x'.repeat(101));
    await input.press('Enter');
    await expect.poll(() => error.textContent()).toBe('name must be 1 to 100 characters (it has 101)');

    await input.fill(`  ${HOSTILE} sweep  `);
    await input.press('Enter');
    await expect.poll(() => title.textContent()).toBe(`${HOSTILE} sweep`);
    expect(await input.count()).toBe(0);
    // Renaming a run afterwards leaves the saved name alone, through later saves too.
    const runName = s.page.getByTestId('name-A');
    await runName.fill('AdamW again');
    await runName.press('Enter');
    await report(s.page, [{ type: 'metrics', train: trainPoints(['A', 'B'], 6, 8), eval: [], sharpness: [] }]);
    await expect.poll(() => s.page.evaluate('window.irePlayground.persistence.then((p) => p.state.getState().flushedStep)'), { timeout: 20_000 }).toBe(8);

    await s.page.reload();
    await s.page.getByTestId('run-B').waitFor();
    await expect.poll(() => s.page.getByTestId('saved-title').textContent(), { timeout: 20_000 }).toBe(`${HOSTILE} sweep`);
    expect(await s.page.getByTestId('saved-item').textContent()).toContain('step 8');
    expect(await s.page.locator('img[src="x"]').count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(s.errors).toEqual([]);
  });
});

describe('refusals next to the toy and sample controls', () => {
  const s = useApp('/');

  it('a toy η or step count out of range, or not a number, is refused next to its control', async () => {
    await s.page.getByTestId('tab-toy').click();
    const toy = () => s.page.evaluate('window.irePlayground.store.getState().toy.params');
    const before = await toy();
    const eta = s.page.getByTestId('toy-eta');
    await enter(s.page, 'toy-eta', '5');
    const error = s.page.getByTestId('toy-eta-error');
    await error.waitFor();
    expect(await error.textContent()).toBe('η must be a number in [0.05, 2.5]');
    expect(await error.getAttribute('role')).toBe('alert');
    expect(await eta.getAttribute('aria-invalid')).toBe('true');
    await enter(s.page, 'toy-eta', 'fast');
    await expect.poll(() => error.textContent()).toBe('η must be a number in [0.05, 2.5]');
    await enter(s.page, 'toy-steps', '15.5');
    await expect.poll(() => s.page.getByTestId('toy-steps-error').textContent()).toBe('steps must be an integer in [10, 2000]');
    expect(await toy()).toEqual(before);
    await enter(s.page, 'toy-eta', '0.5');
    await expect.poll(() => error.count()).toBe(0);
    expect(await s.page.evaluate('window.irePlayground.store.getState().toy.params.eta')).toBe(0.5);
  });

  it('a sample length or temperature out of range is refused next to its control, and nothing is asked', async () => {
    await s.page.getByTestId('tab-samples').click();
    const length = s.page.getByTestId('sample-length');
    await length.fill('0');
    await length.blur();
    const lengthError = s.page.getByTestId('sample-length-error');
    await lengthError.waitFor();
    expect(await lengthError.textContent()).toBe('length must be an integer from 1 to 1000');
    expect(await length.getAttribute('aria-invalid')).toBe('true');
    await s.page.getByTestId('sample-temperature').fill('hot');
    await s.page.getByTestId('sample-submit').click();
    await expect.poll(() => s.page.getByTestId('sample-temperature-error').textContent()).toBe('temperature must be > 0 and ≤ 5');
    expect(await s.page.evaluate('window.irePlayground.store.getState().samples')).toBeNull();
    // Valid values: the store answers (nothing is trained yet), next to the button.
    await length.fill('50');
    await s.page.getByTestId('sample-temperature').fill('0.8');
    await s.page.getByTestId('sample-submit').click();
    await expect.poll(() => s.page.getByTestId('sample-error').textContent()).toMatch(/^start training first/);
    expect(await lengthError.count()).toBe(0);
    expect(s.errors).toEqual([]);
  });
});
