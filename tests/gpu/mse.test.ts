// The square loss against one-hot targets (shaders/nn/mse.wgsl) against its float64 reference
// and a central difference of the mean loss; ignored rows; the evaluation variant. Its tangent
// and the MLP's exact H·v with it are in hvp.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { squareLoss } from '../../src/nn/mse';
import { squareLossRef } from '../../src/ref/mse';
import { Rng } from '../../src/util/rng';
import { expectClose } from '../helpers/compare';
import { useGpu } from '../helpers/gpu';
import { expectGradientMatches, sampleIndices } from '../helpers/gradcheck';
import { layerHarness, sameBits } from './layerHarness';

describe('square loss fused with its backward', () => {
  const gpu = useGpu();
  const h = layerHarness(gpu);
  afterEach(() => h.release());

  function setup(N: number, V: number, seed: number, targets?: Uint32Array) {
    const rng = new Rng(seed);
    const logits = rng.uniformArray(N * V, -2, 2);
    const t = targets ?? Uint32Array.from({ length: N }, () => rng.int(V));
    const bufs = { logits: h.upload('logits', logits), targets: h.upload('targets', t), losses: h.zeros('losses', N), correct: h.zeros('correct', N), dlogits: h.zeros('dlogits', N * V) };
    return { logits, targets: t, bufs };
  }

  for (const [N, V, scale] of [[1, 10, 1], [37, 10, 0.25], [130, 13, undefined]] as [number, number, number | undefined][]) {
    it(`losses, accuracy and dlogits equal the reference (N = ${N}, V = ${V})`, async () => {
      const { logits, targets, bufs } = setup(N, V, N + V);
      h.run([squareLoss(gpu().ctx, 'Test.mse', bufs, { N, V, scale })]);
      const ref = squareLossRef(logits, targets, N, V, scale);
      expectClose(await h.f32(bufs.losses, N), ref.losses, { atol: 1e-5, rtol: 1e-5 }, 'losses');
      expect(Array.from(await h.f32(bufs.correct, N))).toEqual(Array.from(ref.correct));
      expectClose(await h.f32(bufs.dlogits, N * V), ref.dlogits, { atol: 1e-7, rtol: 1e-5 }, 'dlogits');
    });
  }

  it('a target ≥ V is an ignored row; without dlogits the same losses bit for bit', async () => {
    const [N, V] = [4, 10];
    const { logits, targets, bufs } = setup(N, V, 3, new Uint32Array([2, 10, 0xffffffff, 9]));
    h.run([squareLoss(gpu().ctx, 'Test.mse', bufs, { N, V })]);
    const losses = await h.f32(bufs.losses, N);
    expectClose(losses, squareLossRef(logits, targets, N, V).losses, { atol: 1e-5, rtol: 1e-5 }, 'losses');
    expect(Array.from(losses.subarray(1, 3))).toEqual([0, 0]);
    expect((await h.f32(bufs.dlogits, N * V)).subarray(V, 3 * V).every((v) => v === 0)).toBe(true);
    const evalOnly = { logits: bufs.logits, targets: bufs.targets, losses: h.zeros('l2', N), correct: h.zeros('c2', N) };
    h.run([squareLoss(gpu().ctx, 'Test.mseEval', evalOnly, { N, V })]);
    expect(sameBits(await h.f32(evalOnly.losses, N), losses)).toBe(true);
    expect(() => squareLoss(gpu().ctx, 'Test.mseInPlace', { ...bufs, dlogits: bufs.logits }, { N, V })).toThrow(/a buffer of its own/);
  });

  it('dlogits matches central differences of the mean loss', async () => {
    const [N, V] = [6, 13];
    const { logits, targets, bufs } = setup(N, V, 17);
    h.run([squareLoss(gpu().ctx, 'Test.mse', bufs, { N, V })]);
    const meanLoss = (x: ArrayLike<number>) => squareLossRef(x, targets, N, V).losses.reduce((a, v) => a + v, 0) / N;
    expectGradientMatches(await h.f32(bufs.dlogits, N * V), meanLoss, logits, { atol: 1e-6, rtol: 1e-4 }, 'dlogits', sampleIndices(N * V, 30));
  });
});
