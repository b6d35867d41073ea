import { describe, expect, it } from 'vitest';
import { ParamLayoutBuilder, VIEW_ALIGN_FLOATS, decayMask, initParams, realMask, viewByName } from '../../src/nn/paramLayout';

function layout() {
  const b = new ParamLayoutBuilder();
  b.add('wte', [5, 3], 'embedding', { kind: 'normal', std: 0.02 });
  b.add('ln.w', [3], 'norm', { kind: 'ones' });
  b.add('fc.w', [70, 2], 'weight', { kind: 'normal', std: 1 });
  b.add('fc.b', [70], 'bias', { kind: 'zeros' });
  return b.build();
}

describe('parameter layout', () => {
  it('aligns every view to 64 floats and counts padding', () => {
    const l = layout();
    expect(l.views.map((v) => v.offset)).toEqual([0, 64, 128, 128 + 192]);
    for (const v of l.views) expect(v.offset % VIEW_ALIGN_FLOATS).toBe(0);
    expect(l.count).toBe(15 + 3 + 140 + 70);
    expect(l.total).toBe(128 + 192 + 128);
    expect(l.padCount).toBe(l.total - l.count);
  });

  it('initialises from a seed: same seed same bits, each view its own stream, padding zero', () => {
    const l = layout();
    const a = initParams(l, 7);
    const b = initParams(l, 7);
    const c = initParams(l, 8);
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    expect(Buffer.from(a.buffer).equals(Buffer.from(c.buffer))).toBe(false);
    const ln = viewByName(l, 'ln.w');
    expect([...a.subarray(ln.offset, ln.offset + 3)]).toEqual([1, 1, 1]);
    const real = realMask(l);
    for (let i = 0; i < l.total; i++) if (real[i] === 0) expect(a[i]).toBe(0);
    // Another view added before fc.w does not change fc.w's values (own stream by index is
    // stable when views are appended).
    const fc = viewByName(l, 'fc.w');
    const std = Math.sqrt(a.subarray(fc.offset, fc.offset + fc.size).reduce((s, x) => s + x * x, 0) / fc.size);
    expect(std).toBeGreaterThan(0.7);
    expect(std).toBeLessThan(1.3);
  });

  it('decays only weights by default (nanoGPT grouping)', () => {
    const l = layout();
    const m = decayMask(l, false);
    expect(m.reduce((s, x) => s + x, 0)).toBe(140);
    expect(decayMask(l, true).reduce((s, x) => s + x, 0)).toBe(l.count);
  });

  it('rejects bad shapes and duplicate names with the view named', () => {
    const b = new ParamLayoutBuilder();
    b.add('a', [2], 'bias', { kind: 'zeros' });
    expect(() => b.add('a', [2], 'bias', { kind: 'zeros' })).toThrow(/"a" is declared twice/);
    expect(() => b.add('b', [0, 2], 'weight', { kind: 'zeros' })).toThrow(/"b" has invalid shape/);
    expect(() => b.add('c', [2], 'weight', { kind: 'value', values: [1] })).toThrow(/2 entries but 1/);
  });
});
