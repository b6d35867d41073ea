// What every model shares: parameters and gradients in one flat buffer each (the layout's
// size table), named views into them for kernels, and ownership of the buffers it allocates.
import type { Binding } from '../gpu/binding';
import { AllocatedTable, BufferTable, type BufferDecl } from '../gpu/bufferTable';
import { bindView, viewByName, type ParamLayout } from './paramLayout';

/** The buffers every model has: parameters and gradients, flat, P = layout.total floats each. */
export function flatModelBuffers(layout: ParamLayout): BufferDecl[] {
  return new BufferTable({ role: 'params', perBatch: false })
    .add('params', [layout.total]) // (P)
    .add('grads', [layout.total], { role: 'grads' }).decls; // (P)
}

export abstract class FlatModel {
  readonly params: GPUBuffer; // (P) flat, P = layout.total
  readonly grads: GPUBuffer; // (P) flat, same layout
  private readonly owned: GPUBuffer[] = [];

  protected constructor(
    protected readonly device: GPUDevice,
    readonly name: string,
    readonly layout: ParamLayout,
  ) {
    const flat = this.allocate(flatModelBuffers(layout));
    this.params = flat.get('params');
    this.grads = flat.get('grads');
  }

  /** The buffers of a table (src/gpu/bufferTable.ts), labelled `<model>.<name>`, freed with the model. */
  protected allocate(decls: readonly BufferDecl[]): AllocatedTable {
    return new AllocatedTable(this.device, this.name, decls, (b) => this.own(b));
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
