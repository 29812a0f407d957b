import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { checkBinaryReadOptions, checkFinite, decodeElements, DTYPE_BYTES, encodeElements, dtypeOfArray, type BinaryReadOptions } from './dtype.js';
import { DataFormatError, ioError } from './errors.js';
import { checkRegularFileSync, readDataFile } from './files.js';
import type { NumericArray, NumericDType, Tensor } from './types.js';
import { shapeSize } from './types.js';

/**
 * IDX is the format of the original MNIST files (LeCun et al.): a 4-byte magic
 * `00 00 <type> <rank>`, then `rank` big-endian uint32 dimensions, then the data,
 * big-endian, C order.
 */
const IDX_TYPES: Record<number, NumericDType> = {
  0x08: 'uint8', 0x09: 'int8', 0x0b: 'int16', 0x0c: 'int32', 0x0d: 'float32', 0x0e: 'float64',
};
const IDX_CODES: Partial<Record<NumericDType, number>> = {
  uint8: 0x08, int8: 0x09, int16: 0x0b, int32: 0x0c, float32: 0x0d, float64: 0x0e,
};

/**
 * Parses IDX bytes of any dtype and rank.
 * @param file name used in error messages.
 * @throws {DataFormatError} on a wrong magic number, an unknown type code, a
 *   truncated header, a data size that does not match the declared dimensions,
 *   or NaN/Inf values in float data (unless `options.nonFinite` says otherwise).
 */
export function parseIdx(bytes: Uint8Array, file = '<buffer>', options?: BinaryReadOptions): Tensor {
  options = checkBinaryReadOptions(options, 'parseIdx');
  const { dtype, shape, headerLen } = parseIdxHeader(bytes, file);
  const elemBytes = DTYPE_BYTES[dtype];
  const need = checkIdxSize(dtype, shape, bytes.length - headerLen, file);
  const data = decodeElements(dtype, bytes, headerLen, need / elemBytes, false);
  checkFinite(data, shape, options, file, headerLen, elemBytes);
  return { dtype, shape, data };
}

