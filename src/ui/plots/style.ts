// Run styles: the Okabe–Ito colour-blind-safe palette (Okabe & Ito 2008), paired with dash
// styles so that runs stay distinguishable in greyscale and for every kind of colour vision.
export const OKABE_ITO = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'] as const;
export const DASHES = ['solid', 'dash', 'dot', 'dashdot', 'longdash', 'longdashdot', 'solid', 'dash'] as const;

export interface RunStyle {
  color: string;
  dash: string;
}

export function runStyle(index: number): RunStyle {
  return { color: OKABE_ITO[index % OKABE_ITO.length], dash: DASHES[index % DASHES.length] };
}

/** `#0072B2` with alpha → `rgba(0,114,178,a)`. */
export function withAlpha(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`;
}
