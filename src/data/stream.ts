import { open, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { ConfigError, argNames, optionsOf, show } from '../config/validate.js';
import { CsvRowDecoder, imputeInPlace, resolveMaxLineLength, type CsvOptions, type MissingReport } from './csv.js';
import { applyNonFinite, checkNonFinitePolicy, decodeElements, DTYPE_BYTES, toFloat32 } from './dtype.js';
import { DataFormatError, ioError } from './errors.js';
import { checkRegularFile } from './files.js';
import { type NumberedLine, textLines } from './lines.js';
import { parseNpyHeader, type NpyHeader } from './npy.js';
import { Rng } from './random.js';
import type { Batch } from './types.js';
import { shapeSize } from './types.js';

/*
 * Streams read a file in fixed-size chunks and hand out batches as they fill,
 * so memory stays at O(chunk + batch) whatever the file size. Each `for await`
 * over a stream reads the file again from the start: one loop = one epoch.
 */

/** The bytes of an open file from its current position, `chunkBytes` (at least 1 KiB) per read; the buffer is reused. */
async function* fileChunks(fh: FileHandle, chunkBytes: number): AsyncGenerator<Uint8Array> {
  const chunk = Buffer.allocUnsafe(Math.max(1024, chunkBytes));
  for (;;) {
    const { bytesRead } = await fh.read(chunk, 0, chunk.length, null);
    if (bytesRead === 0) return;
    yield chunk.subarray(0, bytesRead);
  }
}

async function openFile(path: string): Promise<FileHandle> {
  // Checked first: opening a named pipe blocks until something writes to it.
  await checkRegularFile(path, basename(path));
  try {
    return await open(path, 'r');
  } catch (err) {
    throw ioError(basename(path), err);
  }
}

/** Options for {@link openCsvStream}. */
export interface CsvStreamOptions extends Omit<CsvOptions, 'impute'> {
  batchSize: number;
  /** Bytes read per I/O call (default 1 MiB). */
  chunkBytes?: number;
  /**
   * As in {@link CsvOptions.impute}, except `'mean'`: a stream cannot know a
   * column's mean before reading it all; compute it with a first pass (e.g. a
   * {@link StandardScaler}) and pass the means as an array.
   */
  impute?: 'zero' | number | number[];
}

const CSV_STREAM_OPTIONS = argNames<CsvStreamOptions>()(['delimiter', 'header', 'labelColumn', 'labelNames', 'columns', 'naValues', 'impute', 'maxLineLength', 'batchSize', 'chunkBytes']);

/** Options that must be given (they hold `batchSize`): an object with known keys. */
function requiredOptions<T extends object>(options: T, owner: string, allowed: readonly string[]): T {
  if (options === undefined) throw new ConfigError(owner, `options are required: at least { batchSize }; allowed options: ${allowed.join(', ')}`);
  return optionsOf(options, owner, allowed);
}

/**
 * A CSV file read batch by batch. Create with {@link openCsvStream}; iterate with
 * `for await (const batch of stream)`. Text labels get indices in order of first
 * appearance unless `labelNames` fixes them (recommended for streams, so that
 * indices do not depend on which rows come first).
 */
export class CsvStream implements AsyncIterable<Batch> {
  /** Feature column names. */
  columns: string[] = [];
  header = false;
  delimiter = ',';
  /** Class names seen so far (text labels), updated while reading. */
  labelNames: string[] | undefined;
  /** Missing/non-finite cells imputed during the last pass. */
  missing: MissingReport = { count: 0, perColumn: [], first: [] };
  /** Rows delivered in the last complete pass. */
  rows = 0;
  readonly file: string;

  /**
   * @throws {RangeError} for a `batchSize` that is not a positive integer or `impute: 'mean'`.
   * @throws {ConfigError} for an unknown option or a bad `chunkBytes`.
   */
  constructor(readonly path: string, readonly options: CsvStreamOptions) {
    this.file = basename(path);
    options = requiredOptions(options, 'openCsvStream', CSV_STREAM_OPTIONS);
    if (options.chunkBytes !== undefined && !(Number.isSafeInteger(options.chunkBytes) && options.chunkBytes >= 1)) {
      throw new ConfigError('openCsvStream.chunkBytes', `expected a positive integer (bytes per read), got ${show(options.chunkBytes)}`);
    }
    const bs = options.batchSize;
    if (!(Number.isInteger(bs) && bs >= 1)) throw new RangeError(`batchSize must be a positive integer, got ${bs}`);
    if ((options.impute as unknown) === 'mean') {
      throw new RangeError("impute: 'mean' needs the whole file; pass per-column values computed in a first pass");
    }
    resolveMaxLineLength(options);
  }

  /** Reads only the first lines, to learn the columns (done by {@link openCsvStream}). */
  async probe(): Promise<void> {
    const it = this.records();
    const first: [string, number][] = [];
    try {
      for await (const rec of it) {
        first.push(rec);
        if (first.length === 2) break;
      }
    } finally {
      await it.return(undefined);
    }
    if (first.length === 0) throw new DataFormatError(this.file, { line: 1 }, 'no data: the file is empty');
    const dec = new CsvRowDecoder(this.file, this.options as CsvOptions);
    dec.init(first[0]![0], first[0]![1], first[1]?.[0]);
    this.adopt(dec);
  }

  private adopt(dec: CsvRowDecoder): void {
    this.columns = dec.columns;
    this.header = dec.header;
    this.delimiter = dec.delimiter;
    this.labelNames = dec.labelNames;
    this.missing = dec.missing;
  }

  /** Non-blank lines with their 1-based numbers, read chunk by chunk. */
  private async *records(): AsyncGenerator<NumberedLine> {
    const fh = await openFile(this.path);
    try {
      for await (const lines of textLines(fileChunks(fh, this.options.chunkBytes ?? 1 << 20), this.file, resolveMaxLineLength(this.options))) yield* lines;
    } finally {
      await fh.close();
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Batch> {
    const bs = this.options.batchSize;
    const dec = new CsvRowDecoder(this.file, this.options as CsvOptions);
    let pending: [string, number] | undefined;
    let d = 0;
    let x = new Float32Array(0);
    let labels: Int32Array | undefined;
    let m = 0;
    let row = 0;
    const flush = (): Batch => {
      const b: Batch = { x: m === bs ? x : x.slice(0, m * d), shape: [m, d], indices: Int32Array.from({ length: m }, (_, i) => row - m + i) };
      if (dec.missing.count > 0 && this.options.impute !== undefined) imputeInPlace(b.x, d, this.options.impute, this.file);
      if (labels) b.labels = m === bs ? labels : labels.slice(0, m);
      x = new Float32Array(bs * d);
      if (labels) labels = new Int32Array(bs);
      m = 0;
      return b;
    };
    const take = (line: string, no: number): void => {
      const k = dec.decode(line, no, x, m * d);
      if (labels) labels[m] = k;
      m++;
      row++;
    };
    for await (const rec of this.records()) {
      if (!dec.isReady) {
        if (pending === undefined) { pending = rec; continue; }
        const skipFirst = dec.init(pending[0], pending[1], rec[0]);
        this.adopt(dec);
        d = dec.numFeatures;
        x = new Float32Array(bs * d);
        if (dec.hasLabels) labels = new Int32Array(bs);
        if (!skipFirst) take(pending[0], pending[1]);
        pending = undefined;
      }
      take(rec[0], rec[1]);
      if (m === bs) yield flush();
    }
    if (!dec.isReady) {
      if (pending === undefined) throw new DataFormatError(this.file, { line: 1 }, 'no data: the file is empty');
      const skipFirst = dec.init(pending[0], pending[1], undefined);
      this.adopt(dec);
      d = dec.numFeatures;
      x = new Float32Array(bs * d);
      if (dec.hasLabels) labels = new Int32Array(bs);
      if (!skipFirst) take(pending[0], pending[1]);
    }
    this.labelNames = dec.labelNames;
    this.rows = row;
    if (m > 0) yield flush();
  }
}

/**
 * Opens a CSV file for reading in batches without loading it whole. Reads the
 * first lines at once, so `columns` and `header` are known before iterating.
 * @throws {DataFormatError} as {@link parseCsv} does, for the first lines here
 *   and for later lines during iteration.
 */
export async function openCsvStream(path: string, options: CsvStreamOptions): Promise<CsvStream> {
  const s = new CsvStream(path, options);
  await s.probe();
  return s;
}

/** Options for {@link openNpyStream}. */
export interface NpyStreamOptions {
  batchSize: number;
  /** Multiply every value (e.g. `1/255` for uint8 pixels). Default 1. */
  scale?: number;
  /**
   * Visit samples in a seeded random order without reading the file whole: the
   * order of batch-sized blocks is shuffled, and the samples inside each block.
   * Not a full shuffle (block neighbours stay together), but each pass differs
   * when the same {@link Rng} is reused. Default false.
   */
  shuffle?: boolean;
  seed?: number | Rng;
  /**
   * NaN/±Infinity: `'error'` (default, naming the byte offset), `'allow'`, or a
   * replacement (`'zero'` or a number). No `'mean'`: it would need a full pass.
   */
  nonFinite?: 'error' | 'allow' | 'zero' | number;
}

const NPY_STREAM_OPTIONS = argNames<NpyStreamOptions>()(['batchSize', 'scale', 'shuffle', 'seed', 'nonFinite']);

function checkNpyStreamOptions(options: NpyStreamOptions): void {
  requiredOptions(options, 'openNpyStream', NPY_STREAM_OPTIONS);
  const bs = options.batchSize;
  if (!(Number.isInteger(bs) && bs >= 1)) throw new RangeError(`batchSize must be a positive integer, got ${show(bs)}`);
  if ((options.nonFinite as unknown) === 'mean') throw new RangeError("nonFinite: 'mean' needs the whole file; pass a number");
  checkNonFinitePolicy(options.nonFinite, 'openNpyStream.nonFinite', ['error', 'allow', 'zero']);
  if (options.scale !== undefined && !(typeof options.scale === 'number' && Number.isFinite(options.scale))) {
    throw new ConfigError('openNpyStream.scale', `expected a finite number, got ${show(options.scale)}`);
  }
  if (options.shuffle !== undefined && typeof options.shuffle !== 'boolean') throw new ConfigError('openNpyStream.shuffle', `expected true or false, got ${show(options.shuffle)}`);
  const seed = options.seed;
  if (seed !== undefined && !(seed instanceof Rng) && !(typeof seed === 'number' && Number.isFinite(seed))) {
    throw new ConfigError('openNpyStream.seed', `expected a finite number or an Rng, got ${show(seed)}`);
  }
}

/**
 * An .npy file read batch by batch along its first axis; created by
 * {@link openNpyStream}. Any supported dtype is converted to float32.
 */
export class NpyStream implements AsyncIterable<Batch> {
  readonly file: string;
  private readonly rng: Rng | undefined;

  /** @throws {ConfigError} (or RangeError for `batchSize`) for bad options, as {@link openNpyStream}. */
  constructor(readonly path: string, readonly header: NpyHeader, readonly options: NpyStreamOptions) {
    checkNpyStreamOptions(options);
    this.file = basename(path);
    if (options.shuffle) this.rng = options.seed instanceof Rng ? options.seed : new Rng(options.seed ?? 0);
  }

  /** `[n, ...sampleShape]` as declared in the file. */
  get shape(): number[] {
    return this.header.shape;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Batch> {
    const h = this.header;
    const bs = this.options.batchSize;
    const n = h.shape.length === 0 ? 1 : h.shape[0]!;
    const sampleShape = h.shape.slice(1);
    const d = shapeSize(sampleShape);
    const elem = DTYPE_BYTES[h.dtype];
    const rowBytes = d * elem;
    const nBlocks = Math.ceil(n / bs);
    const blocks = this.rng ? this.rng.permutation(nBlocks) : null;
    if (nBlocks === 0) return;
    const fh = await openFile(this.path);
    // No larger than the file's samples: a batch size beyond them must not allocate for rows that do not exist.
    const buf = new Uint8Array(Math.min(bs, n) * rowBytes);
    try {
      for (let bi = 0; bi < nBlocks; bi++) {
        const block = blocks ? blocks[bi]! : bi;
        const start = block * bs;
        const m = Math.min(bs, n - start);
        const want = m * rowBytes;
        let got = 0;
        while (got < want) {
          const { bytesRead } = await fh.read(buf, got, want - got, h.dataOffset + start * rowBytes + got);
          if (bytesRead === 0) {
            throw new DataFormatError(this.file, { offset: h.dataOffset + start * rowBytes + got }, 'file ended early (truncated while reading?)');
          }
          got += bytesRead;
        }
        const raw = decodeElements(h.dtype, buf, 0, m * d, h.littleEndian);
        applyNonFinite(raw, d, this.options.nonFinite ?? 'error', (i) => {
          throw new DataFormatError(this.file, { offset: h.dataOffset + start * rowBytes + i * elem },
            `non-finite value ${raw[i]} in sample ${start + Math.floor(i / Math.max(d, 1))}, element ${i % Math.max(d, 1)} (pass nonFinite: 'zero' | number to replace, or 'allow')`);
        });
        let x = toFloat32(raw, this.options.scale ?? 1);
        const indices = Int32Array.from({ length: m }, (_, i) => start + i);
        if (this.rng) {
          const p = this.rng.permutation(m);
          const shuffled = new Float32Array(x.length);
          for (let i = 0; i < m; i++) shuffled.set(x.subarray(p[i]! * d, (p[i]! + 1) * d), i * d);
          x = shuffled;
          for (let i = 0; i < m; i++) indices[i] = start + p[i]!;
        }
        yield { x, shape: [m, ...sampleShape], indices };
      }
    } finally {
      await fh.close();
    }
  }
}

/**
 * Opens an .npy file for reading in batches: reads and checks the header and
 * the file size now, the data only while iterating.
 * @throws {DataFormatError} for a bad header or a file size that does not match it.
 */
export async function openNpyStream(path: string, options: NpyStreamOptions): Promise<NpyStream> {
  checkNpyStreamOptions(options);
  const file = basename(path);
  const fh = await openFile(path);
  let header: NpyHeader;
  try {
    const size = (await fh.stat()).size;
    const head = new Uint8Array(Math.min(size, 12));
    await fh.read(head, 0, head.length, 0);
    // Header length from the preamble, then read exactly the header.
    let need = head.length;
    if (head.length >= 10 && head[6] === 1) need = 10 + (head[8]! | (head[9]! << 8));
    else if (head.length >= 12 && (head[6] === 2 || head[6] === 3)) need = 12 + new DataView(head.buffer).getUint32(8, true);
    const hb = new Uint8Array(Math.min(need, size));
    await fh.read(hb, 0, hb.length, 0);
    header = parseNpyHeader(hb, file);
    // Batches are read as row-major runs of the stored element type; the in-memory reader converts the rest.
    if (header.fortranOrder) throw new DataFormatError(file, { field: 'fortran_order' }, 'a Fortran-order array cannot be streamed in batches; save it with np.ascontiguousarray(a), or read it whole (readNpy)');
    if (header.int64) throw new DataFormatError(file, { field: 'descr' }, "int64 data cannot be streamed in batches; convert with .astype('int32') or 'float32', or read it whole (readNpy)");
    const have = size - header.dataOffset;
    if (have !== header.dataBytes) {
      throw new DataFormatError(file, { offset: header.dataOffset },
        `header declares shape [${header.shape.join(', ')}] of ${header.dtype} (${header.dataBytes} bytes) but file has ${have} bytes of data${have < header.dataBytes ? ' (truncated?)' : ''}`);
    }
  } finally {
    await fh.close();
  }
  return new NpyStream(path, header, options);
}
