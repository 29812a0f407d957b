/**
 * The training loop proper. It sees only ONNX bytes, tensor names and typed
 * arrays, so it runs the same inline or inside a worker thread.
 */
import { Rng } from '../data/random.js';
import { type TensorData, sizeOf } from '../graph/types.js';
import { RuntimeSession, type SessionOptions } from '../onnx/runtime.js';
import { LearningRateSchedule, type ScheduleConfig, type ScheduleState } from '../optim/schedules.js';
import { NON_FINITE_CHECK, nextName } from './step.js';

/** A dataset as the loop sees it: n samples stored row after row. */
export interface LoopData {
  x: Float32Array;
  sampleShape: number[];
  target?: Float32Array;
  targetShape?: number[];
}

export interface EarlyStopping {
  /** Metric to watch, e.g. 'valLoss' (default) or 'loss'. */
  monitor?: string;
  /** Epochs without improvement before stopping. Default 5. */
  patience?: number;
  minDelta?: number;
  /** Return the weights of the best epoch. Default true. */
  restoreBest?: boolean;
}

export interface LoopOptions {
  epochs: number;
  batchSize: number;
  shuffle: boolean;
  seed: number;
  baseLr: number;
  schedule?: ScheduleConfig;
  earlyStopping?: EarlyStopping;
  session?: SessionOptions;
  /** Resume: epochs already done, steps already taken, shuffle generator and schedule state. */
  startEpoch?: number;
  startStep?: number;
  rngState?: number[];
  scheduleState?: ScheduleState;
  /** Include a copy of every tensor in each epoch event (for checkpoints). */
  snapshotEachEpoch?: boolean;
}

export interface LoopInput {
  trainModel: Uint8Array;
  evalModel: Uint8Array;
  /** Names of every tensor the train step updates (params, slots, state). */
  updated: string[];
  metrics: string[];
  targetIsInput: boolean;
  tensors: Record<string, TensorData>;
  data: LoopData;
  validation?: LoopData;
  options: LoopOptions;
}

/** Per-epoch record; 'val'-prefixed keys come from the validation data. */
export type EpochMetrics = Record<string, number>;

export type LoopEvent =
  | { type: 'batch'; epoch: number; batch: number; batches: number; step: number; loss: number; samplesPerSec: number; etaSeconds: number }
  | { type: 'epoch'; epoch: number; metrics: EpochMetrics; lr: number; seconds: number; tensors?: Record<string, TensorData>; rngState: number[]; scheduleState: ScheduleState; step: number }
  | { type: 'done'; tensors: Record<string, TensorData>; history: EpochMetrics[]; epoch: number; step: number; stopReason?: string; rngState: number[]; scheduleState: ScheduleState };

/** Raised when the loss becomes NaN or infinite; the loop keeps the last good weights. */
export const NON_FINITE = 'non-finite loss';

function copyTensors(t: Record<string, TensorData>): Record<string, TensorData> {
  const out: Record<string, TensorData> = {};
  for (const [k, v] of Object.entries(t)) out[k] = { dtype: v.dtype, shape: [...v.shape], data: (v.data as Float32Array).slice() };
  return out;
}

function batchOf(source: Float32Array, shape: number[], order: Int32Array | null, start: number, count: number): TensorData {
  const size = sizeOf(shape);
  if (!order) return { dtype: 'float32', shape: [count, ...shape], data: source.subarray(start * size, (start + count) * size) };
  const out = new Float32Array(count * size);
  for (let i = 0; i < count; i++) {
    const row = order[start + i]!;
    out.set(source.subarray(row * size, (row + 1) * size), i * size);
  }
  return { dtype: 'float32', shape: [count, ...shape], data: out };
}

function sampleCount(d: LoopData): number {
  return d.x.length / sizeOf(d.sampleShape);
}

/** Mean of each metric over a dataset, weighting batches by their size. */
export async function evaluateData(session: RuntimeSession, input: Pick<LoopInput, 'metrics' | 'targetIsInput' | 'tensors'>, data: LoopData, batchSize: number): Promise<EpochMetrics> {
  const n = sampleCount(data);
  const sums: Record<string, number> = {};
  for (let start = 0; start < n; start += batchSize) {
    const count = Math.min(batchSize, n - start);
    const feeds: Record<string, TensorData> = { ...input.tensors, x: batchOf(data.x, data.sampleShape, null, start, count) };
    if (!input.targetIsInput) feeds.target = batchOf(data.target!, data.targetShape!, null, start, count);
    const out = await session.run(feeds, input.metrics);
    for (const m of input.metrics) sums[m] = (sums[m] ?? 0) + Number(out[m]!.data[0]) * count;
  }
  const result: EpochMetrics = {};
  for (const m of input.metrics) result[m] = sums[m]! / n;
  return result;
}

