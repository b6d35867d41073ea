"""`python3 -m ire_playground.train`: continue or scale a playground run in PyTorch
(docs/pytorch.md).

  --from DIR / --resume CKPT   the export folder of the CLI (its latest checkpoint) or one file
  --steps N                    the step to stop at (absolute, as the CLI's --steps with --resume)
  --layers/--width/--heads/--context/--hidden/--batch
                               scale the run: a fresh initialisation from the run's seed, step 0
Writes into --out: metrics.csv (the CLI's columns) and ckpt-<step>.safetensors (the playground's
format; `npm run train -- --resume` continues from it). Under `torchrun --nproc_per_node N` the
global batch is split across the N ranks (DistributedDataParallel) and the run is the one-rank
run: the same batches, labels, estimates and masks.

Per step, as src/train/run.ts: (1) on an IRE refresh step, forward on the step's batch, labels
sampled from the model (counter = the refresh count), backward, estimate and mask; (2) the base
step on the batch's own labels with the IRE factor; the loss row is the batch's loss at θ before
the update.
"""
from __future__ import annotations

import argparse
import copy
import math
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch
import torch.distributed as dist

from . import checkpoint as ckpt
from .data import Batches, Dataset, ImageDataset, TextDataset, load_comparison_data
from .ire import IRE
from .layout import decay_flags
from .metrics import MetricsCsv
from .models import FlatModel, build_model
from .optim import SAM, SGD, AdamW
from .sampler import sample_labels
from .schedule import run_learning_rate


@dataclass
class DistInfo:
    rank: int = 0
    world: int = 1

    @property
    def on(self) -> bool:
        return self.world > 1


def build_optimizer(model: FlatModel, cfg: dict[str, Any]) -> tuple[torch.optim.Optimizer, IRE | None]:
    """The run's optimizer (src/optim/create.ts): AdamW, SGD or SAM(SGD), IRE around it when enabled."""
    flags = decay_flags(model.layout, bool(cfg["decayNormsBiasesEmbeddings"]))
    groups = [{"params": [p], "decay": flags[name]} for name, p in model.named_views()]
    base: Any
    if cfg["base"] == "adamw":
        base = AdamW(groups, cfg["lr"], (cfg["beta1"], cfg["beta2"]), cfg["eps"], cfg["weightDecay"], cfg["gradClip"])
    elif cfg["base"] in ("sgd", "sam"):
        base = SGD(groups, cfg["lr"], cfg["beta1"], bool(cfg["nesterov"]), cfg["weightDecay"], cfg["gradClip"])
        if cfg["base"] == "sam":
            base = SAM(base, cfg["rho"])
    else:
        raise ValueError(f'unknown base optimizer "{cfg["base"]}"')
    r = cfg["ire"]
    if not r["enabled"]:
        return base, None
    start = cfg["warmupSteps"] if r["startStep"] == "warmup-end" else int(r["startStep"])
    ire = IRE(base, r["kappa"], r["gamma"], r["refreshEvery"], start, bool(r["kappaFollowsLr"]), r["hessianForm"], r["ema"], lr_max=cfg["lr"])
    return ire, ire


def _base_of(opt: torch.optim.Optimizer) -> torch.optim.Optimizer:
    while isinstance(opt, (IRE, SAM)):
        opt = opt.base
    return opt


