/**
 * The training loop proper. It sees only ONNX bytes, tensor names and typed
 * arrays, so it runs the same inline or inside a worker thread.
 *
 * Its pieces, one concept each. In src/train/step-runner.ts: {@link planSteps}
 * decides how the step graph runs (one step or a chunk of steps per call), a
 * {@link StepRunner} owns the session and the double-buffered state, a
 * {@link CallSizer} picks the steps per call and {@link runChecked} rolls back
 * to the last finite step. Here: an {@link EpochProgress} counts an epoch and
 * reports it, and a {@link TrainingRun} walks the epochs (resuming mid-epoch)
 * and calls the callbacks (src/train/callbacks.ts), which is where early
 * stopping and schedules live.
 */
import { basename } from 'node:path';
import { DataFormatError } from '../data/errors.js';
import { Rng } from '../data/random.js';
import { type TensorData, sizeOf } from '../graph/types.js';
import { RuntimeSession, type SessionOptions } from '../onnx/runtime.js';
import { type ScheduleState } from '../optim/schedules.js';
import { type CallbackConfig, type EpochMetrics, LearningRateScheduler, type TrainingCallback, type TrainingContext, callbackFromConfig } from './callbacks.js';
import { type LoopData, type StreamLoopData, batchesOf, fileBatches, isStreamData, memoryChunks, prefetch, sampleCount, streamChunks } from './feed.js';
import { type CallResult, CallSizer, type StepPlan, StepRunner, planSteps, runChecked } from './step-runner.js';
import type { PackedGroup } from './step.js';

export { type EarlyStopping, type EpochMetrics } from './callbacks.js';
export { type LoopData, type StreamLoopData, isStreamData } from './feed.js';
export { packTensors, unpackTensors } from './packing.js';

/**
 * How many training steps one ONNX Runtime call runs (Keras' `steps_per_execution`).
 * Above 1, the step graph runs inside an ONNX Loop, so that parameters and
 * optimizer state stay inside ONNX Runtime between those steps instead of
 * being copied out after each one (the same numbers either way; see
 * src/train/chunk.ts). 'auto' sizes each call to about 200 ms of steps, at
 * most 64, measured as training goes. 1 runs the plain step graph. On the
 * WebGPU device 'auto' means one step per call (a number loops there too).
 */
export type StepsPerExecution = number | 'auto';

export interface LoopOptions {
  epochs: number;
  batchSize: number;
  shuffle: boolean;
  seed: number;
  baseLr: number;
  /**
   * The built-in callbacks, serialized (they cross to a worker thread this way);
   * a learning-rate schedule among them is the one whose state is saved.
   */
  callbacks?: CallbackConfig[];
  session?: SessionOptions;
  /** Training steps per ONNX Runtime call (see {@link StepsPerExecution}). Default 'auto'. */
  stepsPerExecution?: StepsPerExecution;
  /** Resume: epochs already done, steps already taken, shuffle generator and schedule state. */
  startEpoch?: number;
  startStep?: number;
  rngState?: number[];
  scheduleState?: ScheduleState;
  /** Include a copy of every tensor in each epoch event (for checkpoints). */
  snapshotEachEpoch?: boolean;
  /** Resume inside epoch `startEpoch + 1`, where a stop by request left it. */
  partialEpoch?: PartialEpoch;
}

/**
 * Where a stop by request left an unfinished epoch: enough to finish it
 * exactly as an uninterrupted run would (same batch order, same metrics).
 */
export interface PartialEpoch {
  /** Batches of the epoch already trained. */
  batch: number;
  /** Samples in those batches. */
  samples: number;
  /** The shuffle generator's state at the start of the epoch (before its permutation). */
  rngState: number[];
  /** Running sums of the epoch's metrics, weighted by batch size. */
  sums: Record<string, number>;
}

