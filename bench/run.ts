// `npm run bench`: serves the bench page (bench/index.html) with Vite, drives Debian's Chromium
// headless on SwiftShader WebGPU through playwright-core, runs every selected registry entry in
// a fresh page (so a crash, a hang or a leaked device of one cannot skew the next), prints the
// host block, the table and the comparisons, and with --json FILE writes them as JSON.
//
//   npm run bench -- [--suite NAME]… [--quick] [--warmup N] [--iters N] [--timeout S]
//                    [--vocab V] [--json FILE] [--list] [--verbose]
//
// --suite matches a suite ('kernels', 'gpt-tiny', 'mlp', 'cnn', 'profile'), an impl ('ours',
// 'tfjs-wasm'…) or any part of an entry id ('matmul 512'); repeatable or comma-separated.
// --quick leaves out the entries marked slow (matmul 1024, TF.js-WebGPU gpt-tiny, the kernel
// and profile rows recorded from a gpt-tiny step) and times 1 step. docs/performance.md has more.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { CharTokenizer } from '../src/data/tokenizer';
import { readMobyDickText } from '../src/data/node/mobyDick';
import { launchChromium } from '../tests/helpers/browser';
import { comparisons, formatComparisons, formatHost, formatTable } from './report';
import { type BenchRow, type EntryInfo, type HostInfo, type RunOptions } from './rows';

interface CliOptions {
  suites: string[];
  run: RunOptions;
  timeoutS: number;
  json?: string;
  /** `npm run bench:kernels`: the kernel rows in the kernel benchmark's JSON shape, and the chosen/naive ratio. */
  kernels?: boolean;
  list: boolean;
  verbose: boolean;
}

const USAGE = 'usage: npm run bench -- [--suite NAME]… [--quick] [--warmup N] [--iters N] [--timeout S] [--vocab V] [--json FILE] [--list] [--verbose]';

function parseArgs(argv: string[]): CliOptions {
  const o: CliOptions = { suites: [], run: { warmup: 1, iters: 3, quick: false, vocab: 0 }, timeoutS: 600, list: false, verbose: false };
  let itersGiven = false;
  const int = (flag: string, v: string | undefined, min: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`${flag} needs an integer ≥ ${min}, got ${v}\n${USAGE}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--suite') o.suites.push(...(argv[++i] ?? '').split(',').filter(Boolean));
    else if (a === '--quick') o.run.quick = true;
    else if (a === '--warmup') o.run.warmup = int(a, argv[++i], 0);
    else if (a === '--iters') {
      o.run.iters = int(a, argv[++i], 1);
      itersGiven = true;
    } else if (a === '--timeout') o.timeoutS = int(a, argv[++i], 1);
    else if (a === '--vocab') o.run.vocab = int(a, argv[++i], 2);
    else if (a === '--json') o.json = argv[++i];
    else if (a === '--kernels') o.kernels = true;
    else if (a === '--list') o.list = true;
    else if (a === '--verbose') o.verbose = true;
    else if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown option ${a}\n${USAGE}`);
  }
  if (o.run.quick && !itersGiven) o.run.iters = 1;
  if (o.run.vocab === 0) o.run.vocab = mobyDickVocab();
  return o;
}

/** V of gpt-tiny: the character vocabulary of the Moby Dick dataset, as the app's tokenizer builds it. */
function mobyDickVocab(): number {
  return CharTokenizer.fromText(readMobyDickText()).vocab.length;
}

function selected(e: EntryInfo, o: CliOptions): boolean {
  if (o.run.quick && e.slow) return false;
  if (o.suites.length === 0) return true;
  return o.suites.some((s) => e.suite === s || e.impl === s || e.id.includes(s));
}

const PAGE_LOAD_MS = 180_000; // first load pre-bundles TF.js

async function openBenchPage(browser: Browser, url: string, echo?: string): Promise<{ page: Page; close: () => Promise<void>; console: string[] }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const log: string[] = [];
  page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (echo) console.error(`[page ${echo}] ${m.type()}: ${m.text()}`);
    if (m.type() === 'error' || m.type() === 'warning') log.push(`console.${m.type()}: ${m.text()}`);
  });
  await page.goto(url, { timeout: PAGE_LOAD_MS });
  await page.waitForFunction(() => document.body.dataset.benchReady === 'true', undefined, { timeout: PAGE_LOAD_MS });
  return { page, console: log, close: () => context.close() };
}

