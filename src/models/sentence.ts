/**
 * Sentence autoencoders: a GRU encoder over word embeddings, a code, and a
 * GRU decoder trained with teacher forcing; deterministic or variational
 * (Bowman et al. 2016, "Generating sentences from a continuous space").
 */
import { type Value } from '../graph/graph.js';
import { type Dim, type TensorData } from '../graph/types.js';
import { type GraphBuildContext } from '../layers/core.js';
import { Dense } from '../layers/dense.js';
import { Embedding } from '../layers/embedding.js';
import { GRU } from '../layers/recurrent.js';
import { klDivergenceGaussian, sequenceCrossEntropy } from '../losses/index.js';
import { BOS_ID, UNK_ID } from '../data/text.js';
import { type ModelPart } from '../train/model.js';
import { AutoencoderModel, type Encoded, type SummarySection, fieldsOf, registerModel } from './base.js';
import { ConfigError, bool, numberIn, opt, positiveInt, positiveInts, req } from './config.js';

/** A model config's `vocabulary`: undefined, or `vocabSize` token strings (one per id). */
export function vocabularyArg(vocab: unknown, vocabSize: number): string[] | undefined {
  if (vocab === undefined) return undefined;
  if (!Array.isArray(vocab) || vocab.length !== vocabSize || vocab.some((t) => typeof t !== 'string')) {
    throw new ConfigError('config.vocabulary', `expected ${vocabSize} token strings (one per id), got ${Array.isArray(vocab) ? `${vocab.length} entries` : JSON.stringify(vocab)}`);
  }
  return [...(vocab as string[])];
}

/**
 * The unigram model as an output bias [V]: log p(v), p the add-one smoothed
 * frequency of id v among the real tokens (ids > 0) of id `rows`.
 */
export function decoderOutputBias(rows: Float32Array, vocabSize: number): TensorData {
  const counts = new Float64Array(vocabSize).fill(1);
  let total = vocabSize;
  for (const v of rows) {
    if (v <= 0) continue;
    if (!(Number.isInteger(v) && v < vocabSize)) throw new Error(`initOutputBias: rows hold ${v}, not an id in [0, ${vocabSize})`);
    counts[v] += 1;
    total += 1;
  }
  return { dtype: 'float32', shape: [vocabSize], data: Float32Array.from(counts, (c) => Math.log(c / total)) };
}

/** Config of a sentence autoencoder (also its constructor's argument). */
export interface SentenceAutoencoderConfig {
  /** [T]: ids per row, the token cap plus one for `<eos>` (see src/data/text.ts). */
  inputShape: number[];
  /** Vocabulary size V, the four special tokens included (ids 0 … 3 are pad, bos, eos, unk). */
  vocabSize: number;
  /** Width of the word embeddings, shared by encoder and decoder. Default 128. */
  embeddingDim?: number;
  /** GRU units of the encoder and of the decoder. Default 256. */
  units?: number;
  /** Code size k. Default 32. */
  latentDim?: number;
  /** A variational code (a sentence VAE) instead of a deterministic one. Default false. */
  variational?: boolean;
  /**
   * Probability that a decoder input word (not `<bos>`) is replaced by `<unk>`
   * while training (Bowman et al.'s word dropout), so that the decoder must
   * rely on the code. Default 0 for the autoencoder, 0.25 for the VAE.
   */
  wordDropout?: number;
  /**
   * VAE: the KL weight rises linearly from 0 to 1 over this many training
   * steps (KL annealing), then stays at 1. 0 turns annealing off. Default 2000.
   */
  klAnnealSteps?: number;
  /** The vocabulary's tokens by id, kept with the model so that a saved model can decode. Optional. */
  vocabulary?: string[];
}

/**
 * Sentence autoencoder over rows of token ids [T] (float32 whole numbers,
 * `<pad>` = 0 after each sentence's `<eos>`; see src/data/text.ts).
 *
 * Encoder: Embedding(V, E) → GRU(U) with a padding mask, so its final state is
 * the one after each sentence's `<eos>` → Dense(k): the code (a VAE: μ and
 * log σ², z = μ + σ ⊙ ε while training). Decoder: at step t it reads the
 * embedding of the previous word (`<bos>` first; teacher forcing: the true
 * previous word while training, with word dropout) concatenated with the code,
 * a GRU(U) whose initial state is learned from the first input (so from the
 * code), and Dense(V) gives the next word's logits.
 *
 * Loss: the cross-entropy of every real token (eos included, padding masked)
 * averaged over the real tokens of the batch; a VAE adds w · Σ_n KL_n over
 * the same token count, w rising from 0 to 1 over `klAnnealSteps` steps (w = 1
 * in evaluation, so a validation loss is the negative ELBO per token).
 * Metrics: `reconstruction` (mean NLL per token), `accuracy` (teacher-forced
 * next-token accuracy), a VAE's `kl` (mean KL per sentence) and `klWeight`.
 *
 * Inference parts: `encoder` (x → `code`, a VAE: `mu`, `logVar`), `decoder`
 * (code → greedy `reconstruction`, ids [T]), `model` (x → greedy decoding of
 * its code), `sampler` (code → ids drawn from the decoder's softmax by the
 * Gumbel-max trick, each step conditioned on the words drawn before), `errors`
 * (x → NLL per real token with the code μ, teacher-forced) and, for a VAE,
 * `logLikelihood` (rows [z, x] → log p(x|z), for importance-sampled bounds).
 * Decoding runs in one ONNX graph: the decoder is unrolled over T steps, each
 * step feeding its chosen word (TopK with k = 1) to the next; rows continue
 * after `<eos>`, which decoding to text stops at.
 */
