/**
 * A small convolutional image classifier that aekit trains itself, mainly to
 * serve as the feature network of a perceptual reconstruction loss (see
 * `PerceptualLossConfig` in base.ts): an autoencoder's reconstructions are then
 * judged by what a digit classifier sees in them rather than pixel by pixel.
 */
import { type Value } from '../graph/graph.js';
import { type TensorData, sizeOf } from '../graph/types.js';
import { Conv2D, MaxPool2D } from '../layers/conv.js';
import { type GraphBuildContext, type Layer } from '../layers/core.js';
import { Dense } from '../layers/dense.js';
import { Flatten } from '../layers/reshaping.js';
import { Sequential } from '../layers/wrappers.js';
import { argmaxRows } from '../eval/stats.js';
import { classifierOutputs, softmaxCrossEntropy } from '../losses/classification.js';
import { CheckpointError, openCheckpointDir } from '../train/checkpoint.js';
import { type EpochMetrics } from '../train/loop.js';
import { type ModelPart, type TrainableModel } from '../train/model.js';
import { type FitOptions, type FitResult, Trainer, type TrainerOptions } from '../train/trainer.js';
import { ConfigError, objectOf, opt, positiveInt, positiveInts, req } from './config.js';

/** Config of an {@link ImageClassifier} (also its constructor's argument). */
export interface ImageClassifierConfig {
  /** [channels, height, width] (NCHW). */
  inputShape: number[];
  /** Number of classes K. Default 10. */
  numClasses?: number;
  /** Filters of each conv block (conv 'same' + ReLU, then 2×2 max pooling). Default [16, 32]. */
  filters?: number[];
  /** Square kernel size of the convolutions. Default 3. */
  kernelSize?: number;
  /** Units of the ReLU dense layers between the last block and the logits. Default [64]; [] for none. */
  hidden?: number[];
}

const FIELDS = ['className', 'inputShape', 'numClasses', 'filters', 'kernelSize', 'hidden'] as const;

/**
 * Samples and their classes: `labels` holds either one integer class in
 * [0, K) per sample (length n) or one-hot rows (length n·K).
 */
export interface ClassifierData {
  x: Float32Array;
  /** [n, channels, height, width]. */
  shape: number[];
  labels: ArrayLike<number>;
}

/**
 * Convolutional classifier on NCHW images. Layers, by name (the names a
 * perceptual loss's `layers` refers to): for each block i, `conv_i`
 * (Conv2D 'same', ReLU) and `pool_i` (MaxPool2D 2×2); then `flatten`, the
 * hidden layers `dense_j` (ReLU) and `logits` (K units, linear).
 *
 * Training minimizes the softmax cross-entropy computed from the logits z:
 * ℓ_n = −Σ_k t_nk · log_softmax(z_n)_k = logsumexp(z_n) − Σ_k t_nk z_nk,
 * averaged over the batch (ONNX LogSoftmax subtracts max_k z_nk first, so no
 * exp overflows). Metric `accuracy` is the fraction of samples whose largest
 * logit is the true class (one-hot targets; ties count as correct).
 *
 * Inference part `model` returns `probabilities` (softmax) and `logits`.
 */
export class ImageClassifier implements TrainableModel {
  readonly className = 'ImageClassifier';
  readonly inputShape: number[];
  readonly targetShape: number[];
  readonly numClasses: number;
  readonly filters: number[];
  readonly kernelSize: number;
  readonly hidden: number[];
  /** The whole network, input to logits. */
  readonly network: Sequential;
  private trainerInstance?: Trainer;
  private trainerOptions: TrainerOptions = {};

  /**
   * @param config see {@link ImageClassifierConfig}.
   * @param path how errors name the config (`config.loss.classifier` when it is nested in a model's loss).
   */
  constructor(config: ImageClassifierConfig, path = 'config') {
    const c = objectOf(config, path, FIELDS);
    if (c.className !== undefined && c.className !== 'ImageClassifier') throw new ConfigError(`${path}.className`, `expected 'ImageClassifier', got ${JSON.stringify(c.className)}`);
    const inputShape = req(c, 'inputShape', path, positiveInts);
    if (inputShape.length !== 3) throw new ConfigError(`${path}.inputShape`, `an image classifier expects [channels, height, width], got [${inputShape}]`);
    this.inputShape = inputShape;
    this.numClasses = opt(c, 'numClasses', path, positiveInt, 10);
    if (this.numClasses < 2) throw new ConfigError(`${path}.numClasses`, `expected at least 2 classes, got ${this.numClasses}`);
    this.targetShape = [this.numClasses];
    this.filters = opt(c, 'filters', path, positiveInts, [16, 32]);
    this.kernelSize = opt(c, 'kernelSize', path, positiveInt, 3);
    this.hidden = opt(c, 'hidden', path, (v, p) => positiveInts(v, p, true), [64]);
    let [h, w] = [inputShape[1]!, inputShape[2]!];
    const layers: Layer[] = [];
    this.filters.forEach((f, i) => {
      if (h < 2 || w < 2) throw new ConfigError(`${path}.filters`, `${this.filters.length} blocks halve the size ${this.filters.length} times; a ${inputShape[1]}×${inputShape[2]} image is down to ${h}×${w} before block ${i}`);
      layers.push(new Conv2D({ name: `conv_${i}`, filters: f, kernelSize: this.kernelSize, padding: 'same', activation: 'relu' }));
      layers.push(new MaxPool2D({ name: `pool_${i}`, poolSize: 2 }));
      [h, w] = [Math.floor(h / 2), Math.floor(w / 2)];
    });
    layers.push(new Flatten({ name: 'flatten' }));
    this.hidden.forEach((units, j) => layers.push(new Dense({ name: `dense_${j}`, units, activation: 'relu' })));
    layers.push(new Dense({ name: 'logits', units: this.numClasses }));
    this.network = new Sequential({ name: 'classifier', layers });
  }

