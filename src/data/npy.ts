import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { createRequire } from 'node:module';
import { type Zippable } from 'fflate';
import { crc32 } from './crc32.js';
import { checkBinaryReadOptions, checkFinite, decodeElements, DTYPE_BYTES, dtypeOfArray, encodeElements, type BinaryReadOptions } from './dtype.js';
import { DataFormatError } from './errors.js';
import { readDataFile } from './files.js';
import type { NumericArray, NumericDType, Tensor } from './types.js';
import { shapeSize } from './types.js';

// Loaded on first use (createRequire: a synchronous import): most commands never need it, and
// every package loaded at start-up adds to each command's latency.
const fflate = () => createRequire(import.meta.url)('fflate') as typeof import('fflate');

/*
 * NumPy's .npy format (numpy/lib/format.py, versions 1.0–3.0): the magic
 * "\x93NUMPY", a major and minor version byte, the header length (uint16 LE in
 * 1.0, uint32 LE in 2.0/3.0), then a Python dict literal such as
 * {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), } padded with spaces
 * and a newline, then the raw data.
 */

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Type characters we read: kind + size → dtype. */
const DESCR_TYPES: Record<string, NumericDType> = {
  f4: 'float32', f8: 'float64', u1: 'uint8', i1: 'int8', i2: 'int16', u2: 'uint16', i4: 'int32',
};
const DTYPE_DESCR: Record<NumericDType, string> = {
  float32: '<f4', float64: '<f8', uint8: '|u1', int8: '|i1', int16: '<i2', uint16: '<u2', int32: '<i4',
};

/** What the header of a .npy file says. */
export interface NpyHeader {
  dtype: NumericDType;
  littleEndian: boolean;
  shape: number[];
  /** Byte offset where the array data starts. */
  dataOffset: number;
  /** Bytes the data must occupy according to the header. */
  dataBytes: number;
  /** Column-major data (NumPy's `fortran_order`), read by {@link parseNpy} into row-major order. */
  fortranOrder: boolean;
  /**
   * Elements stored as 64-bit integers (`<i8`, NumPy's default integer, as in
   * label arrays), read by {@link parseNpy} into `dtype` int32 when every value fits.
   */
  int64: boolean;
}

/**
 * Parses the header of a .npy file. Needs only the first bytes of the file
 * (the header is at most a few kB in practice), which is what lets
 * {@link streamNpyBatches} read huge files in chunks.
 * @throws {DataFormatError} on a wrong magic number, an unknown version, a
 *   malformed or truncated header, Fortran order, or an unsupported dtype.
 */
export function parseNpyHeader(bytes: Uint8Array, file = '<buffer>'): NpyHeader {
  for (let i = 0; i < MAGIC.length; i++) {
    if (i >= bytes.length) {
      throw new DataFormatError(file, { offset: bytes.length }, `truncated: file has ${bytes.length} bytes, too short for the .npy magic number`);
    }
    if (bytes[i] !== MAGIC[i]) {
      throw new DataFormatError(file, { offset: i }, `wrong magic number: .npy files start with \\x93NUMPY`);
    }
  }
  if (bytes.length < 10) throw new DataFormatError(file, { offset: bytes.length }, 'truncated header: no version and header length');
  const major = bytes[6]!;
  let headerLen: number;
  let start: number;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (major === 1) {
    headerLen = dv.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new DataFormatError(file, { offset: bytes.length }, 'truncated header: no header length');
    headerLen = dv.getUint32(8, true);
    start = 12;
  } else {
    throw new DataFormatError(file, { offset: 6 }, `unsupported .npy format version ${major}.${bytes[7]} (known: 1.0, 2.0, 3.0)`);
  }
  if (start + headerLen > bytes.length) {
    throw new DataFormatError(file, { offset: start },
      `truncated header: declares ${headerLen} header bytes but only ${bytes.length - start} follow`);
  }
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLen));
  const dict = parsePyDict(text, file, start);
  const descr = dict.get('descr');
  const fortran = dict.get('fortran_order');
  const shapeV = dict.get('shape');
  if (typeof descr !== 'string') {
    throw new DataFormatError(file, { offset: start, field: 'descr' },
      descr === undefined ? "header has no 'descr'" : 'unsupported dtype: structured arrays (a list descr) are not supported');
  }
  if (typeof fortran !== 'boolean') throw new DataFormatError(file, { offset: start, field: 'fortran_order' }, "header has no boolean 'fortran_order'");
  if (!Array.isArray(shapeV) || shapeV.some((d) => typeof d !== 'number')) {
    throw new DataFormatError(file, { offset: start, field: 'shape' }, "header has no 'shape' tuple of integers");
  }
  const shape = shapeV as number[];
  const m = /^([<>|=])([a-zA-Z])(\d+)$/.exec(descr);
  const int64 = m !== null && `${m[2]}${m[3]}` === 'i8';
  const dtype = m ? (int64 ? 'int32' : DESCR_TYPES[`${m[2]}${m[3]}`]) : undefined;
  if (!m || dtype === undefined) {
    throw new DataFormatError(file, { offset: start, field: 'descr' },
      `unsupported dtype '${descr}' (supported: float32 <f4, float64 <f8, uint8 |u1, int8 |i1, int16 <i2, uint16 <u2, int32 <i4, int64 <i8 (values within int32), either byte order)`);
  }
  return {
    dtype,
    littleEndian: m[1] !== '>',
    shape,
    dataOffset: start + headerLen,
    dataBytes: shapeSize(shape) * (int64 ? 8 : DTYPE_BYTES[dtype]),
    fortranOrder: fortran && shape.length > 1 && shapeSize(shape) > 1,
    int64,
  };
}

