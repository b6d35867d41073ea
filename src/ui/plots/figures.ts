// Pure builders: store state → Plotly traces, layout and a plain-text summary for screen readers.
// Every user string (run names) goes through escapePlotlyText. SVG `scatter` traces only (no
// WebGL: a page of charts would exhaust the browser's WebGL contexts).
import type { PlotLayout, PlotTrace } from 'plotly.js-dist-min';
import type { LogEvent, Prefs, XAxis } from '../../store/store';
import { atStep, emaSmooth, lossDifference, lossDifferenceAtX, seriesKey, type RunSeries, type TrainSeries } from '../../store/series';
import { alignmentAt, alignSeeds, bandOf, lastBandIndex, meanOf, type SeedAlignment, type SeedBand } from '../../store/seedBands';
import { eventText } from '../../store/eventLog';
import { ireStartStep as ireStartOf } from '../../train/config';
import type { RunConfig } from '../../train/config';
import { escapePlotlyText, unescapePlotlyText } from './escape';
import { AUTO_FIRST_MEASUREMENT, SHARPNESS_BUDGET, type SharpnessCost } from '../../train/sharpnessSchedule';
import { runStyle, withAlpha } from './style';
import { stabilityLabels } from '../../train/edgeOfStability';

export type ChartKind = 'loss' | 'val' | 'sharpness' | 'stability' | 'diff' | 'mask' | 'lr' | 'gradNorm' | 'speed' | 'histogram';

/** What a chart reads of a run: its id and name (labels, style) and its optimizer (IRE start). */
export type ChartRun = Pick<RunConfig, 'id' | 'name' | 'optimizer'>;

export interface ChartInput {
  runs: readonly ChartRun[]; // in configuration order; the first is the difference chart's reference
  series: Record<string, RunSeries>; // keyed by seriesKey(run id, seed)
  /** Seeds per run (config.seeds): above 1, the per-run charts draw each run's mean over seeds with a band (prefs.band). */
  seeds: number;
  events: LogEvent[];
  prefs: Prefs;
  /** What one step feeds every run: B examples, or B·T tokens for text (the 'examples' axis). */
  perStep: { count: number; unit: 'examples' | 'tokens' };
}

/** The x axis's title. */
export function xAxisTitle(axis: XAxis, unit: 'examples' | 'tokens'): string {
  return { step: 'step', wall: 'wall time (s)', gradEvals: 'gradient evaluations', examples: `${unit} seen` }[axis];
}

/**
 * One entry of a chart's legend. The legend is HTML beside the plot (LiveChart), not Plotly's:
 * it changes only when runs are added, removed or renamed, and a Plotly legend would be redrawn,
 * text measured, at every redraw of the chart (a third of a loss-chart redraw).
 */
export interface LegendEntry {
  text: string; // plain text, shown with textContent
  color: string;
  dash: string; // a Plotly dash name: solid, dot, dash, longdash, dashdot, longdashdot
  width: number;
  marker: 'circle' | 'diamond' | null;
}

export interface Figure {
  data: PlotTrace[];
  layout: PlotLayout;
  legend: LegendEntry[]; // the traces drawn with showlegend unset, in order
  summary: string;
  empty: boolean;
  title: string; // chartTitle of the same runs
  emptyText: string; // what the chart says while `empty`
}

/** What each chart's builder returns; buildFigure adds the texts that depend on the runs only. */
type Plot = Omit<Figure, 'title' | 'emptyText' | 'legend'>;

export const CHART_TITLES: Record<ChartKind, string> = {
  loss: 'Training loss',
  val: 'Validation',
  sharpness: 'Sharpness (Hessian trace and top eigenvalue)',
  stability: 'Edge of stability (top eigenvalue against its threshold)',
  diff: 'Loss difference vs the first run',
  mask: 'Fraction of parameters boosted',
  lr: 'Learning rate',
  gradNorm: 'Gradient norm',
  speed: 'Steps per second',
  histogram: 'Hessian-diagonal estimate',
};

/** Charts where a log y-axis makes sense (strictly positive values). */
const LOG_Y_OK: ReadonlySet<ChartKind> = new Set(['loss', 'val', 'sharpness', 'stability', 'lr', 'gradNorm', 'speed']);
const MAX_POINTS = 1500;

const label = (r: { id: string; name: string }) => escapePlotlyText(`${r.id}: ${r.name}`);
const plainLabel = (r: { id: string; name: string }) => `${r.id} (${r.name})`;
const fmt = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(4)).toString() : String(x));

const EMPTY_TEXT: Record<ChartKind, string> = {
  loss: 'Start training to see the loss of each run.',
  val: 'Validation appears every evalEvery steps.',
  sharpness: 'Appears at the first sharpness measurement (“sharpness every” in Advanced settings; 0 = never).',
  stability: 'Appears at the first sharpness measurement of an SGD or AdamW run (SAM has no stability threshold).',
  diff: 'Appears once two runs have trained.',
  mask: 'Appears once IRE refreshes its mask.',
  lr: 'Start training to see the schedule.',
  gradNorm: 'Start training to see gradient norms.',
  speed: 'Start training to see throughput.',
  histogram: 'Appears at the first IRE mask refresh.',
};

/** A chart's title (plain text, for the caption): the difference chart names its reference run,
 *  the first of the configuration, which is B once A is removed. */
