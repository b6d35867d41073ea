// The folder for the PyTorch side (docs/pytorch.md): its checkpoint file names, and its README.md,
// what the folder holds and the exact commands with the run's names and steps filled in. Plain strings only, no Node
// built-ins: the CLI's --export-pytorch (src/cli/pytorchExport.ts) and the page's "Continue in
// PyTorch" (src/ui/pytorchZip.ts) both write it.
import type { ComparisonConfig } from './config';

/** Checkpoint file name of a run at a step: one file per run; the run id is named when there are several. */
export function checkpointFileName(step: number, runId: string, runCount: number): string {
  return runCount > 1 ? `ckpt-${step}-${runId}.safetensors` : `ckpt-${step}.safetensors`;
}

export interface PytorchReadme {
  /** The comparison config the folder's config.json holds. */
  config: ComparisonConfig;
  /** The step of the checkpoints. */
  step: number;
  /** Ids of the runs whose checkpoints the folder holds, in `checkpoints`' order. */
  runs: string[];
  /** The checkpoint files, one per entry of `runs`. */
  checkpoints: string[];
  /** Runs of the comparison the checkpoints come from (their `run_ids`): the PyTorch side names its output folder by run when there are several. */
  comparisonRuns: number;
  /** Flags for data the folder does not hold by itself (` --text NAME`, ` --cifar-dir …`), with a leading space; '' for none. */
  dataFlag: string;
  /** Who wrote the folder: the CLI's `--export-pytorch`, or the page's "Continue in PyTorch" on one run's card. */
  origin: 'cli' | 'page';
  /** The dataset file in the folder (a row of the table), when the README lists it. */
  dataFile?: { name: string; what: string };
  /** A paragraph about data the folder lacks and how to get it. */
  dataNote?: string;
}

/** The README of an export: what the folder holds and the commands, with this run's names filled in. */
export function pytorchReadme(r: PytorchReadme): string {
  const c = r.config;
  const step = r.step;
  const runs = r.runs;
  const several = runs.length > 1;
  const runFlag = several ? ` --run ${runs[0]}` : '';
  const more = step + 1000;
  const batch = c.batchSize;
  const outDir = r.comparisonRuns > 1 ? `pytorch-${runs[0]}` : 'pytorch';
  const dataFlag = r.dataFlag;
  const cmd = (prefix: string) => `${prefix} -m ire_playground.train --from .${runFlag}${dataFlag} --steps ${more}`;
  const page = r.origin === 'page';
  const run = c.runs.find((x) => x.id === runs[0]);
  const title = page && run ? `# ${c.model} on ${c.dataset}, run ${run.id} (${run.name}), step ${step}: continue in PyTorch` : `# ${c.model} on ${c.dataset}, step ${step}: continue in PyTorch`;
  const origin = page
    ? `Exported by the ire-playground page ("Continue in PyTorch" on the card of run ${runs.join(', ')}; docs/pytorch.md in the ire-playground repository).`
    : 'Exported by `npm run train -- --export-pytorch` (docs/pytorch.md in the ire-playground repository).';
  const dataRow = r.dataFile ? `| \`${r.dataFile.name}\` | ${r.dataFile.what} |\n` : '';
  const dataNote = r.dataNote ? `${r.dataNote}\n\n` : '';
  return `${title}

${origin}

| file | what |
|---|---|
| \`config.json\` | the comparison config (${c.runs.map((x) => `${x.id} ${x.name}`).join(', ')}; batch ${batch}${c.trainSubset > 0 ? ` on the first ${c.trainSubset} training images` : ''}, seed ${c.seed}, schedule of ${c.totalSteps} steps) |
${r.checkpoints.map((f) => `| \`${f}\` | a run's full state at step ${step}: parameters, optimizer and IRE state (docs/checkpoints.md) |`).join('\n')}
${dataRow}| \`ire_playground/\` | the PyTorch package: the playground's models, optimizers, IRE, data order and checkpoints |

${dataNote}Needs Python 3.10 or later with PyTorch (any release from 1.13) and NumPy; nothing else. On a machine
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

The page does not open checkpoints yet: the CLI continues it. A scaled run comes back too: the CLI builds the model its
checkpoint names (\`model_config\`), as long as the data give the same vocabulary or image shape
(docs/pytorch.md).
`;
}
