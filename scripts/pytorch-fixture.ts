// Reference values of the TypeScript engine for the PyTorch side's tests (python/tests,
// docs/pytorch.md): the counter-based generator (src/util/rng.ts), the data order
// (src/data/sampler.ts), the initial parameters of small layouts (src/nn/paramLayout.ts) and,
// unless --no-gpu, labels drawn by the GPU's categorical sampler (shaders/nn/sampler.wgsl) on
// logits generated here, for a seed and counter.
//
//   npx tsx scripts/pytorch-fixture.ts OUT.json [--no-gpu]
//
// python/tests/fixtures/ts_reference.json is this script's output with --no-gpu (committed, so
// the CPU-only Python tests need no Node); the parity tests run it with the GPU.
import { writeFileSync } from 'node:fs';
import { batchIndices, batchOffsets, evalOffsets } from '../src/data/sampler';
import { GpuContext } from '../src/gpu/context';
import { createStorageBuffer, createStorageBufferWith } from '../src/gpu/buffers';
import { submitDispatches } from '../src/gpu/dispatch';
import { createNodeGpu } from '../src/gpu/node';
import { readUint32 } from '../src/gpu/readback';
import { fsShaderSource } from '../src/gpu/shaderSourceFs';
import { cnnLayout } from '../src/nn/cnn';
import { gptLayout } from '../src/nn/gpt';
import { mlpLayout } from '../src/nn/mlp';
import { initParams, type ParamLayout } from '../src/nn/paramLayout';
import { sampleCategorical } from '../src/nn/sampler';
import { hash32, randomU32, Rng } from '../src/util/rng';

interface LayoutFixture {
  views: { name: string; shape: readonly number[]; offset: number; group: string }[];
  total: number;
  count: number;
  params: number[]; // initParams(layout, seed), real entries in layout order
}

function layoutFixture(layout: ParamLayout, seed: number): LayoutFixture {
  const p = initParams(layout, seed);
  const params: number[] = [];
  for (const v of layout.views) for (let i = 0; i < v.size; i++) params.push(p[v.offset + i]);
  return { views: layout.views.map((v) => ({ name: v.name, shape: v.shape, offset: v.offset, group: v.group })), total: layout.total, count: layout.count, params };
}

async function gpuLabels(logits: Float32Array, N: number, V: number, seed: number, counter: number): Promise<number[]> {
  const node = await createNodeGpu('Fixture.device');
  try {
    const ctx = new GpuContext(node.device, fsShaderSource());
    const input = createStorageBufferWith(node.device, 'Fixture.logits', logits);
    const labels = createStorageBuffer(node.device, 'Fixture.labels', N * 4);
    submitDispatches(node.device, [sampleCategorical(ctx, 'Fixture.sample', { logits: input, labels }, { N, V, seed, counter })], 'Fixture');
    return Array.from(await readUint32(node.device, labels, N));
  } finally {
    node.close();
  }
}

async function main(): Promise<void> {
  const out = process.argv[2];
  if (!out) throw new Error('usage: npx tsx scripts/pytorch-fixture.ts OUT.json [--no-gpu]');
  const withGpu = !process.argv.includes('--no-gpu');
  const inputs = [0, 1, 2, 0xffffffff, 0x80000000, 12345, 0xdeadbeef, 987654321];
  const rng = new Rng(1337, 3);
  const normals = Array.from({ length: 16 }, () => rng.normal());
  const rng2 = new Rng(42, 0);
  const uniforms = Array.from({ length: 16 }, () => rng2.uniform());
  const fixture: Record<string, unknown> = {
    hash32: inputs.map((x) => [x, hash32(x)]),
    randomU32: inputs.map((x, i) => [0xdeadbeef, x, i * 7919, randomU32(0xdeadbeef, x, i * 7919)]),
    normals: { seed: 1337, stream: 3, values: normals },
    uniforms: { seed: 42, stream: 0, values: uniforms },
    // Moby Dick's training split has about 1.1M tokens; any size exercises the arithmetic.
    batchOffsets: [0, 1, 2, 999, 123456].map((step) => ({ seed: 1337, step, B: 16, N: 1_100_000, T: 64, offsets: Array.from(batchOffsets(1337, step, 16, 1_100_000, 64)) })),
    // MNIST's training split has 8000 images; step 124 at B = 64 crosses an epoch boundary.
    batchIndices: [0, 1, 124, 125, 5000].map((step) => ({ seed: 7, step, B: 64, N: 8000, indices: Array.from(batchIndices(7, step, 64, 8000)) })),
    batchIndicesOdd: [0, 3].map((step) => ({ seed: 0xfffffffe, step, B: 5, N: 37, indices: Array.from(batchIndices(0xfffffffe, step, 5, 37)) })),
    evalOffsets: { batch: 3, B: 4, N: 5000, T: 64, offsets: Array.from(evalOffsets(3, 4, 5000, 64, new Uint32Array(4))) },
    layouts: {
      gpt: { config: { kind: 'gpt', layers: 1, heads: 2, width: 8, context: 4, vocab: 5, tiedHead: true }, seed: 11, ...layoutFixture(gptLayout({ kind: 'gpt', layers: 1, heads: 2, width: 8, context: 4, vocab: 5, tiedHead: true }), 11) },
      gptUntied: { config: { kind: 'gpt', layers: 2, heads: 1, width: 4, context: 3, vocab: 6, tiedHead: false }, seed: 12, ...layoutFixture(gptLayout({ kind: 'gpt', layers: 2, heads: 1, width: 4, context: 3, vocab: 6, tiedHead: false }), 12) },
      mlp: { config: { kind: 'mlp', inputs: 6, hidden: [5], classes: 3 }, seed: 13, ...layoutFixture(mlpLayout({ kind: 'mlp', inputs: 6, hidden: [5], classes: 3 }), 13) },
      cnn: { config: { kind: 'cnn', channels: 1, height: 8, width: 8, filters: [2, 3], pool: 'max', classes: 4 }, seed: 14, ...layoutFixture(cnnLayout({ kind: 'cnn', channels: 1, height: 8, width: 8, filters: [2, 3], pool: 'max', classes: 4 }), 14) },
    },
  };
  if (withGpu) {
    // Logits with a spread like a trained model's (some confident rows, some flat ones).
    const [N, V, seed, counter] = [1024, 89, 1337, 3];
    const g = new Rng(99, 1);
    const logits = new Float32Array(N * V);
    for (let n = 0; n < N; n++) {
      const scale = 0.5 + 4 * g.uniform();
      for (let v = 0; v < V; v++) logits[n * V + v] = scale * g.normal();
    }
    fixture.gpuSampler = { N, V, seed, counter, logits: Array.from(logits), labels: await gpuLabels(logits, N, V, seed, counter) };
  }
  writeFileSync(out, JSON.stringify(fixture) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`pytorch-fixture: ${(e as Error).message}\n`);
  process.exit(1);
});
