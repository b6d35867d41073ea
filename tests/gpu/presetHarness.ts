// Shared by the preset smoke tests: trains a model preset as the CLI configures it (its real
// architecture, its real dataset and tokenizer) on a training set cut to exactly one batch (the
// first B images, or one window of T + 1 tokens), so every step sees the same examples and the
// fall of the training loss is not hidden by batch-to-batch noise. Same seed twice must give
// the same bits.
import { expect } from 'vitest';
import { parseTrainArgs } from '../../src/cli/trainArgs';
import { buildConfig, loadData } from '../../src/cli/trainSetup';
import type { GpuContext } from '../../src/gpu/context';
import { Comparison } from '../../src/train/comparison';
import { MODEL_PRESETS } from '../../src/train/config';
import type { StepMetrics } from '../../src/train/run';
import type { TrainingData } from '../../src/train/trainingData';

/** The dataset with its training split cut to one batch. */
export function oneBatch(data: TrainingData, B: number, T: number): TrainingData {
  if (data.kind === 'text') return { kind: 'text', dataset: { ...data.dataset, train: data.dataset.train.subarray(0, T + 1) } };
  if (data.kind === 'image') {
    const d = data.dataset;
    const size = d.channels * d.height * d.width;
    return { kind: 'image', dataset: { ...d, train: { count: B, pixels: d.train.pixels.subarray(0, B * size), labels: d.train.labels.subarray(0, B) } } };
  }
  return data;
}

/** Training losses of run A over the first `steps` steps of a `schedule`-step run of the preset the CLI flags describe. */
export async function presetLosses(ctx: GpuContext, argv: string[], steps: number, schedule = steps): Promise<number[]> {
  const args = parseTrainArgs([...argv, '--steps', String(schedule), '--seed', '3']);
  const config = buildConfig(args);
  const model = MODEL_PRESETS[config.model];
  const data = oneBatch(loadData(config, { text: args.text, cifarDir: args.cifarDir }), config.batchSize, model.kind === 'gpt' ? model.context : 1);
  const rows: StepMetrics[] = [];
  const c = new Comparison(ctx, config, data, { onStep: (m) => rows.push(...m) });
  try {
    for (let s = 0; s < steps; s++) await c.step();
    await c.drain();
  } finally {
    c.destroy();
  }
  expect(rows.map((r) => r.step)).toEqual([...Array(steps).keys()]);
  expect(rows.every((r) => r.finite)).toBe(true);
  return rows.map((r) => r.loss);
}

/**
 * Trains `steps` steps: the last loss must be below `fall` × the first; a second run with the
 * same seed must reproduce the first `repeat` losses bit for bit (f32 losses compare exactly).
 */
export async function checkPreset(ctx: GpuContext, argv: string[], steps: number, repeat: number, fall: number): Promise<number[]> {
  const first = await presetLosses(ctx, argv, steps);
  const again = await presetLosses(ctx, argv, repeat, steps);
  expect(again).toEqual(first.slice(0, repeat));
  expect(first[steps - 1], `losses ${first.map((x) => x.toFixed(4)).join(' ')}`).toBeLessThan(first[0] * fall);
  return first;
}
