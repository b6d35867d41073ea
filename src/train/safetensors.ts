// The safetensors file format (Hugging Face), written and read without dependencies, so a
// checkpoint of this engine loads in PyTorch with `safetensors.torch.load_file`:
//
//   [0, 8)          N, the header length: u64 little-endian
//   [8, 8 + N)      the header: UTF-8 JSON, padded with spaces so 8 + N is a multiple of 8
//                   { "__metadata__": { string: string },
//                     "<name>": { "dtype": "F32", "shape": [d0, d1, …], "data_offsets": [begin, end] }, … }
//   [8 + N, end)    the data section: every tensor's bytes, little-endian, row-major, packed
//                   back to back; data_offsets are relative to the start of this section
//
// The reader checks what the reference implementation checks (header bounds, JSON, dtypes,
// byte counts against shapes, tensors contiguous and covering the data section exactly) and
// says what is wrong in words, naming the file and the tensor.

export type SafetensorsDtype = 'F32' | 'U32' | 'I32' | 'U8';
export type TensorData = Float32Array | Uint32Array | Int32Array | Uint8Array;

export interface Tensor {
  dtype: SafetensorsDtype;
  shape: readonly number[];
  data: TensorData; // product(shape) elements, row-major
}

export interface SafetensorsFile {
  tensors: Map<string, Tensor>; // in file order
  metadata: Record<string, string>;
}

export class SafetensorsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SafetensorsError';
  }
}

const DTYPE_BYTES: Record<SafetensorsDtype, number> = { F32: 4, U32: 4, I32: 4, U8: 1 };
const DTYPES = Object.keys(DTYPE_BYTES) as SafetensorsDtype[];
/** The reference implementation refuses headers above 100 MB; so do we. */
export const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';

function isLittleEndianHost(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}

function checkHost(): void {
  if (!isLittleEndianHost()) throw new SafetensorsError('safetensors: this host is big-endian; the format stores little-endian data');
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function dtypeOf(data: TensorData): SafetensorsDtype {
  if (data instanceof Float32Array) return 'F32';
  if (data instanceof Uint32Array) return 'U32';
  if (data instanceof Int32Array) return 'I32';
  return 'U8';
}

/** A tensor whose dtype follows its typed array. */
export function tensor(data: TensorData, shape: readonly number[]): Tensor {
  return { dtype: dtypeOf(data), shape: [...shape], data };
}

/** Encodes tensors (in the order given) and string metadata as one safetensors file. */
export function encodeSafetensors(tensors: Iterable<[string, Tensor]>, metadata: Record<string, string> = {}): Uint8Array {
  checkHost();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new SafetensorsError(`safetensors: metadata "${k}" must be a string`);
    }
    header[METADATA_KEY] = { ...metadata };
  }
  const entries: { name: string; bytes: Uint8Array }[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === METADATA_KEY) throw new SafetensorsError(`safetensors: "${METADATA_KEY}" cannot name a tensor`);
    if (Object.prototype.hasOwnProperty.call(header, name)) throw new SafetensorsError(`safetensors: tensor "${name}" is given twice`);
    for (const d of t.shape) {
      if (!Number.isSafeInteger(d) || d < 0) throw new SafetensorsError(`safetensors: tensor "${name}" has invalid shape [${t.shape.join(', ')}]`);
    }
    if (dtypeOf(t.data) !== t.dtype) throw new SafetensorsError(`safetensors: tensor "${name}" is declared ${t.dtype} but holds ${dtypeOf(t.data)} data`);
    const n = elementCount(t.shape);
    if (t.data.length !== n) throw new SafetensorsError(`safetensors: tensor "${name}" has shape [${t.shape.join(', ')}] (${n} elements) but ${t.data.length} values`);
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    Object.defineProperty(header, name, {
      value: { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes.length] },
      enumerable: true,
      writable: true,
      configurable: true,
    });
    entries.push({ name, bytes });
    offset += bytes.length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil((8 + json.length) / 8) * 8 - 8;
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const e of entries) {
    out.set(e.bytes, at);
    at += e.bytes.length;
  }
  return out;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Decodes and validates a safetensors file. `what` names it in messages (a file name). */
