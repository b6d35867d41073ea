// The part of plotly.js's API the playground uses (the package ships no types).
declare module 'plotly.js-dist-min' {
  export type PlotTrace = Record<string, unknown>;
  export type PlotLayout = Record<string, unknown>;
  export type PlotConfig = Record<string, unknown>;
  export interface PlotMouseEvent {
    points: { x: number; y: number; curveNumber: number; pointNumber: number | number[] }[];
    event: MouseEvent;
  }
  export interface PlotlyHTMLElement extends HTMLDivElement {
    on(event: 'plotly_click', handler: (e: PlotMouseEvent) => void): void;
    removeAllListeners?(event: string): void;
  }
  export interface PlotlyApi {
    react(root: HTMLElement, data: PlotTrace[], layout?: PlotLayout, config?: PlotConfig): Promise<PlotlyHTMLElement>;
    newPlot(root: HTMLElement, data: PlotTrace[], layout?: PlotLayout, config?: PlotConfig): Promise<PlotlyHTMLElement>;
    extendTraces(root: HTMLElement, update: Record<string, unknown[][]>, indices: number[], maxPoints?: number): Promise<PlotlyHTMLElement>;
    purge(root: HTMLElement): void;
    toImage(root: HTMLElement, opts: { format: 'png' | 'svg'; width?: number; height?: number }): Promise<string>;
    Plots: { resize(root: HTMLElement): void };
  }
  const Plotly: PlotlyApi;
  export default Plotly;
}
