"""The engine's base optimizers as torch.optim optimizers (src/optim/adamw.ts, sgd.ts, sam.ts;
shaders/optim/adamw.wgsl, sgd.wgsl, sam.wgsl, fusedUpdate.wgsl).

Every base optimizer first measures ‖g‖² over all parameters and scales the gradient by
min(1, clip / (‖g‖ + 1e-6)) when clipping (global norm, as the fused kernels do); the norm
before clipping is kept in `grad_norm_sq` (the CLI's grad_norm column). Param groups carry a
`decay` flag (decoupled weight decay for AdamW, L2 added to the gradient for SGD, only where
the flag is set: nanoGPT grouping, src/nn/paramLayout.ts decayMask). Learning rates are set
per step by the trainer (`set_lr`), as the engine writes them into its uniforms.

Scalars the engine computes in f32 on the GPU (1 − β, the clip scale) are rounded to f32 the
same way here; the bias corrections are computed in double, as the engine's host does.
"""
from __future__ import annotations

import math
from typing import Callable, Iterable

import numpy as np
import torch
from torch.optim import Optimizer

Closure = Callable[[], torch.Tensor]


def f32(x: float) -> float:
    """x rounded to f32 (a uniform of the engine's kernels)."""
    return float(np.float32(x))


def one_minus(x: float) -> float:
    """1 − x in f32 arithmetic (the kernels' `1.0 - params.beta1`)."""
    return float(np.float32(1.0) - np.float32(x))


class _Base(Optimizer):
    """Shared by AdamW and SGD: global grad norm, clip scale, per-step learning rate."""

    grad_norm_sq: float = 0.0

    def set_lr(self, lr: float) -> None:
        for g in self.param_groups:
            g["lr"] = lr

    def _params(self) -> list[torch.Tensor]:
        return [p for g in self.param_groups for p in g["params"]]

    def _begin_step(self, closure: Closure | None) -> tuple[torch.Tensor | None, float]:
        """The closure's loss (gradients computed), then the clip factor of those gradients."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        return loss, self._clip_scale()

    def _clip_scale(self) -> float:
        """‖g‖² into grad_norm_sq; the clip factor (1 without clipping)."""
        grads = [p.grad for p in self._params() if p.grad is not None]
        sq = torch.stack([g.float().pow(2).sum() for g in grads]).sum() if grads else torch.zeros(())
        self.grad_norm_sq = float(sq)
        clip = self.defaults["clip"]
        if clip <= 0:
            return 1.0
        return min(1.0, f32(f32(clip) / (f32(math.sqrt(f32(self.grad_norm_sq))) + f32(1e-6))))


class AdamW(_Base):
    """AdamW as shaders/optim/adamw.wgsl (PyTorch's formula: eps outside the square root).

    m = β1 m + (1 − β1) g; v = β2 v + (1 − β2) g²; θ ← θ(1 − lr·wd) on decayed entries;
    θ ← θ − lr/(1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + eps), t the 1-based update number.
    """

    def __init__(self, params: Iterable[dict], lr: float, betas: tuple[float, float], eps: float, weight_decay: float, clip: float) -> None:
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, clip=clip, decay=True))

    @torch.no_grad()
    def step(self, closure: Closure | None = None) -> torch.Tensor | None:  # type: ignore[override]
        loss, scale = self._begin_step(closure)
        for group in self.param_groups:
            b1, b2 = group["betas"]
            lr, eps, wd = group["lr"], group["eps"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                st = self.state[p]
                if "m" not in st:
                    st["m"] = torch.zeros_like(p)
                    st["v"] = torch.zeros_like(p)
                    st["step"] = 0
                st["step"] += 1
                t = st["step"]
                g = p.grad if scale == 1.0 else p.grad * scale
                m, v = st["m"], st["v"]
                m.mul_(f32(b1)).add_(g, alpha=one_minus(b1))
                v.mul_(f32(b2)).addcmul_(g, g, value=one_minus(b2))
                step_size = lr / self.bias_correction1(b1, t)
                bc2_sqrt = math.sqrt(1 - b2**t)
                if group["decay"]:
                    p.mul_(f32(1 - lr * wd))
                denom = (v.sqrt() / f32(bc2_sqrt)).add_(f32(eps))
                p.addcdiv_(m, denom, value=-f32(step_size))
        return loss

    @staticmethod
    def bias_correction1(beta1: float, t: int) -> float:
        """1 − β1ᵗ (a test replaces it to show that parity notices a wrong correction)."""
        return 1 - beta1**t


class SGD(_Base):
    """SGD with momentum as shaders/optim/sgd.wgsl (torch.optim.SGD with dampening 0).

    d = g (+ wd·θ where decayed); b = μb + d; d = d + μb (Nesterov) or b; θ ← θ − lr·d.
    """

    def __init__(self, params: Iterable[dict], lr: float, momentum: float, nesterov: bool, weight_decay: float, clip: float) -> None:
        super().__init__(params, dict(lr=lr, momentum=momentum, nesterov=nesterov, weight_decay=weight_decay, clip=clip, decay=True))

    @torch.no_grad()
    def step(self, closure: Closure | None = None) -> torch.Tensor | None:  # type: ignore[override]
        loss, scale = self._begin_step(closure)
        for group in self.param_groups:
            mu, lr, wd = f32(group["momentum"]), f32(group["lr"]), f32(group["weight_decay"])
            for p in group["params"]:
                if p.grad is None:
                    continue
                st = self.state[p]
                if "momentum" not in st:
                    st["momentum"] = torch.zeros_like(p)
                d = p.grad if scale == 1.0 else p.grad * scale
                if group["decay"]:
                    d = d + wd * p
                b = st["momentum"]
                b.mul_(mu).add_(d)
                d = d + mu * b if group["nesterov"] else b
                p.sub_(lr * d)
        return loss


class SAM(Optimizer):
    """SAM around a base optimizer (src/optim/sam.ts): gradient at θ, ascent θ + ρ·g/(‖g‖ + 1e-12),
    gradient there, θ restored exactly from a copy, then the base step with the second gradient.
    `step` needs a closure that zeroes the gradients, runs forward and backward, returns the loss.
    """

    def __init__(self, base: _Base, rho: float) -> None:
        self.base = base
        super().__init__(base.param_groups, dict(base.defaults, rho=rho))
        self.param_groups = base.param_groups
        self.state = base.state
        self.rho = rho

    @property
    def grad_norm_sq(self) -> float:
        return self.base.grad_norm_sq

    def set_lr(self, lr: float) -> None:
        self.base.set_lr(lr)

    @torch.no_grad()
    def step(self, closure: Closure | None = None) -> torch.Tensor | None:  # type: ignore[override]
        if closure is None:
            raise ValueError("SAM.step needs a closure (forward and backward)")
        with torch.enable_grad():
            loss = closure()
        params = [p for g in self.param_groups for p in g["params"]]
        sq = torch.stack([p.grad.float().pow(2).sum() for p in params if p.grad is not None]).sum()
        scale = f32(f32(self.rho) / (f32(math.sqrt(f32(float(sq)))) + f32(1e-12)))
        saved = [p.detach().clone() for p in params]
        for p in params:
            if p.grad is not None:
                p.add_(p.grad * scale)
        with torch.enable_grad():
            closure()
        for p, s in zip(params, saved):
            p.copy_(s)
        self.base.step()
        return loss
