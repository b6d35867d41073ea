// Upload checks: size limit (from the size alone), empty file, wrong encoding, CIFAR-10 length
// not a multiple of 3,073, bad label; good files pass with a summary and the data to send.
import { describe, expect, it } from 'vitest';
import { CIFAR10_RECORD_BYTES } from '../../src/data/cifar10';
import { checkUploadSize, parseUpload, UPLOAD_LIMITS } from '../../src/store/upload';

const utf8 = (s: string) => new TextEncoder().encode(s);

describe('upload checks', () => {
  it('refuses a file over the limit from its size, before reading it', () => {
    expect(checkUploadSize('user-text', 'big.txt', UPLOAD_LIMITS['user-text'] + 1)).toBe('"big.txt" is 16.0 MiB; a text file may be at most 16.0 MiB.');
    expect(checkUploadSize('cifar10', 'b.bin', 65 * 1024 * 1024)).toBe('"b.bin" is 65.0 MiB; a CIFAR-10 batch file may be at most 64.0 MiB.');
    expect(checkUploadSize('user-text', 'ok.txt', 100)).toBeNull();
    expect(checkUploadSize('user-text', 'e.txt', 0)).toBe('"e.txt" is empty.');
  });

  it('refuses an empty file, text that is not UTF-8, and a CIFAR-10 file of the wrong length', () => {
    expect(parseUpload('user-text', [])).toEqual({ ok: false, message: 'No file was chosen.' });
    expect(parseUpload('user-text', [{ name: 'e.txt', bytes: new Uint8Array(0) }])).toEqual({ ok: false, message: '"e.txt" is empty.' });
    const latin1 = Uint8Array.from([0x63, 0x61, 0x66, 0xe9, 0x21]); // "café!" in Latin-1
    expect(parseUpload('user-text', [{ name: 'l.txt', bytes: latin1 }])).toEqual({ ok: false, message: '"l.txt" is not valid UTF-8 text (first invalid byte at offset 3).' });
    const r = parseUpload('cifar10', [{ name: 'data_batch_1.bin', bytes: new Uint8Array(CIFAR10_RECORD_BYTES * 2 + 5) }]);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/^CIFAR-10 file "data_batch_1\.bin" is 6151 bytes, not a multiple of 3073/);
    const badLabel = new Uint8Array(CIFAR10_RECORD_BYTES);
    badLabel[0] = 12;
    const b = parseUpload('cifar10', [{ name: 'data_batch_1.bin', bytes: badLabel }]);
    expect(b.ok).toBe(false);
    if (!b.ok) expect(b.message).toMatch(/label 12; labels are 0\.\.9/);
    expect(parseUpload('user-text', [{ name: 'a.txt', bytes: utf8('a') }, { name: 'b.txt', bytes: utf8('b') }]).ok).toBe(false);
  });

  it('accepts good files and returns what to send', () => {
    const t = parseUpload('user-text', [{ name: '<i>poem</i>.txt', bytes: utf8('\uFEFFline one\r\nline two ✓\n') }]);
    expect(t).toEqual({ ok: true, data: { dataset: 'user-text', name: '<i>poem</i>.txt', text: expect.stringContaining('line one\nline two ✓') }, summary: '"<i>poem</i>.txt": 20 characters (18 for training, 2 for validation)' });
    const c = parseUpload('cifar10', [
      { name: 'data_batch_1.bin', bytes: new Uint8Array(CIFAR10_RECORD_BYTES * 3) },
      { name: 'test_batch.bin', bytes: new Uint8Array(CIFAR10_RECORD_BYTES) },
    ]);
    expect(c.ok && c.summary).toBe('2 CIFAR-10 files: 3 training images, 1 test image');
  });
});
