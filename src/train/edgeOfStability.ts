// The edge of stability (docs/algorithm.md "Sharpness"): the curvature above which a run's
// optimizer, at its current learning rate η, would diverge on a quadratic. Full-batch gradient
// descent drives the top Hessian eigenvalue up to it and hovers there (Cohen et al. 2021); Adam
// does the same with the preconditioned Hessian P⁻¹H (Cohen et al. 2022, "Adaptive gradient
// methods at the edge of stability").
import type { OptimizerConfig } from './config';

export interface StabilityThreshold {
  value: number;
  /** Which top eigenvalue it bounds: of H, or of P⁻¹H with Adam's P = diag(√v̂ + ε). */
  of: 'hessian' | 'preconditioned';
}

/**
 * The threshold for an optimizer at learning rate `lr`:
 *   SGD, heavy-ball momentum β:  2(1 + β)/η    (β = 0: plain gradient descent, 2/η)
 *   SGD, Nesterov momentum β:    2(1 + β)/((1 + 2β)·η)
 *   AdamW, β₁:                   (2 + 2β₁)/((1 − β₁)·η), on P⁻¹H   (38/η at β₁ = 0.9)
 * SAM has no such closed form: null. So has a learning rate that is not positive.
 */
export function stabilityThreshold(o: Pick<OptimizerConfig, 'base' | 'beta1' | 'nesterov'>, lr: number): StabilityThreshold | null {
  if (!(lr > 0)) return null;
  const b = o.beta1;
  switch (o.base) {
    case 'adamw':
      return { value: (2 + 2 * b) / ((1 - b) * lr), of: 'preconditioned' };
    case 'sgd':
      return { value: o.nesterov ? (2 * (1 + b)) / ((1 + 2 * b) * lr) : (2 * (1 + b)) / lr, of: 'hessian' };
    default:
      return null;
  }
}

/** Shortest decimal for a threshold's constant: 38, 3.8, 2.667. */
const constant = (x: number) => Number(x.toPrecision(4)).toString();

/**
 * How a chart names a run's edge of stability, from its optimizer (the base optimizer cannot
 * change while a run trains): the eigenvalue the threshold bounds and the threshold as c/η, c
 * evaluated at the run's β (AdamW at β₁ = 0.9: "λ_max(P⁻¹H)" against "38/η"). Null for SAM.
 */
export function stabilityLabels(o: Pick<OptimizerConfig, 'base' | 'beta1' | 'nesterov'>): { sharpness: string; threshold: string } | null {
  const t = stabilityThreshold(o, 1);
  if (!t) return null;
  return { sharpness: t.of === 'preconditioned' ? 'λ_max(P⁻¹H)' : 'λ_max(H)', threshold: `${constant(t.value)}/η` };
}
