// Two-pass reductions over large buffers (shaders/util/reduce.wgsl) and the non-finite counter
// (shaders/util/nancheck.wgsl). Each writes one value at an element offset of an f32 output
// buffer, so the trainer can pack loss, grad norm², NaN count, … into one metrics buffer and
// read them back together. Built once; encode `dispatches` as often as needed.
import { AllocatedTable, BufferTable, type BufferDecl } from '../gpu/bufferTable';
import type { GpuContext, Kernel } from '../gpu/context';
import type { UniformField } from '../gpu/uniforms';
import { bindingBytes, bindingLabel, requireElements, type Binding } from '../gpu/binding';

export type ReduceOp = 'sum' | 'sumsq' | 'max' | 'maxabs';

export const REDUCE_PARAMS: readonly UniformField[] = [
  { name: 'n', type: 'u32' },
  { name: 'outIndex', type: 'u32' },
];

/** Threads per workgroup of both passes (a power of two), GPU configuration. */
export const REDUCE_WG = 256;
/** Most partials (workgroups of pass 1), GPU configuration; each thread of pass 1 loops over the rest. */
export const REDUCE_MAX_GROUPS = 1024;

/** Workgroup size and most pass-1 workgroups of a reduction. */
export interface ReduceConfig {
  wg: number;
  maxGroups: number;
}

/** Many wide workgroups: a GPU hides the tree's barriers behind thousands of threads. */
export const REDUCE_GPU: ReduceConfig = { wg: REDUCE_WG, maxGroups: REDUCE_MAX_GROUPS };

/**
 * Few narrow workgroups: on CPU adapters (SwiftShader) every workgroupBarrier switches between
 * the workgroup's SIMD groups, so a pass of 1024 × 256 threads spent ~100× longer in barriers
 * than in reading 416k floats; 16 × 64 threads read the same data with 16 trees of 6 levels.
 */
export const REDUCE_CPU: ReduceConfig = { wg: 64, maxGroups: 16 };

/** The configurations by name: 'wide' (REDUCE_GPU) and 'narrow' (REDUCE_CPU). */
export type ReduceVariant = 'wide' | 'narrow';

export const REDUCE_CONFIGS: Readonly<Record<ReduceVariant, ReduceConfig>> = { wide: REDUCE_GPU, narrow: REDUCE_CPU };

/** Every variant, for the tuning and the tests. */
export const REDUCE_VARIANTS: readonly ReduceVariant[] = ['wide', 'narrow'];

declare module '../gpu/context' {
  interface KernelChoices {
    /** The two-pass reductions and the non-finite counter. */
    reduce: ReduceVariant;
  }
}

/** The variant used until the adapter's tuning chooses one: the GPU-shaped wide one. */
export const DEFAULT_REDUCE_VARIANT: ReduceVariant = 'wide';

/** This context's configuration: its reduce choice, else the default. */
export function reduceConfig(ctx: GpuContext): ReduceConfig {
  return REDUCE_CONFIGS[ctx.choices.reduce ?? DEFAULT_REDUCE_VARIANT];
}

const OP_DEFINES: Record<ReduceOp, { SQUARE: boolean; ABS: boolean; IS_MAX: boolean }> = {
  sum: { SQUARE: false, ABS: false, IS_MAX: false },
  sumsq: { SQUARE: true, ABS: false, IS_MAX: false },
  max: { SQUARE: false, ABS: false, IS_MAX: true },
  maxabs: { SQUARE: false, ABS: true, IS_MAX: true },
};

export interface ReduceBuffers {
  /** (n) f32 values to reduce. */
  input: Binding;
  /** f32 buffer receiving the result at element `outIndex`. */
  out: Binding;
}

export interface ReduceShape {
  /** Elements of `input` to reduce (buffers are padded to 16 bytes, so this is not implied by the size). */
  n: number;
  /** Element of `out` written; default 0. */
  outIndex?: number;
}

