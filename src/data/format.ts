// Compact, self-describing binary files for converted datasets (public/generated/*.bin).
// All integers little-endian. A header names the format, its version and a fingerprint of the
// source (package name@version and converter version), so a stale file is detected by reading
// 12 bytes.
//
// Text ('IRET'):                          Images ('IREI'):
//   0  magic "IRET"                          0  magic "IREI"
//   4  u32 format version                    4  u32 format version
//   8  u32 source fingerprint                8  u32 source fingerprint
//  12  u32 V   vocabulary size              12  u32 C   channels
//  16  u32 vocabulary UTF-8 byte length     16  u32 H   height
//  20  u32 N_train tokens                   20  u32 W   width
//  24  u32 N_val tokens                     24  u32 classes
//  28  u32 name UTF-8 byte length           28  u32 N_train images
//  32  vocabulary (V code points, UTF-8),   32  u32 N_test images
//      then name (UTF-8), zero-padded        36  u32 name UTF-8 byte length
//      to a multiple of 4                    40  name (UTF-8), zero-padded to 4
//   …  u16 tokens (N_train + N_val)          …  u8 pixels (N_train + N_test, C, H, W)
//                                            …  u8 labels (N_train + N_test)
import { DataError } from './errors';
import type { ImageDataset, ImageSplit } from './imageDataset';
import { checkImageDataset } from './imageDataset';
import type { TextDataset } from './textDataset';
import { CharTokenizer } from './tokenizer';
import { hash32 } from '../util/rng';

export const FORMAT_VERSION = 1;
export const TEXT_MAGIC = 0x54455249; // "IRET" read as a little-endian u32
export const IMAGE_MAGIC = 0x49455249; // "IREI"
const TEXT_HEADER = 32;
const IMAGE_HEADER = 40;

/** A u32 fingerprint of a string (FNV-style fold through hash32): identifies the source. */
export function fingerprint(source: string): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(source)) h = hash32(h ^ b);
  return h >>> 0;
}

/** Magic, version and fingerprint of a file's first 12 bytes, or null when too short. */
export function readHeaderStamp(bytes: Uint8Array): { magic: number; version: number; fingerprint: number } | null {
  if (bytes.length < 12) return null;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { magic: v.getUint32(0, true), version: v.getUint32(4, true), fingerprint: v.getUint32(8, true) };
}

const pad4 = (n: number) => (n + 3) & ~3;

export function encodeTextDataset(d: TextDataset, sourceFingerprint: number): Uint8Array {
  const enc = new TextEncoder();
  const vocab = enc.encode(d.tokenizer.vocab.join(''));
  const name = enc.encode(d.name);
  const tokensAt = TEXT_HEADER + pad4(vocab.length + name.length);
  const n = d.train.length + d.val.length;
  const out = new Uint8Array(tokensAt + 2 * n);
  const v = new DataView(out.buffer);
  v.setUint32(0, TEXT_MAGIC, true);
  v.setUint32(4, FORMAT_VERSION, true);
  v.setUint32(8, sourceFingerprint >>> 0, true);
  v.setUint32(12, d.tokenizer.vocabSize, true);
  v.setUint32(16, vocab.length, true);
  v.setUint32(20, d.train.length, true);
  v.setUint32(24, d.val.length, true);
  v.setUint32(28, name.length, true);
  out.set(vocab, TEXT_HEADER);
  out.set(name, TEXT_HEADER + vocab.length);
  let at = tokensAt;
  for (const part of [d.train, d.val]) {
    for (let i = 0; i < part.length; i++, at += 2) v.setUint16(at, part[i], true);
  }
  return out;
}

