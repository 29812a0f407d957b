/**
 * TensorBoard event files written directly: `tensorboard --logdir runs` shows
 * the scalars, images and histograms without TensorFlow or Python on the
 * writing side.
 *
 * An event file is a sequence of TFRecords, each
 *
 *     uint64 length (little-endian) | uint32 masked CRC-32C of those 8 bytes |
 *     data (one serialized `Event`)  | uint32 masked CRC-32C of the data
 *
 * and the first event holds `file_version: "brain.Event:2"`. Field numbers follow
 * TensorFlow's published `event.proto` and `summary.proto` (also vendored by
 * TensorBoard under `tensorboard/compat/proto`): Event{wall_time=1 (double),
 * step=2 (int64), file_version=3, summary=5}; Summary{value=1};
 * Summary.Value{tag=1, simple_value=2 (float), image=4, histo=5};
 * Summary.Image{height=1, width=2, colorspace=3, encoded_image_string=4};
 * HistogramProto{min=1, max=2, num=3, sum=4, sum_squares=5, bucket_limit=6,
 * bucket=7 (packed doubles)}.
 */

import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { maskedCrc32c } from './crc32c.js';
import { ProtoWriter } from './protobuf.js';

/** Options of {@link TensorBoardWriter.open}. */
export interface TensorBoardWriterOptions {
  /** Host name in the file name (default: `os.hostname()`). */
  hostname?: string;
  /** Clock in milliseconds since the epoch, for the file name and each event's wall time (default `Date.now`). */
  now?: () => number;
}

/** Options of {@link TensorBoardWriter.addHistogram}. */
export interface HistogramOptions {
  /** Number of equal-width buckets between the smallest and largest value (default 30). */
  bins?: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** One TFRecord: length, masked CRC of the length, data, masked CRC of the data. */
export function tfRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length + 4);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

function checkTag(tag: unknown, what: string): string {
  if (typeof tag !== 'string' || tag.length === 0) throw new TypeError(`TensorBoardWriter.${what}: tag must be a non-empty string, got ${JSON.stringify(tag)}`);
  return tag;
}

function checkStep(step: unknown, what: string, tag: string): number {
  if (typeof step !== 'number' || !Number.isSafeInteger(step)) throw new TypeError(`TensorBoardWriter.${what} '${tag}': step must be an integer, got ${String(step)}`);
  return step;
}

/** Width, height and TensorBoard colorspace (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA) from a PNG's IHDR chunk. */
function pngHeader(png: Uint8Array, tag: string): { width: number; height: number; colorspace: number } {
  const isPng = png.length >= 26 && PNG_SIGNATURE.every((b, i) => png[i] === b) && String.fromCharCode(...png.subarray(12, 16)) === 'IHDR';
  if (!isPng) throw new TypeError(`TensorBoardWriter.addImage '${tag}': expected the bytes of a PNG file (signature and IHDR chunk), got ${png.length} bytes that are not`);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const colorType = png[25]!;
  const colorspace = colorType === 0 ? 1 : colorType === 4 ? 2 : colorType === 6 ? 4 : 3;
  return { width: view.getUint32(16), height: view.getUint32(20), colorspace };
}

/**
 * Appends events to one new event file `events.out.tfevents.<seconds>.<host>`
 * in `logdir`. Each event is written with one synchronous write as it is
 * added, so a crash loses at most the event being written, and TensorBoard
 * (which tails event files) shows training as it happens.
 *
 * @example
 * const tb = TensorBoardWriter.open('runs/demo/tb');
 * tb.addScalar('loss/train', 0.031, 1);
 * tb.addImage('reconstructions', pngBytes, 1);
 * tb.close();
 */
export class TensorBoardWriter {
  private fd: number | null;
  private readonly now: () => number;

  private constructor(
    /** Path of the event file. */
    readonly file: string,
    fd: number,
    now: () => number,
  ) {
    this.fd = fd;
    this.now = now;
  }

