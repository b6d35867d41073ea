// "Continue in PyTorch" on a run card: one run as the folder the CLI's --export-pytorch writes
// (docs/pytorch.md, src/cli/pytorchExport.ts), zipped for a download: config.json, the run's
// checkpoint, the dataset file when the page has it, python/ire_playground and README.md.
// The page imports this module lazily (PytorchExportButton.tsx): the Python sources and the
// zip code stay out of the main bundle.
import { zipSync, type Zippable } from 'fflate';
import { fetchBytes } from '../data/fetch';
import { GENERATED_FILES, type GeneratedDataset } from '../data/datasets';
import { checkpointFileName, pytorchReadme, type PytorchReadme } from '../train/pytorchReadme';
import { decodeSafetensors } from '../train/safetensors';
import type { PytorchExportFile } from '../store/miscSlice';

/** python/ire_playground/*.py by file name, bundled as text. */
const PYTHON_SOURCES: Record<string, string> = Object.fromEntries(
  Object.entries(import.meta.glob<string>('/python/ire_playground/*.py', { query: '?raw', import: 'default', eager: true })).map(([path, text]) => [path.slice(path.lastIndexOf('/') + 1), text]),
);

/** Where the worker loads the generated datasets from (src/worker/training.worker.ts). */
const DATA_URL = `${import.meta.env.BASE_URL}generated/`;

const isGenerated = (name: string): name is GeneratedDataset => Object.prototype.hasOwnProperty.call(GENERATED_FILES, name);

/** A user's file name as a plain `.txt` name that is safe in a zip and on a command line. */
export function textFileName(name: string): string {
  const base = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1).replace(/\.[^.]*$/, '');
  const safe = base.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '');
  return `${safe || 'text'}.txt`;
}

export interface PytorchZip {
  fileName: string;
  bytes: Uint8Array;
  /** Paths inside the zip, in order. */
  files: string[];
}

interface DataPart {
  file?: { name: string; bytes: Uint8Array; what: string };
  flag: string;
  note?: string;
}

/** The dataset as the export holds it: the generated file the page loads (the same URL as the worker), the user's text, or a flag and a note. */
async function dataPart(f: PytorchExportFile, fetchFn: typeof fetch): Promise<DataPart> {
  const dataset = f.config.dataset;
  if (isGenerated(dataset)) {
    const name = GENERATED_FILES[dataset];
    try {
      return { file: { name, bytes: await fetchBytes(`${DATA_URL}${name}`, fetchFn), what: `the dataset as the page loaded it (\`npm run data\` writes it to public/generated/)` }, flag: '' };
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      return {
        flag: '',
        note: `\`${name}\` is not in this folder: the page could not load it (${why}). Run \`npm run data\` in the ire-playground repository and copy \`public/generated/${name}\` here, or add \`--data-dir <repository>/public/generated\` to the commands below.`,
      };
    }
  }
  if (dataset === 'user-text') {
    if (f.userText) {
      const name = textFileName(f.userText.name);
      return { file: { name, bytes: new TextEncoder().encode(f.userText.text), what: 'the text the page trained on (UTF-8)' }, flag: ` --text ${name}` };
    }
    return { flag: ' --text TEXT.txt', note: 'The text is not in this folder (the page no longer holds it): put the file the run trained on here and give its name for `TEXT.txt` below.' };
  }
  if (dataset === 'cifar10') {
    return { flag: ' --cifar-dir /path/to/cifar-10-batches-bin', note: 'CIFAR-10 is not copied: give the folder of its binary batches (data_batch_1.bin … test_batch.bin) with `--cifar-dir`, as below.' };
  }
  return { flag: '' };
}

/** Runs of the comparison the checkpoint comes from (its `run_ids`), which name the PyTorch side's output folder. */
function comparisonRuns(f: PytorchExportFile): number {
  const ids: unknown = JSON.parse(decodeSafetensors(f.checkpoint, 'the checkpoint').metadata.run_ids ?? 'null');
  return Array.isArray(ids) ? ids.length : f.config.runs.length;
}

/** The zip of one run's PyTorch folder; `folder` is its top folder (also the zip's name). */
export async function pytorchZip(f: PytorchExportFile, fetchFn: typeof fetch = fetch): Promise<PytorchZip> {
  const folder = `ire-playground-${f.runId}-step${f.step}-pytorch`;
  const data = await dataPart(f, fetchFn);
  const checkpoint = checkpointFileName(f.step, f.runId, 1);
  const readme: PytorchReadme = {
    config: f.config,
    step: f.step,
    runs: [f.runId],
    checkpoints: [checkpoint],
    comparisonRuns: comparisonRuns(f),
    dataFlag: data.flag,
    origin: 'page',
    ...(data.file ? { dataFile: { name: data.file.name, what: data.file.what } } : {}),
    ...(data.note ? { dataNote: data.note } : {}),
  };
  const enc = new TextEncoder();
  const entries: [string, Uint8Array, number][] = [
    ['config.json', enc.encode(JSON.stringify(f.config, null, 2) + '\n'), 6],
    [checkpoint, f.checkpoint, 0], // f32 tensors barely compress: stored
    ...(data.file ? [[data.file.name, data.file.bytes, 6] as [string, Uint8Array, number]] : []),
    ...Object.keys(PYTHON_SOURCES)
      .sort()
      .map((name): [string, Uint8Array, number] => [`ire_playground/${name}`, enc.encode(PYTHON_SOURCES[name]), 6]),
    ['README.md', enc.encode(pytorchReadme(readme)), 6],
  ];
  const tree: Zippable = {};
  for (const [path, bytes, level] of entries) tree[`${folder}/${path}`] = [bytes, { level: level as 0 | 6 }];
  return { fileName: `${folder}.zip`, bytes: zipSync(tree), files: entries.map(([path]) => path) };
}
