// "Continue in PyTorch" on a run card (docs/pytorch.md): one zip holding what the CLI's
// --export-pytorch writes for that run: the page's config (live edits included), the run's
// checkpoint byte for byte as the page's own checkpoint download at the same step, the dataset
// file the page loaded, python/ire_playground as in the repository, and a README naming the
// run and the step. A user's text goes in as the text the page trained on, with --text.
import { readdirSync, readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import type { Page } from 'playwright-core';
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
  runs: [
    { id: 'A', name: 'AdamW', optimizer: { ...DEFAULT_ADAMW, warmupSteps: 2 } },
    { id: 'B', name: 'AdmIRE', optimizer: { ...DEFAULT_ADAMW, warmupSteps: 2, ire: { ...DEFAULT_IRE, enabled: true, refreshEvery: 3 } } },
  ],
};

const inPage = <T>(page: Page, expr: string) => page.evaluate(expr) as Promise<T>;
const stepOf = async (page: Page) => Number((await page.getByTestId('step-counter').locator('strong').textContent()) ?? '0');

async function download(page: Page, testId: string): Promise<{ name: string; bytes: Uint8Array }> {
  const [file] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.getByTestId(testId).click()]);
  return { name: file.suggestedFilename(), bytes: new Uint8Array(readFileSync(await file.path())) };
}

describe('Continue in PyTorch', () => {
  let s: AppSession;
  beforeAll(async () => {
    s = await openApp(`/${configToUrlHash(CONFIG)}`);
    await s.page.getByTestId('adapter').waitFor({ timeout: 60_000 });
  });
  afterAll(async () => s?.close());

  it('is disabled, with the reason, before training', async () => {
    const button = s.page.getByTestId('pytorch-B');
    expect(await button.isDisabled()).toBe(true);
    expect(await button.getAttribute('title')).toMatch(/start training first/);
  });

  it("zips run B's PyTorch folder: the page's config, its checkpoint download's bytes, the data, the package and a README", async () => {
    await expect.poll(() => s.page.getByTestId('start').isEnabled(), { timeout: 60_000 }).toBe(true);
    await s.page.getByTestId('start').click();
    await expect.poll(() => stepOf(s.page), { timeout: 120_000, interval: 250 }).toBeGreaterThanOrEqual(2);
    // A live edit, so that config.json has to be the config as trained, not as configured.
    expect(await inPage<string | null>(s.page, `window.irePlayground.store.getState().setRunField('B', 'kappa', 7)`)).toBeNull();
    await expect.poll(() => inPage<number>(s.page, 'window.irePlayground.store.getState().events.length'), { timeout: 60_000 }).toBe(1);
    await s.page.getByTestId('pause').click();
    await expect.poll(async () => (await s.page.getByTestId('run-status').allTextContents()).join(','), { timeout: 60_000 }).toBe('paused,paused');
    const step = await stepOf(s.page);
    expect(await s.page.getByTestId('pytorch-B').isEnabled()).toBe(true);

    const zip = await download(s.page, 'pytorch-B');
    const folder = `ire-playground-B-step${step}-pytorch`;
    expect(zip.name).toBe(`${folder}.zip`);
    const files = unzipSync(zip.bytes);
    const python = readdirSync('python/ire_playground').filter((f) => f.endsWith('.py')).sort();
    const checkpoint = `ckpt-${step}.safetensors`;
    expect(Object.keys(files).sort()).toEqual(
      ['config.json', checkpoint, 'mnist.bin', ...python.map((f) => `ire_playground/${f}`), 'README.md'].map((f) => `${folder}/${f}`).sort(),
    );
    const file = (name: string) => files[`${folder}/${name}`];
    const text = (name: string) => new TextDecoder().decode(file(name));

    const config = await inPage<ComparisonConfig>(s.page, 'window.irePlayground.store.getState().config');
    expect(config.runs[1].optimizer.ire.kappa).toBe(7);
    expect(JSON.parse(text('config.json'))).toEqual(config);
    expect(text('config.json')).toBe(JSON.stringify(config, null, 2) + '\n'); // as the CLI writes it

    const own = await download(s.page, 'checkpoint-B');
    expect(own.name).toBe(`ire-playground-B-step${step}.safetensors`);
    expect(Buffer.from(file(checkpoint)).equals(Buffer.from(own.bytes))).toBe(true);
    const meta = decodeRunCheckpoint(file(checkpoint), checkpoint).meta;
    expect([meta.runId, meta.step]).toEqual(['B', step]);

    expect(Buffer.from(file('mnist.bin')).equals(readFileSync('public/generated/mnist.bin'))).toBe(true);
    for (const f of python) expect(Buffer.from(file(`ire_playground/${f}`)).equals(readFileSync(`python/ire_playground/${f}`)), f).toBe(true);

    const readme = text('README.md');
    expect(readme).toContain(`run B (AdmIRE), step ${step}`);
    expect(readme).toContain('Exported by the ire-playground page');
    expect(readme).toContain(`python3 -m ire_playground.train --from . --steps ${step + 1000}`);
    expect(readme).toContain(`npm run train -- --resume pytorch-B/ckpt-${step + 1000}.safetensors`);
    expect(readme).toContain(`| \`${checkpoint}\` |`);
    expect(readme).toContain('| `mnist.bin` |');
    expect(s.errors).toEqual([]);
  });
});

describe('Continue in PyTorch on an uploaded text', () => {
  let s: AppSession;
  beforeAll(async () => {
    const gpt: ComparisonConfig = { ...DEFAULT_COMPARISON, batchSize: 2, totalSteps: 20, evalEvery: 0 };
    s = await openApp(`/${configToUrlHash(gpt)}`);
    await s.page.getByTestId('adapter').waitFor({ timeout: 60_000 });
  });
  afterAll(async () => s?.close());

  it('holds the text as a .txt with a name safe on a command line, and the commands pass it with --text', async () => {
    const text = 'Zephyr quizzically jinxed ☃ — '.repeat(40);
    await s.page.getByTestId('upload-file').setInputFiles({ name: 'my story (draft).txt', mimeType: 'text/plain', buffer: Buffer.from(text, 'utf8') });
    await expect.poll(() => s.page.getByTestId('upload-message').textContent(), { timeout: 30_000 }).toMatch(/^Loaded "my story \(draft\)\.txt"/);
    await expect.poll(() => inPage<string>(s.page, 'window.irePlayground.store.getState().config.dataset'), { timeout: 10_000 }).toBe('user-text');
    await expect.poll(() => s.page.getByTestId('step').isEnabled(), { timeout: 60_000 }).toBe(true);
    await s.page.getByTestId('step').click();
    await expect.poll(async () => [await stepOf(s.page), await inPage<string>(s.page, 'window.irePlayground.store.getState().control')], { timeout: 120_000 }).toEqual([1, 'paused']);

    const zip = await download(s.page, 'pytorch-A');
    const folder = 'ire-playground-A-step1-pytorch';
    const files = unzipSync(zip.bytes);
    const name = 'my-story-draft.txt';
    expect(Object.keys(files)).toEqual(expect.arrayContaining([`${folder}/config.json`, `${folder}/ckpt-1.safetensors`, `${folder}/${name}`, `${folder}/README.md`]));
    expect(new TextDecoder().decode(files[`${folder}/${name}`])).toBe(text);
    const readme = new TextDecoder().decode(files[`${folder}/README.md`]);
    expect(readme).toContain(`python3 -m ire_playground.train --from . --text ${name} --steps 1001`);
    expect(readme).toContain(`--steps 2001 --text ${name}`);
    expect(s.errors).toEqual([]);
  });
});
