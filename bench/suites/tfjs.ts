// The TensorFlow.js baselines a user would pick instead of ours: gpt-tiny and the MLP
// 784-256-256-10, trained with tf.train.adam through optimizer.minimize, on TF.js's webgpu
// backend (the same adapter as ours) and on its wasm backend with 2 threads. A step ends when
// the loss has been read back (`await loss.data()`), so the time is the real time of a step.
// Data is one fixed random batch from the seeded Rng: the time of a step does not depend on it.
import type * as TF from '@tensorflow/tfjs';
import { Rng } from '../../src/util/rng';
import type { BenchEntry } from '../registry';
import type { BenchRow, RunOptions } from '../rows';
import { spread, timeSteps } from '../timing';
import { loadTf, type Tf, type TfImpl } from '../tfjs/backend';
import { buildGptTiny, GPT_TINY } from '../tfjs/gptTiny';
import { buildMlp, MLP_BATCH, MLP_WIDTHS } from '../tfjs/mlp';

/** Adam's learning rate; the time of a step does not depend on it. */
const LEARNING_RATE = 1e-3;

interface TrainablePlan {
  variables: TF.Variable[];
  loss(): TF.Scalar;
  describe: string;
}

/** Times optimizer.minimize steps; also reports the loss before and after, and tensor leaks. */
async function timeAdam(tf: Tf, plan: TrainablePlan, opts: RunOptions): Promise<{ meanMs: number; detail: string }> {
  const optimizer = tf.train.adam(LEARNING_RATE);
  const losses: number[] = [];
  const step = async () => {
    const cost = optimizer.minimize(() => plan.loss(), true, plan.variables);
    if (!cost) throw new Error('optimizer.minimize returned no cost');
    losses.push((await cost.data())[0]);
    cost.dispose();
  };
  try {
    await step(); // first step builds the pipelines/kernels and Adam's slots; counts as warm-up
    const before = tf.memory().numTensors;
    const t = await timeSteps(step, Math.max(0, opts.warmup - 1), opts.iters);
    const leaked = tf.memory().numTensors - before;
    const loss = `loss ${losses[0].toFixed(3)} → ${losses[losses.length - 1].toFixed(3)}`;
    return { meanMs: t.meanMs, detail: `${plan.describe}; ${loss}; ${spread(t)}${leaked ? `; ${leaked} tensors leaked per run` : ''}` };
  } finally {
    optimizer.dispose();
  }
}

async function benchGptTiny(impl: TfImpl, opts: RunOptions): Promise<Partial<BenchRow>> {
  const { tf, detail } = await loadTf(impl);
  const shape = { ...GPT_TINY, V: opts.vocab };
  const { B, T, V } = shape;
  const model = buildGptTiny(tf, shape, 1337);
  const rng = new Rng(1337, 1);
  const tokens = Int32Array.from({ length: B * (T + 1) }, () => rng.int(V));
  const idx = tf.tensor2d(Int32Array.from({ length: B * T }, (_, i) => tokens[Math.floor(i / T) * (T + 1) + (i % T)]), [B, T], 'int32'); // (B,T)
  const targets = tf.tensor2d(Int32Array.from({ length: B * T }, (_, i) => tokens[Math.floor(i / T) * (T + 1) + (i % T) + 1]), [B, T], 'int32'); // (B,T)
  try {
    const r = await timeAdam(tf, { variables: model.variables, loss: () => model.loss(idx, targets), describe: `${detail}; B=${B} T=${T} C=${shape.C} NH=${shape.NH} L=${shape.L} V=${V}, ${model.parameterCount} params` }, opts);
    return { ms_per_step: r.meanMs, tokens_per_s: (B * T * 1000) / r.meanMs, warmup: Math.max(1, opts.warmup), iters: opts.iters, detail: r.detail };
  } finally {
    model.dispose();
    idx.dispose();
    targets.dispose();
  }
}

async function benchMlp(impl: TfImpl, opts: RunOptions): Promise<Partial<BenchRow>> {
  const { tf, detail } = await loadTf(impl);
  const model = buildMlp(tf, MLP_WIDTHS, 1337);
  const rng = new Rng(1337, 2);
  const x = tf.tensor2d(rng.uniformArray(MLP_BATCH * MLP_WIDTHS[0], 0, 1), [MLP_BATCH, MLP_WIDTHS[0]]); // (B,784)
  const labels = tf.oneHot(tf.tensor1d(Int32Array.from({ length: MLP_BATCH }, () => rng.int(10)), 'int32'), 10) as TF.Tensor2D; // (B,10)
  try {
    const r = await timeAdam(tf, { variables: model.variables, loss: () => model.loss(x, labels), describe: `${detail}; B=${MLP_BATCH}, ${MLP_WIDTHS.join('-')}, ${model.parameterCount} params` }, opts);
    return { ms_per_step: r.meanMs, images_per_s: (MLP_BATCH * 1000) / r.meanMs, warmup: Math.max(1, opts.warmup), iters: opts.iters, detail: r.detail };
  } finally {
    model.dispose();
    x.dispose();
    labels.dispose();
  }
}

export function tfjsEntries(): BenchEntry[] {
  const impls: TfImpl[] = ['tfjs-webgpu', 'tfjs-wasm'];
  return impls.flatMap((impl): BenchEntry[] => [
    { suite: 'gpt-tiny', name: 'train step', impl, optimizer: 'adam', slow: impl === 'tfjs-webgpu', run: (o) => benchGptTiny(impl, o) },
    { suite: 'mlp', name: 'train step', impl, optimizer: 'adam', run: (o) => benchMlp(impl, o) },
  ]);
}
