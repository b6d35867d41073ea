// CPU references of the sharpness estimators (src/optim/sharpness.ts) in double precision, on an
// exact Hessian-vector product: the same Rademacher probes (same hash, same sign rule), the
// Hutchinson mean and standard error, and a dense eigen-decomposition for the Lanczos iteration.
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

/**
 * Every eigenvalue of a dense symmetric (n, n) row-major matrix, largest first: the cyclic Jacobi
 * method (rotations zeroing each off-diagonal entry in turn until they all vanish), in double
 * precision. The reference for the Lanczos iteration's Ritz values.
 */
export function symmetricEigenvaluesRef(matrix: ArrayLike<number>, n: number): number[] {
  const a = Array.from({ length: n }, (_, r) => Array.from({ length: n }, (_, c) => matrix[r * n + c]));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p][q] * a[p][q];
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (a[p][q] === 0) continue;
        const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k][p];
          const akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p][k];
          const aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
      }
    }
  }
  return a.map((row, i) => row[i]).sort((x, y) => y - x);
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
