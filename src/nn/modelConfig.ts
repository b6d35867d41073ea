// What a model is made of: the shape of each model family the engine builds (src/nn). The
// presets that fill these in, and the rest of the configuration, live in src/train/config.ts.

export interface GptConfig {
  kind: 'gpt';
  layers: number; // transformer blocks
  heads: number; // attention heads per block
  width: number; // channels C (head size = C / heads)
  context: number; // maximum sequence length T
  vocab: number; // set from the tokenizer of the dataset
  tiedHead: boolean; // the output head reuses the token embedding
}

/** Loss of an image classifier: softmax cross-entropy, or the square loss against one-hot targets. */
export type ClassifierLossName = 'cross-entropy' | 'mse';

/** Activation of an MLP's hidden layers: ReLU, or GELU (tanh form, smooth: no kinks). */
export type MlpActivationName = 'relu' | 'gelu';

/** Every MlpActivationName, for flags and checks. */
export const MLP_ACTIVATIONS: readonly MlpActivationName[] = ['relu', 'gelu'];

export interface MlpConfig {
  kind: 'mlp';
  inputs: number; // features per example (784 for MNIST)
  hidden: number[]; // widths of the hidden layers
  classes: number; // output classes
  loss?: ClassifierLossName; // default 'cross-entropy'
  activation?: MlpActivationName; // of the hidden layers; default 'relu'
}

export interface CnnConfig {
  kind: 'cnn';
  channels: number; // input channels (1 MNIST, 3 CIFAR-10)
  height: number; // input height
  width: number; // input width
  filters: [number, number]; // output channels of the two conv(3×3) → ReLU → pool stages
  pool: 'max' | 'avg'; // 2×2 pooling after each conv
  classes: number; // output classes
}

export interface ToyConfig {
  kind: 'toy'; // L(u, v) = (1 + u²) v² / 2, two parameters (docs/algorithm.md "The toy problem")
  start: [number, number]; // (u, v) at step 0
}

export type ModelConfig = GptConfig | MlpConfig | CnnConfig | ToyConfig;
