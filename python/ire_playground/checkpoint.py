"""Playground checkpoints (docs/checkpoints.md; src/train/checkpoint.ts) read and written.

Tensors: `model.<view>`, `optim.m.<view>`, `optim.v.<view>` (AdamW), `optim.momentum.<view>`
(SGD, SAM), `ire.h.<view>`, `ire.mask.<view>` (F32 0/1), `run.metrics` [8]; all F32 in layout
order. Metadata: format, version, step, seed, run_id, run_ids, refresh_count,
ire_last_refresh_step, comparison_config, run_config, model_config, run_state, events and,
when known, kernel_choices. A file written here is a one-run comparison (run_ids = [id]), so the
CLI's `--resume` takes it alone.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import safetensors
from .layout import Layout, layout_of

FORMAT = "ire-playground-checkpoint"
VERSION = 1
METRIC_FLOATS = 8
# Slots of run.metrics (src/train/run.ts METRIC)
LOSS_SUM, CORRECT_SUM, GRAD_NORM_SQ, LOSS_NONFINITE, GRAD_NONFINITE, MASK_COUNT, THRESHOLD = range(7)
OPTIM_STATE = {"adamw": ["m", "v"], "sgd": ["momentum"], "sam": ["momentum"]}


def js_json(value: Any) -> str:
    """JSON as JavaScript's JSON.stringify writes it (no spaces; integral floats as integers)."""

    def norm(v: Any) -> Any:
        if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
            return int(v)
        if isinstance(v, dict):
            return {k: norm(x) for k, x in v.items()}
        if isinstance(v, list):
            return [norm(x) for x in v]
        return v

    return json.dumps(norm(value), separators=(",", ":"), ensure_ascii=False)


@dataclass
class RunCheckpoint:
    """One run's state at a step boundary."""

    step: int
    comparison: dict[str, Any]  # ComparisonConfig
    run_config: dict[str, Any]  # RunConfig of this run (as applied at this step)
    model: dict[str, Any]  # architecture (vocab filled in)
    params: dict[str, np.ndarray]  # view → values
    optim: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)  # 'm' → view → values
    ire_h: dict[str, np.ndarray] | None = None
    ire_mask: dict[str, np.ndarray] | None = None
    metrics: np.ndarray = field(default_factory=lambda: np.zeros(METRIC_FLOATS, dtype=np.float32))
    refresh_count: int = 0
    ire_last_refresh: int | None = None
    ire_refresh_pending: bool = False
    diverged: bool = False
    run_ids: list[str] = field(default_factory=list)
    events: list[Any] = field(default_factory=list)
    kernel_choices: dict[str, str] | None = None

    @property
    def run_id(self) -> str:
        return str(self.run_config["id"])

    @property
    def seed(self) -> int:
        return int(self.comparison["seed"])

    @property
    def layout(self) -> Layout:
        return layout_of(self.model)


def fresh(comparison: dict[str, Any], run_config: dict[str, Any], model: dict[str, Any]) -> RunCheckpoint:
    """Step 0 of a run: parameters from the seed (initParams), zero optimizer and IRE state."""
    from .layout import init_params

    ck = RunCheckpoint(step=0, comparison=dict(comparison), run_config=run_config, model=dict(model), params={})
    layout = ck.layout
    zeros = lambda: {v.name: np.zeros(v.shape, np.float32) for v in layout.views}  # noqa: E731
    ck.params = init_params(layout, ck.seed)
    ck.optim = {k: zeros() for k in OPTIM_STATE[run_config["optimizer"]["base"]]}
    if run_config["optimizer"]["ire"]["enabled"]:
        ck.ire_h, ck.ire_mask = zeros(), zeros()
    ck.run_ids = [ck.run_id]
    return ck


