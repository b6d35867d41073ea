// Lint: typescript-eslint's recommended rules, React hooks hygiene by convention, and the
// import direction of architecture.md enforced per folder with no-restricted-imports.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const UI_LIBS = [
  { name: 'react', message: 'The engine never imports React (architecture.md).' },
  { name: 'react-dom', message: 'The engine never imports React (architecture.md).' },
  { name: 'zustand', message: 'The engine never imports the store (architecture.md).' },
  { name: 'plotly.js-dist-min', message: 'The engine never imports plotly (architecture.md).' },
];
const UI_PATTERNS = [{ group: ['**/ui/*', '**/store/*', '**/worker/*'], message: 'Imports run ui → store → worker → engine, never back.' }];
const NODE_ONLY = [
  { name: 'webgpu', message: 'Dawn for Node: only src/gpu/node.ts, src/cli and tests import it.' },
];
const NODE_PATTERNS = [{ group: ['node:*'], message: 'Node built-ins only in Node hosts (src/cli, src/gpu/node.ts, shaderSourceFs.ts) and tests.' }];

// --- The test oracle stands alone (docs/architecture.md) -----------------------------------
// src/ref writes every formula out itself, so it imports only src/util, its own files, and types
// (`import type`); the engine never imports src/ref, not even a type. These blocks use
// typescript-eslint's rule (which knows `allowTypeImports`) so that they add to, and never
// replace, the per-folder `no-restricted-imports` blocks of the config (a later block that sets
// the same rule for the same files would replace these options: merge there instead).
// tests/unit/lintRules.test.ts shows each one failing on a deliberate violation.
const ORACLE_RULE = '@typescript-eslint/no-restricted-imports';
const ORACLE_RULES = [
  {
    files: ['src/ref/**'],
    rules: {
      [ORACLE_RULE]: [
        'error',
        {
          patterns: [
            {
              regex: '^(?!\\./|\\.\\./util(/|$))',
              allowTypeImports: true,
              message: 'src/ref is the test oracle: it imports only src/util, other src/ref files and types (import type); write the formula out in the reference.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/**'],
    ignores: ['src/ref/**'],
    rules: {
      [ORACLE_RULE]: [
        'error',
        { patterns: [{ regex: '^\\.{1,2}/(\\.\\./)*ref(/|$)', message: 'The engine never imports the test oracle src/ref; move what it needs to src/util or src/nn.' }] },
      ],
    },
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bench-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/gpu/**', 'src/nn/**', 'src/optim/**', 'src/train/**', 'src/data/**', 'src/ref/**', 'src/util/**'],
    ignores: ['src/gpu/node.ts', 'src/gpu/shaderSourceFs.ts', 'src/data/node/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [...UI_LIBS, ...NODE_ONLY], patterns: [...UI_PATTERNS, ...NODE_PATTERNS] }] },
  },
  {
    files: ['src/worker/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [...UI_LIBS, ...NODE_ONLY], patterns: [{ group: ['**/ui/*', '**/store/*'], message: 'The worker never imports UI or store.' }, ...NODE_PATTERNS] },
      ],
    },
  },
  {
    files: ['src/store/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [UI_LIBS[0], UI_LIBS[1], UI_LIBS[3], ...NODE_ONLY], patterns: [{ group: ['**/ui/*'], message: 'The store never imports UI.' }, ...NODE_PATTERNS] },
      ],
    },
  },
  {
    files: ['src/ui/**', 'src/main.tsx'],
    rules: { 'no-restricted-imports': ['error', { paths: NODE_ONLY, patterns: NODE_PATTERNS }] },
  },
  ...ORACLE_RULES,
);
