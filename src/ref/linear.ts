// CPU references of the linear layer (src/nn/linear.ts) and the bias column reduction
// (shaders/nn/bias.wgsl), in double precision. Inputs may be Float32Array or Float64Array.
type Arr = ArrayLike<number>;

/** out (N,OC) = inp (N,C) · weight (OC,C)ᵀ + bias (OC). */
export function linearForwardRef(inp: Arr, weight: Arr, bias: Arr | undefined, N: number, C: number, OC: number): Float64Array {
  const out = new Float64Array(N * OC);
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < OC; o++) {
      let s = bias ? bias[o] : 0;
      for (let c = 0; c < C; c++) s += inp[n * C + c] * weight[o * C + c];
      out[n * OC + o] = s;
    }
  }
  return out;
}

/** dbias (OC) = Σ_n dout[n, :]. */
export function biasBackwardRef(dout: Arr, N: number, OC: number): Float64Array {
  const db = new Float64Array(OC);
  for (let n = 0; n < N; n++) for (let o = 0; o < OC; o++) db[o] += dout[n * OC + o];
  return db;
}

/** dinp (N,C) = dout·weight, dweight (OC,C) = doutᵀ·inp, dbias (OC) = column sums of dout. */
export function linearBackwardRef(
  dout: Arr,
  inp: Arr,
  weight: Arr,
  N: number,
  C: number,
  OC: number,
): { dinp: Float64Array; dweight: Float64Array; dbias: Float64Array } {
  const dinp = new Float64Array(N * C);
  const dweight = new Float64Array(OC * C);
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < OC; o++) {
      const g = dout[n * OC + o];
      for (let c = 0; c < C; c++) {
        dinp[n * C + c] += g * weight[o * C + c];
        dweight[o * C + c] += g * inp[n * C + c];
      }
    }
  }
  return { dinp, dweight, dbias: biasBackwardRef(dout, N, OC) };
}
