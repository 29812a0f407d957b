/**
 * What the commands and the report do with a text run's model: decode its id
 * rows into sentences with the vocabulary the model keeps, score greedy
 * reconstructions, and draw sentences from a sentence VAE's prior.
 */
import { Vocabulary, capLength, decodeRows, detokenize, encodeSentences, tokenize } from '../data/text.js';
import { tokenAccuracy } from '../eval/language.js';
import { type AutoencoderModel } from '../models/base.js';
import { SentenceAutoencoder } from '../models/sentence.js';
import { TransformerAutoencoder } from '../models/transformer.js';
import { Rng } from '../data/random.js';
import { type Dataset } from '../data/types.js';
import { ConfigError } from '../config/validate.js';

/** A model of sentences as id rows: the GRU sentence autoencoder (or VAE), or a Transformer autoencoder of token ids. */
export type SentenceModel = SentenceAutoencoder | (TransformerAutoencoder & { readonly vocabSize: number });

/** One line on what a sentence model is, for reports. */
export function describeSentenceModel(model: SentenceModel): string {
  return model instanceof SentenceAutoencoder
    ? `${model.variational ? 'sentence VAE' : 'sentence autoencoder'} (GRU ${model.units} units, embeddings of ${model.embeddingDim})`
    : `Transformer autoencoder of sentences (${model.encoderDepth} + ${model.decoderDepth} blocks of width ${model.embedDim}, ${model.numHeads} heads, every word decoded at once from the code)`;
}

/** The model's vocabulary, or an error naming the run when it has none (a model built without `vocabulary`). */
export function vocabularyOf(model: SentenceModel, where: string): Vocabulary {
  if (!model.vocabulary) throw new ConfigError(where, 'its ${model.className} keeps no vocabulary, so its ids cannot be turned into words (train it with aekit train --data sentences.txt, or give the model config a vocabulary)');
  return new Vocabulary(model.vocabulary);
}

/** Rows of ids [n, T] as sentences, each up to its first `<eos>`. */
export function rowsToSentences(rows: ArrayLike<number>, model: SentenceModel, where: string): string[] {
  return decodeRows(rows, model.steps, vocabularyOf(model, where)).map((w) => detokenize(w));
}

/** Test metrics of a text run: greedy, free-running token accuracy of the reconstructions (`<eos>` included). */
export async function textTestMetrics(model: SentenceModel, test: Dataset): Promise<{ samples: number; tokenAccuracy: number }> {
  const rec = await model.reconstruct(test.x);
  return { samples: test.shape[0]!, tokenAccuracy: tokenAccuracy(rec, test.x) };
}

/** A few sentences of a set and their greedy reconstructions, as text. */
export async function textReconstructions(model: SentenceModel, set: Dataset, n: number, where: string): Promise<{ input: string; output: string }[]> {
  const k = Math.min(n, set.shape[0]!);
  const x = set.x.subarray(0, k * model.steps);
  const inputs = rowsToSentences(x, model, where);
  const outputs = rowsToSentences(await model.reconstruct(x), model, where);
  return inputs.map((input, i) => ({ input, output: outputs[i]! }));
}

/**
 * `n` sentences of a sentence VAE: codes z ~ N(0, I) drawn with `seed`, each
 * decoded by drawing its words from the decoder's softmax (or greedily).
 */
export async function sampleSentences(model: SentenceModel, n: number, options: { seed?: number; greedy?: boolean; where: string }): Promise<string[]> {
  // The same draws as model.sample(n, seed), so --greedy decodes the very codes the sampled sentences came from.
  const rng = new Rng(options.seed ?? 0);
  const z = Float32Array.from({ length: n * model.latentDim }, () => rng.normal());
  const rows = options.greedy ? await model.decode(z) : await model.sampleFromCodes(z);
  return rowsToSentences(rows, model, options.where);
}

/** Sentences typed by a user as the model's id rows [n, T]: tokenized as training was, cut to its length. */
export function sentenceRows(sentences: readonly string[], model: SentenceModel, where: string): Float32Array {
  const tokens = sentences.map((s) => tokenize(s));
  const empty = tokens.findIndex((t) => t.length === 0);
  if (empty >= 0) throw new ConfigError(where, `sentence ${empty + 1} (${JSON.stringify(sentences[empty])}) has no words`);
  return encodeSentences(capLength(tokens, model.steps - 1, 'truncate'), vocabularyOf(model, where), model.steps);
}

/** The model as a sentence model (a SentenceAutoencoder, or a TransformerAutoencoder of token ids), or undefined for any other model. */
export function asSentenceModel(model: AutoencoderModel): SentenceModel | undefined {
  if (model instanceof SentenceAutoencoder) return model;
  return model instanceof TransformerAutoencoder && model.kind === 'tokens' ? (model as SentenceModel) : undefined;
}
