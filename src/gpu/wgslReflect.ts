// Reads the interface of a preprocessed WGSL module: its structs, its module-scope resource
// variables (@group/@binding), its override constants and, per entry point, which of them the
// entry point statically uses (transitively through the functions it calls). Only what the
// TypeScript–WGSL contract check needs (src/gpu/kernelContract.ts, docs/architecture.md); not a
// WGSL validator: the device compiles the shaders.

export interface WgslStructMember {
  name: string;
  /** Type as written, without spaces, shorthands expanded ("vec4f" → "vec4<f32>"). */
  type: string;
  /** Member attributes such as @align or @size (the TypeScript packer knows none). */
  attributes: string[];
}

export interface WgslStruct {
  name: string;
  members: WgslStructMember[];
}

export interface WgslResource {
  name: string;
  group: number;
  binding: number;
  /** Address space: "uniform", "storage", or "handle" for textures and samplers. */
  space: 'uniform' | 'storage' | 'handle';
  /** "read" or "read_write" for storage; "read" for uniforms. */
  access: 'read' | 'read_write';
  /** Store type, without spaces. */
  type: string;
}

export interface WgslOverride {
  name: string;
  hasDefault: boolean;
}

export interface WgslEntryPoint {
  name: string;
  stage: 'compute' | 'vertex' | 'fragment';
  /** Resources the entry point statically uses, by (group, binding). */
  resources: WgslResource[];
  /** Override constants it statically uses (its workgroup size included). */
  overrides: WgslOverride[];
}

export interface WgslModule {
  structs: ReadonlyMap<string, WgslStruct>;
  resources: readonly WgslResource[];
  overrides: ReadonlyMap<string, WgslOverride>;
  entryPoints: ReadonlyMap<string, WgslEntryPoint>;
}

/** Removes line comments and (nested) block comments, keeping line breaks. */
function stripComments(code: string): string {
  let out = '';
  let i = 0;
  while (i < code.length) {
    if (code.startsWith('//', i)) {
      while (i < code.length && code[i] !== '\n') i++;
    } else if (code.startsWith('/*', i)) {
      let depth = 0;
      do {
        if (code.startsWith('/*', i)) {
          depth++;
          i += 2;
        } else if (code.startsWith('*/', i)) {
          depth--;
          i += 2;
        } else {
          if (code[i] === '\n') out += '\n';
          i++;
        }
      } while (depth > 0 && i < code.length);
    } else {
      out += code[i++];
    }
  }
  return out;
}

const TOKEN = /\s+|([A-Za-z_][A-Za-z0-9_]*)|([0-9][0-9A-Za-z_.]*)|(->|[^\sA-Za-z0-9_])/g;

function tokenize(code: string): string[] {
  const tokens: string[] = [];
  for (const m of stripComments(code).matchAll(TOKEN)) {
    const t = m[1] ?? m[2] ?? m[3];
    if (t !== undefined) tokens.push(t);
  }
  return tokens;
}

const isIdent = (t: string | undefined): t is string => t !== undefined && /^[A-Za-z_]/.test(t);

const SHORTHAND = /^vec([234])([fiuh])$/;
const SHORT_SCALAR: Record<string, string> = { f: 'f32', i: 'i32', u: 'u32', h: 'f16' };

/** Joins type tokens, expanding vecNf/vecNi/vecNu shorthands. */
function typeText(tokens: readonly string[]): string {
  return tokens
    .map((t) => {
      const m = SHORTHAND.exec(t);
      return m ? `vec${m[1]}<${SHORT_SCALAR[m[2]]}>` : t;
    })
    .join('');
}

interface Attribute {
  name: string;
  args: string[];
}

/** A module-scope declaration and the identifiers it refers to (for the static-use closure). */
interface Declaration {
  refs: string[];
}

class Parser {
  private at = 0;
  constructor(private readonly tokens: readonly string[]) {}

  get done(): boolean {
    return this.at >= this.tokens.length;
  }

  peek(offset = 0): string | undefined {
    return this.tokens[this.at + offset];
  }

  next(): string {
    const t = this.tokens[this.at++];
    if (t === undefined) throw new Error('wgslReflect: unexpected end of the shader');
    return t;
  }

  expect(t: string): void {
    const got = this.next();
    if (got !== t) throw new Error(`wgslReflect: expected "${t}", found "${got}"`);
  }

  /** Tokens from an opening bracket to its match, both included. */
  balanced(open: string, close: string): string[] {
    const start = this.at;
    this.expect(open);
    let depth = 1;
    while (depth > 0) {
      const t = this.next();
      if (t === open) depth++;
      else if (t === close) depth--;
    }
    return this.tokens.slice(start, this.at);
  }

  /**
   * Tokens up to (not including) the first of `stops` outside () and [] (and template <> with
   * `angles`, for types only: in expressions < and > are comparisons).
   */
  until(stops: readonly string[], angles = false): string[] {
    const start = this.at;
    let depth = 0;
    while (!this.done) {
      const t = this.peek() as string;
      if (depth === 0 && stops.includes(t)) break;
      if (t === '(' || t === '[' || (angles && t === '<')) depth++;
      else if (t === ')' || t === ']' || (angles && t === '>')) depth = Math.max(0, depth - 1);
      this.at++;
    }
    return this.tokens.slice(start, this.at);
  }

