// Labelled buffer helpers. Sizes are rounded up to 4 bytes (WebGPU's copy granularity) and
// never zero, so a buffer for an empty tensor can still be bound.

/** The byte size every buffer of this module gets for a request of `bytes`. */
export const alignSize = (bytes: number): number => Math.max(16, Math.ceil(bytes / 4) * 4);

/** Storage buffer that kernels read and write, and that can be copied to and from. */
export function createStorageBuffer(device: GPUDevice, label: string, byteSize: number, extraUsage = 0): GPUBuffer {
  return device.createBuffer({
    label,
    size: alignSize(byteSize),
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST | extraUsage,
  });
}

/** Storage buffer initialised with `data` (mapped at creation, no extra copy). */
export function createStorageBufferWith(
  device: GPUDevice,
  label: string,
  data: Float32Array | Uint32Array | Int32Array | Uint16Array | Uint8Array,
  extraUsage = 0,
): GPUBuffer {
  const buffer = device.createBuffer({
    label,
    size: alignSize(data.byteLength),
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST | extraUsage,
    mappedAtCreation: true,
  });
  new Uint8Array(buffer.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  buffer.unmap();
  return buffer;
}

/** Uniform buffer for a kernel's Params struct; update it with `queue.writeBuffer`. */
export function createUniformBuffer(device: GPUDevice, label: string, byteSize: number): GPUBuffer {
  return device.createBuffer({ label, size: alignSize(byteSize), usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
}

/** Uniform buffer holding `data` from the start. */
export function createUniformBufferWith(device: GPUDevice, label: string, data: ArrayBuffer): GPUBuffer {
  const buffer = createUniformBuffer(device, label, data.byteLength);
  device.queue.writeBuffer(buffer, 0, data);
  return buffer;
}

/** Host-mappable buffer that receives copies for readback. */
export function createStagingBuffer(device: GPUDevice, label: string, byteSize: number): GPUBuffer {
  return device.createBuffer({ label, size: alignSize(byteSize), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
}

/** Writes a typed array into a buffer at a byte offset. */
export function writeBuffer(device: GPUDevice, buffer: GPUBuffer, data: ArrayBufferView, byteOffset = 0): void {
  device.queue.writeBuffer(buffer, byteOffset, data.buffer, data.byteOffset, data.byteLength);
}