export interface LoopInput {
  trainModel: Uint8Array;
  /** The evaluation graph: given with `validation` only (no validation, no evaluation session to make). */
  evalModel?: Uint8Array;
  /** Names of every tensor the train step updates (params, slots, state). */
  updated: string[];
  metrics: string[];
  targetIsInput: boolean;
  tensors: Record<string, TensorData>;
  /** Tensors the training graph takes packed into flat inputs (StepArtifacts.packed). */
  packed?: PackedGroup[];
  data: LoopData | StreamLoopData;
  validation?: LoopData | StreamLoopData;
  options: LoopOptions;
}

/**
 * Events of a run. In a 'batch' event `batches` and `etaSeconds` are undefined
 * while the epoch's size is unknown (the first epoch over a CSV stream);
 * `losses` holds the loss of every step since the previous batch event, in
 * order, the last one being `loss` at `step` (batch events are throttled, and
 * one ONNX Runtime call may run many steps: this is how every step's loss
 * reaches a log).
 */
export type LoopEvent =
  | { type: 'batch'; epoch: number; batch: number; batches?: number; samples: number; step: number; loss: number; losses: number[]; samplesPerSec: number; etaSeconds?: number }
  | { type: 'epoch'; epoch: number; metrics: EpochMetrics; lr: number; seconds: number; tensors?: Record<string, TensorData>; rngState: number[]; scheduleState: ScheduleState; step: number }
  | { type: 'done'; tensors: Record<string, TensorData>; history: EpochMetrics[]; epoch: number; step: number; stopReason?: string; rngState: number[]; scheduleState: ScheduleState; partialEpoch?: PartialEpoch };

type DoneEvent = Extract<LoopEvent, { type: 'done' }>;

/** The stop reason of a run ended by `shouldStop` (an aborted signal). */
export const STOPPED_BY_REQUEST = 'stopped by request';

export { NON_FINITE } from './step-runner.js';

/** Batch events come at most this often (plus one at each epoch's end). */
const REPORT_MS = 200;

/**
 * Mean of each metric over a dataset (arrays or a file, read in order),
 * weighting batches by their size. `also` names further outputs of the
 * session to fetch, handed to `onBatch` batch by batch.
 */
export async function evaluateData(
  session: RuntimeSession, input: Pick<LoopInput, 'metrics' | 'targetIsInput' | 'tensors'>, data: LoopData | StreamLoopData, batchSize: number,
  also: readonly string[] = [], onBatch?: (out: Record<string, TensorData>) => void,
): Promise<EpochMetrics> {
  const sums: Record<string, number> = {};
  let n = 0;
  for await (const b of batchesOf(data, batchSize, input.targetIsInput)) {
    const feeds: Record<string, TensorData> = { ...input.tensors, x: b.x };
    if (b.target) feeds.target = b.target;
    const out = await session.run(feeds, [...input.metrics, ...also]);
    for (const m of input.metrics) sums[m] = (sums[m] ?? 0) + Number(out[m]!.data[0]) * b.count;
    onBatch?.(out);
    n += b.count;
  }
  const result: EpochMetrics = {};
  for (const m of input.metrics) result[m] = sums[m]! / n;
  return result;
}



/** One epoch's running counts and metric sums, and its (throttled) batch events. */
class EpochProgress {
  batch = 0;
  samples = 0;
  readonly sums: Record<string, number>;
  private loss = NaN;
  /** Losses of the steps not yet reported. */
  private losses: number[] = [];
  private emitted = 0;
  private lastEmit = 0;
  readonly started = performance.now();

  constructor(readonly epoch: number, readonly batches: number | undefined, resumeAt: PartialEpoch | undefined) {
    this.sums = { ...resumeAt?.sums };
    if (resumeAt) {
      this.samples = resumeAt.samples;
      this.batch = resumeAt.batch;
      this.emitted = resumeAt.batch;
    }
  }

  /** Counts the first `good` steps of a call, each of `count` samples. */
  add(result: CallResult, good: number, count: number, metrics: readonly string[]): void {
    for (let i = 0; i < good; i++) {
      for (const m of metrics) this.sums[m] = (this.sums[m] ?? 0) + result.at(m, i) * count;
      this.losses.push(result.at('loss', i));
    }
    this.loss = result.at('loss', good - 1);
    this.batch += good;
    this.samples += good * count;
  }

