// The TypeScript–WGSL contract of one kernel (docs/architecture.md, "The TypeScript–WGSL
// contract"): a KernelSpec as a builder hands it to GpuContext.kernel, checked against the WGSL
// that spec compiles (PipelineCache.code: the shader and its includes through the #if
// preprocessor). What must agree:
// - the entry point exists and is a @compute function;
// - the params uniform: TypeScript packs its fields at @binding(0), so the entry point's
//   var<uniform> must sit there, and its struct's members must have the TypeScript fields'
//   names, types and order (a layout from src/gpu/uniforms.ts is then byte-identical);
// - the bindings: slot i of [params?, ...buffers] is bound exactly where the entry point
//   statically uses @group(0) @binding(i), as a uniform or storage buffer accordingly (with
//   layout 'auto' an unused binding has no slot, so the bind group may not name it);
// - no buffer is bound both as read-only (storage read or uniform) and as read_write storage in
//   one dispatch (WebGPU rejects such a usage scope);
// - the override constants TypeScript sets are declared, and those the entry point uses without
//   a default are set.
// Returns one message per disagreement, each naming the shader, entry point, defines and kernel.
import { bindingBuffer, bindingLabel } from './binding';
import type { KernelSpec } from './context';
import { reflectWgsl, type WgslResource, type WgslStructMember } from './wgslReflect';

/** "shaders/nn/matmul.wgsl (+ nn/geluMath), entry point main, defines BIAS+TRANS_B, kernel "lin"". */
export function kernelWhere(spec: KernelSpec): string {
  const includes = spec.includes?.length ? ` (+ ${spec.includes.join(', ')})` : '';
  const on = Object.entries(spec.defines ?? {})
    .filter(([, v]) => v)
    .map(([k]) => k)
    .sort();
  const defines = on.length ? `, defines ${on.join('+')}` : spec.defines ? ', no define on' : '';
  return `shaders/${spec.shader}.wgsl${includes}, entry point ${spec.entryPoint ?? 'main'}${defines}, kernel "${spec.label}"`;
}

const describe = (r: WgslResource) => `"${r.name}" (var<${r.space === 'storage' ? `storage, ${r.access}` : r.space}> ${r.type})`;
const field = (f: { name: string; type: string }) => `${f.name}: ${f.type}`;

/** Differences between the WGSL struct's members and the TypeScript field list, one line each. */
function fieldProblems(wgsl: readonly WgslStructMember[], ts: readonly { name: string; type: string }[]): string[] {
  const w = wgsl.map(field);
  const t = ts.map(field);
  const differ = Array.from({ length: Math.max(w.length, t.length) }, (_, i) => i).filter((i) => w[i] !== t[i]);
  const order = `(WGSL order: ${wgsl.map((f) => f.name).join(', ')}; TypeScript order: ${ts.map((f) => f.name).join(', ')})`;
  if (differ.length === 2 && w.length === t.length) {
    const [i, j] = differ;
    if (w[i] === t[j] && w[j] === t[i]) return [`TypeScript swaps fields ${i} and ${j}: "${w[i]}" and "${w[j]}" ${order}`];
  }
  const lines = differ.map((i) => `field ${i} is "${w[i] ?? '(none)'}" in WGSL but "${t[i] ?? '(none)'}" in TypeScript`);
  if (differ.length > 0) lines[lines.length - 1] += ` ${order}`;
  for (const m of wgsl) {
    if (m.attributes.length > 0) lines.push(`member "${m.name}" has @${m.attributes.join(' @')}, which src/gpu/uniforms.ts does not apply`);
  }
  return lines;
}

/** Every disagreement between a kernel's TypeScript declaration and its resolved WGSL. */
export function checkKernelContract(spec: KernelSpec, code: string): string[] {
  const where = kernelWhere(spec);
  const problems: string[] = [];
  const say = (message: string) => problems.push(`${where}: ${message}`);
  const module = reflectWgsl(code);
  const entryName = spec.entryPoint ?? 'main';
  const entry = module.entryPoints.get(entryName);
  if (!entry || entry.stage !== 'compute') {
    const computes = [...module.entryPoints.values()].filter((e) => e.stage === 'compute').map((e) => e.name);
    say(`no @compute entry point "${entryName}" (the resolved WGSL has: ${computes.join(', ') || 'none'})`);
    return problems;
  }

  const overrides = spec.overrides ?? {};
  for (const name of Object.keys(overrides)) {
    if (!module.overrides.has(name)) say(`TypeScript sets override constant ${name}, which the WGSL does not declare`);
  }
  for (const o of entry.overrides) {
    if (!o.hasDefault && !(o.name in overrides)) say(`override ${o.name} has no default and TypeScript does not set it`);
  }

  for (const r of entry.resources) if (r.group !== 0) say(`${describe(r)} is in @group(${r.group}); kernels bind @group(0) only`);
  const wgsl = new Map(entry.resources.filter((r) => r.group === 0).map((r) => [r.binding, r]));
  type Slot = { kind: 'uniform' | 'storage'; what: string };
  const slots: (Slot | undefined)[] = [
    ...(spec.params ? [{ kind: 'uniform' as const, what: 'params uniform' }] : []),
    ...spec.buffers.map((b) => (b === undefined ? undefined : { kind: 'storage' as const, what: `storage buffer ${bindingLabel(b)}` })),
  ];
  const last = Math.max(slots.length - 1, ...wgsl.keys());
  for (let i = 0; i <= last; i++) {
    const t = slots[i];
    const w = wgsl.get(i);
    if (t && !w) {
      const declared = module.resources.filter((r) => r.group === 0 && r.binding === i).map((r) => `"${r.name}"`);
      const note = declared.length ? ` (${declared.join(', ')} ${declared.length > 1 ? 'are' : 'is'} declared there but not used by it)` : '';
      say(`@binding(${i}): TypeScript binds the ${t.what}, but entry point ${entryName} uses no @binding(${i})${note}`);
    } else if (!t && w) {
      say(`@binding(${i}) ${describe(w)} is used by entry point ${entryName}, but TypeScript binds nothing there`);
    } else if (t && w && t.kind !== w.space) {
      say(`@binding(${i}) ${describe(w)} is ${w.space} in WGSL, but TypeScript binds the ${t.what} there`);
    }
  }

  const uniform = wgsl.get(0);
  if (spec.params && uniform?.space === 'uniform') {
    const struct = module.structs.get(uniform.type);
    const tsFields = spec.params.layout.fields.map((f) => ({ name: f.name, type: f.type }));
    if (!struct) say(`var<uniform> "${uniform.name}" has type ${uniform.type}, not a struct the TypeScript params can describe`);
    else for (const line of fieldProblems(struct.members, tsFields)) say(`struct ${struct.name} (var<uniform> ${uniform.name}): ${line}`);
  }

  const offset = spec.params ? 1 : 0;
  spec.buffers.forEach((a, i) => {
    spec.buffers.forEach((b, j) => {
      if (j <= i || a === undefined || b === undefined || bindingBuffer(a) !== bindingBuffer(b)) return;
      const wa = wgsl.get(i + offset);
      const wb = wgsl.get(j + offset);
      if (wa && wb && wa.access !== wb.access) {
        say(
          `@binding(${i + offset}) ${describe(wa)} and @binding(${j + offset}) ${describe(wb)} are the same buffer ` +
            `${bindingBuffer(a).label}; WebGPU rejects a dispatch that reads a buffer as read-only storage and writes it`,
        );
      }
    });
  });
  return problems;
}
