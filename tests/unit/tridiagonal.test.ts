// The Lanczos iteration's Rayleigh–Ritz step: eigenvalues of symmetric tridiagonal matrices
// against closed forms, and the eigenvectors' last components against T·s = λ·s.
import { describe, expect, it } from 'vitest';
import { tridiagonalEigen } from '../../src/optim/tridiagonal';
import { symmetricEigenvaluesRef } from '../../src/ref/sharpness';
import { symmetricWithSpectrum } from '../../src/nn/quadratic';

describe('tridiagonalEigen', () => {
  it('finds the closed-form spectrum of the 1-D Laplacian, 2 − 2cos(jπ/(n+1)), largest first', () => {
    for (const n of [1, 2, 3, 7, 20]) {
      const { values } = tridiagonalEigen(Array(n).fill(2), Array(n - 1).fill(-1));
      const want = Array.from({ length: n }, (_, j) => 2 - 2 * Math.cos(((j + 1) * Math.PI) / (n + 1))).sort((a, b) => b - a);
      values.forEach((v, j) => expect(v).toBeCloseTo(want[j], 12));
    }
  });

  it('returns eigenvectors whose last components satisfy T·s = λ·s (checked by reconstructing s)', () => {
    const alpha = [4, -1, 3, 0.5, 2];
    const beta = [1, 0.3, -2, 0.7];
    const { values, lastComponents } = tridiagonalEigen(alpha, beta);
    const n = alpha.length;
    values.forEach((lambda, j) => {
      // Back-substitute s from the last row upward (β ≠ 0): s_{i−1} = ((λ − α_i)s_i − β_i s_{i+1}) / β_{i−1}.
      const s = new Array(n).fill(0);
      s[n - 1] = 1;
      for (let i = n - 1; i > 0; i--) s[i - 1] = ((lambda - alpha[i]) * s[i] - (i + 1 < n ? beta[i] * s[i + 1] : 0)) / beta[i - 1];
      expect(Math.abs((alpha[0] - lambda) * s[0] + beta[0] * s[1])).toBeLessThan(1e-9 * Math.hypot(...s));
      expect(Math.abs(lastComponents[j])).toBeCloseTo(1 / Math.hypot(...s), 10);
    });
    expect(values.reduce((a, b) => a + b, 0)).toBeCloseTo(alpha.reduce((a, b) => a + b, 0), 12); // trace
  });

  it('handles decoupled blocks (a zero off-diagonal) and rejects mismatched lengths', () => {
    expect(tridiagonalEigen([1, 5, 3], [0, 0]).values).toEqual([5, 3, 1]);
    expect(() => tridiagonalEigen([1, 2], [])).toThrow(/need 1/);
  });

  it('agrees with the dense Jacobi reference on a tridiagonal matrix, and the reference recovers a chosen spectrum', () => {
    const alpha = [3, -2, 0.5, 4, 1, -1];
    const beta = [0.4, 1.5, -0.7, 2, 0.1];
    const n = alpha.length;
    const dense = new Float64Array(n * n);
    alpha.forEach((a, i) => (dense[i * n + i] = a));
    beta.forEach((b, i) => (dense[i * n + i + 1] = dense[(i + 1) * n + i] = b));
    const ref = symmetricEigenvaluesRef(dense, n);
    tridiagonalEigen(alpha, beta).values.forEach((v, i) => expect(v).toBeCloseTo(ref[i], 12));
    const spectrum = [-25, -3, 0.5, 2, 7, 12];
    symmetricEigenvaluesRef(symmetricWithSpectrum(spectrum, 6), 6).forEach((v, i) => expect(v).toBeCloseTo([...spectrum].reverse()[i], 10));
  });
});
