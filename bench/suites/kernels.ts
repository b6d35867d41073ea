// Kernel suite, "ours": matmul in GFLOP/s (both variants, square sizes 256, 512, 1024), and the
// slots for attention, layernorm and the AdamW update (GB/s) until those kernels land.
// A timed "step" is one queue submission of `reps` back-to-back dispatches, awaited with
// onSubmittedWorkDone; reps is chosen so that one submission does about 2^30 FLOPs, which keeps
// the per-submission overhead out of the figure without making a 1024 run take minutes.
import { createStorageBuffer, createStorageBufferWith } from '../../src/gpu/buffers';
import { submitDispatches } from '../../src/gpu/dispatch';
import { matmul, type MatmulVariant } from '../../src/nn/matmul';
import { Rng } from '../../src/util/rng';
import { validated, type BenchEnv } from '../env';
import type { BenchEntry } from '../registry';
import type { BenchRow, RunOptions } from '../rows';
import { spread, timeSteps } from '../timing';

export const MATMUL_SIZES = [256, 512, 1024] as const;
const MATMUL_VARIANTS: readonly MatmulVariant[] = ['registerBlocked', 'sharedTiles'];
const FLOPS_PER_SUBMISSION = 2 ** 30;

async function benchMatmul(env: BenchEnv, n: number, variant: MatmulVariant, opts: RunOptions): Promise<Partial<BenchRow>> {
  const { device, ctx } = await env.ours();
  const label = `Bench.matmul${n}.${variant}`;
  const rng = new Rng(7, n);
  const a = createStorageBufferWith(device, `${label}.a`, rng.uniformArray(n * n)); // (M,K)
  const b = createStorageBufferWith(device, `${label}.b`, rng.uniformArray(n * n)); // (K,N)
  const c = createStorageBuffer(device, `${label}.c`, n * n * 4); // (M,N)
  try {
    return await validated(device, async () => {
      const kernel = matmul(ctx, label, { a, b, c }, { M: n, N: n, K: n }, variant);
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

export function kernelEntries(env: BenchEnv): BenchEntry[] {
  const entries: BenchEntry[] = [];
  for (const n of MATMUL_SIZES) {
    for (const variant of MATMUL_VARIANTS) {
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
  // Slots: each gets a `run` when its kernel lands (src/nn/attention.ts, src/nn/layernorm.ts,
  // src/optim/adamw.ts); attention and layernorm in ms per forward+backward, AdamW in GB/s.
  entries.push(
    { suite: 'kernels', name: 'attention fwd+bwd (B=16,T=64,NH=4,C=128)', impl: 'ours', optimizer: '-', pending: 'attention kernels not in the tree yet' },
    { suite: 'kernels', name: 'layernorm fwd+bwd (B·T=1024,C=128)', impl: 'ours', optimizer: '-', pending: 'layernorm kernels not in the tree yet' },
    { suite: 'kernels', name: 'adamw update (2^20 params)', impl: 'ours', optimizer: 'adamw', pending: 'AdamW kernel not in the tree yet' },
  );
  return entries;
}
