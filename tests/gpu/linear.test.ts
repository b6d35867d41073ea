import { afterEach, describe, expect, it } from 'vitest';
import { BIAS_BACKWARD_VARIANTS, biasBackward } from '../../src/nn/bias';
import { linearBackward, linearForward } from '../../src/nn/linear';
import { geluBackward, geluForward } from '../../src/nn/gelu';
import type { MatmulVariant } from '../../src/nn/matmul';
import { geluBackwardRef, geluForwardRef } from '../../src/ref/gelu';
import { biasBackwardRef, linearBackwardRef, linearForwardRef } from '../../src/ref/linear';
import { Rng } from '../../src/util/rng';
import { expectClose } from '../helpers/compare';
import { useGpu } from '../helpers/gpu';
import { expectGradientMatches, sampleIndices, weightedSum } from '../helpers/gradcheck';
import { layerHarness, sameBits } from './layerHarness';

const sumTol = (terms: number) => ({ atol: 1e-5 * Math.sqrt(terms), rtol: 1e-4 });

describe('bias gradient column reduction', () => {
  const gpu = useGpu();
  const h = layerHarness(gpu);
  afterEach(() => h.release());

  const SHAPES: [number, number][] = [
    [1, 1],
    [7, 13],
    [1027, 33],
    [64, 16],
    [5, 131], // several workgroups of the serial variant (64 columns each)
  ];
  const BIAS_VARIANTS = BIAS_BACKWARD_VARIANTS;
  for (const variant of BIAS_VARIANTS) for (const [N, OC] of SHAPES) {
    it(`${variant}: dbias = column sums at N=${N}, OC=${OC}`, async () => {
      const rng = new Rng(N * 7 + OC);
      const dout = rng.uniformArray(N * OC);
      const dbias = h.zeros('dbias', OC);
      h.run([biasBackward(gpu().ctx, 'Test.bias', { dout: h.upload('dout', dout), dbias }, { N, OC }, variant)]);
      expectClose(await h.f32(dbias, OC), biasBackwardRef(dout, N, OC), sumTol(N), `N=${N} OC=${OC}`);
    });
  }

  for (const variant of BIAS_VARIANTS) it(`${variant}: accumulates into dbias and is bit-identical across runs`, async () => {
    const N = 1024;
    const OC = 19;
    const rng = new Rng(3);
    const dout = rng.uniformArray(N * OC);
    const start = rng.uniformArray(OC);
    const dbias = h.upload('dbias', start);
    const doutBuf = h.upload('dout', dout);
    const k = biasBackward(gpu().ctx, 'Test.bias', { dout: doutBuf, dbias }, { N, OC, accumulate: true }, variant);
    h.run([k]);
    const first = await h.f32(dbias, OC);
    const want = biasBackwardRef(dout, N, OC).map((v, i) => v + start[i]);
    expectClose(first, want, sumTol(N), 'accumulated');
    // Overwrite twice: the same bits both times.
    gpu().ctx.updateParams(k, { N, OC, accumulate: 0 });
    h.run([k]);
    const a = await h.f32(dbias, OC);
    h.run([k]);
    const b = await h.f32(dbias, OC);
    expect(sameBits(a, b)).toBe(true);
    expectClose(a, biasBackwardRef(dout, N, OC), sumTol(N), 'overwritten');
  });

  it('N = 0 gives zeros', async () => {
    const dbias = h.upload('dbias', new Float32Array([5, 6, 7]));
    h.run([biasBackward(gpu().ctx, 'Test.bias', { dout: h.zeros('dout', 1), dbias }, { N: 0, OC: 3 })]);
    expect(Array.from(await h.f32(dbias, 3))).toEqual([0, 0, 0]);
  });
});

