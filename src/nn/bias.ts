// Bias gradient builder: column sums of dout (shaders/nn/bias.wgsl).
import type { GpuContext, Kernel } from '../gpu/context';
import type { UniformField } from '../gpu/uniforms';
import { requireElements, requireIntegers, requirePowerOfTwo } from './shapeChecks';
import type { Binding } from '../gpu/binding';

export const BIAS_BACKWARD_PARAMS: readonly UniformField[] = [
  { name: 'N', type: 'u32' },
  { name: 'OC', type: 'u32' },
  { name: 'accumulate', type: 'u32' },
];

/** Columns per workgroup (x) and row lanes per column (y, a power of two). */
export const BIAS_WORKGROUP = { x: 16, y: 16 } as const;

/** Threads (one per column) per workgroup of the SERIAL variant. */
export const BIAS_SERIAL_WORKGROUP = 64;

/**
 * 'tree': a workgroup reduces WG_Y row lanes per column through workgroup memory (GPUs).
 * 'serial': one thread per column sums every row, no barriers (CPU adapters such as SwiftShader).
 */
export type BiasBackwardVariant = 'tree' | 'serial';

/** Every variant, for the tuning and the tests. */
export const BIAS_BACKWARD_VARIANTS: readonly BiasBackwardVariant[] = ['tree', 'serial'];

declare module '../gpu/context' {
  interface KernelChoices {
    /** The bias gradient's column sums. */
    bias: BiasBackwardVariant;
  }
}

/** The variant used until the adapter's tuning chooses one: the GPU-shaped tree. */
export const DEFAULT_BIAS_BACKWARD_VARIANT: BiasBackwardVariant = 'tree';

/** This context's variant: its bias choice, else the default. */
export function biasBackwardVariant(ctx: GpuContext): BiasBackwardVariant {
  return ctx.choices.bias ?? DEFAULT_BIAS_BACKWARD_VARIANT;
}

export interface BiasBackwardBuffers {
  dout: Binding; // (N, OC)
  dbias: Binding; // (OC)
}

export interface BiasBackwardShape {
  /** Rows (B·T, or the batch of a classifier); may be 0 (then dbias = 0, or unchanged with accumulate). */
  N: number;
  OC: number;
  /** Add to dbias instead of overwriting it (gradient accumulation). */
  accumulate?: boolean;
}

/**
 * dbias[c] (+)= Σ_n dout[n, c], summed in a fixed order (deterministic, no atomics).
 * `ctx.updateParams(kernel, { N, OC, accumulate: 0 | 1 })` switches accumulation between steps.
 */
export function biasBackward(ctx: GpuContext, label: string, buffers: BiasBackwardBuffers, shape: BiasBackwardShape, variant = biasBackwardVariant(ctx)): Kernel {
  requireIntegers(label, { N: shape.N }, 0);
  requireIntegers(label, { OC: shape.OC });
  requireElements(label, 'dout', buffers.dout, shape.N * shape.OC);
  requireElements(label, 'dbias', buffers.dbias, shape.OC);
  requirePowerOfTwo(label, 'WG_Y', BIAS_WORKGROUP.y);
  const serial = variant === 'serial';
  return ctx.kernel({
    label,
    shader: 'nn/bias',
    defines: { SERIAL: serial },
    overrides: serial ? { WG_X: BIAS_SERIAL_WORKGROUP, WG_Y: 1 } : { WG_X: BIAS_WORKGROUP.x, WG_Y: BIAS_WORKGROUP.y },
    params: { layout: ctx.layout(BIAS_BACKWARD_PARAMS), values: { N: shape.N, OC: shape.OC, accumulate: shape.accumulate ? 1 : 0 } },
    buffers: [buffers.dout, buffers.dbias],
    workgroups: [Math.ceil(shape.OC / (serial ? BIAS_SERIAL_WORKGROUP : BIAS_WORKGROUP.x)), 1, 1],
  });
}