export function chartTitle(kind: ChartKind, runs: readonly ChartRun[]): string {
  if (kind === 'diff' && runs.length > 0) return `Loss difference vs ${plainLabel(runs[0])}`;
  return CHART_TITLES[kind];
}

/** What a chart without data says (plain text). */
export function chartEmptyText(kind: ChartKind, runs: readonly ChartRun[]): string {
  if (kind === 'diff' && runs.length < 2) return 'Only one run: nothing to compare. Add or fork a run to see its loss minus the first run’s.';
  return EMPTY_TEXT[kind];
}

/** Every k-th index (and the last) so that at most MAX_POINTS are drawn. */
function decimate<T>(xs: readonly T[]): T[] {
  if (xs.length <= MAX_POINTS) return xs.slice();
  const k = Math.ceil(xs.length / MAX_POINTS);
  const out: T[] = [];
  for (let i = 0; i < xs.length; i += k) out.push(xs[i]);
  if ((xs.length - 1) % k !== 0) out.push(xs[xs.length - 1]);
  return out;
}

/**
 * The x of each point of one of the series under `key` (a run id, or seriesKey(run id, seed):
 * train, eval or sharpness, step counts done) on the chosen axis. Gradient evaluations come from
 * that key's training series (the same step there; null where it has none, or in data recorded
 * before they were).
 */
function xOf(input: ChartInput, key: string, s: { step: number[]; wallMs: number[] }): (number | null)[] {
  switch (input.prefs.xAxis) {
    case 'step':
      return s.step;
    case 'wall':
      return s.wallMs.map((ms) => ms / 1000);
    case 'examples':
      return s.step.map((k) => k * input.perStep.count);
    case 'gradEvals': {
      const t = input.series[key]?.train;
      if (!t) return s.step.map(() => null);
      if (s === t) return t.gradEvals;
      return s.step.map((k) => (atStep(t, t.step, k) === k ? atStep(t, t.gradEvals, k) : null));
    }
  }
}

/** Where a marker at `step` of run `runId` stands on the chosen axis (the closest recorded step at or before it), or null. */
function xAtStep(input: ChartInput, runId: string, step: number): number | null {
  const t = input.series[runId]?.train;
  switch (input.prefs.xAxis) {
    case 'step':
      return step;
    case 'examples':
      return step * input.perStep.count;
    case 'wall': {
      const ms = t ? atStep(t, t.wallMs, step) : null;
      return ms === null ? null : ms / 1000;
    }
    case 'gradEvals':
      return t ? atStep(t, t.gradEvals, step) : null;
  }
}

function line(r: { id: string; name: string }, x: readonly (number | null)[], y: readonly (number | null)[], extra: PlotTrace = {}): PlotTrace {
  const st = runStyle(r.id);
  return {
    type: 'scatter',
    mode: 'lines',
    name: label(r),
    x: decimate(x),
    y: decimate(y),
    line: { color: st.color, dash: st.dash, width: 2 },
    hovertemplate: '%{y:.4g}',
    ...extra,
  };
}

/** Vertical markers for every logged change, fork and removal, in the chart's x units. */
function eventShapes(input: ChartInput): { shapes: PlotLayout[]; annotations: PlotLayout[] } {
  const shapes: PlotLayout[] = [];
  const annotations: PlotLayout[] = [];
  for (const e of input.events) {
    const owner = input.series[e.runId] || e.kind !== 'fork' ? e.runId : e.from;
    const x = xAtStep(input, owner, e.step);
    if (x === null || (input.prefs.logX && x <= 0)) continue;
    const color = runStyle(e.runId).color;
    shapes.push({ type: 'line', xref: 'x', yref: 'paper', x0: x, x1: x, y0: 0, y1: 1, line: { color, width: 1, dash: 'dot' }, opacity: 0.8 });
    if (input.events.length <= 12) {
      annotations.push({ x, xref: 'x', y: 1, yref: 'paper', yanchor: 'bottom', text: escapePlotlyText(eventText(e, true)), showarrow: false, font: { size: 9, color }, bgcolor: 'rgba(255,255,255,0.8)' });
    }
  }
  return { shapes, annotations };
}

/** The first 0-based step at which IRE acts on this run (the optimizer's own resolution of
 *  'warmup-end'), or null for a run without IRE. */
export function ireStartStep(r: ChartRun): number | null {
  return r.optimizer.ire.enabled ? ireStartOf(r.optimizer) : null;
}

/** `x` when the series has exactly `step`, else null (a marker is not drawn at a neighbour's time or cost). */
function exactlyAt(s: TrainSeries, step: number, x: number | null): number | null {
  return atStep(s, s.step, step) === step ? x : null;
}

/**
 * "IRE on (B) from step N": a dashed vertical in the run's colour for each IRE run. Series step k
 * counts the steps done, so IRE starting at 0-based step N (docs/algorithm.md "The update") switches on at
 * x = N, the same convention as the event markers (an edit made after N steps is drawn at N). On
 * the wall-time axis the marker sits at the wall time of step N when the series has that step.
 * A marker appears once the run has trained up to N: Plotly autoranges over shapes, so a marker
 * ahead of the data would squeeze the curves into the left of the chart.
 */
