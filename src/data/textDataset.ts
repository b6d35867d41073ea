// Text datasets: a corpus tokenized by characters and split by position into train (first 90%)
// and validation (last 10%), nanoGPT style. User-supplied files are validated here (empty,
// not UTF-8, too large, too short for the model's context) before any GPU work.
import { DataError } from './errors';
import { CharTokenizer } from './tokenizer';

export const VAL_FRACTION = 0.1; // last 10% of the tokens are the validation split
export const USER_TEXT_MAX_BYTES = 16 * 1024 * 1024; // uploads above 16 MiB are refused

export interface TextDataset {
  name: string; // 'moby-dick', or the user's file name (plain text)
  tokenizer: CharTokenizer;
  train: Uint16Array; // (N_train) token ids
  val: Uint16Array; // (N_val) token ids
}

/** Number of validation tokens for a corpus of n tokens. */
export function valTokenCount(n: number): number {
  return Math.floor(n * VAL_FRACTION);
}

/** Tokenizes a corpus and splits it 90/10 by position. */
export function buildTextDataset(name: string, text: string): TextDataset {
  const tokenizer = CharTokenizer.fromText(text);
  const tokens = tokenizer.encode(text); // (N)
  const nVal = valTokenCount(tokens.length);
  return splitTokens(name, tokenizer, tokens, tokens.length - nVal);
}

/** A dataset from a tokenized corpus: tokens [0, nTrain) train, the rest validation. */
export function splitTokens(name: string, tokenizer: CharTokenizer, tokens: Uint16Array, nTrain: number): TextDataset {
  return { name, tokenizer, train: tokens.subarray(0, nTrain), val: tokens.subarray(nTrain) };
}

/** Fewest characters a corpus needs so both splits hold one window of context + 1 tokens. */
export function minTextLength(context: number): number {
  return Math.ceil((context + 1) / VAL_FRACTION);
}

/** Throws a DataError unless both splits hold at least one window of `context` + 1 tokens. */
export function checkTextFitsContext(dataset: TextDataset, context: number): void {
  const need = context + 1;
  const total = dataset.train.length + dataset.val.length;
  if (dataset.train.length < need || dataset.val.length < need) {
    throw new DataError(
      `"${dataset.name}" has ${total} characters; a context of ${context} needs at least ${minTextLength(context)} ` +
        `(the ${Math.round(VAL_FRACTION * 100)}% validation split must hold ${need} characters).`,
    );
  }
}

/**
 * Decodes an uploaded file as UTF-8 text: refuses an empty file, one over `maxBytes`, and
 * invalid UTF-8 (naming the first bad byte). A BOM is dropped and CRLF line ends become LF.
 */
export function decodeUserText(bytes: Uint8Array, fileName: string, maxBytes = USER_TEXT_MAX_BYTES): string {
  if (bytes.length === 0) throw new DataError(`"${fileName}" is empty.`);
  if (bytes.length > maxBytes) {
    throw new DataError(`"${fileName}" is ${formatBytes(bytes.length)}; text files are limited to ${formatBytes(maxBytes)}.`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new DataError(`"${fileName}" is not valid UTF-8 text (first invalid byte at offset ${firstInvalidUtf8(bytes)}).`);
  }
  text = text.replace(/\r\n/g, '\n');
  if (text.length === 0) throw new DataError(`"${fileName}" is empty.`);
  return text;
}

/** A user's text file as a dataset that fits a model of the given context. */
export function userTextDataset(bytes: Uint8Array, fileName: string, context: number, maxBytes = USER_TEXT_MAX_BYTES): TextDataset {
  const text = decodeUserText(bytes, fileName, maxBytes);
  const chars = [...text].length;
  if (chars < minTextLength(context)) {
    throw new DataError(
      `"${fileName}" has ${chars} characters; a context of ${context} needs at least ${minTextLength(context)} ` +
        `(the ${Math.round(VAL_FRACTION * 100)}% validation split must hold ${context + 1} characters).`,
    );
  }
  const dataset = buildTextDataset(fileName, text);
  checkTextFitsContext(dataset, context);
  return dataset;
}

/** Offset of the first byte that breaks UTF-8 (or the length when the text is cut mid-character). */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    let n: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) [n, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [n, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [n, min] = [3, 0x10000];
    else return i;
    let cp = b & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return i;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
}
