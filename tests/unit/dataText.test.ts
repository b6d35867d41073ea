import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/data/errors';
import { decodeImageDataset, decodeTextDataset, encodeImageDataset, encodeTextDataset, readHeaderStamp, FORMAT_VERSION, TEXT_MAGIC } from '../../src/data/format';
import type { ImageDataset } from '../../src/data/imageDataset';
import { buildTextDataset, decodeUserText, firstInvalidUtf8, minTextLength, userTextDataset } from '../../src/data/textDataset';
import { CharTokenizer, MAX_VOCAB } from '../../src/data/tokenizer';

const utf8 = (s: string) => new TextEncoder().encode(s);

describe('character tokenizer', () => {
  it('uses the sorted unique code points as the vocabulary and round-trips text', () => {
    const text = 'hello, wörld — 𝄞 music\n';
    const tok = CharTokenizer.fromText(text);
    const points = tok.vocab.map((c) => c.codePointAt(0) as number);
    expect(points).toEqual([...points].sort((a, b) => a - b));
    expect(new Set(tok.vocab).size).toBe(tok.vocabSize);
    expect(tok.vocab).toContain('𝄞'); // one token for a character outside the BMP
    const ids = tok.encode(text);
    expect(ids.length).toBe([...text].length);
    expect(tok.decode(ids)).toBe(text);
    expect([tok.id('\n'), tok.id(' ')]).toEqual([0, 1]); // newline, then space: the smallest code points
  });

  it('reports unknown characters of a prompt instead of failing', () => {
    const tok = CharTokenizer.fromText('abc ');
    const r = tok.encodePrompt('a bad zebra');
    expect(tok.decode(r.tokens)).toBe('a ba ba');
    expect(r.unknown).toEqual(['d', 'z', 'e', 'r']);
    expect(() => tok.encode('abz')).toThrow(/"z" \(U\+007A\) at token 2/);
  });

  it('refuses a vocabulary larger than u16 tokens can address', () => {
    const many = Array.from({ length: MAX_VOCAB + 1 }, (_, i) => String.fromCodePoint(0x10000 + i)).join('');
    expect(() => CharTokenizer.fromText(many)).toThrow(/65536 distinct characters; at most 65535/);
    expect(() => CharTokenizer.fromText('')).toThrow(DataError);
  });
});

describe('text datasets and user files', () => {
  it('splits 90/10 by position', () => {
    const text = 'abcdefghij'.repeat(10);
    const d = buildTextDataset('t', text);
    expect(d.train.length).toBe(90);
    expect(d.val.length).toBe(10);
    expect(d.tokenizer.decode(d.train) + d.tokenizer.decode(d.val)).toBe(text);
  });

  it('rejects an empty file, invalid UTF-8, an oversized file and a too-short text with named reasons', () => {
    expect(() => decodeUserText(new Uint8Array(0), 'a.txt')).toThrow(/"a.txt" is empty/);
    const bad = new Uint8Array([0x61, 0x62, 0xc3, 0x28, 0x63]);
    expect(() => decodeUserText(bad, 'b.txt')).toThrow(/"b.txt" is not valid UTF-8 text \(first invalid byte at offset 2\)/);
    expect(() => decodeUserText(utf8('x'.repeat(2000)), 'c.txt', 1024)).toThrow(/"c.txt" is 2.0 KiB; text files are limited to 1.0 KiB/);
    expect(minTextLength(64)).toBe(650);
    expect(() => userTextDataset(utf8('y'.repeat(649)), 'd.txt', 64)).toThrow(/"d.txt" has 649 characters; a context of 64 needs at least 650/);
    const ok = userTextDataset(utf8('\uFEFF' + 'line one\r\nline two\r\n'.repeat(40)), 'e.txt', 64);
    expect(ok.tokenizer.vocab).not.toContain('\r');
    expect(ok.tokenizer.vocab).not.toContain('\uFEFF');
    expect(ok.val.length).toBeGreaterThanOrEqual(65);
  });

  it('finds the first invalid UTF-8 byte like the fatal decoder', () => {
    const cases: [number[], number][] = [
      [[0x61, 0x62], 2],
      [[0xe2, 0x82], 0], // truncated 3-byte sequence
      [[0x61, 0xc0, 0x80], 1], // overlong
      [[0xed, 0xa0, 0x80], 0], // surrogate
      [[0xf4, 0x90, 0x80, 0x80], 0], // above U+10FFFF
      [[0xf0, 0x9f, 0x98, 0x80, 0xff], 4],
    ];
    for (const [bytes, at] of cases) expect(firstInvalidUtf8(new Uint8Array(bytes))).toBe(at);
  });
});

describe('binary dataset files', () => {
  it('round-trips a text dataset with its vocabulary, name and split', () => {
    const d = buildTextDataset('tiny ∑ corpus', 'to be or not to be, 𝄞 that is the question\n'.repeat(3));
    const bytes = encodeTextDataset(d, 0xdeadbeef);
    expect(readHeaderStamp(bytes)).toEqual({ magic: TEXT_MAGIC, version: FORMAT_VERSION, fingerprint: 0xdeadbeef });
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('IRET');
    const back = decodeTextDataset(bytes);
    expect(back.name).toBe(d.name);
    expect(back.tokenizer.vocab).toEqual(d.tokenizer.vocab);
    expect(Array.from(back.train)).toEqual(Array.from(d.train));
    expect(Array.from(back.val)).toEqual(Array.from(d.val));
  });

  it('round-trips an image dataset and rejects truncated or foreign files', () => {
    const d: ImageDataset = {
      name: 'img',
      channels: 3,
      height: 2,
      width: 3,
      classes: 4,
      train: { count: 2, pixels: Uint8Array.from({ length: 36 }, (_, i) => i * 7), labels: Uint8Array.of(3, 0) },
      test: { count: 1, pixels: Uint8Array.from({ length: 18 }, (_, i) => 255 - i), labels: Uint8Array.of(2) },
    };
    const bytes = encodeImageDataset(d, 7);
    const back = decodeImageDataset(bytes);
    expect(back).toEqual(d);
    expect(() => decodeImageDataset(bytes.subarray(0, bytes.length - 1), 'x.bin')).toThrow(/x.bin: .* \(truncated\?\)/);
    expect(() => decodeTextDataset(bytes, 'y.bin')).toThrow(/y.bin: not a text dataset file/);
    const future = bytes.slice();
    future[4] = 99;
    expect(() => decodeImageDataset(future, 'z.bin')).toThrow(/format version 99/);
    const badLabel = bytes.slice();
    badLabel[badLabel.length - 1] = 4;
    expect(() => decodeImageDataset(badLabel)).toThrow(/label 4; labels must be < 4/);
  });
});