function ireStartShapes(input: ChartInput): { shapes: PlotLayout[]; annotations: PlotLayout[] } {
  const shapes: PlotLayout[] = [];
  const annotations: PlotLayout[] = [];
  for (const r of input.runs) {
    const start = ireStartStep(r);
    const s = input.series[r.id]?.train;
    if (start === null || !s || !((lastOf(s.step) ?? -1) >= start)) continue;
    const x = input.prefs.xAxis === 'step' || input.prefs.xAxis === 'examples' ? xAtStep(input, r.id, start) : exactlyAt(s, start, xAtStep(input, r.id, start));
    if (x === null || (input.prefs.logX && x <= 0)) continue;
    const color = runStyle(r.id).color;
    shapes.push({ type: 'line', xref: 'x', yref: 'paper', x0: x, x1: x, y0: 0, y1: 1, line: { color, width: 1.5, dash: 'longdash' }, opacity: 0.9 });
    // Stacked upwards from the bottom of the plot, so that runs starting at the same step stay legible.
    const text = escapePlotlyText(`IRE on (${r.id}) from step ${start}`);
    annotations.push({ x, xref: 'x', xanchor: 'left', y: 0, yref: 'paper', yanchor: 'bottom', yshift: 13 * annotations.length, text, showarrow: false, font: { size: 9, color }, bgcolor: 'rgba(255,255,255,0.8)' });
  }
  return { shapes, annotations };
}

function baseLayout(kind: ChartKind, input: ChartInput, yTitle: string): PlotLayout {
  const { prefs } = input;
  const markers = kind === 'histogram' ? [] : [eventShapes(input), ireStartShapes(input)];
  const shapes = markers.flatMap((m) => m.shapes);
  const annotations = markers.flatMap((m) => m.annotations);
  const logY = prefs.logY && LOG_Y_OK.has(kind);
  return {
    margin: { l: 56, r: 12, t: 22, b: 38 },
    height: 250,
    font: { family: 'system-ui, sans-serif', size: 11, color: '#1d2430' },
    paper_bgcolor: 'rgba(0,0,0,0)',
    plot_bgcolor: '#ffffff',
    // The legend is HTML under the plot (Figure.legend), drawn once per change of the runs.
    showlegend: false,
    hovermode: 'x unified',
    uirevision: `${kind}:${prefs.xAxis}:${prefs.logX}:${logY}`,
    xaxis: {
      title: { text: xAxisTitle(prefs.xAxis, input.perStep.unit), standoff: 4 },
      type: prefs.logX ? 'log' : 'linear',
      gridcolor: '#eceff3',
      zeroline: false,
      nticks: 6,
      automargin: false,
      ticklabeloverflow: 'allow',
    },
    yaxis: { title: { text: yTitle, standoff: 4 }, type: logY ? 'log' : 'linear', gridcolor: '#eceff3', zeroline: kind === 'diff', exponentformat: 'power', nticks: 5, automargin: false, ticklabeloverflow: 'allow' },
    shapes,
    annotations,
  };
}

function lastOf<T>(xs: readonly T[]): T | undefined {
  return xs.length ? xs[xs.length - 1] : undefined;
}

// --- Seeds: a run's mean over seeds with a band (ChartInput.seeds > 1) -------------------------
// With S = 1 none of this runs: every chart draws exactly what it drew before seeds existed.
//
// What a browser test can read from the Plotly div's `data` (el.data):
//   - the band of run B: name `band B` (`band B trace`, `band B − A`, …: the mean trace's
//     quantity after the id), showlegend false, hoverinfo 'skip', fill 'toself', meta
//     { band: 'stderr' | 'minmax', seeds: S }; one closed polygon, x = [x₀ … x_m, x_m … x₀],
//     y = [high₀ … high_m, low_m … low₀] (seedBands.ts), at the mean trace's points that have a
//     mean (a step where no seed has a finite value is a gap in the mean, and left out here);
//   - the mean of run B: its usual name (`B: AdmIRE`, in the legend), meta { band, seeds: S },
//     customdata = how many seeds have each point (fewer after a seed stopped);
//   - on the difference chart, seed s's paired difference: name `seed s B − A`, meta { seed: s },
//     showlegend false.
// Up to MAX_POINTS aligned steps every step is drawn, so the band matches the CSV's rows (every
// step) one for one; past it only decimate's steps (the last included) are aggregated and drawn.

/** One seed's curve on a chart: the keys it is aligned by (steps; gradient evaluations on the
 *  difference chart's equal-cost axis), its x on the chosen axis, its y, and the seed. */
interface SeedLine {
  seed: number;
  step: readonly number[];
  x: readonly (number | null)[];
  y: readonly (number | null)[];
}

/** A run's curve over seeds: the x of each aligned step, and the mean and band of y there. */
interface SeedMean {
  x: (number | null)[];
  band: SeedBand;
}

/** What a seed-band trace pair carries in `meta` (see above). */
const seedMeta = (input: ChartInput) => ({ band: input.prefs.band, seeds: input.seeds });

/** Seeds 0 … S − 1 of run `runId` with their series keys (seed 0's is the run id). */
function seedKeys(input: ChartInput, runId: string): { seed: number; key: string }[] {
  return Array.from({ length: Math.max(1, input.seeds) }, (_, seed) => ({ seed, key: seriesKey(runId, seed) }));
}

/** The seeds' curves of one column of run `runId`'s train, eval or sharpness series (seeds without points left out). */
function seedLines<S extends { step: number[]; wallMs: number[] }>(input: ChartInput, runId: string, part: (rs: RunSeries) => S, column: (s: S) => readonly (number | null)[]): SeedLine[] {
  const lines: SeedLine[] = [];
  for (const { seed, key } of seedKeys(input, runId)) {
    const rs = input.series[key];
    if (!rs) continue;
    const s = part(rs);
    if (s.step.length > 0) lines.push({ seed, step: s.step, x: xOf(input, key, s), y: column(s) });
  }
  return lines;
}

