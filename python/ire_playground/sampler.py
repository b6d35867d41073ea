"""The playground's seeded samplers (src/data/sampler.ts, shaders/nn/sampler.wgsl).

- batch_offsets: text windows of a training step (with replacement, 53-bit uniforms);
- batch_indices: image examples of a training step (epochs without replacement through a
  keyed Feistel permutation with cycle walking);
- eval_offsets / eval_indices: the fixed evaluation order;
- sample_labels: IRE's labels drawn from the model's own softmax, as the GPU kernel draws them
  (f32 arithmetic, inverse CDF in class order, stream = global row index, counter = the refresh
  count), so the Hessian-diagonal estimate sees the labels the engine would have drawn.
"""
from __future__ import annotations

import numpy as np

from .rng import hash32, random_u32, random_u32_np

IMAGE_TAG = 0x696D6167  # 'imag'
TEXT_TAG = 0x74657874  # 'text'
FEISTEL_ROUNDS = 6


class IndexPermutation:
    """A keyed pseudo-random permutation of [0, n) (src/data/sampler.ts IndexPermutation)."""

    def __init__(self, n: int, seed: int, epoch: int) -> None:
        if n < 1:
            raise ValueError(f"dataset size {n} must be >= 1")
        bits = 2
        while 2**bits < n:
            bits += 2
        self.n = n
        self.half = bits // 2
        self.mask = 2**self.half - 1
        key = hash32((seed & 0xFFFFFFFF) ^ IMAGE_TAG)
        self.keys = [random_u32(key, epoch & 0xFFFFFFFF, r) for r in range(FEISTEL_ROUNDS)]

    def _round(self, x: int) -> int:
        scale = 2**self.half
        left, right = divmod(x, scale)
        for k in self.keys:
            nxt = (left ^ (hash32(right ^ k) & self.mask)) & 0xFFFFFFFF
            left, right = right, nxt
        return left * scale + right

    def at(self, i: int) -> int:
        x = self._round(i)
        while x >= self.n:
            x = self._round(x)
        return x


def batch_indices(seed: int, step: int, batch_size: int, dataset_size: int) -> np.ndarray:
    """(B) example indices of the training batch at `step` (src/data/sampler.ts batchIndices)."""
    out = np.zeros(batch_size, dtype=np.int64)
    epoch = -1
    perm: IndexPermutation | None = None
    for b in range(batch_size):
        p = step * batch_size + b
        e = p // dataset_size
        if e != epoch or perm is None:
            epoch = e
            perm = IndexPermutation(dataset_size, seed, e)
        out[b] = perm.at(p - e * dataset_size)
    return out


def batch_offsets(seed: int, step: int, batch_size: int, token_count: int, context: int) -> np.ndarray:
    """(B) window starts of the training batch at `step` (src/data/sampler.ts batchOffsets)."""
    starts = token_count - context
    if starts < 1:
        raise ValueError(f"{token_count} tokens cannot hold a window of context {context} + 1 target")
    key = hash32((seed & 0xFFFFFFFF) ^ TEXT_TAG)
    out = np.zeros(batch_size, dtype=np.int64)
    for b in range(batch_size):
        hi = random_u32(key, step, 2 * b)
        lo = random_u32(key, step, 2 * b + 1) >> 11
        # 53 bits in [0, 1): exact in a double, as in the TS code
        u = (hi * 2097152 + lo) / 9007199254740992
        out[b] = int(u * starts)  # floor of a non-negative double
    return out


def eval_indices(batch: int, batch_size: int, dataset_size: int) -> tuple[np.ndarray, int]:
    """Evaluation batch k in stored order, wrapping; returns (indices, valid count)."""
    idx = (batch * batch_size + np.arange(batch_size)) % dataset_size
    return idx.astype(np.int64), max(0, min(batch_size, dataset_size - batch * batch_size))


def eval_offsets(batch: int, batch_size: int, token_count: int, context: int) -> np.ndarray:
    """Evaluation windows tiling the split: window j = kB + b starts at (j·T) mod (N − T)."""
    starts = token_count - context
    return (((batch * batch_size + np.arange(batch_size)) * context) % starts).astype(np.int64)


def sample_labels(logits: np.ndarray, seed: int, counter: int, row_offset: int = 0) -> np.ndarray:
    """Labels (N) ~ softmax(logits (N, V)) as shaders/nn/sampler.wgsl draws them.

    Row n uses stream row_offset + n (its row in the global batch: a rank of a distributed run
    passes the index of its first row). Everything in f32 in class order: the max (first on
    ties), e_j = exp(l_j − max), the running sum, u = (randomU32 >> 8) / 2^24, the first class
    with u·Σ < cumsum; the argmax when rounding leaves none.
    """
    x = np.asarray(logits, dtype=np.float32)
    n_rows = x.shape[0]
    mx = x.max(axis=1, keepdims=True)
    e = np.exp(x - mx, dtype=np.float32)
    cum = np.cumsum(e, axis=1, dtype=np.float32)  # sequential f32 sums, the kernel's order
    total = cum[:, -1:]
    streams = np.arange(row_offset, row_offset + n_rows, dtype=np.int64).astype(np.uint32)
    u = (random_u32_np(seed, streams, counter) >> np.uint32(8)).astype(np.float32) / np.float32(16777216.0)
    goal = u[:, None] * total
    hit = goal < cum
    first = hit.argmax(axis=1)
    return np.where(hit.any(axis=1), first, x.argmax(axis=1)).astype(np.int64)
