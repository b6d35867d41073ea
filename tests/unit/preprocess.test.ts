import { describe, expect, it } from 'vitest';
import { preprocessWgsl } from '../../src/gpu/preprocess';
import { pipelineKey } from '../../src/gpu/pipelines';
import { grid1d } from '../../src/gpu/dispatch';

describe('WGSL preprocessing of #if NAME blocks', () => {
  const src = ['a', '#if X', 'x-on', '#elif Y', 'y-on', '#else', 'neither', '#endif', 'b'].join('\n');

  it('selects the branch named by the defines', () => {
    const squash = (s: string) => s.split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
    expect(squash(preprocessWgsl(src, { X: true, Y: false }))).toBe('a x-on b');
    expect(squash(preprocessWgsl(src, { X: false, Y: true }))).toBe('a y-on b');
    expect(squash(preprocessWgsl(src, { X: false, Y: false }))).toBe('a neither b');
  });

  it('handles nesting and leaves text without directives alone', () => {
    const nested = 'p\n#if A\nq\n#if B\nr\n#endif\n#endif\ns';
    expect(preprocessWgsl(nested, { A: true, B: false }).replace(/\s+/g, '')).toBe('pqs');
    expect(preprocessWgsl(nested, { A: true, B: true }).replace(/\s+/g, '')).toBe('pqrs');
    expect(preprocessWgsl('fn f() {}', {})).toBe('fn f() {}');
  });

  it('names the shader and the define that is missing', () => {
    expect(() => preprocessWgsl(src, { X: true }, 'shaders/k.wgsl')).toThrow(/shaders\/k.wgsl: #elif Y has no value/);
  });

  it('keys pipelines by code-changing parameters independent of key order', () => {
    const a = pipelineKey({ shader: 's', defines: { A: true, B: false }, overrides: { X: 1, Y: 2 } });
    const b = pipelineKey({ shader: 's', defines: { B: false, A: true }, overrides: { Y: 2, X: 1 } });
    expect(a).toBe(b);
    expect(pipelineKey({ shader: 's', defines: { A: false, B: false } })).not.toBe(a);
    // Appended shaders change the code, hence the key.
    expect(pipelineKey({ shader: 's', defines: { A: true, B: false }, overrides: { X: 1, Y: 2 }, includes: ['nn/geluMath'] })).not.toBe(a);
  });

  it('folds large 1-D grids into two dimensions', () => {
    expect(grid1d(100, 64)).toEqual([2, 1, 1]);
    const [x, y] = grid1d(64 * 70000, 64);
    expect(x).toBeLessThanOrEqual(65535);
    expect(x * y).toBeGreaterThanOrEqual(70000);
  });
});
