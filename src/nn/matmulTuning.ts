// The matmul family's per-adapter choice, by measurement rather than by guessing (the other
// families' choices and the start-up tuning of all of them: src/optim/kernelTuning.ts):
// workgroup-shared tiles win on real GPUs, the barrier-free register-blocked kernels win on CPU
// adapters such as SwiftShader (quadShared, where the device has `subgroups`, before
// registerBlocked). `chooseMatmulVariant` checks every available variant against a CPU product
// (a variant that is off, e.g. quadShared on an adapter whose quads are not four consecutive x,
// is rejected), times the others once, caches the answer per adapter key and sets
// ctx.choices.matmul. Cost: tens of ms on a GPU; on SwiftShader here 2–7 s the first time
// (compiling 9 verification pipelines, then about 1 s of timing), then nothing where the host
// passes a cache.
//
// Timing: wall clock around one submission of `repeats` identical dispatches, awaited with
// queue.onSubmittedWorkDone(). Steps:
//   1. compile and warm every variant's pipelines on a tiny product (they do not depend on shape);
//   2. time one 128³ product to estimate the adapter's speed, and halve the tuning shapes'
//      FLOPs (K first, so the workgroup grid stays that of the real shape) until the whole
//      measurement is predicted to fit `budgetMs` (a CPU adapter such as SwiftShader measures
//      smaller products; a GPU measures the full ones);
//   3. per shape, grow `repeats` ×4 until a submission lasts minTrialMs (so submission latency
//      does not swamp the kernels), then run `trials` submissions per variant, alternating
//      variants so drift hits them alike; the fastest counts.
import { createStorageBuffer, createStorageBufferWith } from '../gpu/buffers';
import type { GpuContext, Kernel } from '../gpu/context';
import { submitDispatches } from '../gpu/dispatch';
import { readFloat32 } from '../gpu/readback';
import { tuningKey, type TuningCache } from '../gpu/tuningCache';
import { timeSubmission as timeDispatches } from '../gpu/variantTiming';
import { Rng } from '../util/rng';
import { availableMatmulVariants, matmul, MATMUL_WORKGROUP, type MatmulShape, type MatmulVariant } from './matmul';

export { MATMUL_VARIANTS } from './matmul';

/**
 * The products a GPT step is made of (B·T = 1024 rows, C = 128): a Linear forward
 * (B·T, C)·(2C, C)ᵀ, and a weight gradient (C, B·T)·(B·T, C), the (K, M)-stored layout.
 */
export const TUNING_SHAPES: readonly MatmulShape[] = [
  { M: 1024, N: 256, K: 128, transB: true },
  { M: 128, N: 128, K: 1024, transA: true },
];

export interface MatmulTuning {
  choice: MatmulVariant;
  /** Mean over the measured shapes of the fastest ms per dispatch, per variant measured. */
  timings: Partial<Record<MatmulVariant, number>>;
  /** Variants left out because they did not build or their result differed from the CPU product on this adapter. */
  rejected?: RejectedVariant[];
  /** The fastest ms per dispatch of each variant on each shape ("256x512x128 transB"). */
  perShape: { shape: string; variant: MatmulVariant; ms: number; repeats: number }[];
  adapterKey: string;
  /** Every side of the tuning shapes was divided by this (1: measured at full size). */
  shapeDivisor: number;
  /** ISO time of the measurement. */
  measuredAt: string;
}

export interface MatmulTuningOptions {
  shapes?: readonly MatmulShape[];
  /** Timed submissions per (variant, shape) after calibration; default 3. */
  trials?: number;
  /** A submission is grown until it lasts this long (so the ~ms submit round trip does not blur the comparison); default 20 ms. */
  minTrialMs?: number;
  /** Cap on dispatches per submission; default 64. */
  maxRepeats?: number;
  /** Overrides the key derived from the device's adapter info. */
  adapterKey?: string;
  /**
   * Shapes shrink on slow adapters so that the timing (after pipeline compilation) is predicted
   * to take at most this; default 1000 ms.
   */
  budgetMs?: number;
}

export { MemoryTuningCache, storageTuningCache, type TuningCache } from '../gpu/tuningCache';

/**
 * "matmul|vendor|architecture|device|description|code-hash": the adapter plus a hash of the
 * kernel source and workgroup table, so a changed kernel is measured again.
 */
export function matmulAdapterKey(ctx: GpuContext): string {
  return tuningKey(ctx, 'matmul', ['nn/matmul'], JSON.stringify(MATMUL_WORKGROUP));
}

