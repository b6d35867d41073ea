// Whole training steps in Node (Dawn), the optimizer and the metrics reductions included, for
// one preset with AdamW and with AdmIRE (IRE from step 0, refresh every K = 10 steps): the wall
// and process CPU time of each step of one refresh cycle (the CPU time counts the adapter's
// worker threads and is steadier than wall time on a loaded machine), then a per-kernel
// breakdown of one plain and one refresh step (each dispatch replayed alone, CPU ms).
// `npx tsx scripts/profile-train.ts [gpt-tiny|mlp|cnn] [registerBlocked|sharedTiles]`.
import { createNodeGpu } from '../src/gpu/node';
import { GpuContext } from '../src/gpu/context';
import { fsShaderSource } from '../src/gpu/shaderSourceFs';
import { createStorageBufferWith } from '../src/gpu/buffers';
import { chooseMatmulVariant } from '../src/nn/matmulTuning';
import { buildModel, modelConfigFor } from '../src/train/models';
import { TrainingRun } from '../src/train/run';
import { DEFAULT_ADAMW, DEFAULT_IRE, type ModelPreset, type OptimizerConfig } from '../src/train/config';
import { Rng } from '../src/util/rng';
import { recordingEncoder, type EncodeRecord } from '../bench/recording';

const suites: Record<string, { preset: ModelPreset; B: number }> = {
  'gpt-tiny': { preset: 'gpt-tiny', B: 16 },
  mlp: { preset: 'mlp-mnist', B: 128 },
  cnn: { preset: 'cnn-mnist', B: 128 },
};
const suite = suites[process.argv[2] ?? 'gpt-tiny'];
if (!suite) throw new Error(`unknown suite ${process.argv[2]}; one of ${Object.keys(suites).join(', ')}`);
const node = await createNodeGpu();
const ctx = new GpuContext(node.device, fsShaderSource());
const variant = process.argv[3];
if (variant === 'registerBlocked' || variant === 'sharedTiles') ctx.choices.matmul = variant;
else await chooseMatmulVariant(ctx);
const device = node.device;
const vocab = 89;
const image = { C: 1, H: 28, W: 28 };
const cfg = modelConfigFor(suite.preset, { vocab, image });
const T = cfg.kind === 'gpt' ? cfg.context : 1;
const rng = new Rng(1337, 3);
const B = suite.B;
const batch =
  cfg.kind === 'gpt'
    ? {
        inputs: createStorageBufferWith(device, 'Profile.tokens', Uint32Array.from({ length: B * T }, () => rng.int(vocab))), // (B,T)
        targets: createStorageBufferWith(device, 'Profile.targets', Uint32Array.from({ length: B * T }, () => rng.int(vocab))), // (B,T)
      }
    : {
        inputs: createStorageBufferWith(device, 'Profile.images', rng.uniformArray(B * image.C * image.H * image.W, 0, 1)), // (B,C,H,W)
        targets: createStorageBufferWith(device, 'Profile.labels', Uint32Array.from({ length: B }, () => rng.int(10))), // (B)
      };
console.log(`${suite.preset} B=${B}, matmul ${ctx.choices.matmul}`);

async function timedStep(run: TrainingRun, record?: EncodeRecord): Promise<{ wall: number; cpu: number }> {
  const t0 = performance.now();
  const u0 = process.cpuUsage();
  const encoder = device.createCommandEncoder({ label: 'Profile.step' });
  run.encodeStep(record ? recordingEncoder(encoder, record) : encoder);
  device.queue.submit([encoder.finish()]);
  await device.queue.onSubmittedWorkDone();
  const u = process.cpuUsage(u0);
  return { wall: performance.now() - t0, cpu: (u.user + u.system) / 1000 };
}

async function breakdown(record: EncodeRecord): Promise<string> {
  const by = new Map<string, number>();
  for (const d of record.dispatches) {
    const once = async () => {
      const encoder = device.createCommandEncoder({ label: 'Profile.replay' });
      const pass = encoder.beginComputePass();
      pass.setPipeline(d.pipeline);
      pass.setBindGroup(0, d.bindGroup);
      pass.dispatchWorkgroups(...d.workgroups);
      pass.end();
      device.queue.submit([encoder.finish()]);
      await device.queue.onSubmittedWorkDone();
    };
    await once();
    const u0 = process.cpuUsage();
    await once();
    const u = process.cpuUsage(u0);
    const name = d.label.replace(/h\d+\./, 'hX.').replace(/conv\d+\./, 'convX.');
    by.set(name, (by.get(name) ?? 0) + (u.user + u.system) / 1000);
  }
  return [...by].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, v]) => `${v.toFixed(1).padStart(8)}  ${k}`).join('\n');
}

for (const name of ['adamw', 'admire'] as const) {
  const adamw: OptimizerConfig = { ...DEFAULT_ADAMW, warmupSteps: 0 };
  const optimizer = name === 'admire' ? { ...adamw, ire: { ...DEFAULT_IRE, enabled: true, startStep: 0 } } : adamw;
  const model = buildModel(ctx, `Profile.${name}`, cfg, B, batch, 1337, { vocab, image });
  const run = new TrainingRun(ctx, model, { id: 'A', name, optimizer }, 100_000);
  run.initialize(1337);
  const records: EncodeRecord[] = [];
  const steps: { wall: number; cpu: number }[] = [];
  for (let s = 0; s < 11; s++) {
    const record: EncodeRecord = { passes: 0, dispatches: [] };
    steps.push(await timedStep(run, record));
    records.push(record);
  }
  const cycle = steps.slice(1); // step 0 compiles pipelines
  const mean = (k: 'wall' | 'cpu') => cycle.reduce((t, x) => t + x[k], 0) / cycle.length;
  console.log(`\n${name}: mean over steps 1–10 wall ${mean('wall').toFixed(0)} ms, CPU ${mean('cpu').toFixed(0)} ms; per step CPU ${cycle.map((x) => x.cpu.toFixed(0)).join(' ')}; dispatches ${records[1].dispatches.length} (step 0: ${records[0].dispatches.length})`);
  console.log(`plain step, CPU ms per kernel (replayed alone):\n${await breakdown(records[1])}`);
  const refresh = records.find((r) => r.dispatches.length > records[1].dispatches.length);
  if (refresh) console.log(`refresh step (${refresh.dispatches.length} dispatches):\n${await breakdown(refresh)}`);
  run.destroy();
  model.destroy();
}
node.close();
