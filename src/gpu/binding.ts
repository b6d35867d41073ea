// What a kernel binds: a whole buffer, or a range of one (a named view of the flat parameter
// buffer: offset a multiple of 256 bytes). Builders take Bindings and check their sizes once.

export type Binding = GPUBuffer | GPUBufferBinding;

/** Bytes a binding covers. */
export function bindingBytes(b: Binding): number {
  if (b instanceof GPUBuffer) return b.size;
  return b.size ?? b.buffer.size - (b.offset ?? 0);
}

/** The label of the buffer behind a binding, with the range for partial bindings. */
export function bindingLabel(b: Binding): string {
  if (b instanceof GPUBuffer) return b.label;
  return `${b.buffer.label}[${(b.offset ?? 0) / 4}…+${bindingBytes(b) / 4}]`;
}

/** The buffer behind a binding (for identity checks such as "in place"). */
export function bindingBuffer(b: Binding): GPUBuffer {
  return b instanceof GPUBuffer ? b : b.buffer;
}

/** Throws unless the binding holds at least `count` 4-byte elements, naming kernel and buffer. */
export function requireElements(label: string, name: string, b: Binding, count: number): void {
  const bytes = bindingBytes(b);
  if (bytes < count * 4) {
    throw new Error(`${label}: buffer ${name} (${bindingLabel(b)}) holds ${Math.floor(bytes / 4)} elements, needs ${count}`);
  }
}
