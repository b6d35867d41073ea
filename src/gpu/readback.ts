// Asynchronous, batched readback: several buffer ranges copied into one staging buffer with
// one command buffer and one mapAsync. Training code calls it every few steps, never awaiting
// inside the step loop; tests call it to compare with references.

export interface ReadRange {
  buffer: GPUBuffer;
  /** Byte offset into `buffer`, a multiple of 4. */
  offset?: number;
  /** Bytes to read, a multiple of 4; defaults to the rest of the buffer. */
  size?: number;
}

/** Copies every range into one staging buffer and resolves with a copy of each range's bytes. */
export async function readRanges(device: GPUDevice, ranges: readonly ReadRange[], label = 'Readback'): Promise<ArrayBuffer[]> {
  const placed = ranges.map((r) => {
    const offset = r.offset ?? 0;
    const size = r.size ?? r.buffer.size - offset;
    if (offset % 4 || size % 4) throw new Error(`${label}: offset ${offset} and size ${size} must be multiples of 4`);
    return { ...r, offset, size };
  });
  const starts: number[] = [];
  let total = 0;
  for (const p of placed) {
    starts.push(total);
    total += Math.ceil(p.size / 8) * 8;
  }
  const staging = device.createBuffer({ label: `${label}.staging`, size: Math.max(8, total), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const encoder = device.createCommandEncoder({ label: `${label}.encoder` });
  placed.forEach((p, i) => {
    if (p.size > 0) encoder.copyBufferToBuffer(p.buffer, p.offset, staging, starts[i], p.size);
  });
  device.queue.submit([encoder.finish()]);
  try {
    await staging.mapAsync(GPUMapMode.READ);
    const all = staging.getMappedRange();
    return placed.map((p, i) => all.slice(starts[i], starts[i] + p.size));
  } finally {
    staging.destroy();
  }
}

/** Reads `count` f32 values (default: the whole buffer) starting at element `first`. */
export async function readFloat32(device: GPUDevice, buffer: GPUBuffer, count?: number, first = 0): Promise<Float32Array> {
  const [bytes] = await readRanges(device, [{ buffer, offset: first * 4, size: count === undefined ? undefined : count * 4 }]);
  return new Float32Array(bytes);
}

/** Reads `count` u32 values (default: the whole buffer) starting at element `first`. */
export async function readUint32(device: GPUDevice, buffer: GPUBuffer, count?: number, first = 0): Promise<Uint32Array> {
  const [bytes] = await readRanges(device, [{ buffer, offset: first * 4, size: count === undefined ? undefined : count * 4 }]);
  return new Uint32Array(bytes);
}
