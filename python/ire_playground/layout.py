"""Parameter tables of the model families (src/nn/paramLayout.ts, gpt.ts, mlp.ts, cnn.ts).

Each view has the engine's name, shape, weight-decay group and initialisation; offsets follow
the engine's flat buffer (each view at a multiple of 64 floats), which matters for nothing in
PyTorch except the initial values: view i draws from Rng(seed, i + 1) (initParams).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .rng import Rng

VIEW_ALIGN_FLOATS = 64


@dataclass
class View:
    name: str
    shape: tuple[int, ...]
    group: str  # 'weight' | 'bias' | 'norm' | 'embedding'
    init: tuple[str, float]  # ('normal', std) | ('zeros', 0) | ('ones', 0) | ('uniform', bound)
    offset: int = 0

    @property
    def size(self) -> int:
        return math.prod(self.shape)


@dataclass
class Layout:
    views: list[View]
    total: int  # floats of the engine's flat buffer, padding included
    count: int  # real parameters

    @property
    def pad_count(self) -> int:
        return self.total - self.count


def _build(views: list[View]) -> Layout:
    cursor = 0
    for v in views:
        v.offset = cursor
        cursor += -(-v.size // VIEW_ALIGN_FLOATS) * VIEW_ALIGN_FLOATS
    return Layout(views, max(cursor, VIEW_ALIGN_FLOATS), sum(v.size for v in views))


def gpt_layout(cfg: dict[str, Any]) -> Layout:
    """GPT-2 initialisation: normal 0.02, residual projections 0.02/√(2L), wpe 0.01 (gpt.ts gptLayout)."""
    L, C, T, V = cfg["layers"], cfg["width"], cfg["context"], cfg["vocab"]
    std, proj = 0.02, 0.02 / math.sqrt(2 * L)
    v = [View("wte", (V, C), "embedding", ("normal", std)), View("wpe", (T, C), "embedding", ("normal", 0.01))]
    for i in range(L):
        p = f"h{i}"
        v += [
            View(f"{p}.ln1.w", (C,), "norm", ("ones", 0)),
            View(f"{p}.ln1.b", (C,), "norm", ("zeros", 0)),
            View(f"{p}.attn.qkv.w", (3 * C, C), "weight", ("normal", std)),
            View(f"{p}.attn.qkv.b", (3 * C,), "bias", ("zeros", 0)),
            View(f"{p}.attn.proj.w", (C, C), "weight", ("normal", proj)),
            View(f"{p}.attn.proj.b", (C,), "bias", ("zeros", 0)),
            View(f"{p}.ln2.w", (C,), "norm", ("ones", 0)),
            View(f"{p}.ln2.b", (C,), "norm", ("zeros", 0)),
            View(f"{p}.mlp.fc.w", (4 * C, C), "weight", ("normal", std)),
            View(f"{p}.mlp.fc.b", (4 * C,), "bias", ("zeros", 0)),
            View(f"{p}.mlp.proj.w", (C, 4 * C), "weight", ("normal", proj)),
            View(f"{p}.mlp.proj.b", (C,), "bias", ("zeros", 0)),
        ]
    v += [View("lnf.w", (C,), "norm", ("ones", 0)), View("lnf.b", (C,), "norm", ("zeros", 0))]
    if not cfg["tiedHead"]:
        v.append(View("head.w", (V, C), "weight", ("normal", std)))
    return _build(v)


def mlp_layout(cfg: dict[str, Any]) -> Layout:
    """He initialisation for hidden layers, 1/√fan-in for the head, zero biases (mlp.ts)."""
    widths = [cfg["inputs"], *cfg["hidden"], cfg["classes"]]
    v: list[View] = []
    for i in range(len(widths) - 1):
        last = i + 2 == len(widths)
        std = math.sqrt((1 if last else 2) / widths[i])
        v += [View(f"fc{i}.w", (widths[i + 1], widths[i]), "weight", ("normal", std)), View(f"fc{i}.b", (widths[i + 1],), "bias", ("zeros", 0))]
    return _build(v)


def cnn_layout(cfg: dict[str, Any]) -> Layout:
    """Two conv(3×3, pad 1) → ReLU → pool(2×2) stages and a linear head (cnn.ts cnnLayout)."""
    c, h, w = cfg["channels"], cfg["height"], cfg["width"]
    v: list[View] = []
    for i, oc in enumerate(cfg["filters"]):
        v += [View(f"conv{i}.w", (oc, c, 3, 3), "weight", ("normal", math.sqrt(2 / (c * 9)))), View(f"conv{i}.b", (oc,), "bias", ("zeros", 0))]
        c, h, w = oc, (h - 2) // 2 + 1, (w - 2) // 2 + 1
    f = c * h * w
    v += [View("head.w", (cfg["classes"], f), "weight", ("normal", math.sqrt(1 / f))), View("head.b", (cfg["classes"],), "bias", ("zeros", 0))]
    return _build(v)


def layout_of(model: dict[str, Any]) -> Layout:
    kind = model["kind"]
    if kind == "gpt":
        return gpt_layout(model)
    if kind == "mlp":
        return mlp_layout(model)
    if kind == "cnn":
        return cnn_layout(model)
    raise ValueError(f'model kind "{kind}" is not supported by the PyTorch side (gpt, mlp, cnn)')


def init_params(layout: Layout, seed: int) -> dict[str, np.ndarray]:
    """initParams: view i from Rng(seed, i + 1); normal = std·(Box-Muller) in double, then f32."""
    out: dict[str, np.ndarray] = {}
    for i, v in enumerate(layout.views):
        kind, arg = v.init
        rng = Rng(seed, i + 1)
        if kind == "zeros":
            a = np.zeros(v.size)
        elif kind == "ones":
            a = np.ones(v.size)
        elif kind == "normal":
            a = arg * rng.normal_np(v.size)
        elif kind == "uniform":
            a = -arg + (2 * arg) * rng.uniform_np(v.size)
        else:
            raise ValueError(f"unknown init {kind}")
        out[v.name] = a.astype(np.float32).reshape(v.shape)
    return out


def decay_flags(layout: Layout, decay_all: bool) -> dict[str, bool]:
    """Whether decoupled weight decay applies to each view (paramLayout.ts decayMask)."""
    return {v.name: decay_all or v.group == "weight" for v in layout.views}
