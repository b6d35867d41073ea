// The value-import graph of a set of TypeScript files, and its cycles (Tarjan's strongly
// connected components). `import type` and `export type … from` are left out: they vanish from
// the compiled code, so they cannot make modules wait on each other at load time.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

/** Relative specifiers of the value imports and re-exports in `code`. */
export function valueImports(code: string): string[] {
  const out: string[] = [];
  const re = /^\s*(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"](\.{1,2}\/[^'"]+)['"]/gm;
  for (const m of code.matchAll(re)) if (!m[2]) out.push(m[3]);
  return out;
}

/** Every file under `dir` whose name ends in one of `endings`, as paths relative to `root`. */
export function filesUnder(root: string, dir: string, endings: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (endings.some((e) => name.endsWith(e))) out.push(relative(root, p));
    }
  };
  walk(join(root, dir));
  return out.sort();
}

/**
 * The import graph of `files` (paths relative to `root`): an edge from a file to every file of
 * the set that it imports by value. `suffixes` are tried after an import's specifier to find the
 * file it names ('.ts', '.tsx', or '.ts.txt' for fixtures).
 */
export function importGraph(root: string, files: readonly string[], suffixes: readonly string[]): Map<string, string[]> {
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const deps: string[] = [];
    for (const spec of valueImports(readFileSync(join(root, f), 'utf8'))) {
      const base = normalize(join(dirname(f), spec));
      const hit = suffixes.map((s) => base + s).find((c) => known.has(c));
      if (hit) deps.push(hit);
    }
    graph.set(f, deps);
  }
  return graph;
}

/** The cycles of a graph: each strongly connected component of more than one file (or a self-import), sorted. */
export function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}
