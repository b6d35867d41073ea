// Node host: every dataset by name, for the CLI and tests. Errors are DataErrors with a message
// that names the file and the problem, raised before any GPU work.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { cifar10Dataset, cifar10FileRole, CIFAR10_MAX_FILE_BYTES, sortCifar10Files, type NamedBytes } from '../cifar10';
import { DataError } from '../errors';
import { decodeImageDataset, decodeTextDataset } from '../format';
import type { DatasetName } from '../../train/config';
import type { ImageDataset } from '../imageDataset';
import { checkTextFitsContext, formatBytes, userTextDataset, USER_TEXT_MAX_BYTES, type TextDataset } from '../textDataset';
import { generatedBytes, generatedPath } from './generated';

export function loadMobyDick(context?: number): TextDataset {
  const d = decodeTextDataset(generatedBytes('moby-dick'), generatedPath('moby-dick'));
  if (context !== undefined) checkTextFitsContext(d, context);
  return d;
}

export function loadMnist(): ImageDataset {
  return decodeImageDataset(generatedBytes('mnist'), generatedPath('mnist'));
}

function readLimited(path: string, maxBytes: number, what: string): Uint8Array {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new DataError(`${what} "${path}" is not a file.`);
    size = st.size;
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError(`${what} "${path}" cannot be read: ${e instanceof Error ? e.message : String(e)}.`);
  }
  if (size > maxBytes) throw new DataError(`${what} "${basename(path)}" is ${formatBytes(size)}; the limit is ${formatBytes(maxBytes)}.`);
  return new Uint8Array(readFileSync(path));
}

/** A user's UTF-8 text file as a dataset for a model of the given context. */
export function loadUserText(path: string, context: number, maxBytes = USER_TEXT_MAX_BYTES): TextDataset {
  return userTextDataset(readLimited(path, maxBytes + 1, 'Text file'), basename(path), context, maxBytes);
}

/** CIFAR-10 from a folder holding data_batch_*.bin and test_batch.bin (names as cifar10FileRole; other files ignored). */
export function loadCifar10Dir(dir: string): ImageDataset {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw new DataError(`CIFAR-10 folder "${dir}" cannot be read: ${e instanceof Error ? e.message : String(e)}.`);
  }
  const files: NamedBytes[] = names
    .filter((n) => cifar10FileRole(n) !== null)
    .map((n) => ({ name: n, bytes: readLimited(join(dir, n), CIFAR10_MAX_FILE_BYTES, 'CIFAR-10 file') }));
  const { train, test } = sortCifar10Files(files);
  return cifar10Dataset(train, test);
}

export type LoadedDataset = { kind: 'text'; dataset: TextDataset } | { kind: 'image'; dataset: ImageDataset } | { kind: 'toy' };

export interface LoadOptions {
  context?: number; // T of a text model: the corpus must hold a window of T + 1 in both splits
  textFile?: string; // path of the UTF-8 file for 'user-text'
  cifarDir?: string; // folder of the CIFAR-10 binary batches for 'cifar10'
}

/** Any dataset by its config name (CLI host). Throws a DataError naming what is missing or wrong. */
export function loadDatasetByName(name: DatasetName, options: LoadOptions = {}): LoadedDataset {
  switch (name) {
    case 'moby-dick':
      return { kind: 'text', dataset: loadMobyDick(options.context) };
    case 'user-text':
      if (!options.textFile) throw new DataError('Dataset "user-text" needs a text file (--text FILE).');
      return { kind: 'text', dataset: loadUserText(options.textFile, options.context ?? 1) };
    case 'mnist':
      return { kind: 'image', dataset: loadMnist() };
    case 'cifar10':
      if (!options.cifarDir) throw new DataError('Dataset "cifar10" needs the folder of its binary batches (--cifar-dir DIR).');
      return { kind: 'image', dataset: loadCifar10Dir(options.cifarDir) };
    case 'toy':
      return { kind: 'toy' };
  }
}