export function decodeSafetensors(bytes: Uint8Array, what = 'safetensors file'): SafetensorsFile {
  checkHost();
  const fail = (why: string): never => {
    throw new SafetensorsError(`${what}: ${why}`);
  };
  if (bytes.length < 8) fail(`is ${bytes.length} bytes; a safetensors file starts with an 8-byte header length (empty or truncated file?)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getBigUint64(0, true);
  if (declared > BigInt(MAX_HEADER_BYTES)) fail(`declares a header of ${declared} bytes (limit ${MAX_HEADER_BYTES}); this is not a safetensors file`);
  const headerLength = Number(declared);
  if (8 + headerLength > bytes.length) fail(`declares a header of ${headerLength} bytes but the file has only ${bytes.length - 8} after the length: truncated?`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    return fail('the header is not valid UTF-8; this is not a safetensors file');
  }
  if (!text.startsWith('{')) fail('the header does not start with "{"; this is not a safetensors file');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return fail(`the header is not valid JSON (${(e as Error).message})`);
  }
  if (!isPlainObject(parsed)) return fail('the header is not a JSON object');
  const metadata: Record<string, string> = {};
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const placed: { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, entry] of Object.entries(parsed)) {
    if (name === METADATA_KEY) {
      if (!isPlainObject(entry)) fail(`"${METADATA_KEY}" must be an object of strings`);
      for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`metadata "${k}" is not a string`);
        Object.defineProperty(metadata, k, { value: v, enumerable: true, writable: true, configurable: true });
      }
      continue;
    }
    if (!isPlainObject(entry)) return fail(`tensor "${name}": its entry is not an object`);
    const { dtype, shape, data_offsets: offsets } = entry;
    if (typeof dtype !== 'string' || !(DTYPES as string[]).includes(dtype)) fail(`tensor "${name}" has dtype ${JSON.stringify(dtype)}; this reader supports ${DTYPES.join(', ')}`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`tensor "${name}" has an invalid shape ${JSON.stringify(shape)}`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[0] > offsets[1]) {
      fail(`tensor "${name}" has invalid data_offsets ${JSON.stringify(offsets)}`);
    }
    const d = dtype as SafetensorsDtype;
    const s = shape as number[];
    const [begin, end] = offsets as [number, number];
    const need = elementCount(s) * DTYPE_BYTES[d];
    if (end - begin !== need) fail(`tensor "${name}" (${d}, shape [${s.join(', ')}]) needs ${need} bytes but its data_offsets span ${end - begin}`);
    placed.push({ name, dtype: d, shape: s, begin, end });
  }
  // Tensors must tile the data section exactly, in offset order (as the reference checks).
  const byOffset = [...placed].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const p of byOffset) {
    if (p.begin !== cursor) fail(`tensor "${p.name}" starts at byte ${p.begin} of the data section, expected ${cursor} (tensors overlap or leave a gap)`);
    cursor = p.end;
  }
  if (cursor > dataLength) {
    const last = byOffset[byOffset.length - 1];
    fail(`tensor "${last.name}" ends at byte ${cursor} of the data section, which holds only ${dataLength} bytes: truncated file?`);
  }
  if (cursor < dataLength) fail(`the data section holds ${dataLength} bytes but the tensors cover ${cursor}: trailing bytes`);
  const tensors = new Map<string, Tensor>();
  for (const p of placed) {
    const raw = bytes.slice(dataStart + p.begin, dataStart + p.end).buffer; // a copy: 4-byte aligned
    const data: TensorData =
      p.dtype === 'F32' ? new Float32Array(raw) : p.dtype === 'U32' ? new Uint32Array(raw) : p.dtype === 'I32' ? new Int32Array(raw) : new Uint8Array(raw);
    tensors.set(p.name, { dtype: p.dtype, shape: p.shape, data });
  }
  return { tensors, metadata };
}
