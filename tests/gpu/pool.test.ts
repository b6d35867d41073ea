import { describe, expect, it } from 'vitest';
import { createStorageBuffer, createStorageBufferWith } from '../../src/gpu/buffers';
import { submitDispatches } from '../../src/gpu/dispatch';
import { readFloat32, readUint32 } from '../../src/gpu/readback';
import { avgPoolBackward, avgPoolForward, maxPoolBackward, maxPoolForward, maxPoolTangent, poolDims, type PoolShape } from '../../src/nn/pool';
import { avgPoolBackwardRef, avgPoolForwardRef, maxPoolBackwardRef, maxPoolForwardRef, maxPoolTangentRef } from '../../src/ref/pool';
import { Rng } from '../../src/util/rng';
import { expectClose } from '../helpers/compare';
import { expectGradientMatches, sampleIndices, weightedSum } from '../helpers/gradcheck';
import { useGpu } from '../helpers/gpu';

const SHAPES: [string, PoolShape][] = [
  ['1×1 plane, K = 1', { N: 1, C: 1, H: 1, W: 1, K: 1 }],
  ['2×2 stride 2 on odd sides (floor)', { N: 2, C: 3, H: 7, W: 5 }],
  ['3×3 stride 2 (overlapping windows)', { N: 1, C: 2, H: 9, W: 8, K: 3, stride: 2 }],
  ['3×3 stride 1', { N: 1, C: 1, H: 5, W: 7, K: 3, stride: 1 }],
  ['2×2 stride 3 (gaps between windows)', { N: 1, C: 2, H: 8, W: 7, K: 2, stride: 3 }],
  ['more elements than a workgroup', { N: 3, C: 5, H: 17, W: 13 }],
];
const TOL = { atol: 1e-6, rtol: 1e-5 };