/**
 * Parses a whole .npy file held in memory.
 * @throws {DataFormatError} for any bad header (see {@link parseNpyHeader}), a
 *   data size that does not match the header's shape, or NaN/Inf values (unless
 *   `options.nonFinite` says otherwise).
 */
export function parseNpy(bytes: Uint8Array, file = '<buffer>', options?: BinaryReadOptions): Tensor {
  options = checkBinaryReadOptions(options, 'parseNpy');
  const h = parseNpyHeader(bytes, file);
  const have = bytes.length - h.dataOffset;
  if (have !== h.dataBytes) {
    throw new DataFormatError(file, { offset: h.dataOffset },
      `header declares shape [${h.shape.join(', ')}] of ${h.dtype} (${h.dataBytes} bytes) but file has ${have} bytes of data${have < h.dataBytes ? ' (truncated?)' : ''}`);
  }
  const count = shapeSize(h.shape);
  const data = h.int64 ? decodeInt64(bytes, h, count, file) : decodeElements(h.dtype, bytes, h.dataOffset, count, h.littleEndian);
  checkFinite(data, h.shape, options, file, h.dataOffset, DTYPE_BYTES[h.dtype]);
  return { dtype: h.dtype, shape: h.shape, data: h.fortranOrder ? toRowMajor(data, h.shape) : data };
}

/** 64-bit integers into int32, refusing a value that does not fit (labels and counts do). */
function decodeInt64(bytes: Uint8Array, h: NpyHeader, count: number, file: string): Int32Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset + h.dataOffset, count * 8);
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const v = dv.getBigInt64(i * 8, h.littleEndian);
    if (v > 2147483647n || v < -2147483648n) {
      throw new DataFormatError(file, { offset: h.dataOffset + i * 8 }, `int64 element ${i} is ${v}, outside the int32 range aekit reads 64-bit integers into`);
    }
    out[i] = Number(v);
  }
  return out;
}

/** Column-major (Fortran-order) elements of `shape` reordered row-major. */
function toRowMajor<T extends NumericArray>(data: T, shape: readonly number[]): T {
  const out = data.slice() as T;
  const rank = shape.length;
  // Strides of the column-major source for each axis.
  const strides = new Array<number>(rank);
  let s = 1;
  for (let a = 0; a < rank; a++) {
    strides[a] = s;
    s *= shape[a]!;
  }
  const index = new Array<number>(rank).fill(0);
  for (let i = 0; i < data.length; i++) {
    let src = 0;
    for (let a = 0; a < rank; a++) src += index[a]! * strides[a]!;
    out[i] = data[src]!;
    for (let a = rank - 1; a >= 0; a--) {
      if (++index[a]! < shape[a]!) break;
      index[a] = 0;
    }
  }
  return out;
}

