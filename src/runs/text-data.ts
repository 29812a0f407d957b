/**
 * The data of a text run (`aekit train --data sentences.txt`): a file of one
 * sentence per line, tokenized into words (src/data/text.ts), split into a
 * training and a test part by sentence (seeded, the same every run, as files
 * of samples are), with a vocabulary built from the training sentences only,
 * and each sentence turned into a row of token ids [maxTokens + 1].
 *
 * Training drops sentences over the length cap, so the model learns whole
 * sentences; a trained model applied to a file (`aekit encode --data`) cuts
 * them to the cap instead, so every non-blank line gets its code. A saved
 * vocabulary (the run's model keeps it) is used as it is: ids mean what they
 * meant in training.
 */
import { basename } from 'node:path';
import { ConfigError } from '../config/validate.js';
import { DataFormatError } from '../data/errors.js';
import { type SentenceLine, Vocabulary, capLength, encodeSentences, readSentenceLines } from '../data/text.js';
import { type Dataset } from '../data/types.js';
import { trainTestSplit } from '../data/split.js';
import { type DataConfig, TEXT_DEFAULTS } from './run-config.js';
import { DEFAULT_TEST_SPLIT, type RunData, type RunDataNeeds, TEST_SPLIT_SEED } from './run-data.js';

/** What a text run knows of its sentences, beyond the id rows. */
export interface TextInfo {
  /** The vocabulary's tokens by id (ids 0–3: `<pad>`, `<bos>`, `<eos>`, `<unk>`). */
  vocabulary: string[];
  /** The length cap in tokens; rows hold `maxTokens + 1` ids (with `<eos>`). */
  maxTokens: number;
  /** The tokenized sentences behind the rows of `train` and `test`, in row order. */
  sentences: { train: string[][]; test?: string[][] };
}

/** A trained text model's vocabulary and row length, which data applied to it must use. */
export interface SavedText {
  vocabulary: readonly string[];
  /** Ids per row: the model's input length. */
  length: number;
}

/** Fewer sentences than this are not split (a test part of one or two sentences measures nothing). */
const MIN_SENTENCES_TO_SPLIT = 10;

/**
 * Loads a text run's sentences as id rows.
 * @throws {DataFormatError} naming the file (and line) for binary data, an empty file, or no sentence within the cap.
 */
export function loadTextRunData(cfg: DataConfig, saved?: SavedText, needs: RunDataNeeds = {}): RunData {
  const maxTokens = saved ? saved.length - 1 : cfg.text?.maxTokens ?? TEXT_DEFAULTS.maxTokens;
  const lines = readSentenceLines(cfg.source);
  let train: SentenceLine[];
  let test: SentenceLine[] | undefined;
  let testFrom: RunData['testFrom'];
  if (cfg.test) {
    train = lines;
    test = readSentenceLines(cfg.test);
    testFrom = 'file';
  } else {
    const fraction = cfg.testSplit ?? DEFAULT_TEST_SPLIT;
    if (needs.wholeSource || fraction === 0 || lines.length < MIN_SENTENCES_TO_SPLIT) {
      train = lines;
    } else {
      // The split of line numbers, by the same seeded split files of samples get.
      const index: Dataset = { x: Float32Array.from(lines, (_, i) => i), shape: [lines.length, 1], description: 'line numbers' };
      const parts = trainTestSplit(index, { testFraction: fraction, seed: TEST_SPLIT_SEED });
      train = Array.from(parts.train.x, (i) => lines[i]!);
      test = Array.from(parts.test.x, (i) => lines[i]!);
      testFrom = 'held-out';
    }
  }
  // A model applied to new sentences codes every one of them (cut to its length); training learns whole sentences only.
  const overLength = saved ? 'truncate' : 'drop';
  const cap = (part: SentenceLine[], file: string): string[][] => {
    const kept = capLength(part.map((s) => s.tokens), maxTokens, overLength);
    if (kept.length === 0) {
      const shortest = part.reduce((a, b) => (b.tokens.length < a.tokens.length ? b : a));
      throw new DataFormatError(file, { line: shortest.line }, `no sentence within the length cap of ${maxTokens} tokens (the shortest, on this line, has ${shortest.tokens.length}); raise --max-tokens (data.text.maxTokens)`);
    }
    return kept;
  };
  let trainSentences = cap(train, cfg.source);
  const testSentences = test ? cap(test, cfg.test ?? cfg.source) : undefined;
  if (cfg.samples !== undefined) {
    if (trainSentences.length < cfg.samples) throw new ConfigError('data.samples (--samples)', `${cfg.samples} asked for, but ${cfg.source} has ${trainSentences.length} training sentences of at most ${maxTokens} tokens`);
    trainSentences = trainSentences.slice(0, cfg.samples);
  }
  const testKept = testSentences && cfg.testSamples !== undefined ? testSentences.slice(0, cfg.testSamples) : testSentences;
  const vocab = saved ? new Vocabulary(saved.vocabulary) : Vocabulary.build(trainSentences, {
    minCount: cfg.text?.minCount ?? TEXT_DEFAULTS.minCount, maxSize: cfg.text?.vocabularySize ?? TEXT_DEFAULTS.vocabularySize,
  });
  const length = maxTokens + 1;
  const rows = (sentences: string[][], what: string): Dataset => ({ x: encodeSentences(sentences, vocab, length), shape: [sentences.length, length], description: `${sentences.length} ${what} sentences of ${basename(cfg.source)}` });
  const name = basename(cfg.source).replace(/\.[^.]+$/, '').replace(/[^A-Za-z0-9._-]/g, '-') || 'data';
  return {
    name, train: rows(trainSentences, 'training'), ...(testKept ? { test: rows(testKept, 'test'), testFrom } : {}),
    kind: 'text', scale: 'none', unitRange: false, sampleShape: [length],
    text: { vocabulary: [...vocab.tokens], maxTokens, sentences: { train: trainSentences, ...(testKept ? { test: testKept } : {}) } },
  };
}
