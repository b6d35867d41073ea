// CPU reference of shaders/nn/sampler.wgsl: the same draw in double precision.
import { randomU32 } from '../util/rng';

type Arr = ArrayLike<number>;

export function softmaxRow(logits: Arr, offset: number, V: number): Float64Array {
  let mx = -Infinity;
  for (let i = 0; i < V; i++) mx = Math.max(mx, logits[offset + i]);
  const p = new Float64Array(V);
  let sum = 0;
  for (let i = 0; i < V; i++) sum += p[i] = Math.exp(logits[offset + i] - mx);
  for (let i = 0; i < V; i++) p[i] /= sum;
  return p;
}

/** labels (N): inverse-CDF draw with u = (randomU32(seed, n, counter) >>> 8) / 2²⁴. */
export function sampleCategoricalRef(logits: Arr, N: number, V: number, seed: number, counter: number): Uint32Array {
  const labels = new Uint32Array(N);
  for (let n = 0; n < N; n++) {
    const p = softmaxRow(logits, n * V, V);
    const u = (randomU32(seed, n, counter) >>> 8) / 16777216;
    let cum = 0;
    let label = p.indexOf(Math.max(...p));
    for (let i = 0; i < V; i++) {
      cum += p[i];
      if (u < cum) {
        label = i;
        break;
      }
    }
    labels[n] = label;
  }
  return labels;
}