/**
 * The x of each aligned step. On the step and examples axes, the step's own x. On the wall-time
 * and gradient-evaluation axes, the mean of the x of the seeds that have the step: seeds differ
 * in wall time only by their order within a lockstep step (src/worker/session.ts) and not at all
 * in gradient evaluations, and seed 0's x alone would leave no x at the steps of a seed that
 * outlived it.
 */
function alignedX(input: ChartInput, alignment: SeedAlignment, lines: readonly SeedLine[]): (number | null)[] {
  if (input.prefs.xAxis === 'step') return alignment.step;
  if (input.prefs.xAxis === 'examples') return alignment.step.map((k) => k * input.perStep.count);
  return meanOf(alignment, lines.map((l) => l.x));
}

/**
 * The mean and band of the seeds' curves at the aligned steps that are drawn: past MAX_POINTS
 * only decimate's points are aggregated (the statistics cost more than the rest of a redraw).
 */
function seedMean(input: ChartInput, lines: readonly SeedLine[]): SeedMean {
  const all = alignSeeds(lines.map((l) => l.step));
  const alignment = all.step.length > MAX_POINTS ? alignmentAt(all, decimate(all.step.map((_, i) => i))) : all;
  return { x: alignedX(input, alignment, lines), band: bandOf(alignment, lines.map((l) => l.y), input.prefs.band) };
}

/** The band of a run's mean as one closed polygon (see above), points without an x or a mean left out. */
function bandTrace(input: ChartInput, r: { id: string }, m: SeedMean, what: string, extra: PlotTrace = {}): PlotTrace {
  const x = decimate(m.x);
  const high = decimate(m.band.high);
  const low = decimate(m.band.low);
  const forth: number[] = [];
  const upper: number[] = [];
  const lower: number[] = [];
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    const hi = high[i];
    const lo = low[i];
    if (xi === null || hi === null || lo === null) continue;
    forth.push(xi);
    upper.push(hi);
    lower.push(lo);
  }
  return {
    type: 'scatter',
    mode: 'lines',
    name: escapePlotlyText(`band ${r.id}${what ? ` ${what}` : ''}`),
    x: forth.concat(forth.slice().reverse()),
    y: upper.concat(lower.reverse()),
    fill: 'toself',
    fillcolor: withAlpha(runStyle(r.id).color, 0.18),
    line: { width: 0 },
    hoverinfo: 'skip',
    showlegend: false,
    meta: seedMeta(input),
    ...extra,
  };
}

/** The mean's trace: the run's usual line (`extra` as for one seed), with the seeds' count per point. */
function meanTrace(input: ChartInput, r: { id: string; name: string }, m: SeedMean, extra: PlotTrace = {}): PlotTrace {
  const template = typeof extra.hovertemplate === 'string' ? extra.hovertemplate : '%{y:.4g}';
  return line(r, m.x, m.band.mean, { ...extra, customdata: decimate(m.band.n), hovertemplate: `${template} (mean of %{customdata} seeds)`, meta: seedMeta(input) });
}

/** "mean of 3 seeds ± 1 s.e. 0.52 ± 0.01", or "mean of 2 of 3 seeds 0.52, min–max 0.5–0.54", at aligned step i. */
function seedText(input: ChartInput, band: SeedBand, i: number): string {
  const mean = band.mean[i]!;
  const of = band.n[i] < input.seeds ? `${band.n[i]} of ${input.seeds}` : `${input.seeds}`;
  if (input.prefs.band === 'minmax') return `mean of ${of} seeds ${fmt(mean)}, min–max ${fmt(band.low[i]!)}–${fmt(band.high[i]!)}`;
  return `mean of ${of} seeds ± 1 s.e. ${fmt(mean)} ± ${fmt(band.high[i]! - mean)}`;
}

/**
 * Band and mean traces of run r's seed curves (`what` names the band after the run id, `extra`
 * styles the mean as the one-seed line), the last aligned step with a mean and seedText there;
 * null without data.
 */
function seedCurve(input: ChartInput, r: ChartRun, lines: readonly SeedLine[], what: string, extra: PlotTrace = {}): { traces: PlotTrace[]; last: number; text: string } | null {
  if (lines.length === 0) return null;
  const m = seedMean(input, lines);
  const i = lastBandIndex(m.band);
  if (i === null) return null;
  const sameAxis = extra.yaxis === undefined ? {} : { yaxis: extra.yaxis };
  return { traces: [bandTrace(input, r, m, what, sameAxis), meanTrace(input, r, m, extra)], last: m.band.step[i], text: seedText(input, m.band, i) };
}

/** One run's traces on a chart with seeds, and its part of the summary. */
interface RunTraces {
  traces: PlotTrace[];
  text: string;
}

/** Run r on the loss chart with seeds: each seed's loss smoothed (EMA) first, then averaged; no raw traces (S faint curves would hide the band). */
function lossOfSeeds(input: ChartInput, r: ChartRun): RunTraces | null {
  const st = runStyle(r.id);
  const lines = seedLines(input, r.id, (rs) => rs.train, (s) => emaSmooth(s.loss, input.prefs.smoothing));
  const c = seedCurve(input, r, lines, '', { line: { color: st.color, dash: st.dash, width: 2.5 } });
  return c && { traces: c.traces, text: `${plainLabel(r)} at step ${c.last}: smoothed loss, ${c.text}` };
}

