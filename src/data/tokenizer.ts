// Character-level tokenizer: the vocabulary is the corpus' unique Unicode code points, sorted by
// code point value, and token id = position in that list. Tokens are stored as u16, so a
// vocabulary holds at most 65,535 characters.
import { DataError } from './errors';

export const MAX_VOCAB = 65535;

/** Result of encoding user text (a prompt): characters outside the vocabulary are reported, not fatal. */
export interface PromptEncoding {
  tokens: Uint16Array; // (n) ids of the known characters, unknown ones dropped
  unknown: string[]; // distinct characters that are not in the vocabulary, in order of appearance
}

export class CharTokenizer {
  /** vocab[id] = the character (one code point, possibly two UTF-16 units). */
  readonly vocab: readonly string[];
  private readonly ids: Map<string, number>;

  private constructor(vocab: readonly string[]) {
    if (vocab.length === 0) throw new DataError('The vocabulary is empty: the text has no characters.');
    if (vocab.length > MAX_VOCAB) {
      throw new DataError(`The text has ${vocab.length} distinct characters; at most ${MAX_VOCAB} are supported (tokens are stored as u16).`);
    }
    this.vocab = vocab;
    this.ids = new Map(vocab.map((ch, i) => [ch, i]));
    if (this.ids.size !== vocab.length) throw new DataError('The vocabulary lists a character twice.');
    for (const ch of vocab) {
      if ([...ch].length !== 1) throw new DataError(`Vocabulary entry ${JSON.stringify(ch)} is not a single character.`);
    }
  }

  /** Vocabulary of a corpus: its sorted unique code points. */
  static fromText(text: string): CharTokenizer {
    const points = new Set<number>();
    for (const ch of text) points.add(ch.codePointAt(0) as number);
    const sorted = [...points].sort((a, b) => a - b);
    return new CharTokenizer(sorted.map((p) => String.fromCodePoint(p)));
  }

  /** Tokenizer from a stored vocabulary (the order is kept: ids are positions). */
  static fromVocab(vocab: readonly string[]): CharTokenizer {
    return new CharTokenizer([...vocab]);
  }

  get vocabSize(): number {
    return this.vocab.length;
  }

  /** Id of one character, or -1 when it is not in the vocabulary. */
  id(ch: string): number {
    return this.ids.get(ch) ?? -1;
  }

  /** Encodes a corpus written in this vocabulary; an unknown character is an error naming it. */
  encode(text: string): Uint16Array {
    const out = new Uint16Array(text.length); // upper bound: one token per UTF-16 unit
    let n = 0;
    for (const ch of text) {
      const id = this.ids.get(ch);
      if (id === undefined) {
        throw new DataError(`Character ${describeChar(ch)} at token ${n} is not in the vocabulary.`);
      }
      out[n++] = id;
    }
    return out.slice(0, n);
  }

  /** Encodes user text (a prompt): unknown characters are dropped and listed. */
  encodePrompt(text: string): PromptEncoding {
    const tokens: number[] = [];
    const unknown: string[] = [];
    for (const ch of text) {
      const id = this.ids.get(ch);
      if (id !== undefined) tokens.push(id);
      else if (!unknown.includes(ch)) unknown.push(ch);
    }
    return { tokens: Uint16Array.from(tokens), unknown };
  }

  /** Decodes ids back to text; an id outside the vocabulary becomes U+FFFD. */
  decode(tokens: ArrayLike<number>): string {
    const parts = new Array<string>(tokens.length);
    for (let i = 0; i < tokens.length; i++) parts[i] = this.vocab[tokens[i]] ?? '\uFFFD';
    return parts.join('');
  }
}

/** A character as a user can read it in a message: the glyph and its code point. */
export function describeChar(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  const hex = cp.toString(16).toUpperCase().padStart(4, '0');
  const printable = cp >= 0x20 && cp !== 0x7f ? `"${ch}" ` : '';
  return `${printable}(U+${hex})`;
}
