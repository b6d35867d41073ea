// Tolerance check in the style of llm.c's kernel lab: |gpu − ref| ≤ atol + rtol·|ref|,
// reporting the count and the first mismatches.
import { expect } from 'vitest';

export interface Tolerance {
  atol: number;
  rtol: number;
}

export function mismatches(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance, show = 5): string[] {
  const out: string[] = [];
  if (actual.length !== expected.length) return [`length ${actual.length} ≠ ${expected.length}`];
  let count = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const ok = Number.isFinite(a) ? Math.abs(a - e) <= tol.atol + tol.rtol * Math.abs(e) : Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e));
    if (!ok) {
      if (count < show) out.push(`[${i}] got ${a}, want ${e} (diff ${Math.abs(a - e).toExponential(2)})`);
      count++;
    }
  }
  if (count > show) out.push(`… ${count - show} more of ${expected.length}`);
  return out;
}

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance, what = 'values'): void {
  const bad = mismatches(actual, expected, tol);
  expect(bad, `${what}: ${bad.length ? 'mismatches' : ''}`).toEqual([]);
}
