// CPU reference of shaders/nn/mse.wgsl, in double precision.
import type { CrossEntropyRef } from './crossentropy';

type Arr = ArrayLike<number>;

/** Per-row ½‖z − onehot‖², (z − onehot)·scale and argmax == target (ties: the lowest index); targets ≥ V are ignored rows. */
export function squareLossRef(logits: Arr, targets: Arr, N: number, V: number, scale = 1 / N): CrossEntropyRef {
  const losses = new Float64Array(N);
  const dlogits = new Float64Array(N * V);
  const correct = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    const target = targets[n];
    if (target >= V) continue;
    let arg = 0;
    let sum = 0;
    for (let i = 0; i < V; i++) {
      const z = logits[n * V + i];
      if (z > logits[n * V + arg]) arg = i;
      const r = z - (i === target ? 1 : 0);
      sum += r * r;
      dlogits[n * V + i] = r * scale;
    }
    losses[n] = 0.5 * sum;
    correct[n] = arg === target ? 1 : 0;
  }
  return { losses, dlogits, correct };
}

/** The derivative of squareLossRef's dlogits along ż: scale·ż, zero on ignored rows. */
export function squareLossTangentRef(targets: Arr, zdot: Arr, N: number, V: number, scale = 1 / N): Float64Array {
  const out = new Float64Array(N * V);
  for (let n = 0; n < N; n++) if (targets[n] < V) for (let i = 0; i < V; i++) out[n * V + i] = scale * zdot[n * V + i];
  return out;
}
