// CPU reference of the MLP classifier (src/nn/mlp.ts) in double precision: the mean cross-entropy
// (or square loss) over a batch and its gradient in the model's flat parameter layout, with ReLU
// or GELU hidden layers, from the layer references.
// Used to check whole-model Hessian-vector products against a central difference of gradients.
import type { ParamLayout } from '../nn/paramLayout';
import { crossEntropyRef } from './crossentropy';
import { squareLossRef } from './mse';
import { linearBackwardRef, linearForwardRef } from './linear';
import { geluBackwardRef, geluForwardRef } from './gelu';
import { reluBackwardRef, reluForwardRef } from './relu';

type Arr = ArrayLike<number>;

export interface MlpRefResult {
  loss: number; // mean over the batch
  grad: Float64Array; // (P) flat, 0 on padding
  /** Smallest |pre-activation| of any hidden unit: a perturbation that moves none by as much crosses no ReLU kink (GELU: none to cross). */
  kinkMargin: number;
  /** Which hidden pre-activations are positive: equal patterns at θ ± εv mean no kink between. */
  pattern: number[];
}

/** Loss and gradient of the MLP with `widths` (inputs, hidden…, classes) at flat params `theta`. */
export function mlpLossAndGradRef(
  layout: ParamLayout,
  widths: readonly number[],
  theta: Arr,
  images: Arr,
  targets: Arr,
  B: number,
  loss: 'cross-entropy' | 'mse' = 'cross-entropy',
  activation: 'relu' | 'gelu' = 'relu',
): MlpRefResult {
  const view = (name: string) => {
    const v = layout.views.find((x) => x.name === name);
    if (!v) throw new Error(`mlpLossAndGradRef: no view ${name}`);
    return v;
  };
  const slice = (name: string) => {
    const v = view(name);
    return Array.from({ length: v.size }, (_, k) => theta[v.offset + k]);
  };
  const layers = widths.length - 1;
  const acts: Float64Array[] = [Float64Array.from(images)];
  const pres: Float64Array[] = []; // pres[i]: z_i of hidden layer i
  let kinkMargin = Infinity;
  const pattern: number[] = [];
  let logits: Arr = [];
  for (let i = 0; i < layers; i++) {
    const z = linearForwardRef(acts[i], slice(`fc${i}.w`), slice(`fc${i}.b`), B, widths[i], widths[i + 1]);
    if (i + 1 < layers) {
      for (const x of z) {
        kinkMargin = Math.min(kinkMargin, Math.abs(x));
        pattern.push(x > 0 ? 1 : 0);
      }
      pres.push(z);
      acts.push(activation === 'gelu' ? geluForwardRef(z) : reluForwardRef(z));
    } else logits = z;
  }
  const ce = (loss === 'mse' ? squareLossRef : crossEntropyRef)(logits, targets, B, widths[layers], 1 / B);
  const grad = new Float64Array(layout.total);
  let delta: Float64Array = ce.dlogits;
  for (let i = layers - 1; i >= 0; i--) {
    const g = linearBackwardRef(delta, acts[i], slice(`fc${i}.w`), B, widths[i], widths[i + 1]);
    grad.set(g.dweight, view(`fc${i}.w`).offset);
    grad.set(g.dbias, view(`fc${i}.b`).offset);
    if (i > 0) delta = activation === 'gelu' ? geluBackwardRef(pres[i - 1], g.dinp) : reluBackwardRef(acts[i], g.dinp);
  }
  return { loss: ce.losses.reduce((a, b) => a + b, 0) / B, grad, kinkMargin, pattern };
}
