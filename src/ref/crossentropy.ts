// CPU reference of shaders/nn/crossentropy.wgsl, in double precision.
type Arr = ArrayLike<number>;

export interface CrossEntropyRef {
  losses: Float64Array; // (N)
  dlogits: Float64Array; // (N, V)
  correct: Float64Array; // (N)
}

/** Per-row loss, (softmax − onehot)·scale and argmax == target; targets ≥ V are ignored rows. */
export function crossEntropyRef(logits: Arr, targets: Arr, N: number, V: number, scale = 1 / N): CrossEntropyRef {
  const losses = new Float64Array(N);
  const dlogits = new Float64Array(N * V);
  const correct = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    const target = targets[n];
    if (target >= V) continue;
    let mx = -Infinity;
    let arg = 0;
    for (let i = 0; i < V; i++) {
      if (logits[n * V + i] > mx) {
        mx = logits[n * V + i];
        arg = i;
      }
    }
    let sum = 0;
    for (let i = 0; i < V; i++) sum += Math.exp(logits[n * V + i] - mx);
    losses[n] = Math.log(sum) + mx - logits[n * V + target];
    correct[n] = arg === target ? 1 : 0;
    for (let i = 0; i < V; i++) dlogits[n * V + i] = (Math.exp(logits[n * V + i] - mx) / sum - (i === target ? 1 : 0)) * scale;
  }
  return { losses, dlogits, correct };
}

/**
 * The derivative of crossEntropyRef's dlogits along a tangent ż of the logits: per row,
 * scale·J ż with J = diag(p) − ppᵀ the softmax Jacobian (p = softmax(logits)); zero on ignored rows.
 */
export function crossEntropyTangentRef(logits: Arr, targets: Arr, zdot: Arr, N: number, V: number, scale = 1 / N): Float64Array {
  const out = new Float64Array(N * V);
  for (let n = 0; n < N; n++) {
    if (targets[n] >= V) continue;
    let mx = -Infinity;
    for (let i = 0; i < V; i++) mx = Math.max(mx, logits[n * V + i]);
    const p = new Float64Array(V);
    let sum = 0;
    for (let i = 0; i < V; i++) sum += p[i] = Math.exp(logits[n * V + i] - mx);
    for (let i = 0; i < V; i++) p[i] /= sum;
    for (let i = 0; i < V; i++) {
      let jz = 0; // row i of (diag(p) − ppᵀ) times ż
      for (let k = 0; k < V; k++) jz += ((i === k ? p[i] : 0) - p[i] * p[k]) * zdot[n * V + k];
      out[n * V + i] = scale * jz;
    }
  }
  return out;
}