function shapeName(s: MatmulShape): string {
  return `${s.M}x${s.N}x${s.K}${s.transA ? ' transA' : ''}${s.transB ? ' transB' : ''}`;
}

const timeSubmission = (device: GPUDevice, kernel: Kernel, repeats: number): Promise<number> => timeDispatches(device, [kernel], repeats, 'MatmulTuning');

const flopsOf = (s: MatmulShape) => 2 * s.M * s.N * s.K * (s.batch ?? 1);
const PROBE_SIDE = 128;
/** How much slower than registerBlocked the slower variant may be, for the prediction. */
const SLOW_VARIANT_FACTOR = 3;

/**
 * A shape with about 1/divisor of the FLOPs: K shrinks first (down to 16), so the grid of
 * workgroups, and with it how well each variant fills the adapter, stays that of the full
 * shape; then M and N shrink alike.
 */
function shrink(s: MatmulShape, divisor: number): MatmulShape {
  const K = Math.max(Math.min(s.K, 16), Math.round(s.K / divisor));
  const rest = Math.sqrt((s.K / K) / divisor) || 1;
  const side = (x: number) => Math.max(1, Math.round(x * Math.min(1, rest)));
  return { ...s, M: side(s.M), N: side(s.N), K };
}

/** A variant verifyMatmulVariants left out: its largest error (Infinity: it did not build) and why. */
export interface RejectedVariant {
  variant: MatmulVariant;
  maxError: number;
  reason?: string;
}

/** Products every variant must reproduce: awkward sides, every layout, a K that is not a multiple of 4. */
const VERIFY_SHAPES: readonly MatmulShape[] = [
  { M: 37, N: 45, K: 19 },
  { M: 70, N: 9, K: 66, transB: true },
  { M: 33, N: 70, K: 41, transA: true },
];

/**
 * C = op(A)·op(B) (M, N) on the CPU, accumulated in double precision, op(A) = Aᵀ of a (K, M)-stored
 * A with transA, op(B) = Bᵀ of an (N, K)-stored B with transB: the product the variants must
 * reproduce (no batch, α = 1, β = 0, no bias, as VERIFY_SHAPES).
 */
function cpuProduct(a: Float32Array, b: Float32Array, s: Pick<MatmulShape, 'M' | 'N' | 'K' | 'transA' | 'transB'>): Float64Array {
  const { M, N, K } = s;
  const c = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let sum = 0;
      for (let k = 0; k < K; k++) sum += (s.transA ? a[k * M + i] : a[i * K + k]) * (s.transB ? b[j * K + k] : b[k * N + j]);
      c[i * N + j] = sum;
    }
  }
  return c;
}

/**
 * Runs each variant on small random products and compares with a CPU product; returns the
 * variants whose result is off (e.g. quadShared where a subgroup quad is not four consecutive
 * x of one y), which must not be chosen.
 */
export async function verifyMatmulVariants(ctx: GpuContext, variants: readonly MatmulVariant[]): Promise<RejectedVariant[]> {
  const rejected: RejectedVariant[] = [];
  const rng = new Rng(0x6d61746d);
  const owned: GPUBuffer[] = [];
  try {
    const worst = new Map<MatmulVariant, number>();
    const reasons = new Map<MatmulVariant, string>();
    for (const shape of VERIFY_SHAPES) {
      const { M, N, K } = shape;
      const A = Float32Array.from({ length: M * K }, () => rng.uniform() - 0.5);
      const B = Float32Array.from({ length: K * N }, () => rng.uniform() - 0.5);
      const ref = cpuProduct(A, B, shape);
      const a = createStorageBufferWith(ctx.device, 'MatmulVerify.a', A);
      const b = createStorageBufferWith(ctx.device, 'MatmulVerify.b', B);
      owned.push(a, b);
      for (const v of variants) {
        if (worst.get(v) === Infinity) continue; // did not build on an earlier shape
        const c = createStorageBuffer(ctx.device, 'MatmulVerify.c', M * N * 4);
        owned.push(c);
        // A variant this adapter cannot compile (a driver without quad operations, a shader
        // feature it rejects) is caught here and left out, not raised as a device error.
        ctx.device.pushErrorScope('validation');
        let built = true;
        try {
          submitDispatches(ctx.device, [matmul(ctx, `MatmulVerify.${v}`, { a, b, c }, shape, v)], 'MatmulVerify');
        } catch (e) {
          built = false;
          reasons.set(v, e instanceof Error ? e.message : String(e));
        }
        const fault = await ctx.device.popErrorScope();
        if (fault || !built) {
          worst.set(v, Infinity);
          if (fault) reasons.set(v, fault.message);
          continue;
        }
        const got = await readFloat32(ctx.device, c);
        let err = 0;
        for (let i = 0; i < M * N; i++) err = Math.max(err, Math.abs(got[i] - ref[i]));
        if (!(err <= 1e-4 * Math.sqrt(K))) worst.set(v, Math.max(worst.get(v) ?? 0, Number.isNaN(err) ? Infinity : err));
      }
    }
    for (const [variant, maxError] of worst) rejected.push(reasons.has(variant) ? { variant, maxError, reason: reasons.get(variant) } : { variant, maxError });
    return rejected;
  } finally {
    for (const b of owned) b.destroy();
  }
}

