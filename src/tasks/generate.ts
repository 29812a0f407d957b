/**
 * Generation with a trained variational autoencoder: samples from the prior,
 * interpolations between two inputs through their codes, latent traversals
 * and the decoded plane of a 2-D latent space, each returned as a batch of
 * images that writes as one PNG grid; and the standard likelihood measure of
 * a generative model, the importance-sampled estimate of log p(x) of Burda,
 * Grosse & Salakhutdinov ("Importance Weighted Autoencoders", ICLR 2016).
 */
import { Rng } from '../data/random.js';
import { sizeOf } from '../graph/types.js';
import { writeFileAtomic } from '../io/files.js';
import { type AutoencoderModel } from '../models/base.js';
import { AdversarialAutoencoder } from '../models/aae.js';
import { SentenceAutoencoder } from '../models/sentence.js';
import { VariationalAutoencoder } from '../models/vae.js';
import { RuntimeSession } from '../onnx/runtime.js';
import { buildPart } from '../train/step.js';
import { type ImageGridOptions, imageGridPng, latentGridTitles } from '../viz/images.js';

/** Generated images, row after row, with how a grid should lay them out. */
export interface GeneratedImages {
  /** The images, [n, ...inputShape] row-major, values in the decoder's output range. */
  images: Float32Array;
  shape: number[];
  /** Images per grid row. */
  columns: number;
  /** Titles of the grid's rows, when they mean something (a traversed dimension, interpolation endpoints). */
  rowTitles?: string[];
  /** Titles of the grid's columns (the values a traversed dimension takes), and over the columns and rows the dimensions' names. */
  columnTitles?: string[];
  columnAxisTitle?: string;
  rowAxisTitle?: string;
  /** The codes that were decoded, [n, latentDim]. */
  codes: Float32Array;
  /** What the grid shows, for a title. */
  title: string;
}

/** A model trained to a prior N(0, I) on its codes, so decoded prior draws are samples. */
type GenerativeModel = VariationalAutoencoder | AdversarialAutoencoder;

function vaeOf(model: AutoencoderModel, what: string): GenerativeModel {
  if (!(model instanceof VariationalAutoencoder || model instanceof AdversarialAutoencoder)) {
    const name = (model as { className?: string } | null)?.className ?? typeof model;
    throw new TypeError(`${what}: needs a VariationalAutoencoder or an AdversarialAutoencoder (their prior N(0, I) is what makes decoded codes samples), got ${name}`);
  }
  return model;
}

/** Likelihood estimates need the VAE's encoder Gaussian q(z|x). */
function strictVaeOf(model: AutoencoderModel, what: string): VariationalAutoencoder {
  if (!(model instanceof VariationalAutoencoder)) {
    const name = (model as { className?: string } | null)?.className ?? typeof model;
    throw new TypeError(`${what}: needs a VariationalAutoencoder (its encoder's Gaussian q(z|x) is the importance distribution), got ${name}`);
  }
  return model;
}

/**
 * A model with a Gaussian code q(z|x) = N(μ, σ²) under the prior N(0, I): the
 * image VAE, or a variational {@link SentenceAutoencoder} (whose
 * `logLikelihood` part gives log p(x|z) of a sentence, a categorical per token).
 */
function gaussianLatentOf(model: AutoencoderModel, what: string): VariationalAutoencoder | SentenceAutoencoder {
  if (model instanceof SentenceAutoencoder && model.variational) return model;
  return strictVaeOf(model, what);
}

function positiveInt(v: unknown, what: string, min = 1): number {
  if (!(typeof v === 'number' && Number.isInteger(v) && v >= min)) throw new Error(`${what} must be an integer >= ${min}, got ${String(v)}`);
  return v;
}

async function decoded(vae: GenerativeModel, codes: Float32Array, columns: number, title: string, titles: GridTitles = {}): Promise<GeneratedImages> {
  const n = codes.length / vae.latentDim;
  return { images: await vae.decode(codes), shape: [n, ...vae.inputShape], columns, codes, title, ...titles };
}

type GridTitles = Pick<GeneratedImages, 'rowTitles' | 'columnTitles' | 'columnAxisTitle' | 'rowAxisTitle'>;

