"""metrics.csv as the CLI writes it (src/cli/metricsCsv.ts): one row per run per step, the
validation loss on evaluation steps, a final evaluation row at the last step; numbers written
as JavaScript's String(x) writes them (shortest round-trip, its exponent rules)."""
from __future__ import annotations

import math
from pathlib import Path

METRIC_COLUMNS = ["run", "step", "wall_s", "lr", "kappa", "train_loss", "grad_norm", "mask_fraction", "val_loss"]
ACCURACY_COLUMNS = ["train_acc", "val_acc"]


def js_num(x: float) -> str:
    """String(x) of JavaScript: shortest round-trip digits; exponent form below 1e-6 or from 1e21."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return "0"
    if float(x).is_integer() and abs(x) < 1e21:
        return str(int(x))
    r = repr(float(x))
    sign = "-" if r.startswith("-") else ""
    r = r.lstrip("-")
    mant, _, exp = r.partition("e")
    e = int(exp) if exp else 0
    int_part, _, frac = mant.partition(".")
    digits = (int_part + frac).lstrip("0")
    # decimal exponent n such that x = 0.d1d2… × 10^n
    point = len(int_part) + e if int_part != "0" else e - (len(frac) - len(frac.lstrip("0")))
    digits = digits.rstrip("0") or "0"
    k = len(digits)
    if -6 < point <= 21:
        if point <= 0:
            return sign + "0." + "0" * (-point) + digits
        if point >= k:
            return sign + digits + "0" * (point - k)
        return sign + digits[:point] + "." + digits[point:]
    ex = point - 1
    m = digits[0] + ("." + digits[1:] if k > 1 else "")
    return f"{sign}{m}e{'+' if ex > 0 else '-'}{abs(ex)}"


class MetricsCsv:
    """Opens `path`; a resumed run keeps its own rows before `resume_step` and appends."""

    def __init__(self, path: str | Path, accuracy: bool, run_id: str, resume_step: int | None = None) -> None:
        self.columns = METRIC_COLUMNS + (ACCURACY_COLUMNS if accuracy else [])
        header = ",".join(self.columns)
        kept: list[str] = []
        self.wall_offset = 0.0
        p = Path(path)
        if resume_step is not None and p.exists():
            lines = [ln for ln in p.read_text().split("\n") if ln]
            if lines and lines[0] == header:
                kept = [ln for ln in lines[1:] if ln.split(",")[0] == run_id and float(ln.split(",")[1]) < resume_step]
                for ln in kept:
                    try:
                        self.wall_offset = max(self.wall_offset, float(ln.split(",")[2]))
                    except ValueError:
                        pass
        self.f = open(p, "w")
        self.f.write("\n".join([header, *kept]) + "\n")

    def write(self, cells: dict[str, str]) -> None:
        self.f.write(",".join(cells.get(c, "") for c in self.columns) + "\n")
        self.f.flush()

    def step(self, run: str, step: int, wall: float, lr: float, kappa: float, loss: float, grad_norm: float, mask_fraction: float, accuracy: float, val: tuple[float, float] | None) -> None:
        self.write(
            {
                "run": run,
                "step": str(step),
                "wall_s": f"{self.wall_offset + wall:.3f}",
                "lr": js_num(lr),
                "kappa": js_num(kappa),
                "train_loss": js_num(loss),
                "grad_norm": js_num(grad_norm),
                "mask_fraction": js_num(mask_fraction),
                "val_loss": js_num(val[0]) if val else "",
                "train_acc": js_num(accuracy),
                "val_acc": js_num(val[1]) if val else "",
            }
        )

    def evaluation(self, run: str, step: int, wall: float, loss: float, accuracy: float) -> None:
        self.write({"run": run, "step": str(step), "wall_s": f"{self.wall_offset + wall:.3f}", "val_loss": js_num(loss), "val_acc": js_num(accuracy)})

    def close(self) -> None:
        self.f.close()
