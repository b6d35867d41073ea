// CPU reference of the toy problem (shaders/nn/toy.wgsl) and of a toy run with the same update
// as the GPU path (SGD momentum 0, optional IRE with the exact diagonal), one f32 rounding per op.
import { sgdStepRef } from './optim';

const f = Math.fround;

/** L(u, v) = (1 + u²) v² / 2. */
export function toyLossRef(u: number, v: number): number {
  return f(f(f(1 + f(u * u)) * f(v * v)) * 0.5);
}

/** ∇L = (u v², (1 + u²) v). */
export function toyGradRef(u: number, v: number): [number, number] {
  return [f(f(u * v) * v), f(f(1 + f(u * u)) * v)];
}

/** The exact Hessian diagonal (v², 1 + u²). */
export function toyHessianDiagRef(u: number, v: number): [number, number] {
  return [f(v * v), f(1 + f(u * u))];
}

/**
 * docs/algorithm.md "The flat mask": k = ⌊γ·p⌋ of the p coordinates, thr the k-th smallest h,
 * m = (h ≤ thr); no coordinate when k = 0. (For the toy's p = 2, γ·2 is exact in floating point.)
 */
function flatMaskRef(h: readonly number[], gamma: number): number[] {
  const k = Math.min(h.length, Math.floor(gamma * h.length));
  if (k === 0) return h.map(() => 0);
  const thr = [...h].sort((a, b) => a - b)[k - 1];
  return h.map((x) => (x <= thr ? 1 : 0));
}

/**
 * `steps` steps from `start` of SGD (lr, no momentum, no decay) or SGD-IRE (κ, γ, K = 1, exact
 * diagonal); returns the trajectory (u, v) pairs including the start.
 */
export function toyRunRef(start: [number, number], lr: number, steps: number, ire?: { kappa: number; gamma: number }): Float32Array {
  const s = { theta: Float32Array.from(start), momentum: new Float32Array(2) };
  const out = new Float32Array(2 * (steps + 1));
  out.set(s.theta, 0);
  const hyper = { momentum: 0, nesterov: false, weightDecay: 0, clip: 0 };
  for (let t = 0; t < steps; t++) {
    const [u, v] = s.theta;
    const mask = ire ? flatMaskRef(toyHessianDiagRef(u, v), ire.gamma) : [0, 0];
    const g = Float32Array.from(toyGradRef(u, v));
    sgdStepRef(s, g, [1, 1], hyper, { t: t + 1, lr, kappa: ire?.kappa ?? 0 }, ire ? { mask } : undefined);
    out.set(s.theta, 2 * (t + 1));
  }
  return out;
}
