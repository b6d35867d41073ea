// Parameters in one flat f32 buffer, carved by a size table into named views (docs/architecture.md).
// Gradients, optimizer state, the Hessian-diagonal estimate and the IRE mask share the layout.
// Each view starts at a multiple of 64 floats (256 bytes, the largest value WebGPU allows for
// minStorageBufferOffsetAlignment), so a kernel can bind a view with a buffer offset. The gaps
// are zero padding: their gradients are always zero, so their Hessian estimate is 0 and they
// sort first in the γ-threshold; `padCount` tells the radix select to skip that many ranks.
import { Rng } from '../util/rng';

export const VIEW_ALIGN_FLOATS = 64;

/** Weight-decay and grouping class of a view (nanoGPT: no decay on biases, norms, embeddings). */
export type ParamGroup = 'weight' | 'bias' | 'norm' | 'embedding';

export type InitSpec =
  | { kind: 'normal'; std: number }
  | { kind: 'zeros' }
  | { kind: 'ones' }
  | { kind: 'uniform'; bound: number }
  | { kind: 'value'; values: readonly number[] };

export interface ParamView {
  name: string;
  shape: readonly number[];
  /** Offset in floats into the flat buffer (multiple of VIEW_ALIGN_FLOATS). */
  offset: number;
  /** Number of floats (product of shape). */
  size: number;
  group: ParamGroup;
  init: InitSpec;
}

export interface ParamLayout {
  views: readonly ParamView[];
  /** Floats in the flat buffer, padding included. */
  total: number;
  /** Floats that are real parameters (Σ view sizes). */
  count: number;
  /** total − count: zero padding entries. */
  padCount: number;
}

export class ParamLayoutBuilder {
  private readonly views: ParamView[] = [];
  private cursor = 0;

  add(name: string, shape: readonly number[], group: ParamGroup, init: InitSpec): ParamView {
    if (this.views.some((v) => v.name === name)) throw new Error(`ParamLayout: "${name}" is declared twice`);
    for (const d of shape) {
      if (!Number.isInteger(d) || d <= 0) throw new Error(`ParamLayout: "${name}" has invalid shape [${shape.join(', ')}]`);
    }
    const size = shape.reduce((a, b) => a * b, 1);
    if (init.kind === 'value' && init.values.length !== size) {
      throw new Error(`ParamLayout: "${name}" has ${size} entries but ${init.values.length} initial values`);
    }
    const view: ParamView = { name, shape: [...shape], offset: this.cursor, size, group, init };
    this.views.push(view);
    this.cursor += Math.ceil(size / VIEW_ALIGN_FLOATS) * VIEW_ALIGN_FLOATS;
    return view;
  }

  build(): ParamLayout {
    const count = this.views.reduce((s, v) => s + v.size, 0);
    const total = Math.max(this.cursor, VIEW_ALIGN_FLOATS);
    return { views: [...this.views], total, count, padCount: total - count };
  }
}

export function viewByName(layout: ParamLayout, name: string): ParamView {
  const v = layout.views.find((x) => x.name === name);
  if (!v) throw new Error(`ParamLayout: no view "${name}"; have ${layout.views.map((x) => x.name).join(', ')}`);
  return v;
}

/** A buffer binding of one view of a flat buffer (params, grads, …). */
export function bindView(buffer: GPUBuffer, view: ParamView): GPUBufferBinding {
  return { buffer, offset: view.offset * 4, size: view.size * 4 };
}

/**
 * Initial parameters from a seed: each view draws from its own stream (its index), so adding a
 * view never changes another's values, and the same seed gives the same bits on every host.
 */
export function initParams(layout: ParamLayout, seed: number): Float32Array {
  const out = new Float32Array(layout.total);
  layout.views.forEach((v, index) => {
    const rng = new Rng(seed, index + 1);
    const dst = out.subarray(v.offset, v.offset + v.size);
    switch (v.init.kind) {
      case 'zeros':
        break;
      case 'ones':
        dst.fill(1);
        break;
      case 'normal':
        for (let i = 0; i < v.size; i++) dst[i] = v.init.std * rng.normal();
        break;
      case 'uniform':
        for (let i = 0; i < v.size; i++) dst[i] = rng.range(-v.init.bound, v.init.bound);
        break;
      case 'value':
        dst.set(v.init.values);
        break;
    }
  });
  return out;
}

/** 1 where decoupled weight decay applies, 0 elsewhere (padding included). */
export function decayMask(layout: ParamLayout, decayAllGroups: boolean): Float32Array {
  const mask = new Float32Array(layout.total);
  for (const v of layout.views) {
    if (decayAllGroups || v.group === 'weight') mask.fill(1, v.offset, v.offset + v.size);
  }
  return mask;
}

/** 1 for real parameters, 0 for padding. */
export function realMask(layout: ParamLayout): Float32Array {
  const mask = new Float32Array(layout.total);
  for (const v of layout.views) mask.fill(1, v.offset, v.offset + v.size);
  return mask;
}
