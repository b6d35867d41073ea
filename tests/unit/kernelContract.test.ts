// The TypeScript–WGSL contract (docs/architecture.md): every kernel the builders declare, as
// GpuContext.kernel receives it, checked against the WGSL it compiles, without a GPU. Also
// checks that the builder calls of tests/helpers/everyKernel.ts reach every ctx.kernel call
// site in src/ and every entry point and #if branch of every shader, and that the checker
// reports the drift it exists for.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { KernelSpec } from '../../src/gpu/context';
import { checkKernelContract } from '../../src/gpu/kernelContract';
import { SHADER_ROOT } from '../../src/gpu/shaderSourceFs';
import { uniformLayout, type UniformField } from '../../src/gpu/uniforms';
import { reflectWgsl } from '../../src/gpu/wgslReflect';
import { buildEveryKernel } from '../helpers/everyKernel';
import { installFakeGpuGlobals, RecordingContext } from '../helpers/recordingGpu';

const REPO_ROOT = new URL('../../', import.meta.url).pathname;

function filesUnder(dir: string, ext: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) filesUnder(p, ext, out);
    else if (entry.name.endsWith(ext)) out.push(p);
  }
  return out;
}

/** "src/nn/relu.ts:29" for every line of src/ that calls ctx.kernel (comments excluded). */
function kernelCallSites(): string[] {
  const sites: string[] = [];
  for (const file of filesUnder(join(REPO_ROOT, 'src'), '.ts')) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (/\bctx\.kernel\(/.test(line) && !/^\s*(\/\/|\*)/.test(line)) sites.push(`${relative(REPO_ROOT, file)}:${i + 1}`);
      });
  }
  return sites.sort();
}

/** A copy of a spec whose params declare `fields` instead. */
function withFields(spec: KernelSpec, fields: readonly UniformField[]): KernelSpec {
  if (!spec.params) throw new Error(`${spec.label} has no params`);
  return { ...spec, params: { ...spec.params, layout: uniformLayout(fields) } };
}

const fieldsOf = (spec: KernelSpec): UniformField[] => (spec.params?.layout.fields ?? []).map((f) => ({ name: f.name, type: f.type }));