  /** Whether steps ran since the last batch event. */
  get unreported(): boolean {
    return this.emitted !== this.batch;
  }

  due(now: number, n: number | undefined): boolean {
    return now - this.lastEmit > REPORT_MS || this.samples === n;
  }

  report(now: number, step: number, n: number | undefined, emit: (e: LoopEvent) => void): void {
    this.lastEmit = now;
    this.emitted = this.batch;
    const seconds = (now - this.started) / 1000;
    const losses = this.losses;
    this.losses = [];
    emit({
      type: 'batch', epoch: this.epoch, batch: this.batch, batches: this.batches, samples: this.samples, step, loss: this.loss, losses, samplesPerSec: this.samples / seconds,
      etaSeconds: n === undefined ? undefined : ((n - this.samples) / this.samples) * seconds,
    });
  }

  /** The epoch's metrics: each sum over the samples seen. */
  metrics(names: readonly string[]): EpochMetrics {
    const seen = Object.keys(this.sums).length ? this.samples : 1;
    const metrics: EpochMetrics = {};
    for (const m of names) metrics[m] = (this.sums[m] ?? NaN) / seen;
    return metrics;
  }
}

/** How an epoch ended: run through, or cut short (by a stop request or a non-finite step). */
type EpochOutcome =
  | { finished: true; progress: EpochProgress; lr: number }
  | { finished: false; stopReason: string; partial?: PartialEpoch; rngState: number[] };

/** The callbacks' view of the run ({@link TrainingContext}). */
class LoopContext implements TrainingContext {
  stopReason: string | undefined;

  constructor(readonly baseLearningRate: number, public learningRate: number, readonly hasValidation: boolean, private readonly runner: StepRunner) {}

  stopTraining(reason: string): void {
    this.stopReason ??= reason;
  }

  snapshotTensors(): Record<string, TensorData> {
    return this.runner.snapshot();
  }

  restoreTensors(tensors: Record<string, TensorData>): void {
    this.runner.restore(tensors);
  }
}

/** A run over the epochs: the loop's state from the first epoch to the 'done' event. */
class TrainingRun {
  private readonly rng: Rng;
  /** Samples per epoch; an unknown size (a CSV stream) is learnt at the end of the first epoch. */
  private n: number | undefined;
  private step: number;
  private epoch: number;
  private readonly history: EpochMetrics[] = [];
  private readonly context: LoopContext;
  /** The schedule whose state checkpoints keep (the first in the list). */
  private readonly scheduler: LearningRateScheduler | undefined;
  private readonly sizer: CallSizer;
  private readonly identity: Int32Array | null;

  constructor(
    private readonly input: LoopInput,
    private readonly plan: StepPlan,
    private readonly runner: StepRunner,
    private readonly evaluator: RuntimeSession | undefined,
    private readonly callbacks: readonly TrainingCallback[],
    private readonly emit: (e: LoopEvent) => void,
    private readonly shouldStop: () => boolean,
  ) {
    const { options, data } = input;
    this.n = isStreamData(data) ? data.samples : sampleCount(data);
    this.rng = new Rng(options.seed);
    if (options.rngState) this.rng.setState(options.rngState);
    this.step = options.startStep ?? 0;
    this.epoch = options.startEpoch ?? 0;
    this.context = new LoopContext(options.baseLr, options.baseLr, input.validation !== undefined, runner);
    this.scheduler = callbacks.find((c): c is LearningRateScheduler => c instanceof LearningRateScheduler);
    this.scheduler?.setState(options.scheduleState ?? {});
    const targetShape = isStreamData(data) || input.targetIsInput ? [] : data.targetShape!;
    const bytesPerStep = options.batchSize * (sizeOf(data.sampleShape) + sizeOf(targetShape)) * 4;
    this.sizer = new CallSizer(plan, options.stepsPerExecution ?? 'auto', bytesPerStep);
    this.identity = plan.byRows ? Int32Array.from({ length: this.n! }, (_, i) => i) : null;
  }

