// Where the time of a step goes, on adapters without timestamp queries (SwiftShader): one step
// is recorded as it is encoded (bench/recording.ts), then each of its dispatches is replayed
// alone, one submission each, awaited, and the times are summed per kernel label. The sum is
// larger than the step (each replay pays a submission round trip, given as `submit overhead`,
// and loses the overlap of neighbours), but the shares say which kernels to attack.
// The kernel-family rows of the kernels suite (attention, layernorm, AdamW) come from the same
// replay, restricted to one shader family, so they time the kernels at the shapes training uses.
import { DEFAULT_IRE } from '../../src/train/config';
import { validated, type BenchEnv } from '../env';
import type { EncodeRecord, RecordedDispatch } from '../recording';
import type { BenchEntry } from '../registry';
import type { BenchRow, KernelTime, RunOptions } from '../rows';
import { planRun, type OurOptimizer, type PlannedRun, type TrainingSuite } from './training';

async function timeAlone(device: GPUDevice, d: RecordedDispatch | undefined): Promise<number> {
  const t0 = performance.now();
  const encoder = device.createCommandEncoder({ label: 'Bench.replay.encoder' });
  if (d) {
    const pass = encoder.beginComputePass({ label: `Bench.replay.${d.label}` });
    pass.setPipeline(d.pipeline);
    pass.setBindGroup(0, d.bindGroup);
    pass.dispatchWorkgroups(...d.workgroups);
    pass.end();
  }
  device.queue.submit([encoder.finish()]);
  await device.queue.onSubmittedWorkDone();
  return performance.now() - t0;
}

export interface Replay {
  /** Mean time of each dispatch over the timed repetitions, ms, in recording order. */
  ms: number[];
  /** Mean time of an empty submission, ms: the round trip each replayed dispatch includes. */
  overheadMs: number;
}

/** Replays each dispatch alone, `warmup` untimed then `iters` timed rounds. */
export async function replayAlone(device: GPUDevice, dispatches: readonly RecordedDispatch[], warmup: number, iters: number): Promise<Replay> {
  const ms = new Array<number>(dispatches.length).fill(0);
  let overheadMs = 0;
  for (let r = 0; r < warmup + iters; r++) {
    const w = r >= warmup ? 1 / iters : 0;
    overheadMs += w * (await timeAlone(device, undefined));
    for (let i = 0; i < dispatches.length; i++) ms[i] += w * (await timeAlone(device, dispatches[i]));
  }
  return { ms, overheadMs };
}

/** Records one step: step 0 (for AdmIRE a mask refresh) or, with `plain`, a step without refresh. */
export async function recordStep(p: PlannedRun, refresh: boolean): Promise<EncodeRecord> {
  const record: EncodeRecord = { passes: 0, dispatches: [] };
  if (!refresh && p.run.ire) await p.step(); // step 0 refreshes; record step 1
  await p.step(record);
  return record;
}

/** `Bench.gpt-tiny.h0.attn` → `h0.attn`; run-level kernels keep their owner (`RunA.adamw.step`). */
function kernelName(label: string, suite: string): string {
  return label.replace(`Bench.${suite}.`, '');
}

async function profileStep(env: BenchEnv, suite: TrainingSuite, optimizer: OurOptimizer, refresh: boolean, opts: RunOptions): Promise<Partial<BenchRow>> {
  const p = await planRun(env, suite, optimizer, opts.vocab);
  try {
    return await validated(p.device, async () => {
      const record = await recordStep(p, refresh);
      const replay = await replayAlone(p.device, record.dispatches, opts.warmup, opts.iters);
      const byLabel = new Map<string, KernelTime>();
      record.dispatches.forEach((d, i) => {
        const name = kernelName(d.label, suite);
        const k = byLabel.get(name) ?? { label: name, ms: 0, dispatches: 0 };
        k.ms += replay.ms[i];
        k.dispatches += 1;
        byLabel.set(name, k);
      });
      const breakdown = [...byLabel.values()].sort((a, b) => b.ms - a.ms);
      return {
        ms_per_step: replay.ms.reduce((s, x) => s + x, 0),
        dispatches_per_step: record.dispatches.length,
        breakdown,
        warmup: opts.warmup,
        iters: opts.iters,
        detail:
          `${p.describe}; ${refresh ? `IRE refresh step (every K=${DEFAULT_IRE.refreshEvery})` : 'plain step'}; ` +
          `sum of ${record.dispatches.length} dispatches replayed alone (${record.passes} passes in the step); ` +
          `submit overhead ${replay.overheadMs.toFixed(2)} ms per replay, included`,
      };
    });
  } finally {
    p.destroy();
  }
}

/** Bytes one AdamW update moves per parameter: θ, m, v read and written, g and the decay flag read. */
const ADAMW_BYTES_PER_PARAM = 32;

/** One shader family's dispatches inside a plain gpt-tiny AdamW step, replayed alone. */
export async function familyInGptStep(env: BenchEnv, shader: string, opts: RunOptions): Promise<Partial<BenchRow>> {
  const p = await planRun(env, 'gpt-tiny', 'adamw', opts.vocab);
  try {
    return await validated(p.device, async () => {
      const record = await recordStep(p, false);
      const mine = record.dispatches.filter((d) => d.pipeline.label.startsWith(`Pipeline.${shader}:`));
      if (mine.length === 0) throw new Error(`no ${shader} dispatch in the gpt-tiny step`);
      const replay = await replayAlone(p.device, mine, opts.warmup, opts.iters);
      const ms = replay.ms.reduce((s, x) => s + x, 0);
      const labels = [...new Set(mine.map((d) => kernelName(d.label, 'gpt-tiny')))];
      const row: Partial<BenchRow> = {
        ms,
        warmup: opts.warmup,
        iters: opts.iters,
        dispatches_per_step: mine.length,
        detail: `${p.describe}; ${mine.length} dispatches of one step replayed alone (${labels.slice(0, 6).join(', ')}${labels.length > 6 ? ', …' : ''}); submit overhead ${replay.overheadMs.toFixed(2)} ms each, included`,
      };
      if (shader === 'optim/adamw') {
        const P = p.model.layout.total;
        row.gbps = (ADAMW_BYTES_PER_PARAM * P) / (ms * 1e6);
        row.detail = `P=${P} (flat, padded), ${ADAMW_BYTES_PER_PARAM} B/param; ${row.detail}`;
      }
      return row;
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
