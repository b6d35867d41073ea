// Persistence, bundles and uploads in the built app, without training: metrics are injected as
// worker reports through the store handle (window.irePlayground), saved to IndexedDB by the
// throttled flush, and must survive a reload up to the last flush. Also: the saved list (user
// text as text, delete), a full quota, a rejected bundle import and the upload checks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openApp, useApp, type AppSession } from '../helpers/browser';

const HOSTILE = '<img src=x onerror=alert(1)>';

/** Feeds worker reports to the store, each stamped with its current generation as the worker stamps them. */
function report(page: Page, reports: object[]) {
  return page.evaluate(`(() => { const st = window.irePlayground.store; for (const r of ${JSON.stringify(reports)}) st.getState().receive({ ...r, generation: st.getState().generation }); })()`);
}

function trainPoints(runs: string[], from: number, to: number) {
  const out: object[] = [];
  for (let k = from; k <= to; k++) for (const [i, runId] of runs.entries()) out.push({ runId, step: k, wallMs: k * 10, loss: 3 / (1 + k / 10) + i * 0.01, gradNorm: 1, lr: 1e-3, maskFraction: i ? 0.6 : 0 });
  return out;
}

const flushedStep = (page: Page) => page.evaluate('window.irePlayground.persistence.then((p) => p.state.getState().flushedStep)') as Promise<number>;
const restoreOutcome = (page: Page) => page.evaluate('window.irePlayground.persistence.then((p) => p.state.getState().restore)') as Promise<object | null>;
const trainSteps = (page: Page, runId: string) => page.evaluate(`(window.irePlayground.store.getState().series[${JSON.stringify(runId)}]?.train.step ?? [])`) as Promise<number[]>;