/** A prepared two-pass reduction: encode `dispatches` in order; `destroy` frees the partials. */
export interface Reduction {
  readonly dispatches: readonly Kernel[];
  readonly partials: Binding;
  destroy(): void;
}

/** Number of pass-1 workgroups for n elements (the GPU configuration's is the largest). */
export function reduceGroups(n: number, config: ReduceConfig = REDUCE_GPU): number {
  return Math.max(1, Math.min(config.maxGroups, Math.ceil(n / config.wg)));
}

/** A reduction's buffer: the first pass's partial results, one per workgroup (at most that of REDUCE_GPU). */
export function reductionBuffers(n: number, config: ReduceConfig = REDUCE_GPU): BufferDecl[] {
  return new BufferTable({ role: 'scratch', perBatch: false }).add('partials', [reduceGroups(n, config)]).decls;
}

function checkShape(label: string, b: ReduceBuffers, s: ReduceShape): { n: number; outIndex: number } {
  const n = s.n;
  const outIndex = s.outIndex ?? 0;
  if (!Number.isInteger(n) || n < 0) throw new Error(`${label}: n = ${n} must be a non-negative integer`);
  requireElements(label, 'input', b.input, n);
  if (!Number.isInteger(outIndex) || outIndex < 0 || (outIndex + 1) * 4 > bindingBytes(b.out)) {
    throw new Error(`${label}: outIndex ${outIndex} is outside out (${bindingLabel(b.out)}, ${bindingBytes(b.out) / 4} floats)`);
  }
  return { n, outIndex };
}

function twoPass(ctx: GpuContext, label: string, shader: string, defines: Record<string, boolean>, b: ReduceBuffers, n: number, outIndex: number, config: ReduceConfig): Reduction {
  if (!Number.isInteger(Math.log2(config.wg)) || config.maxGroups < 1) throw new Error(`${label}: workgroup size ${config.wg} must be a power of two and maxGroups ≥ 1`);
  const groups = reduceGroups(n, config);
  const partials = new AllocatedTable(ctx.device, label, reductionBuffers(n, config)).get('partials');
  const layout = ctx.layout(REDUCE_PARAMS);
  const overrides = { WG: config.wg };
  const first = ctx.kernel({
    label: `${label}.partial`,
    shader,
    defines: { ...defines, FINAL: false },
    overrides,
    params: { layout, values: { n, outIndex } },
    buffers: [b.input, partials],
    workgroups: [groups, 1, 1],
  });
  const second = ctx.kernel({
    label: `${label}.final`,
    shader,
    defines: { ...defines, FINAL: true },
    overrides,
    params: { layout, values: { n: groups, outIndex } },
    buffers: [partials, b.out],
    workgroups: [1, 1, 1],
  });
  return {
    dispatches: [first, second],
    partials,
    destroy() {
      partials.destroy();
      first.params?.destroy();
      second.params?.destroy();
    },
  };
}

/** sum / sum of squares / max / max of |x| over input[0..n) into out[outIndex]. n = 0 gives the identity. */
export function reduce(ctx: GpuContext, label: string, buffers: ReduceBuffers, op: ReduceOp, shape: ReduceShape, config = reduceConfig(ctx)): Reduction {
  const { n, outIndex } = checkShape(label, buffers, shape);
  return twoPass(ctx, label, 'util/reduce', OP_DEFINES[op], buffers, n, outIndex, config);
}

/** Number of NaN/±Inf entries of input[0..n), as an f32 in out[outIndex] (exact below 2^24). */
export function countNonFinite(ctx: GpuContext, label: string, buffers: ReduceBuffers, shape: ReduceShape, config = reduceConfig(ctx)): Reduction {
  const { n, outIndex } = checkShape(label, buffers, shape);
  return twoPass(ctx, label, 'util/nancheck', {}, buffers, n, outIndex, config);
}
