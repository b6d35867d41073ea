// The layer rules of eslint.config.js fail where they should: each case lints one fixture of
// tests/lint/fixtures/ (stored as .ts.txt, so neither tsc nor `eslint .` reads it as source) as
// if it were the file `as` inside src/, so the per-folder rules apply, and checks that `rule`
// reports it, or, for a clean case, that nothing at all is reported. A new layer rule adds its
// fixtures and rows to CASES.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURES = join(ROOT, 'tests', 'lint', 'fixtures');

/** docs/architecture.md: src/ref imports only src/util, its own files and types; the engine never imports src/ref. */
const ORACLE = '@typescript-eslint/no-restricted-imports';
/** docs/architecture.md, "Layers": each folder never imports the folders above it (eslint.config.js LAYERS). */
const LAYER = 'no-restricted-imports';

interface LintCase {
  /** File name in tests/lint/fixtures/. */
  fixture: string;
  /** The path, relative to the repository root, it is linted as. */
  as: string;
  /** The rule that must report it; null: a clean file, nothing may be reported. */
  rule: string | null;
}

const CASES: readonly LintCase[] = [
  { fixture: 'ref-imports-engine-value.ts.txt', as: 'src/ref/lintFixture.ts', rule: ORACLE },
  { fixture: 'ref-imports-engine-mixed.ts.txt', as: 'src/ref/lintFixture.ts', rule: ORACLE },
  { fixture: 'ref-clean.ts.txt', as: 'src/ref/lintFixture.ts', rule: null },
  { fixture: 'engine-imports-ref.ts.txt', as: 'src/nn/lintFixture.ts', rule: ORACLE },
  { fixture: 'engine-imports-ref-type.ts.txt', as: 'src/optim/lintFixture.ts', rule: ORACLE },
  { fixture: 'engine-reexports-ref.ts.txt', as: 'src/train/lintFixture.ts', rule: ORACLE },
  { fixture: 'engine-clean.ts.txt', as: 'src/nn/lintFixture.ts', rule: null },
  { fixture: 'nn-imports-train.ts.txt', as: 'src/nn/lintFixture.ts', rule: LAYER },
  { fixture: 'gpu-imports-nn.ts.txt', as: 'src/gpu/lintFixture.ts', rule: LAYER },
  { fixture: 'data-imports-nn.ts.txt', as: 'src/data/lintFixture.ts', rule: LAYER },
  { fixture: 'worker-imports-store.ts.txt', as: 'src/worker/lintFixture.ts', rule: LAYER },
  { fixture: 'ui-imports-gpu.ts.txt', as: 'src/ui/lintFixture.ts', rule: LAYER },
  { fixture: 'train-clean.ts.txt', as: 'src/train/lintFixture.ts', rule: null },
];

describe('layer rules of eslint.config.js', () => {
  let eslint: ESLint;
  beforeAll(() => {
    eslint = new ESLint({ cwd: ROOT });
  });

  for (const c of CASES) {
    it(`${c.fixture} as ${c.as}: ${c.rule ? `reported by ${c.rule}` : 'clean'}`, async () => {
      const code = readFileSync(join(FIXTURES, c.fixture), 'utf8');
      const [result] = await eslint.lintText(code, { filePath: join(ROOT, c.as) });
      const messages = result.messages.map((m) => `${m.ruleId ?? 'parser'}: ${m.message}`);
      if (c.rule === null) {
        expect(messages).toEqual([]);
      } else {
        expect(result.messages.filter((m) => m.ruleId === c.rule && m.severity === 2), messages.join('\n')).toHaveLength(1);
      }
    }, 60_000);
  }
});
