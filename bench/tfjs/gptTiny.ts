// gpt-tiny in TensorFlow.js, written the way a user would with tf ops: token + learned position
// embeddings, L pre-layernorm blocks (causal self-attention, GELU MLP 4×), final layernorm,
// head tied to the token embedding, mean cross-entropy over all B·T positions. The embedding
// lookup is a one-hot matmul (see loss()). Initialisation follows GPT-2 (N(0, 0.02), residual
// projections scaled by 1/√(2L)); it only matters for the loss value, not for the step time.
import type * as TF from '@tensorflow/tfjs';
import type { Tf } from './backend';

export interface GptTinyShape {
  B: number; // batch
  T: number; // context
  C: number; // channels
  NH: number; // heads
  L: number; // layers
  V: number; // vocabulary
}

export const GPT_TINY: Omit<GptTinyShape, 'V'> = { B: 16, T: 64, C: 128, NH: 4, L: 2 };

interface Block {
  ln1g: TF.Variable; // (C)
  ln1b: TF.Variable; // (C)
  wqkv: TF.Variable; // (C,3C)
  bqkv: TF.Variable; // (3C)
  wproj: TF.Variable; // (C,C)
  bproj: TF.Variable; // (C)
  ln2g: TF.Variable; // (C)
  ln2b: TF.Variable; // (C)
  wfc: TF.Variable; // (C,4C)
  bfc: TF.Variable; // (4C)
  wfc2: TF.Variable; // (4C,C)
  bfc2: TF.Variable; // (C)
}

export interface TfGptTiny {
  shape: GptTinyShape;
  variables: TF.Variable[];
  parameterCount: number;
  /** Mean cross-entropy of next-token prediction; idx and targets are (B,T) int32. */
  loss(idx: TF.Tensor2D, targets: TF.Tensor2D): TF.Scalar;
  dispose(): void;
}

export function buildGptTiny(tf: Tf, s: GptTinyShape, seed: number): TfGptTiny {
  const { B, T, C, NH, L, V } = s;
  if (C % NH !== 0) throw new Error(`gpt-tiny: C = ${C} is not a multiple of NH = ${NH}`);
  const hs = C / NH;
  let nextSeed = seed;
  const variables: TF.Variable[] = [];
  const normal = (shape: number[], std: number, name: string) => {
    const v = tf.variable(tf.randomNormal(shape, 0, std, 'float32', nextSeed++), true, name);
    variables.push(v);
    return v;
  };
  const constant = (shape: number[], value: number, name: string) => {
    const v = tf.variable(tf.fill(shape, value), true, name);
    variables.push(v);
    return v;
  };
  const projStd = 0.02 / Math.sqrt(2 * L);
  const wte = normal([V, C], 0.02, 'wte'); // (V,C), also the head
  const wpe = normal([T, C], 0.02, 'wpe'); // (T,C)
  const blocks: Block[] = [];
  for (let l = 0; l < L; l++) {
    blocks.push({
      ln1g: constant([C], 1, `h${l}.ln1g`),
      ln1b: constant([C], 0, `h${l}.ln1b`),
      wqkv: normal([C, 3 * C], 0.02, `h${l}.wqkv`),
      bqkv: constant([3 * C], 0, `h${l}.bqkv`),
      wproj: normal([C, C], projStd, `h${l}.wproj`),
      bproj: constant([C], 0, `h${l}.bproj`),
      ln2g: constant([C], 1, `h${l}.ln2g`),
      ln2b: constant([C], 0, `h${l}.ln2b`),
      wfc: normal([C, 4 * C], 0.02, `h${l}.wfc`),
      bfc: constant([4 * C], 0, `h${l}.bfc`),
      wfc2: normal([4 * C, C], projStd, `h${l}.wfc2`),
      bfc2: constant([C], 0, `h${l}.bfc2`),
    });
  }
  const lnfg = constant([C], 1, 'lnfg');
  const lnfb = constant([C], 0, 'lnfb');
  // (T,T): 0 on and below the diagonal, −1e9 above (future positions are masked out).
  const causalBias = tf.tidy(() => tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([T, T]), -1, 0)), -1e9));

  const layernorm = (x: TF.Tensor, g: TF.Tensor, b: TF.Tensor) => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), g), b);
  };
  // GELU, tanh approximation (GPT-2); TF.js has no fused GELU op.
  const gelu = (x: TF.Tensor) => {
    const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
    return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
  };
  const linear = (x2d: TF.Tensor, w: TF.Tensor, b: TF.Tensor) => tf.add(tf.matMul(x2d as TF.Tensor2D, w as TF.Tensor2D), b);

  function loss(idx: TF.Tensor2D, targets: TF.Tensor2D): TF.Scalar {
    // Token embedding as one-hot × wte: the gradient of tf.gather needs UnsortedSegmentSum,
    // which TF.js-WASM does not have; the same formulation runs on both backends.
    const onehot = tf.oneHot(tf.reshape(idx, [B * T]), V); // (B·T,V)
    let x: TF.Tensor = tf.add(tf.reshape(tf.matMul(onehot, wte), [B, T, C]), wpe); // (B,T,C)
    for (const blk of blocks) {
      const h = tf.reshape(layernorm(x, blk.ln1g, blk.ln1b), [B * T, C]);
      const qkv = tf.transpose(tf.reshape(linear(h, blk.wqkv, blk.bqkv), [B, T, 3, NH, hs]), [2, 0, 3, 1, 4]); // (3,B,NH,T,hs)
      const [q, k, v] = tf.unstack(qkv, 0); // each (B,NH,T,hs)
      const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(hs)), causalBias); // (B,NH,T,T)
      const y = tf.matMul(tf.softmax(scores), v); // (B,NH,T,hs)
      const merged = tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [B * T, C]); // (B·T,C)
      x = tf.add(x, tf.reshape(linear(merged, blk.wproj, blk.bproj), [B, T, C]));
      const h2 = tf.reshape(layernorm(x, blk.ln2g, blk.ln2b), [B * T, C]);
      const f = linear(gelu(linear(h2, blk.wfc, blk.bfc)), blk.wfc2, blk.bfc2); // (B·T,C)
      x = tf.add(x, tf.reshape(f, [B, T, C]));
    }
    const xf = tf.reshape(layernorm(x, lnfg, lnfb), [B * T, C]);
    const logits = tf.matMul(xf, wte, false, true); // (B·T,V)
    const labels = tf.oneHot(tf.reshape(targets, [B * T]), V); // (B·T,V)
    return tf.losses.softmaxCrossEntropy(labels, logits) as TF.Scalar;
  }

  return {
    shape: s,
    variables,
    parameterCount: variables.reduce((n, v) => n + v.size, 0),
    loss,
    dispose() {
      for (const v of variables) v.dispose();
      causalBias.dispose();
    },
  };
}