describe('linear layer', () => {
  const gpu = useGpu();
  const h = layerHarness(gpu);
  afterEach(() => h.release());

  const SHAPES: [number, number, number][] = [
    [1, 1, 1],
    [13, 7, 5],
    [67, 33, 65],
  ];
  for (const [N, C, OC] of SHAPES) {
    for (const withBias of [true, false]) {
      it(`forward and backward at N=${N}, C=${C}, OC=${OC}${withBias ? ' with bias' : ''}`, async () => {
        const { ctx } = gpu();
        const rng = new Rng(N + 100 * C + 10000 * OC);
        const x = rng.uniformArray(N * C);
        const w = rng.uniformArray(OC * C);
        const b = withBias ? rng.uniformArray(OC) : undefined;
        const dy = rng.uniformArray(N * OC);
        const bufs = {
          inp: h.upload('x', x),
          weight: h.upload('w', w),
          bias: b ? h.upload('b', b) : undefined,
          out: h.zeros('y', N * OC),
          dout: h.upload('dy', dy),
          dinp: h.zeros('dx', N * C),
          dweight: h.zeros('dw', OC * C),
          dbias: b ? h.zeros('db', OC) : undefined,
        };
        const back = linearBackward(ctx, 'Test.linearBack', bufs, { N, C, OC });
        expect(back.kernels.length).toBe(withBias ? 3 : 2);
        h.run([linearForward(ctx, 'Test.linear', bufs, { N, C, OC }), ...back.kernels]);
        expectClose(await h.f32(bufs.out, N * OC), linearForwardRef(x, w, b, N, C, OC), sumTol(C), 'y');
        const ref = linearBackwardRef(dy, x, w, N, C, OC);
        expectClose(await h.f32(bufs.dinp, N * C), ref.dinp, sumTol(OC), 'dx');
        expectClose(await h.f32(bufs.dweight, OC * C), ref.dweight, sumTol(N), 'dW');
        if (bufs.dbias) expectClose(await h.f32(bufs.dbias, OC), ref.dbias, sumTol(N), 'db');
      });
    }
  }

  it('accumulates dW, db and dx with the accumulate options', async () => {
    const { ctx } = gpu();
    const [N, C, OC] = [9, 6, 11];
    const rng = new Rng(77);
    const x = rng.uniformArray(N * C);
    const w = rng.uniformArray(OC * C);
    const dy = rng.uniformArray(N * OC);
    const dx0 = rng.uniformArray(N * C);
    const dw0 = rng.uniformArray(OC * C);
    const db0 = rng.uniformArray(OC);
    const bufs = {
      inp: h.upload('x', x),
      weight: h.upload('w', w),
      dout: h.upload('dy', dy),
      dinp: h.upload('dx', dx0),
      dweight: h.upload('dw', dw0),
      dbias: h.upload('db', db0),
    };
    h.run(linearBackward(ctx, 'Test.linearBack', bufs, { N, C, OC }, { accumulate: true, accumulateInput: true }).kernels);
    const ref = linearBackwardRef(dy, x, w, N, C, OC);
    expectClose(await h.f32(bufs.dinp, N * C), ref.dinp.map((v, i) => v + dx0[i]), sumTol(OC), 'dx');
    expectClose(await h.f32(bufs.dweight, OC * C), ref.dweight.map((v, i) => v + dw0[i]), sumTol(N), 'dW');
    expectClose(await h.f32(bufs.dbias, OC), ref.dbias.map((v, i) => v + db0[i]), sumTol(N), 'db');
  });

  it('backward matches central differences of a scalar loss', async () => {
    const { ctx } = gpu();
    const [N, C, OC] = [5, 7, 3];
    const rng = new Rng(11);
    const x = rng.uniformArray(N * C);
    const w = rng.uniformArray(OC * C);
    const b = rng.uniformArray(OC);
    const wOut = rng.uniformArray(N * OC); // L = Σ y·wOut, so dL/dy = wOut
    const bufs = {
      inp: h.upload('x', x),
      weight: h.upload('w', w),
      dout: h.upload('dy', wOut),
      dinp: h.zeros('dx', N * C),
      dweight: h.zeros('dw', OC * C),
      dbias: h.zeros('db', OC),
    };
    h.run(linearBackward(ctx, 'Test.linearBack', bufs, { N, C, OC }).kernels);
    const tol = { atol: 1e-5, rtol: 1e-4 };
    const loss = (xx: ArrayLike<number>, ww: ArrayLike<number>, bb: ArrayLike<number>) => weightedSum(linearForwardRef(xx, ww, bb, N, C, OC), wOut);
    expectGradientMatches(await h.f32(bufs.dinp, N * C), (v) => loss(v, w, b), x, tol, 'dx');
    expectGradientMatches(await h.f32(bufs.dweight, OC * C), (v) => loss(x, v, b), w, tol, 'dW', sampleIndices(OC * C, 12));
    expectGradientMatches(await h.f32(bufs.dbias, OC), (v) => loss(x, w, v), b, tol, 'db');
  });

  // The GELU epilogues: fc → gelu fused in one dispatch forward, and the next layer's dinp taken
  // back through the GELU in one dispatch backward. Against the CPU reference, against the
  // unfused kernels (the same bits: the same operations in the same order), and by central
  // differences of a loss through both layers, with every matmul variant of this adapter.
  const GELU_VARIANTS: MatmulVariant[] = ['registerBlocked', 'sharedTiles', 'quadShared'];
  for (const variant of GELU_VARIANTS) {
    it(`${variant}: GELU fused into the output and into dinp at N=67, C=33, OC=65`, async () => {
      const { ctx } = gpu();
      const saved = ctx.choices.matmul;
      ctx.choices.matmul = variant;
      try {
        const [N, C, OC] = [67, 33, 65];
        const rng = new Rng(5);
        const x = rng.uniformArray(N * C).map((v) => 4 * v - 2);
        const w = rng.uniformArray(OC * C);
        const b = rng.uniformArray(OC);
        const w2 = rng.uniformArray(C * OC); // the next layer (OC → C), whose input is gelu(pre)
        const dy2 = rng.uniformArray(N * C);
        const pre = h.zeros('pre', N * OC);
        const act = h.zeros('act', N * OC);
        const fused = linearForward(ctx, 'Test.fcGelu', { inp: h.upload('x', x), weight: h.upload('w', w), bias: h.upload('b', b), out: pre, geluOut: act }, { N, C, OC });
        const dpre = h.zeros('dpre', N * OC);
        const back = linearBackward(
          ctx,
          'Test.projBack',
          { dout: h.upload('dy2', dy2), inp: act, weight: h.upload('w2', w2), dinp: dpre, geluPre: pre, dweight: h.zeros('dw2', C * OC) },
          { N, C: OC, OC: C },
        );
        h.run([fused, ...back.kernels]);
        const preRef = linearForwardRef(x, w, b, N, C, OC);
        const gotPre = await h.f32(pre, N * OC);
        expectClose(gotPre, preRef, sumTol(C), 'pre-activation');
        expectClose(await h.f32(act, N * OC), geluForwardRef(gotPre), { atol: 1e-6, rtol: 1e-5 }, 'gelu(pre)');
        const dact = linearBackwardRef(dy2, new Float32Array(N * OC), w2, N, OC, C).dinp; // dy2·w2
        expectClose(await h.f32(dpre, N * OC), geluBackwardRef(gotPre, dact), sumTol(C), 'dpre');

        // Unfused: the same bits.
        const act2 = h.zeros('act2', N * OC);
        const dact2 = h.zeros('dact2', N * OC);
        const dpre2 = h.zeros('dpre2', N * OC);
        h.run([
          geluForward(ctx, 'Test.gelu', { inp: pre, out: act2 }, { N: N * OC }),
          ...linearBackward(ctx, 'Test.projBack2', { dout: h.upload('dy2b', dy2), inp: act2, weight: h.upload('w2b', w2), dinp: dact2, dweight: h.zeros('dw2b', C * OC) }, { N, C: OC, OC: C }).kernels,
          geluBackward(ctx, 'Test.geluBack', { inp: pre, dout: dact2, dinp: dpre2 }, { N: N * OC }),
        ]);
        expect(sameBits(await h.f32(act, N * OC), await h.f32(act2, N * OC))).toBe(true);
        expect(sameBits(await h.f32(dpre, N * OC), await h.f32(dpre2, N * OC))).toBe(true);
      } finally {
        ctx.choices.matmul = saved;
      }
    });
  }

  it('the fused GELU backward matches central differences through both layers', async () => {
    const { ctx } = gpu();
    const [N, C, OC] = [5, 6, 7];
    const rng = new Rng(19);
    const x = rng.uniformArray(N * C).map((v) => 4 * v - 2);
    const w = rng.uniformArray(OC * C);
    const w2 = rng.uniformArray(C * OC);
    const wOut = rng.uniformArray(N * C); // L = Σ (gelu(x·wᵀ)·w2ᵀ)·wOut
    const pre = h.zeros('pre', N * OC);
    const act = h.zeros('act', N * OC);
    const dpre = h.zeros('dpre', N * OC);
    const dx = h.zeros('dx', N * C);
    const xBuf = h.upload('x', x);
    const wBuf = h.upload('w', w);
    h.run([
      linearForward(ctx, 'Test.fcGelu', { inp: xBuf, weight: wBuf, out: pre, geluOut: act }, { N, C, OC }),
      ...linearBackward(ctx, 'Test.projBack', { dout: h.upload('wOut', wOut), inp: act, weight: h.upload('w2', w2), dinp: dpre, geluPre: pre, dweight: h.zeros('dw2', C * OC) }, { N, C: OC, OC: C }).kernels,
      ...linearBackward(ctx, 'Test.fcBack', { dout: dpre, inp: xBuf, weight: wBuf, dinp: dx, dweight: h.zeros('dw', OC * C) }, { N, C, OC }).kernels,
    ]);
    const loss = (xx: ArrayLike<number>) => weightedSum(linearForwardRef(geluForwardRef(linearForwardRef(xx, w, undefined, N, C, OC)), w2, undefined, N, OC, C), wOut);
    expectGradientMatches(await h.f32(dx, N * C), loss, x, { atol: 1e-5, rtol: 1e-3 }, 'dx through the GELU');
  });

  it('refuses a weight buffer too small for the shape', () => {
    const { ctx } = gpu();
    const small = h.zeros('small', 4);
    expect(() => linearForward(ctx, 'Test.bad', { inp: small, weight: small, out: small }, { N: 2, C: 3, OC: 5 })).toThrow(/needs/);
  });
});