/** Options of {@link sample}. */
export interface SampleOptions {
  /** Seed of the draws (default 0). */
  seed?: number;
  /** Images per grid row (default ⌈√n⌉). */
  columns?: number;
  /** An AdversarialAutoencoder with a mixture prior: draw from this class's component (default: the whole mixture). */
  label?: number;
}

/**
 * n images decoded from draws of the model's prior (seeded): N(0, I), or an
 * adversarial autoencoder's mixture (one class's component with `label`).
 */
export async function sample(model: AutoencoderModel, n: number, options: SampleOptions = {}): Promise<GeneratedImages> {
  const vae = vaeOf(model, 'sample');
  positiveInt(n, 'sample: n');
  const seed = options.seed ?? 0;
  const columns = options.columns ?? Math.ceil(Math.sqrt(n));
  if (vae instanceof AdversarialAutoencoder) {
    const codes = vae.priorCodes(n, { seed, ...(options.label !== undefined ? { label: options.label } : {}) });
    const prior = !vae.mixture ? 'the prior N(0, I)' : options.label === undefined ? `the prior, a mixture of ${vae.mixture.components} Gaussians` : `class ${options.label}'s component of the prior`;
    return decoded(vae, codes, columns, `${n} samples from ${prior}`);
  }
  if (options.label !== undefined) throw new Error('sample: label needs an AdversarialAutoencoder with a mixture prior');
  const rng = new Rng(seed);
  const codes = new Float32Array(n * vae.latentDim);
  for (let i = 0; i < codes.length; i++) codes[i] = rng.normal();
  return decoded(vae, codes, columns, `${n} samples from the prior N(0, I)`);
}

/** Checks one input sample and returns its values. */
function oneInput(vae: GenerativeModel, x: Float32Array, what: string): Float32Array {
  const size = sizeOf(vae.inputShape);
  if (!(x instanceof Float32Array) || x.length !== size) {
    throw new Error(`${what} must be one input: a Float32Array of ${size} values (shape [${vae.inputShape}]), got ${x instanceof Float32Array ? `${x.length} values` : typeof x}`);
  }
  return x;
}

/**
 * `steps` images on the way from input a to input b: both are encoded to
 * their posterior means μ_a, μ_b and the codes z_t = μ_a + t (μ_b − μ_a),
 * t = 0, 1/(steps−1), …, 1, are decoded (one grid row).
 */
export async function interpolate(model: AutoencoderModel, a: Float32Array, b: Float32Array, steps: number): Promise<GeneratedImages> {
  const vae = vaeOf(model, 'interpolate');
  positiveInt(steps, 'interpolate: steps', 2);
  const size = sizeOf(vae.inputShape);
  const both = new Float32Array(2 * size);
  both.set(oneInput(vae, a, 'interpolate: a'));
  both.set(oneInput(vae, b, 'interpolate: b'), size);
  const mu = await vae.encode(both);
  const d = vae.latentDim;
  const codes = new Float32Array(steps * d);
  for (let i = 0; i < steps; i++) {
    const t = i / (steps - 1);
    for (let j = 0; j < d; j++) codes[i * d + j] = mu[j]! + t * (mu[d + j]! - mu[j]!);
  }
  return decoded(vae, codes, steps, `Interpolation in ${steps} steps between the codes of two inputs`);
}

/** Options of {@link latentTraversal}. */
export interface TraversalOptions {
  /** One latent dimension (a row of images) or two (a grid: the first varies along rows, the second down columns). */
  dims: number[];
  /** Values each traversed dimension takes, evenly spaced (default [−3, 3]). */
  range?: [number, number];
  /** Values per traversed dimension (default 9). */
  steps?: number;
  /** The input whose code μ(x) fixes the other dimensions; default: the prior's mean, 0. */
  input?: Float32Array;
}

/**
 * Decodes codes that vary one or two latent dimensions over `range` while
 * the others stay at the code of `input` (or 0): with one dimension a row of
 * `steps` images, with two a steps × steps grid whose columns follow dims[0]
 * (left to right, increasing) and rows dims[1] (top to bottom, decreasing, so
 * the grid reads like a plot).
 */
