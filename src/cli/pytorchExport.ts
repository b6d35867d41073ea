// `npm run train -- … --export-pytorch DIR`: a folder from which the PyTorch side (python/,
// docs/pytorch.md) continues or scales the run on a machine with CUDA, one GPU or many:
//   config.json                 the comparison config
//   ckpt-<step>[-<id>].safetensors   every run's state at the last step (docs/checkpoints.md)
//   moby-dick.bin / mnist.bin / the text file   the dataset (CIFAR-10 is not copied: --cifar-dir)
//   ire_playground/             the Python package (python/ire_playground), so the folder is all
//                               a machine with PyTorch needs
//   README.md                   the exact commands for one GPU, for N GPUs and back to the engine
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GENERATED_FILES } from '../data/datasets';
import { generatedPath } from '../data/node/generated';
import { encodeRunCheckpoint, type ComparisonState } from '../train/checkpoint';
import { checkpointFileName, type DataPaths } from './trainSetup';

/** python/ire_playground of this repository. */
export const PYTHON_PACKAGE_DIR = fileURLToPath(new URL('../../python/ire_playground/', import.meta.url));

export interface PytorchExport {
  dir: string;
  /** Files written, relative to dir. */
  files: string[];
}

const isGenerated = (name: string): name is keyof typeof GENERATED_FILES => Object.prototype.hasOwnProperty.call(GENERATED_FILES, name);

/** The README of an export: what the folder holds and the commands, with this run's names filled in. */
export function exportReadme(state: ComparisonState, checkpoints: string[], dataFlag: string): string {
  const c = state.config;
  const step = state.step;
  const runs = state.runs.map((r) => r.id);
  const several = runs.length > 1;
  const runFlag = several ? ` --run ${runs[0]}` : '';
  const more = step + 1000;
  const batch = c.batchSize;
  const outDir = several ? `pytorch-${runs[0]}` : 'pytorch';
  const cmd = (prefix: string) => `${prefix} -m ire_playground.train --from .${runFlag}${dataFlag} --steps ${more}`;
  return `# ${c.model} on ${c.dataset}, step ${step}: continue in PyTorch

Exported by \`npm run train -- --export-pytorch\` (docs/pytorch.md in the ire-playground repository).

| file | what |
|---|---|
| \`config.json\` | the comparison config (${c.runs.map((r) => `${r.id} ${r.name}`).join(', ')}; batch ${batch}, seed ${c.seed}, schedule of ${c.totalSteps} steps) |
${checkpoints.map((f) => `| \`${f}\` | a run's full state at step ${step}: parameters, optimizer and IRE state (docs/checkpoints.md) |`).join('\n')}
| \`ire_playground/\` | the PyTorch package: the playground's models, optimizers, IRE, data order and checkpoints |

Needs Python 3.10 or later with PyTorch (any release from 1.13) and NumPy; nothing else. On a machine
with CUDA: \`pip install torch numpy\` (or the CUDA wheel of pytorch.org). Run the commands in this folder.

## One GPU

\`\`\`sh
${cmd('python3')}
\`\`\`

## N GPUs on one machine

\`\`\`sh
${cmd('torchrun --standalone --nproc_per_node N')}
\`\`\`

The global batch (${batch}) is split across the N processes (N must divide it); the run is the
one-GPU run: the same batches, the same IRE labels, estimates and masks.

${several ? `Each run continues on its own: \`--run ${runs.join('`, `--run ')}\`.\n\n` : ''}\`--steps\` is the step to stop at (the schedule's length stays ${c.totalSteps}; past it the
learning rate stays at its floor). Scaling instead: \`--layers\`, \`--width\`, \`--heads\`, \`--context\`
(GPT), \`--hidden\` (MLP) and \`--batch\` start a fresh run of that size from the same seed, data
and optimizer settings. Outputs go to \`${outDir}/\` (\`--out\`): \`metrics.csv\` with the CLI's columns
and \`ckpt-<step>.safetensors\`.

## Back to the playground

\`\`\`sh
npm run train -- --resume ${outDir}/ckpt-${more}.safetensors --steps ${more + 1000}${dataFlag}
\`\`\`

or load the checkpoint on the page. A scaled architecture is not a preset, so the CLI does not
resume it (docs/pytorch.md).
`;
}

/** Writes the export folder from a comparison's state (every run at its current step). */
export function writePytorchExport(dir: string, state: ComparisonState, paths: DataPaths): PytorchExport {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  writeFileSync(join(dir, 'config.json'), JSON.stringify(state.config, null, 2) + '\n');
  files.push('config.json');
  const checkpoints = state.runs.map((r) => checkpointFileName(state.step, r.id, state.runs.length));
  state.runs.forEach((r, i) => writeFileSync(join(dir, checkpoints[i]), encodeRunCheckpoint(state, r.id)));
  files.push(...checkpoints);
  let dataFlag = '';
  const dataset = state.config.dataset;
  if (isGenerated(dataset)) {
    copyFileSync(generatedPath(dataset), join(dir, GENERATED_FILES[dataset]));
    files.push(GENERATED_FILES[dataset]);
  } else if (dataset === 'user-text' && paths.text !== undefined) {
    const name = basename(paths.text);
    copyFileSync(paths.text, join(dir, name));
    files.push(name);
    dataFlag = ` --text ${name}`;
  } else if (dataset === 'cifar10') {
    dataFlag = ' --cifar-dir /path/to/cifar-10-batches-bin';
  }
  const pkg = join(dir, 'ire_playground');
  mkdirSync(pkg, { recursive: true });
  for (const f of readdirSync(PYTHON_PACKAGE_DIR).filter((n) => n.endsWith('.py'))) {
    copyFileSync(join(PYTHON_PACKAGE_DIR, f), join(pkg, f));
    files.push(`ire_playground/${f}`);
  }
  writeFileSync(join(dir, 'README.md'), exportReadme(state, checkpoints, dataFlag));
  files.push('README.md');
  return { dir, files };
}
