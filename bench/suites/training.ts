// Training steps of our engine: gpt-tiny (B=16, T=64, V from the Moby Dick tokenizer), the MLP
// 784-256-256-10 and the MNIST CNN (B=128), each with AdamW and with AdmIRE (AdamW wrapped by
// IRE), through the trainer's TrainingRun (src/train/run.ts) exactly as the app runs a step.
//
// Timing matches the TF.js entries: every step is one submission awaited with
// onSubmittedWorkDone, so it is the real time of a step. IRE is active from step 0 (no warm-up
// in the schedule) and refreshes its mask every K steps, so the timed steps are a whole number
// of refresh cycles (at least K) for both optimizers: the AdmIRE/AdamW ratio then includes the
// Hessian-estimate refresh at its real frequency (--quick times 1 step and leaves it out).
// Data is one fixed random batch from the seeded Rng: the time of a step does not depend on it.
import { createStorageBufferWith } from '../../src/gpu/buffers';
import { readFloat32 } from '../../src/gpu/readback';
import type { BatchBuffers, Model } from '../../src/nn/model';
import { DEFAULT_ADAMW, DEFAULT_IRE, type ModelPreset, type OptimizerConfig } from '../../src/train/config';
import { buildModel, modelConfigFor } from '../../src/train/models';
import { TrainingRun, type StepMetrics } from '../../src/train/run';
import { Rng } from '../../src/util/rng';
import { validated, type BenchEnv } from '../env';
import { recordingEncoder, type EncodeRecord } from '../recording';
import type { BenchEntry } from '../registry';
import { INTERLEAVED } from '../report';
import type { BenchRow, RunOptions } from '../rows';
import { spread, timeSteps } from '../timing';

export const TRAINING_SUITES = ['gpt-tiny', 'mlp', 'cnn'] as const;
export type TrainingSuite = (typeof TRAINING_SUITES)[number];
export const OUR_OPTIMIZERS = ['adamw', 'admire'] as const;
export type OurOptimizer = (typeof OUR_OPTIMIZERS)[number];

export const PRESET: Record<TrainingSuite, ModelPreset> = { 'gpt-tiny': 'gpt-tiny', mlp: 'mlp-mnist', cnn: 'cnn-mnist' };
const BATCH: Record<TrainingSuite, number> = { 'gpt-tiny': 16, mlp: 128, cnn: 128 };
const MNIST_IMAGE = { C: 1, H: 28, W: 28 };
const SEED = 1337;

/** AdamW as the app's default, without schedule warm-up; AdmIRE adds IRE from step 0. */
export function benchOptimizer(optimizer: OurOptimizer): OptimizerConfig {
  const adamw: OptimizerConfig = { ...DEFAULT_ADAMW, warmupSteps: 0 };
  return optimizer === 'admire' ? { ...adamw, ire: { ...DEFAULT_IRE, enabled: true, startStep: 0 } } : adamw;
}

function randomBatch(device: GPUDevice, suite: TrainingSuite, vocab: number, T: number): BatchBuffers {
  const B = BATCH[suite];
  const rng = new Rng(SEED, 3);
  if (suite === 'gpt-tiny') {
    const tokens = () => Uint32Array.from({ length: B * T }, () => rng.int(vocab));
    return {
      inputs: createStorageBufferWith(device, 'Bench.tokens', tokens()), // (B,T) u32
      targets: createStorageBufferWith(device, 'Bench.targets', tokens()), // (B,T) u32
    };
  }
  const { C, H, W } = MNIST_IMAGE;
  return {
    inputs: createStorageBufferWith(device, 'Bench.images', rng.uniformArray(B * C * H * W, 0, 1)), // (B,C,H,W) f32
    targets: createStorageBufferWith(device, 'Bench.labels', Uint32Array.from({ length: B }, () => rng.int(10))), // (B) u32
  };
}

/** A model and a run on a fixed batch, ready to step. */
export interface PlannedRun {
  device: GPUDevice;
  model: Model;
  run: TrainingRun;
  /** B·T tokens or B images per step. */
  rowsPerStep: number;
  describe: string;
  /** Encodes, submits and awaits one step; records what it encodes when given a record. */
  step(record?: EncodeRecord): Promise<void>;
  /** Metrics of the latest step (one readback; not for timed loops). */
  lastMetrics(): Promise<StepMetrics>;
  destroy(): void;
}

