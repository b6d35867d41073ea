// Run styles: the Okabe–Ito colour-blind-safe palette (Okabe & Ito 2008), paired with dash
// styles so that runs stay distinguishable in greyscale and for every kind of colour vision.
// A run's style follows its id, not its position: removing run A leaves B's colour and dash as
// they were, on every chart, card and panel.
export const OKABE_ITO = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'] as const;
export const DASHES = ['solid', 'dash', 'dot', 'dashdot', 'longdash', 'longdashdot', 'solid', 'dash'] as const;

export interface RunStyle {
  color: string;
  dash: string;
}

/**
 * The palette slot of a run id, as the store hands ids out (nextRunId): "A"…"Z" → 0…25, then
 * "R27", "R28", … → 26, 27, …. Any other id (an imported config may name runs freely) gets a
 * slot from a hash of its characters, so it too keeps its style wherever it sits.
 */
export function runStyleIndex(id: string): number {
  if (/^[A-Z]$/.test(id)) return id.charCodeAt(0) - 65;
  const numbered = /^R([1-9]\d{0,8})$/.exec(id);
  if (numbered && Number(numbered[1]) > 26) return Number(numbered[1]) - 1;
  let h = 0;
  for (let k = 0; k < id.length; k++) h = (Math.imul(h, 31) + id.charCodeAt(k)) >>> 0;
  return h;
}

/** Colour and dash of the run with this id. Past the palette, colours repeat with the dashes
 *  shifted by one per lap, so that run I (colour of A) is still told from A in greyscale. */
export function runStyle(id: string): RunStyle {
  const i = runStyleIndex(id);
  const lap = Math.floor(i / OKABE_ITO.length);
  return { color: OKABE_ITO[i % OKABE_ITO.length], dash: DASHES[(i + lap) % DASHES.length] };
}

/** `#0072B2` with alpha → `rgba(0,114,178,a)`. */
export function withAlpha(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`;
}
