// A quadratic test model L(x) = ½ xᵀ A x as a Model (shaders/nn/quadratic.wgsl): its Hessian is
// A, whatever x, so the sharpness estimators (Hutchinson trace, top eigenvalue) can be checked
// against a spectrum chosen by the test (`symmetricWithSpectrum`). The real coordinates are
// split over several views of the flat layout, so the zero padding between views is exercised.
import { createStorageBufferWith, writeBuffer } from '../gpu/buffers';
import type { GpuContext, Kernel } from '../gpu/context';
import { grid1d } from '../gpu/dispatch';
import type { UniformField } from '../gpu/uniforms';
import { Rng } from '../util/rng';
import type { BatchShape, Model } from './model';
import { FlatModel } from './flatModel';
import { toyActivations } from './toyModel';
import { ParamLayoutBuilder, initParams, type ParamLayout } from './paramLayout';

const QUADRATIC_PARAMS: readonly UniformField[] = [{ name: 'n', type: 'u32' }];
export const QUADRATIC_WORKGROUP = 64;

export interface QuadraticSpec {
  /** Sizes of the views the n = Σ sizes real coordinates are split into (in order). */
  sizes: readonly number[];
  /** (n, n) symmetric, row-major: the Hessian. */
  matrix: Float32Array | Float64Array;
  /** (n) the point x where the model starts (any point: the Hessian is the same everywhere). */
  start: readonly number[] | Float32Array;
}

export function quadraticLayout(spec: QuadraticSpec): ParamLayout {
  const b = new ParamLayoutBuilder();
  let at = 0;
  spec.sizes.forEach((size, k) => {
    b.add(`x${k}`, [size], 'weight', { kind: 'value', values: Array.from(spec.start).slice(at, at + size) }); // (size)
    at += size;
  });
  if (at !== spec.start.length) throw new Error(`QuadraticModel: sizes sum to ${at} but start has ${spec.start.length} values`);
  return b.build();
}

/** Flat offset of every real coordinate, in order. */
export function realOffsets(layout: ParamLayout): Uint32Array {
  const out = new Uint32Array(layout.count);
  let r = 0;
  for (const v of layout.views) for (let i = 0; i < v.size; i++) out[r++] = v.offset + i;
  return out;
}

export class QuadraticModel extends FlatModel implements Model {
  readonly batch: BatchShape = { kind: 'none' };
  readonly rows = 1;
  readonly losses: GPUBuffer;
  readonly correct: GPUBuffer;
  readonly forward: Kernel[] = [];
  readonly lossOnTargets: Kernel[];
  readonly lossOnSampledLabels: Kernel[];
  readonly backward: Kernel[] = [];

  constructor(
    ctx: GpuContext,
    name: string,
    spec: QuadraticSpec,
  ) {
    super(ctx.device, name, quadraticLayout(spec));
    const n = this.layout.count;
    if (spec.matrix.length !== n * n) throw new Error(`${name}: matrix has ${spec.matrix.length} entries, want n² = ${n * n}`);
    const own = (b: GPUBuffer) => this.own(b);
    const acts = this.allocate(toyActivations()); // a loss and an accuracy slot, like the toy's
    this.losses = acts.get('losses');
    this.correct = acts.get('correct');
    const a = own(createStorageBufferWith(ctx.device, `${name}.matrix`, Float32Array.from(spec.matrix))); // (n, n)
    const index = own(createStorageBufferWith(ctx.device, `${name}.index`, realOffsets(this.layout))); // (n) u32
    writeBuffer(ctx.device, this.params, initParams(this.layout, 0));
    const layout = ctx.layout(QUADRATIC_PARAMS);
    // grad[index] = A·x[index]: the gradient at x, and on a direction v, H·v exactly.
    const product = (what: string, x: GPUBuffer, out: GPUBuffer) => {
      const k = ctx.kernel({
        label: `${name}.${what}`,
        shader: 'nn/quadratic',
        entryPoint: 'gradient',
        overrides: { WG: QUADRATIC_WORKGROUP },
        params: { layout, values: { n } },
        buffers: [a, index, x, out],
        workgroups: grid1d(n, QUADRATIC_WORKGROUP, ctx.device.limits.maxComputeWorkgroupsPerDimension),
      });
      if (k.params) this.own(k.params);
      return k;
    };
    const gradient = product('gradient', this.params, this.grads);
    const loss = ctx.kernel({
      label: `${name}.loss`,
      shader: 'nn/quadratic',
      entryPoint: 'loss',
      params: { layout, values: { n } },
      buffers: [index, this.params, this.grads, this.losses],
      workgroups: [1, 1, 1],
    });
    if (loss.params) this.own(loss.params);
    this.lossOnTargets = [gradient, loss];
    this.lossOnSampledLabels = [gradient, loss];
    this.hvp = (direction, out) => [product('hvp', direction, out)];
  }

  private readonly hvp: (direction: GPUBuffer, product: GPUBuffer) => Kernel[];

  /** H·direction = A·direction (Model.hessianVectorProduct). */
  hessianVectorProduct(direction: GPUBuffer, product: GPUBuffer): Kernel[] {
    return this.hvp(direction, product);
  }

  setSampleCounter(): void {
    // Nothing is sampled: the loss has no data.
  }
}

/**
 * A = Q diag(eigenvalues) Qᵀ (n, n) row-major in double precision, with Q a random orthogonal
 * matrix from Gram–Schmidt on Gaussian columns drawn from `seed`: a dense symmetric matrix with
 * exactly the given spectrum (up to rounding), trace Σλ and largest eigenvalue max λ.
 */
export function symmetricWithSpectrum(eigenvalues: readonly number[], seed: number): Float64Array {
  const n = eigenvalues.length;
  const rng = new Rng(seed, 0x51);
  const q: Float64Array[] = [];
  while (q.length < n) {
    const col = new Float64Array(n);
    for (let i = 0; i < n; i++) col[i] = rng.normal();
    for (let pass = 0; pass < 2; pass++) {
      // twice for stability (classical Gram–Schmidt, re-orthogonalised)
      for (const e of q) {
        let d = 0;
        for (let i = 0; i < n; i++) d += e[i] * col[i];
        for (let i = 0; i < n; i++) col[i] -= d * e[i];
      }
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += col[i] * col[i];
    norm = Math.sqrt(norm);
    if (norm < 1e-6) continue; // a (vanishingly unlikely) dependent draw: draw again
    for (let i = 0; i < n; i++) col[i] /= norm;
    q.push(col);
  }
  const a = new Float64Array(n * n);
  for (let r = 0; r < n; r++) {
    for (let c = r; c < n; c++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += q[k][r] * eigenvalues[k] * q[k][c];
      a[r * n + c] = s;
      a[c * n + r] = s;
    }
  }
  return a;
}
