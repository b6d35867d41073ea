// Plot options and the grid of live charts.
import { useStore } from 'zustand';
import type { AppStore, XAxis } from '../store/store';
import type { ChartKind } from './plots/figures';
import { LiveChart, type ChartNote } from './plots/LiveChart';
import { ResultsPanel } from './ResultsPanel';
import { sharpnessNote, STABILITY_NOTE } from './plots/figures';

/** Lines under charts, from the store. */
const NOTES: Partial<Record<ChartKind, ChartNote>> = {
  sharpness: (s) => sharpnessNote(s.config.sharpnessEvery, s.sharpnessCost, Object.values(s.series).some((r) => r.sharpness.step.length > 0)),
  stability: () => STABILITY_NOTE,
};

const CHARTS: ChartKind[] = ['loss', 'diff', 'val', 'sharpness', 'stability', 'mask', 'histogram', 'lr', 'gradNorm', 'speed'];

function PlotOptions({ store }: { store: AppStore }) {
  const prefs = useStore(store, (s) => s.prefs);
  const set = store.getState().setPrefs;
  return (
    <div className="plot-options" role="group" aria-label="Chart options">
      <label className="inline">
        smoothing{' '}
        <input type="range" min={0} max={0.99} step={0.01} value={prefs.smoothing} onChange={(e) => set({ smoothing: Number(e.target.value) })} aria-valuetext={`EMA β ${prefs.smoothing}`} />
        <output>{prefs.smoothing.toFixed(2)}</output>
      </label>
      <label className="toggle">
        <input type="checkbox" checked={prefs.logX} onChange={(e) => set({ logX: e.target.checked })} /> log x
      </label>
      <label className="toggle">
        <input type="checkbox" checked={prefs.logY} onChange={(e) => set({ logY: e.target.checked })} /> log y
      </label>
      <label className="inline">
        x axis{' '}
        <select value={prefs.xAxis} onChange={(e) => set({ xAxis: e.target.value as XAxis })} title="Gradient evaluations and examples seen compare optimizers at equal cost: SAM takes two gradients a step, an IRE refresh one more">
          <option value="step">step</option>
          <option value="wall">wall time</option>
          <option value="gradEvals">gradient evaluations</option>
          <option value="examples">examples / tokens seen</option>
        </select>
      </label>
      <span className="muted">Faint: raw loss · bold: EMA (bias-corrected) · dotted verticals: setting changes and forks · dashed: IRE start</span>
    </div>
  );
}

export function ChartsPanel({ store }: { store: AppStore }) {
  return (
    <section className="charts" aria-label="Charts">
      <PlotOptions store={store} />
      <div className="chart-grid">
        {CHARTS.map((k) => (
          <LiveChart key={k} store={store} kind={k} note={NOTES[k]} />
        ))}
      </div>
      <ResultsPanel store={store} />
    </section>
  );
}
