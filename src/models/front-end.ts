/**
 * The Keras-like front end every trained model shares: a {@link Trainer}
 * created on first use (or by `compile`), `fit` / `evaluate`, batched
 * inference over the model's parts (`encode`, `decode`, `reconstruct`,
 * `reconstructionError`, `runPart`), weights in and out, ONNX export, and
 * `save` / `load` through the trainer's checkpoint.
 *
 * Tasks and the anomaly detector run models through this API only; the
 * trainer behind it is an implementation detail they need not reach into.
 */
import { type Value } from '../graph/graph.js';
import { type TensorData } from '../graph/types.js';
import { type GraphBuildContext } from '../layers/core.js';
import { type StreamSource, isStreamSource } from '../data/source.js';
import { CheckpointError, openCheckpointDir } from '../train/checkpoint.js';
import { type EpochMetrics } from '../train/loop.js';
import { type ReconstructionMetrics, ReconstructionMeter } from '../eval/reconstruction.js';
import { type DiscriminatorObjective, type ModelPart, type TrainableModel } from '../train/model.js';
import { checkTrainerOptions } from '../train/options.js';
import { type ArrayData, type FitOptions, type FitResult, Trainer, type TrainerOptions } from '../train/trainer.js';
import { ConfigError } from './config.js';

/** Samples stored row after row, `shape` = [n, ...inputShape] (a `Dataset` from src/data fits). */
export type ModelData = ArrayData;

/**
 * Samples for inference: a Float32Array of whole samples stored row after row
 * (n · |inputShape| values), or `{ x, shape }` (a `Dataset`).
 */
export type InferenceInput = Float32Array | ArrayData;

/** Options of the inference methods. */
export interface InferenceOptions {
  /** Samples per ONNX Runtime call. Default 256. */
  batchSize?: number;
}

/** Resumed trainers need these options only; the optimizer and seed come from the checkpoint. */
export type LoadOptions = Omit<TrainerOptions, 'optimizer' | 'discriminatorOptimizer' | 'seed'>;

/**
 * Base of every model with the Keras-like API. A subclass is a
 * {@link TrainableModel} (objective, inference parts, config); this class adds
 * the trainer and everything that runs it.
 *
 * Inference parts it runs: `model` (x → `reconstruction`), `encoder`
 * (x → the code, output {@link codeOutput}), `decoder` (code → `reconstruction`)
 * and `errors` (x → per-sample reconstruction `errors`, shape [N]).
 */
export abstract class ModelFrontEnd implements TrainableModel {
  abstract readonly className: string;
  abstract readonly inputShape: number[];
  abstract buildObjective(ctx: GraphBuildContext, x: Value, target: Value): { loss: Value; metrics: Record<string, Value>; discriminator?: DiscriminatorObjective };
  abstract parts(): Record<string, ModelPart>;
  abstract getConfig(): Record<string, unknown>;

  private trainerInstance?: Trainer;
  private trainerOptions: TrainerOptions = {};

  /** The encoder part's output that `encode` returns (a VAE: `mu`). */
  protected readonly codeOutput: string = 'code';

  /** Prepares a trainer this model just created (a perceptual loss fills in its frozen weights). */
  protected prepareTrainer(trainer: Trainer): Trainer {
    return trainer;
  }

  /** Called after `load` resumed the trainer (a perceptual loss takes its classifier's weights from it). */
  protected afterLoad(): void {}

  /**
   * Sets the optimizer, seed, gradient clipping or session options, and starts
   * from fresh weights (as Keras' `compile` does before `fit`). Without a call,
   * the first use creates a trainer with Adam and seed 0.
   */
  compile(options: TrainerOptions = {}): this {
    checkTrainerOptions(options, 'compile');
    if (this.trainerInstance?.training) throw new Error('compile: this model is training; compile replaces its weights, so wait for fit to finish');
    this.trainerOptions = { ...options };
    this.trainerInstance = this.prepareTrainer(Trainer.create(this, this.trainerOptions));
    return this;
  }

  /** The trainer holding this model's weights (created on first use). */
  get trainer(): Trainer {
    return (this.trainerInstance ??= this.prepareTrainer(Trainer.create(this, this.trainerOptions)));
  }

  /** Whether the model has been trained for at least one epoch (here, or before it was saved). */
  get trained(): boolean {
    return this.trainer.history.length > 0;
  }

