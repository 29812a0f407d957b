/**
 * Neighbour-embedding refinement of an autoencoder's encoder: the codes are
 * trained so that samples that are neighbours (in a reference code space)
 * stay close and all others are pushed apart, with UMAP's cross-entropy.
 * This is parametric UMAP (Sainburg, McInnes & Gentner, Neural Computation
 * 2021) started from the autoencoder's encoder and run on the neighbour graph
 * of autoencoder codes, the manifold-learning step that N2D (McConville et
 * al., ICPR 2020) puts on top of an autoencoder before clustering. The
 * encoder stays a network, so new samples get refined codes too.
 */
import { type Value } from '../graph/graph.js';
import { type GraphBuildContext } from '../layers/core.js';
import { type AutoencoderModel, type ModelData } from '../models/base.js';
import { Adam } from '../optim/optimizers.js';
import { type ModelPart, type TrainableModel } from '../train/model.js';
import { Trainer } from '../train/trainer.js';
import { Rng } from '../data/random.js';
import { type FeatureSet, featureMatrix, nearestNeighbors } from '../eval/features.js';

/**
 * The refinement objective around an autoencoder's encoder (weights shared by
 * name). For codes z of a batch, measured in units s (see `scale`), the target
 * t (a neighbour's code, fed as the target) and Cauchy similarities
 * q(d) = 1 / (1 + d²/s²) (UMAP's kernel with a = b = 1):
 *
 *   L = (1/N) Σᵢ −log q(‖zᵢ − tᵢ‖) + m · (1/N²) Σᵢ Σₖ −log(1 − q(‖zᵢ − zₖ‖) + ε′)
 *     = (1/N) Σᵢ log(1 + ‖zᵢ − tᵢ‖²/s²) + m · (1/N²) Σᵢ Σₖ log(1 + 1/(‖zᵢ − zₖ‖²/s² + ε)),
 *
 * attraction along neighbour edges (metric `attraction`) and repulsion between
 * every pair of the batch (metric `repulsion`, weighted by m, UMAP's
 * negative-sample rate). Squared distances come from the Gram matrix and are
 * clamped at 0, so the diagonal (i = k) adds the constant log(1 + 1/ε) and no
 * gradient. Inference part `model` returns `code`.
 */
export class NeighborEmbeddingModel implements TrainableModel {
  readonly inputShape: number[];
  readonly targetShape: number[];
  readonly codeSize: number;

  /**
   * @param scale 1/s²: squared distances are multiplied by it.
   * @param repulsion m, the weight of the repulsion term.
   * @param epsilon ε in the repulsion, which bounds it for coinciding codes.
   */
  constructor(readonly autoencoder: AutoencoderModel, readonly scale: number, readonly repulsion = 5, readonly epsilon = 1e-3) {
    this.inputShape = [...autoencoder.inputShape];
    this.codeSize = autoencoder.latentShape.reduce((a, b) => a * b, 1);
    this.targetShape = [this.codeSize];
  }

  private code(ctx: GraphBuildContext, x: Value): Value {
    const out = this.autoencoder.parts().encoder!.build(ctx, x);
    const code = out.code ?? out.mu!;
    return code.rank === 2 ? code : ctx.g.flatten(code, 1);
  }

  buildObjective(ctx: GraphBuildContext, x: Value, target: Value): { loss: Value; metrics: Record<string, Value> } {
    const { g } = ctx;
    const z = this.code(ctx, x);
    const toNeighbor = g.mul(g.reduceSum(g.square(g.sub(z, target)), [1]), this.scale);
    const attraction = g.reduceMean(g.log(g.add(toNeighbor, 1)), [0]);
    const sq = g.reduceSum(g.square(z), [1], true);
    const pairs = g.relu(g.sub(g.add(sq, g.transpose(sq, [1, 0])), g.mul(g.matmul(z, g.transpose(z, [1, 0])), 2)));
    const repulsion = g.reduceMean(g.log(g.add(g.div(1, g.add(g.mul(pairs, this.scale), this.epsilon)), 1)));
    return {
      loss: g.add(attraction, g.mul(repulsion, this.repulsion)),
      metrics: { attraction: g.identity(attraction), repulsion: g.identity(repulsion) },
    };
  }

  parts(): Record<string, ModelPart> {
    return { model: { inputShape: this.inputShape, build: (ctx, x) => ({ code: ctx.g.identity(this.code(ctx, x)) }) } };
  }

  getConfig(): Record<string, unknown> {
    return { className: 'NeighborEmbeddingModel', autoencoder: this.autoencoder.getConfig(), scale: this.scale, repulsion: this.repulsion, epsilon: this.epsilon };
  }
}

/** Options of {@link refineNeighbors}. */
export interface RefineNeighborsOptions {
  /** Neighbours per sample in the graph (UMAP's n_neighbors). Default 15. */
  neighbors?: number;
  /** Epochs; each draws a fresh neighbour per sample. Default 10. */
  epochs?: number;
  /** Adam's learning rate. Default 1e-3. */
  learningRate?: number;
  /** Weight m of the repulsion term (UMAP's negative-sample rate). Default 5. */
  repulsion?: number;
  /** Default 256. */
  batchSize?: number;
  /**
   * Where the neighbour graph comes from: features of the same samples (e.g.
   * the codes of a larger autoencoder, whose neighbours are more often of the
   * same class). Default: the model's own codes.
   */
  graph?: FeatureSet;
  /** Seeds the neighbour draws and the shuffling. Default 0. */
  seed?: number;
  /**
   * Data augmentation: each epoch trains on `augment(x, epoch)` (same samples,
   * same order) while the neighbours' codes come from the clean samples, so a
   * distorted sample is pulled towards its clean neighbours (the codes learn to
   * ignore the distortion). See `randomAffine`.
   */
  augment?: (x: Float32Array, epoch: number) => Float32Array;
  /** Called after each epoch with its metrics. */
  onEpoch?: (e: { epoch: number; metrics: Record<string, number> }) => void;
}

