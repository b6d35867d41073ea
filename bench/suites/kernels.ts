// Kernel suite, "ours": matmul in GFLOP/s (every variant and a naive baseline, square sizes 256, 512, 1024), and the
// attention, layernorm and AdamW-update kernels (ms per step; AdamW also in GB/s) as they run
// inside a gpt-tiny training step (bench/suites/profile.ts replays them one at a time).
// A timed "step" is one queue submission of `reps` back-to-back dispatches, awaited with
// onSubmittedWorkDone; reps is chosen so that one submission does about 2^30 FLOPs, which keeps
// the per-submission overhead out of the figure without making a 1024 run take minutes.
import { createStorageBuffer, createStorageBufferWith } from '../../src/gpu/buffers';
import { submitDispatches } from '../../src/gpu/dispatch';
import { matmul, type MatmulVariant } from '../../src/nn/matmul';
import { describeTimings, MATMUL_VARIANTS } from '../../src/nn/matmulTuning';
import { matmulNaive } from '../../src/nn/matmulNaive';
import { Rng } from '../../src/util/rng';
import { validated, type BenchEnv } from '../env';
import { familyInGptStep } from './profile';
import type { BenchEntry } from '../registry';
import type { BenchRow, RunOptions } from '../rows';
import { spread, timeSteps } from '../timing';

export const MATMUL_SIZES = [256, 512, 1024] as const;
const FLOPS_PER_SUBMISSION = 2 ** 30;

async function benchMatmul(env: BenchEnv, n: number, variant: MatmulVariant | 'naive', opts: RunOptions): Promise<Partial<BenchRow>> {
  const { device, ctx } = await env.ours();
  if (variant === 'quadShared' && !device.features.has('subgroups')) return { pending: 'this adapter has no subgroups feature' };
  const label = `Bench.matmul${n}.${variant}`;
  const rng = new Rng(7, n);
  const a = createStorageBufferWith(device, `${label}.a`, rng.uniformArray(n * n)); // (M,K)
  const b = createStorageBufferWith(device, `${label}.b`, rng.uniformArray(n * n)); // (K,N)
  const c = createStorageBuffer(device, `${label}.c`, n * n * 4); // (M,N)
  try {
    return await validated(device, async () => {
      const kernel = variant === 'naive' ? matmulNaive(ctx, label, { a, b, c }, { M: n, N: n, K: n }) : matmul(ctx, label, { a, b, c }, { M: n, N: n, K: n }, variant);
      const flops = 2 * n * n * n;
      const reps = Math.max(1, Math.round(FLOPS_PER_SUBMISSION / flops));
      const dispatches = new Array(reps).fill(kernel);
      const t = await timeSteps(
        async () => {
          submitDispatches(device, dispatches, label);
          await device.queue.onSubmittedWorkDone();
        },
        opts.warmup,
        opts.iters,
      );
      const msPerDispatch = t.meanMs / reps;
      return {
        gflops: flops / (msPerDispatch * 1e6),
        ms: msPerDispatch,
        warmup: opts.warmup,
        iters: opts.iters,
        detail: `M=N=K=${n}, ${reps} dispatch(es) per submission; per submission ${spread(t)}`,
      };
    });
  } finally {
    a.destroy();
    b.destroy();
    c.destroy();
  }
}

/** The matmul variant this adapter uses, chosen by timing the variants at start-up (src/nn/matmulTuning.ts). */
async function benchMatmulChoice(env: BenchEnv): Promise<Partial<BenchRow>> {
  const tuning = (await env.ours()).tuning.matmul;
  const t = tuning.timings;
  return {
    ms: t[tuning.choice],
    detail: `chosen: ${tuning.choice}; ms per dispatch: ${describeTimings(tuning)} (shapes ÷${tuning.shapeDivisor})`,
  };
}

export function kernelEntries(env: BenchEnv): BenchEntry[] {
  const entries: BenchEntry[] = [{ suite: 'kernels', name: 'matmul variant choice', impl: 'ours', optimizer: '-', run: () => benchMatmulChoice(env) }];
  for (const n of MATMUL_SIZES) {
    for (const variant of [...MATMUL_VARIANTS, 'naive' as const]) {
      entries.push({
        suite: 'kernels',
        name: `matmul ${n} ${variant}`,
        impl: 'ours',
        optimizer: '-',
        slow: n === 1024,
        run: (opts) => benchMatmul(env, n, variant, opts),
      });
    }
  }
  // Kernel families at the shapes training uses: their dispatches in a gpt-tiny step.
  const family = (name: string, shader: string, optimizer = '-'): BenchEntry => ({
    suite: 'kernels',
    name,
    impl: 'ours',
    optimizer,
    slow: true,
    run: (opts) => familyInGptStep(env, shader, opts),
  });
  entries.push(
    family('attention fwd+bwd (gpt-tiny step)', 'nn/attention'),
    family('layernorm fwd+bwd (gpt-tiny step)', 'nn/layernorm'),
    family('adamw update (gpt-tiny params)', 'optim/adamw', 'adamw'),
  );
  return entries;
}
