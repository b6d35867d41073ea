// Elementwise utility builders (shaders/util/elementwise.wgsl): fill, copy, scale, axpy, add.
// Each prepares one dispatch over n elements (grid folded past 65535 workgroups); the scalar
// alpha is a params field, so it can change between steps without rebuilding:
// `setElementwiseAlpha(ctx, kernel, value)` rewrites just those 4 bytes.
import type { GpuContext, Kernel } from './context';
import { grid1d } from './dispatch';
import type { UniformField } from './uniforms';
import { bindingBuffer, bindingLabel, requireElements, type Binding } from './binding';

export const ELEMENTWISE_PARAMS: readonly UniformField[] = [
  { name: 'n', type: 'u32' },
  { name: 'srcOffset', type: 'u32' },
  { name: 'dstOffset', type: 'u32' },
  { name: 'alpha', type: 'f32' },
];
export const ELEMENTWISE_WORKGROUP = 256;

export type ElementwiseOp = 'fill' | 'copy' | 'scale' | 'axpy' | 'add';

export interface ElementwiseKernel extends Kernel {
  readonly op: ElementwiseOp;
}

interface Placement {
  n: number;
  srcOffset?: number;
  dstOffset?: number;
  alpha?: number;
}

function checkRange(label: string, name: string, buf: Binding, offset: number, n: number): void {
  if (!Number.isInteger(offset) || offset < 0) throw new Error(`${label}: ${name} offset ${offset} must be a non-negative integer`);
  requireElements(label, name, buf, offset + n);
}

function build(ctx: GpuContext, label: string, op: ElementwiseOp, buffers: Binding[], p: Placement): ElementwiseKernel {
  if (!Number.isInteger(p.n) || p.n < 0) throw new Error(`${label}: n = ${p.n} must be a non-negative integer`);
  const kernel = ctx.kernel({
    label,
    shader: 'util/elementwise',
    entryPoint: op,
    defines: { FILL: op === 'fill', COPY: op === 'copy', SCALE: op === 'scale', AXPY: op === 'axpy' },
    overrides: { WG: ELEMENTWISE_WORKGROUP },
    params: {
      layout: ctx.layout(ELEMENTWISE_PARAMS),
      values: { n: p.n, srcOffset: p.srcOffset ?? 0, dstOffset: p.dstOffset ?? 0, alpha: p.alpha ?? 0 },
    },
    buffers,
    workgroups: grid1d(p.n, ELEMENTWISE_WORKGROUP, ctx.device.limits.maxComputeWorkgroupsPerDimension),
  });
  return { ...kernel, op };
}

/** dst[dstOffset + i] = value for i < n. */
export function fill(ctx: GpuContext, label: string, b: { dst: Binding }, n: number, value: number, dstOffset = 0): ElementwiseKernel {
  checkRange(label, 'dst', b.dst, dstOffset, n);
  return build(ctx, label, 'fill', [b.dst], { n, dstOffset, alpha: value });
}

/** dst[dstOffset + i] = src[srcOffset + i] for i < n; src and dst must be different buffers. */
export function copy(
  ctx: GpuContext,
  label: string,
  b: { src: Binding; dst: Binding },
  n: number,
  offsets: { srcOffset?: number; dstOffset?: number } = {},
): ElementwiseKernel {
  if (bindingBuffer(b.src) === bindingBuffer(b.dst)) throw new Error(`${label}: copy within one buffer is not supported (src and dst are ${bindingLabel(b.src)})`);
  const srcOffset = offsets.srcOffset ?? 0;
  const dstOffset = offsets.dstOffset ?? 0;
  checkRange(label, 'src', b.src, srcOffset, n);
  checkRange(label, 'dst', b.dst, dstOffset, n);
  return build(ctx, label, 'copy', [b.src, b.dst], { n, srcOffset, dstOffset });
}

/** x[offset + i] *= alpha for i < n. */
export function scale(ctx: GpuContext, label: string, b: { x: Binding }, n: number, alpha: number, offset = 0): ElementwiseKernel {
  checkRange(label, 'x', b.x, offset, n);
  return build(ctx, label, 'scale', [b.x], { n, dstOffset: offset, alpha });
}

/** y[yOffset + i] += alpha · x[xOffset + i] for i < n (one fused multiply-add). */
export function axpy(
  ctx: GpuContext,
  label: string,
  b: { x: Binding; y: Binding },
  n: number,
  alpha: number,
  offsets: { xOffset?: number; yOffset?: number } = {},
): ElementwiseKernel {
  if (bindingBuffer(b.x) === bindingBuffer(b.y)) throw new Error(`${label}: axpy needs different x and y buffers (use scale for y += a·y)`);
  const srcOffset = offsets.xOffset ?? 0;
  const dstOffset = offsets.yOffset ?? 0;
  checkRange(label, 'x', b.x, srcOffset, n);
  checkRange(label, 'y', b.y, dstOffset, n);
  return build(ctx, label, 'axpy', [b.x, b.y], { n, srcOffset, dstOffset, alpha });
}

/**
 * out[i] = a[i] + b[i] for i < n (residual connections). `out` may be `a` or `b` (in place: it
 * becomes an axpy with alpha 1, which rounds the same sum identically), or all three alike
 * (scale by 2).
 */
export function add(ctx: GpuContext, label: string, b: { a: Binding; b: Binding; out: Binding }, n: number): ElementwiseKernel {
  if (b.out === b.a && b.out === b.b) return scale(ctx, label, { x: b.out }, n, 2);
  if (b.out === b.a) return axpy(ctx, label, { x: b.b, y: b.out }, n, 1);
  if (b.out === b.b) return axpy(ctx, label, { x: b.a, y: b.out }, n, 1);
  checkRange(label, 'a', b.a, 0, n);
  checkRange(label, 'b', b.b, 0, n);
  checkRange(label, 'out', b.out, 0, n);
  return build(ctx, label, 'add', [b.a, b.b, b.out], { n });
}

/** Staging for one f32; writeBuffer copies it at once, so reuse is safe and allocates nothing. */
const ALPHA_SCRATCH = new Float32Array(1);

const alphaOffset = (k: Kernel): number => {
  const f = k.layout?.fields.find((x) => x.name === 'alpha');
  if (!k.params || !f) throw new Error(`${k.label} is not an elementwise kernel`);
  return f.offset;
};

/** Changes a fill value, scale factor or axpy alpha between steps (writes 4 bytes). */
export function setElementwiseAlpha(ctx: GpuContext, kernel: ElementwiseKernel, alpha: number): void {
  if (kernel.op === 'copy' || kernel.op === 'add') throw new Error(`${kernel.label}: ${kernel.op} has no alpha`);
  const params = kernel.params;
  if (!params) throw new Error(`${kernel.label} has no params`);
  ALPHA_SCRATCH[0] = alpha;
  ctx.device.queue.writeBuffer(params, alphaOffset(kernel), ALPHA_SCRATCH);
}
