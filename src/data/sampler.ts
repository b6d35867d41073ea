// The seeded batch sampler. A run's data order is a pure function of (seed, step): two runs
// with the same seed see identical batches, and a run resumed at step s sees exactly the
// batches it would have seen. Built on randomU32 (src/util/rng.ts), so other hosts can replay it.
//
// Images: epochs without replacement. Position p = step·B + b of the infinite example stream
// falls in epoch e = ⌊p / N⌋ at place i = p mod N; the example is π_e(i), where π_e is a
// pseudo-random permutation of [0, N) keyed by (seed, e): a 6-round balanced Feistel network on
// [0, 2^k) (k even, 2^k ≥ N, round keys randomU32(seed ^ IMAGE_TAG, e, r)) with cycle walking
// (apply it again until the value is < N; at most 4 tries expected).
//
// Text: random windows with replacement. Window b of step s starts at
// ⌊u · (N − T)⌋ where u ∈ [0, 1) takes 53 bits from randomU32(seed ^ TEXT_TAG, s, 2b) (high 32)
// and randomU32(seed ^ TEXT_TAG, s, 2b + 1) (low 21), so a window of T + 1 tokens (inputs and
// next-token targets) always fits.
import { hash32, randomU32 } from '../util/rng';
import { DataError } from './errors';

export const IMAGE_TAG = 0x696d6167; // 'imag'
export const TEXT_TAG = 0x74657874; // 'text'
const FEISTEL_ROUNDS = 6;

function checkCount(what: string, n: number, min: number): void {
  if (!Number.isSafeInteger(n) || n < min) throw new DataError(`Sampler: ${what} = ${n} must be an integer ≥ ${min}.`);
}

/** A keyed pseudo-random permutation of [0, n) (Feistel + cycle walking). */
export class IndexPermutation {
  private readonly half: number; // bits per Feistel half
  private readonly mask: number;
  private readonly keys: Uint32Array; // (rounds)

  constructor(
    readonly n: number,
    seed: number,
    epoch: number,
  ) {
    checkCount('dataset size', n, 1);
    if (n > 2 ** 32) throw new DataError(`Sampler: dataset size ${n} exceeds 2^32 examples.`);
    let bits = 2;
    while (2 ** bits < n) bits += 2;
    this.half = bits / 2;
    this.mask = 2 ** this.half - 1;
    this.keys = new Uint32Array(FEISTEL_ROUNDS);
    const key = hash32((seed >>> 0) ^ IMAGE_TAG);
    for (let r = 0; r < FEISTEL_ROUNDS; r++) this.keys[r] = randomU32(key, epoch >>> 0, r);
  }

  private round(x: number): number {
    const scale = 2 ** this.half;
    let left = Math.floor(x / scale);
    let right = x % scale;
    for (let r = 0; r < FEISTEL_ROUNDS; r++) {
      const next = (left ^ (hash32(right ^ this.keys[r]) & this.mask)) >>> 0;
      left = right;
      right = next;
    }
    return left * scale + right;
  }

  /** π(i) for i in [0, n). */
  at(i: number): number {
    let x = i;
    do x = this.round(x);
    while (x >= this.n);
    return x;
  }
}

/**
 * Example indices of the training batch at `step`: (B) values in [0, datasetSize).
 * Writes into `out` (length ≥ batchSize) when given; allocates otherwise.
 */
export function batchIndices(seed: number, step: number, batchSize: number, datasetSize: number, out?: Uint32Array): Uint32Array {
  checkCount('step', step, 0);
  checkCount('batch size', batchSize, 1);
  checkCount('dataset size', datasetSize, 1);
  const result = out ?? new Uint32Array(batchSize); // (B)
  let epoch = -1;
  let perm: IndexPermutation | null = null;
  for (let b = 0; b < batchSize; b++) {
    const p = step * batchSize + b;
    const e = Math.floor(p / datasetSize);
    if (e !== epoch || perm === null) {
      epoch = e;
      perm = new IndexPermutation(datasetSize, seed, e);
    }
    result[b] = perm.at(p - e * datasetSize);
  }
  return result;
}

/**
 * Start offsets of the B random windows of the training batch at `step`: each window covers
 * tokens [o, o + context] (inputs o..o+T−1, targets o+1..o+T). Writes into `out` when given.
 */
export function batchOffsets(seed: number, step: number, batchSize: number, tokenCount: number, context: number, out?: Uint32Array): Uint32Array {
  checkCount('step', step, 0);
  checkCount('batch size', batchSize, 1);
  checkCount('context', context, 1);
  const starts = tokenCount - context; // valid starts: [0, N − T)
  if (!Number.isSafeInteger(tokenCount) || starts < 1) {
    throw new DataError(`Sampler: ${tokenCount} tokens cannot hold a window of context ${context} + 1 target.`);
  }
  const result = out ?? new Uint32Array(batchSize); // (B)
  const key = hash32((seed >>> 0) ^ TEXT_TAG);
  for (let b = 0; b < batchSize; b++) {
    const hi = randomU32(key, step, 2 * b);
    const lo = randomU32(key, step, 2 * b + 1) >>> 11;
    const u = (hi * 2097152 + lo) / 9007199254740992; // 53 bits in [0, 1)
    result[b] = Math.floor(u * starts);
  }
  return result;
}

/**
 * Evaluation order over a split: batch k holds examples kB .. kB+B−1 in stored order; past the
 * end it wraps around (the entries beyond the returned count are padding to ignore).
 * Returns the number of valid entries.
 */
export function evalIndices(batch: number, batchSize: number, datasetSize: number, out: Uint32Array): number {
  checkCount('dataset size', datasetSize, 1);
  for (let b = 0; b < batchSize; b++) out[b] = (batch * batchSize + b) % datasetSize;
  return Math.max(0, Math.min(batchSize, datasetSize - batch * batchSize));
}

/**
 * Evaluation windows over a token split: window j = kB + b starts at (j · T) mod (N − T), so
 * successive windows tile the split without overlap until it wraps.
 */
export function evalOffsets(batch: number, batchSize: number, tokenCount: number, context: number, out: Uint32Array): Uint32Array {
  const starts = tokenCount - context;
  if (starts < 1) throw new DataError(`Sampler: ${tokenCount} tokens cannot hold a window of context ${context} + 1 target.`);
  for (let b = 0; b < batchSize; b++) out[b] = ((batch * batchSize + b) * context) % starts;
  return out;
}