describe('max-pool and average-pool kernels against the CPU reference', () => {
  const gpu = useGpu();

  async function run(shape: PoolShape, inp: Float32Array, dout: Float32Array, tangent: Float32Array) {
    const { ctx, device } = gpu();
    const d = poolDims('Test', shape);
    const outs = d.NC * d.OH * d.OW;
    const bufs = {
      inp: createStorageBufferWith(device, 'Test.inp', inp),
      dout: createStorageBufferWith(device, 'Test.dout', dout),
      out: createStorageBuffer(device, 'Test.out', 4 * outs),
      argmax: createStorageBuffer(device, 'Test.argmax', 4 * outs),
      dinp: createStorageBuffer(device, 'Test.dinp', 4 * inp.length),
      avgOut: createStorageBuffer(device, 'Test.avgOut', 4 * outs),
      avgDinp: createStorageBuffer(device, 'Test.avgDinp', 4 * inp.length),
      tangent: createStorageBufferWith(device, 'Test.tangent', tangent),
      tangentOut: createStorageBuffer(device, 'Test.tangentOut', 4 * outs),
    };
    submitDispatches(device, [
      maxPoolForward(ctx, 'Test.maxForward', bufs, shape),
      maxPoolBackward(ctx, 'Test.maxBackward', bufs, shape),
      avgPoolForward(ctx, 'Test.avgForward', { inp: bufs.inp, out: bufs.avgOut }, shape),
      avgPoolBackward(ctx, 'Test.avgBackward', { dout: bufs.dout, dinp: bufs.avgDinp }, shape),
      maxPoolTangent(ctx, 'Test.maxTangent', { tangent: bufs.tangent, argmax: bufs.argmax, out: bufs.tangentOut }, shape),
    ]);
    const result = {
      maxOut: await readFloat32(device, bufs.out, outs),
      argmax: await readUint32(device, bufs.argmax, outs),
      maxDinp: await readFloat32(device, bufs.dinp, inp.length),
      avgOut: await readFloat32(device, bufs.avgOut, outs),
      avgDinp: await readFloat32(device, bufs.avgDinp, inp.length),
      maxTangent: await readFloat32(device, bufs.tangentOut, outs),
    };
    for (const b of Object.values(bufs)) b.destroy();
    return result;
  }

  for (const [name, shape] of SHAPES) {
    it(`forward, backward and max-pool tangent: ${name}`, async () => {
      const d = poolDims('Test', shape);
      const rng = new Rng(d.NC * 100 + d.H);
      const inp = rng.uniformArray(d.NC * d.H * d.W); // (N,C,H,W)
      const dout = rng.uniformArray(d.NC * d.OH * d.OW); // (N,C,OH,OW)
      const tangent = rng.uniformArray(d.NC * d.H * d.W); // (N,C,H,W)
      const got = await run(shape, inp, dout, tangent);
      const maxRef = maxPoolForwardRef(inp, shape);
      expectClose(got.maxOut, maxRef.out, TOL, 'max out');
      expect(Array.from(got.argmax)).toEqual(Array.from(maxRef.argmax));
      expectClose(got.maxDinp, maxPoolBackwardRef(dout, maxRef.argmax, shape), TOL, 'max dinp');
      expectClose(got.avgOut, avgPoolForwardRef(inp, shape), TOL, 'avg out');
      expectClose(got.avgDinp, avgPoolBackwardRef(dout, shape), TOL, 'avg dinp');
      const tangentRef = maxPoolTangentRef(tangent, maxRef.argmax, shape);
      expect(Array.from(got.maxTangent)).toEqual(Array.from(tangentRef, Math.fround));
      // The tangent is the directional derivative of the forward (random inputs: no ties within h).
      const h = 1e-7;
      const [up, down] = [1, -1].map((sign) => maxPoolForwardRef(Array.from(inp, (x, i) => x + sign * h * tangent[i]), shape).out);
      expectClose(tangentRef, Array.from(up, (u, i) => (u - down[i]) / (2 * h)), { atol: 1e-6, rtol: 1e-6 }, 'max tangent vs difference');

      // Central differences of Σ pool(x)·dout (random inputs: no ties within h for max).
      const idx = sampleIndices(inp.length, 40);
      const gtol = { atol: 1e-6, rtol: 1e-4 };
      expectGradientMatches(got.maxDinp, (x) => weightedSum(maxPoolForwardRef(x, shape).out, dout), inp, gtol, 'max dinp', idx);
      expectGradientMatches(got.avgDinp, (x) => weightedSum(avgPoolForwardRef(x, shape), dout), inp, gtol, 'avg dinp', idx);
    });
  }

  it('breaks ties in a max window at the first maximum in row-major order', async () => {
    const shape: PoolShape = { N: 1, C: 2, H: 4, W: 6 };
    const d = poolDims('Test', shape);
    const inp = new Float32Array(d.NC * d.H * d.W).fill(1); // plane 0: all equal
    inp[24 + 1 * 6 + 1] = 5; // plane 1, window (0,0): max at its last cell, tied
    inp[24 + 1 * 6 + 0] = 5; //   with one earlier in row-major order
    const dout = Float32Array.from({ length: d.NC * d.OH * d.OW }, (_, i) => i + 1);
    const got = await run(shape, inp, dout, new Float32Array(inp.length));
    // Plane 0: every window's top-left cell wins.
    expect(Array.from(got.argmax.slice(0, 6))).toEqual([0, 2, 4, 12, 14, 16]);
    expect(got.argmax[6]).toBe(6);
    expect(got.maxDinp[0]).toBe(1);
    expect(got.maxDinp[1]).toBe(0);
    expect(got.maxDinp[24 + 6]).toBe(7);
    expect(got.maxDinp[24 + 7]).toBe(0);
  });

  it('rejects windows larger than the input', () => {
    expect(() => poolDims('Test.pool', { N: 1, C: 1, H: 1, W: 5 })).toThrow(/does not fit/);
  });
});
