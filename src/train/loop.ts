/**
 * The training loop proper. It sees only ONNX bytes, tensor names and typed
 * arrays, so it runs the same inline or inside a worker thread.
 */
import { basename } from 'node:path';
import { DataFormatError } from '../data/errors.js';
import { Rng } from '../data/random.js';
import { type StreamSource, streamBatches } from '../data/source.js';
import { type TensorData, sizeOf } from '../graph/types.js';
import { RuntimeSession, type SessionOptions, resolveDevice } from '../onnx/runtime.js';
import { LearningRateSchedule, type ScheduleConfig, type ScheduleState } from '../optim/schedules.js';
import { CHUNK_FIRST_STEP, CHUNK_ROWS, CHUNK_STEPS, chunkInputName, chunkedStep, graphSignature } from './chunk.js';
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
  schedule?: ScheduleConfig;
  earlyStopping?: EarlyStopping;
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

function sampleCount(d: LoopData): number {
  return d.x.length / sizeOf(d.sampleShape);
}

/** One training or evaluation batch, ready to feed. */
interface FeedBatch {
  x: TensorData;
  target?: TensorData;
  count: number;
}

/** Batches of in-memory data, in order (views of the arrays). */
function* memoryBatches(data: LoopData, batchSize: number, targetIsInput: boolean): Generator<FeedBatch> {
  const n = sampleCount(data);
  const xSize = sizeOf(data.sampleShape);
  const targetSize = targetIsInput ? 0 : sizeOf(data.targetShape!);
  for (let start = 0; start < n; start += batchSize) {
    const count = Math.min(batchSize, n - start);
    const b: FeedBatch = { x: { dtype: 'float32', shape: [count, ...data.sampleShape], data: data.x.subarray(start * xSize, (start + count) * xSize) }, count };
    if (!targetIsInput) b.target = { dtype: 'float32', shape: [count, ...data.targetShape!], data: data.target!.subarray(start * targetSize, (start + count) * targetSize) };
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

function batchesOf(data: LoopData | StreamLoopData, batchSize: number, targetIsInput: boolean): Iterable<FeedBatch> | AsyncIterable<FeedBatch> {
  return isStreamData(data) ? prefetch(fileBatches(data, batchSize, undefined)) : memoryBatches(data, batchSize, targetIsInput);
}

/** Most steps one call runs under 'auto'. */
const AUTO_MAX_STEPS = 64;
/** 'auto' aims each call at about this long: a stop request or progress report waits at most that. */
const AUTO_CALL_MS = 200;
/** Stacked batches of one call (a file's, copied as they arrive) stay under this size. */
const MAX_CHUNK_BYTES = 64 * 2 ** 20;

/**
 * Consecutive batches of one size for one call: `x` holds `steps` batches of
 * `count` samples back to back (and `target` alike); or, with `rows`, `x` and
 * `target` are the whole data set and `rows` the samples of each batch.
 */
interface FeedChunk {
  x: Float32Array;
  target?: Float32Array;
  rows?: Int32Array;
  steps: number;
  count: number;
}

/**
 * Rows start..start+rows of `source` (each `size` values), in `order` when
 * given (gathered into `into`, which the caller reuses from call to call: a
 * fresh array per step had cost the dense benchmark's epoch 0.92 → 0.99 s,
 * bench/speed/fit-epochs.ts).
 */
function rowsOf(source: Float32Array, size: number, order: Int32Array | null, start: number, rows: number, into: Float32Array): Float32Array {
  if (!order) return source.subarray(start * size, (start + rows) * size);
  const out = into.subarray(0, rows * size);
  for (let i = 0; i < rows; i++) {
    const row = order[start + i]!;
    out.set(source.subarray(row * size, (row + 1) * size), i * size);
  }
  return out;
}

/** A buffer of at least `length` values: `buffer` itself when it is big enough. */
function atLeast(buffer: Float32Array, length: number): Float32Array {
  return buffer.length >= length ? buffer : new Float32Array(length);
}

/**
 * In-memory data as chunks from batch `first` on: full batches, `wanted()` of
 * them per chunk (fewer at the end), then the short last batch alone. Given
 * `identity` (0, 1, …, n−1), a chunk names its samples (`rows`: a view of the
 * shuffled order, or of `identity` in order) for ONNX Runtime to gather;
 * otherwise a shuffled chunk is gathered here, into a buffer reused by the
 * next chunk.
 */
function* memoryChunks(data: LoopData, order: Int32Array | null, batchSize: number, targetIsInput: boolean, first: number, wanted: () => number, identity: Int32Array | null): Generator<FeedChunk> {
  const n = sampleCount(data);
  const xSize = sizeOf(data.sampleShape);
  const targetSize = targetIsInput ? 0 : sizeOf(data.targetShape!);
  let xBuffer: Float32Array = new Float32Array(0);
  let targetBuffer: Float32Array = new Float32Array(0);
  for (let start = first * batchSize; start < n;) {
    const full = Math.floor((n - start) / batchSize);
    const steps = full === 0 ? 1 : Math.max(1, Math.min(full, wanted()));
    const count = full === 0 ? n - start : batchSize;
    const rows = steps * count;
    if (identity) {
      yield { x: data.x, ...(targetIsInput ? {} : { target: data.target! }), rows: (order ?? identity).subarray(start, start + rows), steps, count };
      start += rows;
      continue;
    }
    if (order) xBuffer = atLeast(xBuffer, rows * xSize);
    const chunk: FeedChunk = { x: rowsOf(data.x, xSize, order, start, rows, xBuffer), steps, count };
    if (!targetIsInput) {
      if (order) targetBuffer = atLeast(targetBuffer, rows * targetSize);
      chunk.target = rowsOf(data.target!, targetSize, order, start, rows, targetBuffer);
    }
    yield chunk;
    start += rows;
  }
}

/**
 * A file's batches (after the first `skip`) as chunks: up to `wanted()`
 * consecutive batches of the same size, copied into one reusable buffer as
 * they arrive (the reader keeps going, one batch ahead, while a chunk trains).
 */
async function* streamChunks(batches: AsyncIterable<FeedBatch>, skip: number, wanted: () => number): AsyncGenerator<FeedChunk> {
  let buffer: Float32Array = new Float32Array(0);
  let chunk: FeedChunk | undefined;
  let limit = 0;
  let filled = 0;
  let seen = 0;
  const finish = (c: FeedChunk): FeedChunk => ({ ...c, x: buffer.subarray(0, filled) });
  for await (const b of batches) {
    if (seen++ < skip) continue;
    const values = b.x.data as Float32Array;
    if (chunk && b.count !== chunk.count) {
      yield finish(chunk);
      chunk = undefined;
    }
    if (!chunk) {
      limit = Math.max(1, wanted());
      buffer = atLeast(buffer, limit * values.length);
      chunk = { x: buffer, steps: 0, count: b.count };
      filled = 0;
    }
    buffer.set(values, filled);
    filled += values.length;
    chunk.steps += 1;
    if (chunk.steps >= limit) {
      yield finish(chunk);
      chunk = undefined;
    }
  }
  if (chunk) yield finish(chunk);
}

/** Mean of each metric over a dataset (arrays or a file, read in order), weighting batches by their size. */
export async function evaluateData(session: RuntimeSession, input: Pick<LoopInput, 'metrics' | 'targetIsInput' | 'tensors'>, data: LoopData | StreamLoopData, batchSize: number): Promise<EpochMetrics> {
  const sums: Record<string, number> = {};
  let n = 0;
  for await (const b of batchesOf(data, batchSize, input.targetIsInput)) {
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

/** Runs the epochs, reporting through `emit`; `shouldStop` is polled between calls into ONNX Runtime. */
export async function runLoop(input: LoopInput, emit: (e: LoopEvent) => void, shouldStop: () => boolean = () => false): Promise<void> {
  const { options } = input;
  const data = input.data;
  const streamed = isStreamData(data);
  // An unknown size (a CSV stream) is learnt at the end of the first epoch.
  let n = streamed ? data.samples : sampleCount(data);
  if (!streamed && (!Number.isInteger(n) || n! < 1)) throw new Error(`training data holds ${data.x.length} values, not a whole number of samples of shape [${data.sampleShape}]`);
  // Flat groups stand in for their members from here until the tensors are handed back.
  const groups = input.packed ?? [];
  const members = new Set(groups.flatMap((gr) => gr.members));
  const shapes = new Map([...members].map((m) => [m, input.tensors[m]?.shape ?? []] as const));
  const handBack = (t: Record<string, TensorData>) => copyTensors(unpackTensors(t, groups, shapes, false));
  const updated = [...groups.map((gr) => gr.name), ...input.updated.filter((name) => !members.has(name))];
  const checked = graphSignature(input.trainModel).outputs.includes(NON_FINITE_CHECK);
  const perStepOutputs = [...input.metrics, ...(checked ? [NON_FINITE_CHECK] : [])];
  const perCall = options.stepsPerExecution ?? 'auto';
  const device = options.session?.executionProviders?.[0] ?? resolveDevice(options.session?.device);
  // On WebGPU 'auto' runs one plain step per call: how that provider places a
  // Loop and its loop-carried state is not measured yet (issue #16's GPU check
  // times an explicit stepsPerExecution there).
  const looped = perCall !== 1 && (device === 'cpu' || perCall !== 'auto');
  // In-memory data goes in whole, and ONNX Runtime gathers each step's samples
  // (on the CPU: a GPU would receive the whole table every call).
  const byRows = looped && !streamed && device === 'cpu';
  const trainModel = looped
    ? chunkedStep(input.trainModel, {
      carried: updated, next: nextName, perStep: input.targetIsInput ? ['x'] : ['x', 'target'], rows: byRows, counter: 'step', perStepOutputs, stopUnlessFinite: ['loss', ...(checked ? [NON_FINITE_CHECK] : [])],
    })
    : input.trainModel;
  const train = await RuntimeSession.create(trainModel, options.session);
  const evaluator = await RuntimeSession.create(input.evalModel, options.session);
  let finished: Extract<LoopEvent, { type: 'done' }>;
  // A file can fail mid-run (a bad row): the sessions are released all the same.
  try {
    const rng = new Rng(options.seed);
    if (options.rngState) rng.setState(options.rngState);
    const schedule = new LearningRateSchedule(options.baseLr, options.schedule);
    if (options.scheduleState) schedule.setState(options.scheduleState);
    let tensors = packTensors(input.tensors, groups);
    const history: EpochMetrics[] = [];
    let step = options.startStep ?? 0;
    let epoch = options.startEpoch ?? 0;
    let stopReason: string | undefined;
    const early = options.earlyStopping;
    let best = Infinity;
    let bestTensors: Record<string, TensorData> | undefined;
    let badEpochs = 0;
    const fetch = [...perStepOutputs, ...updated.map(nextName)];
    // Two buffer sets for the updated tensors: a call reads one and ONNX Runtime
    // writes the other in place, so no step allocates weights.
    let spare: Record<string, TensorData> = {};
    for (const name of updated) {
      const t = tensors[name]!;
      spare[nextName(name)] = { dtype: t.dtype, shape: [...t.shape], data: (t.data as Float32Array).slice() };
    }
    tensors = copyTensors(tensors); // the caller's arrays stay untouched

    const targetShape = streamed || input.targetIsInput ? [] : data.targetShape!;
    const identity = byRows ? Int32Array.from({ length: n! }, (_, i) => i) : null;
    const bytesPerStep = options.batchSize * (sizeOf(data.sampleShape) + sizeOf(targetShape)) * 4;
    let stepMs: number | undefined;
    /** Steps for the next call: 'auto' starts with one, then sizes calls by the time a step took. */
    const wanted = (): number => {
      if (!looped) return 1;
      if (perCall !== 'auto') return perCall;
      if (stepMs === undefined) return 1;
      const cap = byRows ? AUTO_MAX_STEPS : Math.max(1, Math.min(AUTO_MAX_STEPS, Math.floor(MAX_CHUNK_BYTES / bytesPerStep)));
      return Math.max(1, Math.min(cap, Math.round(AUTO_CALL_MS / stepMs)));
    };
    const scalar = (v: number): TensorData => ({ dtype: 'float32', shape: [], data: new Float32Array([v]) });
    /**
     * Runs the first `steps` steps of `chunk` from `tensors`, writing the state
     * after them into `spare`. Returns each per-step output by step, how many
     * steps ran and the first whose loss or parameters are not finite (-1: none;
     * a chunked call stops after it).
     */
    const runChunk = async (chunk: FeedChunk, steps: number, lr: number) => {
      const feeds: Record<string, TensorData> = { ...tensors, lr: scalar(lr) };
      const sample = (name: 'x' | 'target') => (name === 'x' ? data.sampleShape : targetShape);
      for (const [name, values] of [['x', chunk.x], ['target', chunk.target]] as const) {
        if (!values) continue;
        // A table of every sample, the steps' batches stacked, or one batch.
        if (chunk.rows) feeds[chunkInputName(name)] = { dtype: 'float32', shape: [values.length / sizeOf(sample(name)), ...sample(name)], data: values };
        else if (looped) feeds[chunkInputName(name)] = { dtype: 'float32', shape: [chunk.steps, chunk.count, ...sample(name)], data: values };
        else feeds[name] = { dtype: 'float32', shape: [chunk.count, ...sample(name)], data: values };
      }
      if (chunk.rows) feeds[CHUNK_ROWS] = { dtype: 'int32', shape: [chunk.steps, chunk.count], data: chunk.rows };
      if (looped) {
        feeds[CHUNK_FIRST_STEP] = scalar(step + 1);
        feeds[CHUNK_STEPS] = { dtype: 'int64', shape: [], data: BigInt64Array.of(BigInt(steps)) };
      } else feeds.step = scalar(step + 1);
      const out = await train.run(feeds, fetch, spare);
      const ran = looped ? out.loss!.data.length : 1;
      const at = (name: string, i: number): number => {
        const values = out[name]!.data;
        return Number(values[i * (values.length / ran)]);
      };
      let bad = -1;
      for (let i = 0; i < ran && bad < 0; i++) {
        if (!Number.isFinite(at('loss', i)) || (checked && at(NON_FINITE_CHECK, i) !== 0)) bad = i;
      }
      if (bad < 0 && ran !== steps) throw new Error(`training: ONNX Runtime ran ${ran} of ${steps} steps, yet every one of them was finite`);
      return { out, ran, bad, at };
    };

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
      const chunks = streamed
        ? streamChunks(prefetch(fileBatches(data, options.batchSize, fileRng)), skip, wanted)
        : memoryChunks(data, order, options.batchSize, input.targetIsInput, skip, wanted, identity);
      for await (const chunk of chunks) {
        if (shouldStop()) {
          stopReason = STOPPED_BY_REQUEST;
          if (b > 0) partial = { batch: b, samples: done, rngState: epochRngState, sums: { ...sums } };
          break;
        }
        const callStarted = performance.now();
        let run = await runChunk(chunk, chunk.steps, lr);
        let failure: string | undefined;
        while (run.bad >= 0) {
          const badLoss = run.at('loss', run.bad);
          const what = Number.isFinite(badLoss) ? 'parameters became non-finite' : `loss ${badLoss}`;
          failure = `${NON_FINITE} (${what}) at epoch ${epoch + 1}, step ${b + run.bad + 1}${batches === undefined ? '' : ` of ${batches}`}; kept the weights from before that step`;
          if (run.bad === 0) break;
          // The state before the bad step stayed inside ONNX Runtime: run the
          // good steps again from the chunk's start (the inputs are untouched).
          // Random ops draw anew in the replay; a replay that itself fails
          // earlier moves the stop there.
          run = await runChunk(chunk, run.bad, lr);
        }
        const good = run.bad === 0 ? 0 : run.ran;
        if (good > 0) {
          const next: Record<string, TensorData> = { ...tensors };
          const freed: Record<string, TensorData> = {};
          for (const name of updated) {
            next[name] = run.out[nextName(name)]!;
            freed[nextName(name)] = tensors[name]!;
          }
          tensors = next;
          spare = freed;
          for (let i = 0; i < good; i++) for (const m of input.metrics) sums[m] = (sums[m] ?? 0) + run.at(m, i) * chunk.count;
          loss = run.at('loss', good - 1);
          step += good;
          b += good;
          done += good * chunk.count;
        }
        if (failure) {
          stopReason = failure;
          break;
        }
        stepMs = (performance.now() - callStarted) / chunk.steps;
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
