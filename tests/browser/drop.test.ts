// Bring your own data by dropping files onto the page: refusals are shown next to the control,
// a good file is loaded (sent to the worker).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp, type AppSession } from '../helpers/browser';

async function drop(s: AppSession, files: { name: string; text: string }[]) {
  const dataTransfer = await s.page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const f of list) dt.items.add(new File([f.text], f.name, { type: 'text/plain' }));
    return dt;
  }, files);
  await s.page.dispatchEvent('[data-testid=drop-zone]', 'drop', { dataTransfer });
}

describe('dropping a dataset file onto the page', () => {
  let s: AppSession;
  beforeAll(async () => {
    s = await openApp('/');
    await s.page.getByTestId('drop-zone').waitFor({ timeout: 60_000 });
  });
  afterAll(async () => s?.close());

  it('refuses an empty file with a message and loads a text file', async () => {
    const message = s.page.getByTestId('upload-message');
    await drop(s, [{ name: 'empty.txt', text: '' }]);
    await expect.poll(async () => (await message.textContent()) ?? '', { timeout: 30_000 }).toMatch(/empty/i);
    await drop(s, [{ name: 'story.txt', text: 'It was a dark and stormy night; the rain fell in torrents. '.repeat(200) }]);
    await expect.poll(async () => (await message.textContent()) ?? '', { timeout: 30_000 }).toMatch(/^Loaded/);
    expect(await s.page.getByTestId('upload-kind').inputValue()).toBe('user-text');
  });
});