export async function planRun(env: BenchEnv, suite: TrainingSuite, optimizer: OurOptimizer, vocab: number): Promise<PlannedRun> {
  const { ctx, device } = await env.ours();
  const cfg = modelConfigFor(PRESET[suite], { vocab, image: MNIST_IMAGE });
  const B = BATCH[suite];
  const T = cfg.kind === 'gpt' ? cfg.context : 1;
  const batch = randomBatch(device, suite, vocab, T);
  const model = buildModel(ctx, `Bench.${suite}`, cfg, B, batch, SEED, { vocab, image: MNIST_IMAGE });
  const run = new TrainingRun(ctx, model, { id: 'A', name: optimizer, optimizer: benchOptimizer(optimizer) }, 100_000);
  run.initialize(SEED);
  return {
    device,
    model,
    run,
    rowsPerStep: B * T,
    describe: `${PRESET[suite]}, B=${B}${cfg.kind === 'gpt' ? ` T=${T} V=${vocab}` : ''}, ${model.layout.count} params`,
    async step(record) {
      const encoder = device.createCommandEncoder({ label: `Bench.${suite}.step` });
      run.encodeStep(record ? recordingEncoder(encoder, record) : encoder);
      device.queue.submit([encoder.finish()]);
      await device.queue.onSubmittedWorkDone();
    },
    async lastMetrics() {
      return run.interpret(await readFloat32(device, run.metrics), run.step - 1, 0, 0);
    },
    destroy() {
      run.destroy();
      model.destroy();
      batch.inputs.destroy();
      batch.targets.destroy();
    },
  };
}

async function benchTraining(env: BenchEnv, suite: TrainingSuite, optimizer: OurOptimizer, opts: RunOptions): Promise<Partial<BenchRow>> {
  const p = await planRun(env, suite, optimizer, opts.vocab);
  try {
    return await validated(p.device, async () => {
      const K = DEFAULT_IRE.refreshEvery;
      const iters = opts.quick ? opts.iters : Math.ceil(Math.max(opts.iters, K) / K) * K;
      await p.step(); // step 0 (for AdmIRE the first mask refresh), untimed
      const firstLoss = (await p.lastMetrics()).loss;
      const record: EncodeRecord = { passes: 0, dispatches: [] };
      const extraWarmup = Math.max(0, opts.warmup - 1);
      const t = await timeSteps(() => p.step(record), extraWarmup, iters);
      const last = await p.lastMetrics();
      const steps = extraWarmup + iters;
      const rate = (p.rowsPerStep * 1000) / t.meanMs;
      return {
        ms_per_step: t.meanMs,
        ...(suite === 'gpt-tiny' ? { tokens_per_s: rate } : { images_per_s: rate }),
        dispatches_per_step: Math.round((record.dispatches.length / steps) * 10) / 10,
        warmup: Math.max(1, opts.warmup),
        iters,
        detail:
          `${p.describe}; ${(record.passes / steps).toFixed(1)} compute passes/step, 1 submit/step; ` +
          `loss ${firstLoss.toFixed(3)} → ${last.loss.toFixed(3)}${last.finite ? '' : ' (NON-FINITE)'}; ${spread(t)}` +
          (optimizer === 'admire' ? `; IRE κ=${DEFAULT_IRE.kappa} γ=${DEFAULT_IRE.gamma} K=${K}${iters % K ? ' (refresh not amortised)' : ''}` : ''),
      };
    });
  } finally {
    p.destroy();
  }
}

/**
 * AdmIRE / AdamW with both runs planned on one device and their steps alternating A, B, A, B
 * (as a comparison runs them), so both see the same machine: on a loaded 2-core host the load
 * moves between separately timed entries by more than the ratio the bar is about.
 */
async function benchInterleaved(env: BenchEnv, suite: TrainingSuite, opts: RunOptions): Promise<Partial<BenchRow>> {
  const a = await planRun(env, suite, 'adamw', opts.vocab);
  const b = await planRun(env, suite, 'admire', opts.vocab);
  try {
    return await validated(a.device, async () => {
      const K = DEFAULT_IRE.refreshEvery;
      const iters = opts.quick ? opts.iters : Math.ceil(Math.max(opts.iters, K) / K) * K;
      const warmup = Math.max(1, opts.warmup); // the first step of b is its first refresh
      const ms = { a: 0, b: 0 };
      for (let i = 0; i < warmup + iters; i++) {
        for (const [key, p] of [['a', a], ['b', b]] as const) {
          const t0 = performance.now();
          await p.step();
          if (i >= warmup) ms[key] += (performance.now() - t0) / iters;
        }
      }
      return {
        ratio: ms.b / ms.a,
        warmup,
        iters,
        detail:
          `${a.describe}; AdamW ${ms.a.toFixed(1)} ms/step, AdmIRE ${ms.b.toFixed(1)} ms/step, steps alternating, ` +
          `${iters} timed each (IRE K=${K}${iters % K ? ', refresh not amortised' : ''})`,
      };
    });
  } finally {
    a.destroy();
    b.destroy();
  }
}

export function trainingEntries(env: BenchEnv): BenchEntry[] {
  const interleaved = TRAINING_SUITES.map(
    (suite): BenchEntry => ({ suite, name: INTERLEAVED, impl: 'ours', optimizer: 'admire', run: (opts) => benchInterleaved(env, suite, opts) }),
  );
  return [...trainStepEntries(env), ...interleaved];
}

function trainStepEntries(env: BenchEnv): BenchEntry[] {
  return TRAINING_SUITES.flatMap((suite) =>
    OUR_OPTIMIZERS.map(
      (optimizer): BenchEntry => ({ suite, name: 'train step', impl: 'ours', optimizer, run: (opts) => benchTraining(env, suite, optimizer, opts) }),
    ),
  );
}
