// CIFAR-10 from the official binary batches the user supplies (data_batch_1..5.bin,
// test_batch.bin). Each record is 1 label byte (0..9) then 3,072 pixel bytes: the 32×32 red
// plane, then green, then blue, rows top to bottom. That is (C,H,W) order, kept as is.
import { DataError } from './errors';
import type { ImageDataset, ImageSplit } from './imageDataset';
import { formatBytes } from './textDataset';

export const CIFAR10_CHANNELS = 3;
export const CIFAR10_SIDE = 32;
export const CIFAR10_CLASSES = 10;
export const CIFAR10_IMAGE_BYTES = CIFAR10_CHANNELS * CIFAR10_SIDE * CIFAR10_SIDE; // 3,072
export const CIFAR10_RECORD_BYTES = 1 + CIFAR10_IMAGE_BYTES; // 3,073
export const CIFAR10_MAX_FILE_BYTES = 64 * 1024 * 1024; // an official batch is 30,730,000 bytes
export const CIFAR10_LABEL_NAMES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'] as const;

export interface NamedBytes {
  name: string; // file name, for messages
  bytes: Uint8Array;
}

/** Parses one batch file; throws a DataError naming the file and the problem. */
export function parseCifar10Batch(file: NamedBytes): ImageSplit {
  const { name, bytes } = file;
  if (bytes.length === 0) throw new DataError(`CIFAR-10 file "${name}" is empty.`);
  if (bytes.length > CIFAR10_MAX_FILE_BYTES) {
    throw new DataError(`CIFAR-10 file "${name}" is ${formatBytes(bytes.length)}; a batch file is at most ${formatBytes(CIFAR10_MAX_FILE_BYTES)}.`);
  }
  if (bytes.length % CIFAR10_RECORD_BYTES !== 0) {
    throw new DataError(
      `CIFAR-10 file "${name}" is ${bytes.length} bytes, not a multiple of ${CIFAR10_RECORD_BYTES} ` +
        `(1 label byte + ${CIFAR10_IMAGE_BYTES} pixel bytes per image): is it the binary version?`,
    );
  }
  const count = bytes.length / CIFAR10_RECORD_BYTES;
  const pixels = new Uint8Array(count * CIFAR10_IMAGE_BYTES); // (N, 3, 32, 32)
  const labels = new Uint8Array(count); // (N)
  for (let i = 0; i < count; i++) {
    const at = i * CIFAR10_RECORD_BYTES;
    const label = bytes[at];
    if (label >= CIFAR10_CLASSES) {
      throw new DataError(`CIFAR-10 file "${name}": record ${i} (byte ${at}) has label ${label}; labels are 0..${CIFAR10_CLASSES - 1}.`);
    }
    labels[i] = label;
    pixels.set(bytes.subarray(at + 1, at + CIFAR10_RECORD_BYTES), i * CIFAR10_IMAGE_BYTES);
  }
  return { count, pixels, labels };
}

/** Concatenates splits in the order given. */
export function concatSplits(splits: readonly ImageSplit[], imageBytes: number): ImageSplit {
  const count = splits.reduce((n, s) => n + s.count, 0);
  const pixels = new Uint8Array(count * imageBytes);
  const labels = new Uint8Array(count);
  let n = 0;
  for (const s of splits) {
    pixels.set(s.pixels, n * imageBytes);
    labels.set(s.labels, n);
    n += s.count;
  }
  return { count, pixels, labels };
}

/** The dataset from training batch files (in the order given) and test batch files. */
export function cifar10Dataset(trainFiles: readonly NamedBytes[], testFiles: readonly NamedBytes[]): ImageDataset {
  if (trainFiles.length === 0) throw new DataError('CIFAR-10: no training batch file (data_batch_*.bin) was given.');
  if (testFiles.length === 0) throw new DataError('CIFAR-10: no test batch file (test_batch.bin) was given.');
  return cifar10FromSplits(trainFiles.map(parseCifar10Batch), testFiles.map(parseCifar10Batch));
}

/** The dataset from parsed training and test batches, each concatenated in the order given. */
export function cifar10FromSplits(train: readonly ImageSplit[], test: readonly ImageSplit[]): ImageDataset {
  return {
    name: 'cifar10',
    channels: CIFAR10_CHANNELS,
    height: CIFAR10_SIDE,
    width: CIFAR10_SIDE,
    classes: CIFAR10_CLASSES,
    train: concatSplits(train, CIFAR10_IMAGE_BYTES),
    test: concatSplits(test, CIFAR10_IMAGE_BYTES),
  };
}

/** The names batch files must have, for messages (the rules of cifar10FileRole). */
export const CIFAR10_FILE_NAMES =
  'data_batch_N.bin for training (N = 1, 2, …; the official files are data_batch_1.bin … data_batch_5.bin) and test_batch.bin for testing, in any letter case';

export type Cifar10FileRole = { split: 'train'; n: number } | { split: 'test' };

/**
 * What a file's name says it holds: training batch n (data_batch_n.bin, n ≥ 1 without leading
 * zeros), the test batch (test_batch.bin), or null. Folders in the name and letter case are
 * ignored: DATA_BATCH_1.BIN is batch 1. The content cannot tell a training batch from the test
 * batch, so the name is the only rule.
 */
export function cifar10FileRole(name: string): Cifar10FileRole | null {
  const base = (name.split(/[\\/]/).pop() ?? name).toLowerCase();
  const m = /^data_batch_([1-9]\d*)\.bin$/.exec(base);
  if (m) return { split: 'train', n: Number(m[1]) };
  return base === 'test_batch.bin' ? { split: 'test' } : null;
}

/**
 * Sorts user-picked files into training batches (in numeric order, whatever the order chosen)
 * and the test batch by their names (cifar10FileRole). A name that fits neither, and two files
 * for the same batch, are errors.
 */
export function sortCifar10Files(files: readonly NamedBytes[]): { train: NamedBytes[]; test: NamedBytes[] } {
  const train: { n: number; f: NamedBytes }[] = [];
  const test: NamedBytes[] = [];
  const seen = new Map<string, NamedBytes>(); // 'train 3' or 'test' → the file that holds it
  for (const f of files) {
    const role = cifar10FileRole(f.name);
    if (!role) throw new DataError(`"${f.name}" is not a CIFAR-10 binary batch file name. Accepted names: ${CIFAR10_FILE_NAMES}.`);
    const key = role.split === 'train' ? `train ${role.n}` : 'test';
    const other = seen.get(key);
    if (other) {
      const what = role.split === 'train' ? `training batch ${role.n}` : 'the test batch';
      const twice = other.name === f.name ? `"${f.name}" was chosen twice` : `"${other.name}" and "${f.name}" are both ${what}`;
      throw new DataError(`${twice}; choose each batch once.`);
    }
    seen.set(key, f);
    if (role.split === 'train') train.push({ n: role.n, f });
    else test.push(f);
  }
  train.sort((a, b) => a.n - b.n);
  return { train: train.map((t) => t.f), test };
}
