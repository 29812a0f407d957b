/**
 * File sources for training: a plain, serializable description of a CSV or NPY
 * file (plus per-feature preprocessing) that the trainer's worker thread opens
 * itself, and the batcher that turns it into fixed-size, optionally shuffled
 * batches. A description crosses the worker boundary; an open file or a live
 * iterator would not, which is why `fit` takes this instead of a stream.
 */
import { resolve as resolvePath, basename, extname } from 'node:path';
import { ConfigError, argNames, optionsOf, show } from '../config/validate.js';
import { checkNonFinitePolicy } from './dtype.js';
import { DataFormatError, noSamplesError } from './errors.js';
import { Rng } from './random.js';
import { scalerFromJSON, type Scaler, type ScalerJSON } from './preprocess.js';
import { openCsvStream, openNpyStream, type CsvStream, type CsvStreamOptions, type NpyStream, type NpyStreamOptions } from './stream.js';
import type { Batch } from './types.js';
import { shapeSize } from './types.js';

/** Shuffle buffer default: this many samples, or fewer so the buffer stays under {@link SHUFFLE_BUFFER_MAX_BYTES}. */
export const DEFAULT_SHUFFLE_BUFFER = 10_000;
/** Cap on the default shuffle buffer's size in bytes (64 MiB); an explicit `shuffleBuffer` is not capped. */
export const SHUFFLE_BUFFER_MAX_BYTES = 64 * 2 ** 20;

/** Fields every file source has. */
export interface SourceCommon {
  /** Absolute path of the file (the worker thread opens it again every epoch). */
  path: string;
  /**
   * Shape each sample is given before it reaches the model, e.g. `[1, 28, 28]`
   * for CSV rows of 784 pixels. Must hold as many values as a sample of the
   * file. Default: the file's own sample shape (`[columns]` for CSV).
   */
  sampleShape?: number[];
  /**
   * Fitted scaler (its `toJSON()`), applied to every batch as it is read; its
   * sample shape must be the file's. Fit it first with `partialFit` over a
   * stream of the same file (see {@link openNpyStream}, {@link openCsvStream}).
   */
  scaler?: ScalerJSON;
  /**
   * Samples held in the shuffle buffer when shuffling (as `tf.data`'s
   * `shuffle(buffer_size)`): each output sample is drawn uniformly from the
   * buffer and replaced by the next one read. An exact global shuffle would need
   * the whole file in memory; a buffer at least as large as the file gives one.
   * Default {@link DEFAULT_SHUFFLE_BUFFER} samples, capped at 64 MiB.
   */
  shuffleBuffer?: number;
}

/** An .npy file; samples along the first axis. Reading options as in {@link NpyStreamOptions}. */
export interface NpySource extends SourceCommon, Omit<NpyStreamOptions, 'batchSize' | 'shuffle' | 'seed'> {
  kind: 'npy';
  /**
   * Samples per read. When shuffling, these blocks are read in a seeded random
   * order before passing through the shuffle buffer, so that even a file sorted
   * by class comes out mixed. Default: about 1 MiB of samples.
   */
  readBlock?: number;
}

/** A CSV file; one sample per row. Parsing options as in {@link CsvStreamOptions}. */
export interface CsvSource extends SourceCommon, Omit<CsvStreamOptions, 'batchSize'> {
  kind: 'csv';
}

/**
 * A file to train on without loading it: create with {@link streamSource} and
 * pass to `fit` (as the data or as `validationData`). Plain JSON, so it can be
 * sent to the worker thread and stored in logs.
 */
export type StreamSource = NpySource | CsvSource;

/** Options of {@link streamSource}: the fields of a source, with `format` and a live scaler allowed. */
export type StreamSourceOptions = Omit<Partial<NpySource> & Partial<CsvSource>, 'kind' | 'path' | 'scaler'> & {
  /** `'npy'` or `'csv'`. Default: from the extension (`.npy`; `.csv`, `.tsv`, `.txt`). */
  format?: 'npy' | 'csv';
  /** A fitted scaler or its JSON. */
  scaler?: Scaler | ScalerJSON;
};