  /** Trains on `data` (targets are the inputs), in memory or a file from `streamSource`; see {@link FitOptions}. */
  async fit(data: ModelData | StreamSource, opts: FitOptions = {}): Promise<FitResult> {
    return this.trainer.fit(asFitData(data, 'fit'), opts);
  }

  /** Mean loss and metrics over `data` (in memory or a file from `streamSource`), in inference mode (no corruption). */
  async evaluate(data: ModelData | StreamSource, opts: { batchSize?: number } = {}): Promise<EpochMetrics> {
    return this.trainer.evaluate(asFitData(data, 'evaluate'), opts);
  }

  /**
   * {@link evaluate} and {@link reconstruct} of the same samples in one pass
   * over the data: the mean loss and metrics, and x̂ = a(g(f(x))) of every
   * sample (what `aekit eval` reports). A plain autoencoder's forward pass runs
   * once, not twice; see `Trainer.evaluateWithPart` for the one difference
   * from calling both (a last batch of one sample).
   */
  async evaluateAndReconstruct(data: ModelData, opts: { batchSize?: number } = {}): Promise<{ metrics: EpochMetrics; reconstruction: Float32Array }> {
    const { metrics, outputs } = await this.trainer.evaluateWithPart(asFitData(data, 'evaluateAndReconstruct') as ArrayData, { part: 'model', ...(opts.batchSize !== undefined ? { batchSize: opts.batchSize } : {}) });
    return { metrics, reconstruction: outputs.reconstruction!.data as Float32Array };
  }

  /**
   * {@link evaluateAndReconstruct} reduced to reconstruction MSE, BCE and PSNR
   * batch by batch (the same numbers as {@link reconstructionMetrics} of the
   * whole reconstruction, to the last bit), so the set's reconstructions are
   * never held at once: `aekit eval`.
   */
  async evaluateAndMeasure(data: ModelData, opts: { batchSize?: number } = {}): Promise<{ metrics: EpochMetrics; reconstruction: ReconstructionMetrics }> {
    const set = asFitData(data, 'evaluateAndMeasure') as ArrayData;
    const meter = new ReconstructionMeter();
    const width = this.inputShape.reduce((a, b) => a * b, 1);
    const { metrics } = await this.trainer.evaluateWithPart(set, {
      part: 'model', keep: false, ...(opts.batchSize !== undefined ? { batchSize: opts.batchSize } : {}),
      onBatch: (outputs, firstRow) => {
        const rec = outputs.reconstruction!.data as Float32Array;
        meter.add(set.x.subarray(firstRow * width, firstRow * width + rec.length), rec);
      },
    });
    return { metrics, reconstruction: meter.result() };
  }