  /** Names of the layers in order (what a perceptual loss's `layers` may name). */
  get layerNames(): string[] {
    return this.network.layers.map((l) => l.name);
  }

  /** The conv layers' names: a perceptual loss's default feature layers. */
  get convLayerNames(): string[] {
    return this.filters.map((_, i) => `conv_${i}`);
  }

  /**
   * Softmax cross-entropy from logits against one-hot (or soft) targets t:
   * loss = (1/N) Σ_n −Σ_k t_nk log_softmax(z_n)_k; metric `accuracy` =
   * (1/N) Σ_n [Σ_k t_nk z_nk ≥ max_k z_nk].
   */
  buildObjective(ctx: GraphBuildContext, x: Value, target: Value): { loss: Value; metrics: Record<string, Value> } {
    const { loss, accuracy } = softmaxCrossEntropy(this.network.call(ctx, x), target);
    return { loss, metrics: { accuracy } };
  }

  parts(): Record<string, ModelPart> {
    return {
      model: { inputShape: this.inputShape, build: (ctx, x) => classifierOutputs(this.network.call(ctx, x)) },
      features: { inputShape: this.inputShape, build: (ctx, x) => ({ features: this.network.layers.slice(0, -1).reduce((v, l) => l.call(ctx, v), x) }) },
    };
  }

  getConfig(): Record<string, unknown> {
    return { className: this.className, inputShape: [...this.inputShape], numClasses: this.numClasses, filters: [...this.filters], kernelSize: this.kernelSize, hidden: [...this.hidden] };
  }

  // ----- Training and inference -----

  /** Sets optimizer, seed and session options and starts from fresh weights. */
  compile(options: TrainerOptions = {}): this {
    this.trainerOptions = { ...options };
    this.trainerInstance = Trainer.create(this, this.trainerOptions);
    return this;
  }

  /** The trainer holding the weights (created with Adam and seed 0 on first use). */
  get trainer(): Trainer {
    return (this.trainerInstance ??= Trainer.create(this, this.trainerOptions));
  }

