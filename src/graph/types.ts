/** Element types a graph value can hold. */
export type DType = 'float32' | 'float64' | 'int64' | 'int32' | 'bool' | 'uint8';

/**
 * One dimension of a static shape: a number, or a symbol (such as `'N'` for the
 * batch) whose size is only known when the graph runs.
 */
export type Dim = number | string;

/** A static shape. Rank is always known; symbolic dims stand for sizes fixed at run time. */
export type Shape = readonly Dim[];

/** Typed array matching each dtype, as ONNX Runtime's Node binding expects it. */
export interface DTypeArray {
  float32: Float32Array;
  float64: Float64Array;
  int64: BigInt64Array;
  int32: Int32Array;
  bool: Uint8Array;
  uint8: Uint8Array;
}

/** Any typed array a tensor may hold. */
export type TensorArray = DTypeArray[DType];

/** Concrete data with a concrete shape, the unit of exchange with the runtime. */
export interface TensorData<D extends DType = DType> {
  readonly dtype: D;
  readonly shape: readonly number[];
  readonly data: DTypeArray[D];
}

export const FLOAT_DTYPES: readonly DType[] = ['float32', 'float64'];

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

/** Number of elements of a concrete shape. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Splits a dim into its symbolic base and numeric factor: 784 → {factor: 784},
 * 'N' → {base: 'N', factor: 1}, 'N*784' → {base: 'N', factor: 784}.
 */
export function splitDim(d: Dim): { base?: string; factor: number } {
  if (typeof d === 'number') return { factor: d };
  const star = d.lastIndexOf('*');
  if (star > 0) {
    const factor = Number(d.slice(star + 1));
    if (Number.isInteger(factor) && factor > 0) return { base: d.slice(0, star), factor };
  }
  return { base: d, factor: 1 };
}

/** Joins a symbolic base and a numeric factor back into a dim. */
export function joinDim(base: string | undefined, factor: number): Dim {
  if (base === undefined) return factor;
  return factor === 1 ? base : `${base}*${factor}`;
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** Allocates a zeroed typed array for a dtype. */
export function allocate<D extends DType>(dtype: D, length: number): DTypeArray[D] {
  switch (dtype) {
    case 'float32': return new Float32Array(length) as DTypeArray[D];
    case 'float64': return new Float64Array(length) as DTypeArray[D];
    case 'int64': return new BigInt64Array(length) as DTypeArray[D];
    case 'int32': return new Int32Array(length) as DTypeArray[D];
    case 'bool':
    case 'uint8': return new Uint8Array(length) as DTypeArray[D];
  }
  throw new Error(`unknown dtype ${String(dtype)}`);
}

/** Builds a tensor from plain numbers, converting to the dtype's array type. */
export function tensor<D extends DType>(dtype: D, shape: readonly number[], values: ArrayLike<number> | DTypeArray[D]): TensorData<D> {
  const n = sizeOf(shape);
  if (values.length !== n) {
    throw new Error(`tensor: shape ${formatShape(shape)} needs ${n} values, got ${values.length}`);
  }
  const data = allocate(dtype, n);
  if (dtype === 'int64') {
    const out = data as BigInt64Array;
    for (let i = 0; i < n; i++) out[i] = BigInt(Math.trunc(Number((values as ArrayLike<number | bigint>)[i])));
  } else {
    const out = data as Exclude<TensorArray, BigInt64Array>;
    for (let i = 0; i < n; i++) out[i] = Number((values as ArrayLike<number>)[i]);
  }
  return { dtype, shape: [...shape], data };
}
