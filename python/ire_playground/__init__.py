"""PyTorch side of the ire-playground (docs/pytorch.md).

Continues and scales runs exported by the playground's CLI: the same models (same parameter
names, shapes and formulas), the same optimizers with IRE around them, the same datasets and
batch order, and checkpoints in the playground's safetensors format.
"""

__all__ = ["rng", "sampler", "data", "safetensors", "layout", "models", "optim", "ire", "schedule", "checkpoint", "metrics", "train"]
