/**
 * Deep embedded clustering (DEC, Xie, Girshick & Farhadi, ICML 2016) on top of
 * a trained autoencoder: the encoder is fine-tuned so its codes gather around
 * k cluster centres, with IDEC's reconstruction term (Guo et al., IJCAI 2017)
 * as an option to keep the decoder's view of the code.
 */
import { type Value } from '../graph/graph.js';
import { type GraphBuildContext } from '../layers/core.js';
import { type AutoencoderModel, type ModelData } from '../models/base.js';
import { Adam } from '../optim/optimizers.js';
import { type ModelPart, type TrainableModel } from '../train/model.js';
import { Trainer } from '../train/trainer.js';
import { kMeans } from '../eval/clustering.js';
import { argmaxRows } from '../eval/stats.js';

const CENTRES = 'clusters/centres';

/**
 * The training objective of DEC as an aekit model around an autoencoder's
 * encoder (its weights are shared by name with the autoencoder's). For codes
 * zᵢ and centres μⱼ, soft assignments by a Student-t kernel with α degrees of
 * freedom,
 *
 *   qᵢⱼ = (1 + ‖zᵢ − μⱼ‖²/α)^(−(α+1)/2) / Σⱼ′ (1 + ‖zᵢ − μⱼ′‖²/α)^(−(α+1)/2),
 *
 * are pulled towards the target pᵢⱼ (fed as the target, computed between
 * epochs by {@link targetDistribution}) with loss (1/N) Σᵢ KL(pᵢ ‖ qᵢ)
 * (metric `kl`), plus `reconstructionWeight` × the autoencoder's reconstruction
 * loss per element (metric `reconstruction`) when that weight is > 0 (IDEC).
 * Inference part `model` returns `q` and `code`.
 */
export class DeepClusteringModel implements TrainableModel {
  readonly inputShape: number[];
  readonly targetShape: number[];
  readonly codeSize: number;

  constructor(readonly autoencoder: AutoencoderModel, readonly clusters: number, readonly alpha = 1, readonly reconstructionWeight = 0) {
    this.inputShape = [...autoencoder.inputShape];
    this.targetShape = [clusters];
    this.codeSize = autoencoder.latentShape.reduce((a, b) => a * b, 1);
  }

  private code(ctx: GraphBuildContext, x: Value): Value {
    const out = this.autoencoder.parts().encoder!.build(ctx, x);
    const code = out.code ?? out.mu!; // a VAE clusters its means
    return code.rank === 2 ? code : ctx.g.flatten(code, 1);
  }

  /** log q [N, K] of codes z [N, d]. */
  private logQ(ctx: GraphBuildContext, z: Value): Value {
    const { g } = ctx;
    const centres = ctx.param('clusters', 'centres', [this.clusters, this.codeSize], 'zeros');
    const diff = g.sub(g.reshape(z, [z.shape[0]!, 1, this.codeSize]), centres); // [N, K, d]
    const dist = g.reduceSum(g.square(diff), [2]);
    // log of the unnormalized kernel; the normalization over clusters is a log-softmax.
    const logits = g.mul(g.log(g.add(g.div(dist, this.alpha), 1)), -(this.alpha + 1) / 2);
    return g.logSoftmax(logits, 1);
  }

  buildObjective(ctx: GraphBuildContext, x: Value, p: Value): { loss: Value; metrics: Record<string, Value> } {
    const { g } = ctx;
    const logQ = this.logQ(ctx, this.code(ctx, x));
    // Σⱼ p (log p − log q); p = 0 contributes 0 (its log is clipped, the product is 0).
    const logP = g.log(g.clip(p, 1e-12, 1));
    const kl = g.reduceMean(g.reduceSum(g.mul(p, g.sub(logP, logQ)), [1]), [0]);
    if (!(this.reconstructionWeight > 0)) return { loss: kl, metrics: { kl: g.identity(kl) } };
    const errors = this.autoencoder.parts().errors!.build(ctx, x).errors!; // per-sample sums [N]
    const features = this.inputShape.reduce((a, b) => a * b, 1);
    const reconstruction = g.div(g.reduceMean(errors, [0]), features);
    return { loss: g.add(kl, g.mul(reconstruction, this.reconstructionWeight)), metrics: { kl: g.identity(kl), reconstruction } };
  }

