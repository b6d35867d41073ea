// Matmul kernel builder: C = alpha·op(A)·op(B) + beta·C (+ bias), batched (shaders/nn/matmul.wgsl).
import type { GpuContext, Kernel } from '../gpu/context';
import type { UniformField } from '../gpu/uniforms';
import { requireElements, type Binding } from '../gpu/binding';

export const MATMUL_PARAMS: readonly UniformField[] = [
  { name: 'M', type: 'u32' },
  { name: 'N', type: 'u32' },
  { name: 'K', type: 'u32' },
  { name: 'batch', type: 'u32' },
  { name: 'strideA', type: 'u32' },
  { name: 'strideB', type: 'u32' },
  { name: 'strideC', type: 'u32' },
  { name: 'alpha', type: 'f32' },
  { name: 'beta', type: 'f32' },
];

export interface MatmulShape {
  M: number;
  N: number;
  K: number;
  /** Number of independent products (attention heads × batch); default 1. */
  batch?: number;
  /** A is stored (K,M) instead of (M,K). */
  transA?: boolean;
  /** B is stored (N,K) instead of (K,N). */
  transB?: boolean;
  /** Element strides between batches; defaults are the dense sizes, strideB = 0 shares B. */
  strideA?: number;
  strideB?: number;
  strideC?: number;
  /** Scale of the product (default 1). */
  alpha?: number;
  /** Scale of the existing C that is added (default 0: overwrite). */
  beta?: number;
}

/**
 * 'sharedTiles': 16×16 tiles staged in workgroup memory (GPUs); 'registerBlocked': an 8×8 block
 * per thread, no barriers; 'quadShared': a 32×8 block per thread whose op(A) reads are shared
 * through quad broadcasts (needs `subgroups`). The last two win on CPU adapters such as
 * SwiftShader (docs/performance.md).
 */
export type MatmulVariant = 'registerBlocked' | 'sharedTiles' | 'quadShared';

/** Every variant there is; a device runs those of availableMatmulVariants. */
export const MATMUL_VARIANTS: readonly MatmulVariant[] = ['registerBlocked', 'sharedTiles', 'quadShared'];

declare module '../gpu/context' {
  interface KernelChoices {
    matmul: MatmulVariant;
  }
}

/** The variant used until the adapter's tuning chooses one: the GPU-shaped one. */
export const DEFAULT_MATMUL_VARIANT: MatmulVariant = 'sharedTiles';

/** This context's matmul variant: its choice, else the default. */
export function matmulVariant(ctx: GpuContext): MatmulVariant {
  return ctx.choices.matmul ?? DEFAULT_MATMUL_VARIANT;
}

export interface MatmulBuffers {
  a: Binding;
  b: Binding;
  c: Binding;
  /** (N) added to every row of C. */
  bias?: Binding;
  /** Like c: receives gelu(C) while C keeps the pre-activation (a Linear layer followed by GELU). */
  geluOut?: Binding;
  /**
   * Like c: the pre-activation of a GELU; C = alpha·op(A)·op(B)·gelu'(geluPre) + beta·C (the
   * input gradient of a Linear layer whose input was gelu(geluPre), taken back through the GELU).
   */
  geluPre?: Binding;
}

/** Workgroup shape per variant: (WG_X, WG_Y) threads, each computing rows×cols cells of C. */
export const MATMUL_WORKGROUP: Record<MatmulVariant, { x: number; y: number; rows: number; cols: number; tileK?: number }> = {
  registerBlocked: { x: 8, y: 8, rows: 8, cols: 8 },
  sharedTiles: { x: 16, y: 16, rows: 4, cols: 4, tileK: 16 },
  // WG_X must be a multiple of 4: a subgroup quad is four consecutive x of one y.
  quadShared: { x: 8, y: 4, rows: 32, cols: 8 },
};

/** Variants this device can compile: quadShared needs the `subgroups` feature. */
export function availableMatmulVariants(device: GPUDevice): MatmulVariant[] {
  return device.features.has('subgroups') ? ['registerBlocked', 'sharedTiles', 'quadShared'] : ['registerBlocked', 'sharedTiles'];
}

function checkShape(label: string, s: MatmulShape): void {
  for (const k of ['M', 'N', 'K'] as const) {
    if (!Number.isInteger(s[k]) || s[k] < 0) throw new Error(`${label}: ${k} = ${s[k]} must be a non-negative integer`);
  }
  const batch = s.batch ?? 1;
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`${label}: batch = ${batch} must be a positive integer`);
}

/** Prepares one matmul dispatch over fixed buffers; encode it as often as needed. */
export function matmul(ctx: GpuContext, label: string, buffers: MatmulBuffers, shape: MatmulShape, variant?: MatmulVariant): Kernel {
  checkShape(label, shape);
  const v = variant ?? matmulVariant(ctx);
  const wg = MATMUL_WORKGROUP[v];
  if (!availableMatmulVariants(ctx.device).includes(v)) {
    throw new Error(`${label}: the ${v} matmul needs the device feature 'subgroups', which this device lacks`);
  }
  const batch = shape.batch ?? 1;
  const values = {
    M: shape.M,
    N: shape.N,
    K: shape.K,
    batch,
    strideA: shape.strideA ?? shape.M * shape.K,
    strideB: shape.strideB ?? shape.K * shape.N,
    strideC: shape.strideC ?? shape.M * shape.N,
    alpha: shape.alpha ?? 1,
    beta: shape.beta ?? 0,
  };
  const needA = (batch - 1) * values.strideA + shape.M * shape.K;
  const needB = (batch - 1) * values.strideB + shape.K * shape.N;
  const needC = (batch - 1) * values.strideC + shape.M * shape.N;
  requireElements(label, 'a', buffers.a, needA);
  requireElements(label, 'b', buffers.b, needB);
  requireElements(label, 'c', buffers.c, needC);
  if (buffers.geluOut && buffers.geluPre) throw new Error(`${label}: geluOut and geluPre are exclusive`);
  if (buffers.geluOut) requireElements(label, 'geluOut', buffers.geluOut, needC);
  if (buffers.geluPre) requireElements(label, 'geluPre', buffers.geluPre, needC);
  const overrides: Record<string, number> = { WG_X: wg.x, WG_Y: wg.y };
  if (wg.tileK !== undefined) overrides.TILE_K = wg.tileK;
  const epilogue = buffers.geluOut ?? buffers.geluPre;
  // Bindings 1–5: a, b, c, bias, the GELU epilogue's buffer (absent ones left unused).
  const storage = [buffers.a, buffers.b, buffers.c, buffers.bias, epilogue];
  return ctx.kernel({
    label,
    shader: 'nn/matmul',
    includes: epilogue ? ['nn/geluMath'] : undefined,
    defines: {
      TRANS_A: !!shape.transA,
      TRANS_B: !!shape.transB,
      BIAS: !!buffers.bias,
      GELU_OUT: !!buffers.geluOut,
      GELU_GRAD: !!buffers.geluPre,
      SHARED_TILES: v === 'sharedTiles',
      QUAD_SHARED: v === 'quadShared',
    },
    overrides,
    params: { layout: ctx.layout(MATMUL_PARAMS), values },
    buffers: storage,
    workgroups: [Math.ceil(shape.N / (wg.cols * wg.x)), Math.ceil(shape.M / (wg.rows * wg.y)), batch],
  });
}
