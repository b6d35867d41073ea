// Categorical sampler from softmax(logits) with the seeded counter-based RNG (shaders/nn/sampler.wgsl).
import type { GpuContext, Kernel } from '../gpu/context';
import { grid1d } from '../gpu/dispatch';
import type { UniformField } from '../gpu/uniforms';
import { requireElements, requireIntegers } from './shapeChecks';
import type { Binding } from '../gpu/binding';

export const SAMPLER_PARAMS: readonly UniformField[] = [
  { name: 'N', type: 'u32' },
  { name: 'V', type: 'u32' },
  { name: 'seed', type: 'u32' },
  { name: 'counter', type: 'u32' },
];

const WG = 64;

export interface SamplerShape {
  /** Rows (positions or examples). */
  N: number;
  /** Classes. */
  V: number;
  /** RNG seed (u32). */
  seed: number;
  /** Per-call counter (u32): change it for fresh draws, e.g. the mask-refresh index. */
  counter: number;
}

/**
 * labels[n] ~ Categorical(softmax(logits[n, :])), drawn with randomU32(seed, n, counter)
 * (src/util/rng.ts). For a new draw each refresh: `ctx.updateParams(kernel, { N, V, seed, counter })`.
 */
export function sampleCategorical(ctx: GpuContext, label: string, buffers: { logits: Binding; labels: Binding }, shape: SamplerShape): Kernel {
  const { N, V } = shape;
  requireIntegers(label, { N, V });
  requireIntegers(label, { seed: shape.seed, counter: shape.counter }, 0);
  requireElements(label, 'logits', buffers.logits, N * V);
  requireElements(label, 'labels', buffers.labels, N);
  return ctx.kernel({
    label,
    shader: 'nn/sampler',
    includes: ['util/random'],
    defines: { SAMPLE: true, HASH_CHECK: false },
    overrides: { WG },
    params: { layout: ctx.layout(SAMPLER_PARAMS), values: { N, V, seed: shape.seed >>> 0, counter: shape.counter >>> 0 } },
    buffers: [buffers.logits, buffers.labels],
    workgroups: grid1d(N, WG),
  });
}

/** Test hook: out[2i] = hash32(inp[i]), out[2i+1] = randomU32(seed, inp[i], counter) on the GPU. */
export function samplerHashCheck(
  ctx: GpuContext,
  label: string,
  buffers: { inp: Binding; out: Binding },
  shape: { N: number; seed: number; counter: number },
): Kernel {
  requireIntegers(label, { N: shape.N });
  requireElements(label, 'inp', buffers.inp, shape.N);
  requireElements(label, 'out', buffers.out, 2 * shape.N);
  return ctx.kernel({
    label,
    shader: 'nn/sampler',
    includes: ['util/random'],
    defines: { SAMPLE: false, HASH_CHECK: true },
    overrides: { WG },
    params: { layout: ctx.layout(SAMPLER_PARAMS), values: { N: shape.N, V: 1, seed: shape.seed >>> 0, counter: shape.counter >>> 0 } },
    buffers: [buffers.inp, buffers.out],
    workgroups: grid1d(shape.N, WG),
  });
}