const STREAM_SOURCE_OPTIONS = argNames<StreamSourceOptions>()([
  'format', 'scaler', 'sampleShape', 'shuffleBuffer', 'scale', 'nonFinite', 'readBlock',
  'delimiter', 'header', 'labelColumn', 'labelNames', 'columns', 'naValues', 'impute', 'chunkBytes', 'maxLineLength',
]);
const NPY_ONLY = ['scale', 'nonFinite', 'readBlock'] as const;
const CSV_ONLY = ['delimiter', 'header', 'labelColumn', 'labelNames', 'columns', 'naValues', 'impute', 'chunkBytes', 'maxLineLength'] as const;

function positiveInt(v: unknown, what: string): number {
  if (!(typeof v === 'number' && Number.isInteger(v) && v >= 1)) throw new RangeError(`${what} must be a positive integer, got ${show(v)}`);
  return v;
}

/**
 * Describes a CSV or NPY file to train on in batches, without loading it whole:
 *
 * ```ts
 * const scaler = new StandardScaler();
 * for await (const b of await openCsvStream('big.csv', { batchSize: 4096 })) scaler.partialFit(b);
 * await model.fit(streamSource('big.csv', { scaler }), { epochs: 3, batchSize: 256 });
 * ```
 *
 * Each epoch reads the file again from the start, in batches of the trainer's
 * `batchSize`. With `shuffle` (the default in `fit`) samples pass through a
 * seeded shuffle buffer of `shuffleBuffer` samples (NPY files are also read in
 * blocks of random order); the order depends only on the seed and the epoch.
 * NaN/Inf values are errors naming the file and the line (CSV) or byte and
 * sample (NPY) unless `impute` (CSV) or `nonFinite` (NPY) says otherwise.
 * @throws {RangeError} for a format that cannot be told from the extension
 *   or an option of the other format (the file is opened later, by `fit`).
 * @throws {ConfigError} for an unknown option or a bad `format`, `nonFinite` or `scale`.
 */
export function streamSource(path: string, options?: StreamSourceOptions): StreamSource {
  const { format, scaler, ...rest } = optionsOf(options, 'streamSource', STREAM_SOURCE_OPTIONS);
  if (format !== undefined && format !== 'npy' && format !== 'csv') throw new ConfigError('streamSource.format', `expected 'npy' or 'csv', got ${show(format)}`);
  const ext = extname(path).toLowerCase();
  const kind = format ?? (ext === '.npy' ? 'npy' : ['.csv', '.tsv', '.txt'].includes(ext) ? 'csv' : undefined);
  if (kind !== 'npy' && kind !== 'csv') {
    throw new RangeError(`streamSource: cannot tell the format of ${basename(path)} from its extension; pass format: 'npy' | 'csv'`);
  }
  const wrong = (kind === 'npy' ? CSV_ONLY : NPY_ONLY).filter((k) => (rest as Record<string, unknown>)[k] !== undefined);
  if (wrong.length) throw new RangeError(`streamSource: option ${wrong.map((w) => `'${w}'`).join(', ')} does not apply to ${kind.toUpperCase()} files`);
  if ((rest.nonFinite as unknown) === 'mean') throw new ConfigError('streamSource.nonFinite', "'mean' needs the whole file before the first batch; pass 'zero' or a number (e.g. the mean from a first pass)");
  checkNonFinitePolicy(rest.nonFinite, 'streamSource.nonFinite', ['error', 'allow', 'zero']);
  if (rest.scale !== undefined && !(typeof rest.scale === 'number' && Number.isFinite(rest.scale))) throw new ConfigError('streamSource.scale', `expected a finite number, got ${show(rest.scale)}`);
  if (rest.shuffleBuffer !== undefined) positiveInt(rest.shuffleBuffer, 'streamSource: shuffleBuffer');
  if (rest.readBlock !== undefined) positiveInt(rest.readBlock, 'streamSource: readBlock');
  if (rest.sampleShape !== undefined) {
    if (!Array.isArray(rest.sampleShape) || rest.sampleShape.length === 0) throw new RangeError(`streamSource: sampleShape must be a non-empty array of positive integers, got ${show(rest.sampleShape)}`);
    rest.sampleShape.forEach((d, i) => positiveInt(d, `streamSource: sampleShape[${i}]`));
  }
  const json = scaler === undefined ? undefined : 'toJSON' in scaler ? scaler.toJSON() : scaler;
  if (json) scalerFromJSON(json); // validates now rather than in the worker
  // Drop undefined fields so the description stays clean JSON.
  const fields = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  return { kind, path: resolvePath(path), ...fields, ...(json ? { scaler: json } : {}) } as StreamSource;
}