  /**
   * Runs the inference part `part` over samples in batches of
   * `opts.batchSize` and returns every output of the part, concatenated over
   * the batches (e.g. a VAE's `encoder` gives `mu` and `logVar`).
   */
  async runPart(part: string, data: InferenceInput, opts: InferenceOptions = {}): Promise<Record<string, Float32Array>> {
    const out = await this.trainer.predict(samplesOf(data), { part, ...(opts.batchSize !== undefined ? { batchSize: opts.batchSize } : {}) });
    return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, t.data as Float32Array]));
  }

  private async runOutput(part: string, output: string, data: InferenceInput, opts: InferenceOptions): Promise<Float32Array> {
    return (await this.runPart(part, data, opts))[output]!;
  }

  /** Codes h = f(x) for samples x [n, ...inputShape]; a VAE returns μ. Length n·|code|. */
  encode(data: InferenceInput, opts: InferenceOptions = {}): Promise<Float32Array> {
    return this.runOutput('encoder', this.codeOutput, data, opts);
  }

  /** Reconstructions x̂ of codes z [n, ...codeShape]. */
  decode(z: InferenceInput, opts: InferenceOptions = {}): Promise<Float32Array> {
    return this.runOutput('decoder', 'reconstruction', z, opts);
  }

  /** x̂ = a(g(f(x))) from the clean input (no corruption; a VAE decodes μ). */
  reconstruct(data: InferenceInput, opts: InferenceOptions = {}): Promise<Float32Array> {
    return this.runOutput('model', 'reconstruction', data, opts);
  }

  /**
   * Per-sample reconstruction errors e_n = Σ_features ℓ(x̂_n, x_n) with the
   * model's loss ℓ (squared error, absolute error or BCE), length n: anomaly scores.
   */
  reconstructionError(data: InferenceInput, opts: InferenceOptions = {}): Promise<Float32Array> {
    return this.runOutput('errors', 'errors', data, opts);
  }

  /**
   * Copies of the model's weights by tensor name: parameters and state
   * (running statistics, frozen networks), not the optimizer's slots.
   */
  weights(): Record<string, TensorData> {
    const t = this.trainer;
    const out: Record<string, TensorData> = {};
    for (const name of [...t.artifacts.params, ...t.artifacts.state]) {
      const w = t.tensors[name]!;
      out[name] = { dtype: w.dtype, shape: [...w.shape], data: (w.data as Float32Array).slice() };
    }
    return out;
  }

  /**
   * Replaces some of the model's weights (e.g. after another model sharing
   * its layers was trained). Every name must be a weight of this model, of the
   * same shape; the optimizer's state is kept.
   */
  setWeights(weights: Record<string, TensorData>): void {
    const t = this.trainer;
    const names = new Set([...t.artifacts.params, ...t.artifacts.state]);
    for (const [name, w] of Object.entries(weights)) {
      const own = t.tensors[name];
      if (!names.has(name) || !own) throw new Error(`setWeights: the ${this.className} has no weight '${name}'`);
      if (own.shape.join() !== w.shape.join()) throw new Error(`setWeights: weight '${name}' has shape [${own.shape}], got [${w.shape}]`);
    }
    for (const [name, w] of Object.entries(weights)) t.tensors[name] = { dtype: w.dtype, shape: [...w.shape], data: (w.data as Float32Array).slice() };
  }

  /** Writes a standalone ONNX file of a part ('model', 'encoder', 'decoder' or 'errors') with the weights baked in. */
  exportOnnx(path: string, part = 'model'): void {
    this.trainer.exportOnnx(path, part);
  }

  /**
   * Saves the model to a directory: the trainer's checkpoint (config, weights,
   * optimizer state and progress, so training can resume) plus `model.json`,
   * the config alone.
   */
  save(dir: string): void {
    this.trainer.saveCheckpoint(dir, { 'model.json': JSON.stringify(this.getConfig(), null, 2) });
  }

  /**
   * Loads a model saved with `save` (or a checkpoint of `fit({ checkpointDir })`):
   * `build` rebuilds the model from its saved config (a {@link ConfigError}
   * becomes a {@link CheckpointError} naming the file), then the trainer
   * resumes with the saved weights and optimizer state.
   */
  protected static restore<M extends ModelFrontEnd>(dir: string, options: LoadOptions, build: (config: unknown) => M): M {
    const files = openCheckpointDir(dir);
    // model.json is the config alone; a checkpoint written by fit({ checkpointDir }) has its copy in checkpoint.json.
    const fromModelJson = files.has('model.json');
    const file = files.path(fromModelJson ? 'model.json' : 'checkpoint.json');
    let config: unknown;
    try {
      const parsed = JSON.parse(files.read(fromModelJson ? 'model.json' : 'checkpoint.json').toString('utf8')) as unknown;
      config = fromModelJson ? parsed : (parsed as { model?: unknown } | null)?.model;
    } catch (e) {
      throw new CheckpointError(file, `not valid JSON (${(e as Error).message}); the file is damaged or truncated`);
    }
    let model: M;
    try {
      model = build(config);
    } catch (e) {
      if (e instanceof ConfigError) throw new CheckpointError(file, e.message);
      throw e;
    }
    model.trainerInstance = Trainer.resume(dir, model, options);
    model.afterLoad();
    return model;
  }
}

/** The arrays (or file source) a model trains on, checked to be one before anything reads it. */
function asFitData(data: ModelData | StreamSource, what: string): ArrayData | StreamSource {
  if (isStreamSource(data)) return data;
  if (typeof data !== 'object' || data === null) {
    throw new TypeError(`${what}: expected data { x: Float32Array, shape: [n, ...] } (a Dataset) or a streamSource(...), got ${data === null ? 'null' : typeof data}`);
  }
  return { x: data.x, shape: data.shape };
}

/** The flat samples of an inference input; anything else goes on to the trainer's check, whose message says what was expected. */
function samplesOf(data: InferenceInput): Float32Array {
  const x = (data as ArrayData | null)?.x;
  return !(data instanceof Float32Array) && x instanceof Float32Array ? x : (data as Float32Array);
}
