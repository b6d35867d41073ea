// Eigenvalues of a symmetric tridiagonal matrix, with the last component of each eigenvector:
// the Rayleigh–Ritz step of the Lanczos iteration (src/optim/sharpness.ts). The implicit QL
// algorithm with Wilkinson shifts (Golub & Van Loan, "Matrix Computations", §8.3), on the
// matrix with diagonal `alpha` (k) and off-diagonal `beta` (k − 1), in double precision.

export interface TridiagonalEigen {
  /** Eigenvalues, largest first. */
  values: number[];
  /** For each eigenvalue (same order), the last component of its unit eigenvector. */
  lastComponents: number[];
}

export function tridiagonalEigen(alpha: readonly number[], beta: readonly number[]): TridiagonalEigen {
  const n = alpha.length;
  if (beta.length !== Math.max(0, n - 1)) throw new Error(`tridiagonalEigen: ${n} diagonal entries need ${Math.max(0, n - 1)} off-diagonal ones, got ${beta.length}`);
  const d = [...alpha];
  const e = [...beta, 0];
  // z: eigenvectors as columns, z[row][col]; only the last row is returned, but QL rotates rows.
  const z: number[][] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  for (let l = 0; l < n; l++) {
    for (let iter = 0; ; iter++) {
      let m = l;
      for (; m < n - 1; m++) {
        const dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
        if (Math.abs(e[m]) <= Number.EPSILON * dd) break;
      }
      if (m === l) break;
      if (iter === 60) throw new Error('tridiagonalEigen: no convergence in 60 iterations');
      let g = (d[l + 1] - d[l]) / (2 * e[l]);
      let r = Math.hypot(g, 1);
      g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let p = 0;
      let i = m - 1;
      for (; i >= l; i--) {
        let f = s * e[i];
        const b = c * e[i];
        r = Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          d[i + 1] -= p;
          e[m] = 0;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
        for (let k = 0; k < n; k++) {
          f = z[k][i + 1];
          z[k][i + 1] = s * z[k][i] + c * f;
          z[k][i] = c * z[k][i] - s * f;
        }
      }
      if (r === 0 && i >= l) continue;
      d[l] -= p;
      e[l] = g;
      e[m] = 0;
    }
  }
  const order = d.map((_, i) => i).sort((a, b) => d[b] - d[a]);
  return { values: order.map((i) => d[i]), lastComponents: order.map((i) => z[n - 1][i]) };
}