/** Run r on the validation chart with seeds: loss, and accuracy on the right axis where recorded. */
function valOfSeeds(input: ChartInput, r: ChartRun): (RunTraces & { hasAcc: boolean }) | null {
  const loss = seedCurve(input, r, seedLines(input, r.id, (rs) => rs.eval, (s) => s.valLoss), 'loss', { mode: 'lines+markers', marker: { size: 5 }, name: `${label(r)} loss` });
  if (!loss) return null;
  const accLines = seedLines(input, r.id, (rs) => rs.eval, (s) => s.valAcc);
  const acc = seedCurve(input, r, accLines, 'accuracy', { mode: 'lines+markers', marker: { size: 5, symbol: 'diamond' }, yaxis: 'y2', name: `${label(r)} accuracy`, line: { color: runStyle(r.id).color, dash: 'dot', width: 1.5 } });
  const text = `${plainLabel(r)} at step ${loss.last}: validation loss, ${loss.text}${acc ? `; accuracy, ${acc.text}` : ''}`;
  return { traces: [...loss.traces, ...(acc?.traces ?? [])], text, hasAcc: acc !== null };
}

/**
 * Run r on the sharpness chart with seeds: the Hessian trace and top eigenvalue, each a mean with
 * its band over seeds. The band replaces the one-seed band of the Hutchinson estimate's own
 * s.e.: each seed draws its own probes, so the spread over seeds contains that noise too.
 */
function sharpnessOfSeeds(input: ChartInput, r: ChartRun): RunTraces | null {
  const st = runStyle(r.id);
  const trace = seedCurve(input, r, seedLines(input, r.id, (rs) => rs.sharpness, (s) => s.trace), 'trace', { mode: 'lines+markers', marker: { size: 4 }, name: `${label(r)} trace` });
  if (!trace) return null;
  const eigLines = seedLines(input, r.id, (rs) => rs.sharpness, (s) => s.topEig);
  const eig = seedCurve(input, r, eigLines, 'top eigenvalue', { mode: 'lines+markers', marker: { size: 4, symbol: 'diamond' }, name: `${label(r)} top eigenvalue`, line: { color: st.color, dash: 'dot', width: 1.5 }, hovertemplate: 'λ_max %{y:.4g}' });
  const text = `${plainLabel(r)} at step ${trace.last}: Hessian trace, ${trace.text}${eig ? `; top eigenvalue, ${eig.text}` : ''}`;
  return { traces: [...trace.traces, ...(eig?.traces ?? [])], text };
}

/** Run r on the mask or gradient-norm chart with seeds (lr and throughput are the same in every seed: seed 0 draws them). */
function columnOfSeeds(input: ChartInput, r: ChartRun, column: (s: TrainSeries) => (number | null)[], yTitle: string): RunTraces | null {
  const c = seedCurve(input, r, seedLines(input, r.id, (rs) => rs.train, column), '');
  return c && { traces: c.traces, text: `${plainLabel(r)} at step ${c.last}: ${yTitle}, ${c.text}` };
}

/**
 * Seed `seed`'s paired difference, run − reference, both of that seed (they share initial
 * parameters and batches: docs/experiments.md, "Seeds and intervals"), smoothed; aligned by step,
 * or on the gradient-evaluation axis at equal cost (lossDifferenceAtX) and aligned by that x.
 */
function pairedLine(input: ChartInput, seed: number, key: string, ref: TrainSeries, run: TrainSeries): SeedLine | null {
  if (input.prefs.xAxis === 'gradEvals') {
    const e = lossDifferenceAtX(ref.gradEvals, ref.loss, run.gradEvals, run.loss);
    return e.diff.length === 0 ? null : { seed, step: e.x, x: e.x, y: emaSmooth(e.diff, input.prefs.smoothing) };
  }
  const d = lossDifference(ref, run);
  return d.diff.length === 0 ? null : { seed, step: d.step, x: xOf(input, key, { step: d.step, wallMs: d.wallMs }), y: emaSmooth(d.diff, input.prefs.smoothing) };
}

/** Run r on the difference chart with seeds: each seed's paired difference thin and faint, their mean with its band. */
function diffOfSeeds(input: ChartInput, ref: ChartRun, r: ChartRun): RunTraces | null {
  const lines: SeedLine[] = [];
  for (const { seed, key } of seedKeys(input, r.id)) {
    const a = input.series[seriesKey(ref.id, seed)]?.train;
    const b = input.series[key]?.train;
    const l = a && b ? pairedLine(input, seed, key, a, b) : null;
    if (l) lines.push(l);
  }
  const vs = `− ${ref.id}`;
  const c = seedCurve(input, r, lines, vs, { name: `${label(r)} ${escapePlotlyText(vs)}` });
  if (!c) return null;
  const faint = withAlpha(runStyle(r.id).color, 0.35);
  const seeds = lines.map((l) => line(r, l.x, l.y, { name: escapePlotlyText(`seed ${l.seed} ${r.id} ${vs}`), showlegend: false, hoverinfo: 'skip', hovertemplate: undefined, line: { color: faint, width: 1 }, meta: { seed: l.seed } }));
  const [band, mean] = c.traces;
  const where = input.prefs.xAxis === 'gradEvals' ? `at ${c.last} gradient evaluations` : `at step ${c.last}`;
  return { traces: [band, ...seeds, mean], text: `${r.id} minus ${ref.id} ${where}: paired difference (smoothed), ${c.text}` };
}

