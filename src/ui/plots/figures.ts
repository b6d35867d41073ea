// Pure builders: store state → Plotly traces, layout and a plain-text summary for screen readers.
// Every user string (run names) goes through escapePlotlyText. SVG `scatter` traces only (no
// WebGL: a page of charts would exhaust the browser's WebGL contexts).
import type { PlotLayout, PlotTrace } from 'plotly.js-dist-min';
import type { LogEvent, Prefs, XAxis } from '../../store/store';
import { atStep, emaSmooth, lossDifference, lossDifferenceAtX, type RunSeries, type TrainSeries } from '../../store/series';
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
  series: Record<string, RunSeries>;
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
 * The x of each point of one of run `runId`'s series (train, eval or sharpness: step counts done)
 * on the chosen axis. Gradient evaluations come from the run's training series (the same step
 * there; null where it has none, or in data recorded before they were).
 */
function xOf(input: ChartInput, runId: string, s: { step: number[]; wallMs: number[] }): (number | null)[] {
  switch (input.prefs.xAxis) {
    case 'step':
      return s.step;
    case 'wall':
      return s.wallMs.map((ms) => ms / 1000);
    case 'examples':
      return s.step.map((k) => k * input.perStep.count);
    case 'gradEvals': {
      const t = input.series[runId]?.train;
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

function line(r: { id: string; name: string }, x: readonly (number | null)[], y: (number | null)[], extra: PlotTrace = {}): PlotTrace {
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

function lossFigure(input: ChartInput): Plot {
  const data: PlotTrace[] = [];
  const parts: string[] = [];
  input.runs.forEach((r) => {
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
