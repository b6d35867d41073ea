// A chart's legend as HTML (Figure.legend): a line swatch in the trace's colour and dash, and
// the name as text (user run names are never parsed as markup). Rewritten only when the entries
// change, so that a redraw during training costs no legend layout.
import type { LegendEntry } from './figures';

const SVG = 'http://www.w3.org/2000/svg';

/** Plotly's dash names as SVG stroke-dasharray, in units of the line width. */
const DASH_ARRAY: Record<string, number[]> = {
  solid: [],
  dot: [1, 1.5],
  dash: [3.5, 2],
  longdash: [6, 2],
  dashdot: [3.5, 1.5, 1, 1.5],
  longdashdot: [6, 1.5, 1, 1.5],
};

function swatch(e: LegendEntry): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('width', '30');
  svg.setAttribute('height', '10');
  svg.setAttribute('aria-hidden', 'true');
  const width = Math.max(1.5, Math.min(3, e.width));
  const line = document.createElementNS(SVG, 'line');
  for (const [k, v] of Object.entries({ x1: '1', y1: '5', x2: '29', y2: '5', stroke: e.color, 'stroke-width': String(width) })) line.setAttribute(k, v);
  const dashes = DASH_ARRAY[e.dash] ?? [];
  if (dashes.length) line.setAttribute('stroke-dasharray', dashes.map((d) => d * width).join(' '));
  svg.append(line);
  if (e.marker) {
    const m = document.createElementNS(SVG, e.marker === 'circle' ? 'circle' : 'path');
    if (e.marker === 'circle') for (const [k, v] of Object.entries({ cx: '15', cy: '5', r: '3' })) m.setAttribute(k, v);
    else m.setAttribute('d', 'M15 1 L19 5 L15 9 L11 5 Z');
    m.setAttribute('fill', e.color);
    svg.append(m);
  }
  return svg;
}

/** Writes the legend into `el` when it differs from what `el` shows (compared by a key). */
export function renderLegend(el: HTMLElement, entries: readonly LegendEntry[]): void {
  const key = JSON.stringify(entries);
  if (el.dataset.key === key) return;
  el.dataset.key = key;
  el.replaceChildren(
    ...entries.map((e) => {
      const li = document.createElement('li');
      const text = document.createElement('span');
      text.textContent = e.text;
      li.append(swatch(e), text);
      return li;
    }),
  );
  el.hidden = entries.length === 0;
}