  attributes(): Attribute[] {
    const attrs: Attribute[] = [];
    while (this.peek() === '@') {
      this.next();
      const name = this.next();
      const args = this.peek() === '(' ? this.balanced('(', ')').slice(1, -1) : [];
      attrs.push({ name, args });
    }
    return attrs;
  }
}

function attributeNumber(attrs: readonly Attribute[], name: string): number | undefined {
  const a = attrs.find((x) => x.name === name);
  return a ? Number.parseInt(a.args.join(''), 10) : undefined;
}

function structMembers(body: readonly string[]): WgslStructMember[] {
  const p = new Parser(body);
  const members: WgslStructMember[] = [];
  while (!p.done) {
    const attrs = p.attributes();
    const name = p.next();
    p.expect(':');
    const type = typeText(p.until([','], true));
    members.push({ name, type, attributes: attrs.map((a) => a.name) });
    if (!p.done) p.expect(',');
  }
  return members;
}

/** Parses the module-scope declarations of preprocessed WGSL. */
export function reflectWgsl(code: string): WgslModule {
  const p = new Parser(tokenize(code));
  const structs = new Map<string, WgslStruct>();
  const resources: WgslResource[] = [];
  const overrides = new Map<string, WgslOverride>();
  const declarations = new Map<string, Declaration>();
  const entries: { name: string; stage: WgslEntryPoint['stage'] }[] = [];
  // Identifiers that may name a module-scope declaration: not member names after a '.'.
  const identifiers = (tokens: readonly string[]) => tokens.filter((t, i) => isIdent(t) && tokens[i - 1] !== '.');

  while (!p.done) {
    const attrs = p.attributes();
    const attrRefs = attrs.flatMap((a) => identifiers(a.args));
    const keyword = p.next();
    if (keyword === ';') continue;
    if (keyword === 'struct') {
      const name = p.next();
      const members = structMembers(p.balanced('{', '}').slice(1, -1));
      structs.set(name, { name, members });
      declarations.set(name, { refs: members.flatMap((m) => m.type.split(/[^A-Za-z0-9_]+/)).filter(isIdent) });
    } else if (keyword === 'fn') {
      const name = p.next();
      const rest = [...p.balanced('(', ')'), ...p.until(['{']), ...p.balanced('{', '}')];
      declarations.set(name, { refs: [...attrRefs, ...identifiers(rest)] });
      const stage = attrs.find((a) => a.name === 'compute' || a.name === 'vertex' || a.name === 'fragment');
      if (stage) entries.push({ name, stage: stage.name as WgslEntryPoint['stage'] });
    } else if (keyword === 'var') {
      const qualifier = p.peek() === '<' ? p.balanced('<', '>').slice(1, -1).filter((t) => t !== ',') : [];
      const name = p.next();
      let type: string[] = [];
      if (p.peek() === ':') {
        p.next();
        type = p.until(['=', ';']);
      }
      const init = p.until([';']);
      declarations.set(name, { refs: [...attrRefs, ...identifiers(type), ...identifiers(init)] });
      const group = attributeNumber(attrs, 'group');
      const binding = attributeNumber(attrs, 'binding');
      if (group !== undefined && binding !== undefined) {
        const space = qualifier[0] === 'uniform' || qualifier[0] === 'storage' ? qualifier[0] : 'handle';
        const access = qualifier[1] === 'read_write' || qualifier[1] === 'write' ? 'read_write' : 'read';
        resources.push({ name, group, binding, space, access, type: typeText(type) });
      }
    } else if (keyword === 'override') {
      const name = p.next();
      const decl = p.until([';']);
      const hasDefault = decl.includes('=');
      overrides.set(name, { name, hasDefault });
      declarations.set(name, { refs: identifiers(decl) });
    } else if (keyword === 'const' || keyword === 'alias') {
      const name = p.next();
      declarations.set(name, { refs: identifiers(p.until([';'])) });
    } else {
      // enable, requires, diagnostic, const_assert: nothing the contract needs.
      p.until([';']);
    }
  }

  const entryPoints = new Map<string, WgslEntryPoint>();
  for (const { name, stage } of entries) {
    const used = new Set<string>([name]);
    const queue = [name];
    while (queue.length > 0) {
      for (const ref of declarations.get(queue.pop() as string)?.refs ?? []) {
        if (declarations.has(ref) && !used.has(ref)) {
          used.add(ref);
          queue.push(ref);
        }
      }
    }
    entryPoints.set(name, {
      name,
      stage,
      resources: resources.filter((r) => used.has(r.name)).sort((a, b) => a.group - b.group || a.binding - b.binding),
      overrides: [...overrides.values()].filter((o) => used.has(o.name)),
    });
  }
  return { structs, resources, overrides, entryPoints };
}
