// What every model shares: parameters and gradients in one flat buffer each (the layout's
// size table), named views into them for kernels, and ownership of the buffers it allocates.
import type { Binding } from '../gpu/binding';
import { createStorageBuffer } from '../gpu/buffers';
import { bindView, viewByName, type ParamLayout } from './paramLayout';

export abstract class FlatModel {
  readonly params: GPUBuffer; // (P) flat, P = layout.total
  readonly grads: GPUBuffer; // (P) flat, same layout
  private readonly owned: GPUBuffer[] = [];

  protected constructor(
    protected readonly device: GPUDevice,
    readonly name: string,
    readonly layout: ParamLayout,
  ) {
    this.params = this.buffer('params', layout.total);
    this.grads = this.buffer('grads', layout.total);
  }

  /** A zeroed f32/u32 buffer of `floats` elements labelled `<model>.<what>`, freed with the model. */
  protected buffer(what: string, floats: number): GPUBuffer {
    return this.own(createStorageBuffer(this.device, `${this.name}.${what}`, floats * 4));
  }

  /** Takes ownership of a buffer created elsewhere (freed with the model). */
  protected own(b: GPUBuffer): GPUBuffer {
    this.owned.push(b);
    return b;
  }

  /** The named parameter view, bound as a range of the flat parameter buffer. */
  protected param(view: string): Binding {
    return bindView(this.params, viewByName(this.layout, view));
  }

  /** The named view of the gradient buffer. */
  protected grad(view: string): Binding {
    return bindView(this.grads, viewByName(this.layout, view));
  }

  destroy(): void {
    for (const b of this.owned) b.destroy();
  }
}
