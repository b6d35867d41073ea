// Seeded, counter-based random numbers that give the same bits on every host.
// Philox-like mixing is overkill here; a 32-bit hash of (seed, stream, counter) is enough for
// initialisation and data order, and is reproduced exactly in WGSL for on-GPU sampling.

/** Mixes a 32-bit value (lowbias32 by Chris Wellons). */
export function hash32(x: number): number {
  x >>>= 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  x ^= x >>> 16;
  return x >>> 0;
}

/** Uniform u32 for (seed, stream, counter): a pure function, usable from any step. */
export function randomU32(seed: number, stream: number, counter: number): number {
  return hash32(hash32(hash32(seed >>> 0) ^ (stream >>> 0)) ^ (counter >>> 0));
}

/** Sequential generator over the counter-based function. */
export class Rng {
  private counter = 0;
  constructor(
    readonly seed: number,
    readonly stream = 0,
  ) {}

  nextU32(): number {
    return randomU32(this.seed, this.stream, this.counter++);
  }

  /** Uniform in [0, 1) with 24 bits of resolution (exact in f32). */
  uniform(): number {
    return (this.nextU32() >>> 8) / 16777216;
  }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Standard normal by Box–Muller (u1 in (0,1]). */
  normal(): number {
    const u1 = 1 - this.uniform();
    const u2 = this.uniform();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Float32Array of uniform values in [lo, hi). */
  uniformArray(n: number, lo = -1, hi = 1): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.range(lo, hi);
    return out;
  }
}