export async function latentTraversal(model: AutoencoderModel, options: TraversalOptions): Promise<GeneratedImages> {
  const vae = vaeOf(model, 'latentTraversal');
  const d = vae.latentDim;
  const dims = options?.dims;
  if (!Array.isArray(dims) || dims.length < 1 || dims.length > 2 || dims.some((j) => !(Number.isInteger(j) && j >= 0 && j < d)) || (dims.length === 2 && dims[0] === dims[1])) {
    throw new Error(`latentTraversal: options.dims must be one or two different latent dimensions in 0 … ${d - 1}, got ${JSON.stringify(dims)}`);
  }
  const [lo, hi] = options.range ?? [-3, 3];
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi)) throw new Error(`latentTraversal: options.range must be [low, high] with low < high, got ${JSON.stringify(options.range)}`);
  const steps = positiveInt(options.steps ?? 9, 'latentTraversal: options.steps', 2);
  const base = options.input === undefined ? new Float32Array(d) : await vae.encode(oneInput(vae, options.input, 'latentTraversal: options.input'));
  const value = (i: number) => lo + ((hi - lo) * i) / (steps - 1);
  const rows = dims.length === 1 ? 1 : steps;
  const codes = new Float32Array(rows * steps * d);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < steps; c++) {
      const at = (r * steps + c) * d;
      codes.set(base, at);
      codes[at + dims[0]!] = value(c);
      if (dims.length === 2) codes[at + dims[1]!] = value(steps - 1 - r);
    }
  }
  const span = `[${lo}, ${hi}]`;
  // Users read dimensions numbered from 1 (z1, z2, …), as in the latent scatter and the embedding files.
  const titles = latentGridTitles(Array.from({ length: steps }, (_, i) => value(i)), [dims[0]!, dims[1] ?? dims[0]!]);
  if (dims.length === 1) {
    return decoded(vae, codes, steps, `Latent dimension z${dims[0]! + 1} over ${span}`, { rowTitles: [`z${dims[0]! + 1}`], columnTitles: titles.columnTitles });
  }
  return decoded(vae, codes, steps, `Latent dimensions z${dims[0]! + 1} (across) and z${dims[1]! + 1} (up) over ${span}`, titles);
}

/** Options of {@link latentGrid}. */
export interface LatentGridOptions {
  /** Images per side (default 15). */
  side?: number;
  /** The grid covers [−radius, radius]² (default 2.5). */
  radius?: number;
}

/**
 * The latent plane of a VAE with a 2-D code, decoded on a side × side grid
 * over [−radius, radius]²: z1 grows left to right, z2 bottom to top, each
 * column and row titled with its value.
 */
export async function latentGrid(model: AutoencoderModel, options: LatentGridOptions = {}): Promise<GeneratedImages> {
  const vae = vaeOf(model, 'latentGrid');
  if (vae.latentDim !== 2) throw new Error(`latentGrid: needs a VAE with a 2-D latent space, this one has latentDim ${vae.latentDim}; use latentTraversal with two dims`);
  const side = positiveInt(options.side ?? 15, 'latentGrid: options.side', 2);
  const radius = options.radius ?? 2.5;
  if (!(radius > 0 && Number.isFinite(radius))) throw new Error(`latentGrid: options.radius must be a positive number, got ${String(radius)}`);
  const grid = await latentTraversal(vae, { dims: [0, 1], range: [-radius, radius], steps: side });
  return { ...grid, title: `The 2-D latent plane decoded on [−${radius}, ${radius}]²` };
}

/**
 * One PNG of the generated images laid out as their grid (`columns`,
 * `rowTitles`), via src/viz/images.ts; `options` may override any grid option.
 */
export function generatedPng(generated: GeneratedImages, options: ImageGridOptions = {}): Uint8Array {
  const grid: ImageGridOptions = { columns: generated.columns, title: generated.title };
  for (const key of ['rowTitles', 'columnTitles', 'columnAxisTitle', 'rowAxisTitle'] as const) if (generated[key] !== undefined) Object.assign(grid, { [key]: generated[key] });
  return imageGridPng({ data: generated.images, shape: generated.shape }, { ...grid, ...options });
}

/** Writes {@link generatedPng} to `path` atomically. */
export function writeGeneratedPng(path: string, generated: GeneratedImages, options: ImageGridOptions = {}): void {
  writeFileAtomic(path, generatedPng(generated, options));
}

// ----- Likelihood -----

