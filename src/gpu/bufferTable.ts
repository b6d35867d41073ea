// Buffer tables: the one declaration of the GPU buffers a model, an optimizer or a run owns, in
// the manner of llm.c's fill_in_activation_sizes. Each owner writes a function from its config to
// a table (name, shape, element type, role, whether it grows with the batch); its constructor
// allocates from that table, and the memory plan (src/train/memoryPlan.ts) sums the same tables
// before anything is allocated, so the two cannot disagree (docs/architecture.md, "Buffers").
import { alignSize, createStagingBuffer, createStorageBuffer } from './buffers';

/** What a buffer holds, for the memory plan's report. */
export type BufferRole = 'params' | 'grads' | 'optimizer' | 'ire' | 'activation' | 'scratch' | 'batch' | 'metrics' | 'staging';

export interface BufferDecl {
  /** Label suffix: the buffer is labelled `<owner>.<name>`. */
  readonly name: string;
  /** Elements per dimension, outermost first ((B,T,C) → [B, T, C]); the product is the count. */
  readonly shape: readonly number[];
  /** Element type (4 bytes either way). */
  readonly dtype: 'f32' | 'u32';
  readonly role: BufferRole;
  /** Its size grows with the batch size (activations, batch buffers). */
  readonly perBatch: boolean;
  /** Bound as a storage buffer (false: a mappable staging buffer). */
  readonly storage: boolean;
}

type DeclOptions = Partial<Pick<BufferDecl, 'dtype' | 'role' | 'perBatch' | 'storage'>>;

/** Builds a table: `add` rows with the table's defaults, `include` another owner's table under a prefix. */
export class BufferTable {
  readonly decls: BufferDecl[] = [];

  constructor(private readonly defaults: Pick<BufferDecl, 'role' | 'perBatch'>) {}

  add(name: string, shape: readonly number[], options: DeclOptions = {}): this {
    this.decls.push({ name, shape, dtype: 'f32', storage: true, ...this.defaults, ...options });
    return this;
  }

  /** Rows of a nested owner (an optimizer's reduction, a layer's scratch) named `<prefix>.<name>` (prefix '': as they are). */
  include(prefix: string, decls: readonly BufferDecl[]): this {
    for (const d of decls) this.decls.push({ ...d, name: prefix ? `${prefix}.${d.name}` : d.name });
    return this;
  }
}

/** Number of elements of a declared buffer. */
export const elementCount = (d: BufferDecl): number => d.shape.reduce((a, b) => a * b, 1);

/** Bytes the allocation of `d` takes (the size createStorageBuffer gives it). */
export const declBytes = (d: BufferDecl): number => alignSize(elementCount(d) * 4);

/**
 * The buffers of a table, allocated zeroed (storage) or mappable (staging) and labelled `<owner>.<name>`. `get` refuses a name
 * the table does not declare, so a typo fails at construction, not as a wrong binding.
 */
export class AllocatedTable {
  private readonly byName = new Map<string, GPUBuffer>();

  constructor(device: GPUDevice, owner: string, decls: readonly BufferDecl[], own: (b: GPUBuffer) => GPUBuffer = (b) => b) {
    for (const d of decls) {
      if (this.byName.has(d.name)) throw new Error(`${owner}: buffer table declares ${d.name} twice`);
      const label = `${owner}.${d.name}`;
      const bytes = elementCount(d) * 4;
      this.byName.set(d.name, own(d.storage ? createStorageBuffer(device, label, bytes) : createStagingBuffer(device, label, bytes)));
    }
  }

  get(name: string): GPUBuffer {
    const b = this.byName.get(name);
    if (!b) throw new Error(`buffer ${name} is not declared in its table (declared: ${[...this.byName.keys()].join(', ')})`);
    return b;
  }
}
