import { describe, expect, it } from 'vitest';
import { createStorageBuffer, createStorageBufferWith } from '../../src/gpu/buffers';
import { submitDispatches } from '../../src/gpu/dispatch';
import { readFloat32, readUint32 } from '../../src/gpu/readback';
import { flatRank } from '../../src/optim/ire';
import { RadixSelect, SELECT_CONFIGS, SELECT_GPU, SELECT_MAX_GROUPS, SELECT_VARIANTS, SELECT_WG, type SelectConfig } from '../../src/optim/radixSelect';
import { maskRef, selectRef } from '../../src/ref/ire';
import { Rng } from '../../src/util/rng';
import { useGpu } from '../helpers/gpu';

/** Data sets that stress different passes: spread exponents, ties, one top byte, zeros. */
function dataSets(n: number, seed: number): [string, Float32Array][] {
  const rng = new Rng(seed);
  const spread = Float32Array.from({ length: n }, () => rng.uniform() ** 8 * 10 ** rng.range(-30, 10));
  const ties = Float32Array.from({ length: n }, () => [0, 0.5, 1, 2, 1e-40][rng.int(5)]);
  const close = new Float32Array(n);
  const bits = new Uint32Array(close.buffer);
  for (let i = 0; i < n; i++) bits[i] = 0x3f800000 + rng.int(1 << 16); // 1 + k ulp: the top bytes all equal
  const zeros = new Float32Array(n);
  return [
    ['spread', spread],
    ['ties', ties],
    ['close', close],
    ['zeros', zeros],
  ];
}

describe('radix select of the γ-threshold and the flat mask', () => {
  const gpu = useGpu();

  async function check(h: Float32Array, rank: number, enabled: boolean, padCount: number, what: string, config: SelectConfig = SELECT_GPU) {
    const { ctx, device } = gpu();
    const P = h.length;
    const hBuf = createStorageBufferWith(device, 'Test.h', h);
    const mask = createStorageBuffer(device, 'Test.mask', P * 4);
    const stats = createStorageBuffer(device, 'Test.stats', 16);
    const select = new RadixSelect(ctx, 'Test.select', { h: hBuf, mask, stats }, { count: P, padCount, countIndex: 2, thresholdIndex: 3 }, config);
    select.setRank(rank, enabled);
    submitDispatches(device, select.dispatches);
    const [gotMask, gotStats] = await Promise.all([readUint32(device, mask, P), readFloat32(device, stats, 4)]);
    const thr = selectRef(h, rank);
    const wantMask = maskRef(h, thr, enabled);
    const wantCount = enabled ? wantMask.reduce((a, b) => a + b, 0) - padCount : 0;
    expect(gotStats[3], `${what}: thr`).toBe(enabled ? thr : -1);
    expect(gotStats[2], `${what}: count`).toBe(wantCount);
    const firstBad = gotMask.findIndex((m, i) => m !== wantMask[i]);
    expect(firstBad, `${what}: first mask mismatch`).toBe(-1);
    select.destroy();
    [hBuf, mask, stats].forEach((b) => b.destroy());
  }

  for (const n of [1, 2, 97, 4099]) {
    it(`equals sort-and-take-index ⌊γ·p⌋ for γ in 0, 0.5, 1 on random, tied, close and zero data, p = ${n}`, async () => {
      for (const [name, h] of dataSets(n, n)) {
        for (const gamma of [0, 0.5, 1]) {
          const rank = Math.min(Math.floor(gamma * n), n - 1);
          await check(h, rank, true, 0, `${name} p=${n} γ=${gamma}`);
        }
      }
    });
  }

  it('works past one histogram sweep (p > groups·WG) and on every rank of a small set', async () => {
    const n = SELECT_MAX_GROUPS * SELECT_WG + 4463;
    const [, spread] = dataSets(n, 5)[0];
    await check(spread, 12345, true, 0, 'large');
    const small = Float32Array.from([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5]);
    for (let r = 0; r < small.length; r++) await check(small, r, true, 0, `rank ${r}`);
  });

  // The tests above run the wide configuration; each adapter runs the one its tuning chose.
  for (const variant of SELECT_VARIANTS) {
    it(`${variant} configuration: past one sweep, on spread, tied, close and zero data`, async () => {
      const config = SELECT_CONFIGS[variant];
      const n = config.maxGroups * config.wg + 4463;
      for (const [name, h] of dataSets(n, 6)) await check(h, Math.floor(0.6 * n), true, 0, `${variant} ${name}`, config);
    });
  }

  it('follows the γ rule with padding: k = ⌊γ·pReal⌋ flagged, padding left out of the count', async () => {
    const rng = new Rng(3);
    const real = 1000;
    const padCount = 24;
    const h = new Float32Array(real + padCount);
    for (let i = 0; i < real; i++) h[i] = rng.uniform() + 1e-3; // every real h > 0
    h.fill(0, real); // the padding: zeros at the end of the layout
    for (const gamma of [0, 0.0005, 0.001, 0.5, 0.6, 0.999, 1]) {
      const { rank, enabled, flagged } = flatRank(gamma, h.length, padCount);
      expect(flagged).toBe(Math.floor(gamma * real + 1e-9));
      await check(h, rank, enabled, padCount, `γ=${gamma}`);
    }
  });

  it('flatRank: the toy problem (p = 2, γ = 0.5) flags one coordinate; γ·p < 1 flags none', () => {
    expect(flatRank(0.5, 2, 0)).toEqual({ rank: 0, enabled: true, flagged: 1 });
    expect(flatRank(1, 2, 0)).toEqual({ rank: 1, enabled: true, flagged: 2 });
    expect(flatRank(0.4, 2, 0)).toEqual({ rank: 0, enabled: false, flagged: 0 });
    expect(flatRank(0.29, 100, 0).flagged).toBe(29);
    expect(flatRank(0.6, 70, 6)).toEqual({ rank: 6 + 38 - 1, enabled: true, flagged: 38 });
  });
});
