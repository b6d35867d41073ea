// Lint: typescript-eslint's recommended rules, the layers of docs/architecture.md enforced per
// folder with no-restricted-imports (LAYERS below), and the test oracle kept apart (ORACLE_RULES).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const UI_LIBS = [
  { name: 'react', message: 'The engine never imports React (docs/architecture.md).' },
  { name: 'react-dom', message: 'The engine never imports React (docs/architecture.md).' },
  { name: 'zustand', message: 'The engine never imports the store (docs/architecture.md).' },
  { name: 'plotly.js-dist-min', message: 'The engine never imports plotly (docs/architecture.md).' },
];
const NODE_ONLY = [
  { name: 'webgpu', message: 'Dawn for Node: only src/gpu/node.ts, src/cli and tests import it.' },
];
const NODE_PATTERNS = [{ group: ['node:*'], message: 'Node built-ins only in Node hosts (src/cli, src/gpu/node.ts, shaderSourceFs.ts) and tests.' }];

// --- The layers (docs/architecture.md) ------------------------------------------------------
// Imports run one way: ui → store → worker → train → optim → nn → gpu, with data beside nn and
// util under everything. Each folder lists the folders it must never import, types included
// (a type import still ties a lower layer to a higher one). The page reaches the GPU only
// through the worker protocol, so ui and store import neither gpu, nn nor optim. Nothing here
// forms a cycle; tests/unit/importCycles.test.ts checks that no files import each other in one.
const ENGINE_FOLDERS = ['src/gpu', 'src/nn', 'src/optim', 'src/train', 'src/data', 'src/util'];
const LAYERS = {
  'src/util': ['gpu', 'nn', 'optim', 'data', 'train', 'worker', 'store', 'ui', 'cli'],
  'src/gpu': ['nn', 'optim', 'data', 'train', 'worker', 'store', 'ui', 'cli'],
  'src/data': ['gpu', 'nn', 'optim', 'train', 'worker', 'store', 'ui', 'cli'],
  'src/nn': ['optim', 'data', 'train', 'worker', 'store', 'ui', 'cli'],
  'src/optim': ['data', 'train', 'worker', 'store', 'ui', 'cli'],
  'src/train': ['worker', 'store', 'ui', 'cli'],
  'src/worker': ['store', 'ui', 'cli'],
  'src/cli': ['worker', 'store', 'ui'],
  'src/store': ['ui', 'cli', 'gpu', 'nn', 'optim'],
  'src/ui': ['cli', 'gpu', 'nn', 'optim'],
};
/** Node-only files inside engine folders (they may use node: built-ins and Dawn). */
const NODE_HOSTS = ['src/gpu/node.ts', 'src/gpu/shaderSourceFs.ts', 'src/data/node/**'];
const below = (folder) => `${folder} never imports ${LAYERS[folder].map((f) => `src/${f}`).join(', ')} (docs/architecture.md, "Layers").`;
const LAYER_RULES = Object.keys(LAYERS).map((folder) => {
  const engine = ENGINE_FOLDERS.includes(folder);
  const browserSide = folder === 'src/ui' || folder === 'src/store' || folder === 'src/worker';
  const paths = [...(engine || folder === 'src/worker' ? UI_LIBS : folder === 'src/store' ? [UI_LIBS[0], UI_LIBS[1], UI_LIBS[3]] : []), ...(folder === 'src/cli' ? [] : NODE_ONLY)];
  const patterns = [
    { regex: `(^|/)(${LAYERS[folder].join('|')})(/|$)`, message: below(folder) },
    ...(folder === 'src/cli' ? [] : NODE_PATTERNS),
  ];
  return {
    files: [`${folder}/**`, ...(folder === 'src/ui' ? ['src/main.tsx'] : [])],
    ignores: engine && !browserSide ? NODE_HOSTS : [],
    rules: { 'no-restricted-imports': ['error', { paths, patterns }] },
  };
});

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
  ...LAYER_RULES,
  ...ORACLE_RULES,
);
