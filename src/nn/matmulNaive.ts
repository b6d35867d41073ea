// The naive one-thread-per-output matmul (shaders/nn/matmulNaive.wgsl): the baseline the
// kernel benchmark measures the tiled matmul against. Not used by the engine.
import { requireElements, type Binding } from '../gpu/binding';
import type { GpuContext, Kernel } from '../gpu/context';
import type { UniformField } from '../gpu/uniforms';

const NAIVE_PARAMS: readonly UniformField[] = [
  { name: 'M', type: 'u32' },
  { name: 'N', type: 'u32' },
  { name: 'K', type: 'u32' },
];
const WG = 16;

/** C (M,N) = A (M,K) · B (K,N), one thread per output. */
export function matmulNaive(ctx: GpuContext, label: string, b: { a: Binding; b: Binding; c: Binding }, s: { M: number; N: number; K: number }): Kernel {
  requireElements(label, 'a', b.a, s.M * s.K);
  requireElements(label, 'b', b.b, s.K * s.N);
  requireElements(label, 'c', b.c, s.M * s.N);
  return ctx.kernel({
    label,
    shader: 'nn/matmulNaive',
    overrides: { WG_X: WG, WG_Y: WG },
    params: { layout: ctx.layout(NAIVE_PARAMS), values: { M: s.M, N: s.N, K: s.K } },
    buffers: [b.a, b.b, b.c],
    workgroups: [Math.ceil(s.N / WG), Math.ceil(s.M / WG), 1],
  });
}