  /** One-hot targets [n·K] from integer labels (length n) or one-hot rows (length n·K, checked). */
  oneHot(labels: ArrayLike<number>, n: number): Float32Array {
    const k = this.numClasses;
    if (labels.length === n * k && k > 1 && n > 0 && labels.length !== n) {
      const out = Float32Array.from(labels);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < k; j++) s += out[i * k + j]!;
        if (!(Math.abs(s - 1) < 1e-4)) throw new Error(`labels: row ${i} of the one-hot targets sums to ${s}, not 1`);
      }
      return out;
    }
    if (labels.length !== n) throw new Error(`labels: expected ${n} class indices or ${n}×${k} one-hot values, got ${labels.length} values`);
    const out = new Float32Array(n * k);
    for (let i = 0; i < n; i++) {
      const c = labels[i]!;
      if (!(Number.isInteger(c) && c >= 0 && c < k)) throw new Error(`labels[${i}]: expected a class in [0, ${k}), got ${c}`);
      out[i * k + c] = 1;
    }
    return out;
  }

  private arrayData(data: ClassifierData) {
    const n = data.shape[0]!;
    return { x: data.x, shape: data.shape, target: this.oneHot(data.labels, n), targetShape: [n, this.numClasses] };
  }

  /** Trains on labelled images; metrics `loss` (cross-entropy) and `accuracy`. */
  fit(data: ClassifierData, opts: Omit<FitOptions, 'validationData'> & { validationData?: ClassifierData } = {}): Promise<FitResult> {
    const { validationData, ...rest } = opts;
    return this.trainer.fit(this.arrayData(data), { ...rest, ...(validationData ? { validationData: this.arrayData(validationData) } : {}) });
  }

  /** Mean cross-entropy (`loss`) and `accuracy` over labelled images. */
  evaluate(data: ClassifierData, opts: { batchSize?: number } = {}): Promise<EpochMetrics> {
    return this.trainer.evaluate(this.arrayData(data), opts);
  }

  /**
   * The activations that feed the logits (the last hidden layer, or the
   * flattened last block without hidden layers) of images [n, C, H, W]: n rows
   * of {@link featureSize} values, e.g. for a Fréchet distance in this
   * network's feature space.
   */
  async features(x: Float32Array, opts: { batchSize?: number } = {}): Promise<Float32Array> {
    const out = await this.trainer.predict(x, { part: 'features', batchSize: opts.batchSize });
    return out.features!.data as Float32Array;
  }

  /** Values per row of {@link features}. */
  get featureSize(): number {
    const shape = this.network.layers.slice(0, -1).reduce<(number | string)[]>((s, l) => l.computeOutputShape(s as never) as never, ['N', ...this.inputShape]);
    return shape.slice(1).reduce<number>((a, b) => a * (b as number), 1);
  }

  /** Class probabilities softmax(z) of images [n, C, H, W], n·K values row after row. */
  async predict(x: Float32Array, opts: { batchSize?: number } = {}): Promise<Float32Array> {
    const out = await this.trainer.predict(x, { part: 'model', batchSize: opts.batchSize });
    return out.probabilities!.data as Float32Array;
  }

  /** The most probable class of each image. */
  async predictClasses(x: Float32Array, opts: { batchSize?: number } = {}): Promise<Int32Array> {
    return argmaxRows(await this.predict(x, opts), this.numClasses);
  }

  /** Fraction of images whose predicted class equals the integer label. */
  async accuracy(x: Float32Array, labels: ArrayLike<number>): Promise<number> {
    const predicted = await this.predictClasses(x);
    if (labels.length !== predicted.length) throw new Error(`accuracy: ${predicted.length} images but ${labels.length} labels`);
    let hits = 0;
    for (let i = 0; i < predicted.length; i++) if (predicted[i] === labels[i]) hits++;
    return hits / predicted.length;
  }

  /**
   * The network's weights by tensor name (`conv_0/kernel`, …; optimizer state
   * left out), copied, so later training of this classifier does not change them.
   */
  weights(): Map<string, TensorData> {
    const out = new Map<string, TensorData>();
    for (const spec of this.trainer.artifacts.specs) {
      const t = this.trainer.tensors[spec.name]!;
      out.set(spec.name, { dtype: t.dtype, shape: [...t.shape], data: (t.data as Float32Array).slice() });
    }
    return out;
  }

  /** Total number of weights. */
  countParams(): number {
    return this.trainer.artifacts.specs.reduce((s, p) => s + sizeOf(p.shape), 0);
  }

  /** Writes a standalone ONNX file (images → probabilities, logits) with the weights baked in. */
  exportOnnx(path: string): void {
    this.trainer.exportOnnx(path, 'model');
  }

  /**
   * Saves to a directory: the trainer's checkpoint (`checkpoint.json` with the
   * config, `weights.safetensors`, `optimizer.safetensors`) plus
   * `classifier.json`, the config alone, all replaced in one atomic step. The
   * directory must be new, empty or hold an aekit checkpoint.
   */
  save(dir: string): void {
    this.trainer.saveCheckpoint(dir, { 'classifier.json': JSON.stringify(this.getConfig(), null, 2) });
  }

  /** Loads a classifier saved with {@link save} (weights and optimizer state, so training can resume). */
  static load(dir: string, options: Omit<TrainerOptions, 'optimizer' | 'seed'> = {}): ImageClassifier {
    const files = openCheckpointDir(dir);
    // A checkpoint written by fit({ checkpointDir }) has no classifier.json; checkpoint.json holds the same config.
    const own = files.has('classifier.json');
    const file = files.path(own ? 'classifier.json' : 'checkpoint.json');
    let config: Record<string, unknown> | undefined;
    try {
      const parsed = JSON.parse(files.read(own ? 'classifier.json' : 'checkpoint.json').toString('utf8')) as Record<string, unknown> | null;
      config = (own ? parsed : parsed?.model) as Record<string, unknown> | undefined;
    } catch (e) {
      throw new CheckpointError(file, `not valid JSON (${(e as Error).message}); the file is damaged or truncated`);
    }
    if (config?.className !== 'ImageClassifier') throw new Error(`${dir}: holds a ${String(config?.className)}, not an ImageClassifier`);
    const model = new ImageClassifier(config as unknown as ImageClassifierConfig);
    model.trainerInstance = Trainer.resume(dir, model, options);
    return model;
  }
}
