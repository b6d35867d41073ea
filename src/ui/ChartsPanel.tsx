// Plot options and the grid of live charts.
import { useStore } from 'zustand';
import type { AppStore, XAxis } from '../store/store';
import type { SeedBandKind } from '../store/seedBands';
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
  const seeds = useStore(store, (s) => s.config.seeds);
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
      {seeds > 1 && (
        <label className="inline">
          band{' '}
          <select value={prefs.band} onChange={(e) => set({ band: e.target.value as SeedBandKind })} title={`What the shaded band around each run's mean over its ${seeds} seeds spans`}>
            <option value="stderr">±1 s.e.</option>
            <option value="minmax">min–max</option>
          </select>
        </label>
      )}
      <span className="muted">
        {seeds > 1 ? `Bold: mean over ${seeds} seeds (of each seed's EMA) · shaded: ${prefs.band === 'minmax' ? 'min–max' : '±1 s.e.'} · faint (difference): each seed` : 'Faint: raw loss · bold: EMA (bias-corrected)'} · dotted verticals: setting changes and forks · dashed: IRE start
      </span>
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
