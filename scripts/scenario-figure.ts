// The figure of a scenario run (docs/experiments.md, "Scenarios"): from the CLI's output folder
// of `npm run train -- --scenario NAME` (or any --seeds S run), each run's training loss as the
// mean over seeds with a band of ±1 standard error (log scale), drawn with plotly.js in headless
// Chromium and saved as a PNG. Where the runs measured sharpness (sharpness.csv), a second panel
// beside it shows the Hessian trace and top eigenvalue at the measured steps, mean ± s.e. over seeds.
//
//   npx tsx scripts/scenario-figure.ts runs/scenario-little-data docs/scenarios/little-data.png ["title"]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { readCsv, seedFolders } from '../src/cli/resultsFolder';
import { summarize } from '../src/train/statistics';

const [dir, png, title] = process.argv.slice(2);
if (!dir || !png) {
  process.stderr.write('usage: npx tsx scripts/scenario-figure.ts OUT_DIR FIGURE.png [TITLE]\n');
  process.exit(2);
}

/** run → step → the training loss of each seed. */
const losses = new Map<string, Map<number, number[]>>();
const seedDirs = seedFolders(dir).map((seed) => `seed-${seed}`);
for (const d of seedDirs) {
  for (const r of readCsv(join(dir, d, 'metrics.csv'))) {
    if (r.train_loss === '') continue;
    const step = Number(r.step) + 1;
    if (!losses.has(r.run)) losses.set(r.run, new Map());
    const bySeed = losses.get(r.run)!;
    if (!bySeed.has(step)) bySeed.set(step, []);
    bySeed.get(step)!.push(Number(r.train_loss));
  }
}

/** run → step → the Hessian trace and the top eigenvalue of each seed (sharpness.csv, where measured). */
const sharpness = new Map<string, Map<number, { trace: number[]; topEig: number[] }>>();
for (const d of seedDirs) {
  const file = join(dir, d, 'sharpness.csv');
  if (!existsSync(file)) continue;
  for (const r of readCsv(file)) {
    if (r.trace === '' || r.trace === undefined) continue;
    if (!sharpness.has(r.run)) sharpness.set(r.run, new Map());
    const bySeed = sharpness.get(r.run)!;
    const step = Number(r.step);
    if (!bySeed.has(step)) bySeed.set(step, { trace: [], topEig: [] });
    bySeed.get(step)!.trace.push(Number(r.trace));
    if (r.top_eig !== '') bySeed.get(step)!.topEig.push(Number(r.top_eig));
  }
}
const withSharpness = sharpness.size > 0;

/** Run names from the first seed's config.json (the same runs for every seed). */
const names = new Map<string, string>();
const configPath = join(dir, seedDirs[0], 'config.json');
if (existsSync(configPath)) for (const r of (JSON.parse(readFileSync(configPath, 'utf8')) as { runs: { id: string; name: string }[] }).runs) names.set(r.id, r.name);

const COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7'];
const traces: object[] = [];
[...losses.entries()].forEach(([run, bySeed], i) => {
  const steps = [...bySeed.keys()].sort((a, b) => a - b);
  const stats = steps.map((s) => summarize(bySeed.get(s)!));
  const color = COLORS[i % COLORS.length];
  const upper = stats.map((s) => s.mean + s.se);
  const lower = stats.map((s) => Math.max(s.mean - s.se, 1e-12));
  traces.push({ x: [...steps, ...steps.slice().reverse()], y: [...upper, ...lower.reverse()], fill: 'toself', fillcolor: `${color}33`, line: { width: 0 }, hoverinfo: 'skip', showlegend: false, type: 'scatter' });
  traces.push({ x: steps, y: stats.map((s) => s.mean), name: `${run} ${names.get(run) ?? ''}: mean of ${seedDirs.length} seeds ± s.e.`, line: { color, width: 2 }, type: 'scatter', mode: 'lines' });
  const measured = sharpness.get(run);
  if (measured === undefined) return;
  const at = [...measured.keys()].sort((a, b) => a - b);
  for (const [key, dash, label] of [['trace', 'solid', 'Hessian trace'], ['topEig', 'dash', 'top eigenvalue']] as const) {
    const points = at.filter((s) => measured.get(s)![key].length > 0);
    const summaries = points.map((s) => summarize(measured.get(s)![key]));
    traces.push({ x: points, y: summaries.map((s) => s.mean), error_y: { type: 'data', array: summaries.map((s) => s.se), color }, name: `${run} ${label}`, line: { color, width: 2, dash }, mode: 'lines+markers', type: 'scatter', xaxis: 'x2', yaxis: 'y2' });
  }
});
const layout = {
  title: { text: title ?? dir, font: { size: 14 } },
  width: withSharpness ? 1160 : 760,
  height: 420,
  xaxis: { title: { text: 'step' }, domain: withSharpness ? [0, 0.55] : [0, 1] },
  yaxis: { title: { text: 'training loss' }, type: 'log' },
  ...(withSharpness ? { xaxis2: { title: { text: 'step' }, domain: [0.68, 1], anchor: 'y2' }, yaxis2: { title: { text: 'Hessian trace, top eigenvalue' }, type: 'log', anchor: 'x2' } } : {}),
  legend: withSharpness ? { x: 0.3, y: 0.98 } : { x: 0.55, y: 0.98 },
  margin: { l: 70, r: 20, t: 50, b: 50 },
};

const plotly = createRequire(import.meta.url).resolve('plotly.js-dist-min');
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: layout.width + 20, height: 440 } });
  await page.setContent('<div id="plot"></div>');
  await page.addScriptTag({ path: plotly });
  await page.evaluate(([data, lay]) => (window as unknown as { Plotly: { newPlot(el: string, d: unknown, l: unknown, c: unknown): Promise<void> } }).Plotly.newPlot('plot', data, lay, { staticPlot: true }), [traces, layout] as const);
  writeFileSync(png, await page.locator('#plot').screenshot());
  process.stdout.write(`wrote ${png} (${seedDirs.length} seeds, runs ${[...losses.keys()].join(', ')})\n`);
} finally {
  await browser.close();
}