/**
 * Reads a .npy file; see {@link parseNpy}.
 * @throws {DataFormatError} also for a path that is missing or not a regular file (a directory, a named pipe).
 * @throws {ConfigError} for an unknown option or `nonFinite` value.
 */
export async function readNpy(path: string, options?: BinaryReadOptions): Promise<Tensor> {
  options = checkBinaryReadOptions(options, 'readNpy');
  return parseNpy(await readDataFile(path, basename(path)), basename(path), options);
}

/** Encodes a tensor as .npy (format 1.0, little-endian, C order) bytes. */
export function encodeNpy(t: { shape: readonly number[]; data: NumericArray }): Uint8Array {
  const dtype = dtypeOfArray(t.data);
  if (dtype === undefined) throw new TypeError('encodeNpy: unsupported array type');
  if (shapeSize(t.shape) !== t.data.length) {
    throw new RangeError(`encodeNpy: shape [${t.shape.join(', ')}] has ${shapeSize(t.shape)} elements but data has ${t.data.length}`);
  }
  const shapeStr = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
  let header = `{'descr': '${DTYPE_DESCR[dtype]}', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  // numpy pads so that the data starts on a 64-byte boundary (aligned memory maps).
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const body = encodeElements(t.data, true);
  const out = new Uint8Array(10 + header.length + body.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(body, 10 + header.length);
  return out;
}

/** Writes a tensor to a .npy file. */
export async function writeNpy(path: string, t: { shape: readonly number[]; data: NumericArray }): Promise<void> {
  await writeFile(path, encodeNpy(t));
}

/**
 * Parses an .npz archive (what `np.savez` and `np.savez_compressed` write): a zip
 * of `name.npy` entries. Returns the arrays by name, without the `.npy` suffix.
 * @throws {DataFormatError} if the zip is corrupt or truncated (sizes in its
 *   directory that its data cannot hold are refused before anything is
 *   allocated for them), an entry's CRC-32 does not match its data, or an
 *   entry is not valid .npy; the error's `field` names the entry.
 */
export function parseNpz(bytes: Uint8Array, file = '<buffer>', options?: BinaryReadOptions): Record<string, Tensor> {
  options = checkBinaryReadOptions(options, 'parseNpz');
  let entries: Record<string, Uint8Array>;
  const declared = new Map<string, number>();
  try {
    // fflate allocates each entry's declared uncompressed size before inflating
    // it, so the sizes are checked here, against what the entry's compressed
    // bytes can possibly hold, before any allocation.
    entries = fflate().unzipSync(bytes, {
      filter: (f) => {
        checkZipEntry(f, file);
        declared.set(f.name, f.originalSize);
        return true;
      },
    });
  } catch (err) {
    if (err instanceof DataFormatError) throw err;
    throw new DataFormatError(file, {}, `not a valid .npz (zip) archive: ${(err as Error)?.message ?? String(err)}`);
  }
  // fflate does not check the CRC-32s, so a changed byte in a stored entry
  // (or one that inflates without error) would load silently.
  const crcs = zipEntryCrcs(bytes, file);
  const out: Record<string, Tensor> = {};
  for (const [name, data] of Object.entries(entries)) {
    if (name.endsWith('/')) continue; // directory entries
    // A stored entry running past the end of the file, or a deflate stream that
    // ends early, comes back shorter than its directory entry says.
    if (data.length !== declared.get(name)) {
      throw new DataFormatError(file, { field: name },
        `entry holds ${data.length} bytes but the archive's directory declares ${declared.get(name)} (truncated or damaged archive)`);
    }
    const expected = crcs.get(name);
    if (expected === undefined) throw new DataFormatError(file, { field: name }, "entry is missing from the archive's central directory (damaged archive)");
    const actual = crc32(data);
    if (actual !== expected.central) {
      throw new DataFormatError(file, { field: name },
        `entry data fails its CRC-32 check (computed ${hex32(actual)}, the central directory says ${hex32(expected.central)}): the archive is damaged`);
    }
    if (expected.local !== undefined && expected.local !== expected.central) {
      throw new DataFormatError(file, { field: name },
        `entry's local header gives CRC-32 ${hex32(expected.local)} but the central directory ${hex32(expected.central)}: the archive is damaged`);
    }
    const key = name.endsWith('.npy') ? name.slice(0, -4) : name;
    try {
      out[key] = parseNpy(data, name, options);
    } catch (err) {
      if (err instanceof DataFormatError) {
        const e = new DataFormatError(file, { field: name, offset: err.offset }, err.reason);
        throw e;
      }
      throw err;
    }
  }
  return out;
}

