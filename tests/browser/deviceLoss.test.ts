// A lost GPU device in the browser: the worker reports it, the page says what happened and
// offers to resume; resuming restores every run from the last in-memory checkpoint on a new
// device and training goes on.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRunCheckpoint } from '../../src/train/checkpoint';
import { DEFAULT_ADAMW, DEFAULT_COMPARISON, DEFAULT_IRE, type ComparisonConfig } from '../../src/train/config';
import { configToUrlHash } from '../../src/train/urlState';
import { openApp, type AppSession } from '../helpers/browser';

const CONFIG: ComparisonConfig = {
  ...DEFAULT_COMPARISON,
  model: 'mlp-mnist',
  dataset: 'mnist',
  batchSize: 8,
  totalSteps: 400,
  evalEvery: 0,
  checkpointEvery: 4,
  runs: [
    { id: 'A', name: 'AdamW', optimizer: { ...DEFAULT_ADAMW, warmupSteps: 2 } },
    { id: 'B', name: 'AdmIRE', optimizer: { ...DEFAULT_ADAMW, warmupSteps: 2, ire: { ...DEFAULT_IRE, enabled: true, refreshEvery: 3 } } },
  ],
};

const stepOf = async (s: AppSession) => Number((await s.page.getByTestId('step-counter').locator('strong').textContent()) ?? '0');

describe('a lost GPU device', () => {
  let s: AppSession;
  beforeAll(async () => {
    s = await openApp(`/${configToUrlHash(CONFIG)}`);
    await s.page.getByTestId('adapter-panel').waitFor({ timeout: 60_000 });
  });
  afterAll(async () => s?.close());

  it('is reported, and every run resumes from its last checkpoint on a new device', async () => {
    await s.page.getByTestId('start').click();
    await expect.poll(() => stepOf(s), { timeout: 120_000, interval: 500 }).toBeGreaterThanOrEqual(6);
    await s.page.evaluate(`window.irePlayground.post({ type: 'simulate-device-loss' })`);
    const notice = s.page.getByTestId('device-lost');
    await notice.waitFor({ timeout: 60_000 });
    expect(await notice.textContent()).toMatch(/The GPU device was lost/);
    expect(await s.page.getByTestId('run-status').first().textContent()).toMatch(/device lost/);
    await s.page.evaluate(`(() => { const st = window.irePlayground.store; window.__progress = []; st.subscribe((a, b) => { if (a.step !== b.step) window.__progress.push(a.step); }); })()`);
    await notice.getByRole('button', { name: /Resume every run/ }).click();
    // Back at the last checkpoint (a multiple of 4): the worker reports it as the current step.
    await expect.poll(async () => (await s.page.evaluate('window.__progress')) as number[], { timeout: 60_000 }).not.toEqual([]);
    const progress = (await s.page.evaluate('window.__progress')) as number[];
    const resumedAt = progress.at(-1)!;
    // Every step the page showed from the loss on, so that a failure says what it saw.
    expect(resumedAt % 4, `steps shown after the loss: ${JSON.stringify(progress)}`).toBe(0);
    expect(await stepOf(s)).toBe(resumedAt);
    await s.page.getByTestId('start').click();
    await expect.poll(() => stepOf(s), { timeout: 120_000, interval: 500 }).toBeGreaterThan(resumedAt + 2);
    expect(await s.page.getByTestId('device-lost').count()).toBe(0);
    await s.page.getByTestId('pause').click();
  });

  it("saves a run's checkpoint as a safetensors file", async () => {
    const download = s.page.waitForEvent('download', { timeout: 60_000 });
    await s.page.getByTestId('checkpoint-B').click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/^ire-playground-B-step\d+\.safetensors$/);
    const path = await file.path();
    const bytes = new Uint8Array(readFileSync(path));
    const ck = decodeRunCheckpoint(bytes, file.suggestedFilename());
    expect(ck.meta.runId).toBe('B');
    expect([...ck.file.tensors.keys()]).toEqual(expect.arrayContaining(['model.fc0.w', 'optim.m.fc0.w', 'ire.h.fc0.w']));
  });
});
