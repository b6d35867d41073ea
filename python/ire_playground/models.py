"""The playground's model families in PyTorch, parameter for parameter (src/nn, src/ref).

Parameters are held in layout order under the engine's view names (model.named_views()), with
the engine's shapes: linear weights (out, in) as torch.nn.Linear. Formulas as the engine's:
- GPT (src/nn/gpt.ts, src/ref/gpt.ts): wte[tok] + wpe[t]; blocks x += proj(attn(ln1(x))),
  x += proj(gelu(fc(ln2(x)))); lnf; logits = lnf·wteᵀ (tied) or head.w, no head bias.
  LayerNorm ε = 1e-5, biased variance; causal attention scaled by 1/√(C/heads); GELU in its
  tanh form (shaders/nn/geluMath.wgsl); no dropout.
- MLP (src/nn/mlp.ts): flatten → (linear → ReLU or GELU-tanh)×len(hidden) → linear head.
- CNN (src/nn/cnn.ts): [conv 3×3 pad 1 → ReLU → 2×2 max or average pool] × 2 → flatten → head.
Losses: softmax cross-entropy, or ½‖z − onehot‖² (MLP `loss: 'mse'`), per row, averaged over
the rows of the batch (B·T positions for the GPT). Rows whose target is −1 are ignored (loss 0).
"""
from __future__ import annotations

from typing import Any, Iterator

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .layout import Layout, layout_of

LAYERNORM_EPS = 1e-5


class FlatModel(nn.Module):
    """A module whose parameters are the views of a playground layout, in layout order."""

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__()
        self.config = dict(config)
        self.layout: Layout = layout_of(config)
        self.views = nn.ParameterList([nn.Parameter(torch.zeros(v.shape)) for v in self.layout.views])
        self._index = {v.name: i for i, v in enumerate(self.layout.views)}

    def p(self, name: str) -> torch.Tensor:
        return self.views[self._index[name]]

    def named_views(self) -> Iterator[tuple[str, nn.Parameter]]:
        for v, t in zip(self.layout.views, self.views):
            yield v.name, t

    def load_views(self, values: dict[str, np.ndarray]) -> None:
        """Copies values (view name → array of the view's shape) into the parameters."""
        with torch.no_grad():
            for name, t in self.named_views():
                a = values[name]
                if tuple(a.shape) != tuple(t.shape):
                    raise ValueError(f"view {name}: shape {tuple(a.shape)}, the model needs {tuple(t.shape)}")
                t.copy_(torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32)))

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """(rows, classes) logits of a batch of inputs."""
        raise NotImplementedError

    def row_losses(self, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """(rows) per-row loss; 0 where the target is −1."""
        t = targets.reshape(-1)
        if self.config.get("loss") == "mse":
            valid = t >= 0
            onehot = F.one_hot(t.clamp(min=0), logits.shape[-1]).to(logits.dtype)
            r = logits - onehot
            return torch.where(valid, 0.5 * (r * r).sum(-1), torch.zeros_like(r[:, 0]))
        return F.cross_entropy(logits, t, reduction="none", ignore_index=-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.logits(x)


def gelu_tanh(x: torch.Tensor) -> torch.Tensor:
    """GELU, tanh form: ½x(1 + tanh(√(2/π)(x + 0.044715x³)))."""
    return F.gelu(x, approximate="tanh")


class Gpt(FlatModel):
    """Causal character transformer of src/nn/gpt.ts."""

    def logits(self, tokens: torch.Tensor) -> torch.Tensor:
        c = self.config
        L, NH, C = c["layers"], c["heads"], c["width"]
        B, T = tokens.shape
        hs = C // NH
        p = self.p
        x = p("wte")[tokens] + p("wpe")[:T].unsqueeze(0)
        causal = torch.ones(T, T, dtype=torch.bool, device=tokens.device).tril()
        for i in range(L):
            h = f"h{i}"
            a = F.layer_norm(x, (C,), p(f"{h}.ln1.w"), p(f"{h}.ln1.b"), LAYERNORM_EPS)
            qkv = F.linear(a, p(f"{h}.attn.qkv.w"), p(f"{h}.attn.qkv.b"))
            q, k, v = qkv.split(C, dim=2)
            q = q.view(B, T, NH, hs).transpose(1, 2)
            k = k.view(B, T, NH, hs).transpose(1, 2)
            v = v.view(B, T, NH, hs).transpose(1, 2)
            att = (q @ k.transpose(-2, -1)) * (1.0 / hs**0.5)
            att = att.masked_fill(~causal, float("-inf")).softmax(dim=-1)
            y = (att @ v).transpose(1, 2).reshape(B, T, C)
            x = x + F.linear(y, p(f"{h}.attn.proj.w"), p(f"{h}.attn.proj.b"))
            a = F.layer_norm(x, (C,), p(f"{h}.ln2.w"), p(f"{h}.ln2.b"), LAYERNORM_EPS)
            f = gelu_tanh(F.linear(a, p(f"{h}.mlp.fc.w"), p(f"{h}.mlp.fc.b")))
            x = x + F.linear(f, p(f"{h}.mlp.proj.w"), p(f"{h}.mlp.proj.b"))
        x = F.layer_norm(x, (C,), p("lnf.w"), p("lnf.b"), LAYERNORM_EPS)
        head = p("wte") if c["tiedHead"] else p("head.w")
        return F.linear(x, head).reshape(B * T, -1)


class Mlp(FlatModel):
    """src/nn/mlp.ts: flatten, hidden layers with ReLU or GELU, linear head."""

    def logits(self, images: torch.Tensor) -> torch.Tensor:
        x = images.reshape(images.shape[0], -1)
        n = len(self.config["hidden"]) + 1
        act = gelu_tanh if self.config.get("activation") == "gelu" else F.relu
        for i in range(n):
            x = F.linear(x, self.p(f"fc{i}.w"), self.p(f"fc{i}.b"))
            if i + 1 < n:
                x = act(x)
        return x


class Cnn(FlatModel):
    """src/nn/cnn.ts: two conv → ReLU → pool stages, linear head."""

    def logits(self, images: torch.Tensor) -> torch.Tensor:
        x = images
        pool = F.max_pool2d if self.config["pool"] == "max" else F.avg_pool2d
        for i in range(2):
            x = pool(F.relu(F.conv2d(x, self.p(f"conv{i}.w"), self.p(f"conv{i}.b"), padding=1)), 2, 2)
        return F.linear(x.reshape(x.shape[0], -1), self.p("head.w"), self.p("head.b"))


def build_model(config: dict[str, Any]) -> FlatModel:
    """The model of an architecture (checkpoint metadata `model_config`)."""
    kinds: dict[str, type[FlatModel]] = {"gpt": Gpt, "mlp": Mlp, "cnn": Cnn}
    if config["kind"] not in kinds:
        raise ValueError(f'model kind "{config["kind"]}" is not supported by the PyTorch side (gpt, mlp, cnn)')
    return kinds[config["kind"]](config)
