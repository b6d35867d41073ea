// CPU references of shaders/nn/layernorm.wgsl, in double precision (N rows of C channels).
type Arr = ArrayLike<number>;

export interface LayernormForwardRef {
  out: Float64Array; // (N, C)
  mean: Float64Array; // (N)
  rstd: Float64Array; // (N)
}

export function layernormForwardRef(x: Arr, weight: Arr, bias: Arr, N: number, C: number, eps = 1e-5): LayernormForwardRef {
  const out = new Float64Array(N * C);
  const mean = new Float64Array(N);
  const rstd = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    let m = 0;
    for (let c = 0; c < C; c++) m += x[n * C + c];
    m /= C;
    let v = 0;
    for (let c = 0; c < C; c++) v += (x[n * C + c] - m) ** 2;
    const r = 1 / Math.sqrt(v / C + eps);
    for (let c = 0; c < C; c++) out[n * C + c] = (x[n * C + c] - m) * r * weight[c] + bias[c];
    mean[n] = m;
    rstd[n] = r;
  }
  return { out, mean, rstd };
}

/** dinp (N,C), dweight (C), dbias (C) given dout, recomputing mean and rstd from x. */
export function layernormBackwardRef(
  x: Arr,
  weight: Arr,
  dout: Arr,
  N: number,
  C: number,
  eps = 1e-5,
): { dinp: Float64Array; dweight: Float64Array; dbias: Float64Array } {
  const { mean, rstd } = layernormForwardRef(x, weight, new Float64Array(C), N, C, eps);
  const dinp = new Float64Array(N * C);
  const dweight = new Float64Array(C);
  const dbias = new Float64Array(C);
  for (let n = 0; n < N; n++) {
    let a = 0;
    let b = 0;
    for (let c = 0; c < C; c++) {
      const norm = (x[n * C + c] - mean[n]) * rstd[n];
      const dnorm = dout[n * C + c] * weight[c];
      a += dnorm;
      b += dnorm * norm;
      dweight[c] += dout[n * C + c] * norm;
      dbias[c] += dout[n * C + c];
    }
    a /= C;
    b /= C;
    for (let c = 0; c < C; c++) {
      const norm = (x[n * C + c] - mean[n]) * rstd[n];
      dinp[n * C + c] = (dout[n * C + c] * weight[c] - a - norm * b) * rstd[n];
    }
  }
  return { dinp, dweight, dbias };
}
