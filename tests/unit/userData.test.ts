// The page and the worker judge an upload with one function (buildUserDataset): for each upload,
// the page (parseUpload) accepts exactly when the worker's build accepts what it would receive,
// with the same message, and an accepted upload's summary is read from the worker's dataset.
import { describe, expect, expectTypeOf, it } from 'vitest';
import { CIFAR10_RECORD_BYTES, cifar10Dataset, sortCifar10Files, type NamedBytes } from '../../src/data/cifar10';
import { DataError } from '../../src/data/errors';
import { buildUserDataset, USER_FILE_LIMITS, type UserData, type UserDataset } from '../../src/data/userData';
import { parseUpload, uploadSummary, type UploadKind } from '../../src/store/upload';
import type { TrainingData } from '../../src/train/trainingData';
import type { UserData as ProtocolUserData } from '../../src/worker/protocol';
import { cifarFile } from '../helpers/syntheticData';

const utf8 = (s: string) => new TextEncoder().encode(s);

/**
 * What the worker receives for an upload when the page lets it through: the CIFAR-10 bytes as
 * chosen, or the text as decoded. Text that is not UTF-8 has no such form (the page decodes, the
 * worker only ever gets a string): null.
 */
function sent(kind: UploadKind, files: NamedBytes[]): UserData | null {
  if (kind === 'cifar10') return { dataset: 'cifar10', files };
  const { name, bytes } = files[0];
  try {
    return { dataset: 'user-text', name, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/\r\n/g, '\n') };
  } catch {
    return null;
  }
}

/** The worker's verdict: the dataset, or the DataError's message. */
function build(data: UserData): { ok: true; dataset: UserDataset } | { ok: false; message: string } {
  try {
    return { ok: true, dataset: buildUserDataset(data) };
  } catch (e) {
    if (!(e instanceof DataError)) throw e;
    return { ok: false, message: e.message };
  }
}

interface Upload {
  label: string;
  kind: UploadKind;
  files: NamedBytes[];
  expect: { summary: string } | { refusal: RegExp };
}

const batch = (name: string, labels: number[]): NamedBytes => ({ name, bytes: cifarFile(labels) });

const UPLOADS: Upload[] = [
  { label: 'good text', kind: 'user-text', files: [{ name: 'poem.txt', bytes: utf8('\uFEFF' + 'call me Ishmael.\r\n'.repeat(20)) }], expect: { summary: '"poem.txt": 340 characters (306 for training, 34 for validation)' } },
  { label: 'an empty text file', kind: 'user-text', files: [{ name: 'empty.txt', bytes: new Uint8Array(0) }], expect: { refusal: /^"empty\.txt" is empty\.$/ } },
  { label: 'text over the size limit', kind: 'user-text', files: [{ name: 'big.txt', bytes: new Uint8Array(USER_FILE_LIMITS['user-text'] + 1).fill(0x61) }], expect: { refusal: /^"big\.txt" is 16\.0 MiB; a text file may be at most 16\.0 MiB\.$/ } },
  { label: 'text that is not UTF-8', kind: 'user-text', files: [{ name: 'latin1.txt', bytes: Uint8Array.from([0x63, 0x61, 0x66, 0xe9, 0x21]) }], expect: { refusal: /^"latin1\.txt" is not valid UTF-8 text \(first invalid byte at offset 3\)\.$/ } },
  { label: 'data_batch_1 + test_batch', kind: 'cifar10', files: [batch('data_batch_1.bin', [3, 1, 4]), batch('test_batch.bin', [1, 5])], expect: { summary: '2 CIFAR-10 files: 3 training images, 2 test images' } },
  { label: 'data_batch_1 alone', kind: 'cifar10', files: [batch('data_batch_1.bin', [3])], expect: { refusal: /^CIFAR-10 needs the test batch, on which accuracy is measured: also choose test_batch\.bin, together with "data_batch_1\.bin"\.$/ } },
  { label: 'test_batch alone', kind: 'cifar10', files: [batch('test_batch.bin', [3])], expect: { refusal: /^CIFAR-10 needs training batches as well as the test batch: also choose data_batch_1\.bin … data_batch_5\.bin/ } },
  { label: 'data_batch_ok.bin', kind: 'cifar10', files: [batch('data_batch_ok.bin', [3])], expect: { refusal: /^"data_batch_ok\.bin" is not a CIFAR-10 binary batch file name\. Accepted names: data_batch_N\.bin for training .* and test_batch\.bin for testing, in any letter case\.$/ } },
  { label: 'data_batch_ok.bin with test_batch', kind: 'cifar10', files: [batch('test_batch.bin', [1]), batch('data_batch_ok.bin', [3])], expect: { refusal: /^"data_batch_ok\.bin" is not a CIFAR-10 binary batch file name/ } },
  { label: 'a leading zero', kind: 'cifar10', files: [batch('data_batch_01.bin', [3]), batch('test_batch.bin', [1])], expect: { refusal: /^"data_batch_01\.bin" is not a CIFAR-10 binary batch file name/ } },
  { label: 'a wrong record length', kind: 'cifar10', files: [{ name: 'data_batch_1.bin', bytes: new Uint8Array(CIFAR10_RECORD_BYTES * 2 + 5) }, batch('test_batch.bin', [1])], expect: { refusal: /^CIFAR-10 file "data_batch_1\.bin" is 6151 bytes, not a multiple of 3073/ } },
  { label: 'a bad label', kind: 'cifar10', files: [batch('data_batch_1.bin', [3]), batch('test_batch.bin', [1, 10])], expect: { refusal: /^CIFAR-10 file "test_batch\.bin": record 1 \(byte 3073\) has label 10; labels are 0\.\.9\.$/ } },
  { label: 'an empty batch file', kind: 'cifar10', files: [{ name: 'data_batch_1.bin', bytes: new Uint8Array(0) }, batch('test_batch.bin', [1])], expect: { refusal: /^"data_batch_1\.bin" is empty\.$/ } },
  { label: 'the same batch twice', kind: 'cifar10', files: [batch('data_batch_1.bin', [3]), batch('data_batch_1.bin', [3]), batch('test_batch.bin', [1])], expect: { refusal: /^"data_batch_1\.bin" was chosen twice; choose each batch once\.$/ } },
  { label: 'one batch under two letter cases', kind: 'cifar10', files: [batch('data_batch_2.bin', [3]), batch('DATA_BATCH_2.BIN', [4]), batch('test_batch.bin', [1])], expect: { refusal: /^"data_batch_2\.bin" and "DATA_BATCH_2\.BIN" are both training batch 2; choose each batch once\.$/ } },
  { label: 'two test batches', kind: 'cifar10', files: [batch('data_batch_1.bin', [3]), batch('test_batch.bin', [1]), batch('Test_Batch.bin', [2])], expect: { refusal: /^"test_batch\.bin" and "Test_Batch\.bin" are both the test batch; choose each batch once\.$/ } },
  {
    label: 'several batches in any order and case',
    kind: 'cifar10',
    files: [batch('data_batch_3.bin', [9]), batch('TEST_BATCH.BIN', [0, 1]), batch('data_batch_1.bin', [2, 2]), batch('Data_Batch_2.Bin', [7])],
    expect: { summary: '4 CIFAR-10 files: 4 training images, 2 test images' },
  },
];

