// Per-dispatch profile of one MNIST CNN training step (cnn-mnist preset, B 128) in Node (Dawn),
// modelled on profile-step.ts: the whole forward + loss + backward once, then each dispatch
// replayed alone and awaited, grouped by kernel label. Wall time and process CPU time (the
// adapter's worker threads included; steadier than wall time on a loaded machine) are both
// printed. `npx tsx scripts/profile-cnn.ts [registerBlocked|sharedTiles]`.
import { createNodeGpu } from '../src/gpu/node';
import { GpuContext } from '../src/gpu/context';
import { fsShaderSource } from '../src/gpu/shaderSourceFs';
import { createStorageBufferWith, writeBuffer } from '../src/gpu/buffers';
import { Cnn } from '../src/nn/cnn';
import { initParams } from '../src/nn/paramLayout';
import { gradientKernels } from '../src/nn/model';
import { submitDispatches } from '../src/gpu/dispatch';
import { chooseMatmulVariant } from '../src/nn/matmulTuning';
import { MODEL_PRESETS } from '../src/train/config';
import { Rng } from '../src/util/rng';

const node = await createNodeGpu();
const ctx = new GpuContext(node.device, fsShaderSource());
const variant = process.argv[2];
if (variant === 'registerBlocked' || variant === 'sharedTiles') ctx.choices.matmul = variant;
else await chooseMatmulVariant(ctx);
console.log('matmul', ctx.choices.matmul);
const config = MODEL_PRESETS['cnn-mnist'];
if (config.kind !== 'cnn') throw new Error('cnn-mnist is not a CNN preset');
const B = 128;
const images = new Rng(1).uniformArray(B * config.channels * config.height * config.width); // (B,C,H,W)
const labels = new Uint32Array(B).map((_, i) => i % config.classes); // (B)
const data = { inputs: createStorageBufferWith(node.device, 'x', images), targets: createStorageBufferWith(node.device, 'y', labels) };
const m = new Cnn(ctx, 'cnn', config, B, data, 1);
writeBuffer(node.device, m.params, initParams(m.layout, 1));
const ks = gradientKernels(m, 'targets');

async function timed(list: typeof ks): Promise<{ wall: number; cpu: number }> {
  const t0 = performance.now();
  const u0 = process.cpuUsage();
  submitDispatches(node.device, list);
  await node.device.queue.onSubmittedWorkDone();
  const u = process.cpuUsage(u0);
  return { wall: performance.now() - t0, cpu: (u.user + u.system) / 1000 };
}

await timed(ks);
const step = await timed(ks);
console.log('whole step ms', step.wall.toFixed(0), 'cpu ms', step.cpu.toFixed(0), 'dispatches', ks.length);
const by = new Map<string, { wall: number; cpu: number }>();
for (const k of ks) {
  await timed([k]);
  const t = await timed([k]);
  const name = k.label.replace(/\d+\./, 'X.');
  const sum = by.get(name) ?? { wall: 0, cpu: 0 };
  by.set(name, { wall: sum.wall + t.wall, cpu: sum.cpu + t.cpu });
}
console.log('    wall     cpu  kernel');
for (const [k, v] of [...by].sort((a, b) => b[1].cpu - a[1].cpu).slice(0, 25)) console.log(v.wall.toFixed(1).padStart(8), v.cpu.toFixed(1).padStart(7), '', k);
node.close();