/** Times every variant on every shape (shrunk on slow adapters); does not change ctx.choices. */
export async function measureMatmulVariants(ctx: GpuContext, opts: MatmulTuningOptions = {}): Promise<MatmulTuning> {
  const fullShapes = opts.shapes ?? TUNING_SHAPES;
  const trials = opts.trials ?? 3;
  const minTrialMs = opts.minTrialMs ?? 20;
  const maxRepeats = opts.maxRepeats ?? 64;
  const budgetMs = opts.budgetMs ?? 1000;
  if (fullShapes.length === 0 || trials < 1 || maxRepeats < 1) throw new Error('measureMatmulVariants: need at least one shape, trial and repeat');
  const device = ctx.device;
  const perShape: MatmulTuning['perShape'] = [];
  const available = availableMatmulVariants(device);
  const rejected = await verifyMatmulVariants(ctx, available);
  const variants = available.filter((v) => !rejected.some((r) => r.variant === v));
  if (variants.length === 0) throw new Error(`measureMatmulVariants: no matmul variant computes correct products on this adapter (${JSON.stringify(rejected)})`);
  const buffers: GPUBuffer[] = [];
  const buffer = (name: string, floats: number) => {
    const b = createStorageBuffer(device, `MatmulTuning.${name}`, 4 * floats);
    buffers.push(b);
    return b;
  };
  try {
    // 1. Compile and warm every variant's pipelines for every layout used (tiny product).
    const side = PROBE_SIDE;
    const probeBufs = { a: buffer('probeA', side * side), b: buffer('probeB', side * side), c: buffer('probeC', side * side) };
    for (const s of [{ M: 1, N: 1, K: 1 }, ...fullShapes]) {
      const tiny: MatmulShape = { M: 8, N: 8, K: 8, transA: s.transA, transB: s.transB };
      for (const v of variants) await timeSubmission(device, matmul(ctx, `MatmulTuning.warm.${v}`, probeBufs, tiny, v), 1);
    }
    // 2. Estimate ms per FLOP from one 128³ product; shrink the shapes to fit the budget
    //    (which excludes the compilation above: the engine compiles its pipelines anyway).
    const started = performance.now();
    const probe: MatmulShape = { M: side, N: side, K: side };
    const probeMs = await timeSubmission(device, matmul(ctx, 'MatmulTuning.probe', probeBufs, probe, 'registerBlocked'), 1);
    const msPerFlop = probeMs / flopsOf(probe);
    const runsPerShape = variants.length * (1 + trials) * ((1 + SLOW_VARIANT_FACTOR) / 2);
    const predictMs = (shapes: readonly MatmulShape[]) => shapes.reduce((t, s) => t + flopsOf(s) * msPerFlop * runsPerShape, 0);
    let divisor = 1;
    let shapes = fullShapes;
    while (predictMs(shapes) > budgetMs - (performance.now() - started) && shapes.some((s) => Math.min(s.M, s.N) > 32)) {
      divisor *= 2;
      shapes = fullShapes.map((s) => shrink(s, divisor));
    }

    // 3. Calibrate repeats per shape, then alternate trials; keep the fastest.
    for (const shape of shapes) {
      const a = buffer('a', shape.M * shape.K); // (M,K) or (K,M)
      const b = buffer('b', shape.K * shape.N); // (K,N) or (N,K)
      const c = buffer('c', shape.M * shape.N); // (M,N)
      const kernels = variants.map((v) => matmul(ctx, `MatmulTuning.${v}`, { a, b, c }, shape, v));
      let repeats = 1;
      for (const k of kernels) {
        while (repeats < maxRepeats && (await timeSubmission(device, k, repeats)) < minTrialMs) repeats = Math.min(maxRepeats, repeats * 4);
      }
      const best = kernels.map(() => Infinity);
      for (let t = 0; t < trials; t++) {
        for (let i = 0; i < kernels.length; i++) best[i] = Math.min(best[i], (await timeSubmission(device, kernels[i], repeats)) / repeats);
      }
      variants.forEach((variant, i) => perShape.push({ shape: shapeName(shape), variant, ms: best[i], repeats }));
    }
    const timings: Partial<Record<MatmulVariant, number>> = {};
    for (const v of variants) {
      const rows = perShape.filter((r) => r.variant === v);
      // A timer coarser than the kernel can read 0; clamp to a positive floor.
      timings[v] = Math.max(1e-6, rows.reduce((s, r) => s + r.ms, 0) / rows.length);
    }
    const choice = variants.reduce((best, v) => ((timings[v] ?? Infinity) < (timings[best] ?? Infinity) ? v : best));
    return {
      choice,
      timings,
      rejected,
      perShape,
      adapterKey: opts.adapterKey ?? matmulAdapterKey(ctx),
      shapeDivisor: divisor,
      measuredAt: new Date().toISOString(),
    };
  } finally {
    for (const b of buffers) b.destroy();
  }
}

