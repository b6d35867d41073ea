// Sharpness of the training loss (docs/algorithm.md, "Sharpness"): the Hutchinson estimate of
// Tr ∇²L with its standard error, and the largest Hessian eigenvalue by power iteration, both on
// Hessian-vector products on a FIXED batch (shaders/optim/sharpness.wgsl), formed one of two ways:
//
//   exact       the model's forward-over-reverse kernels (Model.hessianVectorProduct; the MLP),
//               no step size, no finite difference;
//   difference  Hv ≈ (∇L(θ + εv) − ∇L(θ − εv)) / 2ε, for models without exact products yet.
//               Across a ReLU or max-pool kink the quotient measures the kink, not the
//               curvature (docs/algorithm.md shows it on the MLP).
//
// The batch is whatever is in the model's batch buffers when `measure` is called: the caller
// writes its fixed evaluation batch first (Comparison: `feeder.writeTrain(k)` or `writeEval(k)`;
// the next training step rewrites the batch buffers anyway).
//
// Choice of ε (f32, difference only): ε = relativeStep · max(1, ‖θ‖) / ‖v‖, relativeStep = 1e-3 by default, so
// the perturbation ‖εv‖ is 1e-3 of ‖θ‖ (of 1 near θ = 0). Two errors pull against each other:
//   - truncation: the central difference is exact for a quadratic; otherwise its error is
//     O(ε²·∇³L), the reason for keeping ε small;
//   - rounding: θ ± εv is stored in f32 (unit roundoff u = 6e-8), so each coordinate's step is
//     off by up to u·|θᵢ|, and the gradient difference loses about u·‖g‖/(2ε‖Hv‖) relatively.
// The textbook optimum for a central difference is ε ∝ u^(1/3) ≈ 4e-3 (relative to the scale of
// θ); 1e-3 sits just below it: on the tiny GPT, relativeStep 3e-4, 1e-3 and 3e-3 give the same
// vᵀHv to about 0.1% (the test bounds it at 1%; 1e-2 drifts by about 1%). ε is
// computed on the GPU from ‖θ‖² and ‖v‖², so nothing is read back before the end.
//
// Probes: Rademacher vectors (entries ±1) drawn on the GPU from (seed, probe index) with the
// counter-based hash of src/util/rng.ts; padding entries of the flat layout are 0 (realMask), and
// Hv is masked too. The same seed is used at every measurement by default (common random
// numbers), so a change of the estimate across training steps reflects θ, not probe noise.
// The top eigenvalue is the Rayleigh quotient vᵀHv (‖v‖ = 1) after a fixed number of power
// steps v ← Hv/‖Hv‖ from a normalised Rademacher start. Plain power iteration converges to the
// eigenvalue of largest MAGNITUDE, and away from a minimum (early training, the tiny GPT under
// AdmIRE in the test) that can be a negative one. So the iterations run in two halves: the first
// finds λ₁ of largest magnitude; if λ₁ < 0 the second restarts on H − λ₁I (all eigenvalues ≥ 0,
// led by λ_max − λ₁), otherwise it just continues. The result is the largest eigenvalue λ_max in
// both cases, at the same cost; the shift is decided on the GPU (no readback in between). A
// Rayleigh quotient of a unit vector never exceeds λ_max, so with too few iterations (a large
// shift converges slowly) the value errs low, never high (up to finite-difference error).
//
// State: θ, the gradient, the per-row losses and accuracy flags are saved at the start and copied
// back at the end (copies, not subtraction: bit-identical), so the trainer's state is untouched.
//
// Cost: 2 gradient evaluations (forward + backward) per probe and per power iteration (exact:
// one gradient evaluation and its tangent, about twice its matmuls), plus a
// handful of elementwise passes and reductions over P; memory: 6 parameter-sized buffers. Run it
// every S steps (config `sharpnessEvery`, `sharpnessProbes`), between steps, never inside the
// timed part of a step. One readback (a few hundred bytes) at the end of a measurement.
import { createStagingBuffer, createStorageBuffer, createStorageBufferWith } from '../gpu/buffers';
import type { GpuContext, Kernel } from '../gpu/context';
import { encodeDispatches, grid1d, type Dispatch } from '../gpu/dispatch';
import type { UniformField } from '../gpu/uniforms';
import { gradientKernels, type Model } from '../nn/model';
import { realMask } from '../nn/paramLayout';
import { reduce, type Reduction } from './reduce';