  async run(): Promise<DoneEvent> {
    const { options } = this.input;
    for (const c of this.callbacks) await c.onTrainBegin?.(this.context);
    let resumeAt = options.partialEpoch;
    let interrupted: Extract<EpochOutcome, { finished: false }> | undefined;
    for (; this.epoch < options.epochs && !this.context.stopReason; this.epoch++) {
      const outcome = await this.trainEpoch(resumeAt);
      resumeAt = undefined;
      if (!outcome.finished) {
        interrupted = outcome;
        break;
      }
      await this.endEpoch(outcome.progress, outcome.lr);
    }
    for (const c of this.callbacks) await c.onTrainEnd?.(this.context);
    // After a stop mid-epoch, the generator state to resume from is the one that epoch started with.
    return {
      type: 'done', tensors: this.runner.snapshot(), history: this.history, epoch: this.epoch, step: this.step,
      stopReason: interrupted?.stopReason ?? this.context.stopReason, rngState: interrupted?.rngState ?? this.rng.getState(), scheduleState: this.scheduleState(),
      ...(interrupted?.partial ? { partialEpoch: interrupted.partial } : {}),
    };
  }

  /** Without a schedule, the saved state passes through untouched (for a later run that has one). */
  private scheduleState(): ScheduleState {
    return this.scheduler?.getState() ?? { ...this.input.options.scheduleState };
  }

  /** Trains epoch `this.epoch + 1` (from `resumeAt` when a stop left it unfinished). */
  private async trainEpoch(resumeAt: PartialEpoch | undefined): Promise<EpochOutcome> {
    const { input, runner } = this;
    const { options, data } = input;
    // A resumed epoch replays its permutation from the state saved at its start.
    if (resumeAt) this.rng.setState(resumeAt.rngState);
    const epochRngState = this.rng.getState();
    for (const c of this.callbacks) await c.onEpochBegin?.(this.epoch + 1, this.context);
    const lr = this.context.learningRate;
    const n = this.n;
    const batches = n === undefined ? undefined : Math.ceil(n / options.batchSize);
    const progress = new EpochProgress(this.epoch + 1, batches, resumeAt);
    const skip = resumeAt?.batch ?? 0;
    // In-memory data keeps its exact permutation per epoch; a file gets a fork
    // of the same generator, so the saved generator state resumes either.
    const chunks = isStreamData(data)
      ? streamChunks(prefetch(fileBatches(data, options.batchSize, options.shuffle ? this.rng.fork() : undefined)), skip, this.sizer.wanted)
      : memoryChunks(data, options.shuffle ? this.rng.permutation(n!) : null, options.batchSize, input.targetIsInput, skip, this.sizer.wanted, this.identity);
    // An unfinished epoch is not counted; the generator goes back to its start,
    // so the epoch can be redone (or finished, see partial) in the same order.
    const cutShort = (stopReason: string, partial?: PartialEpoch): EpochOutcome => {
      if (progress.unreported) progress.report(performance.now(), this.step, n, this.emit);
      return { finished: false, stopReason, rngState: epochRngState, ...(partial ? { partial } : {}) };
    };
    for await (const chunk of chunks) {
      if (this.shouldStop()) {
        return cutShort(STOPPED_BY_REQUEST, progress.batch > 0 ? { batch: progress.batch, samples: progress.samples, rngState: epochRngState, sums: { ...progress.sums } } : undefined);
      }
      const callStarted = performance.now();
      const where = (i: number) => `epoch ${this.epoch + 1}, step ${progress.batch + i + 1}${batches === undefined ? '' : ` of ${batches}`}`;
      const { result, good, failure } = await runChecked(runner, chunk, lr, this.step, where);
      if (good > 0) {
        runner.commit(result);
        progress.add(result, good, chunk.count, input.metrics);
        await this.batchEnd(result, good, progress.batch - good);
        this.step += good;
      }
      if (failure) return cutShort(failure);
      this.sizer.record(performance.now() - callStarted, chunk.steps);
      const now = performance.now();
      if (progress.due(now, n)) progress.report(now, this.step, n, this.emit);
    }
    // Of unknown size, the epoch's end shows only now: report its last batch.
    if (progress.unreported) progress.report(performance.now(), this.step, n, this.emit);
    if (isStreamData(data)) {
      if (progress.samples === 0) throw new DataFormatError(basename(data.stream.path), {}, 'holds no samples');
      if (this.n === undefined) this.n = progress.samples;
      else if (progress.samples !== this.n) throw new Error(`${data.stream.path}: an epoch delivered ${progress.samples} samples, expected ${this.n} (did the file change during training?)`);
    }
    return { finished: true, progress, lr };
  }

