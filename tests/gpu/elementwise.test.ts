import { describe, expect, it } from 'vitest';
import { createStorageBuffer, createStorageBufferWith } from '../../src/gpu/buffers';
import { submitDispatches } from '../../src/gpu/dispatch';
import { add, axpy, copy, fill, scale, setElementwiseAlpha } from '../../src/gpu/elementwise';
import { readFloat32, readRanges } from '../../src/gpu/readback';
import { addRef, axpyRef, copyRef, fillRef, scaleRef } from '../../src/ref/elementwise';
import { Rng } from '../../src/util/rng';
import { expectClose } from '../helpers/compare';
import { useGpu } from '../helpers/gpu';

const EXACT = { atol: 0, rtol: 0 };
const FMA = { atol: 1e-7, rtol: 1e-6 }; // fma rounds once; the double reference may round twice

describe('elementwise utilities against the CPU reference', () => {
  const gpu = useGpu();

  for (const n of [1, 13, 1031]) {
    it(`fill, copy, scale, axpy and add over ${n} elements with offsets`, async () => {
      const { ctx, device } = gpu();
      const rng = new Rng(n);
      const len = n + 9; // room for offsets
      const x0 = rng.uniformArray(len);
      const y0 = rng.uniformArray(len);
      const z0 = rng.uniformArray(len);
      const x = createStorageBufferWith(device, 'Test.x', x0);
      const y = createStorageBufferWith(device, 'Test.y', y0);
      const z = createStorageBufferWith(device, 'Test.z', z0);
      const out = createStorageBuffer(device, 'Test.out', 4 * len);
      const filled = createStorageBufferWith(device, 'Test.filled', z0);

      // y = z (shifted), then y *= 0.75, then y += -1.5·x (shifted), out = x + y, filled[4..] = 2.5.
      submitDispatches(device, [
        copy(ctx, 'Test.copy', { src: z, dst: y }, n, { srcOffset: 3, dstOffset: 2 }),
        scale(ctx, 'Test.scale', { x: y }, n, 0.75, 2),
        axpy(ctx, 'Test.axpy', { x, y }, n, -1.5, { xOffset: 5, yOffset: 2 }),
        add(ctx, 'Test.add', { a: x, b: y, out }, n),
        fill(ctx, 'Test.fill', { dst: filled }, n, 2.5, 4),
      ]);
      let want = copyRef(z0, y0, n, 3, 2);
      want = scaleRef(want, n, 0.75, 2);
      want = axpyRef(x0, want, n, -1.5, 5, 2);
      const gotY = await readFloat32(device, y, len);
      expectClose(gotY, want, FMA, 'copy → scale → axpy');
      expectClose(await readFloat32(device, out, n), addRef(x0, gotY, n), EXACT, 'add');
      expectClose(await readFloat32(device, filled, len), fillRef(z0, n, 2.5, 4), EXACT, 'fill');
      for (const b of [x, y, z, out, filled]) b.destroy();
    });
  }

  it('changes alpha between submissions without rebuilding', async () => {
    const { ctx, device } = gpu();
    const n = 300;
    const x0 = new Rng(5).uniformArray(n);
    const x = createStorageBufferWith(device, 'Test.x', x0);
    const y = createStorageBuffer(device, 'Test.y', 4 * n);
    const setY = fill(ctx, 'Test.fill', { dst: y }, n, 1);
    const step = axpy(ctx, 'Test.axpy', { x, y }, n, 2);
    submitDispatches(device, [setY, step]);
    setElementwiseAlpha(ctx, setY, -3);
    setElementwiseAlpha(ctx, step, 0.5);
    submitDispatches(device, [setY, step]);
    expectClose(await readFloat32(device, y, n), axpyRef(x0, new Float32Array(n).fill(-3), n, 0.5), FMA, 'second step');
    ctx.updateParams(step, { n, srcOffset: 0, dstOffset: 0, alpha: -1 });
    submitDispatches(device, [setY, step]);
    expectClose(await readFloat32(device, y, n), axpyRef(x0, new Float32Array(n).fill(-3), n, -1), FMA, 'after updateParams');
    expect(() => setElementwiseAlpha(ctx, copy(ctx, 'Test.copy', { src: x, dst: y }, n), 1)).toThrow(/copy has no alpha/);
    x.destroy();
    y.destroy();
  });

  it('adds in place when out is one of the inputs', async () => {
    const { ctx, device } = gpu();
    const n = 77;
    const rng = new Rng(9);
    const a0 = rng.uniformArray(n);
    const b0 = rng.uniformArray(n);
    const a = createStorageBufferWith(device, 'Test.a', a0);
    const b = createStorageBufferWith(device, 'Test.b', b0);
    const c = createStorageBufferWith(device, 'Test.c', b0);
    submitDispatches(device, [add(ctx, 'Test.addIntoA', { a, b, out: a }, n), add(ctx, 'Test.addIntoB', { a: b, b: c, out: c }, n)]);
    expectClose(await readFloat32(device, a, n), addRef(a0, b0, n), EXACT, 'a += b');
    expectClose(await readFloat32(device, c, n), addRef(b0, b0, n), EXACT, 'c = b + c');
    submitDispatches(device, [add(ctx, 'Test.double', { a: b, b: b, out: b }, n)]);
    expectClose(await readFloat32(device, b, n), addRef(b0, b0, n), EXACT, 'b + b in place');
    for (const buf of [a, b, c]) buf.destroy();
  });

  it('covers more than 65535 workgroups (folded grid) and empty ranges', async () => {
    const { ctx, device } = gpu();
    const n = 65535 * 256 + 1000; // needs a second grid row
    const big = createStorageBuffer(device, 'Test.big', 4 * (n + 1));
    const k = fill(ctx, 'Test.fillBig', { dst: big }, n, 3);
    expect(k.workgroups[1]).toBeGreaterThan(1);
    submitDispatches(device, [fill(ctx, 'Test.fillSentinel', { dst: big }, 1, -7, n), k, scale(ctx, 'Test.scaleBig', { x: big }, n, 2), fill(ctx, 'Test.empty', { dst: big }, 0, 99)]);
    const ranges = [0, 65535 * 256 - 4, n - 8].map((first) => ({ buffer: big, offset: 4 * first, size: 4 * 8 }));
    const got = (await readRanges(device, [...ranges, { buffer: big, offset: 4 * n, size: 4 }])).map((r) => Array.from(new Float32Array(r)));
    expect(got.slice(0, 3)).toEqual([Array(8).fill(6), Array(8).fill(6), Array(8).fill(6)]);
    expect(got[3]).toEqual([-7]); // one past n is untouched
    big.destroy();
  });

  it('refuses ranges outside a buffer and aliasing it cannot bind', () => {
    const { ctx, device } = gpu();
    const buf = createStorageBuffer(device, 'Test.buf', 4 * 10);
    const other = createStorageBuffer(device, 'Test.other', 4 * 10);
    expect(() => fill(ctx, 'Test.bad', { dst: buf }, 8, 0, 3)).toThrow(/holds 10 elements, needs 11/);
    expect(() => copy(ctx, 'Test.bad', { src: buf, dst: buf }, 2)).toThrow(/within one buffer/);
    expect(() => axpy(ctx, 'Test.bad', { x: other, y: other }, 2, 1)).toThrow(/different x and y/);
    buf.destroy();
    other.destroy();
  });
});