/** Slots of the scalars buffer (f32); samples of the probes follow from SHARPNESS_SAMPLES_AT. */
export const SHARPNESS_SLOT = {
  thetaSq: 0, // ‖θ‖²
  vSq: 1, // ‖v‖² of the current direction
  eps: 2, // ε of the current direction
  quad: 3, // vᵀHv of the current probe
  wSq: 4, // ‖Hv‖² (power iteration) or ‖v₀‖² (its start)
  rayleigh: 5, // vᵀHv of the current power-iteration vector (‖v‖ = 1)
  trace: 6, // Hutchinson mean
  stderr: 7, // its standard error
  shift: 8, // σ of the power iteration's second phase (H − σI), 0 otherwise
  dominant: 9, // largest-magnitude eigenvalue (end of the first phase)
} as const;
export const SHARPNESS_SAMPLES_AT = 12;

/** Stream of the power iteration's Rademacher start (probe k uses stream k). */
export const POWER_ITERATION_STREAM = 0xffffffff;
export const SHARPNESS_WORKGROUP = 256;
export const DEFAULT_RELATIVE_STEP = 1e-3;
export const DEFAULT_POWER_ITERATIONS = 10;
export const DEFAULT_SHARPNESS_SEED = 0x5a17;

const SHARPNESS_PARAMS: readonly UniformField[] = [
  { name: 'n', type: 'u32' },
  { name: 'seed', type: 'u32' },
  { name: 'stream', type: 'u32' },
  { name: 'value', type: 'f32' },
];

const OVERRIDES: Readonly<Record<string, number>> = {
  WG: SHARPNESS_WORKGROUP,
  SLOT_THETA_SQ: SHARPNESS_SLOT.thetaSq,
  SLOT_V_SQ: SHARPNESS_SLOT.vSq,
  SLOT_EPS: SHARPNESS_SLOT.eps,
  SLOT_QUAD: SHARPNESS_SLOT.quad,
  SLOT_W_SQ: SHARPNESS_SLOT.wSq,
  SLOT_RAYLEIGH: SHARPNESS_SLOT.rayleigh,
  SLOT_SHIFT: SHARPNESS_SLOT.shift,
  SLOT_DOMINANT: SHARPNESS_SLOT.dominant,
  SLOT_TRACE: SHARPNESS_SLOT.trace,
  SLOT_STDERR: SHARPNESS_SLOT.stderr,
  SAMPLES_AT: SHARPNESS_SAMPLES_AT,
};

/** How a Hessian-vector product is formed: the model's exact one, or a central difference of gradients. */
export type HvpMethod = 'exact' | 'difference';

export interface SharpnessOptions {
  /** Default: 'exact' where the model has Model.hessianVectorProduct, else 'difference'. */
  method?: HvpMethod;
  /** Most probes one trace estimate may use (sizes the samples slots); default 1024. */
  maxProbes?: number;
  /** ε relative to max(1, ‖θ‖)/‖v‖; default 1e-3 (see the header). */
  relativeStep?: number;
}

export interface TraceEstimate {
  /** Hutchinson mean of vᵀHv over the probes. */
  trace: number;
  /** Standard error of the mean (NaN with a single probe). */
  stderr: number;
  probes: number;
}

export interface TopEigenvalue {
  /** Largest eigenvalue λ_max: the Rayleigh quotient after the last iteration. */
  value: number;
  /** Largest-magnitude eigenvalue (after the first half; when it is positive, `value` refines it). */
  dominant: number;
  iterations: number;
}

export interface SharpnessRequest {
  /** Rademacher probes of the trace estimate (0: no trace). */
  probes: number;
  /** Power-iteration steps for the top eigenvalue, both halves together (0: none); default DEFAULT_POWER_ITERATIONS. */
  powerIterations?: number;
  /** Seed of the probes; default DEFAULT_SHARPNESS_SEED (the same probes every measurement). */
  seed?: number;
}

export interface SharpnessMeasurement {
  trace: number;
  stderr: number;
  probes: number;
  /** Largest Hessian eigenvalue λ_max, when powerIterations > 0 (with 1 iteration: of largest magnitude). */
  topEig?: number;
  /** Largest-magnitude eigenvalue (first half of the power iteration), when powerIterations > 0. */
  dominantEig?: number;
  iterations: number;
  /** vᵀHv of each probe (probes). */
  samples: Float32Array;
}

/** What a scalars readback holds, before interpretation. */
interface RawResult {
  scalars: Float32Array;
}

/**
 * Sharpness of one model, built once (buffers, kernels, bind groups); each measurement only
 * rewrites two small uniforms per probe and encodes prepared dispatches.
 */
