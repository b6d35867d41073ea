// No two modules of src/ import each other's values in a circle (docs/architecture.md, "Layers"):
// a cycle makes load order matter, and the layer rules of eslint.config.js, which look at one
// import at a time, cannot see one inside a folder. The checker is shown failing on a fixture.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { filesUnder, importCycles, importGraph, valueImports } from '../helpers/importGraph';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('import cycles', () => {
  it('src/ has none', () => {
    const files = filesUnder(ROOT, 'src', ['.ts', '.tsx']);
    expect(files.length).toBeGreaterThan(100);
    const graph = importGraph(ROOT, files, ['.ts', '.tsx', '/index.ts']);
    // The graph is real: the store imports its slices, the trainer its models.
    expect(graph.get(join('src', 'store', 'store.ts'))).toContain(join('src', 'store', 'runsSlice.ts'));
    expect(importCycles(graph)).toEqual([]);
  });

  it('finds the cycle of the fixture (two files importing each other), and ignores type-only imports', () => {
    const files = filesUnder(ROOT, join('tests', 'lint', 'fixtures', 'cycle'), ['.ts.txt']);
    const graph = importGraph(ROOT, files, ['.ts.txt']);
    expect(importCycles(graph)).toEqual([files]);
    expect(valueImports("import type { A } from './a';\nexport type { B } from './b';\nimport { c } from './c';\nexport { d } from '../d';")).toEqual(['./c', '../d']);
  });
});