/** Adds one run's traces and summary (nothing for a run without data). */
function addRun(data: PlotTrace[], parts: string[], run: RunTraces | null): void {
  if (!run) return;
  data.push(...run.traces);
  parts.push(run.text);
}

function lossFigure(input: ChartInput): Plot {
  const data: PlotTrace[] = [];
  const parts: string[] = [];
  input.runs.forEach((r) => {
    if (input.seeds > 1) return addRun(data, parts, lossOfSeeds(input, r));
    const s = input.series[r.id]?.train;
    if (!s || s.step.length === 0) return;
    const x = xOf(input, r.id, s);
    const smooth = emaSmooth(s.loss, input.prefs.smoothing);
    const st = runStyle(r.id);
    data.push(line(r, x, s.loss, { name: `${label(r)} (raw)`, line: { color: withAlpha(st.color, 0.28), width: 1 }, showlegend: false, hoverinfo: 'skip', hovertemplate: undefined }));
    data.push(line(r, x, smooth, { line: { color: st.color, dash: st.dash, width: 2.5 } }));
    parts.push(`${plainLabel(r)} at step ${lastOf(s.step)}: loss ${fmt(lastOf(s.loss)!)}, smoothed ${fmt(lastOf(smooth)!)}`);
  });
  return { data, layout: baseLayout('loss', input, 'loss'), summary: parts.join('; '), empty: data.length === 0 };
}

function valFigure(input: ChartInput): Plot {
  const data: PlotTrace[] = [];
  const parts: string[] = [];
  let hasAcc = false;
  input.runs.forEach((r) => {
    if (input.seeds > 1) {
      const c = valOfSeeds(input, r);
      hasAcc ||= c?.hasAcc ?? false;
      return addRun(data, parts, c);
    }
    const s = input.series[r.id]?.eval;
    if (!s || s.step.length === 0) return;
    const x = xOf(input, r.id, s);
    data.push(line(r, x, s.valLoss, { mode: 'lines+markers', marker: { size: 5 }, name: `${label(r)} loss` }));
    let text = `${plainLabel(r)} at step ${lastOf(s.step)}: validation loss ${fmt(lastOf(s.valLoss)!)}`;
    if (s.valAcc.some((a) => a !== null)) {
      hasAcc = true;
      data.push(line(r, x, s.valAcc, { mode: 'lines+markers', marker: { size: 5, symbol: 'diamond' }, yaxis: 'y2', name: `${label(r)} accuracy`, line: { color: runStyle(r.id).color, dash: 'dot', width: 1.5 } }));
      text += `, accuracy ${fmt(lastOf(s.valAcc) ?? NaN)}`;
    }
    parts.push(text);
  });
  const layout = baseLayout('val', input, 'validation loss');
  if (hasAcc) layout.yaxis2 = { title: { text: 'accuracy' }, overlaying: 'y', side: 'right', range: [0, 1], showgrid: false };
  return { data, layout, summary: parts.join('; '), empty: data.length === 0 };
}

function sharpnessFigure(input: ChartInput): Plot {
  const data: PlotTrace[] = [];
  const parts: string[] = [];
  input.runs.forEach((r) => {
    if (input.seeds > 1) return addRun(data, parts, sharpnessOfSeeds(input, r));
    const s = input.series[r.id]?.sharpness;
    if (!s || s.step.length === 0) return;
    const x = xOf(input, r.id, s);
    const st = runStyle(r.id);
    const upper = s.trace.map((t, k) => t + s.traceStderr[k]);
    const lower = s.trace.map((t, k) => t - s.traceStderr[k]);
    data.push({ type: 'scatter', mode: 'lines', x: [...x, ...x.slice().reverse()], y: [...upper, ...lower.reverse()], fill: 'toself', fillcolor: withAlpha(st.color, 0.15), line: { width: 0 }, hoverinfo: 'skip', showlegend: false, name: `${label(r)} ± s.e.` });
    data.push(line(r, x, s.trace, { mode: 'lines+markers', marker: { size: 4 }, name: `${label(r)} trace`, customdata: decimate(s.traceStderr), hovertemplate: '%{y:.4g} ± %{customdata:.2g}' }));
    if (s.topEig.some((v) => v !== null)) data.push(line(r, x, s.topEig, { mode: 'lines+markers', marker: { size: 4, symbol: 'diamond' }, name: `${label(r)} top eigenvalue`, line: { color: st.color, dash: 'dot', width: 1.5 }, hovertemplate: 'λ_max %{y:.4g}' }));
    parts.push(`${plainLabel(r)} at step ${lastOf(s.step)}: Hessian trace ${fmt(lastOf(s.trace)!)} ± ${fmt(lastOf(s.traceStderr)!)}`);
  });
  return { data, layout: baseLayout('sharpness', input, 'Tr ∇²L (○), λ_max (◇)'), summary: parts.join('; '), empty: data.length === 0 };
}

