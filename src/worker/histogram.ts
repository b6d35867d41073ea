// Histogram of a Hessian-diagonal estimate for the UI: log-spaced bins over the positive values
// of the real parameters (padding excluded), zeros counted apart, with the γ-threshold.
import type { ParamLayout } from '../nn/paramLayout';
import type { HessianHistogram } from './protocol';

export function hessianHistogram(runId: string, step: number, h: Float32Array, layout: ParamLayout, threshold: number, gamma: number, bins = 40): HessianHistogram {
  let lo = Infinity;
  let hi = 0;
  let zeros = 0;
  for (const v of layout.views) {
    for (let i = v.offset; i < v.offset + v.size; i++) {
      const x = h[i];
      if (!(x > 0)) {
        if (x === 0) zeros++;
        continue;
      }
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
  }
  if (!(hi > 0)) return { runId, step, edges: [], counts: [], zeros, threshold, gamma };
  const l0 = Math.log10(lo);
  const l1 = Math.max(Math.log10(hi), l0 + 1e-6);
  const width = (l1 - l0) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => 10 ** (l0 + i * width));
  const counts = new Array<number>(bins).fill(0);
  for (const v of layout.views) {
    for (let i = v.offset; i < v.offset + v.size; i++) {
      const x = h[i];
      if (!(x > 0) || !Number.isFinite(x)) continue;
      counts[Math.min(bins - 1, Math.floor((Math.log10(x) - l0) / width))]++;
    }
  }
  return { runId, step, edges, counts, zeros, threshold, gamma };
}
