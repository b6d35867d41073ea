// `npm run train -- … --export-pytorch DIR`: a folder from which the PyTorch side (python/,
// docs/pytorch.md) continues or scales the run on a machine with CUDA, one GPU or many:
//   config.json                 the comparison config
//   ckpt-<step>[-<id>].safetensors   every run's state at the last step (docs/checkpoints.md)
//   moby-dick.bin / mnist.bin / the text file   the dataset (CIFAR-10 is not copied: --cifar-dir)
//   ire_playground/             the Python package (python/ire_playground), so the folder is all
//                               a machine with PyTorch needs
//   README.md                   the exact commands for one GPU, for N GPUs and back to the engine
//                               (src/train/pytorchReadme.ts; the page writes the same for one run: src/ui/pytorchZip.ts)
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GENERATED_FILES } from '../data/datasets';
import { generatedBytes } from '../data/node/generated';
import { encodeRunCheckpoint, type ComparisonState } from '../train/checkpoint';
import { pytorchReadme } from '../train/pytorchReadme';
import { checkpointFileName, type DataPaths } from './trainSetup';

/** python/ire_playground of this repository. */
export const PYTHON_PACKAGE_DIR = fileURLToPath(new URL('../../python/ire_playground/', import.meta.url));

export interface PytorchExport {
  dir: string;
  /** Files written, relative to dir. */
  files: string[];
}

const isGenerated = (name: string): name is keyof typeof GENERATED_FILES => Object.prototype.hasOwnProperty.call(GENERATED_FILES, name);

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
    // The converted file when fresh, else converted now: the export needs no `npm run data` first.
    writeFileSync(join(dir, GENERATED_FILES[dataset]), generatedBytes(dataset));
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
  const runs = state.runs.map((r) => r.id);
  writeFileSync(join(dir, 'README.md'), pytorchReadme({ config: state.config, step: state.step, runs, checkpoints, comparisonRuns: runs.length, dataFlag, origin: 'cli' }));
  files.push('README.md');
  return { dir, files };
}
