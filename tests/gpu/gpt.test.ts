import { describe, expect, it } from 'vitest';
import { createStorageBuffer, createStorageBufferWith, writeBuffer } from '../../src/gpu/buffers';
import { Gpt } from '../../src/nn/gpt';
import { initParams } from '../../src/nn/paramLayout';
import type { GptConfig } from '../../src/train/config';
import { Rng } from '../../src/util/rng';
import { useGpu } from '../helpers/gpu';
import { lossAndGradient, modelGradientErrors } from '../helpers/model';

const CFG: GptConfig = { kind: 'gpt', layers: 2, heads: 2, width: 16, context: 8, vocab: 11, tiedHead: true };
const B = 3;

function batch(device: GPUDevice, seed: number) {
  const rng = new Rng(seed);
  const N = B * CFG.context;
  const tokens = Uint32Array.from({ length: N }, () => rng.int(CFG.vocab));
  const targets = Uint32Array.from({ length: N }, () => rng.int(CFG.vocab));
  return { inputs: createStorageBufferWith(device, 'Test.tokens', tokens), targets: createStorageBufferWith(device, 'Test.targets', targets) };
}

describe('GPT model', () => {
  const gpu = useGpu();

  it('starts near the uniform loss ln V', async () => {
    const { ctx, device } = gpu();
    const data = batch(device, 1);
    const model = new Gpt(ctx, 'Test.gpt', CFG, B, data, 5);
    writeBuffer(device, model.params, initParams(model.layout, 42));
    const { loss, grads } = await lossAndGradient(device, model);
    expect(Math.abs(loss - Math.log(CFG.vocab))).toBeLessThan(0.1);
    expect(grads.every(Number.isFinite)).toBe(true);
    model.destroy();
  });

  for (const tiedHead of [true, false]) {
    it(`gradient matches central differences of the loss (${tiedHead ? 'tied' : 'separate'} head)`, async () => {
      const { ctx, device } = gpu();
      const data = batch(device, 2);
      const cfg = { ...CFG, tiedHead };
      const model = new Gpt(ctx, 'Test.gpt', cfg, B, data, 5);
      // Larger weights than at init so every path carries a visible gradient.
      const rng = new Rng(9);
      const params = initParams(model.layout, 3).map((x) => x * 10);
      for (const v of model.layout.views) {
        if (v.group === 'norm' || v.group === 'bias') for (let i = 0; i < v.size; i++) params[v.offset + i] += 0.2 * rng.normal();
      }
      const indices = model.layout.views.flatMap((v) => [v.offset, v.offset + Math.floor(v.size / 2), v.offset + v.size - 1]);
      const errors = await modelGradientErrors(device, model, params, indices, 2e-3);
      const bad = errors.filter((e) => Math.abs(e.analytic - e.numeric) > 2e-3 + 0.05 * Math.abs(e.numeric));
      const named = bad.map((e) => `${model.layout.views.find((v) => e.index >= v.offset && e.index < v.offset + v.size)?.name}[${e.index}]: ${e.analytic} vs ${e.numeric}`);
      expect(named).toEqual([]);
      // The check is not vacuous: most sampled gradients are clearly non-zero.
      expect(errors.filter((e) => Math.abs(e.numeric) > 1e-4).length).toBeGreaterThan(indices.length / 2);
      model.destroy();
    });
  }

  it('refuses an invalid configuration with a clear message', () => {
    const { ctx, device } = gpu();
    const data = { inputs: createStorageBuffer(device, 'x', 64), targets: createStorageBuffer(device, 'y', 64) };
    expect(() => new Gpt(ctx, 'Test.bad', { ...CFG, width: 15 }, B, data, 1)).toThrow(/width 15 is not a multiple of heads 2/);
  });
});
