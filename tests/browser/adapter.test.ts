import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, openApp, type AppSession } from '../helpers/browser';

describe('first page', () => {
  let s: AppSession;
  beforeAll(async () => {
    s = await openApp('/');
  });
  afterAll(async () => s?.close());

  it('reports the WebGPU adapter the worker acquired, with its limits', async () => {
    const line = s.page.getByTestId('adapter');
    await expect.poll(async () => line.textContent(), { timeout: 60_000 }).toMatch(/^Adapter: /);
    const text = (await line.textContent()) ?? '';
    expect(text).toMatch(/swiftshader|google/i);
    const limits = (await s.page.getByTestId('adapter-panel').textContent()) ?? '';
    expect(limits).toMatch(/max storage binding: \d+ MiB/);
    expect(s.errors).toEqual([]);
  });
});

describe('a browser without WebGPU', () => {
  let s: AppSession;
  beforeAll(async () => {
    s = await openApp('/', { webgpu: false });
    // Headless Chromium without the WebGPU flags may still expose navigator.gpu on some builds;
    // remove it before the app starts so the path a user without WebGPU meets is exercised.
    await s.page.addInitScript(() => {
      Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true });
    });
    await s.page.reload();
  });
  afterAll(async () => s?.close());

  it('says so plainly and links to what is needed', async () => {
    const notice = s.page.getByTestId('no-webgpu');
    await notice.waitFor({ timeout: 30_000 });
    expect(await notice.textContent()).toMatch(/This browser has no WebGPU/);
    expect(await notice.locator('a').getAttribute('href')).toMatch(/^https:\/\//);
  });
});

describe('the development server (npm start)', () => {
  it('serves the page, which names its adapter', async () => {
    const { createServer } = await import('vite');
    const server = await createServer({ server: { host: '127.0.0.1', port: 0, strictPort: false }, logLevel: 'warn' });
    await server.listen();
    const url = server.resolvedUrls?.local[0];
    const browser = await launchChromium();
    try {
      expect(url).toBeTruthy();
      const page = await browser.newPage();
      await page.goto(url!);
      const line = page.getByTestId('adapter');
      await expect.poll(async () => line.textContent(), { timeout: 90_000 }).toMatch(/^Adapter: .*(swiftshader|google)/i);
    } finally {
      await browser.close();
      await server.close();
    }
  });
});