/** The dtype, shape and header length of IDX bytes; `bytes` may hold just the header. */
function parseIdxHeader(bytes: Uint8Array, file: string): { dtype: NumericDType; shape: number[]; headerLen: number } {
  if (bytes.length < 4) {
    throw new DataFormatError(file, { offset: 0 }, `file has ${bytes.length} bytes, too short for an IDX magic number (4 bytes)`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DataFormatError(file, { offset: 0 },
      `wrong magic number 0x${hex(bytes, 0, 4)}: IDX files start with two zero bytes, a type code and a rank`);
  }
  const code = bytes[2]!;
  const dtype = IDX_TYPES[code];
  if (dtype === undefined) {
    throw new DataFormatError(file, { offset: 2 },
      `unsupported IDX type code 0x${code.toString(16).padStart(2, '0')} (known: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64)`);
  }
  const rank = bytes[3]!;
  const headerLen = 4 + 4 * rank;
  if (bytes.length < headerLen) {
    throw new DataFormatError(file, { offset: bytes.length },
      `truncated header: rank ${rank} needs ${headerLen} header bytes, file has ${bytes.length}`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(dv.getUint32(4 + 4 * i, false));
  return { dtype, shape, headerLen };
}

/** Checks that `have` data bytes are exactly what the header declares; returns that byte count. */
function checkIdxSize(dtype: NumericDType, shape: number[], have: number, file: string): number {
  const elemBytes = DTYPE_BYTES[dtype];
  // Compare in floating point: the product can exceed 2^53 only for absurd headers,
  // and then it certainly exceeds `have` too.
  const sample = shapeSize(shape.slice(1)) * elemBytes;
  const need = shapeSize(shape) * elemBytes;
  if (need !== have) {
    const what = shape.length === 0 ? `a scalar of ${elemBytes} bytes`
      : `${shape[0]} items of ${sample} bytes (shape [${shape.join(', ')}], ${dtype})`;
    throw new DataFormatError(file, { offset: 4 },
      `declared ${what} but file has ${have} bytes after the header${have < need ? ' (truncated?)' : ''}`);
  }
  return need;
}

/**
 * Reads the first `count` items (along the first axis) of an IDX file, and
 * only their bytes: a command that needs one MNIST image does not read and
 * decode all 10,000. The header is checked as {@link parseIdx} checks it,
 * the file's size against the declared shape included; the result's first
 * dimension is min(count, the file's), and `items` is the file's.
 * @param label the name used in messages.
 */
export function readIdxHeadSync(path: string, label: string, count: number, options?: BinaryReadOptions): Tensor & { items: number } {
  options = checkBinaryReadOptions(options, 'readIdxHeadSync');
  checkRegularFileSync(path, label);
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    const read = (length: number, position: number): Uint8Array => {
      const buf = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const n = readSync(fd!, buf, done, length - done, position + done);
        if (n === 0) break;
        done += n;
      }
      return buf.subarray(0, done);
    };
    const start = read(Math.min(size, 4), 0);
    const rank = start.length === 4 ? start[3]! : 0;
    const { dtype, shape, headerLen } = parseIdxHeader(read(Math.min(size, 4 + 4 * rank), 0), label);
    checkIdxSize(dtype, shape, size - headerLen, label);
    if (shape.length === 0) throw new DataFormatError(label, { offset: 3 }, 'a scalar IDX file has no items to read');
    const k = Math.min(count, shape[0]!);
    const elemBytes = DTYPE_BYTES[dtype];
    const itemElems = shapeSize(shape.slice(1));
    const body = read(k * itemElems * elemBytes, headerLen);
    const headShape = [k, ...shape.slice(1)];
    const data = decodeElements(dtype, body, 0, k * itemElems, false);
    checkFinite(data, headShape, options, label, headerLen, elemBytes);
    return { dtype, shape: headShape, data, items: shape[0]! };
  } catch (err) {
    if (err instanceof DataFormatError) throw err;
    throw ioError(label, err);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Reads an IDX file; see {@link parseIdx}.
 * @throws {DataFormatError} also for a path that is missing or not a regular file (a directory, a named pipe).
 * @throws {ConfigError} for an unknown option or `nonFinite` value.
 */
export async function readIdx(path: string, options?: BinaryReadOptions): Promise<Tensor> {
  options = checkBinaryReadOptions(options, 'readIdx');
  return parseIdx(await readDataFile(path, basename(path)), basename(path), options);
}

/** Encodes a tensor as IDX bytes (uint16 has no IDX code and is rejected). */
export function encodeIdx(t: { shape: readonly number[]; data: NumericArray; dtype?: NumericDType }): Uint8Array {
  const dtype = t.dtype ?? dtypeOfArray(t.data);
  const code = dtype === undefined ? undefined : IDX_CODES[dtype];
  if (dtype === undefined || code === undefined) throw new TypeError(`encodeIdx: dtype ${dtype ?? typeof t.data} has no IDX type code`);
  if (t.shape.length > 255) throw new RangeError('encodeIdx: IDX rank is at most 255');
  if (shapeSize(t.shape) !== t.data.length) {
    throw new RangeError(`encodeIdx: shape [${t.shape.join(', ')}] has ${shapeSize(t.shape)} elements but data has ${t.data.length}`);
  }
  const header = new Uint8Array(4 + 4 * t.shape.length);
  header[2] = code;
  header[3] = t.shape.length;
  const dv = new DataView(header.buffer);
  t.shape.forEach((d, i) => dv.setUint32(4 + 4 * i, d, false));
  const body = encodeElements(t.data, false);
  const out = new Uint8Array(header.length + body.length);
  out.set(header, 0);
  out.set(body, header.length);
  return out;
}

/** Writes a tensor to an IDX file. */
export async function writeIdx(path: string, t: { shape: readonly number[]; data: NumericArray; dtype?: NumericDType }): Promise<void> {
  await writeFile(path, encodeIdx(t));
}

function hex(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end && i < b.length; i++) s += b[i]!.toString(16).padStart(2, '0');
  return s;
}
