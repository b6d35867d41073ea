import { describe, expect, it } from 'vitest';
import { createStorageBuffer, createStorageBufferWith } from '../../src/gpu/buffers';
import { submitDispatches } from '../../src/gpu/dispatch';
import { readFloat32 } from '../../src/gpu/readback';
import { conv2dBackwardInput, conv2dBackwardWeight, conv2dDims, conv2dForward, conv2dOutputSide, type Conv2dShape } from '../../src/nn/conv2d';
import { conv2dBackwardRef, conv2dForwardRef } from '../../src/ref/conv2d';
import { Rng } from '../../src/util/rng';
import { expectClose } from '../helpers/compare';
import { expectGradientMatches, sampleIndices, weightedSum } from '../helpers/gradcheck';
import { useGpu } from '../helpers/gpu';

interface Case {
  name: string;
  shape: Conv2dShape;
  chunk?: number;
}

const CASES: Case[] = [
  { name: '3×3 pad 1 on odd sides', shape: { N: 2, IC: 3, H: 7, W: 5, OC: 4, K: 3, stride: 1, pad: 1 } },
  { name: '1×1', shape: { N: 3, IC: 5, H: 6, W: 7, OC: 6, K: 1 } },
  { name: '5×5 stride 2 pad 2', shape: { N: 2, IC: 2, H: 11, W: 9, OC: 5, K: 5, stride: 2, pad: 2 } },
  { name: '1×1 stride 2 (inputs that get no gradient)', shape: { N: 1, IC: 1, H: 5, W: 4, OC: 1, K: 1, stride: 2 } },
  { name: 'a batch of 67 images (more than a workgroup)', shape: { N: 67, IC: 2, H: 5, W: 3, OC: 3, K: 3, stride: 1, pad: 1 } },
  { name: 'more pixels than a workgroup, small chunks', shape: { N: 3, IC: 2, H: 19, W: 17, OC: 7, K: 3, stride: 1, pad: 0 }, chunk: 37 },
];

