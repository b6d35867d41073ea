// Browser end-to-end harness: serves the built app (dist/, from `vite build`) with Vite's
// preview server on a free loopback port and drives Debian's Chromium through playwright-core
// with WebGPU on SwiftShader. No mocked WebGPU.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { preview, type PreviewServer } from 'vite';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const WEBGPU_SWIFTSHADER_FLAGS = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-webgpu-adapter=swiftshader',
  '--ignore-gpu-blocklist',
];

/** Flags that keep Chromium off the network of a closed machine. */
const QUIET_FLAGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'];

export async function launchChromium(extraArgs: string[] = [], webgpu = true): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Browser tests need Chromium at ${CHROMIUM}. On Debian: apt-get install chromium (it ships SwiftShader for WebGPU).`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...QUIET_FLAGS, ...(webgpu ? WEBGPU_SWIFTSHADER_FLAGS : []), ...extraArgs],
  });
}

export interface ServedApp {
  url: string;
  close(): Promise<void>;
}

/** Serves dist/ on 127.0.0.1 with an OS-chosen port. */
export async function serveBuiltApp(): Promise<ServedApp> {
  if (!existsSync('dist/index.html')) throw new Error('dist/ is missing: run `vite build` first (npm run test:browser does).');
  const server: PreviewServer = await preview({ preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false }, logLevel: 'warn' });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('vite preview did not report a URL');
  return { url, close: () => server.close() };
}

export interface AppSession {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  app: ServedApp;
  /** Console errors and page errors seen so far. */
  errors: string[];
  close(): Promise<void>;
}

/** Launches Chromium, serves the app and opens it at `path`. */
export async function openApp(path = '/', opts: { webgpu?: boolean } = {}): Promise<AppSession> {
  const app = await serveBuiltApp();
  const browser = await launchChromium([], opts.webgpu ?? true);
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  await page.goto(new URL(path, app.url).toString());
  return {
    browser,
    context,
    page,
    app,
    errors,
    async close() {
      await browser.close();
      await app.close();
    },
  };
}

export interface UseAppOptions {
  /** Records the message of every dialog (alert, confirm) here and dismisses it. */
  dialogs?: string[];
}

/**
 * Registers beforeAll/afterAll hooks that open the app at `path` (waiting until run B's card is
 * there) and close it. The returned object is the session, filled in by beforeAll: use it inside
 * tests (`s.page`).
 */
export function useApp(path = '/', opts: UseAppOptions = {}): AppSession {
  const s = {} as AppSession;
  beforeAll(async () => {
    Object.assign(s, await openApp(path));
    const dialogs = opts.dialogs;
    if (dialogs) {
      s.page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
    }
    await s.page.getByTestId('run-B').waitFor();
  });
  afterAll(async () => s.close?.());
  return s;
}

/**
 * Lowers Chromium's GPU processes (every thread) to nice 19, and returns how many threads it
 * lowered. Chromium raises its GPU process (nice −8) because on real hardware that process only
 * feeds the GPU and composites; here SwiftShader runs the GPU's work inside it, a core's worth of
 * computation at a priority above the page's, and a chart redraw of 15 ms on the main thread
 * then takes 50–70 ms of wall time (docs/performance.md, "The page's default comparison").
 * Tests that measure the page's main-thread tasks call this, so that they measure the page's
 * own work rather than the emulated GPU's preemption of it.
 */
export function lowerEmulatedGpuPriority(): number {
  let threads = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    const [argv0] = cmdline.split('\0');
    if (!/chromium/.test(argv0) || !cmdline.includes('--type=gpu-process')) continue;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        execFileSync('renice', ['-n', '19', '-p', tid], { stdio: 'ignore' });
        threads++;
      } catch {
        // the thread ended meanwhile
      }
    }
  }
  if (threads === 0) throw new Error('lowerEmulatedGpuPriority: no Chromium GPU process found under /proc');
  return threads;
}
