// Per-dispatch profile of one gpt-tiny training step in Node (Dawn): each dispatch replayed
// alone and awaited, grouped by kernel label. `npx tsx scripts/profile-step.ts [registerBlocked|sharedTiles]`.
import { createNodeGpu } from '../src/gpu/node';
import { GpuContext } from '../src/gpu/context';
import { fsShaderSource } from '../src/gpu/shaderSourceFs';
import { createStorageBufferWith, writeBuffer } from '../src/gpu/buffers';
import { Gpt } from '../src/nn/gpt';
import { initParams } from '../src/nn/paramLayout';
import { gradientKernels } from '../src/nn/model';
import { submitDispatches } from '../src/gpu/dispatch';
import { chooseMatmulVariant } from '../src/nn/matmulTuning';

const node = await createNodeGpu();
const ctx = new GpuContext(node.device, fsShaderSource());
const variant = process.argv[2];
if (variant) ctx.choices.matmul = variant as typeof ctx.choices.matmul;
else await chooseMatmulVariant(ctx);
console.log('matmul', ctx.choices.matmul);
const B = 16, T = 64, V = 89;
const tokens = new Uint32Array(B * T).map((_, i) => (i * 7) % V);
const data = { inputs: createStorageBufferWith(node.device, 't', tokens), targets: createStorageBufferWith(node.device, 'y', tokens) };
const m = new Gpt(ctx, 'gpt', { kind: 'gpt', layers: 2, heads: 4, width: 128, context: 64, vocab: V, tiedHead: true }, B, data, 1);
writeBuffer(node.device, m.params, initParams(m.layout, 1));
const ks = gradientKernels(m, 'targets');
submitDispatches(node.device, ks); await node.device.queue.onSubmittedWorkDone();
const t0 = performance.now();
submitDispatches(node.device, ks); await node.device.queue.onSubmittedWorkDone();
console.log('whole step ms', (performance.now() - t0).toFixed(0), 'dispatches', ks.length);
const by = new Map<string, number>();
for (const k of ks) {
  submitDispatches(node.device, [k]); await node.device.queue.onSubmittedWorkDone();
  const s = performance.now();
  submitDispatches(node.device, [k]); await node.device.queue.onSubmittedWorkDone();
  const name = k.label.replace(/h\d\./, 'hX.');
  by.set(name, (by.get(name) ?? 0) + performance.now() - s);
}
for (const [k, v] of [...by].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(v.toFixed(1).padStart(8), k);
node.close();