/** No deflate stream expands more than 1032:1 (258-byte matches at 2 bits each, zlib's figure). */
const MAX_DEFLATE_RATIO = 1032;

function checkZipEntry(f: { name: string; size: number; originalSize: number; compression: number }, file: string): void {
  if (f.compression === 0 && f.originalSize !== f.size) {
    throw new DataFormatError(file, { field: f.name },
      `stored (uncompressed) entry declares ${f.originalSize} bytes but occupies ${f.size} (damaged archive)`);
  }
  if (f.compression === 8 && f.originalSize > f.size * MAX_DEFLATE_RATIO) {
    throw new DataFormatError(file, { field: f.name },
      `entry declares ${f.originalSize} bytes uncompressed from ${f.size} compressed bytes, more than deflate can produce (damaged archive)`);
  }
}

/**
 * Reads an .npz file; see {@link parseNpz}.
 * @throws {DataFormatError} also for a path that is missing or not a regular file (a directory, a named pipe).
 * @throws {ConfigError} for an unknown option or `nonFinite` value.
 */
export async function readNpz(path: string, options?: BinaryReadOptions): Promise<Record<string, Tensor>> {
  options = checkBinaryReadOptions(options, 'readNpz');
  return parseNpz(await readDataFile(path, basename(path)), basename(path), options);
}

const hex32 = (v: number): string => `0x${v.toString(16).padStart(8, '0')}`;

/**
 * The CRC-32 of each entry of a zip archive, by entry name, as the central
 * directory gives it, and as the entry's local header gives it when that
 * header carries one (it does not when general-purpose flag bit 3 defers the
 * CRC to a data descriptor). Reads the end-of-central-directory record (or
 * its zip64 form, which NumPy's `savez` may write) and walks the directory;
 * names are decoded as fflate decodes them (UTF-8 when flag bit 11 is set,
 * else Latin-1), so they match its keys.
 * @throws {DataFormatError} if the directory cannot be found or runs past the file.
 */