  /** `onBatchEnd` for each kept step of a call (steps after `firstBatch` of the epoch, after `this.step`). */
  private async batchEnd(result: CallResult, good: number, firstBatch: number): Promise<void> {
    const hooked = this.callbacks.filter((c) => c.onBatchEnd);
    for (let i = 0; i < good && hooked.length; i++) {
      const logs = { epoch: this.epoch + 1, batch: firstBatch + i + 1, step: this.step + i + 1, loss: result.at('loss', i) };
      for (const c of hooked) await c.onBatchEnd!(logs, this.context);
    }
  }

  /** The epoch's metrics and validation metrics, the callbacks, then the 'epoch' event. */
  private async endEpoch(progress: EpochProgress, lr: number): Promise<void> {
    const { input } = this;
    const { options } = input;
    const metrics = progress.metrics(input.metrics);
    if (input.validation) {
      const val = await evaluateData(this.evaluator!, { metrics: input.metrics, targetIsInput: input.targetIsInput, tensors: this.runner.views() }, input.validation, options.batchSize);
      for (const [k, v] of Object.entries(val)) metrics[`val${k[0]!.toUpperCase()}${k.slice(1)}`] = v;
    }
    this.history.push(metrics);
    for (const c of this.callbacks) await c.onEpochEnd?.(this.epoch + 1, metrics, this.context);
    this.emit({
      type: 'epoch', epoch: this.epoch + 1, metrics, lr, seconds: (performance.now() - progress.started) / 1000,
      tensors: options.snapshotEachEpoch ? this.runner.snapshot() : undefined, rngState: this.rng.getState(), scheduleState: this.scheduleState(), step: this.step,
    });
  }
}

/**
 * Runs the epochs, reporting through `emit`; `shouldStop` is polled between
 * calls into ONNX Runtime. The callbacks are those of `options.callbacks`
 * (rebuilt from their configs) followed by `callbacks`, live objects (which
 * only an inline run can have).
 */
export async function runLoop(input: LoopInput, emit: (e: LoopEvent) => void, shouldStop: () => boolean = () => false, callbacks: readonly TrainingCallback[] = []): Promise<void> {
  const { options, data } = input;
  if (!isStreamData(data)) {
    const n = sampleCount(data);
    if (!Number.isInteger(n) || n < 1) throw new Error(`training data holds ${data.x.length} values, not a whole number of samples of shape [${data.sampleShape}]`);
  }
  const all = [...(options.callbacks ?? []).map((c, i) => callbackFromConfig(c, `callbacks[${i}]`)), ...callbacks];
  const plan = planSteps(input);
  const train = await RuntimeSession.create(plan.trainModel, options.session);
  if (input.validation && !input.evalModel) throw new Error('runLoop: validation data needs the evaluation graph (evalModel)');
  const evaluator = input.validation ? await RuntimeSession.create(input.evalModel!, options.session) : undefined;
  let finished: DoneEvent;
  // A file can fail mid-run (a bad row): the sessions are released all the same.
  try {
    const targetShape = isStreamData(data) || input.targetIsInput ? [] : data.targetShape!;
    const runner = new StepRunner(train, plan, input.tensors, data.sampleShape, targetShape);
    finished = await new TrainingRun(input, plan, runner, evaluator, all, emit, shouldStop).run();
  } finally {
    await train.release();
    await evaluator?.release();
  }
  emit(finished);
}
