// The paper's Figure 1: L(u, v) = (1 + u²) v² / 2, the valley v = 0 with its flattest point at
// u = 0. Contours are drawn here from the formula; the trajectories (GD η, GD 2η, IRE at κ) come
// from the engine's optimizer code through the worker (`toy-result`), and are animated.
// A refused setting (toyParams.ts ranges) shows its message next to its control.
import { useEffect, useId, useRef, useState } from 'react';
import { useStore } from 'zustand';
import type { PlotlyApi, PlotlyHTMLElement, PlotTrace } from 'plotly.js-dist-min';
import { parseNumberInput } from '../util/parseNumber';
import type { AppStore, ToyParams } from '../store/store';
import { describeToyRange, TOY_RANGES, validateToyParams } from '../store/toyParams';
import type { ToyResult } from '../worker/protocol';
import { escapePlotlyText } from './plots/escape';
import { loadPlotly, PLOT_CONFIG } from './plots/loadPlotly';
import { OKABE_ITO, DASHES } from './plots/style';
import { NumberInput } from './NumberInput';

const toyLoss = (u: number, v: number) => ((1 + u * u) * v * v) / 2;
const ANIMATION_MS = 1500;
const FRAME_MS = 80;

interface View {
  u: [number, number];
  v: [number, number];
}

function viewFor(start: [number, number]): View {
  const [u0, v0] = start;
  const vmax = Math.max(Math.abs(v0) * 3, 1e-3);
  return { u: [Math.min(-0.2, u0 * 1.25), Math.max(1.25, u0 * 1.25)], v: [-vmax, vmax] };
}

function contourTrace(view: View): PlotTrace {
  const n = 90;
  const us = Array.from({ length: n }, (_, i) => view.u[0] + ((view.u[1] - view.u[0]) * i) / (n - 1));
  const vs = Array.from({ length: n }, (_, j) => view.v[0] + ((view.v[1] - view.v[0]) * j) / (n - 1));
  const z = vs.map((v) => us.map((u) => Math.log10(toyLoss(u, v) + 1e-30)));
  return {
    type: 'contour',
    x: us,
    y: vs,
    z,
    colorscale: 'Greys',
    reversescale: true,
    opacity: 0.55,
    contours: { coloring: 'heatmap', showlines: true },
    line: { width: 0.5, color: '#8892a0' },
    colorbar: { title: { text: 'log₁₀ L' }, thickness: 10, len: 0.8 },
    hovertemplate: 'u %{x:.3f}, v %{y:.2e}<extra>click: start here</extra>',
    name: 'L(u,v)',
  };
}

function trajectoryTraces(result: ToyResult, view: View, upTo: number): PlotTrace[] {
  return result.trajectories.map((t, i) => {
    const n = Math.min(t.u.length, upTo + 1);
    const u: number[] = [];
    const v: number[] = [];
    for (let k = 0; k < n; k++) {
      // Clip what leaves the view (a diverging run) so the axes stay on the valley.
      if (!Number.isFinite(t.u[k]) || !Number.isFinite(t.v[k]) || Math.abs(t.v[k]) > 20 * view.v[1]) break;
      u.push(t.u[k]);
      v.push(t.v[k]);
    }
    const color = [OKABE_ITO[0], OKABE_ITO[1], OKABE_ITO[2]][i % 3];
    return {
      type: 'scatter',
      mode: 'lines+markers',
      x: u,
      y: v,
      name: escapePlotlyText(t.label + (t.diverged ? ' (diverges)' : '')),
      line: { color, width: 1.5, dash: DASHES[i % DASHES.length] },
      marker: { size: 4, color },
      hovertemplate: 'u %{x:.4f}, v %{y:.2e}',
    };
  });
}

function uTraces(result: ToyResult, upTo: number): PlotTrace[] {
  return result.trajectories.map((t, i) => {
    const n = Math.min(t.u.length, upTo + 1);
    const y = t.u.slice(0, n).map((x) => (Number.isFinite(x) ? Math.abs(x) : null));
    const color = [OKABE_ITO[0], OKABE_ITO[1], OKABE_ITO[2]][i % 3];
    return { type: 'scatter', mode: 'lines', x: y.map((_, k) => k), y, name: escapePlotlyText(t.label), line: { color, dash: DASHES[i % DASHES.length], width: 2 } };
  });
}

