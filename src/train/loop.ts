/**
 * The training loop proper. It sees only ONNX bytes, tensor names and typed
 * arrays, so it runs the same inline or inside a worker thread.
 */
import { basename } from 'node:path';
import { DataFormatError } from '../data/errors.js';
import { Rng } from '../data/random.js';
import { type StreamSource, streamBatches } from '../data/source.js';
import { type TensorData, sizeOf } from '../graph/types.js';
import { RuntimeSession, type SessionOptions } from '../onnx/runtime.js';
import { LearningRateSchedule, type ScheduleConfig, type ScheduleState } from '../optim/schedules.js';
import { NON_FINITE_CHECK, type PackedGroup, nextName } from './step.js';

/** A dataset as the loop sees it: n samples stored row after row. */
export interface LoopData {
  x: Float32Array;
  sampleShape: number[];
  target?: Float32Array;
  targetShape?: number[];
}

/**
 * A file the loop reads itself, epoch by epoch (inputs only: the target is the
 * input). `sampleShape` is the model's input shape, already checked against the file.
 */
export interface StreamLoopData {
  stream: StreamSource;
  sampleShape: number[];
  /** Sample count when known up front (NPY); otherwise counted during the first epoch. */
  samples?: number;
}

export function isStreamData(d: LoopData | StreamLoopData): d is StreamLoopData {
  return 'stream' in d;
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
  evalModel: Uint8Array;
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

/** Per-epoch record; 'val'-prefixed keys come from the validation data. */
export type EpochMetrics = Record<string, number>;

/**
 * Events of a run. In a 'batch' event `batches` and `etaSeconds` are undefined
 * while the epoch's size is unknown (the first epoch over a CSV stream).
 */
export type LoopEvent =
  | { type: 'batch'; epoch: number; batch: number; batches?: number; samples: number; step: number; loss: number; samplesPerSec: number; etaSeconds?: number }
  | { type: 'epoch'; epoch: number; metrics: EpochMetrics; lr: number; seconds: number; tensors?: Record<string, TensorData>; rngState: number[]; scheduleState: ScheduleState; step: number }
  | { type: 'done'; tensors: Record<string, TensorData>; history: EpochMetrics[]; epoch: number; step: number; stopReason?: string; rngState: number[]; scheduleState: ScheduleState; partialEpoch?: PartialEpoch };

/** The stop reason of a run ended by `shouldStop` (an aborted signal). */
export const STOPPED_BY_REQUEST = 'stopped by request';

/** Raised when the loss becomes NaN or infinite; the loop keeps the last good weights. */
export const NON_FINITE = 'non-finite loss';

function copyTensors(t: Record<string, TensorData>): Record<string, TensorData> {
  const out: Record<string, TensorData> = {};
  for (const [k, v] of Object.entries(t)) out[k] = { dtype: v.dtype, shape: [...v.shape], data: (v.data as Float32Array).slice() };
  return out;
}

/**
 * Replaces each group's members by one flat float32 tensor holding them back to
 * back (a copy: the caller's arrays stay untouched).
 */
export function packTensors(tensors: Record<string, TensorData>, groups: readonly PackedGroup[]): Record<string, TensorData> {
  const out: Record<string, TensorData> = { ...tensors };
  for (const group of groups) {
    let total = 0;
    for (const m of group.members) {
      const t = tensors[m];
      if (!t) throw new Error(`packing ${group.name}: no tensor '${m}'`);
      total += t.data.length;
    }
    const flat = new Float32Array(total);
    let offset = 0;
    for (const m of group.members) {
      flat.set(tensors[m]!.data as Float32Array, offset);
      offset += tensors[m]!.data.length;
      delete out[m];
    }
    out[group.name] = { dtype: 'float32', shape: [total], data: flat };
  }
  return out;
}

/**
 * The inverse of {@link packTensors}; `shapes` gives each member's shape. With
 * `copy` false the members are views of the flat buffers (valid until the loop
 * writes them again).
 */
export function unpackTensors(tensors: Record<string, TensorData>, groups: readonly PackedGroup[], shapes: ReadonlyMap<string, readonly number[]>, copy: boolean): Record<string, TensorData> {
  const out: Record<string, TensorData> = { ...tensors };
  for (const group of groups) {
    const flat = tensors[group.name]!.data as Float32Array;
    let offset = 0;
    for (const m of group.members) {
      const shape = shapes.get(m)!;
      const size = sizeOf([...shape]);
      const view = flat.subarray(offset, offset + size);
      out[m] = { dtype: 'float32', shape: [...shape], data: copy ? view.slice() : view };
      offset += size;
    }
    delete out[group.name];
  }
  return out;
}

/**
 * Rows start..start+count of `source`, in `order` when given (gathered into
 * `into`, which the caller reuses from batch to batch: dropping the fresh
 * array per step took the dense benchmark's epoch from 0.99 to 0.92 s, mean of
 * eight epochs on 1 thread, scripts/bench/fit-epochs.ts before and after).
 */
function batchOf(source: Float32Array, shape: number[], order: Int32Array | null, start: number, count: number, into: Float32Array): TensorData {
  const size = sizeOf(shape);
  if (!order) return { dtype: 'float32', shape: [count, ...shape], data: source.subarray(start * size, (start + count) * size) };
  const out = into.subarray(0, count * size);
  for (let i = 0; i < count; i++) {
    const row = order[start + i]!;
    out.set(source.subarray(row * size, (row + 1) * size), i * size);
  }
  return { dtype: 'float32', shape: [count, ...shape], data: out };
}

function sampleCount(d: LoopData): number {
  return d.x.length / sizeOf(d.sampleShape);
}

/** One training or evaluation batch, ready to feed. */
interface FeedBatch {
  x: TensorData;
  target?: TensorData;
  count: number;
}

/** Batches of in-memory data; a shuffled batch is only valid until the next one is asked for (its buffer is reused). */
function* memoryBatches(data: LoopData, order: Int32Array | null, batchSize: number, targetIsInput: boolean): Generator<FeedBatch> {
  const n = sampleCount(data);
  const rows = Math.min(batchSize, n);
  const xBuffer = new Float32Array(order ? rows * sizeOf(data.sampleShape) : 0);
  const targetBuffer = new Float32Array(order && !targetIsInput ? rows * sizeOf(data.targetShape!) : 0);
  for (let start = 0; start < n; start += batchSize) {
    const count = Math.min(batchSize, n - start);
    const b: FeedBatch = { x: batchOf(data.x, data.sampleShape, order, start, count, xBuffer), count };
    if (!targetIsInput) b.target = batchOf(data.target!, data.targetShape!, order, start, count, targetBuffer);
    yield b;
  }
}

async function* fileBatches(data: StreamLoopData, batchSize: number, rng: Rng | undefined): AsyncGenerator<FeedBatch> {
  for await (const b of streamBatches(data.stream, { batchSize, shuffle: rng })) {
    const count = b.shape[0]!;
    yield { x: { dtype: 'float32', shape: [count, ...data.sampleShape], data: b.x }, count };
  }
}

/**
 * Asks for the next item before handing out the current one, so the file read
 * for batch k+1 runs on libuv's thread pool while batch k trains.
 */
async function* prefetch<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  // A read can fail while the consumer is busy with a step; marking the promise
  // handled keeps Node from treating that as an unhandled rejection before it is awaited.
  const ahead = (): Promise<IteratorResult<T>> => {
    const p = it.next();
    p.catch(() => undefined);
    return p;
  };
  let next = ahead();
  let finished = false;
  try {
    for (;;) {
      const r = await next;
      if (r.done) {
        finished = true;
        return;
      }
      next = ahead();
      yield r.value;
    }
  } finally {
    if (!finished) {
      // The consumer stopped early or a read failed: settle the read in flight, then close the file.
      await next.catch(() => undefined);
      await it.return?.(undefined);
    }
  }
}

