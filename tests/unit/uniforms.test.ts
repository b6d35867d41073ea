import { describe, expect, it } from 'vitest';
import { packUniforms, uniformLayout } from '../../src/gpu/uniforms';

describe('uniform packing follows WGSL alignment', () => {
  it('places scalars at consecutive 4-byte offsets and pads the struct to 16', () => {
    const l = uniformLayout([
      { name: 'a', type: 'u32' },
      { name: 'b', type: 'f32' },
      { name: 'c', type: 'i32' },
    ]);
    expect(l.fields.map((f) => f.offset)).toEqual([0, 4, 8]);
    expect(l.byteSize).toBe(16);
  });

  it('aligns vec2 to 8 and vec3/vec4 to 16 (WGSL spec table)', () => {
    const l = uniformLayout([
      { name: 'x', type: 'f32' },
      { name: 'v2', type: 'vec2<f32>' },
      { name: 'y', type: 'u32' },
      { name: 'v3', type: 'vec3<f32>' },
      { name: 'z', type: 'f32' },
      { name: 'v4', type: 'vec4<u32>' },
    ]);
    // x@0, v2@8 (align 8), y@16, v3@32 (align 16, size 12), z@44 (fits after vec3), v4@48.
    expect(l.fields.map((f) => f.offset)).toEqual([0, 8, 16, 32, 44, 48]);
    expect(l.byteSize).toBe(64);
  });

  it('writes little-endian values of each scalar type', () => {
    const l = uniformLayout([
      { name: 'n', type: 'u32' },
      { name: 'lr', type: 'f32' },
      { name: 's', type: 'i32' },
      { name: 'v', type: 'vec2<f32>' },
    ]);
    const buf = packUniforms(l, { n: 0xfffffffe, lr: 0.1, s: -3, v: [1.5, -2] });
    const dv = new DataView(buf);
    expect(dv.getUint32(0, true)).toBe(0xfffffffe);
    expect(dv.getFloat32(4, true)).toBeCloseTo(0.1, 7);
    expect(dv.getInt32(8, true)).toBe(-3);
    expect([dv.getFloat32(16, true), dv.getFloat32(20, true)]).toEqual([1.5, -2]);
  });

  it('rejects missing, unknown, mis-sized and out-of-range values', () => {
    const l = uniformLayout([
      { name: 'n', type: 'u32' },
      { name: 'v', type: 'vec2<f32>' },
    ]);
    expect(() => packUniforms(l, { v: [1, 2] })).toThrow(/missing value for "n"/);
    expect(() => packUniforms(l, { n: 1, v: [1, 2], w: 3 })).toThrow(/unknown field "w"/);
    expect(() => packUniforms(l, { n: 1, v: [1] })).toThrow(/vec2<f32>, got 1/);
    expect(() => packUniforms(l, { n: -1, v: [1, 2] })).toThrow(/not a u32/);
    expect(() => packUniforms(l, { n: 1.5, v: [1, 2] })).toThrow(/not a u32/);
    expect(() => uniformLayout([{ name: 'a', type: 'u32' }, { name: 'a', type: 'f32' }])).toThrow(/twice/);
  });
});
