// CPU references of the sharpness estimators (src/optim/sharpness.ts) in double precision, on an
// exact Hessian-vector product: the same Rademacher probes (same hash, same sign rule), the
// Hutchinson mean and standard error, and the power iteration, step for step.
import { randomU32 } from '../util/rng';

/** A Hessian-vector product on the flat layout (P) → (P). */
export type Hvp = (v: Float64Array) => Float64Array;

/** v[i] = mask[i] · (−1 if the top bit of randomU32(seed, stream, i) is set, else +1). */
export function rademacherRef(mask: ArrayLike<number>, seed: number, stream: number): Float64Array {
  const v = new Float64Array(mask.length);
  for (let i = 0; i < mask.length; i++) v[i] = mask[i] === 0 ? 0 : randomU32(seed, stream, i) >>> 31 ? -1 : 1;
  return v;
}

const dot = (a: Float64Array, b: Float64Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/** Mean and standard error sqrt(s²/n) with the unbiased variance s² (NaN for n = 1). */
export function meanAndStderrRef(samples: ArrayLike<number>): { mean: number; stderr: number } {
  const n = samples.length;
  let sum = 0;
  for (let k = 0; k < n; k++) sum += samples[k];
  const mean = sum / n;
  let squares = 0;
  for (let k = 0; k < n; k++) squares += (samples[k] - mean) ** 2;
  return { mean, stderr: n > 1 ? Math.sqrt(squares / (n - 1) / n) : NaN };
}

/** Hutchinson: probe k = rademacherRef(mask, seed, k); samples[k] = vᵀHv. */
export function hutchinsonRef(hvp: Hvp, mask: ArrayLike<number>, seed: number, probes: number): { trace: number; stderr: number; samples: Float64Array } {
  const samples = new Float64Array(probes);
  for (let k = 0; k < probes; k++) {
    const v = rademacherRef(mask, seed, k);
    samples[k] = dot(v, hvp(v));
  }
  const { mean, stderr } = meanAndStderrRef(samples);
  return { trace: mean, stderr, samples };
}

/** Power iteration from v₀/‖v₀‖: λ = vᵀHv, v ← Hv/‖Hv‖; returns the last λ and v. */
export function powerIterationRef(hvp: Hvp, start: Float64Array, iterations: number): { value: number; vector: Float64Array } {
  const norm = (x: Float64Array) => Math.sqrt(dot(x, x));
  let v = start.map((x) => x / norm(start));
  let value = NaN;
  for (let i = 0; i < iterations; i++) {
    const w = hvp(v);
    value = dot(v, w);
    const n = norm(w);
    v = n > 0 ? w.map((x) => x / n) : w.map(() => 0);
  }
  return { value, vector: v };
}

/**
 * The top-eigenvalue method of src/optim/sharpness.ts: ⌈N/2⌉ power steps on H give λ₁ (largest
 * magnitude); then, if λ₁ < 0, ⌊N/2⌋ steps on H − λ₁I from the start again, otherwise ⌊N/2⌋ more
 * steps on H. The value is the Rayleigh quotient vᵀHv of the last step: λ_max.
 */
export function topEigenvalueRef(hvp: Hvp, start: Float64Array, iterations: number): { value: number; dominant: number; vector: Float64Array } {
  const first = powerIterationRef(hvp, start, Math.ceil(iterations / 2));
  const second = iterations - Math.ceil(iterations / 2);
  if (second === 0) return { value: first.value, dominant: first.value, vector: first.vector };
  const shift = Math.min(0, first.value);
  const shifted: Hvp = (v) => {
    const w = hvp(v);
    return w.map((x, i) => x - shift * v[i]);
  };
  const from = shift < 0 ? start : first.vector;
  const next = powerIterationRef(shifted, from, second);
  return { value: next.value + shift, dominant: first.value, vector: next.vector }; // vᵀ(H − σI)v + σ = vᵀHv (‖v‖ = 1)
}

/** Hv for a dense symmetric (n, n) matrix acting on the real coordinates at `offsets` of a flat (P) vector. */
export function denseHvpRef(matrix: ArrayLike<number>, offsets: ArrayLike<number>, P: number): Hvp {
  const n = offsets.length;
  return (v) => {
    const out = new Float64Array(P);
    for (let r = 0; r < n; r++) {
      let s = 0;
      for (let c = 0; c < n; c++) s += matrix[r * n + c] * v[offsets[c]];
      out[offsets[r]] = s;
    }
    return out;
  };
}

/** The full Hessian of the toy L(u, v) = (1 + u²) v² / 2: [[v², 2uv], [2uv, 1 + u²]] (2, 2) row-major. */
export function toyHessianRef(u: number, v: number): Float64Array {
  return Float64Array.from([v * v, 2 * u * v, 2 * u * v, 1 + u * u]);
}

/** Largest eigenvalue of a symmetric 2×2 [[a, b], [b, d]] (closed form). */
export function topEigenvalue2x2(m: ArrayLike<number>): number {
  const a = m[0];
  const b = m[1];
  const d = m[3];
  return (a + d) / 2 + Math.hypot((a - d) / 2, b);
}
