/**
 * Training callbacks, after Keras' (`keras/src/callbacks/`): objects in a list
 * whose hooks the training loop calls at the start and end of the run, of each
 * epoch and after each step. Early stopping and learning-rate schedules
 * (reduce-on-plateau among them) are callbacks here, not branches of the loop.
 *
 * The built-in callbacks serialize with `getConfig()` and come back with
 * {@link callbackFromConfig}; that is how they reach the worker thread that
 * `fit` trains in. A callback of one's own (any object with some of the hooks)
 * runs in the calling thread, so `fit` trains inline when given one.
 */
import { ConfigError, objectOf, show } from '../config/validate.js';
import type { TensorData } from '../graph/types.js';
import { LearningRateSchedule, type ScheduleConfig, type ScheduleState, checkScheduleConfig } from '../optim/schedules.js';
import { checkEarlyStopping } from './options.js';

/** Metrics of one epoch by name; 'val'-prefixed keys come from the validation data. */
export type EpochMetrics = Record<string, number>;

/** What a callback can see of the run, and change. */
export interface TrainingContext {
  /** The optimizer's learning rate, before any schedule. */
  readonly baseLearningRate: number;
  /**
   * The learning rate of the current epoch. Set it in `onEpochBegin` to change
   * the epoch's rate (a schedule does); it is read once per epoch.
   */
  learningRate: number;
  /** Whether the run evaluates validation data after each epoch (so 'val…' metrics exist). */
  readonly hasValidation: boolean;
  /**
   * Ends training after the current epoch (a call from `onBatchEnd` too waits
   * for the epoch's end). `reason` becomes `FitResult.stopReason`.
   */
  stopTraining(reason: string): void;
  /** A copy of every tensor the model trains (parameters, optimizer state), as they are now. */
  snapshotTensors(): Record<string, TensorData>;
  /** Replaces the trained tensors by a snapshot from {@link snapshotTensors}. */
  restoreTensors(tensors: Record<string, TensorData>): void;
}

/** One training step's result, as `onBatchEnd` gets it. */
export interface BatchLogs {
  /** 1-based epoch and batch within it; `step` counts every step of the model's life. */
  epoch: number;
  batch: number;
  step: number;
  loss: number;
}

/** A callback's serialized form: its class name and its constructor's fields. */
export interface CallbackConfig {
  className: string;
  [field: string]: unknown;
}

/**
 * A training callback: any subset of these hooks. Hooks may be async; the loop
 * waits for them. Epochs are numbered from 1, as progress events are.
 */
export interface TrainingCallback {
  /** Once per `fit`, before the first epoch (reset per-run state here). */
  onTrainBegin?(context: TrainingContext): void | Promise<void>;
  onEpochBegin?(epoch: number, context: TrainingContext): void | Promise<void>;
  /**
   * After every step that ran (steps of one ONNX Runtime call are reported
   * together once the call returns; see `stepsPerExecution`).
   */
  onBatchEnd?(logs: BatchLogs, context: TrainingContext): void | Promise<void>;
  /** After the epoch's metrics (and validation metrics) are known. */
  onEpochEnd?(epoch: number, metrics: EpochMetrics, context: TrainingContext): void | Promise<void>;
  /** Once per `fit`, after the last epoch or a stop, before the weights are handed back. */
  onTrainEnd?(context: TrainingContext): void | Promise<void>;
  /** The serialized form, for a callback {@link callbackFromConfig} can rebuild. */
  getConfig?(): CallbackConfig;
}

/** Fields of {@link EarlyStoppingCallback} (and of `fit`'s `earlyStopping` option). */
export interface EarlyStopping {
  /** Metric to watch, e.g. 'valLoss' or 'loss'. Default: 'valLoss' with validation data, else 'loss'. */
  monitor?: string;
  /** Epochs without improvement before stopping. Default 5. */
  patience?: number;
  /** Smallest decrease that counts as an improvement. Default 0. */
  minDelta?: number;
  /** Return the weights of the best epoch when it stops. Default true. */
  restoreBest?: boolean;
}

/**
 * Stops training once the monitored metric (lower is better) has not improved
 * by more than `minDelta` for `patience` epochs, like Keras' `EarlyStopping`;
 * with `restoreBest`, the weights of the best epoch are handed back.
 * @example
 * await model.fit(data, { epochs: 100, validationSplit: 0.1, callbacks: [new EarlyStoppingCallback({ patience: 3 })] });
 */
export class EarlyStoppingCallback implements TrainingCallback {
  readonly options: Readonly<EarlyStopping>;
  /** The metric watched in the last run (the default resolved). */
  monitor = 'loss';
  /** Best value of the last run. */
  best = Infinity;
  /** The epoch (1-based) that stopped the last run, or 0. */
  stoppedEpoch = 0;
  private badEpochs = 0;
  private bestTensors: Record<string, TensorData> | undefined;

  /** @throws {ConfigError} for an unknown field or a value out of range, naming it. */
  constructor(options: EarlyStopping = {}) {
    checkEarlyStopping(options, 'EarlyStoppingCallback');
    this.options = { ...options };
  }

  onTrainBegin(context: TrainingContext): void {
    this.monitor = this.options.monitor ?? (context.hasValidation ? 'valLoss' : 'loss');
    this.best = Infinity;
    this.badEpochs = 0;
    this.stoppedEpoch = 0;
    this.bestTensors = undefined;
  }

