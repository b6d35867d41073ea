// Training-step slots for our engine: gpt-tiny (B=16, T=64), the MLP 784-256-256-10 and the
// MNIST CNN (B=128), each with AdamW and with AdmIRE (AdamW wrapped by IRE). Each row should
// report ms_per_step, tokens_per_s or images_per_s, and dispatches_per_step. They are slots
// until the engine's trainer lands in src/train/: plug one in with `registry.replace({...slot,
// run})` in bench/main.ts, timing whole steps with a GPU sync at the end of each
// (device.queue.onSubmittedWorkDone()), after opts.warmup untimed steps.
import type { BenchEntry } from '../registry';

export const TRAINING_SUITES = ['gpt-tiny', 'mlp', 'cnn'] as const;
export const OUR_OPTIMIZERS = ['adamw', 'admire'] as const;

export function trainingSlots(): BenchEntry[] {
  return TRAINING_SUITES.flatMap((suite) =>
    OUR_OPTIMIZERS.map(
      (optimizer): BenchEntry => ({ suite, name: 'train step', impl: 'ours', optimizer, pending: 'engine trainer (src/train) not in the tree yet' }),
    ),
  );
}
