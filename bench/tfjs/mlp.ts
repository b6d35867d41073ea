// The MLP 784-256-256-10 (ReLU) in TensorFlow.js, He-initialised, mean softmax cross-entropy.
import type * as TF from '@tensorflow/tfjs';
import type { Tf } from './backend';

export const MLP_WIDTHS = [784, 256, 256, 10] as const;
export const MLP_BATCH = 128;

export interface TfMlp {
  variables: TF.Variable[];
  parameterCount: number;
  /** x is (B,784) float32, labels (B,10) one-hot. */
  loss(x: TF.Tensor2D, labels: TF.Tensor2D): TF.Scalar;
  dispose(): void;
}

export function buildMlp(tf: Tf, widths: readonly number[], seed: number): TfMlp {
  const layers: { w: TF.Variable; b: TF.Variable }[] = [];
  for (let i = 0; i + 1 < widths.length; i++) {
    const [fanIn, fanOut] = [widths[i], widths[i + 1]];
    layers.push({
      w: tf.variable(tf.randomNormal([fanIn, fanOut], 0, Math.sqrt(2 / fanIn), 'float32', seed + i), true, `fc${i}.w`), // (in,out)
      b: tf.variable(tf.zeros([fanOut]), true, `fc${i}.b`), // (out)
    });
  }
  const variables = layers.flatMap((l) => [l.w, l.b]);
  return {
    variables,
    parameterCount: variables.reduce((n, v) => n + v.size, 0),
    loss(x, labels) {
      let h: TF.Tensor2D = x;
      layers.forEach((l, i) => {
        const z = tf.add(tf.matMul(h, l.w), l.b) as TF.Tensor2D;
        h = i + 1 < layers.length ? tf.relu(z) : z;
      });
      return tf.losses.softmaxCrossEntropy(labels, h) as TF.Scalar;
    },
    dispose() {
      for (const v of variables) v.dispose();
    },
  };
}