export class Sharpness {
  /** (P) the current probe or power-iteration vector (tests read it). */
  readonly direction: GPUBuffer;
  /** (SAMPLES_AT + maxProbes) f32 scalars of a measurement. */
  readonly scalars: GPUBuffer;
  readonly maxProbes: number;
  readonly relativeStep: number;
  /** How this instance forms Hv. */
  readonly method: HvpMethod;
  private readonly P: number;
  private readonly owned: GPUBuffer[] = [];
  private readonly kernels: Kernel[] = [];
  private readonly reductions: Reduction[] = [];
  private readonly save: { from: GPUBuffer; to: GPUBuffer }[];
  private readonly staging: GPUBuffer;
  private readonly gradient: readonly Kernel[];
  private readonly exactHvp: readonly Kernel[]; // method 'exact': the model's kernels writing Hv into `exact`
  private readonly k: {
    probe: Kernel; // rademacher → direction
    powerStart: Kernel; // rademacher → work
    epsilon: Kernel;
    plus: Kernel;
    minus: Kernel;
    hvp: Kernel;
    normalize: Kernel; // work / ‖work‖ → direction
    shift: Kernel; // σ = min(0, λ₁)
    restart: Kernel; // direction = work / ‖work‖ if σ < 0
    record: Kernel;
    stats: Kernel;
  };
  private readonly r: { thetaSq: Reduction; vSq: Reduction; quad: Reduction; rayleigh: Reduction; wSq: Reduction };
  private readonly work: GPUBuffer;
  private busy = false;

  constructor(
    private readonly ctx: GpuContext,
    readonly label: string,
    private readonly model: Model,
    options: SharpnessOptions = {},
  ) {
    const device = ctx.device;
    const P = model.layout.total;
    this.P = P;
    this.maxProbes = options.maxProbes ?? 1024;
    this.relativeStep = options.relativeStep ?? DEFAULT_RELATIVE_STEP;
    if (!Number.isInteger(this.maxProbes) || this.maxProbes < 1) throw new Error(`${label}: maxProbes = ${this.maxProbes} must be a positive integer`);
    if (!(this.relativeStep > 0)) throw new Error(`${label}: relativeStep = ${this.relativeStep} must be positive`);
    if (model.layout.count < 1) throw new Error(`${label}: the model has no parameters`);
    this.method = options.method ?? (model.hessianVectorProduct ? 'exact' : 'difference');
    if (this.method === 'exact' && !model.hessianVectorProduct) throw new Error(`${label}: the model ${model.name} has no exact Hessian-vector product`);
    const own = (b: GPUBuffer) => {
      this.owned.push(b);
      return b;
    };
    const buf = (name: string, bytes: number) => own(createStorageBuffer(device, `${label}.${name}`, bytes));
    const mask = own(createStorageBufferWith(device, `${label}.realMask`, realMask(model.layout))); // (P) 1 real, 0 padding
    this.direction = buf('direction', P * 4); // (P) probe v or power vector
    this.work = buf('work', P * 4); // (P) ∇L(θ + εv), then Hv
    const prod = buf('prod', P * 4); // (P) v ⊙ Hv
    const exact = this.method === 'exact' ? buf('exact', P * 4) : null; // (P) H·direction from the model (0 on padding)
    this.scalars = buf('scalars', (SHARPNESS_SAMPLES_AT + this.maxProbes) * 4); // scalars, then samples
    this.staging = own(createStagingBuffer(device, `${label}.staging`, this.scalars.size));
    // Saved trainer state, copied back bit for bit at the end of every measurement.
    this.save = [model.params, model.grads, model.losses, model.correct].map((from) => ({
      from,
      to: buf(`saved.${from.label}`, from.size), // same shape as `from`
    }));
    const savedTheta = this.save[0].to; // (P)

    const layout = ctx.layout(SHARPNESS_PARAMS);
    const grid = grid1d(P, SHARPNESS_WORKGROUP, device.limits.maxComputeWorkgroupsPerDimension);
    // `values: null`: the entry point reads no params (its layout then has no binding 0).
    const kernel = (name: string, entryPoint: string, buffers: GPUBuffer[], elementwise: boolean, values: Partial<Record<'seed' | 'stream' | 'value', number>> | null = {}): Kernel => {
      const k = ctx.kernel({
        label: `${label}.${name}`,
        shader: 'optim/sharpness',
        includes: ['util/random'],
        entryPoint,
        defines: { EXACT: exact !== null },
        overrides: OVERRIDES,
        params: values ? { layout, values: { n: elementwise ? P : 0, seed: 0, stream: 0, value: 0, ...values } } : undefined,
        buffers,
        workgroups: elementwise ? grid : [1, 1, 1],
      });
      this.kernels.push(k);
      return k;
    };
    this.k = {
      probe: kernel('probe', 'rademacher', [mask, this.direction], true),
      powerStart: kernel('powerStart', 'rademacher', [mask, this.work], true, { stream: POWER_ITERATION_STREAM }),
      epsilon: kernel('epsilon', 'epsilon', [this.scalars], false, { value: this.relativeStep }),
      plus: kernel('plus', 'perturb', [savedTheta, this.direction, this.scalars, model.params], true, { value: 1 }),
      minus: kernel('minus', 'perturb', [savedTheta, this.direction, this.scalars, model.params], true, { value: -1 }),
      hvp: kernel('hvp', 'hvp', [mask, this.direction, exact ?? model.grads, this.scalars, this.work, prod], true),
      normalize: kernel('normalize', 'normalize', [this.work, this.scalars, this.direction], true),
      shift: kernel('shift', 'shift', [this.scalars], false, null),
      restart: kernel('restart', 'restart', [this.work, this.scalars, this.direction], true),
      record: kernel('record', 'record', [this.scalars], false),
      stats: kernel('stats', 'stats', [this.scalars], false),
    };
    const reduction = (name: string, input: GPUBuffer, op: 'sum' | 'sumsq', outIndex: number) => {
      const r = reduce(ctx, `${label}.${name}`, { input, out: this.scalars }, op, { n: P, outIndex });
      this.reductions.push(r);
      return r;
    };
    this.r = {
      thetaSq: reduction('thetaSq', savedTheta, 'sumsq', SHARPNESS_SLOT.thetaSq),
      vSq: reduction('vSq', this.direction, 'sumsq', SHARPNESS_SLOT.vSq),
      quad: reduction('quad', prod, 'sum', SHARPNESS_SLOT.quad),
      rayleigh: reduction('rayleigh', prod, 'sum', SHARPNESS_SLOT.rayleigh),
      wSq: reduction('wSq', this.work, 'sumsq', SHARPNESS_SLOT.wSq),
    };
    this.gradient = gradientKernels(model, 'targets');
    this.exactHvp = exact && model.hessianVectorProduct ? model.hessianVectorProduct(this.direction, exact) : [];
  }