describe('one upload check for the page and the worker', () => {
  it.each(UPLOADS)('$label: the page accepts exactly when the worker does, with the same message', ({ kind, files, expect: want }) => {
    const page = parseUpload(kind, files);
    const input = sent(kind, files);
    const worker = input ? build(input) : null; // null: the page alone can refuse it (not UTF-8)
    if ('summary' in want) {
      expect(page).toMatchObject({ ok: true, summary: want.summary });
      expect(worker?.ok).toBe(true);
      if (!page.ok) return;
      // The worker builds from exactly what the page sends; the summary is that dataset's.
      const built = buildUserDataset(page.data);
      expect(page.summary).toBe(uploadSummary(page.data, built));
    } else {
      expect(page.ok).toBe(false);
      if (page.ok) return;
      expect(page.message).toMatch(want.refusal);
      if (worker) expect(worker).toEqual({ ok: false, message: page.message });
      else expect(kind).toBe('user-text');
    }
  });

  it('orders training batches by number whatever the order or case chosen', () => {
    const page = parseUpload('cifar10', UPLOADS[UPLOADS.length - 1].files);
    expect(page.ok).toBe(true);
    if (!page.ok) return;
    const built = buildUserDataset(page.data);
    expect(built.kind).toBe('image');
    if (built.kind !== 'image') return;
    expect(Array.from(built.dataset.train.labels)).toEqual([2, 2, 7, 9]);
    expect(Array.from(built.dataset.test.labels)).toEqual([0, 1]);
  });

  // The two uploads the page used to report as loaded while the worker failed: the old page
  // accepted any name and did not ask for the test batch; the worker's old pair refused both.
  const oldWorkerBuild = (files: NamedBytes[]) => {
    const { train, test } = sortCifar10Files(files);
    return cifar10Dataset(train, test);
  };

  it('reproduction: data_batch_ok.bin is refused on the page, as the worker refuses it', () => {
    const files = [batch('data_batch_ok.bin', [3, 4])];
    expect(() => oldWorkerBuild(files)).toThrow(DataError);
    const page = parseUpload('cifar10', files);
    expect(page.ok).toBe(false);
    if (!page.ok) expect(build({ dataset: 'cifar10', files })).toEqual({ ok: false, message: page.message });
  });

  it('reproduction: data_batch_1.bin without test_batch.bin is refused on the page, as the worker refuses it', () => {
    const files = [batch('data_batch_1.bin', [3, 4])];
    expect(() => oldWorkerBuild(files)).toThrow(DataError);
    const page = parseUpload('cifar10', files);
    expect(page.ok).toBe(false);
    if (!page.ok) {
      expect(page.message).toMatch(/also choose test_batch\.bin/);
      expect(build({ dataset: 'cifar10', files })).toEqual({ ok: false, message: page.message });
    }
  });

  it('speaks the protocol and the engine: UserData is the message type, the dataset is TrainingData', () => {
    expectTypeOf<ProtocolUserData>().toEqualTypeOf<UserData>();
    expectTypeOf<UserDataset>().toMatchTypeOf<TrainingData>();
  });
});
