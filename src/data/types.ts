/**
 * An in-memory data set: `n` samples stored contiguously, row-major (C order).
 *
 * `shape[0]` is the number of samples and the rest is the shape of one sample,
 * e.g. `[60000, 784]` (flat) or `[60000, 1, 28, 28]` (NCHW images, the layout the
 * ONNX engine uses). `x.length` always equals the product of `shape`.
 */
export interface Dataset {
  x: Float32Array;
  /** `[n, ...sampleShape]`. */
  shape: number[];
  /** One class index per sample, when the data has classes. */
  labels?: Int32Array;
  /** `labelNames[k]` is the name of class `k`. */
  labelNames?: string[];
  /** Where the data came from and how it was prepared, for logs and model cards. */
  description: string;
}

/** Numeric element types the file formats can carry. */
export type NumericDType = 'uint8' | 'int8' | 'int16' | 'uint16' | 'int32' | 'float32' | 'float64';

/** Typed array for each {@link NumericDType}. */
export interface NumericArrayOf {
  uint8: Uint8Array;
  int8: Int8Array;
  int16: Int16Array;
  uint16: Uint16Array;
  int32: Int32Array;
  float32: Float32Array;
  float64: Float64Array;
}

/** Any typed array a file format may return. */
export type NumericArray = NumericArrayOf[NumericDType];

/** A typed array together with its dtype and shape, as read from or written to a file. */
export interface Tensor<D extends NumericDType = NumericDType> {
  dtype: D;
  shape: number[];
  data: NumericArrayOf[D];
}

/** Product of a shape's dimensions (1 for a scalar shape `[]`). */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Number of values in one sample of a dataset. */
export function sampleSize(ds: Pick<Dataset, 'shape'>): number {
  return shapeSize(ds.shape.slice(1));
}

/** A slice of a dataset or stream, `shape = [batchSize, ...sampleShape]`. */
export interface Batch {
  x: Float32Array;
  shape: number[];
  labels?: Int32Array;
  /** Positions of the batch's samples in the source (row numbers for streams). */
  indices?: Int32Array;
}

/** Anything with samples in the first axis: a {@link Dataset}, a {@link Batch}. */
export interface Samples {
  x: Float32Array;
  shape: readonly number[];
}
