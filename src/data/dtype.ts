import { ConfigError, argNames, optionsOf, show } from '../config/validate.js';
import { DataFormatError } from './errors.js';
import type { NumericArray, NumericArrayOf, NumericDType } from './types.js';
import { shapeSize } from './types.js';

/** Bytes per element of each dtype. */
export const DTYPE_BYTES: Record<NumericDType, number> = {
  uint8: 1, int8: 1, int16: 2, uint16: 2, int32: 4, float32: 4, float64: 8,
};

const CTORS = {
  uint8: Uint8Array, int8: Int8Array, int16: Int16Array, uint16: Uint16Array,
  int32: Int32Array, float32: Float32Array, float64: Float64Array,
} as const;

/** Allocates a zeroed typed array of the given dtype. */
export function allocArray<D extends NumericDType>(dtype: D, length: number): NumericArrayOf[D] {
  return new CTORS[dtype](length) as NumericArrayOf[D];
}

/** The dtype of a typed array, or undefined for a type the formats do not carry. */
export function dtypeOfArray(a: unknown): NumericDType | undefined {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Uint8Array) return 'uint8';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Int8Array) return 'int8';
  if (a instanceof Int16Array) return 'int16';
  if (a instanceof Uint16Array) return 'uint16';
  return undefined;
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Copies `count` elements stored at `bytes[offset..]` with the given byte order
 * into a fresh, aligned typed array. A copy is made on purpose: the source may be
 * unaligned (file headers have odd lengths) and the result must not pin a large
 * file buffer in memory.
 */
export function decodeElements<D extends NumericDType>(
  dtype: D, bytes: Uint8Array, offset: number, count: number, littleEndian: boolean,
): NumericArrayOf[D] {
  const size = DTYPE_BYTES[dtype];
  const out = allocArray(dtype, count);
  const outBytes = new Uint8Array(out.buffer, out.byteOffset, count * size);
  outBytes.set(bytes.subarray(offset, offset + count * size));
  if (size > 1 && littleEndian !== LITTLE_ENDIAN_HOST) swapBytes(outBytes, size);
  return out;
}

/** Bytes of a typed array in the requested byte order (a copy when a swap is needed). */
export function encodeElements(a: NumericArray, littleEndian: boolean): Uint8Array {
  const size = a.BYTES_PER_ELEMENT;
  const view = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  if (size === 1 || littleEndian === LITTLE_ENDIAN_HOST) return view;
  const copy = new Uint8Array(view);
  swapBytes(copy, size);
  return copy;
}

function swapBytes(b: Uint8Array, size: number): void {
  for (let i = 0; i + size <= b.length; i += size) {
    for (let lo = i, hi = i + size - 1; lo < hi; lo++, hi--) {
      const t = b[lo]!;
      b[lo] = b[hi]!;
      b[hi] = t;
    }
  }
}

/** Converts any numeric typed array to float32 (scaling uint8 by 1/255 when asked). */
export function toFloat32(a: NumericArray, scale = 1): Float32Array {
  if (a instanceof Float32Array && scale === 1) return a;
  const out = new Float32Array(a.length);
  if (scale === 1) out.set(a);
  else for (let i = 0; i < a.length; i++) out[i] = a[i]! * scale;
  return out;
}

/**
 * What to do with NaN and ±Infinity in float data read from binary files:
 * `'error'` (default) rejects the file naming the byte offset of the first one,
 * `'allow'` keeps them, `'zero'` or a number replaces them, and `'mean'` replaces
 * each by the mean of the finite values at the same position across samples.
 */
export type NonFinitePolicy = 'error' | 'allow' | 'zero' | 'mean' | number;

/** Options for the binary readers (IDX, NPY, NPZ). */
export interface BinaryReadOptions {
  /** What to do with NaN and ±Infinity in float data; see {@link NonFinitePolicy}. Default `'error'`. */
  nonFinite?: NonFinitePolicy;
}

const BINARY_READ_OPTIONS = argNames<BinaryReadOptions>()(['nonFinite']);