  parts(): Record<string, ModelPart> {
    return {
      model: {
        inputShape: this.inputShape,
        build: (ctx, x) => {
          const code = this.code(ctx, x);
          return { q: ctx.g.exp(this.logQ(ctx, code)), code: ctx.g.identity(code) };
        },
      },
    };
  }

  getConfig(): Record<string, unknown> {
    return { className: 'DeepClusteringModel', autoencoder: this.autoencoder.getConfig(), clusters: this.clusters, alpha: this.alpha, reconstructionWeight: this.reconstructionWeight };
  }
}

/**
 * DEC's auxiliary target: pᵢⱼ = (qᵢⱼ²/fⱼ) / Σⱼ′ (qᵢⱼ′²/fⱼ′) with cluster
 * frequencies fⱼ = Σᵢ qᵢⱼ. Squaring sharpens confident assignments; dividing
 * by fⱼ keeps large clusters from swallowing the others.
 */
export function targetDistribution(q: Float32Array, clusters: number): Float32Array {
  const n = q.length / clusters;
  const f = new Float64Array(clusters);
  for (let i = 0; i < n; i++) for (let j = 0; j < clusters; j++) f[j]! += q[i * clusters + j]!;
  const p = new Float32Array(q.length);
  const row = new Float64Array(clusters);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < clusters; j++) s += (row[j] = f[j]! > 0 ? q[i * clusters + j]! ** 2 / f[j]! : 0);
    for (let j = 0; j < clusters; j++) p[i * clusters + j] = s > 0 ? row[j]! / s : 1 / clusters;
  }
  return p;
}

/** Options of {@link refineClusters}. */
export interface RefineClustersOptions {
  /** Number of clusters k. */
  clusters: number;
  /** Most epochs of refinement (the target is recomputed before each). Default 20. */
  epochs?: number;
  /** Default 256 (DEC's). */
  batchSize?: number;
  /** Adam's learning rate. Default 1e-4. */
  learningRate?: number;
  /** Degrees of freedom α of the Student-t kernel. Default 1 (DEC's). */
  alpha?: number;
  /** Weight of the reconstruction loss (per element) next to the KL term: 0 = DEC (default), > 0 = IDEC. */
  reconstructionWeight?: number;
  /** Stop when fewer than this fraction of samples changed cluster since the previous epoch. Default 0.001 (DEC's 0.1 %). */
  tolerance?: number;
  /** k-means restarts for the initial centres. Default 10. */
  restarts?: number;
  /** Seeds k-means, the shuffling and the probe. Default 0. */
  seed?: number;
  /**
   * Data augmentation (DEC-DA, Guo et al. 2018): each epoch trains on
   * `augment(x, epoch)` (same number of samples, same order) against the target
   * computed from the clean samples, so the encoder learns to assign distorted
   * inputs to their clean sample's cluster. See `randomAffine`.
   */
  augment?: (x: Float32Array, epoch: number) => Float32Array;
  /**
   * Called after each epoch with the epoch's metrics, the assignments its
   * target was computed from, and the fraction of samples whose cluster
   * changed since the previous epoch (1 for the first).
   */
  onEpoch?: (e: { epoch: number; changed: number; assignments: Int32Array; metrics: Record<string, number> }) => void;
}

/** What {@link refineClusters} returns. */
export interface RefinedClusters {
  /** Cluster of each sample: argmaxⱼ qᵢⱼ after the last epoch. */
  assignments: Int32Array;
  /** The centres μ, k rows of the code size. */
  centres: Float32Array;
  /** Epochs run. */
  epochs: number;
  /** Fraction of samples that changed cluster, per epoch. */
  changed: number[];
}

/**
 * Fine-tunes a trained autoencoder's encoder for clustering (DEC): centres
 * from k-means on its codes, then epochs of KL(P ‖ Q) with the target P
 * recomputed from all samples before each epoch, until fewer than `tolerance`
 * of the samples change cluster. The refined weights are written back into
 * `model` (encoder, and decoder with a reconstruction weight), so `encode`
 * and `embed` give the refined codes afterwards; the model's optimizer state
 * is left as it was.
 */
