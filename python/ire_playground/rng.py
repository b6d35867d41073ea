"""The counter-based random numbers of src/util/rng.ts, bit for bit (integer arithmetic).

hash32 is lowbias32 (Chris Wellons); randomU32(seed, stream, counter) is a pure function, so any
host replays the playground's initialisation, data order and the IRE label sampler.
Vectorised variants take NumPy uint32 arrays.
"""
from __future__ import annotations

import math

import numpy as np

_M32 = 0xFFFFFFFF


def hash32(x: int) -> int:
    """lowbias32 of a 32-bit value (src/util/rng.ts hash32)."""
    x &= _M32
    x ^= x >> 16
    x = (x * 0x7FEB352D) & _M32
    x ^= x >> 15
    x = (x * 0x846CA68B) & _M32
    x ^= x >> 16
    return x


def random_u32(seed: int, stream: int, counter: int) -> int:
    """Uniform u32 for (seed, stream, counter) (src/util/rng.ts randomU32)."""
    return hash32(hash32(hash32(seed & _M32) ^ (stream & _M32)) ^ (counter & _M32))


def hash32_np(x: np.ndarray) -> np.ndarray:
    """hash32 over a uint32 array (products wrap modulo 2^32, as u32 in WGSL)."""
    m = np.uint64(_M32)
    x = np.asarray(x, dtype=np.uint64) & m
    x ^= x >> np.uint64(16)
    x = (x * np.uint64(0x7FEB352D)) & m
    x ^= x >> np.uint64(15)
    x = (x * np.uint64(0x846CA68B)) & m
    x ^= x >> np.uint64(16)
    return x.astype(np.uint32)


def random_u32_np(seed: int, stream: np.ndarray | int, counter: np.ndarray | int) -> np.ndarray:
    """randomU32 with array-valued stream and/or counter."""
    s = np.uint32(hash32(seed))
    a = hash32_np(np.asarray(stream, dtype=np.uint32) ^ s)
    return hash32_np(a ^ np.asarray(counter, dtype=np.uint32))


class Rng:
    """Sequential generator over random_u32 (src/util/rng.ts Rng)."""

    def __init__(self, seed: int, stream: int = 0) -> None:
        self.seed = seed
        self.stream = stream
        self.counter = 0

    def next_u32(self) -> int:
        v = random_u32(self.seed, self.stream, self.counter)
        self.counter += 1
        return v

    def uniform(self) -> float:
        """Uniform in [0, 1) with 24 bits (exact in f32)."""
        return (self.next_u32() >> 8) / 16777216

    def range(self, lo: float, hi: float) -> float:
        return lo + (hi - lo) * self.uniform()

    def normal(self) -> float:
        """Standard normal by Box-Muller, u1 in (0, 1], in double precision as the TS code."""
        u1 = 1 - self.uniform()
        u2 = self.uniform()
        return math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * u2)

    def int(self, n: int) -> int:
        return math.floor(self.uniform() * n)

    def uniform_np(self, n: int) -> np.ndarray:
        """The next n uniforms as float64 (vectorised; advances the counter by n)."""
        c = np.arange(self.counter, self.counter + n, dtype=np.uint64).astype(np.uint32)
        self.counter += n
        return (random_u32_np(self.seed, self.stream, c) >> np.uint32(8)).astype(np.float64) / 16777216.0

    def normal_np(self, n: int) -> np.ndarray:
        """The next n normals (2n uniforms: u1, u2 interleaved as the sequential code draws them)."""
        u = self.uniform_np(2 * n)
        u1 = 1 - u[0::2]
        u2 = u[1::2]
        return np.sqrt(-2 * np.log(u1)) * np.cos(2 * np.pi * u2)