/**
 * log₁₀ range of the |u| chart: from just below the smallest |u| reached (at least 1e-6) to 20,
 * so that a diverging GD trajectory leaves through the top instead of squashing the others.
 */
export function uAxisRange(result: ToyResult | null): [number, number] {
  let lo = 0.05;
  for (const t of result?.trajectories ?? []) for (const x of t.u) if (Number.isFinite(x) && x !== 0) lo = Math.min(lo, Math.abs(x));
  return [Math.log10(Math.max(lo, 1e-6)) - 0.3, Math.log10(20)];
}

export function toySummary(result: ToyResult | null): string {
  if (!result) return 'No trajectories yet.';
  return result.trajectories
    .map((t) => {
      const k = t.u.length - 1;
      return t.diverged ? `${t.label}: diverges` : `${t.label}: after ${k} steps u = ${t.u[k].toPrecision(3)}, v = ${t.v[k].toPrecision(3)}`;
    })
    .join('; ');
}

/** Checked here with the store's ranges, then by the store itself: a refusal is returned, never dropped. */
function setToy(store: AppStore, p: Partial<ToyParams>): string | null {
  return validateToyParams(p) ?? store.getState().setToyParams(p);
}

/** A slider for quick moves and a number input (Enter or blur) for exact values; a refusal shows right after the input. */
function ToyNumber({ name, value, step, onCommit, testId }: { name: keyof typeof TOY_RANGES; value: number; step: number; onCommit: (x: number) => string | null; testId: string }) {
  const range = TOY_RANGES[name];
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  // A value set elsewhere (the slider, the store) replaces any refusal of the text.
  useEffect(() => setError(null), [value]);
  const commit = (text: string) => {
    const x = parseNumberInput(text);
    const refusal = x === value ? null : x === null ? describeToyRange(range) : onCommit(x); // unchanged (Enter, then blur): nothing to send
    setError(refusal);
    return refusal;
  };
  return (
    <span className={`toy-control${error ? ' field-invalid' : ''}`}>
      <label className="inline" htmlFor={id}>
        {range.label}
      </label>{' '}
      <input type="range" min={range.min} max={range.max} step={step} value={value} onChange={(e) => setError(onCommit(Number(e.target.value)))} aria-label={`${range.label} slider`} />{' '}
      <NumberInput id={id} value={value} commit={commit} onRevert={() => setError(null)} invalid={error !== null} testId={testId} describedBy={error ? `${id}-err` : undefined} />
      {error && (
        <span id={`${id}-err`} role="alert" className="field-error toy-error" data-testid={`${testId}-error`}>
          {error}
        </span>
      )}
    </span>
  );
}