describe('persistence across reloads', () => {
  const dialogs: string[] = [];
  const s = useApp('/', { dialogs });

  it('a reload keeps the metrics up to the last flush, and the events', async () => {
    const name = s.page.getByTestId('name-A');
    await name.fill(HOSTILE);
    await name.press('Enter');
    await report(s.page, [
      { type: 'metrics', train: trainPoints(['A', 'B'], 1, 30), eval: [{ runId: 'B', step: 20, wallMs: 200, valLoss: 1.5 }], sharpness: [] },
      { type: 'applied', step: 12, requestIds: [], scheduledIds: [], events: [{ step: 12, runId: 'B', field: 'kappa', old: 2, new: 8 }] },
    ]);
    await expect.poll(() => flushedStep(s.page), { timeout: 20_000 }).toBe(30);
    // More metrics, then a reload before (or just after) the next flush: at most these are lost.
    await report(s.page, [{ type: 'metrics', train: trainPoints(['A', 'B'], 31, 33), eval: [], sharpness: [] }]);
    const before = await flushedStep(s.page);
    await s.page.reload();
    await s.page.getByTestId('run-B').waitFor();
    // Start-up says what it did with the saved comparison: reopened, here (the link is the same).
    // The wait is long because the emulated GPU's start-up measurement (matmul variants, at a
    // priority above the page's) competes with IndexedDB for the two cores of a CI machine.
    await expect.poll(() => restoreOutcome(s.page), { timeout: 60_000 }).not.toBeNull();
    expect(await restoreOutcome(s.page), `address ${await s.page.evaluate('location.hash')}`).toEqual({ outcome: 'restored' });
    const a = await trainSteps(s.page, 'A');
    expect(a.length).toBeGreaterThanOrEqual(before);
    expect(a.slice(0, 30)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(await trainSteps(s.page, 'B')).toEqual(a);
    expect(await s.page.evaluate('window.irePlayground.store.getState().series.B.eval.valLoss')).toEqual([1.5]);
    expect(await s.page.evaluate('window.irePlayground.store.getState().events.length')).toBe(1);
    expect(await s.page.getByTestId('name-A').inputValue()).toBe(HOSTILE);
  });

  it('lists the saved comparison with its names as text, and deletes it', async () => {
    const items = s.page.getByTestId('saved-item');
    await expect.poll(() => items.count()).toBe(1);
    expect(await items.first().textContent()).toContain(`${HOSTILE} vs AdmIRE`);
    expect(await s.page.locator('img[src="x"]').count()).toBe(0);
    await s.page.getByTestId('saved-delete').click();
    // Deleting asks first: nothing is gone until the confirmation.
    expect(await items.count()).toBe(1);
    await s.page.getByTestId('saved-delete-confirm').click();
    await expect.poll(() => items.count()).toBe(0);
    await s.page.reload();
    await s.page.getByTestId('run-B').waitFor();
    await s.page.waitForTimeout(500); // a restore would happen right after start-up
    expect(await trainSteps(s.page, 'A')).toEqual([]);
    expect(dialogs).toEqual([]);
    expect(s.errors).toEqual([]);
  });

  it('a saved comparison that cannot be reopened is named in a notice and stays in the list', async () => {
    // A record damaged on disk (its config lost a field): start-up must say so, not open a blank page silently.
    await s.page.evaluate(`new Promise((resolve, reject) => {
      const r = indexedDB.open('ire-playground');
      r.onerror = () => reject(r.error);
      r.onsuccess = () => {
        const tx = r.result.transaction('comparisons', 'readwrite');
        tx.objectStore('comparisons').put({ id: 'damaged', updatedAt: Date.now(), config: { runs: [] }, step: 3, events: [], views: {}, histograms: {} });
        tx.oncomplete = () => { r.result.close(); resolve(null); };
        tx.onerror = () => reject(tx.error);
      };
    })`);
    await s.page.goto(new URL('/', s.app.url).toString()); // no link: the latest saved comparison would reopen
    await s.page.getByTestId('run-B').waitFor();
    await expect.poll(() => restoreOutcome(s.page), { timeout: 20_000 }).not.toBeNull();
    expect(await restoreOutcome(s.page)).toMatchObject({ outcome: 'refused' });
    expect(await s.page.getByTestId('notice').textContent()).toMatch(/The last comparison could not be reopened: The saved comparison is damaged/);
    expect(await trainSteps(s.page, 'A')).toEqual([]);
    await expect.poll(() => s.page.getByTestId('saved-item').count()).toBe(1);
  });
});

describe('storage, bundles and uploads', () => {
  let s: AppSession;
  beforeAll(async () => {
    s = await openApp('/');
    // Lets the test fill the storage quota on demand.
    await s.page.addInitScript(() => {
      const put = IDBObjectStore.prototype.put;
      IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
        if ((window as unknown as { __quotaFull?: boolean }).__quotaFull) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
        return put.apply(this, args);
      };
    });
    await s.page.reload();
    await s.page.getByTestId('run-B').waitFor();
  });
  afterAll(async () => s?.close());

  it('reports a full quota as a message and keeps the metrics on the page', async () => {
    await s.page.evaluate('window.__quotaFull = true');
    await report(s.page, [{ type: 'metrics', train: trainPoints(['A', 'B'], 1, 5), eval: [], sharpness: [] }]);
    const error = s.page.getByTestId('storage-error');
    await error.waitFor({ timeout: 20_000 });
    expect(await error.textContent()).toMatch(/^Browser storage is full/);
    expect(await s.page.getByTestId('notice').textContent()).toMatch(/Browser storage is full/);
    expect(await trainSteps(s.page, 'A')).toEqual([1, 2, 3, 4, 5]);
    await s.page.evaluate('window.__quotaFull = false');
    await report(s.page, [{ type: 'metrics', train: trainPoints(['A', 'B'], 6, 6), eval: [], sharpness: [] }]);
    await expect.poll(() => flushedStep(s.page), { timeout: 20_000 }).toBe(6);
    await expect.poll(() => error.count()).toBe(0);
  });

  it('refuses a bundle of another version with a message and leaves the runs untouched', async () => {
    const before = await trainSteps(s.page, 'A');
    await s.page.getByTestId('import-file').setInputFiles({ name: 'old.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify({ format: 'ire-playground-bundle', version: 99 })) });
    const msg = s.page.getByTestId('import-message');
    await msg.waitFor();
    expect(await msg.textContent()).toBe('"old.json" was not imported. This bundle has version 99; this page reads version 1. Open it with the matching version of the playground.');
    expect(await msg.getAttribute('role')).toBe('alert');
    await s.page.getByTestId('import-file').setInputFiles({ name: 'junk.json', mimeType: 'application/json', buffer: Buffer.from('{"format": "ire-pl') });
    await expect.poll(() => msg.textContent()).toMatch(/"junk\.json" was not imported\. The file is not valid JSON/);
    expect(await trainSteps(s.page, 'A')).toEqual(before);
  });

  it('checks uploaded files next to the control: empty, not UTF-8, CIFAR-10 length; a good file loads', async () => {
    const input = s.page.getByTestId('upload-file');
    const msg = s.page.getByTestId('upload-message');
    await input.setInputFiles({ name: 'empty.txt', mimeType: 'text/plain', buffer: Buffer.alloc(0) });
    await msg.waitFor();
    expect(await msg.textContent()).toBe('"empty.txt" is empty.');
    expect(await input.getAttribute('aria-invalid')).toBe('true');
    await input.setInputFiles({ name: 'latin1.txt', mimeType: 'text/plain', buffer: Buffer.from([0x63, 0x61, 0x66, 0xe9]) });
    await expect.poll(() => msg.textContent()).toBe('"latin1.txt" is not valid UTF-8 text (first invalid byte at offset 3).');
    await input.setInputFiles({ name: `${HOSTILE}.txt`, mimeType: 'text/plain', buffer: Buffer.from('call me Ishmael. '.repeat(20)) });
    await expect.poll(() => msg.textContent()).toBe(`Loaded "${HOSTILE}.txt": 340 characters (306 for training, 34 for validation).`);
    expect(await msg.getAttribute('role')).toBe('status');
    await s.page.getByTestId('upload-kind').selectOption('cifar10');
    await input.setInputFiles({ name: 'data_batch_1.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(3073 * 2 + 1) });
    await expect.poll(() => msg.textContent()).toMatch(/^CIFAR-10 file "data_batch_1\.bin" is 6147 bytes, not a multiple of 3073/);
    expect(await s.page.locator('img[src="x"]').count()).toBe(0);
    expect(s.errors).toEqual([]);
  });
});