/** "registerBlocked 2.31, quadShared 1.30": the timings of a tuning, for logs. */
export function describeTimings(t: Pick<MatmulTuning, 'timings' | 'rejected'>): string {
  const ms = Object.entries(t.timings).map(([v, x]) => `${v} ${(x ?? NaN).toFixed(2)}`);
  const off = (t.rejected ?? []).map((r) => `${r.variant} rejected (${r.reason ?? `error ${r.maxError.toExponential(1)}`})`);
  return [...ms, ...off].join(', ');
}

/** `t` as a MatmulTuning when it is one for this key with an available choice and a positive time, else undefined. */
export function checkMatmulTuning(t: unknown, key: string, available: readonly MatmulVariant[]): MatmulTuning | undefined {
  if (typeof t !== 'object' || t === null) return undefined;
  const m = t as Partial<MatmulTuning>;
  if (m.adapterKey !== key || !available.includes(m.choice as MatmulVariant) || typeof m.timings !== 'object' || m.timings === null || !Array.isArray(m.perShape)) return undefined;
  const ms = (m.timings as Partial<Record<MatmulVariant, unknown>>)[m.choice as MatmulVariant];
  if (typeof ms !== 'number' || !(ms > 0)) return undefined;
  return m as MatmulTuning;
}

/** A cached MatmulTuning, or undefined when the JSON is missing, malformed or stale. */
function parseTuning(json: string | null | undefined, key: string, available: readonly MatmulVariant[]): MatmulTuning | undefined {
  if (!json) return undefined;
  try {
    return checkMatmulTuning(JSON.parse(json), key, available);
  } catch {
    return undefined;
  }
}

export interface ChooseMatmulOptions extends MatmulTuningOptions {
  /** Measures even when the cache has an answer (the answer is then replaced). */
  force?: boolean;
  /** The measurement to run on a cache miss (tests inject a counter); default measureMatmulVariants. */
  measure?: (ctx: GpuContext, opts: MatmulTuningOptions) => Promise<MatmulTuning>;
}

/**
 * Sets ctx.choices.matmul, and only it, to the faster variant on this adapter: the cached
 * answer for the adapter key when there is a valid one, else a fresh measurement, which is then
 * cached. Hosts tune every family with chooseKernelVariants (src/optim/kernelTuning.ts).
 */
export async function chooseMatmulVariant(
  ctx: GpuContext,
  cache?: TuningCache,
  opts: ChooseMatmulOptions = {},
): Promise<MatmulTuning & { cached: boolean }> {
  const { force, measure = measureMatmulVariants, ...measureOpts } = opts;
  const key = measureOpts.adapterKey ?? matmulAdapterKey(ctx);
  if (cache && !force) {
    const hit = parseTuning(await cache.get(key), key, availableMatmulVariants(ctx.device));
    if (hit) {
      ctx.choices.matmul = hit.choice;
      return { ...hit, cached: true };
    }
  }
  const tuning = await measure(ctx, { ...measureOpts, adapterKey: key });
  ctx.choices.matmul = tuning.choice;
  if (cache) await cache.set(key, JSON.stringify(tuning));
  return { ...tuning, cached: false };
}
