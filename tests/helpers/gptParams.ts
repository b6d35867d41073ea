// Parameters for GPT tests that check curvature: weights and embeddings 10× their initial scale
// (std 0.2, so every path carries a visible gradient and second derivative), layernorm weights
// 1 ± 0.2 and biases ±0.2 (not the identity/zero of initialisation, so their tangents are tested).
import { initParams, type ParamLayout } from '../../src/nn/paramLayout';
import { Rng } from '../../src/util/rng';

export function gptTestParams(layout: ParamLayout, seed: number): Float32Array {
  const theta = initParams(layout, seed);
  const rng = new Rng(seed, 99);
  for (const v of layout.views) {
    for (let i = v.offset; i < v.offset + v.size; i++) {
      if (v.group === 'weight' || v.group === 'embedding') theta[i] *= 10;
      else if (v.group === 'norm' && v.name.endsWith('.w')) theta[i] = 1 + rng.range(-0.2, 0.2);
      else theta[i] = rng.range(-0.2, 0.2);
    }
  }
  return theta;
}
