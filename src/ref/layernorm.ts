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

/**
 * Tangent of layernormForwardRef along (ẋ, ẇ, ḃ): out = ṅorm·weight + norm·ẇ + ḃ with
 * ṅorm = rstd·(ẋ − mean(ẋ) − norm·mean(norm·ẋ)), which is returned too.
 */
export function layernormForwardTangentRef(
  x: Arr,
  xdot: Arr,
  weight: Arr,
  weightDot: Arr,
  biasDot: Arr,
  N: number,
  C: number,
  eps = 1e-5,
): { out: Float64Array; normDot: Float64Array } {
  const { mean, rstd } = layernormForwardRef(x, weight, new Float64Array(C), N, C, eps);
  const out = new Float64Array(N * C);
  const normDot = new Float64Array(N * C);
  for (let n = 0; n < N; n++) {
    const norm = (c: number) => (x[n * C + c] - mean[n]) * rstd[n];
    let mx = 0;
    let mnx = 0;
    for (let c = 0; c < C; c++) {
      mx += xdot[n * C + c] / C;
      mnx += (norm(c) * xdot[n * C + c]) / C;
    }
    for (let c = 0; c < C; c++) {
      const nd = rstd[n] * (xdot[n * C + c] - mx - norm(c) * mnx);
      normDot[n * C + c] = nd;
      out[n * C + c] = nd * weight[c] + norm(c) * weightDot[c] + biasDot[c];
    }
  }
  return { out, normDot };
}

/**
 * Tangent of layernormBackwardRef along (ẋ, ẇ, ḋout): the derivatives of dinp, dweight and dbias,
 * written out term by term from dinp = rstd·(g − mean(g) − norm·mean(g·norm)), g = dout·weight.
 */
export function layernormBackwardTangentRef(
  x: Arr,
  xdot: Arr,
  weight: Arr,
  weightDot: Arr,
  dout: Arr,
  doutDot: Arr,
  N: number,
  C: number,
  eps = 1e-5,
): { dinp: Float64Array; dweight: Float64Array; dbias: Float64Array } {
  const { mean, rstd } = layernormForwardRef(x, weight, new Float64Array(C), N, C, eps);
  const { normDot } = layernormForwardTangentRef(x, xdot, weight, weightDot, new Float64Array(C), N, C, eps);
  const dinp = new Float64Array(N * C);
  const dweight = new Float64Array(C);
  const dbias = new Float64Array(C);
  for (let n = 0; n < N; n++) {
    const r = rstd[n];
    const at = (c: number) => n * C + c;
    const norm = (c: number) => (x[at(c)] - mean[n]) * r;
    const g = (c: number) => dout[at(c)] * weight[c];
    const gd = (c: number) => doutDot[at(c)] * weight[c] + dout[at(c)] * weightDot[c];
    let mnx = 0; // mean(norm·ẋ)
    let A = 0; // mean(g)
    let M = 0; // mean(g·norm)
    let Ad = 0; // its tangent: mean(ġ)
    let Md = 0; // mean(ġ·norm + g·ṅorm)
    for (let c = 0; c < C; c++) {
      mnx += (norm(c) * xdot[at(c)]) / C;
      A += g(c) / C;
      M += (g(c) * norm(c)) / C;
      Ad += gd(c) / C;
      Md += (gd(c) * norm(c) + g(c) * normDot[at(c)]) / C;
    }
    const rd = -r * r * mnx; // rstd' = −rstd²·mean(norm·ẋ)
    for (let c = 0; c < C; c++) {
      dinp[at(c)] = rd * (g(c) - A - norm(c) * M) + r * (gd(c) - Ad - normDot[at(c)] * M - norm(c) * Md);
      dweight[c] += doutDot[at(c)] * norm(c) + dout[at(c)] * normDot[at(c)];
      dbias[c] += doutDot[at(c)];
    }
  }
  return { dinp, dweight, dbias };
}