  /**
   * Creates `logdir` if needed and a new event file in it (never appending to
   * another writer's file: a name already taken gets `.<pid>.<n>` appended).
   */
  static open(logdir: string, options: TensorBoardWriterOptions = {}): TensorBoardWriter {
    if (typeof logdir !== 'string' || logdir.length === 0) throw new TypeError(`TensorBoardWriter.open: logdir must be a non-empty path, got ${JSON.stringify(logdir)}`);
    const now = options.now ?? Date.now;
    // Host names may hold characters a file name cannot (a '/' in a container's name).
    const host = (options.hostname ?? osHostname()).replace(/[^A-Za-z0-9._-]/g, '_') || 'localhost';
    try {
      mkdirSync(logdir, { recursive: true });
    } catch (e) {
      throw new Error(`TensorBoardWriter.open: cannot create the log directory ${logdir}: ${(e as Error).message}`);
    }
    const base = join(logdir, `events.out.tfevents.${Math.floor(now() / 1000)}.${host}`);
    for (let attempt = 0; ; attempt++) {
      const file = attempt === 0 ? base : `${base}.${process.pid}.${attempt}`;
      try {
        const fd = openSync(file, 'wx');
        const writer = new TensorBoardWriter(file, fd, now);
        writer.writeEvent(new ProtoWriter().string(3, 'brain.Event:2'), 0);
        return writer;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 1000) throw e;
      }
    }
  }

  private writeEvent(what: ProtoWriter, step: number, wallTime?: number): void {
    if (this.fd === null) throw new Error(`TensorBoardWriter: ${this.file} is closed`);
    const event = new ProtoWriter().double(1, wallTime ?? this.now() / 1000).int(2, step);
    const bytes = tfRecord(concat(event.finish(), what.finish()));
    writeSync(this.fd, bytes);
  }

  private writeValues(values: ProtoWriter[], step: number, wallTime?: number): void {
    const summary = new ProtoWriter();
    for (const v of values) summary.message(1, v);
    this.writeEvent(new ProtoWriter().message(5, summary), step, wallTime);
  }

  /** One scalar (NaN and ±Infinity are written as they are, so a diverging loss shows). */
  addScalar(tag: string, value: number, step: number, wallTime?: number): void {
    checkTag(tag, 'addScalar');
    checkStep(step, 'addScalar', tag);
    if (typeof value !== 'number') throw new TypeError(`TensorBoardWriter.addScalar '${tag}': value must be a number, got ${typeof value}`);
    this.writeValues([new ProtoWriter().string(1, tag).float(2, value)], step, wallTime);
  }

  /**
   * One tag's values at consecutive steps, the last at `lastStep`: one point
   * per step, e.g. every step's loss from a progress event's `losses` (the
   * steps since the previous event).
   */
  addScalarSeries(tag: string, values: readonly number[], lastStep: number, wallTime?: number): void {
    checkTag(tag, 'addScalarSeries');
    if (!Array.isArray(values)) throw new TypeError(`TensorBoardWriter.addScalarSeries '${tag}': values must be an array of numbers`);
    checkStep(lastStep - values.length + 1, 'addScalarSeries', tag);
    values.forEach((v, i) => this.addScalar(tag, v, lastStep - values.length + 1 + i, wallTime));
  }

  /** Several scalars of the same step in one event, e.g. an epoch's metrics `{ 'loss/train': …, 'loss/validation': … }`. */
  addScalars(values: Record<string, number>, step: number, wallTime?: number): void {
    const entries = Object.entries(values ?? {});
    for (const [tag, value] of entries) {
      checkTag(tag, 'addScalars');
      if (typeof value !== 'number') throw new TypeError(`TensorBoardWriter.addScalars '${tag}': value must be a number, got ${typeof value}`);
    }
    checkStep(step, 'addScalars', entries[0]?.[0] ?? '');
    if (entries.length === 0) return;
    this.writeValues(entries.map(([tag, value]) => new ProtoWriter().string(1, tag).float(2, value)), step, wallTime);
  }

  /** A PNG image (e.g. from {@link reconstructionGridPng}); its size is read from the PNG header. */
  addImage(tag: string, png: Uint8Array, step: number, wallTime?: number): void {
    checkTag(tag, 'addImage');
    checkStep(step, 'addImage', tag);
    if (!(png instanceof Uint8Array)) throw new TypeError(`TensorBoardWriter.addImage '${tag}': expected PNG bytes as a Uint8Array (or Buffer)`);
    const { width, height, colorspace } = pngHeader(png, tag);
    const image = new ProtoWriter().int(1, height).int(2, width).int(3, colorspace).bytes(4, png);
    this.writeValues([new ProtoWriter().string(1, tag).message(4, image)], step, wallTime);
  }

  /**
   * A histogram of `values` (e.g. a layer's weights) in equal-width buckets.
   * Non-finite values are left out; with none left nothing is written.
   */
  addHistogram(tag: string, values: ArrayLike<number>, step: number, options: HistogramOptions = {}, wallTime?: number): void {
    checkTag(tag, 'addHistogram');
    checkStep(step, 'addHistogram', tag);
    const bins = options.bins ?? 30;
    if (!(Number.isInteger(bins) && bins >= 1 && bins <= 10000)) throw new RangeError(`TensorBoardWriter.addHistogram '${tag}': bins must be an integer in [1, 10000], got ${bins}`);
    if (values === null || typeof values !== 'object' || typeof values.length !== 'number') throw new TypeError(`TensorBoardWriter.addHistogram '${tag}': values must be an array or typed array`);
    let min = Infinity;
    let max = -Infinity;
    let num = 0;
    let sum = 0;
    let sumSquares = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!Number.isFinite(v)) continue;
      if (v < min) min = v;
      if (v > max) max = v;
      num++;
      sum += v;
      sumSquares += v * v;
    }
    if (num === 0) return;
    // bucket_limit[i] is bucket i's right edge; TensorBoard takes the last bucket's right edge from max.
    const k = max > min ? bins : 1;
    const width = (max - min) / k;
    const counts = new Float64Array(k);
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!Number.isFinite(v)) continue;
      counts[k === 1 ? 0 : Math.min(k - 1, Math.floor((v - min) / width))]!++;
    }
    const limits = new Float64Array(k);
    for (let b = 0; b < k; b++) limits[b] = b === k - 1 ? max : min + (b + 1) * width;
    const histo = new ProtoWriter().double(1, min).double(2, max).double(3, num).double(4, sum).double(5, sumSquares).packedDoubles(6, limits).packedDoubles(7, counts);
    this.writeValues([new ProtoWriter().string(1, tag).message(5, histo)], step, wallTime);
  }

  /** Forces written events to disk (they are already in the file; this survives a power loss). */
  flush(): void {
    if (this.fd !== null) fsyncSync(this.fd);
  }

  /** Flushes and closes the file; later adds throw. Closing twice is harmless. */
  close(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