/** What {@link refineNeighbors} returns. */
export interface RefinedNeighbors {
  epochs: number;
  /** s²: the mean squared distance between graph neighbours in the initial codes, the unit of the kernel. */
  scale: number;
  /** The graph: `neighbors` indices per sample, nearest first. */
  graph: Int32Array;
}

/**
 * Refines a trained autoencoder's encoder with {@link NeighborEmbeddingModel}:
 * builds the k-nearest-neighbour graph of `options.graph` (default: the
 * model's codes of `data`), sets the kernel's unit s² to the mean squared
 * distance between neighbours in the initial codes, then trains for `epochs`
 * epochs, each pulling every sample's code towards the current code of one
 * of its neighbours drawn at random, and pushing the codes of each batch
 * apart. The refined encoder weights are written back into `model`; the
 * decoder is left as it was (so reconstructions from refined codes are not
 * meaningful), and so is the model's optimizer state.
 */
export async function refineNeighbors(model: AutoencoderModel, data: ModelData, options: RefineNeighborsOptions = {}): Promise<RefinedNeighbors> {
  const k = options.neighbors ?? 15;
  const n = data.shape[0]!;
  if (!(Number.isInteger(k) && k >= 1)) throw new Error(`refineNeighbors: neighbors must be a positive integer, got ${k}`);
  if (!(n > k)) throw new Error(`refineNeighbors: ${n} samples cannot have ${k} neighbours each`);
  const epochs = options.epochs ?? 10;
  if (!(Number.isInteger(epochs) && epochs >= 1)) throw new Error(`refineNeighbors: epochs must be a positive integer, got ${epochs}`);
  const repulsion = options.repulsion ?? 5;
  if (!(Number.isFinite(repulsion) && repulsion >= 0)) throw new Error(`refineNeighbors: repulsion must be a number >= 0, got ${repulsion}`);
  const seed = options.seed ?? 0;
  const d = model.latentShape.reduce((a, b) => a * b, 1);
  let codes = await model.encode(data.x);
  const reference = options.graph ? featureMatrix(options.graph, 'refineNeighbors graph') : { x: codes, n, d };
  if (reference.n !== n) throw new Error(`refineNeighbors: the graph features have ${reference.n} rows for ${n} samples`);
  // k + 1 neighbours of each sample among all: itself (distance 0) comes first unless duplicated.
  const found = nearestNeighbors(reference, reference, k + 1);
  const graph = new Int32Array(n * k);
  for (let i = 0; i < n; i++) {
    let w = 0;
    for (let j = 0; j <= k && w < k; j++) {
      const other = found[i * (k + 1) + j]!;
      if (other !== i) graph[i * k + w++] = other;
    }
  }
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) {
      const o = graph[i * k + j]!;
      for (let c = 0; c < d; c++) s2 += (codes[i * d + c]! - codes[o * d + c]!) ** 2;
    }
  }
  s2 /= n * k;
  if (!(s2 > 0)) throw new Error('refineNeighbors: every sample has the same code as its neighbours; nothing to refine');
  const net = new NeighborEmbeddingModel(model, 1 / s2, repulsion);
  const trainer = Trainer.create(net, { optimizer: new Adam({ learningRate: options.learningRate ?? 1e-3 }), seed });
  const source = model.weights();
  for (const name of [...trainer.artifacts.params, ...trainer.artifacts.state]) {
    const t = source[name];
    if (!t) throw new Error(`refineNeighbors: the ${model.className} has no tensor '${name}'`);
    trainer.tensors[name] = { dtype: t.dtype, shape: [...t.shape], data: (t.data as Float32Array).slice() };
  }
  const rng = new Rng(seed);
  const target = new Float32Array(n * d);
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = 0; i < n; i++) {
      const j = graph[i * k + rng.int(k)]!;
      target.set(codes.subarray(j * d, (j + 1) * d), i * d);
    }
    // After the first fit the trainer counts epochs in total, so each call asks for one more.
    const x = options.augment ? options.augment(data.x, epoch) : data.x;
    if (x.length !== data.x.length) throw new Error(`refineNeighbors: augment returned ${x.length} values for ${data.x.length}`);
    const fit = await trainer.fit({ x, shape: data.shape, target, targetShape: [n, d] }, { epochs: epoch + 1, batchSize: options.batchSize ?? 256, seed: seed + epoch });
    codes = (await trainer.predict(data.x, { batchSize: 1024 })).code!.data as Float32Array;
    options.onEpoch?.({ epoch: epoch + 1, metrics: fit.history.at(-1) ?? {} });
  }
  model.setWeights(Object.fromEntries([...trainer.artifacts.params, ...trainer.artifacts.state].map((name) => [name, trainer.tensors[name]!])));
  return { epochs, scale: s2, graph };
}
