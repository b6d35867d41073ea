import { afterEach, describe, expect, it } from 'vitest';
import { sampleCategorical, samplerHashCheck } from '../../src/nn/sampler';
import { sampleCategoricalRef, softmaxRow } from '../../src/ref/sampler';
import { hash32, randomU32, Rng } from '../../src/util/rng';
import { useGpu } from '../helpers/gpu';
import { layerHarness } from './layerHarness';

describe('categorical sampler with the counter-based RNG', () => {
  const gpu = useGpu();
  const h = layerHarness(gpu);
  afterEach(() => h.release());

  it('the WGSL hash32 and randomU32 give the CPU bits on many inputs', async () => {
    const rng = new Rng(1);
    const inputs = new Uint32Array(5000);
    for (let i = 0; i < inputs.length; i++) inputs[i] = i < 1000 ? i : rng.nextU32();
    inputs[1] = 0xffffffff;
    inputs[2] = 0x80000000;
    const N = inputs.length;
    const [seed, counter] = [0xdeadbeef, 123457];
    const out = h.zeros('out', 2 * N);
    h.run([samplerHashCheck(gpu().ctx, 'Test.hash', { inp: h.upload('inp', inputs), out }, { N, seed, counter })]);
    const got = await h.u32(out, 2 * N);
    const want = new Uint32Array(2 * N);
    inputs.forEach((x, i) => {
      want[2 * i] = hash32(x);
      want[2 * i + 1] = randomU32(seed, x, counter);
    });
    const bad = want.findIndex((v, i) => v !== got[i]);
    expect(bad, `first mismatch at ${bad}: got ${got[bad]}, want ${want[bad]}`).toBe(-1);
  });

  async function sample(logits: Float32Array, N: number, V: number, seed: number, counter: number): Promise<Uint32Array> {
    const labels = h.zeros('labels', N);
    h.run([sampleCategorical(gpu().ctx, 'Test.sample', { logits: h.upload('logits', logits), labels }, { N, V, seed, counter })]);
    return h.u32(labels, N);
  }

  it('rows with identical logits follow the softmax (chi-square)', async () => {
    const row = [0, 1, -1, 2, 0.5, -3, 1.5];
    const V = row.length;
    const N = 6000;
    const logits = new Float32Array(N * V);
    for (let n = 0; n < N; n++) logits.set(row, n * V);
    const labels = await sample(logits, N, V, 2024, 7);
    const counts = new Array<number>(V).fill(0);
    for (const l of labels) counts[l]++;
    const p = softmaxRow(row, 0, V);
    const chi2 = counts.reduce((a, c, i) => a + (c - N * p[i]) ** 2 / (N * p[i]), 0);
    // 6 degrees of freedom: P(χ² > 25) ≈ 3e-4.
    expect(chi2, `counts ${counts.join(',')}`).toBeLessThan(25);
  });

  it('is deterministic for a fixed (seed, counter), fresh for another counter or seed', async () => {
    const [N, V] = [500, 10];
    const logits = new Rng(3).uniformArray(N * V, -1, 1);
    const a = await sample(logits, N, V, 11, 1);
    const b = await sample(logits, N, V, 11, 1);
    const c = await sample(logits, N, V, 11, 2);
    const d = await sample(logits, N, V, 12, 1);
    expect(Array.from(a)).toEqual(Array.from(b));
    const differ = (x: Uint32Array, y: Uint32Array) => x.reduce((k, v, i) => k + (v !== y[i] ? 1 : 0), 0);
    expect(differ(a, c)).toBeGreaterThan(N / 2); // ~0.9 expected for near-uniform rows
    expect(differ(a, d)).toBeGreaterThan(N / 2);
  });

  it('matches the CPU reference draw and stays in range (V = 65, 1000, and 1)', async () => {
    for (const [N, V] of [
      [1031, 65],
      [40, 1000],
      [5, 1],
    ]) {
      const logits = new Rng(V).uniformArray(N * V, -4, 4);
      const got = await sample(logits, N, V, 99, 5);
      const want = sampleCategoricalRef(logits, N, V, 99, 5);
      expect(got.every((l) => l < V)).toBe(true);
      const agree = got.reduce((k, v, i) => k + (v === want[i] ? 1 : 0), 0);
      // Only a draw within f32 rounding of a CDF boundary may differ.
      expect(agree, `N=${N} V=${V}`).toBeGreaterThanOrEqual(Math.floor(0.995 * N));
    }
  });

  it('a dominant logit is always drawn', async () => {
    const [N, V] = [64, 5];
    const logits = new Float32Array(N * V).fill(-50);
    for (let n = 0; n < N; n++) logits[n * V + (n % V)] = 50;
    const labels = await sample(logits, N, V, 1, 1);
    expect(Array.from(labels)).toEqual(Array.from({ length: N }, (_, n) => n % V));
  });
});
