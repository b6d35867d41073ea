// Sharpness of the training loss (docs/algorithm.md "Sharpness"): the Hutchinson estimate of
// Tr ∇²L with its standard error, and the top eigenvalues by the Lanczos iteration
// (docs/algorithm.md "The Lanczos iteration"), both from Hessian-vector products on a fixed batch
// (shaders/optim/sharpness.wgsl), formed one of two ways:
//   exact       the model's own Model.hessianVectorProduct (every model of the playground);
//   difference  a central difference of gradients, for a model without exact products and as a
//               cross-check (docs/algorithm.md "Products by a central difference of gradients").
// The batch is whatever is in the model's batch buffers when `measure` is called: the caller
// writes it first (Comparison: `feeder.writeTrain(k)` or `writeEval(k)`).
// Probes are Rademacher vectors drawn on the GPU from (seed, probe index) (src/util/rng.ts), 0 on
// padding; the same seed at every measurement by default, so a change across steps reflects θ.
// With an AdamPreconditioner the iteration runs on D H D, D = P^{−1/2} from Adam's own second
// moment, whose eigenvalues are those of P⁻¹H (docs/algorithm.md "The edge of stability").
// θ, the gradient, the per-row losses and accuracy flags are saved at the start and copied back
// at the end, bit for bit. Memory: 6 parameter-sized buffers, and maxLanczos + 2 more once
// eigenvalues are asked for; one readback of a few hundred bytes per measurement. Its cost is
// measured in docs/performance.md ("What sharpness costs").
import { createStagingBuffer, createStorageBuffer, createStorageBufferWith } from '../gpu/buffers';
import type { GpuContext, Kernel } from '../gpu/context';
import { encodeDispatches, grid1d, type Dispatch } from '../gpu/dispatch';
import type { UniformField } from '../gpu/uniforms';
import { gradientKernels, type Model } from '../nn/model';
import { realMask } from '../nn/paramLayout';
import { reduce, type Reduction } from './reduce';
import { tridiagonalEigen } from './tridiagonal';

/** Slots of the scalars buffer (f32); samples of the probes follow from SHARPNESS_SAMPLES_AT. */
export const SHARPNESS_SLOT = {
  thetaSq: 0, // ‖θ‖²
  vSq: 1, // ‖v‖² of the current direction
  eps: 2, // ε of the current direction
  quad: 3, // vᵀHv of the current probe
  wSq: 4, // ‖w‖² of the Lanczos residual (or of its start)
  rayleigh: 5, // q_jᵀHq_j of the current Lanczos vector: α_j
  trace: 6, // Hutchinson mean
  stderr: 7, // its standard error
  dot: 8, // q_iᵀw while reorthogonalising
  zero: 9, // always 0 (β_{−1})
} as const;
export const SHARPNESS_SAMPLES_AT = 12;

/** Stream of the Lanczos start's Rademacher vector (probe k uses stream k). */
export const LANCZOS_START_STREAM = 0xffffffff;
export const SHARPNESS_WORKGROUP = 256;
export const DEFAULT_RELATIVE_STEP = 1e-3;
/** Lanczos steps of a measurement, and the most an instance allows unless told otherwise. */
export const DEFAULT_LANCZOS_STEPS = 12;
export const DEFAULT_SHARPNESS_SEED = 0x5a17;

const SHARPNESS_PARAMS: readonly UniformField[] = [
  { name: 'n', type: 'u32' },
  { name: 'seed', type: 'u32' },
  { name: 'stream', type: 'u32' },
  { name: 'value', type: 'f32' },
  { name: 'value2', type: 'f32' },
];

const OVERRIDES: Readonly<Record<string, number>> = {
  WG: SHARPNESS_WORKGROUP,
  SLOT_THETA_SQ: SHARPNESS_SLOT.thetaSq,
  SLOT_V_SQ: SHARPNESS_SLOT.vSq,
  SLOT_EPS: SHARPNESS_SLOT.eps,
  SLOT_QUAD: SHARPNESS_SLOT.quad,
  SLOT_W_SQ: SHARPNESS_SLOT.wSq,
  SLOT_RAYLEIGH: SHARPNESS_SLOT.rayleigh,
  SLOT_DOT: SHARPNESS_SLOT.dot,
  SLOT_ZERO: SHARPNESS_SLOT.zero,
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
  /** Most Lanczos steps one measurement may take (sizes its vectors); default DEFAULT_LANCZOS_STEPS. */
  maxLanczos?: number;
}