export function ToyPanel({ store }: { store: AppStore }) {
  const params = useStore(store, (s) => s.toy.params);
  const result = useStore(store, (s) => s.toy.result);
  const pending = useStore(store, (s) => s.toy.pendingId !== null);
  const gpu = useStore(store, (s) => s.gpu.state);
  const contourRef = useRef<HTMLDivElement>(null);
  const uRef = useRef<HTMLDivElement>(null);
  const [startError, setStartError] = useState<string | null>(null);
  const set = (p: Partial<ToyParams>) => setToy(store, p);

  useEffect(() => {
    let plotly: PlotlyApi | null = null;
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const view = viewFor(params.start);
    const contour = contourTrace(view);
    const startMarker: PlotTrace = { type: 'scatter', mode: 'markers', x: [params.start[0]], y: [params.start[1]], marker: { size: 11, symbol: 'x', color: '#000' }, name: 'start', hoverinfo: 'skip' };
    const layout = {
      height: 420,
      margin: { l: 64, r: 10, t: 10, b: 42 },
      xaxis: { title: { text: 'u (flat direction)' }, range: view.u },
      yaxis: { title: { text: 'v (sharp direction)' }, range: view.v, exponentformat: 'power' },
      legend: { orientation: 'h', y: -0.16 },
      paper_bgcolor: 'rgba(0,0,0,0)',
      uirevision: `${params.start}`,
    };
    const uLayout = {
      height: 420,
      margin: { l: 56, r: 10, t: 10, b: 42 },
      xaxis: { title: { text: 'iteration' } },
      yaxis: { title: { text: '|u| (distance to the flattest minimum)' }, type: 'log', exponentformat: 'power', range: uAxisRange(result) },
      legend: { orientation: 'h', y: -0.16 },
      paper_bgcolor: 'rgba(0,0,0,0)',
      shapes: [{ type: 'line', xref: 'paper', x0: 0, x1: 1, y0: 0.1, y1: 0.1, line: { color: '#8892a0', dash: 'dot', width: 1 } }],
    };
    const steps = result ? Math.max(...result.trajectories.map((t) => t.u.length - 1)) : 0;
    const t0 = performance.now();
    const frame = () => {
      timer = null;
      if (cancelled || !plotly || !contourRef.current || !uRef.current) return;
      const progress = result ? Math.min(1, (performance.now() - t0) / ANIMATION_MS) : 1;
      const upTo = Math.ceil(progress * steps);
      const traj = result ? trajectoryTraces(result, view, upTo) : [];
      void plotly.react(contourRef.current, [contour, ...traj, startMarker], layout, PLOT_CONFIG);
      void plotly.react(uRef.current, result ? uTraces(result, upTo) : [], uLayout, PLOT_CONFIG);
      if (progress < 1) timer = setTimeout(frame, FRAME_MS);
    };
    void loadPlotly().then(async (p) => {
      plotly = p;
      if (cancelled || !contourRef.current) return;
      const el = (await p.react(contourRef.current, [contour, startMarker], layout, PLOT_CONFIG)) as PlotlyHTMLElement;
      el.removeAllListeners?.('plotly_click');
      el.on('plotly_click', (e) => {
        const pt = e.points[0];
        if (pt && pt.curveNumber === 0) setStartError(setToy(store, { start: [Number(pt.x.toPrecision(3)), Number(pt.y.toPrecision(3))] }));
      });
      frame();
    });
    return () => {
      cancelled = true;
      if (timer !== null) clearTimeout(timer);
    };
  }, [store, params.start, result]);

  return (
    <section className="toy" aria-label="Toy landscape" data-testid="toy">
      <p className="lead">
        <strong>L(u, v) = (1 + u²) v² / 2.</strong> Every point of the valley v = 0 is a minimum; the Hessian trace 1 + u² is smallest at u = 0. Gradient descent at the edge of stability bounces across the
        valley and drifts along it very slowly; twice the step diverges. IRE boosts only the flat coordinate (u, chosen by γ = 0.5) by 1 + κ and slides to the flat end. Click the contour to move the start.
      </p>
      <div className="toy-controls">
        <ToyNumber name="eta" value={params.eta} step={0.05} onCommit={(eta) => set({ eta })} testId="toy-eta" />
        <ToyNumber name="kappa" value={params.kappa} step={10} onCommit={(kappa) => set({ kappa })} testId="toy-kappa" />
        <ToyNumber name="steps" value={params.steps} step={10} onCommit={(steps) => set({ steps })} testId="toy-steps" />
        <span className="muted" data-testid="toy-start">
          start (u, v) = ({params.start[0]}, {params.start[1]})
        </span>
        {startError && (
          <span role="alert" className="field-error toy-error" data-testid="toy-start-error">
            {startError}
          </span>
        )}
      </div>
      {gpu !== 'ready' && <p className="muted">The trajectories are computed by the engine in the training worker, which needs WebGPU.</p>}
      {gpu === 'ready' && !result && <p className="muted">{pending ? 'Computing trajectories…' : 'Waiting for the engine.'}</p>}
      <div className="toy-plots">
        <div ref={contourRef} className="chart-plot" aria-hidden="true" data-testid="toy-contour" />
        <div ref={uRef} className="chart-plot" aria-hidden="true" />
      </div>
      <p className="visually-hidden" data-testid="toy-summary">
        {toySummary(result)}
      </p>
    </section>
  );
}