/**
 * Each run's top eigenvalue against its edge of stability (docs/algorithm.md "Sharpness"): the
 * eigenvalue the threshold bounds (of H for SGD, of P⁻¹H with the run's own Adam state for AdamW
 * and AdmIRE) with markers, the threshold at the run's learning rate dashed, in the run's colour.
 * The hover gives the ratio; a SAM run is named in the summary as having no threshold.
 */
function stabilityFigure(input: ChartInput): Plot {
  const data: PlotTrace[] = [];
  const parts: string[] = [];
  input.runs.forEach((r) => {
    const s = input.series[r.id]?.sharpness;
    if (!s || s.step.length === 0) return;
    const names = stabilityLabels(r.optimizer);
    if (!names) {
      parts.push(`${plainLabel(r)}: ${r.optimizer.base.toUpperCase()} has no edge-of-stability threshold`);
      return;
    }
    const k = s.eosSharpness.findLastIndex((v) => v !== null);
    if (k < 0) return;
    const x = xOf(input, r.id, s);
    const st = runStyle(r.id);
    const ratio = s.eosSharpness.map((v, i) => (v !== null && s.eosThreshold[i] !== null ? v / s.eosThreshold[i]! : null));
    data.push(line(r, x, s.eosSharpness, { mode: 'lines+markers', marker: { size: 5, symbol: 'diamond' }, name: `${label(r)} ${names.sharpness}`, customdata: decimate(ratio), hovertemplate: `${names.sharpness} %{y:.4g} (%{customdata:.2f} × threshold)` }));
    // A tick at each measurement too: a single measurement draws no line, and the threshold must show from the first.
    data.push(line(r, x, s.eosThreshold, { mode: 'lines+markers', marker: { size: 10, symbol: 'line-ew-open', color: st.color }, name: `${label(r)} threshold ${names.threshold}`, line: { color: st.color, dash: 'dash', width: 1.5 }, hovertemplate: `${names.threshold} = %{y:.4g}` }));
    parts.push(`${plainLabel(r)} at step ${s.step[k]}: ${names.sharpness} ${fmt(s.eosSharpness[k]!)}, ${fmt(ratio[k]!)} × its threshold ${names.threshold} = ${fmt(s.eosThreshold[k]!)}`);
  });
  return { data, layout: baseLayout('stability', input, 'λ_max (◇), threshold (–)'), summary: parts.join('; '), empty: data.length === 0 };
}

/** Each run's loss minus the reference's: the first run of the configuration (B once A is removed). */
function diffFigure(input: ChartInput): Plot {
  const data: PlotTrace[] = [];
  const parts: string[] = [];
  const [ref, ...others] = input.runs;
  const refSeries = ref && input.series[ref.id]?.train;
  if (refSeries) {
    others.forEach((r) => {
      if (input.seeds > 1) return addRun(data, parts, diffOfSeeds(input, ref, r));
      const s = input.series[r.id]?.train;
      if (!s) return;
      // On the gradient-evaluation axis the runs are compared at equal cost (the reference
      // interpolated), elsewhere at equal steps.
      const atCost = input.prefs.xAxis === 'gradEvals';
      const d = atCost ? null : lossDifference(refSeries, s);
      const e = atCost ? lossDifferenceAtX(refSeries.gradEvals, refSeries.loss, s.gradEvals, s.loss) : null;
      const diff = d ? d.diff : e!.diff;
      if (diff.length === 0) return;
      const x = d ? xOf(input, r.id, { step: d.step, wallMs: d.wallMs }) : e!.x;
      const smooth = emaSmooth(diff, input.prefs.smoothing);
      data.push(line(r, x, smooth, { name: `${label(r)} − ${escapePlotlyText(ref.id)}` }));
      const where = d ? `at step ${lastOf(d.step)}` : `at ${lastOf(e!.x)} gradient evaluations`;
      parts.push(`${r.id} minus ${ref.id} ${where}: ${fmt(lastOf(smooth)!)} (smoothed)`);
    });
  }
  const equal = input.prefs.xAxis === 'gradEvals' ? ' at equal cost' : '';
  const layout = baseLayout('diff', input, ref ? `loss − loss(${escapePlotlyText(ref.id)})${equal}` : 'loss difference');
  return { data, layout, summary: parts.join('; '), empty: data.length === 0 };
}

function columnFigure(kind: 'mask' | 'lr' | 'gradNorm' | 'speed', input: ChartInput): Plot {
  const pick: Record<typeof kind, (s: TrainSeries) => (number | null)[]> = {
    mask: (s) => s.maskFraction,
    lr: (s) => s.lr,
    gradNorm: (s) => s.gradNorm,
    speed: (s) => s.stepsPerSec,
  };
  const yTitle = { mask: 'fraction boosted', lr: 'learning rate', gradNorm: '‖g‖', speed: 'steps / s' }[kind];
  const data: PlotTrace[] = [];
  const parts: string[] = [];
  input.runs.forEach((r) => {
    if (input.seeds > 1 && (kind === 'mask' || kind === 'gradNorm')) return addRun(data, parts, columnOfSeeds(input, r, pick[kind], yTitle));
    const s = input.series[r.id]?.train;
    if (!s || s.step.length === 0) return;
    const y = pick[kind](s);
    if (!y.some((v) => v !== null)) return;
    data.push(line(r, xOf(input, r.id, s), y));
    parts.push(`${plainLabel(r)} at step ${lastOf(s.step)}: ${yTitle} ${fmt(lastOf(y) ?? NaN)}`);
  });
  const layout = baseLayout(kind, input, yTitle);
  if (kind === 'mask') (layout.yaxis as PlotLayout).range = [0, 1.02];
  return { data, layout, summary: parts.join('; '), empty: data.length === 0 };
}