export async function refineClusters(model: AutoencoderModel, data: ModelData, options: RefineClustersOptions): Promise<RefinedClusters> {
  const k = options.clusters;
  if (!(Number.isInteger(k) && k >= 2)) throw new Error(`refineClusters: clusters must be an integer >= 2, got ${k}`);
  const epochs = options.epochs ?? 20;
  if (!(Number.isInteger(epochs) && epochs >= 1)) throw new Error(`refineClusters: epochs must be a positive integer, got ${epochs}`);
  const tolerance = options.tolerance ?? 0.001;
  if (!(tolerance >= 0 && tolerance < 1)) throw new Error(`refineClusters: tolerance must be in [0, 1), got ${tolerance}`);
  const alpha = options.alpha ?? 1;
  if (!(Number.isFinite(alpha) && alpha > 0)) throw new Error(`refineClusters: alpha must be a positive number, got ${alpha}`);
  const reconstructionWeight = options.reconstructionWeight ?? 0;
  if (!(Number.isFinite(reconstructionWeight) && reconstructionWeight >= 0)) throw new Error(`refineClusters: reconstructionWeight must be a number >= 0, got ${reconstructionWeight}`);
  const n = data.shape[0]!;
  if (!(n >= k)) throw new Error(`refineClusters: ${n} samples cannot form ${k} clusters`);
  const seed = options.seed ?? 0;
  const dec = new DeepClusteringModel(model, k, alpha, reconstructionWeight);
  const codes = await model.encode(data.x);
  const init = kMeans({ x: codes, shape: [n, dec.codeSize] }, { k, restarts: options.restarts ?? 10, seed });
  const trainer = Trainer.create(dec, { optimizer: new Adam({ learningRate: options.learningRate ?? 1e-4 }), seed });
  const source = model.weights();
  for (const name of [...trainer.artifacts.params, ...trainer.artifacts.state]) {
    if (name === CENTRES) continue;
    const t = source[name];
    if (!t) throw new Error(`refineClusters: the ${model.className} has no tensor '${name}'`);
    trainer.tensors[name] = { dtype: t.dtype, shape: [...t.shape], data: (t.data as Float32Array).slice() };
  }
  trainer.tensors[CENTRES] = { dtype: 'float32', shape: [k, dec.codeSize], data: Float32Array.from(init.centroids) };
  let previous = init.assignments;
  let assignments = previous;
  const changed: number[] = [];
  let epoch = 0;
  while (epoch < epochs) {
    const q = (await trainer.predict(data.x, { batchSize: 1024 })).q!.data as Float32Array;
    assignments = argmaxRows(q, k);
    if (epoch > 0) {
      let moved = 0;
      for (let i = 0; i < n; i++) if (assignments[i] !== previous[i]) moved++;
      changed.push(moved / n);
      if (moved / n < tolerance) break;
    }
    previous = assignments;
    // After the first fit the trainer counts epochs in total, so each call asks for one more.
    const x = options.augment ? options.augment(data.x, epoch) : data.x;
    if (x.length !== data.x.length) throw new Error(`refineClusters: augment returned ${x.length} values for ${data.x.length}`);
    const fit = await trainer.fit({ x, shape: data.shape, target: targetDistribution(q, k), targetShape: [n, k] }, { epochs: epoch + 1, batchSize: options.batchSize ?? 256, seed: seed + epoch });
    epoch++;
    options.onEpoch?.({ epoch, changed: changed.at(-1) ?? 1, assignments, metrics: fit.history.at(-1) ?? {} });
  }
  model.setWeights(Object.fromEntries([...trainer.artifacts.params, ...trainer.artifacts.state].filter((name) => name !== CENTRES).map((name) => [name, trainer.tensors[name]!])));
  if (epoch === epochs) {
    const q = (await trainer.predict(data.x, { batchSize: 1024 })).q!.data as Float32Array;
    assignments = argmaxRows(q, k);
  }
  return { assignments, centres: (trainer.tensors[CENTRES]!.data as Float32Array).slice(), epochs: epoch, changed };
}