/** Options of {@link importanceSampledNll} and {@link negativeElbo}. */
export interface LikelihoodOptions {
  /** Importance samples k per input (default 5000, Burda et al.'s evaluation). */
  samples?: number;
  /**
   * Seed of the draws ε, an integer in [0, 2^20) (default 0). Each input has its
   * own stream, so an estimate with k samples uses the first k draws of one
   * with more, whatever the batch.
   */
  seed?: number;
  /** Rows [z, x] per decoder run (default 8192). */
  batchSize?: number;
  /** ONNX Runtime intra-op threads (default: its choice). */
  threads?: number;
}

/** An estimate of the test negative log-likelihood, in nats. */
export interface NllEstimate {
  /** Mean over the inputs of the per-input estimate. */
  nll: number;
  /** The per-input estimates. */
  perInput: Float64Array;
  /** Importance samples per input. */
  samples: number;
}

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * Streams the log weights of every input's k draws through `visit`:
 * z = μ + σ ⊙ ε with seeded ε, log p(x|z) from the model's `logLikelihood`
 * part, log p(z) and log q(z|x) in float64 here.
 */
async function forEachLogWeight(
  model: AutoencoderModel, x: Float32Array, options: LikelihoodOptions, what: string,
  visit: (input: number, logPxz: number, logPz: number, logQz: number) => void,
): Promise<{ n: number; k: number }> {
  const vae = gaussianLatentOf(model, what);
  const part = vae.parts().logLikelihood;
  if (!part) throw new Error(`${what}: needs a VAE with loss 'bce' (a Bernoulli decoder, whose likelihood is p(x|z)); this one has loss '${vae.loss}'${vae.perceptual ? ' (perceptual)' : ''}`);
  const size = sizeOf(vae.inputShape);
  if (!(x instanceof Float32Array) || x.length === 0 || x.length % size !== 0) {
    throw new Error(`${what}: x must be a Float32Array of whole inputs of ${size} values (shape [${vae.inputShape}])`);
  }
  if (vae instanceof VariationalAutoencoder) {
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      if (!(v >= 0 && v <= 1)) throw new Error(`${what}: input ${Math.floor(i / size)} holds ${v} at value ${i % size}; a Bernoulli likelihood needs values in [0, 1] (binarized data: 0 or 1)`);
    }
  }
  const k = positiveInt(options.samples ?? 5000, `${what}: options.samples`);
  const batch = positiveInt(options.batchSize ?? 8192, `${what}: options.batchSize`);
  const n = x.length / size;
  const d = vae.latentDim;
  const { mu, logVar } = await vae.runPart('encoder', x);
  const seed = options.seed ?? 0;
  if (!(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 20)) throw new Error(`${what}: options.seed must be an integer in [0, 2^20), got ${String(seed)}`);
  // One stream per input, so the first k draws of an input are the same for any k and any batch:
  // estimates with different k share their draws, and an input's estimate does not depend on the others.
  let rng = new Rng(0);
  let streamOf = -1;
  const weights = vae.weights();
  const session = await RuntimeSession.create(buildPart(part, 'logLikelihood').bytes, options.threads ? { threads: options.threads } : {});
  const row = d + size;
  const total = n * k;
  const rows = new Float32Array(Math.min(batch, total) * row);
  const prior = new Float64Array(Math.min(batch, total) * 2);
  try {
    for (let start = 0; start < total; start += batch) {
      const count = Math.min(batch, total - start);
      for (let r = 0; r < count; r++) {
        const i = Math.floor((start + r) / k);
        if (i !== streamOf) {
          rng = new Rng(seed * 2 ** 32 + i);
          streamOf = i;
        }
        let logPz = 0;
        let logQz = 0;
        for (let j = 0; j < d; j++) {
          const eps = rng.normal();
          const lv = logVar[i * d + j]!;
          const z = Math.fround(mu[i * d + j]! + Math.exp(0.5 * lv) * eps);
          rows[r * row + j] = z;
          logPz -= 0.5 * (z * z + LOG_2PI);
          logQz -= 0.5 * (eps * eps + lv + LOG_2PI);
        }
        rows.set(x.subarray(i * size, (i + 1) * size), r * row + d);
        prior[2 * r] = logPz;
        prior[2 * r + 1] = logQz;
      }
      const out = await session.run({ ...weights, x: { dtype: 'float32', shape: [count, row], data: rows.subarray(0, count * row) } }, ['logLikelihood']);
      const ll = out.logLikelihood!.data as Float32Array;
      for (let r = 0; r < count; r++) visit(Math.floor((start + r) / k), ll[r]!, prior[2 * r]!, prior[2 * r + 1]!);
    }
  } finally {
    await session.release();
  }
  return { n, k };
}

