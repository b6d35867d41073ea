// plotly.js is large (~4.7 MB unminified, ~1.4 MB min): load it on first use, after first paint.
import type { PlotlyApi } from 'plotly.js-dist-min';

let loading: Promise<PlotlyApi> | null = null;

export function loadPlotly(): Promise<PlotlyApi> {
  loading ??= import('plotly.js-dist-min').then((m) => m.default);
  return loading;
}

/** Plotly config shared by every chart: no plotly.com link, PNG export from the mode bar. */
export const PLOT_CONFIG = {
  displaylogo: false,
  responsive: true,
  modeBarButtonsToRemove: ['select2d', 'lasso2d', 'autoScale2d'],
  toImageButtonOptions: { format: 'png', scale: 2 },
} as const;
