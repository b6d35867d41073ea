// Edge-of-stability thresholds against the closed forms of Cohen et al. (2021, 2022).
import { describe, expect, it } from 'vitest';
import { stabilityLabels, stabilityThreshold } from '../../src/train/edgeOfStability';

describe('stabilityThreshold', () => {
  it('gives 2/η for gradient descent, 2(1 + β)/η with heavy-ball momentum, 2(1 + β)/((1 + 2β)η) with Nesterov', () => {
    expect(stabilityThreshold({ base: 'sgd', beta1: 0, nesterov: false }, 0.01)).toEqual({ value: 200, of: 'hessian' });
    expect(stabilityThreshold({ base: 'sgd', beta1: 0.9, nesterov: false }, 0.01)?.value).toBeCloseTo(380, 10);
    expect(stabilityThreshold({ base: 'sgd', beta1: 0.9, nesterov: true }, 0.01)?.value).toBeCloseTo(380 / 2.8, 10);
  });

  it('gives 38/η for AdamW at β₁ = 0.9, on the preconditioned Hessian', () => {
    const t = stabilityThreshold({ base: 'adamw', beta1: 0.9, nesterov: false }, 1e-3)!;
    expect(t.of).toBe('preconditioned');
    expect(t.value).toBeCloseTo(38_000, 6);
  });

  it('has none for SAM or a learning rate that is not positive', () => {
    expect(stabilityThreshold({ base: 'sam', beta1: 0.9, nesterov: false }, 0.01)).toBeNull();
    expect(stabilityThreshold({ base: 'sgd', beta1: 0, nesterov: false }, 0)).toBeNull();
  });
});

describe('stabilityLabels', () => {
  it('names the eigenvalue and the threshold as c/η at the run’s β', () => {
    expect(stabilityLabels({ base: 'adamw', beta1: 0.9, nesterov: false })).toEqual({ sharpness: 'λ_max(P⁻¹H)', threshold: '38/η' });
    expect(stabilityLabels({ base: 'sgd', beta1: 0, nesterov: false })).toEqual({ sharpness: 'λ_max(H)', threshold: '2/η' });
    expect(stabilityLabels({ base: 'sgd', beta1: 0.9, nesterov: true })).toEqual({ sharpness: 'λ_max(H)', threshold: '1.357/η' });
    expect(stabilityLabels({ base: 'sam', beta1: 0.9, nesterov: false })).toBeNull();
  });
});
