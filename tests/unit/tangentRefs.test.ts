// The float64 references behind the GPT's exact Hessian-vector products (docs/algorithm.md
// "Sharpness"): each layer tangent against a central difference of the layer's own reference
// along the same direction, and the whole-GPT reference gradient against a central difference of
// its loss. Awkward shapes (T = 5, C = 12, 3 heads, V = 11, B = 2).
import { describe, expect, it } from 'vitest';
import { gptLayout } from '../../src/nn/gpt';
import { realMask } from '../../src/nn/paramLayout';
import { attentionBackwardRef, attentionBackwardTangentRef, attentionForwardRef, attentionForwardTangentRef } from '../../src/ref/attention';
import { geluBackwardRef, geluBackwardTangentRef } from '../../src/ref/gelu';
import { gptLossAndGradRef } from '../../src/ref/gpt';
import { layernormBackwardRef, layernormBackwardTangentRef, layernormForwardRef, layernormForwardTangentRef } from '../../src/ref/layernorm';
import type { GptConfig } from '../../src/train/config';
import { Rng } from '../../src/util/rng';
import { expectClose } from '../helpers/compare';
import { gptTestParams } from '../helpers/gptParams';

type Arr = ArrayLike<number>;
const moved = (x: Arr, dx: Arr, h: number) => Float64Array.from(x, (v, i) => v + h * dx[i]);
/** Central difference of f along the direction, in float64. */
function difference(f: (h: number) => Arr, eps = 1e-6): Float64Array {
  const [plus, minus] = [f(eps), f(-eps)];
  return Float64Array.from(plus, (p, i) => (p - minus[i]) / (2 * eps));
}
const TOL = { atol: 1e-8, rtol: 1e-6 };

describe('tangent references against central differences (float64)', () => {
  const rng = new Rng(21, 4);
  const N = 7;
  const C = 12;

  it('layernorm: forward tangent and backward tangent (dinp, dweight, dbias), N = 7, C = 12', () => {
    const x = rng.uniformArray(N * C, -2, 3);
    const [w, b] = [rng.uniformArray(C, 0.5, 1.5), rng.uniformArray(C)];
    const dout = rng.uniformArray(N * C);
    const [xd, wd, bd, dd] = [rng.uniformArray(N * C), rng.uniformArray(C), rng.uniformArray(C), rng.uniformArray(N * C)];
    const fwd = layernormForwardTangentRef(x, xd, w, wd, bd, N, C);
    expectClose(fwd.out, difference((h) => layernormForwardRef(moved(x, xd, h), moved(w, wd, h), moved(b, bd, h), N, C).out), TOL, 'forward tangent');
    const back = layernormBackwardTangentRef(x, xd, w, wd, dout, dd, N, C);
    const at = (h: number) => layernormBackwardRef(moved(x, xd, h), moved(w, wd, h), moved(dout, dd, h), N, C);
    expectClose(back.dinp, difference((h) => at(h).dinp), TOL, 'dinp tangent');
    expectClose(back.dweight, difference((h) => at(h).dweight), TOL, 'dweight tangent');
    expectClose(back.dbias, difference((h) => at(h).dbias), TOL, 'dbias tangent');
  });

  it('GELU: the tangent of the backward is dout·gelu″(x)·ẋ + ḋout·gelu′(x)', () => {
    const x = rng.uniformArray(40, -6, 6);
    const [xd, dout, dd] = [rng.uniformArray(40), rng.uniformArray(40), rng.uniformArray(40)];
    const first = geluBackwardRef(x, dd);
    const second = geluBackwardTangentRef(x, xd, dout);
    const want = difference((h) => geluBackwardRef(moved(x, xd, h), moved(dout, dd, h)));
    expectClose(Float64Array.from(first, (f, i) => f + second[i]), want, TOL, 'GELU backward tangent');
  });

  it('attention: forward tangent (att and out) and backward tangent (dqkv), B = 2, T = 5, C = 12, 3 heads', () => {
    const s = { B: 2, T: 5, C: 12, NH: 3 };
    const n = s.B * s.T;
    const qkv = rng.uniformArray(n * 3 * C, -1.5, 1.5);
    const dout = rng.uniformArray(n * C);
    const [qd, dd] = [rng.uniformArray(n * 3 * C), rng.uniformArray(n * C)];
    const fwd = attentionForwardTangentRef(qkv, qd, s);
    expectClose(fwd.att, difference((h) => attentionForwardRef(moved(qkv, qd, h), s).att), TOL, 'att tangent');
    expectClose(fwd.out, difference((h) => attentionForwardRef(moved(qkv, qd, h), s).out), TOL, 'out tangent');
    const back = attentionBackwardTangentRef(qkv, qd, dout, dd, s);
    expectClose(back, difference((h) => attentionBackwardRef(moved(qkv, qd, h), moved(dout, dd, h), s)), TOL, 'dqkv tangent');
  });

  for (const tiedHead of [true, false]) {
    it(`whole GPT (${tiedHead ? 'tied' : 'separate'} head): the reference gradient is the derivative of the reference loss`, () => {
      const cfg: GptConfig = { kind: 'gpt', layers: 2, heads: 3, width: 12, context: 5, vocab: 11, tiedHead };
      const B = 2;
      const layout = gptLayout(cfg);
      const mask = realMask(layout);
      const theta = Float64Array.from(gptTestParams(layout, 3));
      const v = Float64Array.from(rng.uniformArray(layout.total, -1, 1), (x, i) => x * mask[i]);
      const tokens = Array.from({ length: B * cfg.context }, (_, i) => (7 * i + 3) % cfg.vocab);
      const targets = Array.from({ length: B * cfg.context }, (_, i) => (5 * i + 1) % cfg.vocab);
      const at = (h: number) => gptLossAndGradRef(layout, cfg, moved(theta, v, h), tokens, targets, B);
      const { grad } = at(0);
      const slope = difference((h) => [at(h).loss])[0];
      const directional = grad.reduce((s, g, i) => s + g * v[i], 0);
      expect(Math.abs(directional - slope)).toBeLessThan(1e-8 * Math.max(1, Math.abs(slope)));
      // Every parameter view carries gradient (no view left unwritten).
      for (const view of layout.views) expect(grad.slice(view.offset, view.offset + view.size).some((g) => g !== 0), view.name).toBe(true);
    });
  }
});