def load(path: str | Path) -> RunCheckpoint:
    """Reads a checkpoint file; checks format, version and every tensor's shape."""
    tensors, md = safetensors.read(path)
    if md.get("format") != FORMAT:
        raise ValueError(f'{path}: metadata "format" is {md.get("format")!r}, expected "{FORMAT}"')
    if int(md.get("version", "0")) != VERSION:
        raise ValueError(f"{path}: checkpoint version {md.get('version')} is not supported")
    model = json.loads(md["model_config"])
    run_config = json.loads(md["run_config"])
    run_state = json.loads(md["run_state"])
    layout = layout_of(model)

    def group(prefix: str) -> dict[str, np.ndarray]:
        out = {}
        for v in layout.views:
            name = f"{prefix}.{v.name}"
            if name not in tensors:
                raise ValueError(f"{path}: missing tensor {name} (F32, shape {list(v.shape)})")
            t = tensors[name]
            if tuple(t.shape) != v.shape:
                raise ValueError(f"{path}: tensor {name} has shape {list(t.shape)}; the model needs {list(v.shape)}")
            out[v.name] = t.astype(np.float32)
        return out

    base = run_config["optimizer"]["base"]
    ire_on = bool(run_config["optimizer"]["ire"]["enabled"])
    return RunCheckpoint(
        step=int(md["step"]),
        comparison=json.loads(md["comparison_config"]),
        run_config=run_config,
        model=model,
        params=group("model"),
        optim={k: group(f"optim.{k}") for k in OPTIM_STATE[base]},
        ire_h=group("ire.h") if ire_on else None,
        ire_mask=group("ire.mask") if ire_on else None,
        metrics=tensors["run.metrics"].astype(np.float32),
        refresh_count=int(run_state["refreshCount"]),
        ire_last_refresh=run_state["ireLastRefresh"],
        ire_refresh_pending=bool(run_state.get("ireRefreshPending", False)),
        diverged=bool(run_state.get("diverged", False)),
        run_ids=json.loads(md["run_ids"]),
        events=json.loads(md.get("events", "[]")),
        kernel_choices=json.loads(md["kernel_choices"]) if "kernel_choices" in md else None,
    )


def save(path: str | Path, ck: RunCheckpoint) -> None:
    """Writes a one-run checkpoint the playground's `--resume` and page load."""
    layout = ck.layout
    tensors: list[tuple[str, np.ndarray]] = []

    def put(prefix: str, values: dict[str, np.ndarray]) -> None:
        for v in layout.views:
            tensors.append((f"{prefix}.{v.name}", np.asarray(values[v.name], dtype=np.float32).reshape(v.shape)))

    put("model", ck.params)
    for k in OPTIM_STATE[ck.run_config["optimizer"]["base"]]:
        put(f"optim.{k}", ck.optim[k])
    if ck.run_config["optimizer"]["ire"]["enabled"]:
        assert ck.ire_h is not None and ck.ire_mask is not None
        put("ire.h", ck.ire_h)
        put("ire.mask", {k: (np.asarray(m) != 0).astype(np.float32) for k, m in ck.ire_mask.items()})
    tensors.append(("run.metrics", np.asarray(ck.metrics, dtype=np.float32).reshape(METRIC_FLOATS)))
    comparison = dict(ck.comparison, runs=[ck.run_config])
    run_state = {
        "id": ck.run_id,
        "step": ck.step,
        "refreshCount": ck.refresh_count,
        "ireLastRefresh": ck.ire_last_refresh,
        "ireRefreshPending": ck.ire_refresh_pending,
        "diverged": ck.diverged,
    }
    md = {
        "format": FORMAT,
        "version": str(VERSION),
        "step": str(ck.step),
        "seed": str(ck.seed),
        "run_id": ck.run_id,
        "run_ids": js_json([ck.run_id]),
        "refresh_count": str(ck.refresh_count),
        "ire_last_refresh_step": "none" if ck.ire_last_refresh is None else str(ck.ire_last_refresh),
        "comparison_config": js_json(comparison),
        "run_config": js_json(ck.run_config),
        "model_config": js_json(ck.model),
        "run_state": js_json(run_state),
        "events": js_json(ck.events),
    }
    if ck.kernel_choices is not None:
        md["kernel_choices"] = js_json(ck.kernel_choices)
    safetensors.write(path, tensors, md)