export interface TraceEstimate {
  /** Hutchinson mean of vᵀHv over the probes. */
  trace: number;
  /** Standard error of the mean (NaN with a single probe). */
  stderr: number;
  probes: number;
}

/** A Ritz value of the Lanczos iteration: an eigenvalue estimate and its residual ‖Hy − θy‖ (‖y‖ = 1). */
export interface RitzValue {
  value: number;
  residual: number;
}

/**
 * Adam's preconditioner P = diag(√v̂ + ε), v̂ = v / (1 − β₂ᵗ), from a run's own state: with it the
 * Lanczos iteration runs on P^{−1/2} H P^{−1/2}, whose eigenvalues are those of P⁻¹H (the
 * "preconditioned sharpness" of adaptive methods at the edge of stability; docs/algorithm.md).
 */
export interface AdamPreconditioner {
  v: GPUBuffer; // (P) the second moment, in the model's flat layout
  beta2: number;
  t: number; // steps taken (the bias correction's exponent), ≥ 1
  eps: number;
}

export interface SharpnessRequest {
  /** Rademacher probes of the trace estimate (0: no trace). */
  probes: number;
  /** The Lanczos iteration on P^{−1/2} H P^{−1/2} instead of H (the trace is always of H). */
  preconditioner?: AdamPreconditioner;
  /** Lanczos steps for the top eigenvalues (0: none); default DEFAULT_LANCZOS_STEPS. */
  lanczosSteps?: number;
  /** Seed of the probes and of the Lanczos start; default DEFAULT_SHARPNESS_SEED (the same every measurement). */
  seed?: number;
}

export interface SharpnessMeasurement {
  trace: number;
  stderr: number;
  probes: number;
  /** Largest Hessian eigenvalue λ_max (the first Ritz value), when lanczosSteps > 0. */
  topEig?: number;
  /** Every Ritz value, largest first, with its residual (empty without Lanczos steps). */
  eigenvalues: RitzValue[];
  /** Lanczos steps taken: fewer than asked when the Krylov space closed (an exact answer). */
  lanczosSteps: number;
  /** vᵀHv of each probe (probes). */
  samples: Float32Array;
}

/** What a scalars readback holds, before interpretation. */
interface RawResult {
  scalars: Float32Array;
}

/** The kernels of the Lanczos iteration, built on first use (their vectors are maxLanczos + 1 parameter-sized buffers). */
interface LanczosKernels {
  q: GPUBuffer[]; // (P) each: q_0 … q_maxLanczos
  normalizeInto: Kernel[]; // [j]: q_j = work / ‖work‖
  storeAlpha: Kernel[]; // [j]: α_j = scalars[rayleigh]
  step: Kernel[]; // [j]: work −= α_j q_j + β_{j−1} q_{j−1}
  project: Kernel[]; // [i]: prod = q_i ⊙ work
  orthogonalize: Kernel[]; // [i]: work −= (q_iᵀwork) q_i
  storeBeta: Kernel[]; // [j]: β_j = ‖work‖
  dot: Reduction; // Σ prod → scalars[dot]
  d: GPUBuffer; // (P) P^{−1/2} when preconditioned
  scaleDirection: Kernel; // direction *= d
  scaleWork: Kernel; // work *= d
}

/**
 * Sharpness of one model, built once (buffers, kernels, bind groups); each measurement only
 * rewrites a few small uniforms and encodes prepared dispatches.
 */
