import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type TensorData, sizeOf } from '../graph/types.js';
import { writeFileAtomic } from '../onnx/compile.js';
import { RuntimeSession, type SessionOptions } from '../onnx/runtime.js';
import { Adam, type Optimizer, type OptimizerConfig, optimizerFromConfig } from '../optim/optimizers.js';
import { type ScheduleConfig, type ScheduleState } from '../optim/schedules.js';
import { DataFormatError } from '../data/errors.js';
import { type StreamSource, isStreamSource, probeSource } from '../data/source.js';
import { type EarlyStopping, type EpochMetrics, type LoopData, type LoopEvent, type LoopInput, type StreamLoopData, evaluateData, runLoop } from './loop.js';
import { initialValues } from '../layers/core.js';
import { type TrainableModel } from './model.js';
import { loadSafetensors, saveSafetensors } from './safetensors.js';
import { type StepArtifacts, buildPart, buildStep } from './step.js';

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
  schedule?: ScheduleConfig;
  earlyStopping?: EarlyStopping;
  /** Progress: per batch (throttled) and per epoch. */
  onProgress?: (e: ProgressEvent) => void;
  /** Save a checkpoint here after every epoch (the previous one is kept until the new one is complete). */
  checkpointDir?: string;
  /** Run the loop in a worker thread (default true) so the event loop stays free. */
  worker?: boolean;
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
  /** Seeds initialization, shuffling and the graph's random ops. */
  seed?: number;
  clipNorm?: number;
  session?: SessionOptions;
}

interface Progress {
  epoch: number;
  step: number;
  rngState?: number[];
  scheduleState?: ScheduleState;
  history: EpochMetrics[];
}

