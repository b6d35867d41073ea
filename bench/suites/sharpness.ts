// What sharpness costs beside training (docs/algorithm.md "Sharpness"; docs/performance.md): for
// gpt-tiny, the MLP and the CNN on the batches of the training suites, the time of a training
// step, of one gradient evaluation (forward, loss, backward), of one Hessian-vector product (the
// model's exact one, or two gradients for the central difference) and of a whole measurement as
// the page takes it during training (8 probes, 8 Lanczos steps), each awaited on its own.
import { submitDispatches } from '../../src/gpu/dispatch';
import { gradientKernels } from '../../src/nn/model';
import { Sharpness } from '../../src/optim/sharpness';
import { sharpnessInterval, SHARPNESS_BUDGET } from '../../src/train/sharpnessSchedule';
import { validated, type BenchEnv } from '../env';
import type { BenchEntry } from '../registry';
import type { BenchRow, RunOptions } from '../rows';
import { timeSteps } from '../timing';
import { planRun, TRAINING_SUITES, type TrainingSuite } from './training';

const PROBES = 8;
const LANCZOS = 8;

async function benchSharpness(env: BenchEnv, suite: TrainingSuite, opts: RunOptions): Promise<Partial<BenchRow>> {
  const p = await planRun(env, suite, 'adamw', opts.vocab);
  const { ctx } = await env.ours();
  const sharp = new Sharpness(ctx, `Bench.${suite}.sharpness`, p.model, { maxProbes: PROBES, maxLanczos: LANCZOS });
  try {
    return await validated(p.device, async () => {
      const iters = Math.max(2, opts.iters);
      const warmup = Math.max(1, opts.warmup);
      const step = await timeSteps(() => p.step(), warmup, iters);
      const gradient = gradientKernels(p.model, 'targets');
      const grad = await timeSteps(async () => {
        submitDispatches(p.device, gradient, `Bench.${suite}.gradient`);
        await p.device.queue.onSubmittedWorkDone();
      }, 1, iters);
      // One probe: one product plus the measurement's fixed work (save, restore, reductions).
      const probe = await timeSteps(async () => void (await sharp.measure({ probes: 1, lanczosSteps: 0 })), 1, iters);
      const whole = await timeSteps(async () => void (await sharp.measure({ probes: PROBES, lanczosSteps: LANCZOS })), 1, Math.max(1, Math.ceil(iters / 4)));
      const every = sharpnessInterval(whole.meanMs, step.meanMs);
      return {
        ms_per_step: step.meanMs,
        ms: whole.meanMs,
        warmup,
        iters,
        detail:
          `${p.describe}; ${sharp.method} products; step ${step.meanMs.toFixed(1)} ms, gradient ${grad.meanMs.toFixed(1)} ms, ` +
          `one probe ${probe.meanMs.toFixed(1)} ms = ${(probe.meanMs / grad.meanMs).toFixed(2)} gradients; ` +
          `measurement (${PROBES} probes, ${LANCZOS} Lanczos steps) ${whole.meanMs.toFixed(0)} ms = ${(whole.meanMs / step.meanMs).toFixed(1)} steps; ` +
          `'auto' measures every ${every} steps (≤ ${Math.round(100 * SHARPNESS_BUDGET)} % of the time)`,
      };
    });
  } finally {
    sharp.destroy();
    p.destroy();
  }
}

export function sharpnessEntries(env: BenchEnv): BenchEntry[] {
  return TRAINING_SUITES.map((suite): BenchEntry => ({ suite, name: 'sharpness', impl: 'ours', optimizer: 'adamw', run: (opts) => benchSharpness(env, suite, opts) }));
}