function batchesOf(data: LoopData | StreamLoopData, batchSize: number, targetIsInput: boolean, order: Int32Array | null, rng?: Rng): Iterable<FeedBatch> | AsyncIterable<FeedBatch> {
  return isStreamData(data) ? prefetch(fileBatches(data, batchSize, rng)) : memoryBatches(data, order, batchSize, targetIsInput);
}

/** Mean of each metric over a dataset (arrays or a file, read in order), weighting batches by their size. */
export async function evaluateData(session: RuntimeSession, input: Pick<LoopInput, 'metrics' | 'targetIsInput' | 'tensors'>, data: LoopData | StreamLoopData, batchSize: number): Promise<EpochMetrics> {
  const sums: Record<string, number> = {};
  let n = 0;
  for await (const b of batchesOf(data, batchSize, input.targetIsInput, null)) {
    const feeds: Record<string, TensorData> = { ...input.tensors, x: b.x };
    if (b.target) feeds.target = b.target;
    const out = await session.run(feeds, input.metrics);
    for (const m of input.metrics) sums[m] = (sums[m] ?? 0) + Number(out[m]!.data[0]) * b.count;
    n += b.count;
  }
  const result: EpochMetrics = {};
  for (const m of input.metrics) result[m] = sums[m]! / n;
  return result;
}

