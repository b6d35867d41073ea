// CPU reference of shaders/util/elementwise.wgsl (f32 results, as the kernels round them).

export function fillRef(dst: Float32Array, n: number, value: number, dstOffset = 0): Float32Array {
  const out = new Float32Array(dst);
  out.fill(value, dstOffset, dstOffset + n);
  return out;
}

export function copyRef(src: Float32Array, dst: Float32Array, n: number, srcOffset = 0, dstOffset = 0): Float32Array {
  const out = new Float32Array(dst);
  out.set(src.subarray(srcOffset, srcOffset + n), dstOffset);
  return out;
}

export function scaleRef(x: Float32Array, n: number, alpha: number, offset = 0): Float32Array {
  const out = new Float32Array(x);
  for (let i = offset; i < offset + n; i++) out[i] = Math.fround(alpha) * x[i];
  return out;
}

/** y + alpha·x with a single rounding (the kernel uses fma); computed in double, rounded once. */
export function axpyRef(x: Float32Array, y: Float32Array, n: number, alpha: number, xOffset = 0, yOffset = 0): Float32Array {
  const out = new Float32Array(y);
  for (let i = 0; i < n; i++) out[yOffset + i] = y[yOffset + i] + Math.fround(alpha) * x[xOffset + i];
  return out;
}

export function addRef(a: Float32Array, b: Float32Array, n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => a[i] + b[i]);
}