class Trainer:
    """One run: model, optimizer (IRE around it), batches, counters; restores and captures state."""

    def __init__(self, ck: ckpt.RunCheckpoint, data: Dataset, device: torch.device, dist_info: DistInfo | None = None) -> None:
        self.ck = ck
        self.dist = dist_info or DistInfo()
        self.device = device
        self.cfg = ck.run_config["optimizer"]
        self.total_steps = int(ck.comparison["totalSteps"])
        self.seed = ck.seed
        self.model = build_model(ck.model).to(device)
        self.model.load_views(ck.params)
        self.model.to(device)
        self.context = int(ck.model["context"]) if ck.model["kind"] == "gpt" else 1
        self.B = int(ck.comparison["batchSize"])
        if self.B % self.dist.world != 0:
            raise ValueError(f"the global batch {self.B} does not split evenly across {self.dist.world} ranks")
        self.local_b = self.B // self.dist.world
        self.batches = Batches(data, self.B, self.context, self.seed)
        self.text = isinstance(data, TextDataset)
        if isinstance(data, TextDataset) and ck.model["kind"] == "gpt" and len(data.vocab) != ck.model["vocab"]:
            raise ValueError(f"the dataset's vocabulary has {len(data.vocab)} characters, the model {ck.model['vocab']}: pass the run's data")
        self.net: torch.nn.Module = self.model
        if self.dist.on:
            from torch.nn.parallel import DistributedDataParallel as DDP

            self.net = DDP(self.model, device_ids=[device.index] if device.type == "cuda" else None)
        self.opt, self.ire = build_optimizer(self.model, self.cfg)
        self.step = ck.step
        self.refresh_count = ck.refresh_count
        self.metrics = np.array(ck.metrics, dtype=np.float32)
        self._restore_state()

    # -- state ------------------------------------------------------------------------------
    def _restore_state(self) -> None:
        ck, dev = self.ck, self.device
        base = _base_of(self.opt)
        for name, p in self.model.named_views():
            st = base.state[p]
            if self.cfg["base"] == "adamw":
                st["m"] = torch.from_numpy(ck.optim["m"][name].copy()).to(dev)
                st["v"] = torch.from_numpy(ck.optim["v"][name].copy()).to(dev)
                st["step"] = ck.step  # the next update is t = step + 1 (src/train/run.ts)
            else:
                st["momentum"] = torch.from_numpy(ck.optim["momentum"][name].copy()).to(dev)
        if self.ire is not None:
            assert ck.ire_h is not None and ck.ire_mask is not None
            names = [n for n, _ in self.model.named_views()]
            self.ire.h = [torch.from_numpy(ck.ire_h[n].copy()).to(dev) for n in names]
            self.ire.mask = [torch.from_numpy(ck.ire_mask[n] != 0).to(dev) for n in names]
            self.ire.last_refresh = ck.ire_last_refresh
            self.ire.refresh_pending = ck.ire_refresh_pending
            self.ire.mask_count = int(self.metrics[ckpt.MASK_COUNT])
            self.ire.threshold = float(self.metrics[ckpt.THRESHOLD])

    def capture(self) -> ckpt.RunCheckpoint:
        """The run's state now, as a checkpoint (a one-run comparison)."""
        base = _base_of(self.opt)
        params = {n: p.detach().cpu().numpy().copy() for n, p in self.model.named_views()}
        keys = ckpt.OPTIM_STATE[self.cfg["base"]]
        optim = {k: {n: base.state[p][k].detach().cpu().numpy().copy() if k in base.state[p] else np.zeros(p.shape, np.float32) for n, p in self.model.named_views()} for k in keys}
        out = copy.copy(self.ck)
        out.step = self.step
        out.params = params
        out.optim = optim
        if self.ire is not None:
            names = [n for n, _ in self.model.named_views()]
            out.ire_h = {n: h.detach().cpu().numpy().copy() for n, h in zip(names, self.ire.h)}
            out.ire_mask = {n: m.detach().cpu().numpy().astype(np.float32) for n, m in zip(names, self.ire.mask)}
            out.ire_last_refresh = self.ire.last_refresh
            out.ire_refresh_pending = self.ire.refresh_pending
        out.refresh_count = self.refresh_count
        out.metrics = self.metrics.copy()
        out.run_ids = [self.ck.run_id]
        return out

    # -- batches ----------------------------------------------------------------------------
    def _tensors(self, x: np.ndarray, y: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        lo = self.dist.rank * self.local_b
        xs, ys = x[lo : lo + self.local_b], y[lo : lo + self.local_b]
        X = torch.from_numpy(np.ascontiguousarray(xs)).to(self.device)
        X = X.long() if self.text else X.float()
        return X, torch.from_numpy(np.ascontiguousarray(ys)).long().to(self.device)

    def _all_sum(self, values: list[float]) -> list[float]:
        if not self.dist.on:
            return values
        t = torch.tensor(values, dtype=torch.float64, device=self.device)
        dist.all_reduce(t)
        return [float(v) for v in t.cpu()]

    # -- one step ---------------------------------------------------------------------------
    def train_step(self) -> dict[str, float]:
        """Step `self.step` on its batch; returns the CLI's metrics of that step."""
        t = self.step
        x, y = self.batches.train(t)
        X, Y = self._tensors(x, y)
        if self.ire is not None and self.ire.is_refresh_step(t):
            self.refresh_count += 1
            self.opt.zero_grad()
            logits = self.net(X)
            rows_per_example = self.context if self.text else 1
            labels = sample_labels(logits.detach().float().cpu().numpy(), self.seed, self.refresh_count, self.dist.rank * self.local_b * rows_per_example)
            self.model.row_losses(logits, torch.from_numpy(labels).to(self.device)).mean().backward()
            self.ire.refresh(t)
        lr = run_learning_rate(t, self.cfg, self.total_steps)
        self.opt.set_lr(lr)  # type: ignore[attr-defined]
        kappa = self.ire.kappa_at(t, lr) if self.ire is not None else 0.0
        rec: dict[str, float] = {}

        def closure() -> torch.Tensor:
            self.opt.zero_grad()
            logits = self.net(X)
            rl = self.model.row_losses(logits, Y)
            loss = rl.mean()
            loss.backward()
            if not rec:
                rec["loss_sum"] = float(rl.detach().float().sum())
                rec["correct"] = float((logits.detach().argmax(-1) == Y.reshape(-1)).sum())
                rec["loss_nonfinite"] = float((~torch.isfinite(rl.detach())).sum())
                rec["grad_nonfinite"] = float(sum(int((~torch.isfinite(p.grad)).sum()) for p in self.model.parameters() if p.grad is not None))
            return loss

        if self.ire is not None:
            self.ire.step(closure, kappa=kappa)
        else:
            self.opt.step(closure)
        loss_sum, correct, loss_nf = self._all_sum([rec["loss_sum"], rec["correct"], rec["loss_nonfinite"]])
        rows = self.B * (self.context if self.text else 1)
        gsq = float(np.float32(getattr(self.opt, "grad_norm_sq", 0.0)))
        m = self.metrics
        m[ckpt.LOSS_SUM], m[ckpt.CORRECT_SUM], m[ckpt.GRAD_NORM_SQ] = loss_sum, correct, gsq
        m[ckpt.LOSS_NONFINITE], m[ckpt.GRAD_NONFINITE] = loss_nf, rec["grad_nonfinite"]
        if self.ire is not None:
            m[ckpt.MASK_COUNT], m[ckpt.THRESHOLD] = self.ire.mask_count, self.ire.threshold
        self.step = t + 1
        finite = loss_nf == 0 and rec["grad_nonfinite"] == 0 and np.isfinite(m[ckpt.LOSS_SUM])
        return {
            "step": t,
            "lr": lr,
            "kappa": kappa,
            "loss": float(m[ckpt.LOSS_SUM]) / rows,
            "accuracy": float(m[ckpt.CORRECT_SUM]) / rows,
            "grad_norm": math.sqrt(float(m[ckpt.GRAD_NORM_SQ])),
            "mask_fraction": (float(m[ckpt.MASK_COUNT]) / self.model.layout.count) if self.ire is not None else 0.0,
            "finite": float(finite),
        }

    @torch.no_grad()
    def evaluate(self, max_batches: int) -> tuple[float, float]:
        """Mean loss and accuracy over up to max_batches validation batches (comparison.ts evaluate)."""
        n = self.batches.eval_count(max_batches)
        loss, correct, rows = 0.0, 0.0, 0
        for k in range(n):
            x, y, valid = self.batches.eval(k)
            X = torch.from_numpy(np.ascontiguousarray(x)).to(self.device)
            X = X.long() if self.text else X.float()
            Y = torch.from_numpy(np.ascontiguousarray(y)).long().to(self.device).reshape(-1)
            logits = self.model(X)
            loss += float(self.model.row_losses(logits, Y).float().sum())
            correct += float((logits.argmax(-1) == Y).sum())
            rows += valid
        return loss / max(1, rows), correct / max(1, rows)


# -- command line -----------------------------------------------------------------------------
def find_checkpoint(folder: Path, run: str | None) -> Path:
    """The latest checkpoint of a folder (ckpt-<step>[-<id>].safetensors), of run `run` when several."""
    found: list[tuple[int, str | None, Path]] = []
    for p in folder.iterdir():
        m = re.match(r"^ckpt-(\d+)(?:-(.+))?\.safetensors$", p.name)
        if m:
            found.append((int(m.group(1)), m.group(2), p))
    if not found:
        raise FileNotFoundError(f"{folder}: no ckpt-<step>.safetensors")
    ids = sorted({i for _, i, _ in found if i is not None})
    if run is None and len(ids) > 1:
        raise ValueError(f"{folder} holds runs {', '.join(ids)}: choose one with --run")
    if ids:
        run = run or ids[0]
        cands = [f for f in found if f[1] == run]
    else:
        cands = [f for f in found if f[1] is None]
    if not cands:
        raise FileNotFoundError(f"{folder}: no checkpoint of run {run}")
    return max(cands, key=lambda f: f[0])[2]


def scaled(ck: ckpt.RunCheckpoint, a: argparse.Namespace) -> ckpt.RunCheckpoint:
    """The run with another architecture or batch: fresh parameters from the seed, step 0."""
    model = dict(ck.model)
    if model["kind"] == "gpt":
        for key, val in (("layers", a.layers), ("width", a.width), ("heads", a.heads), ("context", a.context)):
            if val is not None:
                model[key] = val
        if model["width"] % model["heads"] != 0:
            raise ValueError(f"width {model['width']} must be a multiple of heads {model['heads']}")
    elif any(v is not None for v in (a.layers, a.width, a.heads, a.context)):
        raise ValueError("--layers/--width/--heads/--context are for GPT runs")
    if a.hidden is not None:
        if model["kind"] != "mlp":
            raise ValueError("--hidden is for MLP runs")
        model["hidden"] = [int(w) for w in a.hidden.split(",")]
    comparison = dict(ck.comparison)
    if a.hidden is not None:
        comparison["mlpHidden"] = list(model["hidden"])  # the config says what the model is
    if a.batch is not None:
        comparison["batchSize"] = a.batch
    return ckpt.fresh(comparison, ck.run_config, model)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python3 -m ire_playground.train", description="Continue or scale a playground run in PyTorch (docs/pytorch.md).")
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--from", dest="from_dir", help="an export folder (or CLI output folder): its latest checkpoint")
    src.add_argument("--resume", help="a checkpoint file")
    ap.add_argument("--run", help="run id when the folder holds several runs")
    ap.add_argument("--steps", type=int, help="step to stop at (absolute; default: the config's totalSteps)")
    ap.add_argument("--out", help="output folder (default: <from>/pytorch)")
    ap.add_argument("--checkpoint-steps", help="steps to save, e.g. 100,200 (default: the last step)")
    ap.add_argument("--eval-every", type=int, help="steps between validation evaluations (default: the config's evalEvery)")
    ap.add_argument("--eval-batches", type=int, default=8, help="validation batches per evaluation (default 8)")
    ap.add_argument("--final-eval-batches", type=int, default=None, help="batches of the final evaluation (default: the whole split)")
    ap.add_argument("--layers", type=int)
    ap.add_argument("--width", type=int)
    ap.add_argument("--heads", type=int)
    ap.add_argument("--context", type=int)
    ap.add_argument("--hidden", help="MLP hidden widths, e.g. 64,64")
    ap.add_argument("--batch", type=int, help="global batch (split across ranks)")
    ap.add_argument("--data-dir", help="folder holding moby-dick.bin / mnist.bin (default: --from, then the repository)")
    ap.add_argument("--text", help="the UTF-8 file of a user-text run")
    ap.add_argument("--cifar-dir", help="the CIFAR-10 binary batches of a cifar10 run")
    ap.add_argument("--device", help="cpu, cuda, cuda:1 … (default: cuda when available)")
    ap.add_argument("--quiet", action="store_true")
    return ap.parse_args(list(argv))


def init_distributed(device_arg: str | None) -> tuple[DistInfo, torch.device]:
    """torchrun's environment (RANK, WORLD_SIZE, LOCAL_RANK) → process group and device."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    use_cuda = torch.cuda.is_available() and (device_arg is None or device_arg.startswith("cuda"))
    if world > 1:
        local = int(os.environ.get("LOCAL_RANK", "0"))
        if not dist.is_initialized():
            dist.init_process_group("nccl" if use_cuda else "gloo")
        device = torch.device(f"cuda:{local}") if use_cuda else torch.device("cpu")
        if use_cuda:
            torch.cuda.set_device(device)
        return DistInfo(dist.get_rank(), world), device
    return DistInfo(), torch.device(device_arg or ("cuda" if use_cuda else "cpu"))


def main(argv: Sequence[str] | None = None) -> int:
    a = parse_args(sys.argv[1:] if argv is None else argv)
    torch.backends.cuda.matmul.allow_tf32 = False  # f32 products, as the engine's
    torch.backends.cudnn.allow_tf32 = False
    dinfo, device = init_distributed(a.device)
    say = (lambda s: None) if (a.quiet or dinfo.rank != 0) else (lambda s: print(s, flush=True))
    folder = Path(a.from_dir) if a.from_dir else None
    path = find_checkpoint(folder, a.run) if folder else Path(a.resume)
    ck = ckpt.load(path)
    if a.run is not None and ck.run_id != a.run:
        raise ValueError(f"{path} is run {ck.run_id}, not {a.run}")
    data = load_comparison_data(ck.comparison, data_dir=a.data_dir or folder, text=a.text, cifar_dir=a.cifar_dir)
    fresh = any(v is not None for v in (a.layers, a.width, a.heads, a.context, a.hidden, a.batch))
    if fresh:
        ck = scaled(ck, a)
    stop = a.steps if a.steps is not None else int(ck.comparison["totalSteps"])
    start = ck.step
    if stop <= start:
        raise ValueError(f"nothing to do: the checkpoint is at step {start} and the run stops at step {stop} (give --steps N with N > {start})")
    several = len(ck.run_ids) > 1
    out = Path(a.out) if a.out else (folder or path.parent) / (f"pytorch-{ck.run_id}" if several else "pytorch")
    out.mkdir(parents=True, exist_ok=True)
    saves = sorted({int(s) for s in a.checkpoint_steps.split(",")}) if a.checkpoint_steps else [stop]
    trainer = Trainer(ck, data, device, dinfo)
    classifier = isinstance(data, ImageDataset)
    eval_every = a.eval_every if a.eval_every is not None else int(ck.comparison.get("evalEvery", 0))
    csv = MetricsCsv(out / "metrics.csv", classifier, ck.run_id, None if fresh else start) if dinfo.rank == 0 else None
    say(f"{ck.comparison['model']} {ck.model} on {ck.comparison['dataset']}, run {ck.run_id} ({ck.run_config['name']}); steps {start} → {stop}, batch {trainer.B} on {dinfo.world} rank(s), {device}")
    t0 = time.perf_counter()
    last: dict[str, float] = {}
    try:
        for s in range(start, stop):
            if s in saves and s != start and dinfo.rank == 0:
                ckpt.save(out / f"ckpt-{s}.safetensors", trainer.capture())
            val = trainer.evaluate(a.eval_batches) if eval_every > 0 and s % eval_every == 0 else None
            last = trainer.train_step()
            if csv:
                csv.step(ck.run_id, s, time.perf_counter() - t0, last["lr"], last["kappa"], last["loss"], last["grad_norm"], last["mask_fraction"], last["accuracy"], val)
            if not last["finite"]:
                say(f"run {ck.run_id} produced NaN/Inf at step {s}; stopped")
                trainer.ck.diverged = True
                break
            if (s + 1) % 10 == 0 or s + 1 == stop:
                say(f"step {s + 1}/{stop}  loss {last['loss']:.5g}")
        final = trainer.evaluate(a.final_eval_batches or 2**53)
        if csv:
            csv.evaluation(ck.run_id, trainer.step, time.perf_counter() - t0, *final)
        say(f"run {ck.run_id}: train loss {last.get('loss', float('nan')):.4f}, validation loss {final[0]:.4f}")
        if trainer.step in saves and dinfo.rank == 0:
            ckpt.save(out / f"ckpt-{trainer.step}.safetensors", trainer.capture())
        say(f"wrote {out}")
    finally:
        if csv:
            csv.close()
        if dinfo.on:
            dist.barrier()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (ValueError, FileNotFoundError) as e:
        print(f"ire_playground.train: {e}", file=sys.stderr)
        sys.exit(2)
