// A file the user uploads, checked on the page before anything reaches the worker, by the same
// function the worker builds its dataset with (buildUserDataset, src/data/userData.ts): what the
// page accepts, the worker trains on. Each refusal is the data layer's DataError message, shown
// next to the upload control; the summary is read from the built dataset.
import { DataError } from '../data/errors';
import { buildUserDataset, readUserFiles, USER_FILE_LIMITS, userFileSizeRefusal, type UserDataKind, type UserDataset } from '../data/userData';
import type { UserData } from '../worker/protocol';

export type UploadKind = UserDataKind;

export const UPLOAD_LIMITS = USER_FILE_LIMITS;

/** A refusal from the size alone (no need to read a huge file), or null. */
export function checkUploadSize(kind: UploadKind, name: string, size: number): string | null {
  return userFileSizeRefusal(kind, name, size);
}

export type UploadResult = { ok: true; data: UserData; summary: string } | { ok: false; message: string };

const count = (n: number, one: string, many: string) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

/** What an upload holds, e.g. `2 CIFAR-10 files: 20,000 training images, 10,000 test images`. */
export function uploadSummary(data: UserData, built: UserDataset): string {
  if (built.kind === 'text') {
    const { train, val } = built.dataset;
    return `"${built.dataset.name}": ${count(train.length + val.length, 'character', 'characters')} (${train.length.toLocaleString('en')} for training, ${val.length.toLocaleString('en')} for validation)`;
  }
  const files = data.dataset === 'cifar10' ? data.files.length : 1;
  const { train, test } = built.dataset;
  return `${count(files, 'CIFAR-10 file', 'CIFAR-10 files')}: ${count(train.count, 'training image', 'training images')}, ${count(test.count, 'test image', 'test images')}`;
}

/** Checks uploaded files' bytes by building the dataset the worker will build; never throws. */
export function parseUpload(kind: UploadKind, files: readonly { name: string; bytes: Uint8Array }[]): UploadResult {
  try {
    const data = readUserFiles(kind, files);
    return { ok: true, data, summary: uploadSummary(data, buildUserDataset(data)) };
  } catch (e) {
    if (e instanceof DataError) return { ok: false, message: e.message };
    return { ok: false, message: `The file could not be read: ${e instanceof Error ? e.message : String(e)}` };
  }
}
