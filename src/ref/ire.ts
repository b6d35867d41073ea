// CPU references of the IRE kernels: the Hessian-diagonal estimate (shaders/optim/ire.wgsl)
// and the radix select + mask (shaders/optim/select.wgsl), by sorting.

const f = Math.fround;

export function hessianEstimateRef(h: Float32Array, grad: ArrayLike<number>, form: 'square' | 'abs', beta: number): Float32Array {
  return h.map((old, i) => {
    const g = grad[i];
    const hNew = form === 'abs' ? Math.abs(g) : f(g * g);
    return beta === 0 ? hNew : f(f(f(beta) * old) + f(f(1 - f(beta)) * hNew));
  });
}

/** The entry of 0-based ascending rank `rank` (sort, take index). */
export function selectRef(h: Float32Array, rank: number): number {
  const sorted = Float32Array.from(h).sort();
  return sorted[rank];
}

/** mask = (h ≤ thr), all zeros when disabled. */
export function maskRef(h: Float32Array, thr: number, enabled: boolean): Uint32Array {
  return Uint32Array.from(h, (x) => (enabled && x <= thr ? 1 : 0));
}
