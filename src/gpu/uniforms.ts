// Packs a kernel's `Params` uniform struct following WGSL's host-shareable layout rules
// (WGSL spec, "Alignment and Size"): each member is placed at the next multiple of its
// alignment, and the struct's size is rounded up to its largest alignment. Uniform buffers
// also need the size to be a multiple of 16, which this packer guarantees.

export type UniformScalar = 'u32' | 'i32' | 'f32';
export type UniformType = UniformScalar | `vec2<${UniformScalar}>` | `vec3<${UniformScalar}>` | `vec4<${UniformScalar}>`;

export interface UniformField {
  name: string;
  type: UniformType;
}

interface FieldPlacement {
  name: string;
  type: UniformType;
  scalar: UniformScalar;
  components: number;
  offset: number;
}

export interface UniformLayout {
  fields: FieldPlacement[];
  /** Byte size of the struct, a multiple of 16. */
  byteSize: number;
}

function shapeOf(type: UniformType): { scalar: UniformScalar; components: number; align: number; size: number } {
  const m = /^vec([234])<(u32|i32|f32)>$/.exec(type);
  if (!m) return { scalar: type as UniformScalar, components: 1, align: 4, size: 4 };
  const n = Number(m[1]);
  const scalar = m[2] as UniformScalar;
  return { scalar, components: n, align: n === 2 ? 8 : 16, size: n * 4 };
}

const roundUp = (x: number, a: number) => Math.ceil(x / a) * a;

/** Computes member offsets once; reuse the layout for every packing. */
export function uniformLayout(fields: readonly UniformField[]): UniformLayout {
  const names = new Set<string>();
  let offset = 0;
  let maxAlign = 4;
  const placed: FieldPlacement[] = [];
  for (const f of fields) {
    if (names.has(f.name)) throw new Error(`uniformLayout: field "${f.name}" appears twice`);
    names.add(f.name);
    const s = shapeOf(f.type);
    offset = roundUp(offset, s.align);
    placed.push({ name: f.name, type: f.type, scalar: s.scalar, components: s.components, offset });
    offset += s.size;
    maxAlign = Math.max(maxAlign, s.align);
  }
  return { fields: placed, byteSize: roundUp(roundUp(offset, maxAlign), 16) };
}

export type UniformValues = Record<string, number | readonly number[]>;

/** Writes `values` into `target` (or a new buffer) at the layout's offsets. Every field must be given. */
export function packUniforms(layout: UniformLayout, values: UniformValues, target?: ArrayBuffer): ArrayBuffer {
  const buf = target ?? new ArrayBuffer(layout.byteSize);
  if (buf.byteLength < layout.byteSize) throw new Error(`packUniforms: target holds ${buf.byteLength} bytes, needs ${layout.byteSize}`);
  const view = new DataView(buf);
  for (const f of layout.fields) {
    const v = values[f.name];
    if (v === undefined) throw new Error(`packUniforms: missing value for "${f.name}"`);
    const comps = typeof v === 'number' ? [v] : v;
    if (comps.length !== f.components) {
      throw new Error(`packUniforms: "${f.name}" is ${f.type}, got ${comps.length} component(s)`);
    }
    for (let i = 0; i < comps.length; i++) {
      const at = f.offset + 4 * i;
      const x = comps[i];
      if (f.scalar === 'f32') view.setFloat32(at, x, true);
      else if (f.scalar === 'u32') {
        if (!Number.isInteger(x) || x < 0 || x > 0xffffffff) throw new Error(`packUniforms: "${f.name}" = ${x} is not a u32`);
        view.setUint32(at, x, true);
      } else {
        if (!Number.isInteger(x) || x < -0x80000000 || x > 0x7fffffff) throw new Error(`packUniforms: "${f.name}" = ${x} is not an i32`);
        view.setInt32(at, x, true);
      }
    }
  }
  for (const name of Object.keys(values)) {
    if (!layout.fields.some((f) => f.name === name)) throw new Error(`packUniforms: unknown field "${name}"`);
  }
  return buf;
}
