// Data the user uploads → the dataset the engine trains on. buildUserDataset is the one check
// of an upload: the page runs it before it sends anything (src/store/upload.ts) and the training
// worker runs it on what it receives, so the page never reports "Loaded" for data the worker
// refuses. Every refusal is a DataError whose message can be shown as is.
//
// CIFAR-10 rules (cifar10FileRole, sortCifar10Files): files are told apart by name only,
// data_batch_N.bin (training, taken in order of N) and test_batch.bin (test), in any letter
// case; any other name, or two files for one batch, is refused with the accepted names. Both
// splits are required: the test batch is what accuracy is measured on, and no part of the
// training images is held out in its place.
import { CIFAR10_MAX_FILE_BYTES, cifar10FromSplits, parseCifar10Batch, sortCifar10Files, type NamedBytes } from './cifar10';
import { DataError } from './errors';
import type { ImageDataset } from './imageDataset';
import { buildTextDataset, decodeUserText, formatBytes, USER_TEXT_MAX_BYTES, type TextDataset } from './textDataset';

/** Uploaded data as the page sends it to the worker: decoded UTF-8 text, or CIFAR-10 batch files. */
export type UserData = { dataset: 'user-text'; name: string; text: string } | { dataset: 'cifar10'; files: NamedBytes[] };
export type UserDataKind = UserData['dataset'];

/** The dataset built from an upload (the text and image cases of the engine's TrainingData). */
export type UserDataset = { kind: 'text'; dataset: TextDataset } | { kind: 'image'; dataset: ImageDataset };

/** Largest file of each kind, in bytes. */
export const USER_FILE_LIMITS: Record<UserDataKind, number> = { 'user-text': USER_TEXT_MAX_BYTES, cifar10: CIFAR10_MAX_FILE_BYTES };

/** The refusal of a file from its size alone (so a huge file need not be read), or null. */
export function userFileSizeRefusal(kind: UserDataKind, name: string, size: number): string | null {
  if (size === 0) return `"${name}" is empty.`;
  const limit = USER_FILE_LIMITS[kind];
  if (size <= limit) return null;
  return `"${name}" is ${formatBytes(size)}; ${kind === 'cifar10' ? 'a CIFAR-10 batch file' : 'a text file'} may be at most ${formatBytes(limit)}.`;
}

function checkSize(kind: UserDataKind, name: string, size: number): void {
  const refusal = userFileSizeRefusal(kind, name, size);
  if (refusal) throw new DataError(refusal);
}

/** The page's step before buildUserDataset: chosen files → what is sent (text is decoded here). */
export function readUserFiles(kind: UserDataKind, files: readonly NamedBytes[]): UserData {
  if (files.length === 0) throw new DataError('No file was chosen.');
  for (const f of files) checkSize(kind, f.name, f.bytes.length);
  if (kind === 'cifar10') return { dataset: 'cifar10', files: files.map((f) => ({ name: f.name, bytes: f.bytes })) };
  if (files.length > 1) throw new DataError(`Choose one text file (${files.length} were chosen).`);
  const { name, bytes } = files[0];
  return { dataset: 'user-text', name, text: decodeUserText(bytes, name) };
}

/**
 * The dataset of an upload, or a DataError naming the problem. Text: 90/10 split by position
 * (buildTextDataset); whether it fits a model's context is checked when a model is configured.
 * CIFAR-10: in order, each file's size, the names (see the top of this file), each file's
 * records (length, labels), then both splits present.
 */
export function buildUserDataset(data: UserData): UserDataset {
  if (data.dataset === 'user-text') {
    const size = new TextEncoder().encode(data.text).length; // UTF-8 bytes, as the file's size
    checkSize('user-text', data.name, size);
    return { kind: 'text', dataset: buildTextDataset(data.name, data.text) };
  }
  for (const f of data.files) checkSize('cifar10', f.name, f.bytes.length);
  const files = sortCifar10Files(data.files);
  const train = files.train.map(parseCifar10Batch);
  const test = files.test.map(parseCifar10Batch);
  if (train.length === 0) {
    throw new DataError('CIFAR-10 needs training batches as well as the test batch: also choose data_batch_1.bin … data_batch_5.bin (or some of them).');
  }
  if (test.length === 0) {
    const chosen = files.train.map((f) => `"${f.name}"`).join(', ');
    throw new DataError(`CIFAR-10 needs the test batch, on which accuracy is measured: also choose test_batch.bin, together with ${chosen}.`);
  }
  return { kind: 'image', dataset: cifar10FromSplits(train, test) };
}
