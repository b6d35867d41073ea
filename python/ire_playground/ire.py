"""IRE (Implicit Regularization Enhancement) as a torch.optim wrapper (docs/algorithm.md "IRE";
src/optim/ire.ts, shaders/optim/ire.wgsl, select.wgsl, fusedUpdate.wgsl).

Per step t (0-based):
1. when `is_refresh_step(t)`: the trainer computes the gradient ĝ of the batch-mean loss against
   labels drawn from the model's own softmax (sampler.sample_labels, counter = the refresh
   count) on the step's batch, at θ before the update, into `.grad`; `refresh(t)` then sets
   h = ĝ⊙ĝ (or |ĝ|; EMA h ← βh + (1 − β)h_new, β = 0 on the first estimate), the global
   threshold thr = the k-th smallest h over every real parameter, k = ⌊γ·p⌋ (nothing when
   k = 0), and the mask m = (h ≤ thr), ties included;
2. `step(closure, kappa=κ_t)`: the base optimizer's step unchanged, then
   θ = θ_old + (1 + κ_t)·(θ_base − θ_old) where m (θ_base itself elsewhere, and everywhere when
   κ_t = 0): the whole displacement, weight decay included; the base state is never touched.
κ_t = κ·lr_t/lr_max with `kappa_follows_lr`, else κ; 0 before the start step or when κ = 0.
Distributed: the gradient against sampled labels is averaged over the ranks (DDP's backward, or
`reduce` here) before it is squared, so every rank derives the same h, thr and mask.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
import torch
from torch.optim import Optimizer

from .optim import Closure


def flat_rank(gamma: float, real: int) -> int:
    """k = ⌊γ·p⌋ flagged coordinates (0: none); the 1e-9 guards products such as 0.29·100."""
    return min(real, math.floor(gamma * real + 1e-9))


class IRE(Optimizer):
    """Wraps a base optimizer (optim.AdamW, SGD, SAM, or any torch.optim optimizer)."""

    def __init__(
        self,
        base: Optimizer,
        kappa: float,
        gamma: float,
        refresh_every: int = 10,
        start_step: int = 0,
        kappa_follows_lr: bool = True,
        hessian_form: str = "square",
        ema: float = 0.0,
        lr_max: float = 1.0,
    ) -> None:
        self.base = base
        super().__init__(base.param_groups, dict(base.defaults))
        self.param_groups = base.param_groups
        self.kappa = kappa
        self.gamma = gamma
        self.refresh_every = refresh_every
        self.start_step = start_step
        self.kappa_follows_lr = kappa_follows_lr
        self.hessian_form = hessian_form
        self.ema = ema
        self.lr_max = lr_max
        self.last_refresh: int | None = None
        self.refresh_pending = False
        self.threshold = -1.0  # thr of the last refresh (−1: nothing flagged)
        self.mask_count = 0  # real coordinates flagged after the last refresh
        self.h: list[torch.Tensor] = [torch.zeros_like(p) for p in self._params()]
        self.mask: list[torch.Tensor] = [torch.zeros_like(p, dtype=torch.bool) for p in self._params()]

    def _params(self) -> list[torch.Tensor]:
        return [p for g in self.param_groups for p in g["params"]]

    @property
    def grad_norm_sq(self) -> float:
        return float(getattr(self.base, "grad_norm_sq", 0.0))

    def set_lr(self, lr: float) -> None:
        setter = getattr(self.base, "set_lr", None)
        if setter is not None:
            setter(lr)
        else:
            for g in self.param_groups:
                g["lr"] = lr

    def is_active(self, step: int) -> bool:
        return step >= self.start_step and self.kappa > 0

    def is_refresh_step(self, step: int) -> bool:
        if not self.is_active(step):
            return False
        return self.refresh_pending or self.last_refresh is None or step - self.last_refresh >= self.refresh_every

    def kappa_at(self, step: int, lr: float) -> float:
        """κ_t in double, as the engine's host computes it (the update rounds it to f32)."""
        if not self.is_active(step):
            return 0.0
        return self.kappa * lr / self.lr_max if self.kappa_follows_lr else self.kappa

    @torch.no_grad()
    def refresh(self, step: int, reduce: Callable[[torch.Tensor], torch.Tensor] | None = None) -> None:
        """Estimate from the parameters' .grad (ĝ against sampled labels), threshold, mask.

        `reduce` (optional) maps the flattened ĝ to its average over ranks when the gradients
        were not already averaged by DistributedDataParallel.
        """
        params = self._params()
        g = torch.cat([(p.grad if p.grad is not None else torch.zeros_like(p)).reshape(-1) for p in params])
        if reduce is not None:
            g = reduce(g)
        h_new = g.abs() if self.hessian_form == "abs" else g * g
        beta = 0.0 if self.last_refresh is None else self.ema
        h_old = torch.cat([h.reshape(-1) for h in self.h])
        h = h_new if beta == 0.0 else float(np.float32(beta)) * h_old + float(np.float32(1) - np.float32(beta)) * h_new
        k = flat_rank(self.gamma, h.numel())
        if k < 1:
            mask = torch.zeros_like(h, dtype=torch.bool)
            self.threshold, self.mask_count = -1.0, 0
        else:
            thr = self.select(h, k)
            mask = h <= thr
            self.threshold, self.mask_count = float(thr), int(mask.sum())
        at = 0
        for i, p in enumerate(params):
            n = p.numel()
            self.h[i] = h[at : at + n].reshape(p.shape).clone()
            self.mask[i] = mask[at : at + n].reshape(p.shape).clone()
            at += n
        self.last_refresh = step
        self.refresh_pending = False

    @staticmethod
    def select(h: torch.Tensor, k: int) -> torch.Tensor:
        """The k-th smallest value (1-based) of h: the engine's radix select (select.wgsl)."""
        return torch.kthvalue(h.float().cpu() if h.device.type == "mps" else h, k).values

    @torch.no_grad()
    def step(self, closure: Closure | None = None, kappa: float = 0.0) -> torch.Tensor | None:  # type: ignore[override]
        """The base step, then θ_old + (1 + κ)(θ_base − θ_old) on the mask (κ = κ_t of this step)."""
        params = self._params()
        old = [p.detach().clone() for p in params] if kappa != 0.0 else []
        loss = self.base.step(closure) if closure is not None else self.base.step()
        if kappa != 0.0:
            factor = float(np.float32(1.0) + np.float32(kappa))
            for p, o, m in zip(params, old, self.mask):
                p.copy_(torch.where(m, o + factor * (p - o), p))
        return loss