describe('conv2d kernels against the CPU reference', () => {
  const gpu = useGpu();

  it('computes output sides like PyTorch and rejects kernels that do not fit', () => {
    expect(conv2dOutputSide(7, 3, 1, 1)).toBe(7);
    expect(conv2dOutputSide(11, 5, 2, 2)).toBe(6);
    expect(conv2dOutputSide(6, 3, 2, 0)).toBe(2);
    expect(() => conv2dDims('Test.conv', { N: 1, IC: 1, H: 2, W: 2, OC: 1, K: 3 })).toThrow(/does not fit/);
    expect(() => conv2dDims('Test.conv', { N: 1, IC: 0, H: 2, W: 2, OC: 1, K: 1 })).toThrow(/IC = 0/);
  });

  for (const c of CASES) {
    it(`forward, input and weight gradients: ${c.name}`, async () => {
      const { ctx, device } = gpu();
      const d = conv2dDims('Test', c.shape);
      const rng = new Rng(d.N * 1000 + d.H * 10 + d.K);
      const inp = rng.uniformArray(d.N * d.IC * d.H * d.W); // (N,IC,H,W)
      const weight = rng.uniformArray(d.OC * d.IC * d.K * d.K); // (OC,IC,K,K)
      const bias = rng.uniformArray(d.OC); // (OC)
      const dout = rng.uniformArray(d.N * d.OC * d.OH * d.OW); // (N,OC,OH,OW)
      const bufs = {
        inp: createStorageBufferWith(device, 'Test.inp', inp),
        weight: createStorageBufferWith(device, 'Test.weight', weight),
        bias: createStorageBufferWith(device, 'Test.bias', bias),
        out: createStorageBuffer(device, 'Test.out', 4 * dout.length),
        dout: createStorageBufferWith(device, 'Test.dout', dout),
        dinp: createStorageBuffer(device, 'Test.dinp', 4 * inp.length),
        dweight: createStorageBuffer(device, 'Test.dweight', 4 * weight.length),
        dbias: createStorageBuffer(device, 'Test.dbias', 4 * bias.length),
      };
      const fwd = conv2dForward(ctx, 'Test.forward', bufs, c.shape);
      const bwdIn = conv2dBackwardInput(ctx, 'Test.inputGrad', bufs, c.shape);
      const bwdW = conv2dBackwardWeight(ctx, 'Test.weightGrad', bufs, c.shape, { chunk: c.chunk });
      submitDispatches(device, [fwd, bwdIn, ...bwdW.kernels]);
      const [out, dinp, dweight, dbias] = await Promise.all([
        readFloat32(device, bufs.out, dout.length),
        readFloat32(device, bufs.dinp, inp.length),
        readFloat32(device, bufs.dweight, weight.length),
        readFloat32(device, bufs.dbias, bias.length),
      ]);

      const terms = d.IC * d.K * d.K;
      expectClose(out, conv2dForwardRef(inp, weight, bias, c.shape), { atol: 1e-5 * Math.sqrt(terms), rtol: 1e-4 }, 'forward');
      const ref = conv2dBackwardRef(inp, weight, dout, c.shape);
      expectClose(dinp, ref.dinp, { atol: 1e-5 * Math.sqrt(d.OC * d.K * d.K), rtol: 1e-4 }, 'dinp');
      const positions = d.N * d.OH * d.OW;
      expectClose(dweight, ref.dweight, { atol: 1e-5 * Math.sqrt(positions), rtol: 1e-4 }, 'dweight');
      expectClose(dbias, ref.dbias, { atol: 1e-5 * Math.sqrt(positions), rtol: 1e-4 }, 'dbias');

      // Central differences of L = Σ conv(inp, weight, bias) · dout, each argument in turn.
      const tol = { atol: 1e-4 * Math.sqrt(positions), rtol: 1e-3 };
      const lossOf = (x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number>) => weightedSum(conv2dForwardRef(x, w, b, c.shape), dout);
      const pick = (n: number) => sampleIndices(n, 24);
      expectGradientMatches(dinp, (x) => lossOf(x, weight, bias), inp, tol, 'dinp', pick(inp.length));
      expectGradientMatches(dweight, (w) => lossOf(inp, w, bias), weight, tol, 'dweight', pick(weight.length));
      expectGradientMatches(dbias, (b) => lossOf(inp, weight, b), bias, tol, 'dbias');

      for (const b of [...Object.values(bufs), bwdW.scratch]) b.destroy();
    });
  }

  it('accumulates gradients with beta = 1 and gives the same bits on every run', async () => {
    const { ctx, device } = gpu();
    const shape: Conv2dShape = { N: 2, IC: 3, H: 7, W: 5, OC: 4, K: 3, stride: 2, pad: 1 };
    const d = conv2dDims('Test', shape);
    const rng = new Rng(77);
    const inp = rng.uniformArray(d.N * d.IC * d.H * d.W);
    const weight = rng.uniformArray(d.OC * d.IC * d.K * d.K);
    const dout = rng.uniformArray(d.N * d.OC * d.OH * d.OW);
    const dinp0 = rng.uniformArray(inp.length);
    const dweight0 = rng.uniformArray(weight.length);
    const dbias0 = rng.uniformArray(d.OC);
    const bufs = {
      inp: createStorageBufferWith(device, 'Test.inp', inp),
      weight: createStorageBufferWith(device, 'Test.weight', weight),
      dout: createStorageBufferWith(device, 'Test.dout', dout),
      dinp: createStorageBufferWith(device, 'Test.dinp', dinp0),
      dweight: createStorageBufferWith(device, 'Test.dweight', dweight0),
      dbias: createStorageBufferWith(device, 'Test.dbias', dbias0),
    };
    const wg = conv2dBackwardWeight(ctx, 'Test.weightGrad', bufs, shape, { beta: 1, chunk: 5 });
    submitDispatches(device, [conv2dBackwardInput(ctx, 'Test.inputGrad', bufs, shape, 1), ...wg.kernels]);
    const ref = conv2dBackwardRef(inp, weight, dout, shape);
    const plus = (a: Float32Array, b: Float64Array) => Float64Array.from(a, (v, i) => v + b[i]);
    const tol = { atol: 1e-4, rtol: 1e-4 };
    expectClose(await readFloat32(device, bufs.dinp, inp.length), plus(dinp0, ref.dinp), tol, 'dinp += ');
    const first = await readFloat32(device, bufs.dweight, weight.length);
    expectClose(first, plus(dweight0, ref.dweight), tol, 'dweight += ');
    expectClose(await readFloat32(device, bufs.dbias, d.OC), plus(dbias0, ref.dbias), tol, 'dbias += ');

    // Overwrite mode twice over the same data: identical bits.
    const once = conv2dBackwardWeight(ctx, 'Test.weightGradOverwrite', { ...bufs, scratch: wg.scratch }, shape, { chunk: 5 });
    submitDispatches(device, [...once.kernels]);
    const a = await readFloat32(device, bufs.dweight, weight.length);
    submitDispatches(device, [...once.kernels]);
    const b = await readFloat32(device, bufs.dweight, weight.length);
    expect(new Uint32Array(b.buffer)).toEqual(new Uint32Array(a.buffer));
    for (const buf of Object.values(bufs)) buf.destroy();
    wg.scratch.destroy();
  });

  it('refuses buffers too small for the shape', () => {
    const { ctx, device } = gpu();
    const small = createStorageBuffer(device, 'Test.small', 16);
    const shape: Conv2dShape = { N: 1, IC: 2, H: 4, W: 4, OC: 2, K: 3 };
    expect(() => conv2dForward(ctx, 'Test.bad', { inp: small, weight: small, bias: small, out: small }, shape)).toThrow(/buffer inp .* needs 32/);
    small.destroy();
  });
});
