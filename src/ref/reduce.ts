// CPU references of shaders/util/reduce.wgsl (in double precision) and shaders/util/nancheck.wgsl.
import type { ReduceOp } from '../optim/reduce';

export function reduceRef(x: ArrayLike<number>, op: ReduceOp): number {
  if (op === 'max' || op === 'maxabs') {
    let m = op === 'maxabs' ? 0 : -3.4028234663852886e38;
    for (let i = 0; i < x.length; i++) m = Math.max(m, op === 'maxabs' ? Math.abs(x[i]) : x[i]);
    return m;
  }
  let s = 0;
  for (let i = 0; i < x.length; i++) s += op === 'sumsq' ? x[i] * x[i] : x[i];
  return s;
}

/** Entries whose exponent bits are all ones (NaN, +Inf, −Inf). */
export function countNonFiniteRef(x: Float32Array): number {
  const bits = new Uint32Array(x.buffer, x.byteOffset, x.length);
  let c = 0;
  for (let i = 0; i < bits.length; i++) if ((bits[i] & 0x7f800000) === 0x7f800000) c++;
  return c;
}