function checkData(data: ArrayData, sampleShape: number[], what: string): void {
  const n = data.shape[0]!;
  const expected = [n, ...sampleShape];
  if (data.shape.length !== expected.length || data.shape.some((d, i) => d !== expected[i])) {
    throw new Error(`${what}: shape [${data.shape}] does not match the model input [n, ${sampleShape}]`);
  }
  if (data.x.length !== sizeOf(data.shape)) throw new Error(`${what}: ${data.x.length} values for shape [${data.shape}]`);
  for (let i = 0; i < data.x.length; i++) {
    if (!Number.isFinite(data.x[i]!)) throw new Error(`${what}: sample ${Math.floor(i / sizeOf(sampleShape))} holds ${data.x[i]} at element ${i % sizeOf(sampleShape)}; clean or impute the data first`);
  }
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
  private progress: Progress = { epoch: 0, step: 0, history: [] };

  private constructor(
    readonly model: TrainableModel,
    readonly optimizer: Optimizer,
    readonly artifacts: StepArtifacts,
    readonly options: TrainerOptions,
  ) {
    this.tensors = {};
  }

  static create(model: TrainableModel, options: TrainerOptions = {}): Trainer {
    const optimizer = options.optimizer ?? new Adam();
    const artifacts = buildStep(model, { optimizer, clipNorm: options.clipNorm, seed: options.seed ?? 0 });
    const trainer = new Trainer(model, optimizer, artifacts, options);
    trainer.tensors = initialTensors(artifacts, options.seed ?? 0);
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
    let train: LoopData | StreamLoopData;
    let validation: LoopData | StreamLoopData | undefined;
    if (isStreamSource(data)) {
      if (opts.validationSplit) throw new Error('validationSplit needs in-memory data; for a file source pass validationData (arrays or another streamSource)');
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
      if (!(opts.validationSplit > 0 && opts.validationSplit < 1)) throw new Error(`validationSplit must be in (0, 1), got ${opts.validationSplit}`);
      const cut = Math.floor(n * (1 - opts.validationSplit));
      if (cut < 1 || cut >= n) throw new Error(`validationSplit ${opts.validationSplit} leaves no training or no validation samples out of ${n}`);
      train = toLoopData(data, this.model, 0, cut);
      validation = toLoopData(data, this.model, cut, n);
    }
    const batchSize = opts.batchSize ?? 32;
    if (!(Number.isInteger(batchSize) && batchSize > 0)) throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
    const epochs = opts.epochs ?? 1;
    const resumed = this.progress.epoch > 0;
    const input: LoopInput = {
      trainModel: this.artifacts.train.bytes,
      evalModel: this.artifacts.evaluate.bytes,
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
        schedule: opts.schedule,
        earlyStopping: opts.earlyStopping,
        session: this.options.session,
        startEpoch: this.progress.epoch,
        startStep: this.progress.step,
        rngState: this.progress.rngState,
        scheduleState: this.progress.scheduleState,
        snapshotEachEpoch: Boolean(opts.checkpointDir),
      },
    };
    const done = await (opts.worker === false ? runInline(input, (e) => this.onEvent(e, opts)) : runInWorker(input, (e) => this.onEvent(e, opts)));
    this.tensors = done.tensors;
    this.progress = { epoch: done.epoch, step: done.step, rngState: done.rngState, scheduleState: done.scheduleState, history: [...this.history] };
    return { history: done.history, epochs: done.epoch, steps: done.step, stopReason: done.stopReason };
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
        this.writeCheckpoint(opts.checkpointDir, e.tensors, { epoch: e.epoch, step: e.step, rngState: e.rngState, scheduleState: e.scheduleState, history: this.history });
      }
    }
    opts.onProgress?.({ ...e, tensors: undefined } as ProgressEvent);
  }

  /** Mean metrics over a dataset (arrays or a file source, read in order), in inference mode. */
  async evaluate(data: FitData, opts: { batchSize?: number } = {}): Promise<EpochMetrics> {
    let loopData: LoopData | StreamLoopData;
    if (isStreamSource(data)) {
      loopData = await this.streamData(data, 'evaluation data');
    } else {
      checkData(data, this.model.inputShape, 'evaluation data');
      loopData = toLoopData(data, this.model);
    }
    const session = await RuntimeSession.create(this.artifacts.evaluate.bytes, this.options.session);
    try {
      return await evaluateData(session, { metrics: this.artifacts.metrics, targetIsInput: this.artifacts.targetIsInput, tensors: this.tensors }, loopData, opts.batchSize ?? 256);
    } finally {
      await session.release();
    }
  }

  /** Runs an inference part ('model' by default) over samples in batches; outputs are concatenated. */
  async predict(x: Float32Array, opts: { part?: string; batchSize?: number } = {}): Promise<Record<string, TensorData>> {
    const partName = opts.part ?? 'model';
    const part = this.model.parts()[partName];
    if (!part) throw new Error(`no model part '${partName}'; parts: ${Object.keys(this.model.parts()).join(', ')}`);
    const size = sizeOf(part.inputShape);
    const n = x.length / size;
    if (!Number.isInteger(n)) throw new Error(`predict: ${x.length} values are not a whole number of samples of shape [${part.inputShape}]`);
    const lowered = buildPart(part, partName);
    const session = await RuntimeSession.create(lowered.bytes, this.options.session);
    const batchSize = opts.batchSize ?? 256;
    const chunks: Record<string, Float32Array[]> = {};
    const shapes: Record<string, number[]> = {};
    try {
      for (let start = 0; start < n; start += batchSize) {
        const count = Math.min(batchSize, n - start);
        const out = await session.run({ ...this.tensors, x: { dtype: 'float32', shape: [count, ...part.inputShape], data: x.subarray(start * size, (start + count) * size) } });
        for (const [name, t] of Object.entries(out)) {
          (chunks[name] ??= []).push(t.data as Float32Array);
          shapes[name] = t.shape.slice(1) as number[];
        }
      }
    } finally {
      await session.release();
    }
    const result: Record<string, TensorData> = {};
    for (const [name, parts] of Object.entries(chunks)) {
      const data = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
      let offset = 0;
      for (const p of parts) {
        data.set(p, offset);
        offset += p.length;
      }
      result[name] = { dtype: 'float32', shape: [n, ...shapes[name]!], data };
    }
    return result;
  }

  /** Writes an inference part as a standalone ONNX file (weights baked in). */
  exportOnnx(path: string, partName = 'model'): void {
    const part = this.model.parts()[partName];
    if (!part) throw new Error(`no model part '${partName}'; parts: ${Object.keys(this.model.parts()).join(', ')}`);
    const lowered = buildPart(part, partName, new Map(Object.entries(this.tensors)), { producer: 'aekit', part: partName, config: JSON.stringify(this.model.getConfig()) });
    writeFileAtomic(path, lowered.bytes);
  }

  /** Saves config, weights and optimizer state so training can resume exactly. */
  saveCheckpoint(dir: string): void {
    this.writeCheckpoint(dir, this.tensors, this.progress);
  }

  private writeCheckpoint(dir: string, tensors: Record<string, TensorData>, progress: Progress): void {
    // Build the new checkpoint beside the old one, then swap, so a crash never leaves neither.
    const staging = `${dir}.tmp-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    const slotNames = new Set(this.artifacts.slots.map(([s]) => s));
    const weights = new Map(Object.entries(tensors).filter(([k]) => !slotNames.has(k)));
    const slots = new Map(Object.entries(tensors).filter(([k]) => slotNames.has(k)));
    saveSafetensors(`${staging}/weights.safetensors`, weights, { format: 'aekit' });
    saveSafetensors(`${staging}/optimizer.safetensors`, slots, { format: 'aekit' });
    writeFileAtomic(`${staging}/checkpoint.json`, JSON.stringify({
      format: 'aekit-checkpoint', version: 1, model: this.model.getConfig(), optimizer: this.optimizer.getConfig(), seed: this.options.seed ?? 0, clipNorm: this.options.clipNorm ?? null, ...progress,
    }, null, 2));
    const old = `${dir}.old-${process.pid}`;
    if (existsSync(dir)) renameSync(dir, old);
    renameSync(staging, dir);
    rmSync(old, { recursive: true, force: true });
  }

  /**
   * Restores a trainer from a checkpoint. The model object must be rebuilt by
   * the caller (from the saved config); tensors are checked name by name.
   */
  static resume(dir: string, model: TrainableModel, options: Omit<TrainerOptions, 'optimizer' | 'seed'> = {}): Trainer {
    const file = `${dir}/checkpoint.json`;
    if (!existsSync(file)) throw new Error(`${file}: no checkpoint here`);
    const meta = JSON.parse(readFileSync(file, 'utf8')) as Progress & { format: string; optimizer: OptimizerConfig; seed: number; clipNorm: number | null };
    if (meta.format !== 'aekit-checkpoint') throw new Error(`${file}: field 'format' is '${meta.format}', expected 'aekit-checkpoint'`);
    const trainer = Trainer.create(model, { ...options, optimizer: optimizerFromConfig(meta.optimizer), seed: meta.seed, clipNorm: meta.clipNorm ?? undefined });
    const loaded = { ...Object.fromEntries(loadSafetensors(`${dir}/weights.safetensors`).tensors), ...Object.fromEntries(loadSafetensors(`${dir}/optimizer.safetensors`).tensors) };
    for (const [name, t] of Object.entries(trainer.tensors)) {
      const saved = loaded[name];
      if (!saved) throw new Error(`${dir}: tensor '${name}' is missing from the checkpoint`);
      if (saved.shape.join() !== t.shape.join()) throw new Error(`${dir}: tensor '${name}' has shape [${saved.shape}], the model expects [${t.shape}]`);
    }
    trainer.tensors = Object.fromEntries(Object.keys(trainer.tensors).map((k) => [k, loaded[k]!]));
    trainer.progress = { epoch: meta.epoch, step: meta.step, rngState: meta.rngState, scheduleState: meta.scheduleState, history: meta.history };
    trainer.history.push(...meta.history);
    return trainer;
  }
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

type DoneEvent = Extract<LoopEvent, { type: 'done' }>;

/** How the worker reports a failure; a {@link DataFormatError} keeps its fields so it can be rebuilt here. */
export interface WorkerError {
  type: 'error';
  message: string;
  name?: string;
  file?: string;
  reason?: string;
  line?: number;
  offset?: number;
  field?: string | number;
}

function fromWorker(e: WorkerError): Error {
  // Rebuilt as the same class, so callers catch the same error with or without a worker.
  if (e.name === 'DataFormatError' && e.file !== undefined && e.reason !== undefined) {
    return new DataFormatError(e.file, { line: e.line, offset: e.offset, field: e.field }, e.reason);
  }
  return new Error(`training failed: ${e.message}`);
}

async function runInline(input: LoopInput, onEvent: (e: LoopEvent) => void): Promise<DoneEvent> {
  let done: DoneEvent | undefined;
  await runLoop(input, (e) => {
    if (e.type === 'done') done = e;
    onEvent(e);
  });
  return done!;
}

function runInWorker(input: LoopInput, onEvent: (e: LoopEvent) => void): Promise<DoneEvent> {
  const here = import.meta.url;
  const worker = here.endsWith('.ts')
    ? new Worker(new URL('./worker-boot.mjs', here), { workerData: { entry: new URL('./worker.ts', here).href } })
    : new Worker(fileURLToPath(new URL('./worker.js', here)));
  return new Promise((resolve, reject) => {
    worker.on('message', (e: LoopEvent | WorkerError) => {
      if (e.type === 'error') {
        void worker.terminate();
        reject(fromWorker(e));
        return;
      }
      onEvent(e);
      if (e.type === 'done') {
        void worker.terminate();
        resolve(e);
      }
    });
    worker.on('error', (err) => reject(err));
    worker.postMessage({ type: 'start', input });
  });
}
