/**
 * The data as the training loop feeds it: in-memory arrays or a file read
 * epoch by epoch, cut into batches (for evaluation and one-step calls) or into
 * chunks of consecutive batches (for calls that run several steps).
 */
import type { Rng } from '../data/random.js';
import { type StreamSource, streamBatches } from '../data/source.js';
import { type TensorData, sizeOf } from '../graph/types.js';

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

export function sampleCount(d: LoopData): number {
  return d.x.length / sizeOf(d.sampleShape);
}

/** One training or evaluation batch, ready to feed. */
export interface FeedBatch {
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

export async function* fileBatches(data: StreamLoopData, batchSize: number, rng: Rng | undefined): AsyncGenerator<FeedBatch> {
  for await (const b of streamBatches(data.stream, { batchSize, shuffle: rng })) {
    const count = b.shape[0]!;
    yield { x: { dtype: 'float32', shape: [count, ...data.sampleShape], data: b.x }, count };
  }
}

/**
 * Asks for the next item before handing out the current one, so the file read
 * for batch k+1 runs on libuv's thread pool while batch k trains.
 */
export async function* prefetch<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
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

export function batchesOf(data: LoopData | StreamLoopData, batchSize: number, targetIsInput: boolean): Iterable<FeedBatch> | AsyncIterable<FeedBatch> {
  return isStreamData(data) ? prefetch(fileBatches(data, batchSize, undefined)) : memoryBatches(data, batchSize, targetIsInput);
}


/**
 * Consecutive batches of one size for one call: `x` holds `steps` batches of
 * `count` samples back to back (and `target` alike); or, with `rows`, `x` and
 * `target` are the whole data set and `rows` the samples of each batch.
 */
export interface FeedChunk {
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
export function* memoryChunks(data: LoopData, order: Int32Array | null, batchSize: number, targetIsInput: boolean, first: number, wanted: () => number, identity: Int32Array | null): Generator<FeedChunk> {
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
export async function* streamChunks(batches: AsyncIterable<FeedBatch>, skip: number, wanted: () => number): AsyncGenerator<FeedChunk> {
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
