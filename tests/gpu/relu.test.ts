import { describe, expect, it } from 'vitest';
import { createStorageBuffer, createStorageBufferWith } from '../../src/gpu/buffers';
import { submitDispatches } from '../../src/gpu/dispatch';
import { readFloat32 } from '../../src/gpu/readback';
import { reluBackward, reluForward } from '../../src/nn/relu';
import { reluBackwardRef, reluForwardRef } from '../../src/ref/relu';
import { Rng } from '../../src/util/rng';
import { expectClose } from '../helpers/compare';
import { expectGradientMatches, weightedSum } from '../helpers/gradcheck';
import { useGpu } from '../helpers/gpu';

const EXACT = { atol: 0, rtol: 0 };

/** Random values kept at least 1e-3 from the kink, plus a few exact zeros. */
function activations(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const x = Float32Array.from({ length: n }, () => {
    const v = rng.range(-1, 1);
    return Math.abs(v) < 1e-3 ? 0.5 : v;
  });
  for (let i = 0; i < n; i += 11) x[i] = 0;
  return x;
}

describe('ReLU kernels against the CPU reference', () => {
  const gpu = useGpu();

  for (const n of [1, 7, 1031]) {
    it(`forward and backward over ${n} elements, separate and in place`, async () => {
      const { ctx, device } = gpu();
      const x = activations(n, n);
      const dout = new Rng(n + 1).uniformArray(n);
      const inp = createStorageBufferWith(device, 'Test.inp', x);
      const out = createStorageBuffer(device, 'Test.out', 4 * n);
      const dOut = createStorageBufferWith(device, 'Test.dout', dout);
      const dInp = createStorageBuffer(device, 'Test.dinp', 4 * n);
      const inPlace = createStorageBufferWith(device, 'Test.inPlace', x);
      const gradInPlace = createStorageBufferWith(device, 'Test.gradInPlace', dout);
      submitDispatches(device, [
        reluForward(ctx, 'Test.forward', { inp, out }, n),
        reluBackward(ctx, 'Test.backward', { act: inp, dout: dOut, dinp: dInp }, n),
        reluForward(ctx, 'Test.forwardInPlace', { inp: inPlace, out: inPlace }, n),
        // Backward from the output (in place over x): same mask as from the input.
        reluBackward(ctx, 'Test.backwardInPlace', { act: inPlace, dout: gradInPlace, dinp: gradInPlace }, n),
      ]);
      const wantOut = reluForwardRef(x);
      const wantDinp = reluBackwardRef(x, dout);
      expectClose(await readFloat32(device, out, n), wantOut, EXACT, 'out');
      expectClose(await readFloat32(device, inPlace, n), wantOut, EXACT, 'out in place');
      const dinp = await readFloat32(device, dInp, n);
      expectClose(dinp, wantDinp, EXACT, 'dinp');
      expectClose(await readFloat32(device, gradInPlace, n), wantDinp, EXACT, 'dinp in place');
      expect(dinp[0]).toBe(0); // x = 0 passes no gradient

      const nonzero = Array.from({ length: n }, (_, i) => i).filter((i) => x[i] !== 0).slice(0, 50);
      expectGradientMatches(dinp, (v) => weightedSum(reluForwardRef(v), dout), x, { atol: 1e-7, rtol: 1e-6 }, 'dinp', nonzero);
      for (const b of [inp, out, dOut, dInp, inPlace, gradInPlace]) b.destroy();
    });
  }

  it('refuses a buffer too small for n', () => {
    const { ctx, device } = gpu();
    const small = createStorageBuffer(device, 'Test.small', 16);
    const big = createStorageBuffer(device, 'Test.big', 64);
    expect(() => reluForward(ctx, 'Test.bad', { inp: big, out: small }, 16)).toThrow(/buffer out .* needs 16/);
    small.destroy();
    big.destroy();
  });
});
