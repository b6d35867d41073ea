"""Learning-rate schedule of src/optim/schedule.ts: linear warm-up, cosine to a floor."""
from __future__ import annotations

import math


def learning_rate(step: int, lr: float, min_lr: float, warmup_steps: int, total_steps: int) -> float:
    """The learning rate of the update of 0-based step `step` (in double, as the TS code)."""
    if step < warmup_steps:
        return (lr * (step + 1)) / warmup_steps
    if step >= total_steps:
        return min_lr
    ratio = (step - warmup_steps) / (total_steps - warmup_steps)
    coeff = 0.5 * (1 + math.cos(math.pi * ratio))
    return min_lr + coeff * (lr - min_lr)


def run_learning_rate(step: int, optimizer: dict, total_steps: int) -> float:
    """A run's lr at `step` from its OptimizerConfig (floor capped at the peak, src/train/run.ts)."""
    lr = optimizer["lr"]
    return learning_rate(step, lr, min(optimizer["minLr"], lr), optimizer["warmupSteps"], total_steps)