describe('the TypeScript–WGSL contract of every kernel', () => {
  let ctx: RecordingContext;
  const check = (spec: KernelSpec) => checkKernelContract(spec, ctx.pipelines.code(spec));
  const recordedSpec = (test: (s: KernelSpec) => boolean): KernelSpec => {
    const hit = ctx.recorded.find((r) => test(r.spec));
    if (!hit) throw new Error('no recorded kernel matches');
    return hit.spec;
  };

  beforeAll(async () => {
    installFakeGpuGlobals();
    ctx = new RecordingContext();
    await buildEveryKernel(ctx);
  });
  afterAll(() => {
    vi.unstubAllGlobals();
  });

  it('every declared kernel matches its WGSL: params struct, bindings, overrides', () => {
    expect(ctx.recorded.length).toBeGreaterThan(100);
    // One line per distinct problem and call site (a builder's mistake repeats in every kernel it builds).
    const problems = new Map<string, string>();
    for (const r of ctx.recorded) {
      for (const p of check(r.spec)) problems.set(`${p.replace(/, kernel "[^"]*"/, '')} ${r.callSite}`, `${p} (built at ${r.callSite})`);
    }
    expect([...problems.values()]).toEqual([]);
  });

  it('the builder calls reach every ctx.kernel call site in src/', () => {
    const reached = new Set(ctx.recorded.map((r) => r.callSite));
    expect(reached.has('(unknown call site)')).toBe(false);
    const missing = kernelCallSites().filter((site) => !reached.has(site));
    expect(missing, 'ctx.kernel call sites no builder call in tests/helpers/everyKernel.ts reaches').toEqual([]);
  });

  it('the builder calls compile every shader, every entry point and both sides of every #if', () => {
    const entries = new Map<string, Set<string>>();
    const defines = new Map<string, Set<string>>();
    for (const { spec } of ctx.recorded) {
      const files = [spec.shader, ...(spec.includes ?? [])];
      files.forEach((f, i) => {
        const set = entries.get(f) ?? new Set<string>();
        if (i === 0) set.add(spec.entryPoint ?? 'main');
        entries.set(f, set);
        const seen = defines.get(f) ?? new Set<string>();
        for (const [name, on] of Object.entries(spec.defines ?? {})) seen.add(`${name}=${on}`);
        defines.set(f, seen);
      });
    }
    const gaps: string[] = [];
    for (const file of filesUnder(SHADER_ROOT, '.wgsl')) {
      const shader = relative(SHADER_ROOT, file).replace(/\.wgsl$/, '');
      const text = readFileSync(file, 'utf8');
      if (!entries.has(shader)) {
        gaps.push(`shaders/${shader}.wgsl is never compiled`);
        continue;
      }
      for (const m of text.matchAll(/@compute\b[^{;]*?\bfn\s+([A-Za-z_]\w*)/g)) {
        if (!entries.get(shader)?.has(m[1])) gaps.push(`shaders/${shader}.wgsl: entry point ${m[1]} is never compiled`);
      }
      for (const name of new Set([...text.matchAll(/#(?:if|elif)\s+([A-Za-z_]\w*)/g)].map((m) => m[1]))) {
        for (const on of [true, false]) {
          if (!defines.get(shader)?.has(`${name}=${on}`)) gaps.push(`shaders/${shader}.wgsl: never compiled with ${name} = ${on}`);
        }
      }
    }
    expect(gaps).toEqual([]);
  });

  it('reports two swapped same-typed uniform fields, naming the shader, the struct and the fields', () => {
    const spec = recordedSpec((s) => s.shader === 'nn/matmul' && !s.defines?.BIAS);
    const fields = fieldsOf(spec);
    expect(fields.slice(0, 2)).toEqual([
      { name: 'M', type: 'u32' },
      { name: 'N', type: 'u32' },
    ]);
    [fields[0], fields[1]] = [fields[1], fields[0]];
    const problems = check(withFields(spec, fields));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^shaders\/nn\/matmul\.wgsl, entry point main, .*: struct Params \(var<uniform> params\): TypeScript swaps fields 0 and 1: "M: u32" and "N: u32"/);
  });

  it('reports a changed field type, a missing or extra field, and a renamed one', () => {
    const spec = recordedSpec((s) => s.shader === 'util/elementwise' && s.entryPoint === 'axpy');
    const fields = fieldsOf(spec);
    const alphaAsU32 = fields.map((f) => (f.name === 'alpha' ? { ...f, type: 'u32' as const } : f));
    expect(check(withFields(spec, alphaAsU32))).toEqual([expect.stringContaining('field 3 is "alpha: f32" in WGSL but "alpha: u32" in TypeScript')]);
    expect(check(withFields(spec, fields.slice(0, 3)))[0]).toContain('field 3 is "alpha: f32" in WGSL but "(none)" in TypeScript');
    expect(check(withFields(spec, [...fields, { name: 'extra', type: 'f32' }]))[0]).toContain('field 4 is "(none)" in WGSL but "extra: f32" in TypeScript');
    const renamed = fields.map((f) => (f.name === 'n' ? { ...f, name: 'count' } : f));
    expect(check(withFields(spec, renamed))[0]).toMatch(/struct Params .*field 0 is "n: u32" in WGSL but "count: u32" in TypeScript/);
  });

  it('reports bindings out of step: one too many, one missing, params where the shader has none', () => {
    const spec = recordedSpec((s) => s.shader === 'nn/relu' && s.entryPoint === 'forward' && s.defines?.IN_PLACE === false);
    const [inp, out] = spec.buffers;
    expect(check({ ...spec, buffers: [inp, out, inp] })).toEqual([
      expect.stringMatching(/nn\/relu\.wgsl, entry point forward, .*@binding\(3\): TypeScript binds the storage buffer contract\.\S+, but entry point forward uses no @binding\(3\)/),
    ]);
    expect(check({ ...spec, buffers: [inp] })).toEqual([expect.stringContaining('@binding(2) "out" (var<storage, read_write> array<f32>) is used by entry point forward, but TypeScript binds nothing there')]);
    const noParams = recordedSpec((s) => s.shader === 'nn/toy' && s.entryPoint === 'hvp');
    const withParams = { ...noParams, params: recordedSpec((s) => s.shader === 'nn/toy' && s.entryPoint === 'gradient').params };
    const problems = check(withParams);
    expect(problems.some((p) => p.includes('@binding(0) "hvTheta" (var<storage, read> array<f32>) is storage in WGSL, but TypeScript binds the params uniform there'))).toBe(true);
  });

  it('reports a buffer bound read-only and read_write in one dispatch, and unknown or missing overrides', () => {
    const spec = recordedSpec((s) => s.shader === 'nn/relu' && s.entryPoint === 'forward' && s.defines?.IN_PLACE === false);
    const [inp] = spec.buffers;
    expect(check({ ...spec, buffers: [inp, inp] })).toEqual([expect.stringMatching(/@binding\(1\) "inp" .* and @binding\(2\) "out" .* are the same buffer/)]);
    expect(check({ ...spec, overrides: { ...spec.overrides, WG_TYPO: 1 } })).toEqual([expect.stringContaining('TypeScript sets override constant WG_TYPO, which the WGSL does not declare')]);
    const sharpness = recordedSpec((s) => s.shader === 'optim/sharpness' && s.entryPoint === 'record');
    const { SLOT_QUAD: _omitted, ...rest } = sharpness.overrides ?? {};
    expect(check({ ...sharpness, overrides: rest })).toEqual([expect.stringContaining('override SLOT_QUAD has no default and TypeScript does not set it')]);
  });
});

describe('reflectWgsl', () => {
  const code = `
    enable f16;
    /* a block /* nested */ comment */
    struct P { a: u32, b: vec4f, // trailing
      c: array<f32, 4>, }
    override WG: u32 = 64;
    override SLOT: u32;
    @group(0) @binding(0) var<uniform> p: P;
    @group(0) @binding(1) var<storage, read> xs: array<f32>;
    @group(0) @binding(1) var<storage, read_write> ys: array<atomic<u32>>;
    @group(0) @binding(2) var<storage> zs: array<f32>;
    fn helper(i: u32) -> f32 { return xs[i] * f32(p.a) + f32(SLOT); }
    @compute @workgroup_size(WG) fn first(@builtin(global_invocation_id) g: vec3<u32>) { zs[g.x] = helper(g.x); }
    @compute @workgroup_size(1) fn second() { if (1 < 2) { atomicAdd(&ys[0], 1u); } }
  `;

  it('parses structs, resources and overrides', () => {
    const m = reflectWgsl(code);
    expect(m.structs.get('P')?.members).toEqual([
      { name: 'a', type: 'u32', attributes: [] },
      { name: 'b', type: 'vec4<f32>', attributes: [] },
      { name: 'c', type: 'array<f32,4>', attributes: [] },
    ]);
    expect(m.resources.map((r) => `${r.binding} ${r.name} ${r.space} ${r.access} ${r.type}`)).toEqual([
      '0 p uniform read P',
      '1 xs storage read array<f32>',
      '1 ys storage read_write array<atomic<u32>>',
      '2 zs storage read array<f32>',
    ]);
    expect([...m.overrides.values()]).toEqual([
      { name: 'WG', hasDefault: true },
      { name: 'SLOT', hasDefault: false },
    ]);
  });

  it('finds what each entry point uses, through the functions it calls', () => {
    const m = reflectWgsl(code);
    expect(m.entryPoints.get('first')?.resources.map((r) => r.name)).toEqual(['p', 'xs', 'zs']);
    expect(m.entryPoints.get('first')?.overrides.map((o) => o.name)).toEqual(['WG', 'SLOT']);
    expect(m.entryPoints.get('second')?.resources.map((r) => r.name)).toEqual(['ys']);
  });
});