export class SentenceAutoencoder extends AutoencoderModel {
  readonly className = 'SentenceAutoencoder';
  readonly vocabSize: number;
  readonly embeddingDim: number;
  readonly units: number;
  readonly latentDim: number;
  readonly variational: boolean;
  readonly wordDropout: number;
  readonly klAnnealSteps: number;
  readonly vocabulary?: string[];
  readonly latentShape: number[];
  protected override readonly codeOutput: string;
  readonly embedding: Embedding;
  readonly encoderRnn: GRU;
  readonly codeHead: Dense;
  readonly logVarHead?: Dense;
  readonly decoderRnn: GRU;
  readonly output: Dense;

  constructor(config: SentenceAutoencoderConfig) {
    const c = fieldsOf(config, ['className', 'inputShape', 'vocabSize', 'embeddingDim', 'units', 'latentDim', 'variational', 'wordDropout', 'klAnnealSteps', 'vocabulary']);
    const inputShape = req(c, 'inputShape', 'config', positiveInts);
    if (inputShape.length !== 1 || inputShape[0]! < 2) throw new ConfigError('config.inputShape', `a sentence autoencoder expects [T] ids per row with T >= 2, got [${inputShape}]`);
    super({ inputShape, loss: 'mse', outputActivation: 'linear', reduction: 'perElement' });
    this.vocabSize = req(c, 'vocabSize', 'config', positiveInt);
    if (this.vocabSize <= UNK_ID) throw new ConfigError('config.vocabSize', `must exceed the ${UNK_ID + 1} special tokens, got ${this.vocabSize}`);
    this.embeddingDim = opt(c, 'embeddingDim', 'config', positiveInt, 128);
    this.units = opt(c, 'units', 'config', positiveInt, 256);
    this.latentDim = opt(c, 'latentDim', 'config', positiveInt, 32);
    this.variational = opt(c, 'variational', 'config', bool, false);
    this.wordDropout = opt(c, 'wordDropout', 'config', (v, p) => numberIn(v, p, 0, 1, { max: true }), this.variational ? 0.25 : 0);
    this.klAnnealSteps = opt(c, 'klAnnealSteps', 'config', (v, p) => {
      if (!(typeof v === 'number' && Number.isInteger(v) && v >= 0)) throw new ConfigError(p, `expected an integer >= 0, got ${JSON.stringify(v)}`);
      return v;
    }, 2000);
    this.vocabulary = vocabularyArg(c.vocabulary, this.vocabSize);
    this.latentShape = [this.latentDim];
    this.codeOutput = this.variational ? 'mu' : 'code';
    this.embedding = new Embedding({ name: 'embedding', inputDim: this.vocabSize, outputDim: this.embeddingDim });
    this.encoderRnn = new GRU({ name: 'encoder_gru', units: this.units });
    this.codeHead = new Dense({ name: this.variational ? 'mu' : 'code', units: this.latentDim });
    // Zero-initialized so training starts at σ² = 1, the prior's variance (as the image VAE does).
    if (this.variational) this.logVarHead = new Dense({ name: 'log_var', units: this.latentDim, kernelInitializer: 'zeros' });
    this.decoderRnn = new GRU({ name: 'decoder_gru', units: this.units, returnSequences: true, stateFromInput: true });
    this.output = new Dense({ name: 'decoder_output', units: this.vocabSize });
  }

  get steps(): number {
    return this.inputShape[0]!;
  }

  /** 1 at real tokens (ids > 0: words and `<eos>`), 0 at padding. */
  private mask(ctx: GraphBuildContext, x: Value): Value {
    return ctx.g.cast(ctx.g.greater(x, 0.5), 'float32');
  }

  protected encodeGraph(ctx: GraphBuildContext, x: Value): Encoded {
    const h = this.encoderRnn.call(ctx, this.embedding.call(ctx, x), this.mask(ctx, x));
    const code = this.codeHead.call(ctx, h);
    return this.logVarHead ? { code, mu: code, logVar: this.logVarHead.call(ctx, h) } : { code };
  }