/** Runs the epochs, reporting through `emit`; `shouldStop` is polled between batches. */
export async function runLoop(input: LoopInput, emit: (e: LoopEvent) => void, shouldStop: () => boolean = () => false): Promise<void> {
  const { options } = input;
  const data = input.data;
  const streamed = isStreamData(data);
  // An unknown size (a CSV stream) is learnt at the end of the first epoch.
  let n = streamed ? data.samples : sampleCount(data);
  if (!streamed && (!Number.isInteger(n) || n! < 1)) throw new Error(`training data holds ${data.x.length} values, not a whole number of samples of shape [${data.sampleShape}]`);
  const train = await RuntimeSession.create(input.trainModel, options.session);
  const evaluator = await RuntimeSession.create(input.evalModel, options.session);
  let finished: Extract<LoopEvent, { type: 'done' }>;
  // A file can fail mid-run (a bad row): the sessions are released all the same.
  try {
    const rng = new Rng(options.seed);
    if (options.rngState) rng.setState(options.rngState);
    const schedule = new LearningRateSchedule(options.baseLr, options.schedule);
    if (options.scheduleState) schedule.setState(options.scheduleState);
    // Flat groups stand in for their members from here until the tensors are handed back.
    const groups = input.packed ?? [];
    const members = new Set(groups.flatMap((gr) => gr.members));
    const shapes = new Map([...members].map((m) => [m, input.tensors[m]?.shape ?? []] as const));
    const handBack = (t: Record<string, TensorData>) => copyTensors(unpackTensors(t, groups, shapes, false));
    const updated = [...groups.map((gr) => gr.name), ...input.updated.filter((name) => !members.has(name))];
    let tensors = packTensors(input.tensors, groups);
    const history: EpochMetrics[] = [];
    let step = options.startStep ?? 0;
    let epoch = options.startEpoch ?? 0;
    let stopReason: string | undefined;
    const early = options.earlyStopping;
    let best = Infinity;
    let bestTensors: Record<string, TensorData> | undefined;
    let badEpochs = 0;
    const fetch = [...input.metrics, ...updated.map(nextName), NON_FINITE_CHECK];
    // Two buffer sets for the updated tensors: a step reads one and ONNX Runtime
    // writes the other in place, so no step allocates or copies weights.
    let spare: Record<string, TensorData> = {};
    for (const name of updated) {
      const t = tensors[name]!;
      spare[nextName(name)] = { dtype: t.dtype, shape: [...t.shape], data: (t.data as Float32Array).slice() };
    }
    tensors = copyTensors(tensors); // the caller's arrays stay untouched

    let resumeAt = options.partialEpoch;
    let partial: PartialEpoch | undefined;
    let stoppedRngState: number[] | undefined;
    for (; epoch < options.epochs && !stopReason; epoch++) {
      // A resumed epoch replays its permutation from the state saved at its start.
      if (resumeAt) rng.setState(resumeAt.rngState);
      const epochRngState = rng.getState();
      const lr = schedule.lrForEpoch(epoch);
      const batches = n === undefined ? undefined : Math.ceil(n / options.batchSize);
      // In-memory data keeps its exact permutation per epoch; a file gets a fork
      // of the same generator, so the saved generator state resumes either.
      const order = options.shuffle && !streamed ? rng.permutation(n!) : null;
      const fileRng = options.shuffle && streamed ? rng.fork() : undefined;
      const started = performance.now();
      let lastEmit = 0;
      let b = 0;
      let done = 0;
      let emitted = 0;
      let loss = NaN;
      const sums: Record<string, number> = { ...resumeAt?.sums };
      const skip = resumeAt?.batch ?? 0;
      if (resumeAt) {
        done = resumeAt.samples;
        b = skip;
        emitted = skip;
      }
      let visited = 0;
      resumeAt = undefined;
      const report = (now: number): void => {
        lastEmit = now;
        emitted = b;
        const seconds = (now - started) / 1000;
        emit({
          type: 'batch', epoch: epoch + 1, batch: b, batches, samples: done, step, loss, samplesPerSec: done / seconds,
          etaSeconds: n === undefined ? undefined : ((n - done) / done) * seconds,
        });
      };
      for await (const batch of batchesOf(data, options.batchSize, input.targetIsInput, order, fileRng)) {
        if (visited++ < skip) continue; // trained before the stop
        if (shouldStop()) {
          stopReason = STOPPED_BY_REQUEST;
          if (b > 0) partial = { batch: b, samples: done, rngState: epochRngState, sums: { ...sums } };
          break;
        }
        const feeds: Record<string, TensorData> = {
          ...tensors,
          x: batch.x,
          lr: { dtype: 'float32', shape: [], data: new Float32Array([lr]) },
          step: { dtype: 'float32', shape: [], data: new Float32Array([step + 1]) },
        };
        if (batch.target) feeds.target = batch.target;
        const out = await train.run(feeds, fetch, spare);
        loss = Number(out.loss!.data[0]);
        const check = out[NON_FINITE_CHECK] ? Number(out[NON_FINITE_CHECK].data[0]) : 0;
        if (!Number.isFinite(loss) || check !== 0) {
          const what = Number.isFinite(loss) ? 'parameters became non-finite' : `loss ${loss}`;
          stopReason = `${NON_FINITE} (${what}) at epoch ${epoch + 1}, step ${b + 1}${batches === undefined ? '' : ` of ${batches}`}; kept the weights from before that step`;
          break;
        }
        const next: Record<string, TensorData> = { ...tensors };
        const freed: Record<string, TensorData> = {};
        for (const name of updated) {
          next[name] = out[nextName(name)]!;
          freed[nextName(name)] = tensors[name]!;
        }
        tensors = next;
        spare = freed;
        step += 1;
        b += 1;
        done += batch.count;
        for (const m of input.metrics) sums[m] = (sums[m] ?? 0) + Number(out[m]!.data[0]) * batch.count;
        const now = performance.now();
        if (now - lastEmit > 200 || done === n) report(now);
      }
      if (stopReason) {
        // An unfinished epoch is not counted; the generator goes back to its start, so the epoch can be redone (or finished, see partial) in the same order.
        stoppedRngState = epochRngState;
        break;
      }
      // Of unknown size, the epoch's end shows only now: report its last batch.
      if (emitted !== b) report(performance.now());
      if (streamed) {
        if (done === 0) throw new DataFormatError(basename(data.stream.path), {}, 'holds no samples');
        if (n === undefined) n = done;
        else if (done !== n) throw new Error(`${data.stream.path}: an epoch delivered ${done} samples, expected ${n} (did the file change during training?)`);
      }
      const seen = Object.keys(sums).length ? done : 1;
      const metrics: EpochMetrics = {};
      for (const m of input.metrics) metrics[m] = (sums[m] ?? NaN) / seen;
      if (input.validation) {
        const val = await evaluateData(evaluator, { metrics: input.metrics, targetIsInput: input.targetIsInput, tensors: unpackTensors(tensors, groups, shapes, false) }, input.validation, options.batchSize);
        for (const [k, v] of Object.entries(val)) metrics[`val${k[0]!.toUpperCase()}${k.slice(1)}`] = v;
      }
      history.push(metrics);
      schedule.onEpochEnd(metrics);
      emit({
        type: 'epoch', epoch: epoch + 1, metrics, lr, seconds: (performance.now() - started) / 1000,
        tensors: options.snapshotEachEpoch ? handBack(tensors) : undefined, rngState: rng.getState(), scheduleState: schedule.getState(), step,
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
    // After a stop mid-epoch, the generator state to resume from is the one that epoch started with.
    finished = {
      type: 'done', tensors: handBack(tensors), history, epoch, step, stopReason, rngState: stoppedRngState ?? rng.getState(), scheduleState: schedule.getState(),
      ...(partial ? { partialEpoch: partial } : {}),
    };
  } finally {
    await train.release();
    await evaluator.release();
  }
  emit(finished);
}
