// One live chart. Data reach Plotly through a store subscription, throttled to a human rate
// (≤ 6–7 redraws per second), never through a React re-render per step. The screen-reader
// summary is written by the same redraw.
import { useEffect, useRef } from 'react';
import type { PlotlyApi } from 'plotly.js-dist-min';
import { useStore } from 'zustand';
import type { AppState, AppStore } from '../../store/store';
import { MODEL_PRESETS } from '../../train/config';
import { buildFigure, chartEmptyText, chartTitle, type ChartInput, type ChartKind } from './figures';
import { loadPlotly, PLOT_CONFIG } from './loadPlotly';
import { renderLegend } from './legend';

export const REDRAW_INTERVAL_MS = 150;

function chartInput(s: AppState): ChartInput {
  const model = MODEL_PRESETS[s.config.model];
  const perStep = model.kind === 'gpt' ? { count: s.config.batchSize * model.context, unit: 'tokens' as const } : { count: s.config.batchSize, unit: 'examples' as const };
  return { runs: s.config.runs, series: s.series, seeds: s.config.seeds, events: s.events, prefs: s.prefs, perStep };
}

/** What, in the state, a chart depends on. */
const changed = (a: AppState, b: AppState) =>
  a.metricsRevision !== b.metricsRevision || a.events !== b.events || a.prefs !== b.prefs || a.config.runs !== b.config.runs || a.config.seeds !== b.config.seeds || a.config.batchSize !== b.config.batchSize || a.config.model !== b.config.model;

/** A line under a chart that re-renders only when its text changes (`note` returns null for none). */
export type ChartNote = (s: AppState) => string | null;

export function LiveChart({ store, kind, note }: { store: AppStore; kind: ChartKind; note?: ChartNote }) {
  const plotRef = useRef<HTMLDivElement>(null);
  const summaryRef = useRef<HTMLParagraphElement>(null);
  const emptyRef = useRef<HTMLParagraphElement>(null);
  const legendRef = useRef<HTMLUListElement>(null);
  // The caption and the empty text name runs (the difference chart's reference): they re-render
  // only when those strings change, i.e. when runs are added, removed or renamed.
  const title = useStore(store, (s) => chartTitle(kind, s.config.runs));
  const emptyText = useStore(store, (s) => chartEmptyText(kind, s.config.runs));
  const noteText = useStore(store, (s) => note?.(s) ?? null);

  useEffect(() => {
    let plotly: PlotlyApi | null = null;
    let disposed = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let lastDraw = 0;
    let drawCost = 0;

    const draw = () => {
      timer = null;
      const el = plotRef.current;
      if (disposed || !el || !plotly) return;
      const started = performance.now();
      lastDraw = started;
      const fig = buildFigure(kind, chartInput(store.getState()));
      if (summaryRef.current) summaryRef.current.textContent = `${fig.title}. ${fig.empty ? fig.emptyText : fig.summary}`;
      if (emptyRef.current) emptyRef.current.hidden = !fig.empty;
      el.style.visibility = fig.empty ? 'hidden' : 'visible';
      if (legendRef.current) renderLegend(legendRef.current, fig.empty ? [] : fig.legend);
      // The first draw builds the whole SVG (the costly part); it happens right after Plotly
      // loads, while the page is idle, so that redraws during training only update it.
      void plotly.react(el, fig.data, fig.layout, PLOT_CONFIG).then(() => {
        // Adaptive rate: a chart spends at most about a sixth of the main thread on redraws, so
        // a slow machine (or a CPU-emulated GPU competing for the cores) stays responsive.
        drawCost = performance.now() - started;
      });
    };
    // Charts scrolled out of view are not redrawn (each redraw is a main-thread task); they catch
    // up when they come into view.
    let visible = true;
    let dirty = false;
    const schedule = () => {
      if (disposed) return;
      if (!visible) {
        dirty = true;
        return;
      }
      if (timer !== null) return;
      timer = setTimeout(draw, Math.max(0, lastDraw + Math.max(REDRAW_INTERVAL_MS, 6 * drawCost) - performance.now()));
    };
    const observer =
      typeof IntersectionObserver === 'undefined'
        ? null
        : new IntersectionObserver((entries) => {
            visible = entries.some((e) => e.isIntersecting);
            if (visible && dirty) {
              dirty = false;
              schedule();
            }
          });
    if (observer && plotRef.current) observer.observe(plotRef.current);
    const unsubscribe = store.subscribe((s, prev) => {
      if (changed(s, prev)) schedule();
    });
    void loadPlotly().then((p) => {
      plotly = p;
      schedule();
    });
    return () => {
      disposed = true;
      observer?.disconnect();
      unsubscribe();
      if (timer !== null) clearTimeout(timer);
      if (plotRef.current && plotly) plotly.purge(plotRef.current);
    };
  }, [store, kind]);

  const titleId = `chart-${kind}-title`;
  return (
    <figure className="chart" aria-labelledby={titleId} data-testid={`chart-${kind}`}>
      <figcaption id={titleId}>{title}</figcaption>
      <p ref={emptyRef} className="chart-empty">
        {emptyText}
      </p>
      <div ref={plotRef} className="chart-plot" aria-hidden="true" />
      <ul ref={legendRef} className="chart-legend" data-testid={`chart-${kind}-legend`} hidden />
      {noteText && (
        <p className="chart-note" data-testid={`chart-${kind}-note`}>
          {noteText}
        </p>
      )}
      <p ref={summaryRef} className="visually-hidden" aria-live="off" data-testid={`chart-${kind}-summary`} />
    </figure>
  );
}