  onEpochEnd(epoch: number, metrics: EpochMetrics, context: TrainingContext): void {
    const value = metrics[this.monitor];
    if (value !== undefined && value < this.best - (this.options.minDelta ?? 0)) {
      this.best = value;
      this.badEpochs = 0;
      if (this.options.restoreBest ?? true) this.bestTensors = context.snapshotTensors();
    } else if (++this.badEpochs >= (this.options.patience ?? 5)) {
      this.stoppedEpoch = epoch;
      context.stopTraining(`early stopping: ${this.monitor} did not improve for ${this.badEpochs} epochs`);
    }
  }

  onTrainEnd(context: TrainingContext): void {
    if (this.stoppedEpoch > 0 && this.bestTensors) context.restoreTensors(this.bestTensors);
    this.bestTensors = undefined; // a copy of the whole model: not kept past the run
  }

  getConfig(): CallbackConfig {
    return { className: 'EarlyStopping', ...this.options };
  }
}

/**
 * Sets each epoch's learning rate from a {@link ScheduleConfig} (as Keras'
 * `LearningRateScheduler`), feeding it the epoch's metrics for the schedules
 * that react to them. Its state is saved in checkpoints, so a resumed run
 * goes on with the same rate.
 */
export class LearningRateScheduler implements TrainingCallback {
  readonly schedule: ScheduleConfig;
  private impl: LearningRateSchedule | undefined;
  private state: ScheduleState = {};

  /** @throws {ConfigError} for a bad schedule, naming the field. */
  constructor(schedule: ScheduleConfig, path = 'LearningRateScheduler') {
    this.schedule = checkScheduleConfig(schedule, path);
  }

  onTrainBegin(context: TrainingContext): void {
    this.impl = new LearningRateSchedule(context.baseLearningRate, this.schedule);
    this.impl.setState(this.state);
  }

  onEpochBegin(epoch: number, context: TrainingContext): void {
    context.learningRate = this.started().lrForEpoch(epoch - 1);
  }

  onEpochEnd(_epoch: number, metrics: EpochMetrics): void {
    this.started().onEpochEnd(metrics);
  }

  /** The schedule's progress (e.g. reduce-on-plateau's current rate), as checkpoints store it. */
  getState(): ScheduleState {
    return this.impl ? this.impl.getState() : { ...this.state };
  }

  /** Restores {@link getState}'s result; takes effect at the next run's start. */
  setState(state: ScheduleState): void {
    this.state = { ...state };
    this.impl?.setState(state);
  }

  getConfig(): CallbackConfig {
    return { className: 'LearningRateScheduler', schedule: this.schedule };
  }

  private started(): LearningRateSchedule {
    if (!this.impl) throw new Error(`${this.constructor.name}: a hook ran before onTrainBegin`);
    return this.impl;
  }
}

/** Fields of {@link ReduceLrOnPlateau}: the `reduceOnPlateau` schedule's. */
export type ReduceLrOnPlateauOptions = Omit<Extract<ScheduleConfig, { type: 'reduceOnPlateau' }>, 'type'>;

/**
 * Multiplies the learning rate by `factor` (default 0.1, not below `minLr`)
 * after more than `patience` epochs (default 10) in which the monitored metric
 * (default 'valLoss', else 'loss') did not improve by `minDelta` (default
 * 1e-4), like Keras' `ReduceLROnPlateau`. The same as `fit`'s
 * `schedule: { type: 'reduceOnPlateau', ... }`.
 */
export class ReduceLrOnPlateau extends LearningRateScheduler {
  constructor(options: ReduceLrOnPlateauOptions = {}) {
    super({ type: 'reduceOnPlateau', ...options }, 'ReduceLrOnPlateau');
  }

  override getConfig(): CallbackConfig {
    const { type: _type, ...fields } = this.schedule;
    return { className: 'ReduceLrOnPlateau', ...fields };
  }
}

/** The built-in callbacks by class name, each rebuilt from its config's fields. */
const CALLBACKS: Record<string, (fields: Record<string, unknown>, path: string) => TrainingCallback> = {
  EarlyStopping: (fields) => new EarlyStoppingCallback(fields as EarlyStopping),
  LearningRateScheduler: (fields, path) => {
    objectOf(fields, path, ['schedule']);
    return new LearningRateScheduler(fields.schedule as ScheduleConfig, `${path}.schedule`);
  },
  ReduceLrOnPlateau: (fields) => new ReduceLrOnPlateau(fields as ReduceLrOnPlateauOptions),
};

/**
 * Rebuilds a built-in callback from its `getConfig()`.
 * @throws {ConfigError} for an unknown class name or a bad field, naming it.
 */
export function callbackFromConfig(config: CallbackConfig, path = 'callback'): TrainingCallback {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) throw new ConfigError(path, `expected a callback config such as { className: 'EarlyStopping', patience: 3 }, got ${show(config)}`);
  const { className, ...fields } = config;
  const make = typeof className === 'string' && Object.hasOwn(CALLBACKS, className) ? CALLBACKS[className]! : undefined;
  if (!make) throw new ConfigError(`${path}.className`, `expected one of ${Object.keys(CALLBACKS).join(', ')}, got ${show(className)}`);
  return make(fields, path);
}

/** Whether `callback` is a built-in that {@link callbackFromConfig} can rebuild (so it can cross to a worker thread). */
export function isSerializableCallback(callback: TrainingCallback): boolean {
  // Exactly a built-in class: a subclass's overrides would not survive the trip.
  const kind = (callback as object).constructor;
  return kind === EarlyStoppingCallback || kind === LearningRateScheduler || kind === ReduceLrOnPlateau;
}