/**
 * The importance-sampled estimate of −log p(x) per input (Burda et al. 2016):
 * with k draws z_i ~ q(z|x) = N(μ(x), σ²(x)),
 *
 *   −log p(x) ≈ −log (1/k) Σ_i p(x|z_i) p(z_i) / q(z_i|x),
 *
 * computed as a log-sum-exp in float64. Its expectation is the negative IWAE
 * bound L_k: at least −log p(x), equal to the negative ELBO for k = 1, and
 * non-increasing in k, converging to −log p(x). The decoder's likelihood is
 * Bernoulli, so `x` should be binarized (values 0 or 1, e.g. MNIST binarized
 * by sampling each pixel with its intensity as the probability) and the model
 * trained on such data; values in [0, 1] are accepted (the cross-entropy).
 * A variational {@link SentenceAutoencoder} works the same way on rows of
 * token ids: its decoder's likelihood is a softmax per token, and the
 * estimate is −log p(sentence) in nats (bench:text turns it into perplexity).
 */
export async function importanceSampledNll(model: AutoencoderModel, x: Float32Array, options: LikelihoodOptions = {}): Promise<NllEstimate> {
  const max: number[] = [];
  const sum: number[] = [];
  const { n, k } = await forEachLogWeight(model, x, options, 'importanceSampledNll', (i, logPxz, logPz, logQz) => {
    const w = logPxz + logPz - logQz;
    // A running log-sum-exp: keep the largest log weight and the sum of exp(w − max).
    if (max[i] === undefined) {
      max[i] = w;
      sum[i] = 1;
    } else if (w > max[i]!) {
      sum[i] = sum[i]! * Math.exp(max[i]! - w) + 1;
      max[i] = w;
    } else {
      sum[i]! += Math.exp(w - max[i]!);
    }
  });
  const perInput = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) total += perInput[i] = -(max[i]! + Math.log(sum[i]!) - Math.log(k));
  return { nll: total / n, perInput, samples: k };
}

/**
 * The negative ELBO per input, −E_q[log p(x|z)] + KL(q(z|x) ‖ p(z)): the
 * reconstruction term estimated with `samples` draws (default 1), the KL
 * term exact. An upper bound on −log p(x), and the expectation of
 * {@link importanceSampledNll} with k = 1.
 */
export async function negativeElbo(model: AutoencoderModel, x: Float32Array, options: LikelihoodOptions = {}): Promise<NllEstimate> {
  const vae = gaussianLatentOf(model, 'negativeElbo');
  const rec: number[] = [];
  const { n, k } = await forEachLogWeight(model, x, { ...options, samples: options.samples ?? 1 }, 'negativeElbo', (i, logPxz) => {
    rec[i] = (rec[i] ?? 0) - logPxz;
  });
  const { mu, logVar } = await vae.runPart('encoder', x);
  const d = vae.latentDim;
  const perInput = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    let kl = 0;
    for (let j = 0; j < d; j++) {
      const m = mu[i * d + j]!;
      const lv = logVar[i * d + j]!;
      kl -= 0.5 * (1 + lv - m * m - Math.exp(lv));
    }
    total += perInput[i] = rec[i]! / k + kl;
  }
  return { nll: total / n, perInput, samples: k };
}

/**
 * Binarizes values in [0, 1] by sampling: each value v becomes 1 with
 * probability v, else 0 (the "dynamic binarization" of MNIST when redrawn for
 * every epoch). Seeded, so a test set binarized once stays the same.
 */
export function binarize(x: Float32Array, seed = 0): Float32Array {
  if (!(x instanceof Float32Array)) throw new TypeError('binarize: x must be a Float32Array of values in [0, 1]');
  const rng = new Rng(seed);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (!(v >= 0 && v <= 1)) throw new Error(`binarize: value ${i} is ${v}; expected probabilities in [0, 1]`);
    out[i] = rng.float() < v ? 1 : 0;
  }
  return out;
}
