// CPU references of the optimizer kernels (shaders/optim/{adamw,sgd,sam}.wgsl), one f32
// rounding per operation as the kernels do; grad norms in double precision.
import { adamwUniforms, type AdamWHyper } from '../optim/adamw';
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

function clipScaleRef(g: ArrayLike<number>, clip: number): number {
  if (clip <= 0) return 1;
  return f(Math.min(1, f(f(clip) / f(f(Math.sqrt(f(gradNormSqRef(g)))) + f(1e-6)))));
}

function amplifyRef(old: number, base: number, kappa: number, mask: number): number {
  const k = f(f(kappa) * mask);
  return k !== 0 ? f(old + f(f(1 + k) * f(base - old))) : base;
}

/** One AdamW step in place on theta, m, v. */
export function adamwStepRef(
  s: { theta: Float32Array; m: Float32Array; v: Float32Array },
  grad: Float32Array,
  decay: ArrayLike<number>,
  h: AdamWHyper,
  step: StepValues,
  ire?: IreRef,
): void {
  const u = adamwUniforms(h, step);
  const [b1, b2, eps, df, ss, bc2] = [h.beta1, h.beta2, h.eps, u.decayFactor, u.stepSize, u.bc2Sqrt].map(f);
  const scale = clipScaleRef(grad, h.clip);
  for (let i = 0; i < grad.length; i++) {
    const g = f(grad[i] * scale);
    const m = f(f(b1 * s.m[i]) + f(f(1 - b1) * g));
    const v = f(f(b2 * s.v[i]) + f(f(1 - b2) * f(g * g)));
    s.m[i] = m;
    s.v[i] = v;
    const old = s.theta[i];
    const th = decay[i] ? f(old * df) : old;
    const base = f(th - f(ss * f(m / f(f(f(Math.sqrt(v)) / bc2) + eps))));
    s.theta[i] = ire ? amplifyRef(old, base, step.kappa ?? 0, ire.mask[i]) : base;
  }
}

/** One SGD (momentum, Nesterov, coupled weight decay) step in place on theta and momentum. */
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
