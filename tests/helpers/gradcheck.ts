// Central-difference gradients in double precision, for checking backward kernels:
// build a scalar loss L(x) = Σ f(x)·w on the CPU reference (Float64Array in, number out),
// run the GPU backward with dOut = w, and compare its dx with numericGradient(L, x).
import { expectClose, type Tolerance } from './compare';

/** ∂f/∂x[i] ≈ (f(x + h e_i) − f(x − h e_i)) / 2h for each i in `indices` (default: all). */
export function numericGradient(f: (x: Float64Array) => number, x: ArrayLike<number>, h = 1e-6, indices?: readonly number[]): Float64Array {
  const xs = Float64Array.from(x);
  const idx = indices ?? Array.from({ length: xs.length }, (_, i) => i);
  const g = new Float64Array(idx.length);
  idx.forEach((i, k) => {
    const orig = xs[i];
    xs[i] = orig + h;
    const up = f(xs);
    xs[i] = orig - h;
    const down = f(xs);
    xs[i] = orig;
    g[k] = (up - down) / (2 * h);
  });
  return g;
}

/** Σ out[i]·w[i], the scalar loss whose gradient w.r.t. out is w. */
export function weightedSum(out: ArrayLike<number>, w: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < out.length; i++) s += out[i] * w[i];
  return s;
}

/** Picks up to `count` indices spread over [0, n) (all when n ≤ count). */
export function sampleIndices(n: number, count: number): number[] {
  if (n <= count) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: count }, (_, k) => Math.floor(((k + 0.5) * n) / count));
}

/** Compares the GPU gradient at `indices` with the numeric one. */
export function expectGradientMatches(
  gpuGrad: ArrayLike<number>,
  f: (x: Float64Array) => number,
  x: ArrayLike<number>,
  tol: Tolerance,
  what: string,
  indices?: readonly number[],
  h = 1e-6,
): void {
  const idx = indices ?? Array.from({ length: x.length }, (_, i) => i);
  const numeric = numericGradient(f, x, h, idx);
  const picked = idx.map((i) => gpuGrad[i]);
  expectClose(picked, numeric, tol, `${what} vs central differences`);
}
