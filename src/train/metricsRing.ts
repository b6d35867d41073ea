// Asynchronous metrics readback without stalling the step loop. Each step copies a small
// metrics buffer (a few floats per run) into the next staging slot of a ring and starts
// mapAsync without awaiting it; when the map resolves, the values are handed to `onValues`.
// The step loop only waits when every slot is still in flight, which also bounds how far the
// CPU can run ahead of the GPU (back-pressure).

import { AllocatedTable, BufferTable, type BufferDecl } from '../gpu/bufferTable';

export interface RingSlot {
  buffer: GPUBuffer;
  pending: Promise<void> | null;
}

/** The ring's mappable slots, `staging<i>`, each `byteSize` bytes. */
export function metricsRingBuffers(depth: number, byteSize: number): BufferDecl[] {
  const t = new BufferTable({ role: 'staging', perBatch: false });
  for (let i = 0; i < depth; i++) t.add(`staging${i}`, [Math.ceil(byteSize / 4)], { storage: false });
  return t.decls;
}

export class MetricsRing<Tag> {
  private readonly slots: RingSlot[];
  private next = 0;

  constructor(
    private readonly device: GPUDevice,
    label: string,
    readonly byteSize: number,
    depth: number,
    private readonly onValues: (values: Float32Array, tag: Tag) => void,
  ) {
    const t = new AllocatedTable(device, label, metricsRingBuffers(depth, byteSize));
    this.slots = Array.from({ length: depth }, (_, i) => ({ buffer: t.get(`staging${i}`), pending: null }));
  }

  /** Waits (only if needed) for a free slot; returns it for `encodeCopy`. */
  async acquire(): Promise<RingSlot> {
    const slot = this.slots[this.next];
    this.next = (this.next + 1) % this.slots.length;
    if (slot.pending) await slot.pending;
    return slot;
  }

  /** Records the copy of `source` into the slot; call before submitting the encoder. */
  encodeCopy(encoder: GPUCommandEncoder, slot: RingSlot, source: GPUBuffer, sourceOffset = 0): void {
    encoder.copyBufferToBuffer(source, sourceOffset, slot.buffer, 0, this.byteSize);
  }

  /** Starts the asynchronous map of a slot after its copy was submitted. */
  startRead(slot: RingSlot, tag: Tag): void {
    slot.pending = slot.buffer.mapAsync(GPUMapMode.READ).then(
      () => {
        const values = new Float32Array(slot.buffer.getMappedRange(0, this.byteSize).slice(0));
        slot.buffer.unmap();
        slot.pending = null;
        this.onValues(values, tag);
      },
      (err: unknown) => {
        slot.pending = null;
        throw err;
      },
    );
  }

  /** Resolves when every started read has been delivered. */
  async drain(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.pending));
  }

  destroy(): void {
    for (const s of this.slots) s.buffer.destroy();
  }
}