  /** Hutchinson estimate of Tr ∇²L with `probes` Rademacher probes (2 gradients each). */
  async traceEstimate(probes: number, seed = DEFAULT_SHARPNESS_SEED): Promise<TraceEstimate> {
    const m = await this.measure({ probes, powerIterations: 0, seed });
    return { trace: m.trace, stderr: m.stderr, probes: m.probes };
  }

  /** Largest Hessian eigenvalue after `iterations` power steps (2 gradients each; see the header). */
  async topEigenvalue(iterations = DEFAULT_POWER_ITERATIONS, seed = DEFAULT_SHARPNESS_SEED): Promise<TopEigenvalue> {
    if (!Number.isInteger(iterations) || iterations < 1) throw new Error(`${this.label}: iterations = ${iterations} must be a positive integer`);
    const m = await this.measure({ probes: 0, powerIterations: iterations, seed });
    return { value: m.topEig ?? NaN, dominant: m.dominantEig ?? NaN, iterations };
  }

  /**
   * Trace (with its standard error) and top eigenvalue at the current θ on the batch in the
   * model's batch buffers, with one readback at the end. Params, grads, losses and accuracy
   * flags are as they were afterwards (bit for bit). Not reentrant: await one before the next.
   */
  async measure(request: SharpnessRequest): Promise<SharpnessMeasurement> {
    const probes = request.probes;
    const iterations = request.powerIterations ?? DEFAULT_POWER_ITERATIONS;
    const seed = (request.seed ?? DEFAULT_SHARPNESS_SEED) >>> 0;
    if (!Number.isInteger(probes) || probes < 0 || probes > this.maxProbes) throw new Error(`${this.label}: probes = ${probes} must be an integer in [0, ${this.maxProbes}]`);
    if (!Number.isInteger(iterations) || iterations < 0) throw new Error(`${this.label}: powerIterations = ${iterations} must be a non-negative integer`);
    if (this.busy) throw new Error(`${this.label}: a measurement is already in flight; await it first`);
    this.busy = true;
    try {
      const { scalars } = await this.run(probes, iterations, seed);
      const S = SHARPNESS_SLOT;
      return {
        trace: probes > 0 ? scalars[S.trace] : NaN,
        stderr: probes > 1 ? scalars[S.stderr] : NaN,
        probes,
        topEig: iterations > 0 ? scalars[S.rayleigh] : undefined,
        dominantEig: iterations > 1 ? scalars[S.dominant] : iterations === 1 ? scalars[S.rayleigh] : undefined,
        iterations,
        samples: scalars.slice(SHARPNESS_SAMPLES_AT, SHARPNESS_SAMPLES_AT + probes),
      };
    } finally {
      this.busy = false;
    }
  }