/** Runs one entry in a fresh page; the timeout covers loading the page too. Never throws. */
async function runEntry(browser: Browser, url: string, e: EntryInfo, o: CliOptions): Promise<BenchRow> {
  const base = { suite: e.suite, name: e.name, impl: e.impl, optimizer: e.optimizer };
  if (e.pending) return { ...base, pending: e.pending };
  let session: Awaited<ReturnType<typeof openBenchPage>> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${o.timeoutS} s`)), o.timeoutS * 1000);
  });
  const measure = async (): Promise<BenchRow> => {
    session = await openBenchPage(browser, url, o.verbose ? e.id : undefined);
    return session.page.evaluate(([id, opts]) => {
      if (!window.__bench) throw new Error('the bench page did not install window.__bench');
      return window.__bench.run(id, opts);
    }, [e.id, o.run] as const);
  };
  const measured = measure();
  measured.catch(() => undefined);
  try {
    return await Promise.race([measured, timeout]);
  } catch (err) {
    const tail = session?.console.slice(-3).join(' | ');
    return { ...base, error: `${err instanceof Error ? err.message.split('\n')[0] : String(err)}${tail ? ` [page: ${tail}]` : ''}` };
  } finally {
    clearTimeout(timer);
    await session?.close().catch(() => undefined);
  }
}

/** Kernel rows as `{kernel, variant, shape, ms, gflops | gbps}`, and the chosen matmul at 1024 over the naive one. */
function kernelRows(rows: BenchRow[]): { rows: Record<string, unknown>[]; ratio: number | null; summary: string } {
  const out: Record<string, unknown>[] = [];
  let chosen: string | undefined;
  for (const r of rows) {
    if (r.suite !== 'kernels' || r.error || r.pending) continue;
    const m = /^matmul (\d+) (\w+)$/.exec(r.name);
    if (r.name === 'matmul variant choice') chosen = /chosen: (\w+)/.exec(r.detail ?? '')?.[1];
    else if (m) out.push({ kernel: 'matmul', variant: m[2], shape: `${m[1]}x${m[1]}x${m[1]}`, ms: r.ms, gflops: r.gflops });
    else out.push({ kernel: r.name, variant: '-', shape: 'gpt-tiny step', ms: r.ms ?? r.ms_per_step, ...(r.gbps !== undefined ? { gbps: r.gbps } : {}) });
  }
  const at1024 = (v: string | undefined) => out.find((x) => x.kernel === 'matmul' && x.variant === v && x.shape === '1024x1024x1024')?.gflops as number | undefined;
  const mine = at1024(chosen);
  const naive = at1024('naive');
  const ratio = mine !== undefined && naive !== undefined ? mine / naive : null;
  const summary = ratio === null ? 'chosen/naive at 1024: not measured (run with --suite kernels, not --quick)' : `matmul 1024: chosen ${chosen} ${mine!.toFixed(2)} GFLOP/s, naive ${naive!.toFixed(2)} GFLOP/s: ${ratio.toFixed(1)}× (bar: ≥ 10×)`;
  return { rows: out, ratio, summary };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const benchDir = dirname(fileURLToPath(import.meta.url));
  let server: ViteDevServer | undefined;
  let browser: Browser | undefined;
  try {
    server = await createServer({ configFile: resolve(benchDir, 'vite.config.ts'), server: { port: 0, strictPort: false }, logLevel: 'warn' });
    await server.listen();
    const origin = server.resolvedUrls?.local[0];
    if (!origin) throw new Error('the Vite server did not report a URL');
    const url = new URL('bench/index.html', origin).toString();
    browser = await launchChromium();

    const first = await openBenchPage(browser, url);
    const entries = await first.page.evaluate(() => window.__bench?.entries() ?? []);
    const host: HostInfo = { ...(await first.page.evaluate(() => window.__bench!.host())), browser: browser.version() };
    await first.close();

    if (o.list) {
      for (const e of entries) console.log(`${e.id}${e.slow ? '  (slow)' : ''}${e.pending ? `  (pending: ${e.pending})` : ''}`);
      return;
    }
    const chosen = entries.filter((e) => selected(e, o));
    if (chosen.length === 0) throw new Error(`no bench entry matches ${o.suites.join(', ')}; try --list`);
    console.log(formatHost(host));
    console.log(`options   warmup ${o.run.warmup}, iters ${o.run.iters}, vocab ${o.run.vocab}, timeout ${o.timeoutS} s${o.run.quick ? ', quick' : ''}\n`);

    const rows: BenchRow[] = [];
    for (const e of chosen) {
      const t0 = Date.now();
      if (!e.pending) console.error(`[bench] ${e.id} …`);
      const row = await runEntry(browser, url, e, o);
      rows.push(row);
      if (!row.pending) console.error(`[bench] ${e.id}: ${row.error ? `error: ${row.error}` : 'done'} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    }
    const cs = comparisons(rows);
    console.log(`\n${formatTable(rows)}`);
    if (cs.length > 0) console.log(`\n${formatComparisons(cs)}`);
    const kernelReport = o.kernels ? kernelRows(rows) : undefined;
    if (kernelReport) console.log(`\n${kernelReport.summary}`);
    if (o.json) {
      mkdirSync(dirname(resolve(o.json)), { recursive: true });
      const body = kernelReport
        ? { adapter: host.adapter, browser: host.browser, date: host.date, rows: kernelReport.rows, ratio: kernelReport.ratio }
        : { host, options: { ...o.run, timeoutS: o.timeoutS, suites: o.suites }, rows, comparisons: cs };
      writeFileSync(o.json, `${JSON.stringify(body, null, 2)}\n`);
      console.log(`\nwrote ${o.json}`);
    }
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