/** Whether `v` is a {@link StreamSource} (rather than in-memory arrays). */
export function isStreamSource(v: unknown): v is StreamSource {
  const o = v as { kind?: unknown; path?: unknown } | null;
  return typeof o === 'object' && o !== null && (o.kind === 'npy' || o.kind === 'csv') && typeof o.path === 'string';
}

/** What {@link probeSource} learns from a file's header or first lines. */
export interface SourceInfo {
  /** File name, for messages. */
  file: string;
  /** Shape of one sample as stored in the file (before `sampleShape`). */
  fileSampleShape: number[];
  /** Shape of one sample as delivered: `sampleShape`, or the file's. */
  sampleShape: number[];
  /** Number of samples, when known without a full pass (NPY); undefined for CSV. */
  samples?: number;
  /** A CSV's feature column names (header names, or `col1`, `col2`...); undefined for NPY. */
  columns?: string[];
}

/**
 * Reads a source's header (NPY) or first lines (CSV) and checks that
 * `sampleShape` and the scaler fit the file's samples.
 * @throws {DataFormatError} for an unreadable file or a shape that does not fit.
 */
export async function probeSource(src: StreamSource): Promise<SourceInfo> {
  const file = basename(src.path);
  let fileSampleShape: number[];
  let samples: number | undefined;
  let columns: string[] | undefined;
  if (src.kind === 'npy') {
    const s = await openNpyStream(src.path, { batchSize: 1, scale: src.scale, nonFinite: src.nonFinite });
    if (s.shape.length < 1) throw new DataFormatError(file, {}, 'holds a scalar; expected samples along the first axis');
    fileSampleShape = s.shape.slice(1);
    samples = s.shape[0];
    if (samples === 0) throw noSamplesError(file);
  } else {
    const s = await openCsvStream(src.path, { ...csvOptions(src), batchSize: 1 });
    fileSampleShape = [s.columns.length];
    columns = [...s.columns];
    if (s.columns.length === 0) throw new DataFormatError(file, {}, 'has no feature columns');
  }
  const sampleShape = src.sampleShape ?? fileSampleShape;
  if (shapeSize(sampleShape) !== shapeSize(fileSampleShape)) {
    throw new DataFormatError(file, {}, `sampleShape [${sampleShape.join(', ')}] holds ${shapeSize(sampleShape)} values but a sample of the file holds ${shapeSize(fileSampleShape)} (shape [${fileSampleShape.join(', ')}])`);
  }
  if (src.scaler) {
    const ss = src.scaler.sampleShape;
    if (ss.length !== fileSampleShape.length || ss.some((d, i) => d !== fileSampleShape[i])) {
      throw new DataFormatError(file, {}, `the scaler was fitted on samples of shape [${ss.join(', ')}], the file's samples have shape [${fileSampleShape.join(', ')}]`);
    }
  }
  return { file, fileSampleShape, sampleShape, ...(samples !== undefined ? { samples } : {}), ...(columns ? { columns } : {}) };
}

function csvOptions(src: CsvSource): Omit<CsvStreamOptions, 'batchSize'> {
  const { kind: _k, path: _p, sampleShape: _s, scaler: _c, shuffleBuffer: _b, ...rest } = src;
  return rest;
}

/** Options of {@link streamBatches}. */
export interface StreamBatchOptions {
  batchSize: number;
  /** Shuffle with this generator (or seed); omit for file order. */
  shuffle?: Rng | number;
}

/**
 * The samples of a source in batches of exactly `batchSize` (the last one may be
 * smaller), preprocessed and checked, as `{ x, shape: [m, ...sampleShape], indices }`
 * where `indices` are the samples' rows in the file (0-based). One `for await` is
 * one pass over the file. This is what `fit` iterates in its worker; it is public
 * so that the same batches can be inspected or fed to other code.
 * @throws {DataFormatError} naming the file and line/byte for unreadable or
 *   non-finite values, before the batch holding them is delivered; and
 *   {@link noSamplesError} for a file without samples (a CSV with only a
 *   header), which would otherwise train on nothing or evaluate to NaN.
 */
