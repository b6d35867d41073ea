// The contract the IRE refresh relies on (src/train/run.ts): neither a loss kernel nor the
// backward writes a buffer the forward wrote, so one forward can feed the refresh's loss on
// sampled labels and backward, then the step's own loss and backward. The step's gradient and
// losses must be the same bits as after a fresh forward, for every model kind.
import { describe, expect, it } from 'vitest';
import { createStorageBufferWith, writeBuffer } from '../../src/gpu/buffers';
import { submitDispatches } from '../../src/gpu/dispatch';
import { readFloat32 } from '../../src/gpu/readback';
import type { Model } from '../../src/nn/model';
import { initParams } from '../../src/nn/paramLayout';
import type { ModelConfig } from '../../src/train/config';
import { buildModel } from '../../src/train/models';
import { Rng } from '../../src/util/rng';
import { useGpu } from '../helpers/gpu';

const CASES: { name: string; cfg: ModelConfig; B: number; inputs: (rng: Rng) => Uint32Array | Float32Array; rows: number; classes: number }[] = [
  { name: 'gpt', cfg: { kind: 'gpt', layers: 2, heads: 2, width: 16, context: 8, vocab: 11, tiedHead: true }, B: 3, rows: 24, classes: 11, inputs: (r) => Uint32Array.from({ length: 24 }, () => r.int(11)) },
  { name: 'mlp', cfg: { kind: 'mlp', inputs: 36, hidden: [12, 9], classes: 5 }, B: 7, rows: 7, classes: 5, inputs: (r) => r.uniformArray(7 * 36) },
  { name: 'cnn', cfg: { kind: 'cnn', channels: 1, height: 8, width: 8, filters: [3, 4], pool: 'max', classes: 5 }, B: 5, rows: 5, classes: 5, inputs: (r) => r.uniformArray(5 * 64) },
];

async function gradientAndLosses(device: GPUDevice, model: Model): Promise<[Float32Array, Float32Array]> {
  return [await readFloat32(device, model.grads, model.layout.total), await readFloat32(device, model.losses, model.rows)];
}

describe('one forward feeds two loss + backward passes', () => {
  const gpu = useGpu();
  for (const c of CASES) {
    it(`${c.name}: the gradient after the sampled-label pass equals a fresh one, bit for bit`, async () => {
      const { ctx, device } = gpu();
      const rng = new Rng(c.rows);
      const image = c.cfg.kind === 'mlp' ? { C: 1, H: 6, W: 6 } : undefined;
      const batch = {
        inputs: createStorageBufferWith(device, 'Test.inputs', c.inputs(rng)),
        targets: createStorageBufferWith(device, 'Test.targets', Uint32Array.from({ length: c.rows }, () => rng.int(c.classes))),
      };
      const model = buildModel(ctx, `Test.${c.name}`, c.cfg, c.B, batch, 9, { vocab: 11, image });
      writeBuffer(device, model.params, initParams(model.layout, 4));
      submitDispatches(device, [...model.forward, ...model.lossOnTargets, ...model.backward]);
      const [fresh, freshLosses] = await gradientAndLosses(device, model);
      model.setSampleCounter(3);
      submitDispatches(device, [...model.forward, ...model.lossOnSampledLabels, ...model.backward]);
      const [sampled] = await gradientAndLosses(device, model);
      submitDispatches(device, [...model.lossOnTargets, ...model.backward]); // no second forward
      const [reused, reusedLosses] = await gradientAndLosses(device, model);
      expect(sampled).not.toEqual(fresh); // the sampled labels differ from the targets
      expect(Array.from(reused)).toEqual(Array.from(fresh));
      expect(Array.from(reusedLosses)).toEqual(Array.from(freshLosses));
      model.destroy();
      batch.inputs.destroy();
      batch.targets.destroy();
    });
  }
});
