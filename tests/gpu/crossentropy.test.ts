import { afterEach, describe, expect, it } from 'vitest';
import { crossEntropy } from '../../src/nn/crossentropy';
import { crossEntropyRef } from '../../src/ref/crossentropy';
import { Rng } from '../../src/util/rng';
import { expectClose } from '../helpers/compare';
import { useGpu } from '../helpers/gpu';
import { expectGradientMatches, sampleIndices } from '../helpers/gradcheck';
import type { RowVariant } from '../../src/nn/rowVariant';
import { layerHarness, sameBits } from './layerHarness';

const VARIANTS: RowVariant[] = ['threadPerRow', 'workgroupPerRow'];

describe('softmax cross-entropy fused with its backward', () => {
  const gpu = useGpu();
  const h = layerHarness(gpu);
  afterEach(() => h.release());

  function setup(N: number, V: number, seed: number, spread = 5) {
    const rng = new Rng(seed);
    const logits = rng.uniformArray(N * V, -spread, spread);
    const targets = Uint32Array.from({ length: N }, () => rng.int(V));
    const bufs = {
      logits: h.upload('logits', logits),
      targets: h.upload('targets', targets),
      losses: h.zeros('losses', N),
      correct: h.zeros('correct', N),
      dlogits: h.zeros('dlogits', N * V),
    };
    return { logits, targets, bufs };
  }

  async function check(bufs: ReturnType<typeof setup>['bufs'], logits: Float32Array, targets: Uint32Array, N: number, V: number, scale?: number) {
    const ref = crossEntropyRef(logits, targets, N, V, scale);
    expectClose(await h.f32(bufs.losses, N), ref.losses, { atol: 1e-5, rtol: 1e-5 }, 'losses');
    expect(Array.from(await h.f32(bufs.correct, N))).toEqual(Array.from(ref.correct));
    const s = scale ?? 1 / N;
    expectClose(await h.f32(bufs.dlogits, N * V), ref.dlogits, { atol: 1e-6 * Math.abs(s), rtol: 1e-4 }, 'dlogits');
  }

  const SHAPES: [number, number][] = [
    [1, 1],
    [7, 10],
    [1031, 65],
    [5, 1000],
    [3, 97],
  ];
  for (const variant of VARIANTS) {
    for (const [N, V] of SHAPES) {
      it(`${variant}: losses, correct and dlogits at N=${N}, V=${V}`, async () => {
        const { logits, targets, bufs } = setup(N, V, N * 11 + V);
        // Make some rows correct: their target holds the row max.
        for (let n = 0; n < N; n += 3) logits[n * V + targets[n]] = 6;
        const up = { ...bufs, logits: h.upload('logits2', logits) };
        h.run([crossEntropy(gpu().ctx, 'Test.ce', up, { N, V, variant })]);
        await check(up, logits, targets, N, V);
      });
    }
  }

  it('is stable for large logits and breaks argmax ties toward the lower index', async () => {
    const V = 4;
    const logits = new Float32Array([1000, 1001, 999, 1001, 80, 80, 80, 80, -1e4, 0, 0, -1e4]);
    const targets = new Uint32Array([1, 0, 2]);
    const N = 3;
    const bufs = { logits: h.upload('l', logits), targets: h.upload('t', targets), losses: h.zeros('loss', N), correct: h.zeros('c', N), dlogits: h.zeros('d', N * V) };
    for (const variant of VARIANTS) {
      h.run([crossEntropy(gpu().ctx, 'Test.ce', bufs, { N, V, scale: 1, variant })]);
      await check(bufs, logits, targets, N, V, 1);
      expect(Array.from(await h.f32(bufs.correct, N))).toEqual([1, 1, 0]);
    } // row 1 ties → argmax 0; row 2 → argmax 1
  });

  it('a target ≥ V is an ignored row (loss 0, correct 0, zero gradient), others unaffected', async () => {
    const [N, V] = [4, 10];
    const { logits, bufs } = setup(N, V, 3);
    const targets = new Uint32Array([2, 10, 0xffffffff, 9]);
    const b = { ...bufs, targets: h.upload('t', targets) };
    h.run([crossEntropy(gpu().ctx, 'Test.ce', b, { N, V })]);
    await check(b, logits, targets, N, V);
    const d = await h.f32(b.dlogits, N * V);
    expect(d.subarray(V, 3 * V).every((v) => v === 0)).toBe(true);
  });

  for (const variant of VARIANTS) {
    it(`${variant}: in-place and no-gradient variants give the same losses; runs repeat bit for bit`, async () => {
      const { ctx } = gpu();
      const [N, V] = [37, 65];
      const { logits, targets, bufs } = setup(N, V, 9);
      h.run([crossEntropy(ctx, 'Test.ce', bufs, { N, V, scale: 0.25, variant })]);
      const losses = await h.f32(bufs.losses, N);
      const dlogits = await h.f32(bufs.dlogits, N * V);
      await check(bufs, logits, targets, N, V, 0.25);

      const inPlace = { ...bufs, losses: h.zeros('l2', N), correct: h.zeros('c2', N), logits: h.upload('logits2', logits) };
      h.run([crossEntropy(ctx, 'Test.ceInPlace', { ...inPlace, dlogits: inPlace.logits }, { N, V, scale: 0.25, variant })]);
      expect(sameBits(await h.f32(inPlace.losses, N), losses)).toBe(true);
      expect(sameBits(await h.f32(inPlace.logits, N * V), dlogits)).toBe(true);

      const evalOnly = { logits: bufs.logits, targets: bufs.targets, losses: h.zeros('l3', N), correct: h.zeros('c3', N) };
      h.run([crossEntropy(ctx, 'Test.ceEval', evalOnly, { N, V, variant })]);
      expect(sameBits(await h.f32(evalOnly.losses, N), losses)).toBe(true);
      expect(Array.from(await h.f32(evalOnly.correct, N))).toEqual(Array.from(await h.f32(bufs.correct, N)));
    });
  }

  it('dlogits matches central differences of the mean loss', async () => {
    const [N, V] = [6, 13];
    const { logits, targets, bufs } = setup(N, V, 17, 3);
    h.run([crossEntropy(gpu().ctx, 'Test.ce', bufs, { N, V })]);
    const meanLoss = (x: ArrayLike<number>) => crossEntropyRef(x, targets, N, V).losses.reduce((a, v) => a + v, 0) / N;
    expectGradientMatches(await h.f32(bufs.dlogits, N * V), meanLoss, logits, { atol: 1e-6, rtol: 1e-4 }, 'dlogits', sampleIndices(N * V, 30));
  });
});
