// CPU references of the optimizer kernels (shaders/optim/{adamw,sgd,sam}.wgsl), one f32
// rounding per operation; grad norms in double precision. Each update is written out as its
// published algorithm states it (AdamW as torch.optim.AdamW documents it, SGD as torch.optim.SGD,
// the IRE factor as docs/algorithm.md "The update"), not taken from the engine.
import type { AdamWHyper } from '../optim/adamw';
import type { StepValues } from '../optim/optimizer';
import type { SgdHyper } from '../optim/sgd';

const f = Math.fround;

export interface IreRef {
  mask: ArrayLike<number>; // (P) 0/1
}

export function gradNormSqRef(g: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < g.length; i++) s += g[i] * g[i];
  return s;
}

/** torch.nn.utils.clip_grad_norm_: g ← g · min(1, c / (‖g‖ + 1e-6)); c = 0 is off. */
function clipScaleRef(g: ArrayLike<number>, clip: number): number {
  if (clip <= 0) return 1;
  return f(Math.min(1, f(f(clip) / f(f(Math.sqrt(f(gradNormSqRef(g)))) + f(1e-6)))));
}

/** docs/algorithm.md "The update": θ = θ_old + (1 + κ·m)·Δ with Δ the base step, m the 0/1 mask. */
function amplifyRef(old: number, base: number, kappa: number, mask: number): number {
  const k = f(f(kappa) * mask);
  return k !== 0 ? f(old + f(f(1 + k) * f(base - old))) : base;
}

/**
 * One AdamW step in place on theta, m, v: torch.optim.AdamW's documented algorithm, step t ≥ 1,
 * learning rate γ = lr, weight decay λ (on the entries where `decay` is set), gradient g after
 * clipping:
 *   θ ← θ − γλθ
 *   m ← β1·m + (1 − β1)·g,  v ← β2·v + (1 − β2)·g²
 *   m̂ = m / (1 − β1^t),  v̂ = v / (1 − β2^t)
 *   θ ← θ − γ·m̂ / (√v̂ + ε)
 * The bias corrections 1 − β1^t and 1 − β2^t are formed in double precision.
 */
export function adamwStepRef(
  s: { theta: Float32Array; m: Float32Array; v: Float32Array },
  grad: Float32Array,
  decay: ArrayLike<number>,
  h: AdamWHyper,
  step: StepValues,
  ire?: IreRef,
): void {
  const [lr, wd, b1, b2, eps] = [step.lr, h.weightDecay, h.beta1, h.beta2, h.eps].map(f);
  const biasCorrection1 = 1 - Math.pow(h.beta1, step.t);
  const biasCorrection2 = 1 - Math.pow(h.beta2, step.t);
  const scale = clipScaleRef(grad, h.clip);
  for (let i = 0; i < grad.length; i++) {
    const g = f(grad[i] * scale);
    const m = f(f(b1 * s.m[i]) + f(f(1 - b1) * g));
    const v = f(f(b2 * s.v[i]) + f(f(1 - b2) * f(g * g)));
    s.m[i] = m;
    s.v[i] = v;
    const old = s.theta[i];
    const decayed = decay[i] ? f(old - f(f(lr * wd) * old)) : old;
    const mHat = f(m / biasCorrection1);
    const vHat = f(v / biasCorrection2);
    const base = f(decayed - f(lr * f(mHat / f(f(Math.sqrt(vHat)) + eps))));
    s.theta[i] = ire ? amplifyRef(old, base, step.kappa ?? 0, ire.mask[i]) : base;
  }
}

/**
 * One SGD step in place on theta and momentum: torch.optim.SGD's documented algorithm with
 * dampening 0 (g ← g + λθ on decayed entries; b ← μ·b + g; g ← g + μ·b with Nesterov, else b;
 * θ ← θ − γ·g). The zero initial buffer gives b = g at the first step, as PyTorch's.
 */
export function sgdStepRef(
  s: { theta: Float32Array; momentum: Float32Array },
  grad: Float32Array,
  decay: ArrayLike<number>,
  h: SgdHyper,
  step: StepValues,
  ire?: IreRef,
): void {
  const [lr, mu, wd] = [step.lr, h.momentum, h.weightDecay].map(f);
  const scale = clipScaleRef(grad, h.clip);
  for (let i = 0; i < grad.length; i++) {
    const old = s.theta[i];
    let d = f(grad[i] * scale);
    if (decay[i]) d = f(d + f(wd * old));
    const b = f(f(mu * s.momentum[i]) + d);
    s.momentum[i] = b;
    d = h.nesterov ? f(d + f(mu * b)) : b;
    const base = f(old - f(lr * d));
    s.theta[i] = ire ? amplifyRef(old, base, step.kappa ?? 0, ire.mask[i]) : base;
  }
}

/** SAM's ascent point θ + ρ·g/‖g‖. */
export function samPerturbRef(theta: Float32Array, grad: Float32Array, rho: number): Float32Array {
  const scale = f(f(rho) / f(f(Math.sqrt(f(gradNormSqRef(grad)))) + f(1e-12)));
  return theta.map((t, i) => f(t + f(grad[i] * scale)));
}