export async function* streamBatches(src: StreamSource, options: StreamBatchOptions): AsyncGenerator<Batch> {
  const bs = positiveInt(options.batchSize, 'streamBatches: batchSize');
  const rng = options.shuffle === undefined ? undefined : options.shuffle instanceof Rng ? options.shuffle : new Rng(options.shuffle);
  const info = await probeSource(src);
  const file = info.file;
  const d = shapeSize(info.fileSampleShape);
  const bytesPerSample = d * 4;
  const scaler = src.scaler ? scalerFromJSON(src.scaler) : undefined;

  let reader: NpyStream | CsvStream;
  if (src.kind === 'npy') {
    const block = src.readBlock ?? Math.max(1, Math.floor(2 ** 20 / bytesPerSample));
    // Block order and within-block order come from their own fork, so the buffer's
    // draws do not depend on how many blocks the file has.
    reader = await openNpyStream(src.path, { batchSize: block, scale: src.scale, nonFinite: src.nonFinite, shuffle: Boolean(rng), seed: rng?.fork() });
  } else {
    reader = await openCsvStream(src.path, { ...csvOptions(src), batchSize: 1024 });
  }

  const columns = src.kind === 'csv' ? (reader as CsvStream).columns : undefined;
  const describe = (row: number, element: number): string => columns
    ? `data row ${row + 1} (not counting a header), column ${JSON.stringify(columns[element])}`
    : `sample ${row}, element ${element}`;

  const cap = rng ? (src.shuffleBuffer ?? Math.max(1, Math.min(DEFAULT_SHUFFLE_BUFFER, Math.floor(SHUFFLE_BUFFER_MAX_BYTES / bytesPerSample)))) : 0;
  const buf = new Float32Array(cap * d);
  const bufIdx = new Int32Array(cap);
  let held = 0;

  let out = new Float32Array(bs * d);
  let outIdx = new Int32Array(bs);
  let m = 0;
  const take = (): Batch => {
    const b: Batch = { x: m === bs ? out : out.slice(0, m * d), shape: [m, ...info.sampleShape], indices: m === bs ? outIdx : outIdx.slice(0, m) };
    out = new Float32Array(bs * d);
    outIdx = new Int32Array(bs);
    m = 0;
    return b;
  };

  let read = 0;
  for await (const chunk of reader) {
    const x = chunk.x;
    const rows = chunk.shape[0]!;
    read += rows;
    if (scaler) scaler.transformInPlace(chunk);
    checkFinite(x, d, chunk.indices!, file, scaler ? ' after scaling' : '', describe);
    for (let i = 0; i < rows; i++) {
      const row = chunk.indices![i]!;
      const sample = x.subarray(i * d, (i + 1) * d);
      if (!rng) {
        out.set(sample, m * d);
        outIdx[m++] = row;
      } else if (held < cap) {
        // tf.data semantics: nothing leaves until the buffer is full.
        buf.set(sample, held * d);
        bufIdx[held++] = row;
        continue;
      } else {
        const j = rng.int(cap);
        out.set(buf.subarray(j * d, (j + 1) * d), m * d);
        outIdx[m++] = bufIdx[j]!;
        buf.set(sample, j * d);
        bufIdx[j] = row;
      }
      if (m === bs) yield take();
    }
  }
  if (read === 0) throw noSamplesError(file);
  // Drain the buffer in random order.
  while (held > 0) {
    const j = rng!.int(held);
    out.set(buf.subarray(j * d, (j + 1) * d), m * d);
    outIdx[m++] = bufIdx[j]!;
    held--;
    if (j !== held) {
      buf.copyWithin(j * d, held * d, (held + 1) * d);
      bufIdx[j] = bufIdx[held]!;
    }
    if (m === bs) yield take();
  }
  if (m > 0) yield take();
}

/**
 * The readers reject NaN/Inf in the file itself; this catches values that only
 * become non-finite through scaling (overflow) or that a `nonFinite: 'allow'`
 * let through, so no such value reaches a training step.
 */
function checkFinite(x: Float32Array, d: number, indices: Int32Array, file: string, after: string, describe: (row: number, element: number) => string): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    // v - v is NaN exactly for NaN and ±Infinity; one subtraction per value keeps this cheap.
    if (v - v !== 0) {
      throw new DataFormatError(file, {}, `non-finite value ${v} at ${describe(indices[Math.floor(i / d)]!, i % d)}${after}; training needs finite values`);
    }
  }
}
