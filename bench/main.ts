// The bench page: registers every suite and exposes `window.__bench` (BenchApi) for the Node
// runner (bench/run.ts). Opened by hand (`npx vite --config bench/vite.config.ts`, then
// /bench/), it lists the entries with a button that runs them all and shows the rows.
import { adapterSummary } from '../src/gpu/device';
import { BenchEnv } from './env';
import { BenchRegistry } from './registry';
import { DEFAULT_VOCAB, type BenchApi, type BenchRow, type RunOptions } from './rows';
import { kernelEntries } from './suites/kernels';
import { profileEntries } from './suites/profile';
import { tfjsEntries } from './suites/tfjs';
import { trainingEntries } from './suites/training';
import { sharpnessEntries } from './suites/sharpness';

declare global {
  interface Window {
    __bench?: BenchApi;
  }
}

const env = new BenchEnv();
const registry = new BenchRegistry();
registry.add(...kernelEntries(env), ...trainingEntries(env), ...sharpnessEntries(env), ...tfjsEntries(), ...profileEntries(env));

const api: BenchApi = {
  entries: () => registry.list(),
  run: (id, opts) => registry.run(id, opts),
  async host() {
    let adapter: string;
    let features: string[] = [];
    try {
      const { report } = await env.ours();
      adapter = adapterSummary(report);
      features = report.features;
    } catch (err) {
      adapter = `none: ${err instanceof Error ? err.message : String(err)}`;
    }
    return {
      adapter,
      features,
      userAgent: navigator.userAgent,
      hardwareConcurrency: navigator.hardwareConcurrency,
      crossOriginIsolated: globalThis.crossOriginIsolated,
      date: new Date().toISOString(),
    };
  },
};
window.__bench = api;

function figure(r: BenchRow): string {
  if (r.error) return `error: ${r.error}`;
  if (r.pending) return `not measured: ${r.pending}`;
  if (r.gflops !== undefined) return `${r.gflops.toFixed(2)} GFLOP/s`;
  if (r.gbps !== undefined) return `${r.gbps.toFixed(2)} GB/s`;
  return `${r.ms_per_step?.toFixed(1)} ms/step`;
}

function renderPage(): void {
  const out = document.getElementById('out');
  const button = document.getElementById('run-all');
  if (!(out instanceof HTMLPreElement) || !(button instanceof HTMLButtonElement)) return;
  out.textContent = registry.list().map((e) => e.id).join('\n');
  button.addEventListener('click', async () => {
    button.disabled = true;
    const opts: RunOptions = { warmup: 1, iters: 3, quick: false, vocab: DEFAULT_VOCAB };
    out.textContent = '';
    for (const e of registry.list()) {
      const row = await registry.run(e.id, opts);
      out.textContent += `${e.id}: ${figure(row)}\n`;
    }
    button.disabled = false;
  });
}
renderPage();
document.body.dataset.benchReady = 'true';
