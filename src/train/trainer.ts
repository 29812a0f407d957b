import { type TensorData, sizeOf } from '../graph/types.js';
import { writeFileAtomic } from '../io/files.js';
import { RuntimeSession, type SessionOptions, resolveSessionOptions } from '../onnx/runtime.js';
import { Adam, type Optimizer, type OptimizerConfig, optimizerFromConfig } from '../optim/optimizers.js';
import { type ScheduleConfig, type ScheduleState } from '../optim/schedules.js';
import { DataFormatError } from '../data/errors.js';
import { type StreamSource, isStreamSource, probeSource } from '../data/source.js';
import { type EarlyStopping, EarlyStoppingCallback, ReduceLrOnPlateau, type EpochMetrics, LearningRateScheduler, type TrainingCallback, isSerializableCallback } from './callbacks.js';
import { type LoopData, type LoopEvent, type LoopInput, NON_FINITE, type PartialEpoch, type StepsPerExecution, type StreamLoopData, evaluateData } from './loop.js';
import { runInWorker, runInline } from './worker-client.js';
import { firstNonFinite } from '../data/dtype.js';
import { initialValues } from '../layers/core.js';
import { type ModelPart, type TrainableModel } from './model.js';
import { type CheckpointContent, CheckpointError, openCheckpointDir, readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { checkEvaluateOptions, checkFitOptions, checkPredictOptions, checkResumeOptions, checkTrainerOptions } from './options.js';
import { ConfigError } from '../config/validate.js';
import { INPUT_SUM, type StepArtifacts, buildEvaluation, buildPart, buildStep, partOutputName } from './step.js';
import { type LoweredModel } from '../onnx/serialize.js';

/** Samples stored row after row: `shape` is [n, ...sampleShape]. */
export interface ArrayData {
  x: Float32Array;
  shape: number[];
  /** Targets when they differ from the inputs, with their own [n, ...] shape. */
  target?: Float32Array;
  targetShape?: number[];
}

export type ProgressEvent = Extract<LoopEvent, { type: 'batch' | 'epoch' }>;

/** What `fit` trains on: arrays in memory, or a file read batch by batch ({@link streamSource}). */
export type FitData = ArrayData | StreamSource;

export interface FitOptions {
  epochs?: number;
  batchSize?: number;
  /**
   * Fraction of the samples, taken from the end before shuffling (as Keras does), held out for validation.
   * In-memory data only: for a file, pass `validationData` (as Keras does for datasets).
   */
  validationSplit?: number;
  /** Evaluated after every epoch: arrays, or another file ({@link streamSource}), read in order. */
  validationData?: FitData;
  /**
   * Shuffle every epoch (default true). In-memory data gets a full permutation; a
   * file goes through a seeded shuffle buffer (see `StreamSource.shuffleBuffer`).
   */
  shuffle?: boolean;
  /** Seed of the shuffling. Default: the trainer's seed. */
  seed?: number;
  /** Learning rate per epoch: the same as `callbacks: [new LearningRateScheduler(schedule)]`, put first in the list. */
  schedule?: ScheduleConfig;
  /** The same as `callbacks: [new EarlyStoppingCallback(earlyStopping)]`, after the schedule and before `callbacks`. */
  earlyStopping?: EarlyStopping;
  /**
   * Progress: per batch (throttled; each batch event's `losses` holds every
   * step's loss since the previous one) and per epoch.
   */
  onProgress?: (e: ProgressEvent) => void;
  /**
   * Save a checkpoint here after every epoch. The directory must be new, empty
   * or hold an aekit checkpoint; the previous checkpoint stays loadable until
   * the new one is complete, and files aekit did not write are never touched.
   */
  checkpointDir?: string;
  /**
   * Callbacks with epoch and step hooks (src/train/callbacks.ts), after the
   * ones `schedule` and `earlyStopping` make: {@link EarlyStoppingCallback},
   * {@link LearningRateScheduler}, {@link ReduceLrOnPlateau}, or objects of
   * one's own with any of the hooks of {@link TrainingCallback}.
   */
  callbacks?: TrainingCallback[];
  /**
   * Run the loop in a worker thread so the event loop stays free. Default true,
   * unless `callbacks` holds a callback of one's own (not a built-in one):
   * those run in the calling thread, so the loop does too.
   */
  worker?: boolean;
  /**
   * What a NaN or infinite loss (or parameter) does. 'stop' (default, as Keras'
   * TerminateOnNaN): training ends, the weights from before the bad step are
   * kept, and `fit` resolves with `stopReason` saying so. 'throw': the same,
   * then `fit` rejects with a {@link NonFiniteError}.
   */
  onNonFinite?: 'stop' | 'throw';
  /**
   * Stops training after the current step when aborted (e.g. on Ctrl-C): `fit`
   * resolves with `stopReason: 'stopped by request'` and the weights of the
   * last step; the unfinished epoch is not counted (a checkpoint of the last
   * finished epoch stays as it was).
   */
  signal?: AbortSignal;
  /**
   * Give each 'epoch' progress event a copy of every tensor (`e.tensors`), to
   * look at the model while it trains (e.g. `predict(x, { tensors: e.tensors })`
   * for a picture per epoch). Costs one copy of the weights per epoch.
   */
  snapshotWeights?: boolean;
}

/** `fit` with `onNonFinite: 'throw'` met a non-finite loss; the trainer kept the last good weights. */
export class NonFiniteError extends Error {
  constructor(readonly result: FitResult) {
    super(result.stopReason ?? NON_FINITE);
    this.name = 'NonFiniteError';
  }
}

export interface FitResult {
  history: EpochMetrics[];
  epochs: number;
  steps: number;
  /** Why training ended before the last epoch, if it did (early stopping, non-finite loss). */
  stopReason?: string;
}

export interface TrainerOptions {
  optimizer?: Optimizer;
  /**
   * The discriminator's optimizer, for adversarial models (whose objective has
   * a discriminator, e.g. {@link AdversarialAutoencoder}); ignored otherwise.
   * Default: a fresh copy of `optimizer`'s config. A learning-rate schedule
   * scales both players' rates by the same factor.
   */
  discriminatorOptimizer?: Optimizer;
  /** Seeds initialization, shuffling and the graph's random ops. */
  seed?: number;
  clipNorm?: number;
  session?: SessionOptions;
  /**
   * Training steps per call into ONNX Runtime, as Keras' `steps_per_execution`:
   * a number, or 'auto' (the default: calls of about 200 ms, at most 64 steps).
   * Above 1 the parameters and optimizer state stay inside ONNX Runtime between
   * a call's steps, which saves copying them out after every step (the dense
   * and Hinton benchmark steps ran 1.6–1.7× faster); the numbers are the same.
   * 1 runs one step per call. A stop request, a progress event and the
   * non-finite check's rollback all still work per step. On the WebGPU device
   * 'auto' runs one step per call.
   */
  stepsPerExecution?: StepsPerExecution;
}

interface Progress {
  epoch: number;
  step: number;
  rngState?: number[];
  scheduleState?: ScheduleState;
  history: EpochMetrics[];
  /** Set after a stop by request inside an epoch: the next fit finishes that epoch exactly. */
  partialEpoch?: PartialEpoch;
}

function checkData(data: ArrayData, sampleShape: number[], what: string): void {
  if (typeof data !== 'object' || data === null) throw new TypeError(`${what}: expected { x: Float32Array, shape: [n, ${sampleShape}] } or a streamSource(...), got ${data === null ? 'null' : typeof data}`);
  if (!Array.isArray(data.shape)) throw new TypeError(`${what}: 'shape' is ${JSON.stringify(data.shape)}, expected [n, ${sampleShape}]`);
  const n = data.shape[0]!;
  const expected = [n, ...sampleShape];
  if (data.shape.length !== expected.length || data.shape.some((d, i) => d !== expected[i])) {
    throw new Error(`${what}: shape [${data.shape}] does not match the model input [n, ${sampleShape}]`);
  }
  checkSamples(data.x, sampleShape, what);
  if (data.x.length !== sizeOf(data.shape)) throw new Error(`${what}: ${data.x.length} values for shape [${data.shape}]`);
}

function toLoopData(data: ArrayData, model: TrainableModel, from = 0, to = data.shape[0]!): LoopData {
  const size = sizeOf(model.inputShape);
  const out: LoopData = { x: data.x.subarray(from * size, to * size), sampleShape: model.inputShape };
  if (model.targetShape) {
    if (!data.target) throw new Error(`the model needs targets of shape [n, ${model.targetShape}]`);
    const tsize = sizeOf(model.targetShape);
    out.target = data.target.subarray(from * tsize, to * tsize);
    out.targetShape = model.targetShape;
  }
  return out;
}

/**
 * Trains a model with one compiled ONNX graph per step: the batch, the
 * parameters and the optimizer state go in, the metrics and the updated
 * parameters and state come out.
 */
export class Trainer {
  /** Every tensor the model holds: parameters, running statistics, optimizer slots. */
  tensors: Record<string, TensorData>;
  readonly history: EpochMetrics[] = [];
  /** The discriminator's optimizer, for an adversarial model; undefined otherwise. */
  discriminatorOptimizer?: Optimizer;
  private progress: Progress = { epoch: 0, step: 0, history: [] };
  /** Set while `fit` runs: a second call would train from the same weights and one run's updates would be lost. */
  private fitting = false;
  /**
   * Inference sessions of `predict` (by part) and `evaluate`, made on first use
   * and kept: ONNX Runtime plans memory and allocates on a session's first runs,
   * which a new session per call would pay again every time. `busy` marks one
   * in use; a concurrent call gets a session of its own.
   */
  private readonly sessions = new Map<string, { session: Promise<RuntimeSession>; busy: boolean }>();

  /** Evaluation graphs built with an inference part (see {@link evaluateWithPart}), by part name. */
  private readonly evaluations = new Map<string, LoweredModel>();

  private constructor(
    readonly model: TrainableModel,
    readonly optimizer: Optimizer,
    readonly artifacts: StepArtifacts,
    readonly options: TrainerOptions,
  ) {
    this.tensors = {};
  }

  static create(model: TrainableModel, options: TrainerOptions = {}): Trainer {
    const trainer = Trainer.compile(model, options);
    trainer.tensors = initialTensors(trainer.artifacts, options.seed ?? 0);
    return trainer;
  }

  /** A trainer with its step built and no tensors yet: `create` draws them, `resume` reads them. */
  private static compile(model: TrainableModel, options: TrainerOptions): Trainer {
    checkModel(model);
    checkTrainerOptions(options, 'Trainer.create');
    const optimizer = options.optimizer ?? new Adam();
    const discriminatorOptimizer = options.discriminatorOptimizer ?? optimizerFromConfig(optimizer.getConfig());
    // 'auto' is decided here, once: the graphs are lowered for the device they will run on.
    const session = resolveSessionOptions(options.session);
    const artifacts = buildStep(model, { optimizer, discriminatorOptimizer, clipNorm: options.clipNorm, seed: options.seed ?? 0, device: session?.device === 'webgpu' ? 'webgpu' : 'cpu' });
    const trainer = new Trainer(model, optimizer, artifacts, session === options.session ? options : { ...options, session });
    trainer.discriminatorOptimizer = artifacts.discriminatorParams.length ? discriminatorOptimizer : undefined;
    return trainer;
  }

  /** Names of the trainable parameters. */
  get paramNames(): string[] {
    return this.artifacts.params;
  }

  /**
   * Trains for `epochs` more epochs (or up to `epochs` in total after a resume).
   * `data` is arrays in memory or a file source from {@link streamSource}; a file
   * is opened by the training thread and read again each epoch, so memory stays
   * at a few batches (plus the shuffle buffer) whatever its size.
   * @throws {DataFormatError} for a file that cannot be read, holds a bad value
   *   (naming the file and line or byte), or whose samples do not fit the model.
   */
  async fit(data: FitData, opts: FitOptions = {}): Promise<FitResult> {
    checkFitOptions(opts);
    if (this.fitting) throw new Error('fit: this model is already training; wait for the running fit to finish (two runs at once would lose one run\'s updates)');
    this.fitting = true;
    try {
      return await this.fitOnce(data, opts);
    } finally {
      this.fitting = false;
    }
  }

  /** Whether `fit` is running. */
  get training(): boolean {
    return this.fitting;
  }

  private async fitOnce(data: FitData, opts: FitOptions): Promise<FitResult> {
    let train: LoopData | StreamLoopData;
    let validation: LoopData | StreamLoopData | undefined;
    if (isStreamSource(data)) {
      if (opts.validationSplit) throw new Error('fit.validationSplit needs in-memory data; for a file source pass validationData (arrays or another streamSource)');
      train = await this.streamData(data, 'training data');
    } else {
      checkData(data, this.model.inputShape, 'training data');
      train = toLoopData(data, this.model);
    }
    if (opts.validationData) {
      if (isStreamSource(opts.validationData)) {
        validation = await this.streamData(opts.validationData, 'validation data');
      } else {
        checkData(opts.validationData, this.model.inputShape, 'validation data');
        validation = toLoopData(opts.validationData, this.model);
      }
    } else if (opts.validationSplit && !isStreamSource(data)) {
      const n = data.shape[0]!;
      const cut = Math.floor(n * (1 - opts.validationSplit));
      if (cut < 1 || cut >= n) throw new Error(`fit.validationSplit: ${opts.validationSplit} leaves no training or no validation samples out of ${n}`);
      train = toLoopData(data, this.model, 0, cut);
      validation = toLoopData(data, this.model, cut, n);
    }
    this.checkMonitors(opts, validation !== undefined);
    const callbacks = fitCallbacks(opts);
    const inline = runsInline(opts, callbacks);
    const batchSize = opts.batchSize ?? 32;
    const epochs = opts.epochs ?? 1;
    const resumed = this.progress.epoch > 0;
    const input: LoopInput = {
      trainModel: this.artifacts.train.bytes,
      ...(validation ? { evalModel: this.artifacts.evaluate.bytes } : {}),
      updated: [...this.artifacts.params, ...this.artifacts.slots.map(([s]) => s), ...this.artifacts.state],
      metrics: this.artifacts.metrics,
      targetIsInput: this.artifacts.targetIsInput,
      tensors: this.tensors,
      packed: this.artifacts.packed,
      data: train,
      validation,
      options: {
        epochs: resumed ? Math.max(epochs, this.progress.epoch) : epochs,
        batchSize,
        shuffle: opts.shuffle ?? true,
        seed: opts.seed ?? this.options.seed ?? 0,
        baseLr: this.optimizer.learningRate,
        callbacks: inline ? [] : callbacks.map((c) => c.getConfig!()),
        session: this.options.session,
        stepsPerExecution: this.options.stepsPerExecution,
        startEpoch: this.progress.epoch,
        startStep: this.progress.step,
        rngState: this.progress.rngState,
        scheduleState: this.progress.scheduleState,
        ...(this.progress.partialEpoch ? { partialEpoch: this.progress.partialEpoch } : {}),
        snapshotEachEpoch: Boolean(opts.checkpointDir || opts.snapshotWeights),
      },
    };
    const onEvent = (e: LoopEvent) => this.onEvent(e, opts);
    const done = await (inline ? runInline(input, onEvent, opts.signal, callbacks) : runInWorker(input, onEvent, opts.signal));
    this.tensors = done.tensors;
    this.progress = {
      epoch: done.epoch, step: done.step, rngState: done.rngState, scheduleState: done.scheduleState, history: [...this.history],
      ...(done.partialEpoch ? { partialEpoch: done.partialEpoch } : {}),
    };
    const result: FitResult = { history: done.history, epochs: done.epoch, steps: done.step, stopReason: done.stopReason };
    if (opts.onNonFinite === 'throw' && done.stopReason?.startsWith(NON_FINITE)) throw new NonFiniteError(result);
    return result;
  }

  /**
   * A monitored metric that the run never reports (say 'val_loss', Keras'
   * spelling, for aekit's 'valLoss') would silently never stop or reduce anything.
   */
  private checkMonitors(opts: FitOptions, hasValidation: boolean): void {
    const names = [...this.artifacts.metrics, ...(hasValidation ? this.artifacts.metrics.map((m) => `val${m[0]!.toUpperCase()}${m.slice(1)}`) : [])];
    const check = (monitor: string | undefined, path: string) => {
      if (monitor === undefined || names.includes(monitor)) return;
      const hint = monitor.startsWith('val') && !hasValidation ? ' (validation metrics need validationSplit or validationData)' : '';
      throw new ConfigError(path, `'${monitor}' is not a metric of this run${hint}; its metrics are ${names.join(', ')}`);
    };
    check(opts.earlyStopping?.monitor, 'fit.earlyStopping.monitor');
    const schedule = opts.schedule as { type?: string; monitor?: string } | undefined;
    if (schedule?.type === 'reduceOnPlateau') check(schedule.monitor, 'fit.schedule.monitor');
    (opts.callbacks ?? []).forEach((c, i) => {
      if (c instanceof EarlyStoppingCallback) check(c.options.monitor, `fit.callbacks[${i}].monitor`);
      if (c instanceof LearningRateScheduler && c.schedule.type === 'reduceOnPlateau') check(c.schedule.monitor, `fit.callbacks[${i}].monitor`);
    });
  }

  /** Checks a file source against the model before any thread is started. */
  private async streamData(src: StreamSource, what: string): Promise<StreamLoopData> {
    if (this.model.targetShape) throw new Error(`${what}: a file source gives inputs only, but this model needs targets of shape [n, ${this.model.targetShape}]`);
    const info = await probeSource(src);
    const want = this.model.inputShape;
    if (info.sampleShape.length !== want.length || info.sampleShape.some((d, i) => d !== want[i])) {
      const hint = shapeSizeEq(info.sampleShape, want) ? `; pass sampleShape: [${want}] to streamSource to reshape them` : '';
      throw new DataFormatError(info.file, {}, `${what}: samples have shape [${info.sampleShape.join(', ')}], the model input is [${want.join(', ')}]${hint}`);
    }
    return { stream: src, sampleShape: [...want], ...(info.samples !== undefined ? { samples: info.samples } : {}) };
  }

  private onEvent(e: LoopEvent, opts: FitOptions): void {
    if (e.type === 'done') return;
    if (e.type === 'epoch') {
      this.history.push(e.metrics);
      if (opts.checkpointDir && e.tensors) {
        try {
          this.writeCheckpoint(opts.checkpointDir, e.tensors, { epoch: e.epoch, step: e.step, rngState: e.rngState, scheduleState: e.scheduleState, history: this.history });
        } catch (err) {
          // The run stops: going on would train epochs the user believes are saved.
          const reason = (err as Error).message;
          throw new CheckpointError(opts.checkpointDir, `cannot save the checkpoint after epoch ${e.epoch}, so training stopped; the previous checkpoint, if any, is intact (${reason})`);
        }
      }
    }
    // Epoch events carry the weights only when asked for (a copy of every tensor per epoch).
    opts.onProgress?.({ ...e, tensors: opts.snapshotWeights && e.type === 'epoch' ? e.tensors : undefined } as ProgressEvent);
  }

  /** Mean metrics over a dataset (arrays or a file source, read in order), in inference mode. */
  async evaluate(data: FitData, opts: { batchSize?: number } = {}): Promise<EpochMetrics> {
    checkEvaluateOptions(opts);
    let loopData: LoopData | StreamLoopData;
    if (isStreamSource(data)) {
      loopData = await this.streamData(data, 'evaluation data');
    } else {
      checkData(data, this.model.inputShape, 'evaluation data');
      loopData = toLoopData(data, this.model);
    }
    return this.withSession('evaluate', () => this.artifacts.evaluate.bytes, (session) =>
      evaluateData(session, { metrics: this.artifacts.metrics, targetIsInput: this.artifacts.targetIsInput, tensors: this.tensors }, loopData, opts.batchSize ?? 256));
  }

  /**
   * {@link evaluate} and {@link predict} of the inference part `part` over the
   * same in-memory samples, from one run per batch: the metrics, and the
   * part's outputs concatenated over the batches (e.g. `aekit eval`'s loss and
   * the reconstructions its MSE and PSNR come from). The evaluation graph is
   * built with the part inside it (see `buildEvaluation`): a plain
   * autoencoder's forward pass runs once instead of twice. Every batch has
   * `batchSize` samples but the last, which may have one; unlike `predict`, a
   * lone sample is not run twice, so its outputs may differ from `predict`'s
   * in the last bits. `onBatch` sees each batch's part outputs (names without
   * the part's prefix) and the index of its first sample; with `keep: false`
   * nothing is concatenated and `outputs` is empty, for callers that reduce
   * the outputs batch by batch.
   */
  async evaluateWithPart(data: ArrayData, opts: { part: string; batchSize?: number; onBatch?: (outputs: Record<string, TensorData>, firstRow: number) => void; keep?: boolean }): Promise<{ metrics: EpochMetrics; outputs: Record<string, TensorData> }> {
    checkEvaluateOptions({ ...(opts.batchSize !== undefined ? { batchSize: opts.batchSize } : {}) });
    const keep = opts.keep ?? true;
    const part = this.model.parts()[opts.part];
    if (!part) throw new Error(`no model part '${opts.part}'; parts: ${Object.keys(this.model.parts()).join(', ')}`);
    if (part.inputShape.join() !== this.model.inputShape.join()) throw new Error(`evaluateWithPart: part '${opts.part}' takes inputs of shape [${part.inputShape}], the objective [${this.model.inputShape}]`);
    checkData(data, this.model.inputShape, 'evaluation data');
    let lowered = this.evaluations.get(opts.part);
    if (!lowered) {
      lowered = buildEvaluation(this.model, { seed: this.options.seed ?? 0, device: this.artifacts.device }, { name: opts.part, part });
      this.evaluations.set(opts.part, lowered);
    }
    const prefix = partOutputName(opts.part, '');
    const names = lowered.outputs.map((o) => o.name).filter((name) => name.startsWith(prefix));
    const chunks = new Map<string, TensorData[]>(names.map((name) => [name, []]));
    let firstRow = 0;
    const metrics = await this.withSession(`evaluate+${opts.part}`, () => lowered.bytes, (session) =>
      evaluateData(session, { metrics: this.artifacts.metrics, targetIsInput: this.artifacts.targetIsInput, tensors: this.tensors }, toLoopData(data, this.model), opts.batchSize ?? 256,
        names, (out) => {
          if (opts.onBatch) {
            opts.onBatch(Object.fromEntries(names.map((name) => [name.slice(prefix.length), out[name]!])), firstRow);
            firstRow += Number(out[names[0]!]!.shape[0]);
          }
          if (keep) for (const name of names) chunks.get(name)!.push(out[name]!);
        }));
    const n = data.shape[0]!;
    const outputs = keep ? Object.fromEntries([...chunks].map(([name, parts]) => [name.slice(prefix.length), concatRows(parts.map((t) => t.data as Float32Array), [n, ...parts[0]!.shape.slice(1) as number[]])])) : {};
    return { metrics, outputs };
  }

  /** Runs `use` with the kept session `key` (made from `bytes()` on first use), or with a one-off session while the kept one is busy. */
  private async withSession<T>(key: string, bytes: () => Uint8Array, use: (session: RuntimeSession) => Promise<T>): Promise<T> {
    let entry = this.sessions.get(key);
    if (entry?.busy) {
      const session = await RuntimeSession.create(bytes(), this.options.session);
      try {
        return await use(session);
      } finally {
        await session.release();
      }
    }
    if (!entry) {
      entry = { session: RuntimeSession.create(bytes(), this.options.session), busy: false };
      this.sessions.set(key, entry);
      // A session that could not be made is not kept, so the next call tries again (and reports the same error).
      entry.session.catch(() => this.sessions.delete(key));
    }
    entry.busy = true;
    try {
      return await use(await entry.session);
    } finally {
      entry.busy = false;
    }
  }

  /**
   * Frees the ONNX Runtime sessions that `predict` and `evaluate` keep between
   * calls (they are made again on the next call). Useful when a long-lived
   * process is done with a model; otherwise they go with the trainer.
   */
  async releaseSessions(): Promise<void> {
    const entries = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(entries.map(async (e) => (await e.session.catch(() => undefined))?.release()));
  }

  /**
   * Runs an inference part ('model' by default) over samples in batches; outputs are concatenated.
   * `tensors` runs it with other weights than the trainer's, e.g. an epoch's
   * snapshot from `fit({ snapshotWeights: true })` while training goes on.
   */
  async predict(x: Float32Array, opts: { part?: string; batchSize?: number; tensors?: Record<string, TensorData> } = {}): Promise<Record<string, TensorData>> {
    checkPredictOptions(opts);
    const partName = opts.part ?? 'model';
    const part = this.model.parts()[partName];
    if (!part) throw new Error(`no model part '${partName}'; parts: ${Object.keys(this.model.parts()).join(', ')}`);
    return this.predictPart(partName, part, x, opts);
  }

  /**
   * {@link predict} with a part the model builds for one use and does not
   * list in `parts()` (so `export` and the part lists do not show it), e.g.
   * a detector's reconstructions and codes from one graph. Its session is
   * kept under `name`, which must not be the name of a listed part.
   */
  async predictWith(name: string, part: ModelPart, x: Float32Array, opts: { batchSize?: number; tensors?: Record<string, TensorData> } = {}): Promise<Record<string, TensorData>> {
    checkPredictOptions(opts);
    if (name in this.model.parts()) throw new Error(`internal: predictWith('${name}') would share the session of the model's own part '${name}'`);
    return this.predictPart(name, part, x, opts);
  }

  private async predictPart(partName: string, part: ModelPart, x: Float32Array, opts: { batchSize?: number; tensors?: Record<string, TensorData> }): Promise<Record<string, TensorData>> {
    const size = sizeOf(part.inputShape);
    const what = `${partName} input`;
    checkSampleShape(x, part.inputShape, what);
    const n = x.length / size;
    const batchSize = opts.batchSize ?? 256;
    const chunks: Record<string, Float32Array[]> = {};
    const shapes: Record<string, number[]> = {};
    await this.withSession(`part:${partName}`, () => buildPart(part, partName, undefined, undefined, this.artifacts.device, true).bytes, async (session) => {
      for (let start = 0; start < n; start += batchSize) {
        const count = Math.min(batchSize, n - start);
        const batch = x.subarray(start * size, (start + count) * size);
        // ONNX Runtime multiplies a one-row batch by another kernel than a larger one, whose sums round
        // differently: a sample alone would not get the outputs it gets among others (a stream's batch of
        // one, the last chunk of 257 samples). A lone sample runs twice in one batch and keeps the first.
        const lone = count === 1;
        const feed = lone ? Float32Array.of(...batch, ...batch) : batch;
        const { [INPUT_SUM]: sum, ...out } = await session.run({ ...(opts.tensors ?? this.tensors), x: { dtype: 'float32', shape: [lone ? 2 : count, ...part.inputShape], data: feed } });
        // A non-finite sum: a NaN or ±∞ in the batch, or finite values whose sum overflowed.
        if (!Number.isFinite(Number(sum!.data[0]))) checkFinite(batch, size, what, start);
        for (const [name, t] of Object.entries(out)) {
          const data = t.data as Float32Array;
          (chunks[name] ??= []).push(lone ? data.subarray(0, data.length / 2) : data);
          shapes[name] = t.shape.slice(1) as number[];
        }
      }
    });
    return Object.fromEntries(Object.entries(chunks).map(([name, parts]) => [name, concatRows(parts, [n, ...shapes[name]!])]));
  }

  /** Writes an inference part as a standalone ONNX file (weights baked in). */
  exportOnnx(path: string, partName = 'model'): void {
    if (typeof path !== 'string' || path === '') throw new TypeError(`exportOnnx: expected the path of the .onnx file to write, got ${JSON.stringify(path) ?? String(path)}`);
    const part = this.model.parts()[partName];
    if (!part) throw new Error(`no model part '${partName}'; parts: ${Object.keys(this.model.parts()).join(', ')}`);
    const lowered = buildPart(part, partName, new Map(Object.entries(this.tensors)), { producer: 'aekit', part: partName, config: JSON.stringify(this.model.getConfig()) });
    writeFileAtomic(path, lowered.bytes);
  }

  /**
   * Saves config, weights and optimizer state so training can resume exactly.
   * `dir` must be new, empty, or hold an aekit checkpoint, which is replaced in
   * one atomic step (a kill at any instant leaves the old or the new one);
   * other files in it are kept. `configFiles` (e.g. `model.json`) are written
   * in the same step.
   * @throws {CheckpointError} when `dir` is a file or a directory aekit did not write.
   */
  saveCheckpoint(dir: string, configFiles: Record<string, string> = {}): void {
    this.writeCheckpoint(dir, this.tensors, this.progress, configFiles);
  }

  private writeCheckpoint(dir: string, tensors: Record<string, TensorData>, progress: Progress, configFiles: Record<string, string> = {}): void {
    writeCheckpoint(dir, {
      model: this.model.getConfig(), optimizer: this.optimizer.getConfig() as CheckpointContent['optimizer'],
      ...(this.discriminatorOptimizer ? { discriminatorOptimizer: this.discriminatorOptimizer.getConfig() as CheckpointContent['optimizer'] } : {}),
      seed: this.options.seed ?? 0, clipNorm: this.options.clipNorm ?? null, ...progress, scheduleState: progress.scheduleState as Record<string, unknown> | undefined,
    }, tensors, new Set(this.artifacts.slots.map(([s]) => s)), configFiles);
  }

  /**
   * Restores a trainer from a checkpoint. The model object must be rebuilt by
   * the caller (from the saved config); tensors are checked name by name, and
   * against the checksums and for non-finite values. An interrupted save is
   * resolved first (see src/train/checkpoint.ts).
   * @throws {CheckpointError} naming the file and what is wrong with it.
   */
  static resume(dir: string, model: TrainableModel, options: Omit<TrainerOptions, 'optimizer' | 'discriminatorOptimizer' | 'seed'> = {}): Trainer {
    checkResumeOptions(options, 'resume');
    const files = openCheckpointDir(dir);
    const { meta, tensors: loaded } = readCheckpoint(files);
    const optimizerOf = (field: 'optimizer' | 'discriminatorOptimizer', config: unknown): Optimizer => {
      try {
        return optimizerFromConfig(config as OptimizerConfig);
      } catch (e) {
        throw new CheckpointError(files.path('checkpoint.json'), `field '${field}': ${(e as Error).message}`);
      }
    };
    const optimizer = optimizerOf('optimizer', meta.optimizer);
    const discriminatorOptimizer = meta.discriminatorOptimizer ? optimizerOf('discriminatorOptimizer', meta.discriminatorOptimizer) : undefined;
    // Not `create`: its initial weights would be drawn (seconds for a large model) only to be replaced.
    const trainer = Trainer.compile(model, { ...options, optimizer, ...(discriminatorOptimizer ? { discriminatorOptimizer } : {}), seed: meta.seed, clipNorm: meta.clipNorm ?? undefined });
    const expected = tensorShapes(trainer.artifacts);
    for (const [name, shape] of expected) {
      const saved = loaded[name];
      if (!saved) throw new CheckpointError(dir, `tensor '${name}' is missing from the checkpoint`);
      if (saved.shape.join() !== shape.join()) throw new CheckpointError(dir, `tensor '${name}' has shape [${saved.shape}], the model expects [${shape}]`);
    }
    trainer.tensors = Object.fromEntries([...expected.keys()].map((k) => [k, loaded[k]!]));
    trainer.progress = {
      epoch: meta.epoch, step: meta.step, rngState: meta.rngState, scheduleState: meta.scheduleState as ScheduleState | undefined, history: meta.history,
      ...(meta.partialEpoch ? { partialEpoch: meta.partialEpoch } : {}),
    };
    trainer.history.push(...meta.history);
    return trainer;
  }
}

/** Checks that `model` is something a trainer can compile (a model of the family, a LayerAutoencoder, or a TrainableModel of one's own). */
function checkModel(model: unknown): asserts model is TrainableModel {
  const m = model as Partial<TrainableModel> | null;
  const missing = m === null || typeof m !== 'object' ? ['an object'] : [
    ...(Array.isArray(m.inputShape) && m.inputShape.every((d) => Number.isInteger(d) && d > 0) ? [] : ['inputShape (positive integers)']),
    ...(typeof m.buildObjective === 'function' ? [] : ['buildObjective()']),
    ...(typeof m.parts === 'function' ? [] : ['parts()']),
    ...(typeof m.getConfig === 'function' ? [] : ['getConfig()']),
  ];
  if (missing.length) throw new TypeError(`Trainer.create: expected a model (an autoencoder of the family, a LayerAutoencoder or a TrainableModel); this one lacks ${missing.join(', ')}`);
}

/** Checks samples given to an inference part: a Float32Array, non-empty, whole samples, finite values. */
function checkSamples(x: unknown, sampleShape: number[], what: string): void {
  checkSampleShape(x, sampleShape, what);
  checkFinite(x, sizeOf(sampleShape), what);
}

/** Throws naming the first NaN or ±∞ of `x` (samples of `size` values, the first one numbered `firstSample`), if any. */
function checkFinite(x: Float32Array, size: number, what: string, firstSample = 0): void {
  const i = firstNonFinite(x);
  if (i >= 0) throw new Error(`${what}: sample ${firstSample + Math.floor(i / size)} holds ${x[i]} at element ${i % size}; clean or impute the data first`);
}

/** Checks that `x` is a non-empty Float32Array of whole samples of `sampleShape`. */
function checkSampleShape(x: unknown, sampleShape: number[], what: string): asserts x is Float32Array {
  if (!(x instanceof Float32Array)) {
    const kind = Array.isArray(x) ? 'a plain Array' : x === null ? 'null' : typeof x === 'object' ? (x as object).constructor?.name ?? 'an object' : typeof x;
    throw new TypeError(`${what}: expected a Float32Array of samples of shape [${sampleShape}] stored row after row, got ${kind}${Array.isArray(x) ? ' (wrap it: new Float32Array(values))' : ''}`);
  }
  const size = sizeOf(sampleShape);
  if (x.length === 0) throw new Error(`${what}: no samples (an empty array); expected n >= 1 samples of shape [${sampleShape}]`);
  if (x.length % size !== 0) throw new Error(`${what}: ${x.length} values are not a whole number of samples of shape [${sampleShape}] (${size} values each)`);
}

/**
 * The run's callbacks: `schedule` and `earlyStopping` as callback objects
 * (the schedule first, as it always saw an epoch's metrics before early
 * stopping), then `callbacks`.
 */
function fitCallbacks(opts: FitOptions): TrainingCallback[] {
  const given = opts.callbacks ?? [];
  if (opts.schedule && given.some((c) => c instanceof LearningRateScheduler)) {
    throw new ConfigError('fit.callbacks', 'holds a learning-rate schedule, and fit.schedule gives another; give one of them');
  }
  return [
    ...(opts.schedule ? [new LearningRateScheduler(opts.schedule, 'fit.schedule')] : []),
    ...(opts.earlyStopping ? [new EarlyStoppingCallback(opts.earlyStopping)] : []),
    ...given,
  ];
}

/** A worker thread gets the callbacks as configs, which only the built-in ones have. */
function runsInline(opts: FitOptions, callbacks: readonly TrainingCallback[]): boolean {
  const own = callbacks.findIndex((c) => !isSerializableCallback(c));
  if (own >= 0 && opts.worker === true) {
    throw new ConfigError('fit.worker', `true, but fit.callbacks[${own - (callbacks.length - (opts.callbacks?.length ?? 0))}] is a callback of your own, which runs in the calling thread only; leave 'worker' out or set it to false`);
  }
  return opts.worker === false || own >= 0;
}

/** Batches' float32 outputs stacked row after row into one tensor of `shape`. */
function concatRows(parts: readonly Float32Array[], shape: number[]): TensorData {
  // One batch that owns its whole buffer (ONNX Runtime's output): no copy. A view into a larger buffer
  // (a lone sample's half of a doubled batch) is copied, so a caller's data.buffer holds its values only.
  const only = parts.length === 1 ? parts[0]! : undefined;
  if (only && only.byteOffset === 0 && only.byteLength === only.buffer.byteLength) return { dtype: 'float32', shape, data: only };
  const data = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    data.set(p, offset);
    offset += p.length;
  }
  return { dtype: 'float32', shape, data };
}

/** The shape of every tensor a trainer holds (parameters, then optimizer slots), in the order `initialTensors` makes them. */
function tensorShapes(artifacts: StepArtifacts): Map<string, number[]> {
  const out = new Map(artifacts.specs.map((s) => [s.name, s.shape]));
  for (const [slot, param] of artifacts.slots) out.set(slot, out.get(param)!);
  return out;
}

function initialTensors(artifacts: StepArtifacts, seed: number): Record<string, TensorData> {
  const out: Record<string, TensorData> = Object.fromEntries(initialValues(artifacts.specs, seed));
  for (const [slot, param] of artifacts.slots) {
    const p = out[param]!;
    out[slot] = { dtype: 'float32', shape: [...p.shape], data: new Float32Array(p.data.length) };
  }
  return out;
}

function shapeSizeEq(a: number[], b: number[]): boolean {
  return sizeOf(a) === sizeOf(b);
}