function histogramFigure(input: ChartInput): Plot {
  const data: PlotTrace[] = [];
  const shapes: PlotLayout[] = [];
  const parts: string[] = [];
  input.runs.forEach((r) => {
    const h = input.series[r.id]?.histogram;
    if (!h || h.counts.length === 0) return;
    const st = runStyle(r.id);
    // A step outline over the log-spaced bins: x = edges, y = counts (the last repeated).
    data.push({
      type: 'scatter',
      mode: 'lines',
      x: h.edges,
      y: [...h.counts, h.counts[h.counts.length - 1]],
      line: { shape: 'hv', color: st.color, dash: st.dash, width: 1.5 },
      fill: 'tozeroy',
      fillcolor: withAlpha(st.color, 0.12),
      name: `${label(r)} @ step ${h.step}`,
      hovertemplate: 'h ≥ %{x:.2e}: %{y} entries',
    });
    if (h.threshold > 0) {
      shapes.push({ type: 'line', xref: 'x', yref: 'paper', x0: h.threshold, x1: h.threshold, y0: 0, y1: 1, line: { color: st.color, width: 2, dash: 'dash' } });
    }
    const total = h.counts.reduce((a, b) => a + b, 0) + h.zeros;
    parts.push(`${plainLabel(r)} at step ${h.step}: ${total} entries, ${h.zeros} exactly zero, γ = ${h.gamma} threshold ${h.threshold.toExponential(2)}`);
  });
  const layout = baseLayout('histogram', input, 'entries');
  layout.xaxis = { title: { text: 'h (log scale); dashed: γ threshold, left of it is boosted', standoff: 4 }, type: 'log', gridcolor: '#eceff3', exponentformat: 'power' };
  layout.hovermode = 'closest';
  layout.shapes = shapes;
  return { data, layout, summary: parts.join('; '), empty: data.length === 0 };
}

function plotOf(kind: ChartKind, input: ChartInput): Plot {
  switch (kind) {
    case 'loss':
      return lossFigure(input);
    case 'val':
      return valFigure(input);
    case 'sharpness':
      return sharpnessFigure(input);
    case 'stability':
      return stabilityFigure(input);
    case 'diff':
      return diffFigure(input);
    case 'histogram':
      return histogramFigure(input);
    default:
      return columnFigure(kind, input);
  }
}

/** The legend entries of a figure's traces: every trace not marked showlegend: false. */
export function legendOf(data: readonly PlotTrace[]): LegendEntry[] {
  return data
    .filter((t) => t.showlegend !== false)
    .map((t) => {
      const ln = (t.line ?? {}) as { color?: string; dash?: string; width?: number };
      const mode = String(t.mode ?? 'lines');
      const symbol = (t.marker as { symbol?: string } | undefined)?.symbol;
      return {
        text: unescapePlotlyText(String(t.name ?? '')),
        color: ln.color ?? '#000000',
        dash: ln.dash ?? 'solid',
        width: ln.width ?? 2,
        // A tick mark (line-ew) only marks the points of a line: the legend shows the line alone.
        marker: mode.includes('markers') && !symbol?.startsWith('line-') ? (symbol === 'diamond' ? 'diamond' : 'circle') : null,
      };
    });
}

export function buildFigure(kind: ChartKind, input: ChartInput): Figure {
  const plot = plotOf(kind, input);
  return { ...plot, legend: legendOf(plot.data), title: chartTitle(kind, input.runs), emptyText: chartEmptyText(kind, input.runs) };
}

/**
 * The line under the sharpness chart: how often it is measured and, once measured, what it
 * costs ("every 23 steps (auto: at most 15 % of training time) · 11 % so far (14.9 % from here on) · 0.8 s each").
 */
export function sharpnessNote(every: number | 'auto', cost: SharpnessCost | null, measured: boolean): string | null {
  if (every === 0) return 'Sharpness is off (“sharpness every” 0 in Advanced settings).';
  const budget = `at most ${Math.round(100 * SHARPNESS_BUDGET)} % of training time`;
  if (!measured || cost === null) return every === 'auto' ? `Measured automatically (${budget}), first after ${AUTO_FIRST_MEASUREMENT} steps.` : `Measured every ${every} steps.`;
  const interval = cost.auto ? `every ${cost.every} steps (auto: ${budget})` : `every ${cost.every} steps`;
  const steady = cost.auto ? ` (${(100 * cost.steadyShare).toFixed(1)} % from here on)` : '';
  return `Lanczos top eigenvalue and Hutchinson trace ± s.e., ${interval} · ${(100 * cost.share).toFixed(1)} % of training time so far${steady} · ${(cost.measureMs / 1000).toFixed(2)} s per measurement.`;
}

/** The line under the edge-of-stability chart: what the dashed thresholds are. */
export const STABILITY_NOTE =
  'Dashed: the curvature at which each run’s optimizer, at its current η, would diverge on a quadratic — SGD with momentum β: 2(1+β)/η on the Hessian H; AdamW and AdmIRE: (2+2β₁)/((1−β₁)η) on P⁻¹H, the Hessian preconditioned by the run’s own Adam state (38/η at β₁ = 0.9). Full-batch training rises to its line and hovers there; a minibatch estimate scatters around it.';