  destroy(): void {
    for (const r of this.reductions) r.destroy();
    for (const k of this.kernels) k.params?.destroy();
    for (const b of this.owned) b.destroy();
  }

  /** Encodes and submits the whole measurement (one submit per probe), then reads the scalars. */
  private async run(probes: number, iterations: number, seed: number): Promise<RawResult> {
    const { ctx, k, r } = this;
    const device = ctx.device;
    const encoder = (what: string) => device.createCommandEncoder({ label: `${this.label}.${what}.encoder` });
    // 1. Save the trainer's state; ‖θ‖².
    let enc = encoder('begin');
    enc.clearBuffer(this.scalars); // σ = 0, no stale samples
    for (const s of this.save) enc.copyBufferToBuffer(s.from, 0, s.to, 0, s.from.size);
    encodeDispatches(enc, r.thetaSq.dispatches, `${this.label}.begin`);
    device.queue.submit([enc.finish()]);
    // 2. Hutchinson: probe k draws v from (seed, k), forms Hv, records vᵀHv in samples[k].
    for (let p = 0; p < probes; p++) {
      ctx.updateParams(k.probe, { n: this.P, seed, stream: p, value: 0 });
      ctx.updateParams(k.record, { n: 0, seed: 0, stream: p, value: 0 });
      enc = encoder(`probe${p}`);
      encodeDispatches(enc, [k.probe], `${this.label}.probe`);
      this.encodeHvp(enc);
      encodeDispatches(enc, [...r.quad.dispatches, k.record], `${this.label}.record`);
      device.queue.submit([enc.finish()]);
    }
    enc = encoder('end');
    if (probes > 0) {
      ctx.updateParams(k.stats, { n: probes, seed: 0, stream: 0, value: 0 });
      encodeDispatches(enc, [k.stats], `${this.label}.stats`);
    }
    // 3. Power iteration from a normalised Rademacher start: v ← (H − σI)v/‖·‖, λ = vᵀHv (‖v‖ = 1);
    //    σ = 0 in the first half, min(0, λ₁) in the second (restarted when σ < 0).
    if (iterations > 0) {
      const first = Math.ceil(iterations / 2);
      ctx.updateParams(k.powerStart, { n: this.P, seed, stream: POWER_ITERATION_STREAM, value: 0 });
      encodeDispatches(enc, [k.powerStart, ...r.wSq.dispatches, k.normalize], `${this.label}.powerStart`);
      for (let i = 0; i < iterations; i++) {
        if (i === first) encodeDispatches(enc, [k.shift, k.powerStart, ...r.wSq.dispatches, k.restart], `${this.label}.powerShift`);
        this.encodeHvp(enc);
        encodeDispatches(enc, [...r.rayleigh.dispatches, ...r.wSq.dispatches, k.normalize], `${this.label}.power`);
      }
    }
    // 4. Restore the trainer's state exactly; read the scalars back.
    for (const s of this.save) enc.copyBufferToBuffer(s.to, 0, s.from, 0, s.from.size);
    enc.copyBufferToBuffer(this.scalars, 0, this.staging, 0, this.scalars.size);
    device.queue.submit([enc.finish()]);
    await this.staging.mapAsync(GPUMapMode.READ);
    try {
      return { scalars: new Float32Array(this.staging.getMappedRange().slice(0)) };
    } finally {
      this.staging.unmap();
    }
  }

  /**
   * (H − σI)v for the direction in `direction` into `work`, and v ⊙ Hv into `prod`. Exact: the
   * model's forward-over-reverse kernels, then the shift. Difference: ‖v‖², ε; θ = θ₀ + εv,
   * gradient, copy; θ = θ₀ − εv, gradient; difference.
   */
  private encodeHvp(enc: GPUCommandEncoder): void {
    const { k, r } = this;
    if (this.method === 'exact') {
      encodeDispatches(enc, [...this.exactHvp, k.hvp], `${this.label}.exactHvp`);
      return;
    }
    const plus: Dispatch[] = [...r.vSq.dispatches, k.epsilon, k.plus, ...this.gradient];
    encodeDispatches(enc, plus, `${this.label}.plus`);
    enc.copyBufferToBuffer(this.model.grads, 0, this.work, 0, this.P * 4);
    encodeDispatches(enc, [k.minus, ...this.gradient, k.hvp], `${this.label}.minus`);
  }
}
