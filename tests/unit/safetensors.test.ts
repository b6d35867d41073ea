import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors, MAX_HEADER_BYTES, SafetensorsError, tensor, type Tensor } from '../../src/train/safetensors';

// Written by the reference implementation (Python `safetensors` 0.8.0, safetensors.numpy.save):
//   {"w": arange(6, f32).reshape(2,3)·0.5, "mask": u32 [1,0,3], "s": f32 scalar −7.25,
//    "bytes": u8 [255,1], "i": i32 [−2, 2^31−1]}, metadata {"step": "12", "note": "é"}
const REFERENCE_FILE =
  'SAEAAAAAAAB7Il9fbWV0YWRhdGFfXyI6eyJzdGVwIjoiMTIiLCJub3RlIjoiw6kifSwicyI6eyJkdHlwZSI6IkYzMiIsInNoYXBlIjpbXSwiZGF0YV9vZmZzZXRzIjpbMCw0XX0sInciOnsiZHR5cGUiOiJGMzIiLCJzaGFwZSI6WzIsM10sImRhdGFfb2Zmc2V0cyI6WzQsMjhdfSwibWFzayI6eyJkdHlwZSI6IlUzMiIsInNoYXBlIjpbM10sImRhdGFfb2Zmc2V0cyI6WzI4LDQwXX0sImkiOnsiZHR5cGUiOiJJMzIiLCJzaGFwZSI6WzJdLCJkYXRhX29mZnNldHMiOls0MCw0OF19LCJieXRlcyI6eyJkdHlwZSI6IlU4Iiwic2hhcGUiOlsyXSwiZGF0YV9vZmZzZXRzIjpbNDgsNTBdfX0gICAgICAgAADowAAAAAAAAAA/AACAPwAAwD8AAABAAAAgQAEAAAAAAAAAAwAAAP7///////9//wE=';

const u64le = (n: number) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
  return b;
};

/** A file from a header object and raw data bytes, padded like the format asks. */
function rawFile(header: unknown, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  return rawJson(JSON.stringify(header), data);
}

function rawJson(text: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  let json = text;
  while ((8 + json.length) % 8) json += ' ';
  const h = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + h.length + data.length);
  out.set(u64le(h.length));
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