  protected override encoderOutputs(e: Encoded): Record<string, Value> {
    return this.variational ? { mu: e.mu!, logVar: e.logVar! } : { code: e.code };
  }

  /** Greedy decoding of codes [N, k] to ids [N, T] (float32). */
  protected decodeGraph(ctx: GraphBuildContext, z: Value): Value {
    return this.freeRun(ctx, z, 'greedy');
  }

  /** A column [N] of one id, as float32, for a batch shaped like z. */
  private idColumn(ctx: GraphBuildContext, z: Value, id: number): Value {
    const { g } = ctx;
    return g.add(g.reshape(g.mul(g.slice(z, [0], [1], [1]), 0), [z.shape[0]!]), id);
  }

  /**
   * The decoder run on its own outputs: step t reads the word chosen at step
   * t − 1 (`<bos>` first) with the code, and chooses the next word by its
   * largest logit ('greedy') or by the Gumbel-max trick, the largest of
   * logit + g with g = −log(−log u), u ~ U(0, 1), which picks word v with its
   * softmax probability ('sample').
   */
  private freeRun(ctx: GraphBuildContext, z: Value, mode: 'greedy' | 'sample'): Value {
    const { g } = ctx;
    const n: Dim = z.shape[0]!;
    const cell = this.decoderRnn.cell(ctx, this.embeddingDim + this.latentDim);
    let word = this.idColumn(ctx, z, BOS_ID);
    let h: Value | undefined;
    const chosen: Value[] = [];
    for (let t = 0; t < this.steps; t++) {
      const input = g.concat([this.embedding.call(ctx, word), z], 1);
      if (t === 0) h = cell.initial(input);
      h = cell.step(input, h);
      let logits = this.output.call(ctx, h);
      if (mode === 'sample') logits = g.sub(logits, g.log(g.neg(g.log(g.randomUniformLike(logits, 1e-20, 1)))));
      const next = g.topK(logits, 1, { axis: 1 }).indices; // [N, 1] int64
      word = g.cast(g.reshape(next, [n]), 'float32');
      chosen.push(g.reshape(word, [n, 1]));
    }
    return g.concat(chosen, 1);
  }

  /** Decoder logits [N, T, V] under teacher forcing: step t reads the true word t − 1 (`<bos>` at t = 0). */
  private teacherForced(ctx: GraphBuildContext, x: Value, z: Value): Value {
    const { g } = ctx;
    const n: Dim = x.shape[0]!;
    const t = this.steps;
    let previous = g.slice(x, [0], [t - 1], [1]);
    if (ctx.training && this.wordDropout > 0) {
      previous = g.where(g.less(g.randomUniformLike(previous), this.wordDropout), UNK_ID, previous);
    }
    const inputs = g.concat([g.reshape(this.idColumn(ctx, z, BOS_ID), [n, 1]), previous], 1);
    const zz = g.reshape(z, [n, 1, this.latentDim]);
    const codes = g.concat(Array.from({ length: t }, () => zz), 1);
    const hs = this.decoderRnn.call(ctx, g.concat([this.embedding.call(ctx, inputs), codes], 2));
    return this.output.call(ctx, hs);
  }

  /** KL weight: min(1, step / klAnnealSteps) while training, the step counted in a state tensor saved with the model; 1 otherwise. */
  private klWeight(ctx: GraphBuildContext): Value | number {
    if (!ctx.training || this.klAnnealSteps === 0) return 1;
    const { g } = ctx;
    const step = ctx.state('kl_anneal', 'step', [1], 'zeros');
    ctx.updateState(step, g.add(step, 1));
    return g.reshape(g.clip(g.div(step, this.klAnnealSteps), 0, 1), []);
  }

  override buildObjective(ctx: GraphBuildContext, x: Value, target: Value): { loss: Value; metrics: Record<string, Value> } {
    const { g } = ctx;
    const encoded = this.encodeGraph(ctx, x);
    let z = encoded.code;
    if (encoded.logVar) z = g.add(encoded.mu!, g.mul(g.exp(g.mul(encoded.logVar, 0.5)), g.randomNormalLike(encoded.mu!)));
    const ce = sequenceCrossEntropy(this.teacherForced(ctx, x, z), target, this.mask(ctx, target));
    const metrics: Record<string, Value> = { reconstruction: g.identity(ce.mean), accuracy: g.div(ce.correct, ce.tokens) };
    if (!encoded.logVar) return { loss: ce.mean, metrics };
    const kl = klDivergenceGaussian(encoded.mu!, encoded.logVar);
    const w = this.klWeight(ctx);
    const klSum = g.reduceSum(kl.samples);
    const loss = g.div(g.add(ce.total, typeof w === 'number' ? klSum : g.mul(klSum, w)), ce.tokens);
    return { loss, metrics: { ...metrics, kl: g.identity(kl.perSample), klWeight: typeof w === 'number' ? g.add(g.mul(kl.perSample, 0), w) : g.identity(w) } };
  }

