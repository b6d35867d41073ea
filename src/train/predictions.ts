// Image classifiers: the class each run predicts for the first few test images, at its current
// step. The images go through the evaluation batches (stored order, as evaluate() reads them);
// each run's forward list alone fills its logits, which are read back and reduced by argmax on
// the CPU. Like evaluate(), this leaves no trace on training: parameters, gradients and
// optimizer state are only read, and the next step rewrites the batch buffers and activations.
import { encodeDispatches } from '../gpu/dispatch';
import { readRanges } from '../gpu/readback';
import { classNames } from '../data/imageDataset';
import type { Comparison } from './comparison';

export interface PredictedImages {
  step: number; // the comparison's position: steps every run has taken
  channels: number; // C
  height: number; // H
  width: number; // W
  pixels: Uint8Array; // (N, C, H, W) raw bytes 0..255 as the dataset stores them (a copy)
  labels: number[]; // (N) true class ids
  classNames: string[]; // (classes) name of each class id
  byRun: { runId: string; step: number; predicted: number[] }[]; // (N) each: argmax class, −1 when no logit is finite
}

/** Index of the largest finite value of row[offset .. offset + n); −1 when none is finite (ties: the first). */
export function argmax(row: ArrayLike<number>, offset: number, n: number): number {
  let best = -1;
  let bestValue = -Infinity;
  for (let k = 0; k < n; k++) {
    const v = row[offset + k];
    if (Number.isFinite(v) && (best < 0 || v > bestValue)) {
      best = k;
      bestValue = v;
    }
  }
  return best;
}

/**
 * The predicted class of every active run for the first `count` test images (fewer when the
 * split is smaller). Throws for a comparison that is not an image classifier.
 */
export async function predictImages(device: GPUDevice, c: Comparison, count: number): Promise<PredictedImages> {
  const data = c.data;
  const shape = c.runs[0]?.model.batch;
  if (data.kind !== 'image' || shape?.kind !== 'images') throw new Error('Predictions need an image model (mlp-mnist, cnn-mnist or cnn-cifar10)');
  if (!Number.isInteger(count) || count < 1) throw new Error(`predictImages: count ${count} must be an integer ≥ 1`);
  const d = data.dataset;
  const N = Math.min(count, d.test.count);
  const B = c.config.batchSize;
  const K = shape.classes;
  const live = c.runs.filter((r) => c.isActive(r.id));
  const logits = live.map((r) => {
    if (!r.model.logits) throw new Error(`Run ${r.id}: its model exposes no logits`);
    return r.model.logits; // (B, K)
  });
  await c.drain();
  const predicted = live.map(() => new Array<number>(N).fill(-1));
  // Evaluation batch k holds test images kB … kB + B − 1 (stored order).
  for (let k = 0; k * B < N; k++) {
    const rows = Math.min(B, N - k * B);
    c.feeder.writeEval(k);
    const encoder = device.createCommandEncoder({ label: `Predictions.batch${k}.encoder` });
    for (const run of live) encodeDispatches(encoder, run.model.forward, `Predictions.${run.id}.forward`);
    device.queue.submit([encoder.finish()]);
    const values = await readRanges(device, logits.map((buffer) => ({ buffer, size: rows * K * 4 })), 'Predictions.logits');
    values.forEach((bytes, i) => {
      const z = new Float32Array(bytes); // (rows, K)
      for (let b = 0; b < rows; b++) predicted[i][k * B + b] = argmax(z, b * K, K);
    });
  }
  const size = d.channels * d.height * d.width;
  return {
    step: c.nextStep,
    channels: d.channels,
    height: d.height,
    width: d.width,
    pixels: d.test.pixels.slice(0, N * size),
    labels: Array.from(d.test.labels.subarray(0, N)),
    classNames: classNames(d),
    byRun: live.map((r, i) => ({ runId: r.id, step: r.step, predicted: predicted[i] })),
  };
}