export class Sharpness {
  /** (P) the current probe or Lanczos vector (tests read it). */
  readonly direction: GPUBuffer;
  /** f32 scalars of a measurement: the slots, the probes' samples, then the Lanczos α and β. */
  readonly scalars: GPUBuffer;
  readonly maxProbes: number;
  readonly maxLanczos: number;
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
    lanczosStart: Kernel; // rademacher → work
    epsilon: Kernel;
    plus: Kernel;
    minus: Kernel;
    hvp: Kernel;
    record: Kernel;
    stats: Kernel;
  };
  private readonly r: { thetaSq: Reduction; vSq: Reduction; quad: Reduction; rayleigh: Reduction; wSq: Reduction };
  private readonly work: GPUBuffer;
  private readonly prod: GPUBuffer;
  private readonly mask: GPUBuffer;
  private readonly preconditionKernels = new Map<GPUBuffer, Kernel>(); // per second-moment buffer
  private readonly alphaAt: number; // scalars slot of α_0 (β_0 follows the α block)
  private readonly kernel: (name: string, entryPoint: string, buffers: GPUBuffer[], elementwise: boolean, values?: Partial<Record<'seed' | 'stream' | 'value' | 'value2', number>>) => Kernel;
  private lanczos: LanczosKernels | null = null;
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
    this.maxLanczos = options.maxLanczos ?? DEFAULT_LANCZOS_STEPS;
    this.relativeStep = options.relativeStep ?? DEFAULT_RELATIVE_STEP;
    if (!Number.isInteger(this.maxProbes) || this.maxProbes < 1) throw new Error(`${label}: maxProbes = ${this.maxProbes} must be a positive integer`);
    if (!Number.isInteger(this.maxLanczos) || this.maxLanczos < 1) throw new Error(`${label}: maxLanczos = ${this.maxLanczos} must be a positive integer`);
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
    this.mask = mask;
    this.direction = buf('direction', P * 4); // (P) probe v or Lanczos vector q_j
    this.work = buf('work', P * 4); // (P) ∇L(θ + εv), then Hv, then the Lanczos residual
    this.prod = buf('prod', P * 4); // (P) v ⊙ Hv, or q_i ⊙ work
    const exact = this.method === 'exact' ? buf('exact', P * 4) : null; // (P) H·direction from the model (0 on padding)
    this.alphaAt = SHARPNESS_SAMPLES_AT + this.maxProbes;
    this.scalars = buf('scalars', (this.alphaAt + 2 * this.maxLanczos) * 4); // slots, samples, α, β
    this.staging = own(createStagingBuffer(device, `${label}.staging`, this.scalars.size));
    // Saved trainer state, copied back bit for bit at the end of every measurement.
    this.save = [model.params, model.grads, model.losses, model.correct].map((from) => ({
      from,
      to: buf(`saved.${from.label}`, from.size), // same shape as `from`
    }));
    const savedTheta = this.save[0].to; // (P)

    const layout = ctx.layout(SHARPNESS_PARAMS);
    const grid = grid1d(P, SHARPNESS_WORKGROUP, device.limits.maxComputeWorkgroupsPerDimension);
    this.kernel = (name, entryPoint, buffers, elementwise, values = {}) => {
      const k = ctx.kernel({
        label: `${label}.${name}`,
        shader: 'optim/sharpness',
        includes: ['util/random'],
        entryPoint,
        defines: { EXACT: exact !== null },
        overrides: OVERRIDES,
        params: { layout, values: { n: elementwise ? P : 0, seed: 0, stream: 0, value: 0, value2: 0, ...values } },
        buffers,
        workgroups: elementwise ? grid : [1, 1, 1],
      });
      this.kernels.push(k);
      return k;
    };
    const kernel = this.kernel;
    this.k = {
      probe: kernel('probe', 'rademacher', [mask, this.direction], true),
      lanczosStart: kernel('lanczosStart', 'rademacher', [mask, this.work], true, { stream: LANCZOS_START_STREAM }),
      epsilon: kernel('epsilon', 'epsilon', [this.scalars], false, { value: this.relativeStep }),
      plus: kernel('plus', 'perturb', [savedTheta, this.direction, this.scalars, model.params], true, { value: 1 }),
      minus: kernel('minus', 'perturb', [savedTheta, this.direction, this.scalars, model.params], true, { value: -1 }),
      hvp: kernel('hvp', 'hvp', exact ? [mask, this.direction, exact, this.work, this.prod] : [mask, this.direction, model.grads, this.scalars, this.work, this.prod], true),
      record: kernel('record', 'record', [this.scalars], false),
      stats: kernel('stats', 'stats', [this.scalars], false),
    };
    this.r = {
      thetaSq: this.reduction('thetaSq', savedTheta, 'sumsq', SHARPNESS_SLOT.thetaSq),
      vSq: this.reduction('vSq', this.direction, 'sumsq', SHARPNESS_SLOT.vSq),
      quad: this.reduction('quad', this.prod, 'sum', SHARPNESS_SLOT.quad),
      rayleigh: this.reduction('rayleigh', this.prod, 'sum', SHARPNESS_SLOT.rayleigh),
      wSq: this.reduction('wSq', this.work, 'sumsq', SHARPNESS_SLOT.wSq),
    };
    this.gradient = gradientKernels(model, 'targets');
    this.exactHvp = exact && model.hessianVectorProduct ? model.hessianVectorProduct(this.direction, exact) : [];
  }

  /** Hutchinson estimate of Tr ∇²L with `probes` Rademacher probes (one Hessian-vector product each). */
  async traceEstimate(probes: number, seed = DEFAULT_SHARPNESS_SEED): Promise<TraceEstimate> {
    const m = await this.measure({ probes, lanczosSteps: 0, seed });
    return { trace: m.trace, stderr: m.stderr, probes: m.probes };
  }

  /** The Ritz values (largest first, with residuals) after `steps` Lanczos steps (see the header). */
  async topEigenvalues(steps = DEFAULT_LANCZOS_STEPS, seed = DEFAULT_SHARPNESS_SEED): Promise<RitzValue[]> {
    if (!Number.isInteger(steps) || steps < 1) throw new Error(`${this.label}: Lanczos steps = ${steps} must be a positive integer`);
    return (await this.measure({ probes: 0, lanczosSteps: steps, seed })).eigenvalues;
  }

  /**
   * Trace (with its standard error) and top eigenvalues at the current θ on the batch in the
   * model's batch buffers, with one readback at the end. Params, grads, losses and accuracy
   * flags are as they were afterwards (bit for bit). Not reentrant: await one before the next.
   */
  async measure(request: SharpnessRequest): Promise<SharpnessMeasurement> {
    const probes = request.probes;
    const steps = request.lanczosSteps ?? Math.min(DEFAULT_LANCZOS_STEPS, this.maxLanczos);
    const seed = (request.seed ?? DEFAULT_SHARPNESS_SEED) >>> 0;
    if (!Number.isInteger(probes) || probes < 0 || probes > this.maxProbes) throw new Error(`${this.label}: probes = ${probes} must be an integer in [0, ${this.maxProbes}]`);
    if (!Number.isInteger(steps) || steps < 0 || steps > this.maxLanczos) throw new Error(`${this.label}: Lanczos steps = ${steps} must be an integer in [0, ${this.maxLanczos}]`);
    if (this.busy) throw new Error(`${this.label}: a measurement is already in flight; await it first`);
    this.busy = true;
    try {
      const { scalars } = await this.run(probes, steps, seed, request.preconditioner);
      const S = SHARPNESS_SLOT;
      const ritz = steps > 0 ? this.ritzValues(scalars, steps) : { eigenvalues: [], steps: 0 };
      return {
        trace: probes > 0 ? scalars[S.trace] : NaN,
        stderr: probes > 1 ? scalars[S.stderr] : NaN,
        probes,
        topEig: ritz.eigenvalues[0]?.value,
        eigenvalues: ritz.eigenvalues,
        lanczosSteps: ritz.steps,
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

  private reduction(name: string, input: GPUBuffer, op: 'sum' | 'sumsq', outIndex: number): Reduction {
    const r = reduce(this.ctx, `${this.label}.${name}`, { input, out: this.scalars }, op, { n: this.P, outIndex });
    this.reductions.push(r);
    return r;
  }

  /** The Ritz values from the α and β the GPU recorded: T truncated where a β vanished (the Krylov space closed). */
  private ritzValues(scalars: Float32Array, steps: number): { eigenvalues: RitzValue[]; steps: number } {
    const alpha = Array.from(scalars.subarray(this.alphaAt, this.alphaAt + steps));
    const beta = Array.from(scalars.subarray(this.alphaAt + this.maxLanczos, this.alphaAt + this.maxLanczos + steps));
    let k = steps;
    let scale = 0;
    for (let j = 0; j < steps; j++) {
      scale = Math.max(scale, Math.abs(alpha[j]), Math.abs(beta[j]));
      // An invariant subspace: β_j is rounding noise next to the entries of T.
      if (j + 1 < steps && Math.abs(beta[j]) <= 1e-6 * scale) {
        k = j + 1;
        break;
      }
    }
    const { values, lastComponents } = tridiagonalEigen(alpha.slice(0, k), beta.slice(0, k - 1));
    const last = k < steps ? 0 : Math.abs(beta[k - 1]);
    return { eigenvalues: values.map((value, i) => ({ value, residual: last * Math.abs(lastComponents[i]) })), steps: k };
  }

  /** d = P^{−1/2} from a run's second moment (a kernel per v buffer, its uniforms set per measurement). */
  private preconditionKernel(p: AdamPreconditioner, d: GPUBuffer): Kernel {
    if (!(Number.isInteger(p.t) && p.t >= 1)) throw new Error(`${this.label}: the preconditioner needs t ≥ 1 Adam steps, got ${p.t}`);
    let k = this.preconditionKernels.get(p.v);
    if (!k) {
      k = this.kernel('lanczos.precondition', 'precondition', [this.mask, p.v, d], true);
      this.preconditionKernels.set(p.v, k);
    }
    this.ctx.updateParams(k, { n: this.P, seed: 0, stream: 0, value: 1 - Math.pow(p.beta2, p.t), value2: p.eps });
    return k;
  }

  /** The Lanczos vectors and their kernels, built on first use. */
  private lanczosKernels(): LanczosKernels {
    if (this.lanczos) return this.lanczos;
    const K = this.maxLanczos;
    const q = Array.from({ length: K + 1 }, (_, j) => {
      const b = createStorageBuffer(this.ctx.device, `${this.label}.lanczos.q${j}`, this.P * 4); // (P)
      this.owned.push(b);
      return b;
    });
    const { kernel, scalars, work, prod, alphaAt } = this;
    const d = createStorageBuffer(this.ctx.device, `${this.label}.lanczos.d`, this.P * 4); // (P) P^{−1/2}
    this.owned.push(d);
    const betaAt = alphaAt + K;
    const S = SHARPNESS_SLOT;
    const upTo = (n: number) => Array.from({ length: n }, (_, j) => j);
    this.lanczos = {
      q,
      normalizeInto: upTo(K + 1).map((j) => kernel(`lanczos.normalize${j}`, 'normalize', [work, scalars, q[j]], true)),
      storeAlpha: upTo(K).map((j) => kernel(`lanczos.alpha${j}`, 'store', [scalars], false, { seed: S.rayleigh, stream: alphaAt + j })),
      step: upTo(K).map((j) => kernel(`lanczos.step${j}`, 'lanczosStep', [q[j], q[Math.max(0, j - 1)], scalars, work], true, { stream: j > 0 ? betaAt + j - 1 : S.zero })),
      project: upTo(K).map((i) => kernel(`lanczos.project${i}`, 'project', [q[i], work, prod], true)),
      orthogonalize: upTo(K).map((i) => kernel(`lanczos.orthogonalize${i}`, 'orthogonalize', [q[i], scalars, work], true)),
      storeBeta: upTo(K).map((j) => kernel(`lanczos.beta${j}`, 'store', [scalars], false, { seed: S.wSq, stream: betaAt + j, value: 1 })),
      dot: this.reduction('lanczos.dot', prod, 'sum', S.dot),
      d,
      scaleDirection: kernel('lanczos.scaleDirection', 'scaleBy', [d, this.direction], true),
      scaleWork: kernel('lanczos.scaleWork', 'scaleBy', [d, work], true),
    };
    return this.lanczos;
  }

  /** Encodes and submits the whole measurement (one submit per probe and per Lanczos step), then reads the scalars. */
  private async run(probes: number, steps: number, seed: number, preconditioner?: AdamPreconditioner): Promise<RawResult> {
    const { ctx, k, r } = this;
    const device = ctx.device;
    const encoder = (what: string) => device.createCommandEncoder({ label: `${this.label}.${what}.encoder` });
    // 1. Save the trainer's state; ‖θ‖².
    let enc = encoder('begin');
    enc.clearBuffer(this.scalars); // no stale samples, α or β
    for (const s of this.save) enc.copyBufferToBuffer(s.from, 0, s.to, 0, s.from.size);
    encodeDispatches(enc, r.thetaSq.dispatches, `${this.label}.begin`);
    device.queue.submit([enc.finish()]);
    // 2. Hutchinson: probe k draws v from (seed, k), forms Hv, records vᵀHv in samples[k].
    for (let p = 0; p < probes; p++) {
      ctx.updateParams(k.probe, { n: this.P, seed, stream: p, value: 0, value2: 0 });
      ctx.updateParams(k.record, { n: 0, seed: 0, stream: p, value: 0, value2: 0 });
      enc = encoder(`probe${p}`);
      encodeDispatches(enc, [k.probe], `${this.label}.probe`);
      this.encodeHvp(enc);
      encodeDispatches(enc, [...r.quad.dispatches, k.record], `${this.label}.record`);
      device.queue.submit([enc.finish()]);
    }
    enc = encoder('end');
    if (probes > 0) {
      ctx.updateParams(k.stats, { n: probes, seed: 0, stream: 0, value: 0, value2: 0 });
      encodeDispatches(enc, [k.stats], `${this.label}.stats`);
    }
    // 3. Lanczos from a normalised Rademacher start, with full reorthogonalization.
    if (steps > 0) {
      const lz = this.lanczosKernels();
      ctx.updateParams(k.lanczosStart, { n: this.P, seed, stream: LANCZOS_START_STREAM, value: 0, value2: 0 });
      const precondition = preconditioner ? [this.preconditionKernel(preconditioner, lz.d)] : [];
      encodeDispatches(enc, [...precondition, k.lanczosStart, ...r.wSq.dispatches, lz.normalizeInto[0]], `${this.label}.lanczosStart`);
      device.queue.submit([enc.finish()]);
      for (let j = 0; j < steps; j++) {
        enc = encoder(`lanczos${j}`);
        enc.copyBufferToBuffer(lz.q[j], 0, this.direction, 0, this.P * 4);
        if (preconditioner) encodeDispatches(enc, [lz.scaleDirection], `${this.label}.precondition`); // direction = D q_j
        this.encodeHvp(enc); // work = H·direction, prod = direction ⊙ work: Σ prod = q_jᵀ(D H D)q_j
        const dispatches: Dispatch[] = [...(preconditioner ? [lz.scaleWork] : []), ...r.rayleigh.dispatches, lz.storeAlpha[j], lz.step[j]];
        for (let i = 0; i <= j; i++) dispatches.push(lz.project[i], ...lz.dot.dispatches, lz.orthogonalize[i]);
        dispatches.push(...r.wSq.dispatches, lz.storeBeta[j], lz.normalizeInto[j + 1]);
        encodeDispatches(enc, dispatches, `${this.label}.lanczos`);
        device.queue.submit([enc.finish()]);
      }
      enc = encoder('end');
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
   * Hv for the direction in `direction` into `work`, and v ⊙ Hv into `prod`. Exact: the model's
   * forward-over-reverse kernels. Difference: ‖v‖², ε; θ = θ₀ + εv, gradient, copy;
   * θ = θ₀ − εv, gradient; difference.
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