function zipEntryCrcs(bytes: Uint8Array, file: string): Map<string, { central: number; local?: number }> {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const damaged = (offset: number, what: string): never => {
    throw new DataFormatError(file, { offset }, `${what} (damaged zip archive)`);
  };
  const u16 = (at: number) => (at + 2 <= bytes.length ? dv.getUint16(at, true) : damaged(at, 'central directory runs past the end of the file'));
  const u32 = (at: number) => (at + 4 <= bytes.length ? dv.getUint32(at, true) : damaged(at, 'central directory runs past the end of the file'));
  const u64 = (at: number) => u32(at) + u32(at + 4) * 2 ** 32;
  // The end record is 22 bytes plus a comment of at most 65535.
  let eocd = -1;
  for (let i = bytes.length - 22; i >= 0 && i >= bytes.length - 22 - 0xffff; i--) {
    if (dv.getUint32(i, true) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) damaged(bytes.length, 'no end-of-central-directory record');
  let count = u16(eocd + 10);
  let offset = u32(eocd + 16);
  if ((count === 0xffff || offset === 0xffffffff) && eocd >= 20 && u32(eocd - 20) === 0x07064b50) {
    const z = u64(eocd - 12);
    if (u32(z) !== 0x06064b50) damaged(z, 'zip64 end-of-central-directory record not where its locator says');
    count = u64(z + 32);
    offset = u64(z + 48);
  }
  const crcs = new Map<string, { central: number; local?: number }>();
  let p = offset;
  for (let k = 0; k < count; k++) {
    if (u32(p) !== 0x02014b50) damaged(p, `central directory entry ${k} has a wrong signature`);
    const flags = u16(p + 8);
    const central = u32(p + 16);
    const nameLen = u16(p + 28);
    const extraLen = u16(p + 30);
    const commentLen = u16(p + 32);
    const localAt = u32(p + 42);
    if (p + 46 + nameLen > bytes.length) damaged(p, 'central directory runs past the end of the file');
    const raw = bytes.subarray(p + 46, p + 46 + nameLen);
    const name = flags & 0x800 ? new TextDecoder().decode(raw) : String.fromCharCode(...raw);
    const entry: { central: number; local?: number } = { central };
    // A zip64 offset (0xffffffff) lives in the extra field; the central CRC is checked all the same.
    if (!(flags & 0x8) && localAt !== 0xffffffff && localAt + 30 <= bytes.length && dv.getUint32(localAt, true) === 0x04034b50) {
      entry.local = dv.getUint32(localAt + 14, true);
    }
    crcs.set(name, entry);
    p += 46 + nameLen + extraLen + commentLen;
  }
  return crcs;
}

/** Encodes named tensors as an .npz archive (deflate-compressed when `compress`, like `np.savez_compressed`). */
export function encodeNpz(arrays: Record<string, { shape: readonly number[]; data: NumericArray }>, compress = false): Uint8Array {
  const files: Zippable = {};
  for (const [name, t] of Object.entries(arrays)) {
    files[name.endsWith('.npy') ? name : `${name}.npy`] = [encodeNpy(t), { level: compress ? 6 : 0 }];
  }
  return fflate().zipSync(files);
}

/** Writes named tensors to an .npz file. */
export async function writeNpz(path: string, arrays: Record<string, { shape: readonly number[]; data: NumericArray }>, compress = false): Promise<void> {
  await writeFile(path, encodeNpz(arrays, compress));
}

type PyValue = string | number | boolean | null | PyValue[] | Map<string, PyValue>;

/**
 * Parses the subset of Python literal syntax that .npy headers use: dicts,
 * tuples, lists, strings, ints, True/False/None. Anything else is a
 * DataFormatError located at the byte where it was found.
 */
function parsePyDict(text: string, file: string, base: number): Map<string, PyValue> {
  let i = 0;
  const fail = (msg: string): never => {
    throw new DataFormatError(file, { offset: base + i }, `malformed header: ${msg}`);
  };
  const ws = (): void => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  // Recursion depth is bounded by the header text length, which is at most 4 GB
  // in theory; cap it so that a hostile header cannot overflow the stack.
  const value = (depth: number): PyValue => {
    if (depth > 32) fail('nesting too deep');
    ws();
    const c = text[i];
    if (c === undefined) return fail('unexpected end of header');
    if (c === '{') {
      i++;
      const m = new Map<string, PyValue>();
      for (;;) {
        ws();
        if (text[i] === '}') { i++; return m; }
        const k = value(depth + 1);
        if (typeof k !== 'string') fail('dict keys must be strings');
        ws();
        if (text[i] !== ':') fail("expected ':'");
        i++;
        m.set(k as string, value(depth + 1));
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== '}') fail("expected ',' or '}'");
      }
    }
    if (c === '(' || c === '[') {
      const close = c === '(' ? ')' : ']';
      i++;
      const a: PyValue[] = [];
      for (;;) {
        ws();
        if (text[i] === close) { i++; return a; }
        a.push(value(depth + 1));
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== close) fail(`expected ',' or '${close}'`);
      }
    }
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) fail('unterminated string');
      const s = text.slice(i + 1, end);
      i = end + 1;
      return s;
    }
    const m = /^(True|False|None|-?\d+L?)/.exec(text.slice(i, i + 40));
    if (!m) return fail(`unexpected character ${JSON.stringify(c)}`);
    i += m[0].length;
    if (m[0] === 'True') return true;
    if (m[0] === 'False') return false;
    if (m[0] === 'None') return null;
    const n = Number(m[0].replace('L', ''));
    if (!Number.isSafeInteger(n) || n < 0) fail(`bad dimension ${m[0]}`);
    return n;
  };
  ws();
  const v = value(0);
  if (!(v instanceof Map)) fail('header is not a dict');
  return v as Map<string, PyValue>;
}