function expectError(bytes: Uint8Array, pattern: RegExp): void {
  let err: unknown;
  try {
    decodeSafetensors(bytes, 'ckpt.safetensors');
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(SafetensorsError);
  expect((err as Error).message).toMatch(/^ckpt\.safetensors: /);
  expect((err as Error).message).toMatch(pattern);
}

describe('safetensors format', () => {
  it('reads a file written by the reference implementation', () => {
    const f = decodeSafetensors(new Uint8Array(Buffer.from(REFERENCE_FILE, 'base64')));
    expect(f.metadata).toEqual({ step: '12', note: 'é' });
    expect([...f.tensors.keys()]).toEqual(['s', 'w', 'mask', 'i', 'bytes']);
    expect(f.tensors.get('w')).toEqual({ dtype: 'F32', shape: [2, 3], data: new Float32Array([0, 0.5, 1, 1.5, 2, 2.5]) });
    expect(f.tensors.get('s')).toEqual({ dtype: 'F32', shape: [], data: new Float32Array([-7.25]) });
    expect(f.tensors.get('mask')).toEqual({ dtype: 'U32', shape: [3], data: new Uint32Array([1, 0, 3]) });
    expect(f.tensors.get('i')).toEqual({ dtype: 'I32', shape: [2], data: new Int32Array([-2, 2 ** 31 - 1]) });
    expect(f.tensors.get('bytes')).toEqual({ dtype: 'U8', shape: [2], data: new Uint8Array([255, 1]) });
  });

  it('writes the documented byte layout: u64 header length, space-padded JSON, packed little-endian data', () => {
    const bytes = encodeSafetensors([['a', tensor(new Float32Array([1, -2]), [2])]]);
    const json = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'; // 54 bytes → padded to 56
    expect([...bytes.subarray(0, 8)]).toEqual([56, 0, 0, 0, 0, 0, 0, 0]);
    expect(new TextDecoder().decode(bytes.subarray(8, 64))).toBe(json + '  ');
    // 1.0f = 0x3f800000, −2.0f = 0xc0000000, little-endian
    expect([...bytes.subarray(64)]).toEqual([0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0]);
    expect(bytes.length).toBe(72);
  });

  it('round-trips every dtype, scalar and empty shapes, metadata and odd name lengths, always 8-byte aligned', () => {
    for (let extra = 0; extra < 9; extra++) {
      const name = `view${'x'.repeat(extra)}`;
      const tensors: [string, Tensor][] = [
        [name, tensor(new Float32Array([Math.PI, -0, Infinity, NaN, 1e-45]), [5])],
        ['mask', tensor(new Uint32Array([0, 1, 0xffffffff]), [3, 1])],
        ['u8', tensor(new Uint8Array([7, 8, 9]), [3])],
        ['i32', tensor(new Int32Array([-1]), [])],
        ['empty', tensor(new Float32Array(0), [0, 4])],
      ];
      const bytes = encodeSafetensors(tensors, { step: '3', config: '{"a":[1,2]}' });
      const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
      expect((8 + headerLength) % 8).toBe(0);
      const back = decodeSafetensors(bytes);
      expect(back.metadata).toEqual({ step: '3', config: '{"a":[1,2]}' });
      expect([...back.tensors.keys()]).toEqual(tensors.map(([n]) => n));
      for (const [n, t] of tensors) {
        const got = back.tensors.get(n)!;
        expect(got.dtype).toBe(t.dtype);
        expect(got.shape).toEqual(t.shape);
        expect(Buffer.from(got.data.buffer, got.data.byteOffset, got.data.byteLength).equals(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength))).toBe(true);
      }
    }
  });

  it('refuses to write inconsistent tensors', () => {
    expect(() => encodeSafetensors([['a', tensor(new Float32Array(3), [2, 2])]])).toThrow(/shape \[2, 2\] \(4 elements\) but 3 values/);
    expect(() => encodeSafetensors([['a', { dtype: 'U32', shape: [1], data: new Float32Array(1) }]])).toThrow(/declared U32 but holds F32/);
    expect(() => encodeSafetensors([['a', tensor(new Float32Array(1), [1])], ['a', tensor(new Float32Array(1), [1])]])).toThrow(/given twice/);
    expect(() => encodeSafetensors([['__metadata__', tensor(new Float32Array(1), [1])]])).toThrow(/cannot name a tensor/);
  });

  it('names the problem of truncated and damaged files', () => {
    const good = encodeSafetensors([['w', tensor(new Float32Array([1, 2, 3, 4]), [2, 2])]], { step: '1' });
    expectError(new Uint8Array(0), /0 bytes.*empty or truncated/);
    expectError(good.subarray(0, 5), /5 bytes.*8-byte header length/);
    expectError(good.subarray(0, 20), /header of \d+ bytes but the file has only 12.*truncated/);
    expectError(good.subarray(0, good.length - 1), /tensor "w" ends at byte 16 of the data section, which holds only 15 bytes: truncated/);
    expectError(new Uint8Array([...good, 0, 0, 0, 0]), /holds 20 bytes but the tensors cover 16: trailing/);
    expectError(new Uint8Array([...u64le(MAX_HEADER_BYTES + 1), 123]), /header of 100000001 bytes.*not a safetensors file/);
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
    expectError(png, /not a safetensors file/);
    expectError(rawFile('not an object'), /does not start with "\{"/);
    expectError(rawFile({}).map((b, i) => (i === 9 ? 0xff : b)), /not valid UTF-8/);
    const broken = rawFile({ a: 1 });
    broken[broken.length - 2] = 0x2c; // a comma inside the padding: invalid JSON
    expectError(broken, /not valid JSON/);
  });

  it('checks every entry of the header', () => {
    const data = new Uint8Array(8);
    expectError(rawFile({ w: { dtype: 'BF16', shape: [4], data_offsets: [0, 8] } }, data), /tensor "w" has dtype "BF16"; this reader supports F32, U32, I32, U8/);
    expectError(rawFile({ w: { dtype: 'F32', shape: [2, -1], data_offsets: [0, 8] } }, data), /tensor "w" has an invalid shape \[2,-1\]/);
    expectError(rawFile({ w: { dtype: 'F32', shape: [2], data_offsets: [8, 0] } }, data), /invalid data_offsets \[8,0\]/);
    expectError(rawFile({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, data), /tensor "w" \(F32, shape \[3\]\) needs 12 bytes but its data_offsets span 8/);
    expectError(rawFile({ w: 5 }, data), /tensor "w": its entry is not an object/);
    expectError(
      rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, data),
      /tensor "b" starts at byte 0 of the data section, expected 4 \(tensors overlap or leave a gap\)/,
    );
    expectError(rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, data), /starts at byte 4.*expected 0/);
    expectError(rawFile({ __metadata__: { step: 3 } }), /metadata "step" is not a string/);
    expectError(rawFile({ __metadata__: [] }), /"__metadata__" must be an object of strings/);
  });

  it('keeps hostile names as plain data (no prototype pollution)', () => {
    const bytes = rawJson('{"__metadata__":{"__proto__":"x"},"__proto__":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', new Uint8Array([5]));
    const f = decodeSafetensors(bytes);
    expect(f.tensors.get('__proto__')?.data).toEqual(new Uint8Array([5]));
    expect(Object.getPrototypeOf(f.metadata)).toBe(Object.prototype);
    expect(Object.keys(f.metadata)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).dtype).toBeUndefined();
  });
});