/**
 * Checks a {@link NonFinitePolicy}: one of the `words` (all four by default;
 * streams cannot offer `'mean'`) or a finite number.
 * @throws {ConfigError} naming `path`, e.g. `readNpy.nonFinite: expected 'error', 'allow', 'zero', 'mean' or a finite number, got "banana"`.
 */
export function checkNonFinitePolicy(v: unknown, path: string, words: readonly string[] = ['error', 'allow', 'zero', 'mean']): void {
  if (v === undefined || (typeof v === 'string' && words.includes(v)) || (typeof v === 'number' && Number.isFinite(v))) return;
  throw new ConfigError(path, `expected ${words.map((w) => `'${w}'`).join(', ')} or a finite number, got ${show(v)}`);
}

/**
 * Checks the options of a binary reader (`readNpy`, `parseIdx`, ...): no
 * unknown keys, a valid `nonFinite`.
 * @param owner the function's name, for messages.
 * @throws {ConfigError} naming the option.
 */
export function checkBinaryReadOptions(options: BinaryReadOptions | undefined, owner: string): BinaryReadOptions {
  const o = optionsOf(options, owner, BINARY_READ_OPTIONS);
  checkNonFinitePolicy(o.nonFinite, `${owner}.nonFinite`);
  return o;
}

/**
 * Index of the first NaN/±Infinity in a float array, or -1 (always -1 for
 * integer arrays, which cannot hold one). The common all-finite case is one
 * pass of x·0 sums (0 for a finite value, NaN otherwise) over four
 * accumulators, which V8 runs about twice as fast as a per-element test; only
 * a NaN sum pays for the search.
 */
export function firstNonFinite(a: NumericArray): number {
  if (!(a instanceof Float32Array || a instanceof Float64Array)) return -1;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const whole = a.length - (a.length % 4);
  for (let i = 0; i < whole; i += 4) {
    s0 += a[i]! * 0;
    s1 += a[i + 1]! * 0;
    s2 += a[i + 2]! * 0;
    s3 += a[i + 3]! * 0;
  }
  for (let i = whole; i < a.length; i++) s0 += a[i]! * 0;
  if (s0 + s1 + s2 + s3 === 0) return -1;
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    if (v - v !== 0) return i; // NaN - NaN and Inf - Inf are NaN
  }
  return -1;
}

/**
 * Applies a {@link NonFinitePolicy} to `a`, whose samples have `d` values each.
 * Returns the number of values replaced; calls `reject(index)` for 'error'.
 */
export function applyNonFinite(a: NumericArray, d: number, policy: NonFinitePolicy, reject: (index: number) => never): number {
  const first = firstNonFinite(a);
  if (first < 0 || policy === 'allow') return 0;
  if (policy === 'error') reject(first);
  const f = a as Float32Array | Float64Array;
  const w = Math.max(d, 1);
  let fill: ArrayLike<number>;
  if (policy === 'mean') {
    const sum = new Float64Array(w);
    const cnt = new Float64Array(w);
    for (let i = 0; i < f.length; i++) {
      const v = f[i]!;
      if (v - v === 0) { sum[i % w]! += v; cnt[i % w]!++; }
    }
    // A position with no finite value at all has no mean; zero is the neutral choice.
    fill = Array.from(sum, (s, j) => (cnt[j]! > 0 ? s / cnt[j]! : 0));
  } else {
    fill = new Float64Array(w).fill(policy === 'zero' ? 0 : policy);
  }
  let n = 0;
  for (let i = first; i < f.length; i++) {
    const v = f[i]!;
    if (v - v !== 0) { f[i] = fill[i % w]!; n++; }
  }
  return n;
}

/** Applies the non-finite policy, reporting the byte offset of the first bad value. */
export function checkFinite(data: NumericArray, shape: readonly number[], options: BinaryReadOptions, file: string, dataOffset: number, elemBytes: number): void {
  applyNonFinite(data, shapeSize(shape.slice(1)), options.nonFinite ?? 'error', (i) => {
    throw new DataFormatError(file, { offset: dataOffset + i * elemBytes },
      `non-finite value ${data[i]} at element ${i} (pass nonFinite: 'zero' | 'mean' | number to replace, or 'allow')`);
  });
}

