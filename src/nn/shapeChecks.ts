// Shape and buffer-size checks shared by the layer builders: they run once when a model is
// planned and throw a message naming the kernel, the field and the value.

/** Throws unless every listed field is an integer ≥ `min` (default 1). */
export function requireIntegers(label: string, fields: Readonly<Record<string, number>>, min = 1): void {
  for (const [name, value] of Object.entries(fields)) {
    if (!Number.isInteger(value) || value < min) throw new Error(`${label}: ${name} = ${value} must be an integer ≥ ${min}`);
  }
}

/** Throws unless a binding holds at least `count` 4-byte elements (see src/gpu/binding.ts). */
export { requireElements } from '../gpu/binding';

/** Workgroup-size constants must be powers of two where a kernel reduces by halving. */
export function requirePowerOfTwo(label: string, name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1 || (value & (value - 1)) !== 0) throw new Error(`${label}: ${name} = ${value} must be a power of two`);
}