/** Runs the epochs, reporting through `emit`; `shouldStop` is polled between batches. */
export async function runLoop(input: LoopInput, emit: (e: LoopEvent) => void, shouldStop: () => boolean = () => false): Promise<void> {
  const { options } = input;
  const train = await RuntimeSession.create(input.trainModel, options.session);
  const evaluator = await RuntimeSession.create(input.evalModel, options.session);
  const rng = new Rng(options.seed);
  if (options.rngState) rng.setState(options.rngState);
  const schedule = new LearningRateSchedule(options.baseLr, options.schedule);
  if (options.scheduleState) schedule.setState(options.scheduleState);
  let tensors = input.tensors;
  const n = sampleCount(input.data);
  if (!Number.isInteger(n) || n < 1) throw new Error(`training data holds ${input.data.x.length} values, not a whole number of samples of shape [${input.data.sampleShape}]`);
  const batches = Math.ceil(n / options.batchSize);
  const history: EpochMetrics[] = [];
  let step = options.startStep ?? 0;
  let epoch = options.startEpoch ?? 0;
  let stopReason: string | undefined;
  const early = options.earlyStopping;
  let best = Infinity;
  let bestTensors: Record<string, TensorData> | undefined;
  let badEpochs = 0;
  const fetch = [...input.metrics, ...input.updated.map(nextName), NON_FINITE_CHECK];
  // Two buffer sets for the updated tensors: a step reads one and ONNX Runtime
  // writes the other in place, so no step allocates or copies weights.
  let spare: Record<string, TensorData> = {};
  for (const name of input.updated) {
    const t = tensors[name]!;
    spare[nextName(name)] = { dtype: t.dtype, shape: [...t.shape], data: (t.data as Float32Array).slice() };
  }
  tensors = copyTensors(tensors); // the caller's arrays stay untouched

  for (; epoch < options.epochs && !stopReason; epoch++) {
    const lr = schedule.lrForEpoch(epoch);
    const order = options.shuffle ? rng.permutation(n) : null;
    const started = performance.now();
    let lastEmit = 0;
    const sums: Record<string, number> = {};
    for (let b = 0; b < batches; b++) {
      if (shouldStop()) {
        stopReason = 'stopped by request';
        break;
      }
      const start = b * options.batchSize;
      const count = Math.min(options.batchSize, n - start);
      const feeds: Record<string, TensorData> = {
        ...tensors,
        x: batchOf(input.data.x, input.data.sampleShape, order, start, count),
        lr: { dtype: 'float32', shape: [], data: new Float32Array([lr]) },
        step: { dtype: 'float32', shape: [], data: new Float32Array([step + 1]) },
      };
      if (!input.targetIsInput) feeds.target = batchOf(input.data.target!, input.data.targetShape!, order, start, count);
      const out = await train.run(feeds, fetch, spare);
      const loss = Number(out.loss!.data[0]);
      const check = out[NON_FINITE_CHECK] ? Number(out[NON_FINITE_CHECK].data[0]) : 0;
      if (!Number.isFinite(loss) || check !== 0) {
        const what = Number.isFinite(loss) ? 'parameters became non-finite' : `loss ${loss}`;
        stopReason = `${NON_FINITE} (${what}) at epoch ${epoch + 1}, step ${b + 1} of ${batches}; kept the weights from before that step`;
        break;
      }
      const next: Record<string, TensorData> = { ...tensors };
      const freed: Record<string, TensorData> = {};
      for (const name of input.updated) {
        next[name] = out[nextName(name)]!;
        freed[nextName(name)] = tensors[name]!;
      }
      tensors = next;
      spare = freed;
      step += 1;
      for (const m of input.metrics) sums[m] = (sums[m] ?? 0) + Number(out[m]!.data[0]) * count;
      const now = performance.now();
      if (now - lastEmit > 200 || b === batches - 1) {
        lastEmit = now;
        const seconds = (now - started) / 1000;
        const done = start + count;
        emit({ type: 'batch', epoch: epoch + 1, batch: b + 1, batches, step, loss, samplesPerSec: done / seconds, etaSeconds: ((n - done) / done) * seconds });
      }
    }
    if (stopReason) break; // an unfinished epoch is not counted
    const seen = Object.keys(sums).length ? n : 1;
    const metrics: EpochMetrics = {};
    for (const m of input.metrics) metrics[m] = (sums[m] ?? NaN) / seen;
    if (input.validation) {
      const val = await evaluateData(evaluator, { metrics: input.metrics, targetIsInput: input.targetIsInput, tensors }, input.validation, options.batchSize);
      for (const [k, v] of Object.entries(val)) metrics[`val${k[0]!.toUpperCase()}${k.slice(1)}`] = v;
    }
    history.push(metrics);
    schedule.onEpochEnd(metrics);
    emit({
      type: 'epoch', epoch: epoch + 1, metrics, lr, seconds: (performance.now() - started) / 1000,
      tensors: options.snapshotEachEpoch ? copyTensors(tensors) : undefined, rngState: rng.getState(), scheduleState: schedule.getState(), step,
    });
    if (early) {
      const monitored = metrics[early.monitor ?? (input.validation ? 'valLoss' : 'loss')];
      if (monitored !== undefined && monitored < best - (early.minDelta ?? 0)) {
        best = monitored;
        badEpochs = 0;
        if (early.restoreBest ?? true) bestTensors = copyTensors(tensors); // the live buffers get reused
      } else if (++badEpochs >= (early.patience ?? 5)) {
        stopReason = `early stopping: ${early.monitor ?? 'valLoss'} did not improve for ${badEpochs} epochs`;
        if (bestTensors) tensors = bestTensors;
      }
    }
  }
  await train.release();
  await evaluator.release();
  emit({ type: 'done', tensors, history, epoch, step, stopReason, rngState: rng.getState(), scheduleState: schedule.getState() });
}
