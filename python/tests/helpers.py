"""Shared by the tests: the repository, the engine's CLI (Node, WebGPU on SwiftShader), runs
of the PyTorch trainer, and reading checkpoints as flat vectors."""
from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

PYTHON_DIR = Path(__file__).resolve().parents[1]
REPO = PYTHON_DIR.parent
if str(PYTHON_DIR) not in sys.path:
    sys.path.insert(0, str(PYTHON_DIR))

from ire_playground import checkpoint as ckpt  # noqa: E402

CHROMIUM_LIB = Path("/usr/lib/chromium")


def engine_available() -> str | None:
    """None when the CLI can run here, else why not (the parity tests are skipped then)."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not (REPO / "node_modules" / ".bin" / "tsx").exists():
        return "node_modules is missing (npm ci)"
    if not (CHROMIUM_LIB / "vk_swiftshader_icd.json").exists() and "VK_ICD_FILENAMES" not in os.environ:
        return "no Vulkan driver (apt-get install chromium libvulkan1)"
    return None


def node_env() -> dict[str, str]:
    env = dict(os.environ)
    if (CHROMIUM_LIB / "vk_swiftshader_icd.json").exists():
        env.setdefault("VK_ICD_FILENAMES", str(CHROMIUM_LIB / "vk_swiftshader_icd.json"))
        env["LD_LIBRARY_PATH"] = ":".join(x for x in [env.get("LD_LIBRARY_PATH", ""), str(CHROMIUM_LIB)] if x)
    return env


def run_node(args: list[str], timeout: int = 900) -> str:
    """npx tsx ARGS in the repository; raises with the output on failure."""
    p = subprocess.run([str(REPO / "node_modules" / ".bin" / "tsx"), *args], cwd=REPO, env=node_env(), capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(f"tsx {' '.join(args)} failed ({p.returncode}):\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}")
    return p.stdout


def run_cli(args: list[str]) -> str:
    """The engine's training CLI (src/cli/train.ts)."""
    return run_node(["src/cli/train.ts", *args])


def run_python(args: list[str]) -> None:
    """The PyTorch trainer in-process (python3 -m ire_playground.train ARGS)."""
    from ire_playground import train

    assert train.main([*args, "--quiet"]) == 0


def metrics(path: Path, run: str) -> dict[int, dict[str, str]]:
    """metrics.csv rows of a run by step (training rows only)."""
    with open(path) as f:
        return {int(r["step"]): r for r in csv.DictReader(f) if r["run"] == run and r["train_loss"] != ""}


def flat(group: dict[str, np.ndarray], ck: ckpt.RunCheckpoint) -> np.ndarray:
    return np.concatenate([np.asarray(group[v.name], dtype=np.float64).ravel() for v in ck.layout.views])


def load(path: Path) -> ckpt.RunCheckpoint:
    return ckpt.load(path)


def write_config(path: Path, config: dict[str, Any]) -> Path:
    import json

    path.write_text(json.dumps(config))
    return path


def adamw(ire: dict[str, Any] | None = None, **over: Any) -> dict[str, Any]:
    """An OptimizerConfig (src/optim/optimizerConfig.ts) with the playground's AdamW defaults."""
    o: dict[str, Any] = {
        "base": "adamw", "lr": 3e-3, "minLr": 3e-4, "warmupSteps": 4, "beta1": 0.9, "beta2": 0.95, "eps": 1e-8,
        "weightDecay": 0.1, "decayNormsBiasesEmbeddings": False, "nesterov": False, "rho": 0.05, "gradClip": 1.0,
        "ire": {"enabled": False, "kappa": 2, "gamma": 0.8, "refreshEvery": 10, "startStep": "warmup-end", "kappaFollowsLr": True, "hessianForm": "square", "ema": 0},
    }
    o.update(over)
    if ire is not None:
        o["ire"] = {**o["ire"], "enabled": True, **ire}
    return o