  override parts(): Record<string, ModelPart> {
    const t = this.steps;
    const k = this.latentDim;
    const parts: Record<string, ModelPart> = {
      model: { inputShape: this.inputShape, build: (ctx, x) => ({ reconstruction: this.decodeGraph(ctx, this.encodeGraph(ctx, x).code) }) },
      encoder: { inputShape: this.inputShape, build: (ctx, x) => this.encoderOutputs(this.encodeGraph(ctx, x)) },
      decoder: { inputShape: this.latentShape, build: (ctx, z) => ({ reconstruction: this.decodeGraph(ctx, z) }) },
      sampler: { inputShape: this.latentShape, build: (ctx, z) => ({ reconstruction: this.freeRun(ctx, z, 'sample') }) },
      errors: {
        inputShape: this.inputShape,
        build: (ctx, x) => {
          const ce = sequenceCrossEntropy(this.teacherForced(ctx, x, this.encodeGraph(ctx, x).code), x, this.mask(ctx, x));
          return { errors: ctx.g.div(ce.perSample, ctx.g.reduceSum(this.mask(ctx, x), [1])) };
        },
      },
    };
    if (this.variational) {
      parts.logLikelihood = {
        inputShape: [k + t],
        build: (ctx, rows) => {
          const z = ctx.g.slice(rows, [0], [k], [1]);
          const x = ctx.g.slice(rows, [k], [k + t], [1]);
          return { logLikelihood: ctx.g.neg(sequenceCrossEntropy(this.teacherForced(ctx, x, z), x, this.mask(ctx, x)).perSample) };
        },
      };
    }
    return parts;
  }

  /** A detector's scoring graph: the code, the greedy reconstruction and the per-token NLL as the error. */
  override scoringOutputs(ctx: GraphBuildContext, x: Value): { code: Value; reconstruction: Value; errors: Value; encoder: Record<string, Value> } {
    const encoded = this.encodeGraph(ctx, x);
    const ce = sequenceCrossEntropy(this.teacherForced(ctx, x, encoded.code), x, this.mask(ctx, x));
    return {
      code: encoded.code,
      reconstruction: this.decodeGraph(ctx, encoded.code),
      errors: ctx.g.div(ce.perSample, ctx.g.reduceSum(this.mask(ctx, x), [1])),
      encoder: this.encoderOutputs(encoded),
    };
  }

  /**
   * Starts the decoder at the unigram model: sets the output layer's bias to
   * log p(v) with p the add-one smoothed frequency of id v among the real
   * tokens (ids > 0) of `rows` ([n, T] training rows). The first steps then
   * need not learn word frequencies from a uniform softmax; on a small budget
   * this saves a visible share of training. Call after `compile`, before `fit`.
   */
  initOutputBias(rows: Float32Array): void {
    this.setWeights({ 'decoder_output/bias': decoderOutputBias(rows, this.vocabSize) });
  }

  /** Decodes codes [n, k] by drawing each word from the decoder's softmax (see the `sampler` part). */
  sampleFromCodes(z: Float32Array): Promise<Float32Array> {
    return this.runPart('sampler', { x: z, shape: [z.length / this.latentDim, this.latentDim] }).then((out) => out.reconstruction!);
  }

  override getConfig(): Record<string, unknown> {
    return { className: this.className, inputShape: [...this.inputShape], ...this.ownConfig() };
  }

  protected ownConfig(): Record<string, unknown> {
    return {
      vocabSize: this.vocabSize, embeddingDim: this.embeddingDim, units: this.units, latentDim: this.latentDim, variational: this.variational,
      wordDropout: this.wordDropout, klAnnealSteps: this.klAnnealSteps, ...(this.vocabulary ? { vocabulary: [...this.vocabulary] } : {}),
    };
  }

  protected summarySections(): SummarySection[] {
    const t = this.steps;
    const enc = ['N', t, this.embeddingDim];
    return [
      { title: 'encoder', inputShape: ['N', t], layers: [this.embedding] },
      { title: 'encoder', inputShape: enc, layers: [this.encoderRnn] },
      ...[this.codeHead, ...(this.logVarHead ? [this.logVarHead] : [])].map((head) => ({ title: 'encoder', inputShape: ['N', this.units] as Dim[], layers: [head] })),
      { title: 'decoder', inputShape: ['N', t, this.embeddingDim + this.latentDim], layers: [this.decoderRnn] },
      { title: 'decoder', inputShape: ['N', t, this.units], layers: [this.output] },
    ];
  }
}

registerModel('SentenceAutoencoder', (c) => new SentenceAutoencoder(c as unknown as SentenceAutoencoderConfig));
