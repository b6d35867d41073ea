// Checks of a file the user uploads, on the page, before anything reaches the worker: the size
// limit (from the file's size alone, before reading it), an empty file, text that is not UTF-8,
// a CIFAR-10 batch whose length is not a multiple of 3,073 bytes or with a bad label. Each
// refusal is the data layer's DataError message, shown next to the upload control.
import { CIFAR10_MAX_FILE_BYTES, parseCifar10Batch } from '../data/cifar10';
import { DataError } from '../data/errors';
import { decodeUserText, formatBytes, USER_TEXT_MAX_BYTES } from '../data/textDataset';
import type { UserData } from '../worker/protocol';

export type UploadKind = 'user-text' | 'cifar10';

export const UPLOAD_LIMITS: Record<UploadKind, number> = { 'user-text': USER_TEXT_MAX_BYTES, cifar10: CIFAR10_MAX_FILE_BYTES };

/** A refusal from the size alone (no need to read a huge file), or null. */
export function checkUploadSize(kind: UploadKind, name: string, size: number): string | null {
  if (size === 0) return `"${name}" is empty.`;
  const limit = UPLOAD_LIMITS[kind];
  if (size > limit) return `"${name}" is ${formatBytes(size)}; ${kind === 'cifar10' ? 'a CIFAR-10 batch file' : 'a text file'} may be at most ${formatBytes(limit)}.`;
  return null;
}

export type UploadResult = { ok: true; data: UserData; summary: string } | { ok: false; message: string };

/** Validates uploaded files' bytes; never throws. Several CIFAR-10 batch files may come together. */
export function parseUpload(kind: UploadKind, files: readonly { name: string; bytes: Uint8Array }[]): UploadResult {
  if (files.length === 0) return { ok: false, message: 'No file was chosen.' };
  try {
    for (const f of files) {
      const refusal = checkUploadSize(kind, f.name, f.bytes.length);
      if (refusal) return { ok: false, message: refusal };
    }
    if (kind === 'user-text') {
      if (files.length > 1) return { ok: false, message: 'Choose one text file.' };
      const { name, bytes } = files[0];
      const text = decodeUserText(bytes, name);
      return { ok: true, data: { dataset: 'user-text', name, text }, summary: `"${name}": ${[...text].length} characters` };
    }
    let images = 0;
    for (const f of files) images += parseCifar10Batch(f).count;
    return {
      ok: true,
      data: { dataset: 'cifar10', files: files.map((f) => ({ name: f.name, bytes: f.bytes })) },
      summary: `${files.length} CIFAR-10 file${files.length > 1 ? 's' : ''}: ${images} images`,
    };
  } catch (e) {
    if (e instanceof DataError) return { ok: false, message: e.message };
    return { ok: false, message: `The file could not be read: ${e instanceof Error ? e.message : String(e)}` };
  }
}
