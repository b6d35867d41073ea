// The one adapter between our .wgsl files and `wgsl-preprocessor`.
// The package's `wgsl` tag only accepts template literals written in code, where each `#if`
// is followed by `${value}`. Shader files carry `#if NAME` / `#elif NAME` instead; this turns
// every such NAME into a template value looked up in `defines`, then calls the tag.
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';

export type Defines = Readonly<Record<string, boolean>>;

const DIRECTIVE_WITH_NAME = /#(if|elif)[ \t]+([A-Za-z_][A-Za-z0-9_]*)/g;

/** Resolves `#if NAME … #elif NAME … #else … #endif` blocks; an unknown NAME is an error. */
export function preprocessWgsl(source: string, defines: Defines, where = 'shader'): string {
  const strings: string[] = [];
  const values: boolean[] = [];
  let last = 0;
  for (const m of source.matchAll(DIRECTIVE_WITH_NAME)) {
    const name = m[2];
    if (!(name in defines)) {
      throw new Error(`${where}: #${m[1]} ${name} has no value; pass defines.${name} = true | false`);
    }
    strings.push(source.slice(last, m.index) + `#${m[1]} `);
    values.push(defines[name]);
    last = m.index + m[0].length;
  }
  strings.push(source.slice(last));
  const raw = Object.assign([...strings], { raw: [...strings] }) as unknown as TemplateStringsArray;
  return wgsl(raw, ...values);
}
