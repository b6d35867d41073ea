// Where the time of a step goes, on adapters without timestamp queries (SwiftShader): one step
// is recorded as it is encoded (bench/recording.ts), then each of its dispatches is replayed
// alone, one submission each, awaited, and the times are summed per kernel label. The sum is
// larger than the step (each replay pays a submission round trip, given as `submit overhead`,
// and loses the overlap of neighbours), but the shares say which kernels to attack.
import { DEFAULT_IRE } from '../../src/train/config';
import { validated, type BenchEnv } from '../env';
import type { RecordedDispatch, EncodeRecord } from '../recording';
import type { BenchEntry } from '../registry';
import type { BenchRow, KernelTime, RunOptions } from '../rows';
import { planRun, type OurOptimizer, type TrainingSuite } from './training';

async function timeAlone(device: GPUDevice, d: RecordedDispatch | undefined): Promise<number> {
  const t0 = performance.now();
  const encoder = device.createCommandEncoder({ label: 'Bench.profile.encoder' });
  if (d) {
    const pass = encoder.beginComputePass({ label: `Bench.profile.${d.label}` });
    pass.setPipeline(d.pipeline);
    pass.setBindGroup(0, d.bindGroup);
    pass.dispatchWorkgroups(...d.workgroups);
    pass.end();
  }
  device.queue.submit([encoder.finish()]);
  await device.queue.onSubmittedWorkDone();
  return performance.now() - t0;
}

/** `Bench.gpt-tiny.h0.attn` → `h0.attn`; run-level kernels keep their owner (`RunA.adamw.step`). */
function kernelName(label: string, suite: string): string {
  return label.replace(`Bench.${suite}.`, '');
}

async function profileStep(env: BenchEnv, suite: TrainingSuite, optimizer: OurOptimizer, refreshStep: boolean, opts: RunOptions): Promise<Partial<BenchRow>> {
  const p = await planRun(env, suite, optimizer, opts.vocab);
  try {
    return await validated(p.device, async () => {
      const record: EncodeRecord = { passes: 0, dispatches: [] };
      if (refreshStep) {
        await p.step(record); // step 0 refreshes the IRE mask
      } else {
        await p.step(); // step 0
        await p.step(record); // step 1: a plain step
      }
      const reps = Math.max(0, opts.warmup) + opts.iters;
      const byLabel = new Map<string, KernelTime>();
      let overhead = 0;
      for (let r = 0; r < reps; r++) {
        const timed = r >= opts.warmup;
        const empty = await timeAlone(p.device, undefined);
        if (timed) overhead += empty / opts.iters;
        for (const d of record.dispatches) {
          const ms = await timeAlone(p.device, d);
          if (!timed) continue;
          const name = kernelName(d.label, suite);
          const k = byLabel.get(name) ?? { label: name, ms: 0, dispatches: 0 };
          k.ms += ms / opts.iters;
          k.dispatches += 1 / opts.iters;
          byLabel.set(name, k);
        }
      }
      const breakdown = [...byLabel.values()].sort((a, b) => b.ms - a.ms);
      const total = breakdown.reduce((s, k) => s + k.ms, 0);
      return {
        ms_per_step: total,
        dispatches_per_step: record.dispatches.length,
        breakdown,
        warmup: opts.warmup,
        iters: opts.iters,
        detail:
          `${p.describe}; ${refreshStep ? `IRE refresh step (K=${DEFAULT_IRE.refreshEvery})` : 'plain step'}; ` +
          `sum of ${record.dispatches.length} dispatches replayed alone (${record.passes} passes in the step); ` +
          `submit overhead ${overhead.toFixed(2)} ms per replay, included`,
      };
    });
  } finally {
    p.destroy();
  }
}

export function profileEntries(env: BenchEnv): BenchEntry[] {
  return [
    { suite: 'profile', name: 'gpt-tiny step', impl: 'ours', optimizer: 'adamw', slow: true, run: (o) => profileStep(env, 'gpt-tiny', 'adamw', false, o) },
    { suite: 'profile', name: 'gpt-tiny refresh step', impl: 'ours', optimizer: 'admire', slow: true, run: (o) => profileStep(env, 'gpt-tiny', 'admire', true, o) },
    { suite: 'profile', name: 'mlp step', impl: 'ours', optimizer: 'adamw', run: (o) => profileStep(env, 'mlp', 'adamw', false, o) },
  ];
}
