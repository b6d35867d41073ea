// CPU references of shaders/nn/embedding.wgsl, in double precision.
type Arr = ArrayLike<number>;

/** out (B,T,C) = wte[tok] + wpe[t]; a token ≥ V contributes zeros. */
export function embeddingForwardRef(tokens: Arr, wte: Arr, wpe: Arr, B: number, T: number, C: number, V: number): Float64Array {
  const out = new Float64Array(B * T * C);
  for (let p = 0; p < B * T; p++) {
    const t = p % T;
    const tok = tokens[p];
    for (let c = 0; c < C; c++) out[p * C + c] = wpe[t * C + c] + (tok < V ? wte[tok * C + c] : 0);
  }
  return out;
}

/** dwte (V,C) and dwpe (T,C) of the forward above. */
export function embeddingBackwardRef(tokens: Arr, dout: Arr, B: number, T: number, C: number, V: number): { dwte: Float64Array; dwpe: Float64Array } {
  const dwte = new Float64Array(V * C);
  const dwpe = new Float64Array(T * C);
  for (let p = 0; p < B * T; p++) {
    const t = p % T;
    const tok = tokens[p];
    for (let c = 0; c < C; c++) {
      if (tok < V) dwte[tok * C + c] += dout[p * C + c];
      dwpe[t * C + c] += dout[p * C + c];
    }
  }
  return { dwte, dwpe };
}