function view(bytes: Uint8Array, what: string, header: number, magic: number): DataView {
  const stamp = readHeaderStamp(bytes);
  if (!stamp || bytes.length < header || stamp.magic !== magic) throw new DataError(`${what}: not ${magic === TEXT_MAGIC ? 'a text' : 'an image'} dataset file.`);
  if (stamp.version !== FORMAT_VERSION) {
    throw new DataError(`${what}: format version ${stamp.version}, this build reads version ${FORMAT_VERSION} (run \`npm run data\`).`);
  }
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function decodeTextDataset(bytes: Uint8Array, what = 'text dataset'): TextDataset {
  const v = view(bytes, what, TEXT_HEADER, TEXT_MAGIC);
  const vocabSize = v.getUint32(12, true);
  const vocabBytes = v.getUint32(16, true);
  const nTrain = v.getUint32(20, true);
  const nVal = v.getUint32(24, true);
  const nameBytes = v.getUint32(28, true);
  const tokensAt = TEXT_HEADER + pad4(vocabBytes + nameBytes);
  if (bytes.length !== tokensAt + 2 * (nTrain + nVal)) {
    throw new DataError(`${what}: ${bytes.length} bytes, the header describes ${tokensAt + 2 * (nTrain + nVal)} (truncated?).`);
  }
  const dec = new TextDecoder('utf-8', { fatal: true });
  let vocab: string[];
  let name: string;
  try {
    vocab = [...dec.decode(bytes.subarray(TEXT_HEADER, TEXT_HEADER + vocabBytes))];
    name = dec.decode(bytes.subarray(TEXT_HEADER + vocabBytes, TEXT_HEADER + vocabBytes + nameBytes));
  } catch {
    throw new DataError(`${what}: the vocabulary is not valid UTF-8.`);
  }
  if (vocab.length !== vocabSize) throw new DataError(`${what}: the vocabulary holds ${vocab.length} characters, the header says ${vocabSize}.`);
  const tokenizer = CharTokenizer.fromVocab(vocab);
  const tokens = new Uint16Array(nTrain + nVal); // (N_train + N_val)
  for (let i = 0; i < tokens.length; i++) {
    const t = v.getUint16(tokensAt + 2 * i, true);
    if (t >= vocabSize) throw new DataError(`${what}: token ${i} is ${t}, outside the vocabulary of ${vocabSize}.`);
    tokens[i] = t;
  }
  return { name, tokenizer, train: tokens.subarray(0, nTrain), val: tokens.subarray(nTrain) };
}

export function encodeImageDataset(d: ImageDataset, sourceFingerprint: number): Uint8Array {
  const name = new TextEncoder().encode(d.name);
  const size = d.channels * d.height * d.width;
  const n = d.train.count + d.test.count;
  const pixelsAt = IMAGE_HEADER + pad4(name.length);
  const out = new Uint8Array(pixelsAt + n * size + n);
  const v = new DataView(out.buffer);
  const fields = [IMAGE_MAGIC, FORMAT_VERSION, sourceFingerprint >>> 0, d.channels, d.height, d.width, d.classes, d.train.count, d.test.count, name.length];
  fields.forEach((x, i) => v.setUint32(4 * i, x, true));
  out.set(name, IMAGE_HEADER);
  out.set(d.train.pixels, pixelsAt);
  out.set(d.test.pixels, pixelsAt + d.train.count * size);
  out.set(d.train.labels, pixelsAt + n * size);
  out.set(d.test.labels, pixelsAt + n * size + d.train.count);
  return out;
}

export function decodeImageDataset(bytes: Uint8Array, what = 'image dataset'): ImageDataset {
  const v = view(bytes, what, IMAGE_HEADER, IMAGE_MAGIC);
  const [channels, height, width, classes, nTrain, nTest, nameBytes] = [12, 16, 20, 24, 28, 32, 36].map((o) => v.getUint32(o, true));
  const size = channels * height * width;
  const n = nTrain + nTest;
  const pixelsAt = IMAGE_HEADER + pad4(nameBytes);
  if (bytes.length !== pixelsAt + n * size + n) {
    throw new DataError(`${what}: ${bytes.length} bytes, the header describes ${pixelsAt + n * size + n} (truncated?).`);
  }
  let name: string;
  try {
    name = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(IMAGE_HEADER, IMAGE_HEADER + nameBytes));
  } catch {
    throw new DataError(`${what}: the dataset name is not valid UTF-8.`);
  }
  const split = (first: number, count: number): ImageSplit => ({
    count,
    pixels: bytes.slice(pixelsAt + first * size, pixelsAt + (first + count) * size),
    labels: bytes.slice(pixelsAt + n * size + first, pixelsAt + n * size + first + count),
  });
  const d: ImageDataset = { name, channels, height, width, classes, train: split(0, nTrain), test: split(nTrain, nTest) };
  checkImageDataset(d);
  return d;
}
